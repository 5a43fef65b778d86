package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/vocab"
)

// initTexts writes a base text over the words of base and a task text over
// the words of task, n lines each, and returns their paths.
func initTexts(t *testing.T, dir string, n int) (baseText, taskText, taskValid string) {
	t.Helper()
	gen := func(name string, words []string, lines int, seed uint64) string {
		var b strings.Builder
		x := seed
		for range lines {
			for j := range 6 {
				x = x*6364136223846793005 + 1442695040888963407
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(words[(x>>33)%uint64(len(words))])
			}
			b.WriteByte('\n')
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := []string{"the", "cat", "sat", "on", "mat", "a", "dog", "ate", "homework"}
	task := []string{"the", "cat", "a", "dog", "bird", "flew", "over", "house"}
	return gen("base.txt", base, n, 1), gen("task.txt", task, n, 2), gen("task.valid.txt", task, n/4, 3)
}

// tokenSet returns the distinct whitespace-separated tokens of a file.
func tokenSet(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := map[string]bool{}
	for _, w := range strings.Fields(string(data)) {
		s[w] = true
	}
	return s
}

// pretrain --init fine-tunes a pretrained LM: the result keeps the base's
// configuration, has the task text's vocabulary (or the base's with
// --keep-vocab), and the counts of copied and new rows are printed.
func TestPretrainInit(t *testing.T) {
	dir := t.TempDir()
	baseText, taskText, taskValid := initTexts(t, dir, 200)
	small := []string{"--batch", "4", "--bptt", "10", "--epochs", "1"}
	for _, tc := range []struct {
		arch string
		size []string
	}{
		{"lstm", []string{"--emb", "16", "--hidden", "16", "--layers", "1", "--drop-out", "0.25"}},
		{"transformer", []string{"--emb", "16", "--hidden", "32", "--layers", "1", "--heads", "2"}},
	} {
		t.Run(tc.arch, func(t *testing.T) {
			base := filepath.Join(dir, tc.arch+".base.lm")
			args := append([]string{"pretrain", "--arch", tc.arch, "--tokenizer", "space", "--train", baseText, "--out", base}, small...)
			if out, errs, code := run(t, "", append(args, tc.size...)...); code != 0 {
				t.Fatalf("pretrain exit %d: %s\n%s", code, errs, out)
			}
			b, err := lm.Load(base)
			if err != nil {
				t.Fatal(err)
			}
			baseWords, taskWords := tokenSet(t, baseText), tokenSet(t, taskText)
			shared := 0
			for w := range taskWords {
				if baseWords[w] {
					shared++
				}
			}
			ft := filepath.Join(dir, tc.arch+".ft.lm")
			// --arch equal to the base's is accepted; the transformer's
			// default bptt is capped at the base's context (10).
			_, errs, code := run(t, "", "pretrain", "--init", base, "--arch", tc.arch, "--train", taskText, "--valid", taskValid,
				"--batch", "4", "--max-steps", "20", "--drop-in", "0.05", "--out", ft)
			if code != 0 {
				t.Fatalf("pretrain --init exit %d: %s", code, errs)
			}
			want := fmt.Sprintf("%d ids in the new vocabulary (space tokenizer): %d tokens copied from the base, %d new (mean of the base's rows), 4 specials kept; %d base tokens dropped",
				4+len(taskWords), shared, len(taskWords)-shared, len(baseWords)-shared)
			if !strings.Contains(errs, want) || !strings.Contains(errs, "validation perplexity before fine-tuning") {
				t.Errorf("stderr lacks %q or the perplexity before fine-tuning:\n%s", want, errs)
			}
			m, err := lm.Load(ft)
			if err != nil {
				t.Fatal(err)
			}
			wantCfg := b.Cfg
			wantCfg.Vocab = 4 + len(taskWords)
			wantCfg.DropIn = 0.05
			if m.Cfg != wantCfg {
				t.Errorf("fine-tuned config %+v, want %+v", m.Cfg, wantCfg)
			}
			for w := range taskWords {
				if ids := m.Encoder().Encode(w); len(ids) != 1 || ids[0] == vocab.UnkID || m.Token(ids[0]) != w {
					t.Errorf("%q encodes to %v in the fine-tuned LM", w, ids)
				}
			}
			if ids := m.Encoder().Encode("homework"); len(ids) != 1 || ids[0] != vocab.UnkID {
				t.Errorf("dropped token homework encodes to %v", ids)
			}

			keep := filepath.Join(dir, tc.arch+".keep.lm")
			if _, errs, code := run(t, "", "pretrain", "--init", base, "--keep-vocab", "--train", taskText,
				"--batch", "4", "--max-steps", "5", "--out", keep); code != 0 || !strings.Contains(errs, "vocabulary of "+fmt.Sprint(b.VocabSize())+" ids kept (--keep-vocab)") {
				t.Fatalf("--keep-vocab exit %d: %s", code, errs)
			}
			if k, err := lm.Load(keep); err != nil || k.Cfg != b.Cfg {
				t.Errorf("--keep-vocab model: %v, config %+v, want %+v", err, k.Cfg, b.Cfg)
			}
		})
	}
}

// Flags that contradict the base LM, and other misuse, fail with a clear
// error; so does a truncated checkpoint given to --resume.
func TestPretrainInitConflicts(t *testing.T) {
	dir := t.TempDir()
	baseText, taskText, _ := initTexts(t, dir, 100)
	base := filepath.Join(dir, "base.lm")
	if out, errs, code := run(t, "", "pretrain", "--arch", "lstm", "--tokenizer", "space", "--train", baseText, "--out", base,
		"--emb", "16", "--hidden", "16", "--layers", "2", "--batch", "4", "--bptt", "10", "--epochs", "1"); code != 0 {
		t.Fatalf("pretrain exit %d: %s\n%s", code, errs, out)
	}
	ckpt := base + ".ckpt"
	data, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.ckpt")
	if err := os.WriteFile(truncated, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"other arch", []string{"--init", base, "--arch", "rnn"}, "--arch rnn conflicts with --init " + base + ", whose arch is lstm"},
		{"emb", []string{"--init", base, "--emb", "8"}, "--emb 8 conflicts with --init " + base + ", whose emb is 16"},
		{"hidden", []string{"--init", base, "--hidden", "32"}, "--hidden 32 conflicts"},
		{"layers", []string{"--init", base, "--layers", "3"}, "--layers 3 conflicts"},
		{"heads", []string{"--init", base, "--heads", "2"}, "whose heads is none (not a transformer)"},
		{"untied", []string{"--init", base, "--untied"}, "--untied true conflicts"},
		{"backward", []string{"--init", base, "--backward"}, "--backward true conflicts"},
		{"tokenizer", []string{"--init", base, "--tokenizer", "word"}, "--tokenizer word conflicts with --init " + base + ", whose tokenizer is space"},
		{"with resume", []string{"--init", base, "--resume", ckpt}, "--init and --resume exclude each other"},
		{"keep-vocab alone", []string{"--keep-vocab", "--arch", "lstm", "--tokenizer", "space"}, "--keep-vocab needs --init"},
		{"keep-vocab max-vocab", []string{"--init", base, "--keep-vocab", "--max-vocab", "10"}, "--max-vocab is not used with --keep-vocab"},
		{"missing base", []string{"--init", filepath.Join(dir, "missing.lm")}, "missing.lm"},
		{"checkpoint as base", []string{"--init", ckpt}, "is a training checkpoint, not a language model"},
		{"bad dropout", []string{"--init", base, "--drop-out", "1"}, "dropout 1 outside [0, 1)"},
		{"truncated resume", []string{"--resume", truncated}, truncated + ": payload is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"pretrain", "--train", taskText, "--batch", "4", "--max-steps", "2", "--out", filepath.Join(dir, "x.lm")}, tc.args...)
			_, errs, code := run(t, "", args...)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q, want it to mention %q", code, errs, tc.want)
			}
		})
	}
	// The truncated checkpoint's error says what is wrong with it.
	if _, errs, _ := run(t, "", "pretrain", "--resume", truncated, "--train", baseText, "--out", filepath.Join(dir, "y.lm")); !strings.Contains(errs, "truncated") {
		t.Errorf("truncated checkpoint: %q", errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.lm")); err == nil {
		t.Error("a refused run wrote its model")
	}
}
