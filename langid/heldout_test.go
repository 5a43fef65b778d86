package langid

import (
	"bufio"
	"fmt"
	"github.com/mulan-nlp/mulan/internal/shared"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/langid/internal/sources"
)

// dataDir is the shared data directory relative to this package.
var dataDir, _ = shared.Path("data") // "" when absent: the tests that need it skip

func mustDefault(t testing.TB) *Identifier {
	t.Helper()
	id, err := Default()
	if err != nil {
		t.Fatalf("embedded profile: %v", err)
	}
	return id
}

// judged reports whether a line is long enough for the accuracy figures:
// at least MinHanChars Han characters (Chinese), or MinLatinWords words and
// MinLatinLetters letters outside capitalised words (English; names only lines such as "Nadim Ladki"
// are not judged) — the identifier's own minimum, below which it answers und
// by design.
func judged(id *Identifier, lang, text string) bool {
	if lang == "zh" {
		han := 0
		for _, b := range blocks(nil, text) {
			han += b.han
		}
		return han >= MinHanChars
	}
	words := 0
	for _, b := range blocks(nil, text) {
		words += b.words
	}
	_, n := id.CrossEntropy(English, text)
	return n >= MinLatinLetters && words >= MinLatinWords
}

// TestHeldOutAccuracy measures accuracy on held-out lines (i%10 == 0) of the
// training sources and on every line of unseen sources: overall at least 99%,
// every source at least 97%.
func TestHeldOutAccuracy(t *testing.T) {
	if _, err := os.Stat(dataDir); err != nil {
		t.Skipf("shared data not found at %s: %v", dataDir, err)
	}
	id := mustDefault(t)
	var total, correct, short int
	for _, s := range sources.All() {
		conf := map[Lang]int{}
		n, longN, longOK := 0, 0, 0
		err := s.Lines(dataDir, func(text string, p sources.Part) bool {
			if p != sources.Test {
				return true
			}
			if !judged(id, s.Lang, text) {
				short++
				return true
			}
			r := id.Detect(text)
			conf[r.Lang]++
			n++
			if len([]rune(text)) >= 20 {
				longN++
				if r.Lang == Lang(s.Lang) {
					longOK++
				}
			}
			return true
		})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if n == 0 {
			t.Fatalf("%s: no test lines", s.Name)
		}
		acc := float64(conf[Lang(s.Lang)]) / float64(n)
		t.Logf("%-19s %s n=%5d acc=%.4f  en=%d zh=%d und=%d  (>=20 chars: %d/%d)", s.Name, s.Lang, n, acc,
			conf[English], conf[Chinese], conf[Unknown], longOK, longN)
		total += n
		correct += conf[Lang(s.Lang)]
		if acc < 0.97 {
			t.Errorf("%s: accuracy %.4f < 0.97", s.Name, acc)
		}
	}
	acc := float64(correct) / float64(total)
	t.Logf("overall: %d/%d = %.4f (%d lines below the minimum length skipped)", correct, total, acc, short)
	if acc < 0.99 {
		t.Errorf("overall accuracy %.4f < 0.99", acc)
	}
}

// readTagged reads "code<TAB>text" lines, skipping # comments.
func readTagged(t *testing.T, name string) [][2]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		code, text, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("%s:%d: no TAB", name, ln)
		}
		out = append(out, [2]string{code, text})
	}
	return out
}

// TestForeignLatinIsUnknown: hand-written French, German, Spanish, Italian
// and toneless Pinyin sentences are und — all but at most one of the 40 (the
// measured miss is a German sentence whose capitalised nouns are skipped as
// names, leaving "wir wollen am mit den in den gehen"); none is zh.
func TestForeignLatinIsUnknown(t *testing.T) {
	id := mustDefault(t)
	xs := readTagged(t, "foreign.txt")
	miss := 0
	for _, x := range xs {
		r := id.Detect(x[1])
		h, n := id.CrossEntropy(English, x[1])
		if r.Lang != Unknown {
			miss++
			t.Logf("%s %q: got %s (%.3f), want und; H=%.3f n=%d", x[0], x[1], r.Lang, r.Confidence, h, n)
		}
		if r.Lang == Chinese {
			t.Errorf("%q: got zh", x[1])
		}
	}
	t.Logf("und on %d of %d", len(xs)-miss, len(xs))
	if len(xs) < 40 || miss > 1 {
		t.Errorf("%d of %d foreign sentences not und, want at most 1", miss, len(xs))
	}
}

// TestOtherLatinMeasured logs (does not assert) the answers on other
// Latin-script languages, some of which are close to English in spelling.
func TestOtherLatinMeasured(t *testing.T) {
	id := mustDefault(t)
	und := 0
	xs := readTagged(t, "others.txt")
	for _, x := range xs {
		r := id.Detect(x[1])
		h, n := id.CrossEntropy(English, x[1])
		if r.Lang == Unknown {
			und++
		}
		t.Logf("%s %-4s %.3f H=%.3f n=%3d %s", x[0], r.Lang, r.Confidence, h, n, x[1])
	}
	t.Logf("und on %d of %d", und, len(xs))
}

// quantiles formats a few quantiles of xs.
func quantiles(xs []float64) string {
	sort.Float64s(xs)
	var b strings.Builder
	for _, q := range []float64{0.01, 0.5, 0.99} {
		fmt.Fprintf(&b, " q%.2f=%.3f", q, xs[int(q*float64(len(xs)-1))])
	}
	return b.String()
}
