package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// 'mulan generate' reads mixture manifests and n-gram models: a mixture
// with all its weight on the neural member prints exactly what the LM
// prints with the same seed, one with all its weight on the n-gram model
// what the n-gram model prints, a real mixture only words of the shared
// vocabulary; errors are reported, not panicked on.
func TestGenerateMixCLI(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	words := strings.Fields("the cat dog sat ran on a mat log")
	for i := range 80 {
		var l []string
		for j := range 3 + i%4 {
			l = append(l, words[(i*7+j*(1+i%3))%len(words)])
		}
		lines = append(lines, strings.Join(l, " "))
	}
	train := filepath.Join(dir, "train.txt")
	if err := os.WriteFile(train, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	arpa, nlm := filepath.Join(dir, "kn.arpa"), filepath.Join(dir, "n.lm")
	mustRun := func(args ...string) string {
		t.Helper()
		out, errs, code := run(t, "", args...)
		if code != 0 {
			t.Fatalf("mulan %s: exit %d\n%s", strings.Join(args, " "), code, errs)
		}
		return out
	}
	mustRun("ngram", "train", "-q", "--order", "3", "--discount-fallback", "--text", train, "--arpa", arpa)
	mustRun("pretrain", "--arch", "lstm", "--tokenizer", "space", "--emb", "16", "--hidden", "16", "--layers", "1",
		"--epochs", "1", "--train", train, "--out", nlm)
	mix := func(name, weights string) string {
		p := filepath.Join(dir, name)
		mustRun("mix", "--model", arpa, "--model", nlm, "--weights", weights, "--out", p)
		return p
	}
	toLM, toNgram, half := mix("lm.mix", "0,1"), mix("ngram.mix", "1,0"), mix("half.mix", "0.5,0.5")
	gen := func(model string, extra ...string) string {
		t.Helper()
		return mustRun(append([]string{"generate", "--model", model, "--prompt", "the cat", "--max-tokens", "12",
			"--seed", "5", "--samples", "4"}, extra...)...)
	}
	for _, opts := range [][]string{nil, {"--temperature", "0.7", "--top-k", "3"}, {"--no-stop", "--temperature", "1.5"}} {
		if a, b := gen(toLM, opts...), gen(nlm, opts...); a != b || strings.Count(a, "\n") != 4 {
			t.Errorf("%v: mixture with weight 1 on the LM:\n%s\nthe LM:\n%s", opts, a, b)
		}
		if a, b := gen(toNgram, opts...), gen(arpa, opts...); a != b || strings.Count(a, "\n") != 4 {
			t.Errorf("%v: mixture with weight 1 on the n-gram model:\n%s\nthe n-gram model:\n%s", opts, a, b)
		}
	}
	vocab := map[string]bool{"<unk>": true}
	for _, w := range words {
		vocab[w] = true
	}
	out := gen(half, "--no-stop")
	samples := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	distinct := map[string]bool{}
	for _, s := range samples {
		ws := strings.Fields(s)
		if len(ws) != 2+12 || ws[0] != "the" || ws[1] != "cat" {
			t.Errorf("sample %q: want the prompt and 12 words", s)
		}
		for _, w := range ws {
			if !vocab[w] && w != "</s>" {
				t.Errorf("sample %q: word %q is not in the vocabulary", s, w)
			}
		}
		distinct[s] = true
	}
	if len(samples) != 4 || len(distinct) < 2 {
		t.Errorf("4 samples of a mixture at temperature 1 should differ:\n%s", out)
	}
	if greedy := gen(half, "--temperature", "0"); len(strings.Split(strings.TrimSpace(greedy), "\n")) != 4 ||
		strings.Count(greedy, strings.SplitAfter(greedy, "\n")[0]) != 4 {
		t.Errorf("greedy samples differ:\n%s", greedy)
	}

	broken := filepath.Join(dir, "broken.mix")
	manifest, _ := os.ReadFile(half)
	if err := os.WriteFile(broken, []byte(strings.Replace(string(manifest), "n.lm", "missing.lm", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", broken}, "missing.lm"},
		{[]string{"--model", half, "--temperature", "-1"}, "not negative"},
		{[]string{"--model", half, "--prompt", "the <s>"}, "literal <s>"},
		{[]string{"--model", filepath.Join(dir, "nothing.arpa")}, "nothing.arpa"},
	} {
		_, errs, code := run(t, "", append([]string{"generate"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "panic") {
			t.Errorf("generate %v: exit %d, stderr %q, want it to mention %q", tc.args, code, errs, tc.want)
		}
	}
}
