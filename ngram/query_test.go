package ngram

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// queryOracle scores text line by line in the plainest way: the output and
// sums Query must produce whatever its batching.
func queryOracle(m *Model, text string) (string, QueryStats) {
	var b strings.Builder
	var st QueryStats
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for _, line := range lines {
		s := m.BeginSentence()
		var total float32
		oov := 0
		words := strings.FieldsFunc(line, func(r rune) bool { return r < 0x80 && isQuerySpace(byte(r)) })
		for _, w := range append(words, EOSWord) {
			id, ok := m.Vocab.ID(w)
			if !ok {
				id = Unk
			}
			p, n := m.Score(&s, id, &s)
			if id == Unk {
				oov++
				st.OOVTotal += float64(p)
			}
			total += p
			st.Tokens++
			fmt.Fprintf(&b, "%s=%d %d %s\t", w, id, n, FormatFloat32(p))
		}
		fmt.Fprintf(&b, "Total: %s OOV: %d\n", FormatFloat32(total), oov)
		st.Total += float64(total)
		st.OOVs += uint64(oov)
	}
	return b.String(), st
}

// TestQueryParallel checks that every number of workers and every way the
// input arrives (one byte a read, half reads, lines longer than a batch, no
// final newline, empty and blank lines) gives the oracle's output and
// bit-identical sums.
func TestQueryParallel(t *testing.T) {
	m := tinyModel(t)
	texts := map[string]string{
		"tiny":     "a b\n\nb zz\n \t \nc a b\nb",
		"long":     strings.Repeat("a b c zz ", 3*queryBatchBytes/9) + "\na b\n",
		"many":     strings.Repeat("a b\nc zz a\n\n", queryBatchBytes/4),
		"newlines": "\n\n\n",
		"empty":    "",
	}
	if ref := sharedDirOrEmpty(t, "reference/kenlm"); ref != "" {
		var err error
		if m, err = LoadARPA(filepath.Join(ref, "ptb10k.o3.arpa.gz")); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
		if err != nil {
			t.Fatal(err)
		}
		texts["ptb1k.valid"] = string(b) + string(b) + string(b)
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":   func(r io.Reader) io.Reader { return r },
		"onebyte": iotest.OneByteReader,
		"half":    iotest.HalfReader,
	}
	// The same through the probe tables.
	idx := &Model{Vocab: m.Vocab, Tables: m.Tables}
	if err := idx.BuildIndex(); err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Collect(maps.Keys(texts)) {
		texts[name+"/probe"] = texts[name]
	}
	for name, text := range texts {
		m := m
		if strings.HasSuffix(name, "/probe") {
			m = idx
		}
		want, wantSt := queryOracle(m, text)
		for rname, wrap := range readers {
			if rname == "onebyte" && len(text) > 1<<20 {
				continue
			}
			for _, workers := range []int{1, 2, 7} {
				var out bytes.Buffer
				st, err := QueryParallel(m, wrap(strings.NewReader(text)), &out, VerboseWord, workers)
				if err != nil {
					t.Fatal(err)
				}
				got := out.String()
				if i := strings.Index(got, "Perplexity including"); i >= 0 {
					got = got[:i]
				}
				if got != want || st != wantSt {
					t.Errorf("%s, %s reads, %d workers: output or sums differ (stats %+v, want %+v)", name, rname, workers, st, wantSt)
				}
			}
		}
	}
}

// TestQueryReadError checks that a failing reader's error comes back.
func TestQueryReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("a b\nc\n"), iotest.ErrReader(io.ErrClosedPipe))
	if _, err := Query(tinyModel(t), r, io.Discard, VerboseSummary); err == nil || !strings.Contains(err.Error(), "closed pipe") {
		t.Errorf("got %v, want the read error", err)
	}
}
