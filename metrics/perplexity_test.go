package metrics

import (
	"math"
	"testing"
)

func TestPerplexity(t *testing.T) {
	// Four tokens each of probability 1/8: perplexity 8 and 3 bits per token
	// in every base.
	p := 1.0 / 8
	sums := map[LogBase]float64{Natural: 4 * math.Log(p), Log10: 4 * math.Log10(p), Log2: 4 * math.Log2(p)}
	for base, s := range sums {
		if got := Perplexity(s, base, 4); math.Abs(got-8) > 1e-12 {
			t.Errorf("base %d: perplexity %v; want 8", base, got)
		}
		if got := BitsPerUnit(s, base, 4); math.Abs(got-3) > 1e-12 {
			t.Errorf("base %d: bits %v; want 3", base, got)
		}
		if got := CrossEntropy(s, base, 4); math.Abs(got-3*math.Ln2) > 1e-12 {
			t.Errorf("base %d: cross-entropy %v; want 3 ln 2", base, got)
		}
	}
	// KenLM-style figure: total log10 prob -100 over 40 tokens → 10^2.5.
	if got := Perplexity(-100, Log10, 40); math.Abs(got-math.Pow(10, 2.5)) > 1e-9 {
		t.Errorf("log10 perplexity %v", got)
	}
	// 1.5 bits per character at 4 characters per word: 2^6 = 64.
	if got := PerplexityFromBits(1.5, 4); got != 64 {
		t.Errorf("PerplexityFromBits = %v; want 64", got)
	}
	for _, n := range []int{0, -1} {
		if !math.IsNaN(Perplexity(-1, Natural, n)) || !math.IsNaN(BitsPerUnit(-1, Natural, n)) {
			t.Errorf("n=%d: want NaN", n)
		}
	}
}
