package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/tagger"
)

// nerLMFixture writes the fixture's tokens as running text and pretrains a
// tiny forward and backward word LM on it with `mulan pretrain`.
func nerLMFixture(t *testing.T) (dir, train, test, fwd, bwd string) {
	t.Helper()
	dir, train, test = nerFixture(t)
	sents, err := corpus.ReadAllSentences(train, corpus.Options{Format: corpus.CoNLL})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, s := range sents {
		text.WriteString(strings.Join(s.Tokens, " ") + "\n")
	}
	txt := filepath.Join(dir, "lm.txt")
	if err := os.WriteFile(txt, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	fwd, bwd = filepath.Join(dir, "fwd.lm"), filepath.Join(dir, "bwd.lm")
	for _, c := range []struct {
		out  string
		back bool
	}{{fwd, false}, {bwd, true}} {
		args := []string{"pretrain", "--arch", "lstm", "--tokenizer", "space", "--train", txt, "--emb", "8", "--hidden", "8",
			"--layers", "2", "--epochs", "1", "--batch", "4", "--bptt", "8", "--out", c.out, "--checkpoint", c.out + ".ckpt"}
		if c.back {
			args = append(args, "--backward")
		}
		_, err := nerRun(t, "", args...)
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir, train, test, fwd, bwd
}

// ner train --base/--base-backward writes one self-contained tagger file:
// with the LM files gone, ner evaluate, evaluate, ner predict and predict
// work from it and agree; --finetune-lm trains too.
func TestNERLMFeatures(t *testing.T) {
	dir, train, test, fwd, bwd := nerLMFixture(t)
	model := filepath.Join(dir, "lm.ner")
	tuned := filepath.Join(dir, "tuned.ner")
	args := append([]string{"ner", "train", "--train", train, "--valid", test, "--epochs", "12", "--seed", "3",
		"--base", fwd, "--base-backward", bwd, "--out", model}, nerSmall...)
	out, err := nerRun(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "saved "+model) {
		t.Errorf("ner train output %q", out)
	}
	args = append([]string{"ner", "train", "--train", train, "--valid", test, "--epochs", "4", "--seed", "3",
		"--base", fwd, "--base-backward", bwd, "--finetune-lm", "--lm-factor", "2", "--out", tuned}, nerSmall...)
	if _, err := nerRun(t, "", args...); err != nil {
		t.Fatal(err)
	}
	// The feature cache changes speed, not results: without it, and with a
	// cap too small for the features (which says so), the same tagger.
	for _, c := range []struct{ mb, warn string }{{"0", ""}, {"0.0001", "the LM feature cache is full (--lm-cache-mb 0.0001)"}} {
		other := filepath.Join(dir, "cache"+c.mb+".ner")
		args := append([]string{"ner", "train", "--train", train, "--valid", test, "--epochs", "12", "--seed", "3",
			"--base", fwd, "--base-backward", bwd, "--lm-cache-mb", c.mb, "--out", other}, nerSmall...)
		resetAllFlags(t)
		_, out, err := mulanRunStderr(t, "", args...)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out, "cache is full"); got != (c.warn != "") || !strings.Contains(out, c.warn) {
			t.Errorf("--lm-cache-mb %s: output %q, want a warning %q", c.mb, out, c.warn)
		}
		a, _ := os.ReadFile(model)
		b, _ := os.ReadFile(other)
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("--lm-cache-mb %s: tagger differs from the cached run's", c.mb)
		}
	}
	for _, p := range []string{fwd, bwd} {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		path     string
		finetune bool
		factor   float64
	}{{model, false, 0}, {tuned, true, 2}} {
		m, err := tagger.Load(c.path)
		if err != nil {
			t.Fatal(err)
		}
		cfg := m.Config()
		if cfg.ContextName != "lm:fwd-lstm-space-8+bwd-lstm-space-8" || cfg.ContextDim != 16 ||
			cfg.ContextFineTune != c.finetune || cfg.ContextFactor != c.factor || cfg.ContextUnfreeze != c.finetune {
			t.Errorf("%s: config records context %q/%d fine-tuned %v factor %v unfreeze %v", c.path,
				cfg.ContextName, cfg.ContextDim, cfg.ContextFineTune, cfg.ContextFactor, cfg.ContextUnfreeze)
		}
	}

	got, err := nerRun(t, "", "evaluate", "--model", model, "--test", test, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	want, err := nerRun(t, "", "ner", "evaluate", "--model", model, "--test", test, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if got != want || !strings.HasPrefix(got, "processed 12 tokens with 4 phrases;") {
		t.Errorf("evaluate printed\n%s\nner evaluate printed\n%s", got, want)
	}
	in := "Mary lives in New York .\nJohn Smith lives in Tokyo .\n"
	got, err = nerRun(t, in, "predict", "--model", model, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	want, err = nerRun(t, in, "ner", "predict", "--model", model)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || len(strings.Split(strings.TrimSpace(got), "\n")) != 2 {
		t.Errorf("predict printed %q, ner predict %q", got, want)
	}
	if _, err := nerRun(t, in, "ner", "predict", "--model", tuned); err != nil {
		t.Errorf("fine-tuned tagger: %v", err)
	}
}

func TestNERLMFlagErrors(t *testing.T) {
	dir, train, _, fwd, bwd := nerLMFixture(t)
	out := filepath.Join(dir, "x.ner")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"backward as --base", []string{"--base", bwd}, "a backward language model (give it as --base-backward)"},
		{"forward as --base-backward", []string{"--base", fwd, "--base-backward", fwd}, "a forward language model"},
		{"missing LM", []string{"--base", filepath.Join(dir, "none.lm")}, "none.lm"},
		{"not an LM", []string{"--base", train}, train},
		{"finetune without base", []string{"--finetune-lm"}, "--finetune-lm needs --base"},
		{"factor without finetune", []string{"--base", fwd, "--lm-factor", "3"}, "--lm-factor is used only with --finetune-lm"},
		{"negative cache", []string{"--base", fwd, "--lm-cache-mb", "-1"}, "--lm-cache-mb -1: want a size in MiB"},
		{"cache with finetune", []string{"--base", fwd, "--finetune-lm", "--lm-cache-mb", "64"}, "--lm-cache-mb is for frozen LMs"},
		{"unfreeze without finetune", []string{"--base", fwd, "--no-lm-unfreeze"}, "--no-lm-unfreeze is used only with --finetune-lm"},
		{"bad factor", []string{"--base", fwd, "--finetune-lm", "--lm-factor", "0.5"}, "context_factor 0.5"},
		{"bad fraction", []string{"--train-fraction", "1.5"}, "--train-fraction 1.5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"ner", "train", "--train", train, "--epochs", "1", "--out", out}, append(nerSmall, c.args...)...)
			_, err := nerRun(t, "", args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	// The LM flags are tagger flags: --task classify refuses them.
	_, err := nerRun(t, "", "finetune", "--task", "classify", "--arch", "linear", "--train", train, "--out", out, "--base-backward", bwd)
	if err == nil || !strings.Contains(err.Error(), "--base-backward is not used by --task classify") {
		t.Errorf("finetune --task classify --base-backward: %v", err)
	}
}

// --base is registered only for `ner train` (finetune has its own, whose
// value it copies into opts.Base); the other LM flags are tagger flags.
func TestNERLMFlagRegistration(t *testing.T) {
	for _, common := range []bool{true, false} {
		var n nerTrainFlags
		f := pflag.NewFlagSet("x", pflag.ContinueOnError)
		n.add(f, common)
		if (f.Lookup("base") != nil) != common {
			t.Errorf("common=%v: --base registered: %v", common, f.Lookup("base") != nil)
		}
		for _, fl := range []string{"base-backward", "finetune-lm", "lm-cache-mb", "lm-factor", "no-lm-unfreeze", "train-fraction"} {
			if !slices.Contains(n.own, fl) {
				t.Errorf("common=%v: --%s not among the tagger's own flags %v", common, fl, n.own)
			}
		}
		if slices.Contains(n.own, "base") {
			t.Errorf("common=%v: --base among the tagger's own flags", common)
		}
	}
	if !slices.Contains(nerCommonFlags, "base") {
		t.Errorf("nerCommonFlags lacks base")
	}
}

// --train-fraction trains on a seeded subset of the training sentences
// (20 of 80 at 0.25), reproducibly.
func TestNERTrainFraction(t *testing.T) {
	_, train, test := nerFixture(t)
	run := func() []byte {
		var n nerTrainFlags
		f := pflag.NewFlagSet("x", pflag.ContinueOnError)
		n.add(f, true)
		out := filepath.Join(t.TempDir(), "m.ner")
		args := append([]string{"--train", train, "--valid", test, "--train-fraction", "0.25", "--epochs", "1", "--out", out}, nerSmall...)
		if err := f.Parse(args); err != nil {
			t.Fatal(err)
		}
		o, err := n.options(f.Changed)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if err := runNERTrain(o, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr.String(), "ner: 20 training and 2 dev sentences") {
			t.Errorf("stderr: %s", stderr.String())
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(run(), run()) {
		t.Errorf("two runs with the same seed wrote different models")
	}
}

// finetune --task ner --base/--base-backward trains the same tagger as ner
// train with those flags: same LM features, same predictions.
func TestFinetuneNERWithBase(t *testing.T) {
	dir, train, test, fwd, bwd := nerLMFixture(t)
	a, b := filepath.Join(dir, "a.ner"), filepath.Join(dir, "b.ner")
	common := append([]string{"--train", train, "--valid", test, "--epochs", "3", "--seed", "3", "--base", fwd, "--base-backward", bwd}, nerSmall...)
	if _, err := nerRun(t, "", append(append([]string{"ner", "train"}, common...), "--out", a)...); err != nil {
		t.Fatal(err)
	}
	ft := append([]string{"finetune", "--task", "ner", "--train", train, "--valid", test, "--epoch", "3", "--seed", "3",
		"--base", fwd, "--base-backward", bwd, "--out", b}, nerSmall...)
	if _, err := nerRun(t, "", ft...); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		m, err := tagger.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if cfg := m.Config(); cfg.ContextName != "lm:fwd-lstm-space-8+bwd-lstm-space-8" || cfg.ContextDim != 16 {
			t.Errorf("%s: context %q/%d, want the two LMs'", p, cfg.ContextName, cfg.ContextDim)
		}
	}
	in := "Mary lives in New York .\nJohn Smith lives in Tokyo .\n"
	pa, err := nerRun(t, in, "predict", "--model", a, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	pb, err := nerRun(t, in, "predict", "--model", b, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if pa != pb {
		t.Errorf("ner train predicts\n%s\nfinetune --task ner predicts\n%s", pa, pb)
	}
}
