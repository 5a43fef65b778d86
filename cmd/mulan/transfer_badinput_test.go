package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// transferFixture holds the files the bad-input tests hand to the wrong
// commands: labelled data, a pretrained LM, a neural classifier, an ARPA
// n-gram model and a tagger with its CoNLL test file.
type transferFixture struct {
	dir, train, dev, text, base, clf, arpa, tagger, conll string
}

func newTransferFixture(t *testing.T) *transferFixture {
	t.Helper()
	dir, nerTrain, conll := nerFixture(t)
	f := &transferFixture{dir: dir, conll: conll,
		train: filepath.Join(dir, "train.tsv"), dev: filepath.Join(dir, "dev.tsv"), text: filepath.Join(dir, "lm.txt"),
		base: filepath.Join(dir, "base.lm"), clf: filepath.Join(dir, "m.clf"),
		arpa: filepath.Join(dir, "m.arpa"), tagger: filepath.Join(dir, "m.ner")}
	keywordData(t, f.train, 200, 5)
	keywordData(t, f.dev, 60, 6)
	data, err := os.ReadFile(f.train)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n")[1:] {
		if s, _, ok := strings.Cut(l, "\t"); ok {
			lines = append(lines, s)
		}
	}
	if err := os.WriteFile(f.text, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"pretrain", "--arch", "lstm", "--tokenizer", "space", "--emb", "8", "--hidden", "8", "--layers", "1", "--epochs", "1", "--train", f.text, "--out", f.base},
		{"finetune", "--arch", "lstm", "--base", f.base, "--train", f.train, "--epoch", "1", "--quiet", "--out", f.clf},
		{"ngram", "train", "--order", "2", "--text", f.text, "--arpa", f.arpa, "--discount-fallback"},
		append([]string{"finetune", "--task", "ner", "--train", nerTrain, "--epoch", "1", "--out", f.tagger}, nerSmall...),
	} {
		if out, errs, code := run(t, "", args...); code != 0 {
			t.Fatalf("mulan %s: exit %d: %s\n%s", strings.Join(args, " "), code, errs, out)
		}
	}
	return f
}

func (f *transferFixture) write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTransferBadInput gives the neural classifier's commands bad data,
// damaged and foreign model files and contradictory flags; each must fail
// with an error naming the problem, never panic, and write no model.
func TestTransferBadInput(t *testing.T) {
	f := newTransferFixture(t)
	unknown := f.write(t, "unknown.tsv", "sentence\tlabel\nthe good film\tpos\nthe film\tmeh\n")
	empty := f.write(t, "empty.tsv", "")
	headerOnly := f.write(t, "header.tsv", "sentence\tlabel\n")
	blank := f.write(t, "blank.tsv", "sentence\tlabel\n \tpos\n\tneg\n")
	oneLabel := f.write(t, "one.tsv", "sentence\tlabel\nthe film\tpos\na film\tpos\n")
	full, err := os.ReadFile(f.base)
	if err != nil {
		t.Fatal(err)
	}
	truncated := f.write(t, "truncated.lm", string(full[:len(full)/2]))
	flipped := bytes.Clone(full)
	flipped[len(flipped)-5] ^= 0xff
	corrupt := f.write(t, "corrupt.lm", string(flipped))
	out := filepath.Join(f.dir, "out.clf")
	finetune := func(extra ...string) []string {
		return append([]string{"finetune", "--arch", "lstm", "--tokenizer", "space", "--epoch", "1", "--quiet", "--out", out}, extra...)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  []string // substrings of stderr
	}{
		// unknown labels
		{"evaluate: unknown gold label", "", []string{"evaluate", "--model", f.clf, "--test", unknown}, []string{unknown + ":3", `label "meh" is not one of the model's labels (neg, pos)`}},
		{"finetune: dev label not in training", "", finetune("--train", f.train, "--valid", unknown), []string{unknown + ":3", `label "meh" does not occur in the training data`}},
		// bad training data
		{"finetune: empty training file", "", finetune("--train", empty), []string{empty, "no records"}},
		{"finetune: header only", "", finetune("--train", headerOnly), []string{headerOnly, "no records"}},
		{"finetune: blank texts", "", finetune("--train", blank), []string{blank, "fresh lstm encoder from the training texts", "too small"}},
		{"finetune: one label", "", finetune("--train", oneLabel), []string{oneLabel, "need at least 2 labels, found 1"}},
		// model files of other tasks
		{"evaluate: LM", "", []string{"evaluate", "--model", f.base, "--test", f.dev}, []string{`"lm" model file is not a classifier`, "it is a neural language model (read by 'mulan perplexity'"}},
		{"predict: LM", "x\n", []string{"predict", "--model", f.base}, []string{`"lm" model file is not a classifier`, "neural language model"}},
		{"evaluate: ARPA", "", []string{"evaluate", "--model", f.arpa, "--test", f.dev}, []string{f.arpa + " is an ARPA n-gram model (read by 'mulan ngram query'), not a classifier or tagger"}},
		{"predict: ARPA", "x\n", []string{"predict", "--model", f.arpa}, []string{"is an ARPA n-gram model"}},
		{"evaluate: tagger on classification records", "", []string{"evaluate", "--model", f.tagger, "--test", f.dev}, []string{f.tagger + " is a named-entity tagger", "--format conll or chars", "tsv file of classification records"}},
		{"evaluate: classifier on tagged sentences", "", []string{"evaluate", "--model", f.clf, "--test", f.conll}, []string{f.clf + " is a text classifier", "conll file of tagged sentences"}},
		{"generate: classifier", "", []string{"generate", "--model", f.clf, "--prompt", "the"}, []string{f.clf, `"lm-classifier"`}},
		{"perplexity: classifier", "", []string{"perplexity", "--model", f.clf, "--text", f.text}, []string{f.clf, `"lm-classifier"`}},
		// damaged base
		{"finetune: truncated base", "", []string{"finetune", "--arch", "lstm", "--base", truncated, "--train", f.train, "--out", out}, []string{"--base: " + truncated, "truncated", "corrupt model file"}},
		{"finetune: corrupt base", "", []string{"finetune", "--arch", "lstm", "--base", corrupt, "--train", f.train, "--out", out}, []string{"--base: " + corrupt, "checksum mismatch"}},
		{"finetune: classifier base", "", []string{"finetune", "--arch", "lstm", "--base", f.clf, "--train", f.train, "--out", out}, []string{"--base: " + f.clf + " is a neural text classifier", "not a language model ('mulan pretrain')"}},
		{"finetune: tagger base", "", []string{"finetune", "--arch", "lstm", "--base", f.tagger, "--train", f.train, "--out", out}, []string{"is a named-entity tagger", "not a language model"}},
		{"finetune: ARPA base", "", []string{"finetune", "--arch", "lstm", "--base", f.arpa, "--train", f.train, "--out", out}, []string{"is an ARPA n-gram model", "not a language model"}},
		// flags of selection and sampling
		{"train-size too large (neural)", "", finetune("--train", f.train, "--train-size", "201"), []string{"--train-size 201", f.train + " holds only 200 examples"}},
		{"train-size too large (linear)", "", []string{"finetune", "--arch", "linear", "--lang", "en", "--train", f.train, "--train-size", "999", "--out", out}, []string{"--train-size 999", "holds only 200 examples"}},
		{"train-size zero", "", finetune("--train", f.train, "--train-size", "0"), []string{"--train-size 0: must be positive"}},
		{"train-size with ner", "", []string{"finetune", "--task", "ner", "--train", f.conll, "--train-size", "5", "--out", out}, []string{"--train-size is not used by --task ner"}},
		{"dev-fraction with valid", "", finetune("--train", f.train, "--valid", f.dev, "--dev-fraction", "0.1"), []string{"--dev-fraction is not used with --valid"}},
		{"dev-fraction out of range", "", finetune("--train", f.train, "--dev-fraction", "1.5"), []string{"--dev-fraction 1.5: want a fraction between 0 and 1"}},
		{"dev-fraction holding out none", "", finetune("--train", f.train, "--dev-fraction", "0.001"), []string{"--dev-fraction 0.001 of 200 training examples holds out none"}},
		{"dev-fraction with linear", "", []string{"finetune", "--arch", "linear", "--lang", "en", "--train", f.train, "--dev-fraction", "0.1", "--out", out}, []string{"--dev-fraction is not used with --arch linear"}},
		{"select best without dev", "", finetune("--train", f.train, "--select", "best"), []string{"--select best needs dev data"}},
		{"select unknown", "", finetune("--train", f.train, "--select", "first"), []string{`--select "first": want best or last`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, errs, code := run(t, tc.stdin, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stdout %q", stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
				t.Errorf("panicked: %s", errs)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed run left %s behind (%v)", out, err)
			}
		})
	}
}

var (
	epochDevRE = regexp.MustCompile(`(?m)^epoch (\d+): .*dev accuracy ([0-9.]+)`)
	keptRE     = regexp.MustCompile(`(?m)^kept epoch (\d+) of (\d+): best dev accuracy ([0-9.]+)`)
	evalAccRE  = regexp.MustCompile(`(?m)^accuracy: ([0-9.]+)`)
)

// TestFinetuneSelectBestAndDevFraction checks through the CLI that the
// kept epoch is one with the best printed dev accuracy and that the written
// model scores that accuracy on the dev file; that --select last keeps the
// last epoch; and that --dev-fraction holds out a stratified part.
func TestFinetuneSelectBestAndDevFraction(t *testing.T) {
	dir := t.TempDir()
	train, dev := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv")
	keywordData(t, train, 300, 7)
	keywordData(t, dev, 80, 8)
	common := []string{"finetune", "--arch", "lstm", "--tokenizer", "space", "--emb", "16", "--hidden", "16", "--layers", "1",
		"--epoch", "4", "--batch", "16", "--head-hidden", "16", "--quiet", "--train", train}
	for _, tc := range []struct {
		name, sel string
	}{{"best", ""}, {"last", "last"}} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(dir, tc.name+".clf")
			args := append(append([]string{}, common...), "--valid", dev, "--out", model)
			if tc.sel != "" {
				args = append(args, "--select", tc.sel)
			}
			out, errs, code := run(t, "", args...)
			if code != 0 {
				t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
			}
			epochs := epochDevRE.FindAllStringSubmatch(out, -1)
			if len(epochs) != 4 {
				t.Fatalf("want 4 epoch lines with dev accuracy:\n%s", out)
			}
			kept, keptAcc := "4", epochs[3][2]
			if tc.sel == "last" {
				if !strings.Contains(out, "kept the last epoch (4, --select last): dev accuracy "+keptAcc) {
					t.Fatalf("--select last: no 'kept the last epoch' line:\n%s", out)
				}
			} else {
				k := keptRE.FindStringSubmatch(out)
				if k == nil || k[2] != "4" {
					t.Fatalf("no 'kept epoch K of 4' line:\n%s", out)
				}
				kept, keptAcc = k[1], k[3]
				best := 0.0
				for _, e := range epochs {
					a, _ := strconv.ParseFloat(e[2], 64)
					best = max(best, a)
					if e[1] == kept && e[2] != keptAcc {
						t.Errorf("kept epoch %s printed dev accuracy %s, kept line says %s", kept, e[2], keptAcc)
					}
				}
				if a, _ := strconv.ParseFloat(keptAcc, 64); a != best {
					t.Errorf("kept dev accuracy %s, best printed %v:\n%s", keptAcc, best, out)
				}
			}
			ev, errs, code := run(t, "", "evaluate", "--model", model, "--test", dev)
			if code != 0 {
				t.Fatalf("evaluate exit %d: %s", code, errs)
			}
			if m := evalAccRE.FindStringSubmatch(ev); m == nil || m[1] != keptAcc {
				t.Errorf("evaluate accuracy %v, kept epoch %s's dev accuracy %s", m, kept, keptAcc)
			}
		})
	}
	t.Run("dev-fraction", func(t *testing.T) {
		args := append(append([]string{}, common...), "--dev-fraction", "0.2", "--train-size", "150", "--seed", "4", "--out", filepath.Join(dir, "frac.clf"))
		out, errs, code := run(t, "", args...)
		if code != 0 {
			t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
		}
		for _, want := range []string{
			"using a stratified sample of 150 of the 300 training examples (--seed 4)",
			"holding out 30 of the 150 training examples as dev data (--dev-fraction 0.2, stratified, --seed 4)",
			"labels: neg pos) on 120 examples",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if len(epochDevRE.FindAllString(out, -1)) != 4 || keptRE.FindString(out) == "" {
			t.Errorf("want 4 epochs with dev accuracy and a kept epoch:\n%s", out)
		}
	})
}

// TestFinetuneTrainSize checks --train-size for the linear and the neural
// classifiers: the number of examples trained on, determinism by --seed, and
// that another seed draws another sample.
func TestFinetuneTrainSize(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.tsv")
	keywordData(t, train, 300, 9)
	linear := func(name string, seed string) (string, []byte) {
		model := filepath.Join(dir, name)
		out, errs, code := run(t, "", "finetune", "--arch", "linear", "--lang", "en", "--bucket", "1000", "--train", train, "--train-size", "40", "--seed", seed,
			"--threads", "1", "--epoch", "2", "--quiet", "--out", model)
		if code != 0 {
			t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
		}
		b, err := os.ReadFile(model)
		if err != nil {
			t.Fatal(err)
		}
		return out, b
	}
	out, a := linear("a.lin", "1")
	if !strings.Contains(out, "using a stratified sample of 40 of the 300 training examples (--seed 1)") || !strings.Contains(out, "trained linear on 40 examples") {
		t.Errorf("linear --train-size 40 output:\n%s", out)
	}
	if _, b := linear("b.lin", "1"); !bytes.Equal(a, b) {
		t.Error("same --seed, different linear models")
	}
	if _, c := linear("c.lin", "2"); bytes.Equal(a, c) {
		t.Error("--seed 1 and 2 give the same linear model (same sample)")
	}
	out, errs, code := run(t, "", "finetune", "--arch", "lstm", "--tokenizer", "space", "--emb", "8", "--hidden", "8", "--layers", "1",
		"--train", train, "--train-size", "25", "--epoch", "1", "--quiet", "--out", filepath.Join(dir, "n.clf"))
	if code != 0 {
		t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
	}
	if !strings.Contains(out, "labels: neg pos) on 25 examples") || !strings.Contains(out, "kept the last epoch (1; no dev data to select by)") {
		t.Errorf("neural --train-size 25 output:\n%s", out)
	}
}

// TestFinetuneBackwardBase fine-tunes a classifier on a backward LM through
// the CLI and checks that it learns the keyword task (the direction itself
// is checked in package transfer).
func TestFinetuneBackwardBase(t *testing.T) {
	dir := t.TempDir()
	train, dev := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv")
	keywordData(t, train, 400, 10)
	keywordData(t, dev, 80, 11)
	data, _ := os.ReadFile(train)
	var lines []string
	for _, l := range strings.Split(string(data), "\n")[1:] {
		if s, _, ok := strings.Cut(l, "\t"); ok {
			lines = append(lines, s)
		}
	}
	text := filepath.Join(dir, "lm.txt")
	if err := os.WriteFile(text, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "bwd.lm")
	if out, errs, code := run(t, "", "pretrain", "--arch", "lstm", "--backward", "--tokenizer", "space", "--emb", "16", "--hidden", "16", "--layers", "1",
		"--epochs", "1", "--train", text, "--out", base); code != 0 {
		t.Fatalf("pretrain exit %d: %s\n%s", code, errs, out)
	}
	model := filepath.Join(dir, "bwd.clf")
	out, errs, code := run(t, "", "finetune", "--arch", "lstm", "--base", base, "--train", train, "--valid", dev, "--epoch", "6",
		"--batch", "16", "--lr", "0.03", "--no-unfreeze", "--quiet", "--out", model)
	if code != 0 {
		t.Fatalf("finetune exit %d: %s\n%s", code, errs, out)
	}
	k := keptRE.FindStringSubmatch(out)
	if k == nil {
		t.Fatalf("no kept epoch:\n%s", out)
	}
	if acc, _ := strconv.ParseFloat(k[3], 64); acc < 0.9 {
		t.Errorf("classifier on a backward LM: best dev accuracy %v < 0.9:\n%s", acc, out)
	}
}
