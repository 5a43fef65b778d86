package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/modelfile"
)

// mulanRun runs the mulan command line with args and stdin, returning stdout and the error.
func mulanRun(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	out, _, err := mulanRunStderr(t, stdin, args...)
	return out, err
}

// mulanRunStderr is mulanRun that also returns what the command wrote to
// stderr (logs, warnings).
func mulanRunStderr(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func TestFinetuneEvaluatePredict(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var tr strings.Builder
	tr.WriteString("sentence\tlabel\n")
	for i := range 50 {
		_ = i
		tr.WriteString("a wonderful , moving film\tpos\nwonderful acting\tpos\na dull mess\tneg\ndull and boring\tneg\n")
	}
	train := write("train.tsv", tr.String())
	dev := write("dev.tsv", "sentence\tlabel\nwonderful film\tpos\nboring mess\tneg\n")
	model := filepath.Join(dir, "m.lin")

	out, err := mulanRun(t, "", "finetune", "--arch", "linear", "--train", train, "--valid", dev, "--lang", "en",
		"--dim", "8", "--epoch", "20", "--threads", "1", "--quiet", "--out", model)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "validation accuracy: 1.0000 (2 examples") {
		t.Errorf("finetune output lacks the validation accuracy:\n%s", out)
	}

	out, err = mulanRun(t, "", "evaluate", "--model", model, "--test", dev, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"accuracy: 1.0000", "precision    recall  f1-score   support", "weighted avg", "true\\pred"} {
		if !strings.Contains(out, want) {
			t.Errorf("evaluate output lacks %q:\n%s", want, out)
		}
	}
	out, err = mulanRun(t, "", "evaluate", "--model", model, "--test", dev, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Examples int     `json:"examples"`
		Accuracy float64 `json:"accuracy"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || js.Examples != 2 || js.Accuracy != 1 {
		t.Errorf("evaluate --json: %+v, %v\n%s", js, err, out)
	}

	out, err = mulanRun(t, "wonderful acting\n\ndull and boring", "predict", "--model", model, "--k", "1", "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "pos\t0.") || !strings.HasPrefix(lines[2], "neg\t0.") {
		t.Errorf("predict output:\n%s", out)
	}
	out, err = mulanRun(t, "wonderful\n", "predict", "--model", model, "--k", "0", "--json")
	if err != nil || !strings.Contains(out, `"text":"wonderful","predictions":[{"label":"pos"`) || !strings.Contains(out, `{"label":"neg"`) {
		t.Errorf("predict --json --k 0: %v\n%s", err, out)
	}

	// Bad input.
	empty := write("empty.tsv", "sentence\tlabel\n")
	unknown := write("unknown.tsv", "sentence\tlabel\nwonderful\tpos\nfine\tneutral\n")
	var other bytes.Buffer
	modelfile.Encode(&other, modelfile.Header{Kind: "ngram-binary", Version: 1}, []byte("x"))
	otherModel := write("lm.bin", other.String())
	corrupt := write("corrupt.lin", "MULANMF\x00garbage")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"finetune", "--arch", "awd-lstm", "--train", train, "--out", model}, `unknown --arch "awd-lstm"`},
		{[]string{"finetune", "--arch", "linear", "--train", empty, "--valid", "", "--out", model}, "no records"},
		{[]string{"evaluate", "--model", model, "--test", unknown}, `unknown.tsv:3: label "neutral" is not one of the model's labels (neg, pos)`},
		{[]string{"evaluate", "--model", otherModel, "--test", dev}, `a "ngram-binary" model file is not a classifier`},
		{[]string{"predict", "--model", corrupt}, "corrupt.lin"},
		{[]string{"evaluate", "--model", model, "--test", dev, "--format", "conll"}, "tagged sentences"},
	}
	for _, tc := range tests {
		_, err := mulanRun(t, "", tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mulan %s: error %v, want one containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
