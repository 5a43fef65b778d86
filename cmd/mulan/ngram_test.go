package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Raw text for the --lang tests: Chinese without spaces, and English with
// clitics, punctuation and capitals that the tokenizer splits or lowercases.
const (
	rawZh = "我们今天去北京大学参观。\n他说中文很难学，但是很有意思！\n\n北京的天气今天很好，我们去公园吧。\n" +
		"语言模型给每个句子一个概率。\n我们今天很高兴。\n"
	rawEn = "I don't like 10% of it.\nThe cat's mat, they said, was RED.\n\nWe'll see: the cat sat on the mat.\n" +
		"They didn't say it was the dog's.\n"
)

// TestNgramLang checks that --lang makes train, query and mix --tune read
// raw text exactly as if it had gone through 'mulan tokenize' first: the same
// ARPA file byte for byte, the same query output, the same EM weights.
func TestNgramLang(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mustRun := func(stdin string, args ...string) string {
		t.Helper()
		out, errs, code := run(t, stdin, args...)
		if code != 0 {
			t.Fatalf("mulan %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		return out
	}
	// Every --lang zh run loads gse's dictionary (about 1.5 s of CPU), so
	// the Chinese case tokenizes training and held-out text in one call and
	// leaves mix --tune to the English case.
	for _, c := range []struct {
		name, raw, held string
		lang            []string
		mix             bool
	}{
		{"zh", rawZh, "我们去北京。\n他说今天很好！\n", []string{"--lang", "zh"}, false},
		{"en-lower", rawEn, "We don't know.\nThe RED cat's mat.\n", []string{"--lang", "en", "--lower"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			train := strings.Repeat(c.raw, 3)
			heldRaw := c.raw + c.held
			both := strings.SplitAfter(mustRun(train+heldRaw, append([]string{"tokenize"}, c.lang...)...), "\n")
			nTrain := strings.Count(train, "\n")
			trainTok, heldTok := strings.Join(both[:nTrain], ""), strings.Join(both[nTrain:], "")
			if trainTok == train || strings.Count(heldTok, "\n") != strings.Count(heldRaw, "\n") {
				t.Fatalf("unexpected tokenizer output %q", both)
			}
			rawPath, tokPath := write(c.name+".raw", train), write(c.name+".tok", trainTok)
			a := filepath.Join(dir, c.name+".lang.arpa")
			b := filepath.Join(dir, c.name+".tok.arpa")
			mustRun("", append([]string{"ngram", "train", "-q", "--order", "3", "--discount-fallback", "--text", rawPath, "--arpa", a}, c.lang...)...)
			mustRun("", "ngram", "train", "-q", "--order", "3", "--discount-fallback", "--text", tokPath, "--arpa", b)
			ga, _ := os.ReadFile(a)
			gb, _ := os.ReadFile(b)
			if len(ga) == 0 || !bytes.Equal(ga, gb) {
				t.Fatalf("model trained with %v differs from the model trained on 'mulan tokenize' output", c.lang)
			}
			// Query raw held-out text, against the query of the tokenized text.
			q1 := mustRun(heldRaw, append([]string{"ngram", "query", "--verbose", "word", "--model", a}, c.lang...)...)
			q2 := mustRun(heldTok, "ngram", "query", "--verbose", "word", "--model", a)
			if q1 != q2 || !strings.Contains(q1, "Perplexity including OOVs") {
				t.Fatalf("query with %v:\n%s\nquery of tokenized text:\n%s", c.lang, q1, q2)
			}
			if !c.mix {
				return
			}
			o2 := filepath.Join(dir, c.name+".o2.arpa")
			mustRun("", "ngram", "train", "-q", "--order", "2", "--discount-fallback", "--text", tokPath, "--arpa", o2)
			m1 := mustRun("", append([]string{"ngram", "mix", "-q", "--model", a, "--model", o2, "--tune", write("held.raw", heldRaw)}, c.lang...)...)
			m2 := mustRun("", "ngram", "mix", "-q", "--model", a, "--model", o2, "--tune", write("held.tok", heldTok))
			// The tune file's name is printed; the numbers must agree.
			strip := func(s string) string {
				return strings.ReplaceAll(strings.ReplaceAll(s, "held.raw", ""), "held.tok", "")
			}
			if strip(m1) != strip(m2) || !strings.Contains(m1, "weight") {
				t.Fatalf("mix --tune with %v:\n%s\non tokenized text:\n%s", c.lang, m1, m2)
			}
		})
	}
	if _, errs, code := run(t, "a\n", "ngram", "query", "--model", filepath.Join(dir, "zh.lang.arpa"), "--lower"); code == 0 || !strings.Contains(errs, "--lower needs --lang") {
		t.Errorf("--lower without --lang: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, "a\n", "ngram", "query", "--model", filepath.Join(dir, "zh.lang.arpa"), "--lang", "fr"); code == 0 || !strings.Contains(errs, "fr") {
		t.Errorf("--lang fr: exit %d, %q", code, errs)
	}
}

// TestNgramBinaryChecks runs query on a good, a corrupted and a truncated
// binary model: the lazy default scores the good one as the ARPA model does,
// --verify catches the corruption, and every refusal names the file.
func TestNgramBinaryChecks(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "train.txt")
	os.WriteFile(text, []byte(strings.Repeat("the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n", 20)), 0o644)
	arpa, bin := filepath.Join(dir, "m.arpa"), filepath.Join(dir, "m.bin")
	if _, errs, code := run(t, "", "ngram", "train", "-q", "--order", "3", "--text", text, "--arpa", arpa, "--binary", bin, "--discount-fallback"); code != 0 {
		t.Fatalf("train: %s", errs)
	}
	const held = "the cat sat on the log\nzebra\n"
	want, _, _ := run(t, held, "ngram", "query", "--verbose", "word", "--model", arpa)
	for _, args := range [][]string{{}, {"--verify"}} {
		got, errs, code := run(t, held, append([]string{"ngram", "query", "--verbose", "word", "--model", bin}, args...)...)
		if code != 0 || got != want {
			t.Errorf("query %v of the binary model: exit %d %s\n%s\nwant the ARPA model's\n%s", args, code, errs, got, want)
		}
	}
	good, _ := os.ReadFile(bin)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-20] ^= 0x10
	bad := filepath.Join(dir, "flipped.bin")
	os.WriteFile(bad, flipped, 0o644)
	if _, errs, code := run(t, held, "ngram", "query", "--verify", "--model", bad); code == 0 ||
		!strings.Contains(errs, "flipped.bin") || !strings.Contains(errs, "checksum") {
		t.Errorf("--verify of a corrupted model: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, held, "ngram", "query", "--model", bad); code != 0 || strings.Contains(errs, "panic") {
		t.Errorf("lazy query of a model with a corrupted table: exit %d, %q (want scores, no check)", code, errs)
	}
	short := filepath.Join(dir, "short.bin")
	os.WriteFile(short, good[:len(good)*2/3], 0o644)
	for _, args := range [][]string{{}, {"--verify"}} {
		if _, errs, code := run(t, held, append([]string{"ngram", "query", "--model", short}, args...)...); code == 0 ||
			!strings.Contains(errs, "short.bin") || !strings.Contains(errs, "truncated") {
			t.Errorf("query %v of a truncated model: exit %d, %q", args, code, errs)
		}
	}
}
