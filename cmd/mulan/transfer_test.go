package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keywordData writes a TSV whose label is pos iff the text holds "good".
func keywordData(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("the a film was is very quite plot actor scene movie story and but")
	var b strings.Builder
	b.WriteString("sentence\tlabel\n")
	for range n {
		k := 3 + rng.IntN(6)
		ws := make([]string, k)
		for j := range ws {
			ws[j] = words[rng.IntN(len(words))]
		}
		lab := "neg"
		if rng.IntN(2) == 1 {
			lab = "pos"
			ws[rng.IntN(k)] = "good"
		}
		fmt.Fprintf(&b, "%s\t%s\n", strings.Join(ws, " "), lab)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

var devAccRE = regexp.MustCompile(`epoch (\d+): trained ([a-z0-9+]+), .*dev accuracy ([0-9.]+)`)

func TestFinetuneNeuralEvaluatePredict(t *testing.T) {
	dir := t.TempDir()
	train, dev := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv")
	keywordData(t, train, 400, 1)
	keywordData(t, dev, 100, 2)
	model := filepath.Join(dir, "m.clf")
	out, errs, code := run(t, "", "finetune", "--arch", "lstm", "--tokenizer", "space", "--emb", "16", "--hidden", "24", "--layers", "1",
		"--train", train, "--valid", dev, "--epoch", "6", "--batch", "16", "--head-hidden", "20", "--no-unfreeze", "--quiet", "--out", model)
	if code != 0 {
		t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
	}
	m := devAccRE.FindAllStringSubmatch(out, -1)
	if len(m) != 6 {
		t.Fatalf("want 6 epoch lines with dev accuracy:\n%s", out)
	}
	if acc, _ := strconv.ParseFloat(m[5][3], 64); acc < 0.95 {
		t.Errorf("final dev accuracy %v < 0.95:\n%s", acc, out)
	}
	if m[0][2] != "embedding+layer1+head" {
		t.Errorf("with --no-unfreeze epoch 1 trained %s", m[0][2])
	}

	out, errs, code = run(t, "", "evaluate", "--model", model, "--test", dev, "--json=false")
	if code != 0 {
		t.Fatalf("evaluate exit %d: %s", code, errs)
	}
	if got := regexp.MustCompile(`accuracy: ([0-9.]+)`).FindStringSubmatch(out); got == nil || got[1] != m[5][3] {
		t.Errorf("evaluate accuracy %v, finetune's last dev accuracy %s:\n%s", got, m[5][3], out)
	}
	out, errs, code = run(t, "the good film\nthe dull film\n", "predict", "--model", model, "--k", "1", "--json=false")
	if code != 0 {
		t.Fatalf("predict exit %d: %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.Contains(lines[0], "pos") || !strings.Contains(lines[1], "neg") {
		t.Errorf("predict output:\n%s", out)
	}
}

func TestFinetuneNeuralFromPretrainedBase(t *testing.T) {
	dir := t.TempDir()
	train, dev := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv")
	keywordData(t, train, 200, 3)
	keywordData(t, dev, 50, 4)
	text := filepath.Join(dir, "lm.txt")
	data, _ := os.ReadFile(train)
	var lines []string
	for _, l := range strings.Split(string(data), "\n")[1:] {
		if s, _, ok := strings.Cut(l, "\t"); ok {
			lines = append(lines, s)
		}
	}
	if err := os.WriteFile(text, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.lm")
	if out, errs, code := run(t, "", "pretrain", "--arch", "lstm", "--tokenizer", "space", "--emb", "16", "--hidden", "16", "--layers", "2",
		"--epochs", "1", "--train", text, "--out", base); code != 0 {
		t.Fatalf("pretrain exit %d: %s\n%s", code, errs, out)
	}
	model := filepath.Join(dir, "m.clf")
	out, errs, code := run(t, "", "finetune", "--arch", "lstm", "--base", base, "--train", train, "--valid", dev,
		"--epoch", "2", "--quiet", "--out", model)
	if code != 0 {
		t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
	}
	m := devAccRE.FindAllStringSubmatch(out, -1)
	if len(m) != 2 || m[0][2] != "head" || m[1][2] != "layer2+head" {
		t.Errorf("gradual unfreezing: want epoch 1 head, epoch 2 layer2+head:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--arch", "rnn", "--base", base}, "lstm language model"},
		{[]string{"--arch", "lstm", "--base", base, "--emb", "8"}, "--emb is not used with --base"},
		{[]string{"--arch", "lstm", "--dim", "8"}, "--dim is not used with --arch lstm"},
		{[]string{"--arch", "linear", "--no-stlr"}, "--no-stlr is not used with --arch linear"},
		{[]string{"--arch", "lstm", "--base", filepath.Join(dir, "missing.lm")}, "missing.lm"},
	} {
		args := append([]string{"finetune", "--train", train, "--out", filepath.Join(dir, "x.clf")}, tc.args...)
		if _, errs, code := run(t, "", args...); code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want it to mention %q", tc.args, code, errs, tc.want)
		}
	}
}
