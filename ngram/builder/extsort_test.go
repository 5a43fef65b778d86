package builder

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/ngram"
)

// randomText makes lines of a Zipf-like vocabulary, empty lines included.
func randomText(rng *rand.Rand, lines int) string {
	var b strings.Builder
	for range lines {
		for k := range rng.IntN(12) {
			if k > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "w%d", int(40/(1+rng.Float64()*40)))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func sameCounts(t *testing.T, got, want *Counts) {
	t.Helper()
	if got.Order != want.Order || got.Tokens != want.Tokens || got.Lines != want.Lines {
		t.Fatalf("order/tokens/lines %d %d %d, want %d %d %d", got.Order, got.Tokens, got.Lines, want.Order, want.Tokens, want.Lines)
	}
	for n := range want.Full {
		g, w := &got.Full[n], &want.Full[n]
		if g.N != w.N || !slices.Equal(g.Words, w.Words) || !slices.Equal(g.Counts, w.Counts) {
			t.Errorf("order %d: %d n-grams, want %d (or different ids/counts)", n+1, g.Len(), w.Len())
		}
	}
}

// TestExternalCounterMatchesMemory counts the same text in memory and with
// a memory limit so small that it writes over a hundred runs (two merge
// passes), and checks identical counts and a clean temporary directory.
func TestExternalCounterMatchesMemory(t *testing.T) {
	text := randomText(rand.New(rand.NewPCG(7, 8)), 2500)
	for _, N := range []int{1, 2, 3, 5} {
		want := countString(t, text, N)
		tmp := t.TempDir()
		got, err := CountText(strings.NewReader(text), "text", CountOptions{Order: N, Memory: 2048, TempDir: tmp})
		if err != nil {
			t.Fatal(err)
		}
		sameCounts(t, got, want)
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("N=%d: %d temporary entries left", N, len(left))
		}
	}
	// The run count: records / (2048 / (4N+8)) for N=3.
	vocab := ngram.NewVocab()
	c, _ := NewExternalCounter(3, vocab, ExternalOptions{Memory: 2048, TempDir: t.TempDir()})
	for _, line := range strings.Split(text, "\n") {
		var s []uint32
		for _, w := range strings.Fields(line) {
			s = append(s, vocab.Add(w))
		}
		if err := c.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	if runs := len(c.(*extCounter).runs); runs <= MergeFanIn {
		t.Errorf("only %d runs: the test does not exercise multi-pass merging", runs)
	}
	c.(*extCounter).Close()
}

// TestExternalCounterCleansUpOnError breaks a run file and checks the error
// and that the temporary directory is gone.
func TestExternalCounterCleansUpOnError(t *testing.T) {
	tmp := t.TempDir()
	vocab := ngram.NewVocab()
	c, _ := NewExternalCounter(2, vocab, ExternalOptions{Memory: 1024, TempDir: tmp})
	for i := range 2000 {
		if err := c.Add([]uint32{vocab.Add(fmt.Sprint(i % 97)), vocab.Add("x")}); err != nil {
			t.Fatal(err)
		}
	}
	ec := c.(*extCounter)
	if len(ec.runs) < 2 {
		t.Fatalf("%d runs", len(ec.runs))
	}
	if err := os.Truncate(ec.runs[1], 7); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Counts(); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("error %v, want a truncated run", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d temporary entries left after the error", len(left))
	}
	// A temporary directory that cannot be created.
	_, err := CountText(strings.NewReader(randomText(rand.New(rand.NewPCG(1, 1)), 300)), "text",
		CountOptions{Order: 3, Memory: 1024, TempDir: "/nonexistent/dir"})
	if err == nil || !strings.Contains(err.Error(), "nonexistent") {
		t.Errorf("error %v, want the temporary directory named", err)
	}
}

func TestParseMemory(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"1G", 1 << 30}, {"200M", 200 << 20}, {"64k", 64 << 10}, {"1.5g", 3 << 29}, {"4096", 4096}, {"2GB", 2 << 30}} {
		if got, err := ParseMemory(c.in); err != nil || got != c.want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "G", "-1M", "lots", "0"} {
		if _, err := ParseMemory(bad); err == nil {
			t.Errorf("ParseMemory(%q) accepted", bad)
		}
	}
}

func BenchmarkExternalCounter(b *testing.B) {
	text := randomText(rand.New(rand.NewPCG(3, 4)), 20000)
	b.SetBytes(int64(len(text)))
	for range b.N {
		if _, err := CountText(strings.NewReader(text), "text", CountOptions{Order: 5, Memory: 4 << 20, TempDir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
}
