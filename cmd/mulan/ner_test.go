package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mulan-nlp/mulan/modelfile"
)

// nerFixture writes a tiny CoNLL (IOB2) training file and a test file built
// from the same templates and returns their paths.
func nerFixture(t *testing.T) (dir, train, test string) {
	t.Helper()
	dir = t.TempDir()
	people := []string{"John Smith", "Mary", "Peter Brown", "Anna"}
	places := []string{"Paris", "New York", "Berlin", "Tokyo"}
	var tr strings.Builder
	tr.WriteString("-DOCSTART- -X- O O\n\n")
	sentence := func(b *strings.Builder, per, loc string) {
		for i, w := range strings.Fields(per) {
			fmt.Fprintf(b, "%s NNP B-NP %s-PER\n", w, map[bool]string{true: "B", false: "I"}[i == 0])
		}
		b.WriteString("lives VBZ B-VP O\nin IN B-PP O\n")
		for i, w := range strings.Fields(loc) {
			fmt.Fprintf(b, "%s NNP B-NP %s-LOC\n", w, map[bool]string{true: "B", false: "I"}[i == 0])
		}
		b.WriteString(". . O O\n\n")
	}
	for range 5 {
		for _, p := range people {
			for _, l := range places {
				sentence(&tr, p, l)
			}
		}
	}
	var te strings.Builder
	sentence(&te, "Peter Brown", "New York")
	sentence(&te, "Anna", "Berlin")
	train = filepath.Join(dir, "train.conll")
	test = filepath.Join(dir, "test.conll")
	for p, s := range map[string]string{train: tr.String(), test: te.String()} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, train, test
}

// nerRun is mulanRun after resetting every flag of every command to its
// default, so that no flag value leaks from one run of the shared root into
// the next.
func nerRun(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	resetAllFlags(t)
	return mulanRun(t, stdin, args...)
}

// resetAllFlags resets every flag of every command to its default now and when
// the test ends.
func resetAllFlags(t *testing.T) {
	t.Helper()
	var reset func(c *cobra.Command)
	reset = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Changed {
				// A slice flag's Set appends after its first use, so its
				// default (written "[]") is restored by Replace.
				if sv, ok := f.Value.(pflag.SliceValue); ok {
					def := strings.Trim(f.DefValue, "[]")
					var vals []string
					if def != "" {
						vals = strings.Split(def, ",")
					}
					if err := sv.Replace(vals); err != nil {
						t.Fatalf("reset --%s: %v", f.Name, err)
					}
				} else if err := f.Value.Set(f.DefValue); err != nil {
					t.Fatalf("reset --%s: %v", f.Name, err)
				}
				f.Changed = false
			}
		})
		for _, s := range c.Commands() {
			reset(s)
		}
	}
	reset(root)
	t.Cleanup(func() { reset(root) })
}

// nerSmall are the flags of a tiny, fast tagger.
var nerSmall = []string{"--word-dim", "8", "--caps-dim", "2", "--char-dim", "4", "--char-hidden", "4", "--hidden", "8",
	"--patience", "0", "--quiet"}

func TestFinetuneNER(t *testing.T) {
	dir, train, test := nerFixture(t)
	viaFinetune := filepath.Join(dir, "finetune.ner")
	viaNER := filepath.Join(dir, "ner.ner")

	// finetune --task ner and ner train run the same code: identical files.
	args := append([]string{"finetune", "--task", "ner", "--train", train, "--valid", test, "--epoch", "15", "--seed", "3", "--out", viaFinetune}, nerSmall...)
	out, err := nerRun(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "saved "+viaFinetune) {
		t.Errorf("finetune --task ner output: %q", out)
	}
	args = append([]string{"ner", "train", "--train", train, "--valid", test, "--epochs", "15", "--seed", "3", "--out", viaNER}, nerSmall...)
	if _, err := nerRun(t, "", args...); err != nil {
		t.Fatal(err)
	}
	a, errA := os.ReadFile(viaFinetune)
	b, errB := os.ReadFile(viaNER)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("finetune --task ner and ner train wrote different models (%d and %d bytes)", len(a), len(b))
	}

	// evaluate on a tagger prints conlleval's report, as ner evaluate does.
	got, err := nerRun(t, "", "evaluate", "--model", viaFinetune, "--test", test, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	want, err := nerRun(t, "", "ner", "evaluate", "--model", viaFinetune, "--test", test, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("evaluate printed\n%s\nner evaluate printed\n%s", got, want)
	}
	// 2 sentences, 12 tokens, 4 gold phrases; the templates are easy enough
	// that the tiny tagger finds all of them.
	header := "processed 12 tokens with 4 phrases; found: 4 phrases; correct: 4.\n"
	if !strings.HasPrefix(got, header) {
		t.Errorf("evaluate output does not start with %q:\n%s", header, got)
	}
	if !strings.Contains(got, "FB1: 100.00") {
		t.Errorf("evaluate output lacks FB1 100.00:\n%s", got)
	}

	// --output writes the conlleval input lines.
	pred := filepath.Join(dir, "pred.txt")
	if _, err := nerRun(t, "", "evaluate", "--model", viaFinetune, "--test", test, "--output", pred); err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile(pred)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(lines), "Peter B-PER B-PER\nBrown I-PER I-PER\n") {
		t.Errorf("--output lines:\n%s", lines)
	}

	// predict on a tagger prints the tags (and JSON spans), as ner predict does.
	in := "Mary lives in New York .\nJohn Smith lives in Tokyo .\n"
	got, err = nerRun(t, in, "predict", "--model", viaFinetune, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if want := "B-PER O O B-LOC I-LOC O\nB-PER I-PER O O B-LOC O\n"; got != want {
		t.Errorf("predict: got %q, want %q", got, want)
	}
	got, err = nerRun(t, in, "predict", "--model", viaFinetune, "--json")
	if err != nil {
		t.Fatal(err)
	}
	want, err = nerRun(t, in, "ner", "predict", "--model", viaFinetune, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.Contains(got, `{"start":3,"end":5,"type":"LOC","text":"New York"}`) {
		t.Errorf("predict --json:\n%s\nner predict --json:\n%s", got, want)
	}
}

func TestNERWrongKindsAndFlags(t *testing.T) {
	dir, train, test := nerFixture(t)
	tg := filepath.Join(dir, "m.ner")
	args := append([]string{"finetune", "--task", "ner", "--train", train, "--epoch", "1", "--out", tg}, nerSmall...)
	if _, err := nerRun(t, "", args...); err != nil {
		t.Fatal(err)
	}
	lm := filepath.Join(dir, "lm.bin")
	f, err := os.Create(lm)
	if err != nil {
		t.Fatal(err)
	}
	if err := modelfile.Encode(f, modelfile.Header{Kind: "ngram-lm", Version: 1}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"evaluate other kind", "", []string{"evaluate", "--model", lm, "--test", test}, `"ngram-lm" model file is not a classifier`},
		{"predict other kind", "x\n", []string{"predict", "--model", lm}, `"ngram-lm" model file is not a classifier`},
		{"ner evaluate other kind", "", []string{"ner", "evaluate", "--model", lm, "--test", test}, `is a "ngram-lm" model file, want "ner-tagger"`},
		{"ner predict other kind", "x\n", []string{"ner", "predict", "--model", lm}, `is a "ngram-lm" model file, want "ner-tagger"`},
		{"tagger with --digits", "", []string{"evaluate", "--model", tg, "--test", test, "--digits", "2"}, "--digits is not used with tagger models"},
		{"tagger with --k", "x\n", []string{"predict", "--model", tg, "--k", "2"}, "--k is not used by tagger models"},
		{"unknown task", "", []string{"finetune", "--task", "parse", "--train", train, "--out", tg}, `unknown --task "parse"`},
		{"ner with --arch", "", []string{"finetune", "--task", "ner", "--arch", "linear", "--train", train, "--out", tg}, "--arch is not used by --task ner"},
		{"classify with --scheme", "", []string{"finetune", "--task", "classify", "--scheme", "bio", "--train", train, "--out", tg}, "--scheme is not used by --task classify"},
		{"ner with --lang auto", "", []string{"finetune", "--task", "ner", "--lang", "auto", "--train", train, "--out", tg}, `--lang "auto": want en or zh`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := nerRun(t, c.stdin, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
