package builder

import (
	"fmt"
	"math"
	"slices"

	"github.com/mulan-nlp/mulan/ngram"
)

// KatzOptions configures EstimateKatz. Entry n-1 of MinCount and MaxCount
// applies to n-grams of order n; orders past the end of a slice use its last
// entry. The defaults are SRILM ngram-count's (its source, not its manual,
// fixes them): gt1min=1 gt2min=1 gt3min+=2, gt1max=1 gt2max+=7.
type KatzOptions struct {
	// MinCount (SRILM -gtNmin): n-grams seen fewer times are dropped, their
	// mass going to the back-off. Must be non-decreasing so the model stays
	// suffix-closed.
	MinCount []uint64
	// MaxCount (SRILM -gtNmax): counts up to it are discounted by Good-Turing,
	// larger ones keep their maximum-likelihood estimate. 0 disables discounting.
	MaxCount []uint64
	Warn     func(msg string) // may be nil
}

// DefaultKatzOptions returns SRILM ngram-count's defaults.
func DefaultKatzOptions() KatzOptions {
	return KatzOptions{MinCount: []uint64{1, 1, 2}, MaxCount: []uint64{1, 7}}
}

func perOrder(v []uint64, n int, def uint64) uint64 {
	if len(v) == 0 {
		return def
	}
	return v[min(n, len(v))-1]
}

// GoodTuring holds the discounting of one order.
type GoodTuring struct {
	N             int
	MinCount      uint64
	MaxCount      uint64    // after SRILM's lowering when a count-of-count is zero
	CountOfCounts []uint64  // [0..MaxCount+1] as requested, n_r for r = 0..max+1
	Coeff         []float64 // Coeff[r], r = 0..MaxCount: discounted count = Coeff[r]*r
	Count         int       // n-grams kept in the model
}

// Discount returns the factor a count r is multiplied by: 0 below MinCount
// (the n-gram is dropped), 1 above MaxCount.
func (g *GoodTuring) Discount(r uint64) float64 {
	switch {
	case r == 0:
		return 1
	case r < g.MinCount:
		return 0
	case r > g.MaxCount:
		return 1
	}
	return g.Coeff[r]
}

// estimateGT computes Katz's Good-Turing coefficients from the raw counts of
// one order as SRILM's GoodTuring::estimate does:
//
//	d_r = ((r+1) n_{r+1} / (r n_r) - A) / (1 - A),  A = (k+1) n_{k+1} / n_1,  1 <= r <= k
//
// with k lowered while n_{k+1} = 0, discounting off when n_1 = 0, and a
// coefficient that comes out <= 0 or whose plain GT ratio exceeds 1 replaced
// by 1 (no discount), with a warning.
func estimateGT(n int, counts []uint64, minCount, maxCount uint64, warn func(string)) GoodTuring {
	g := GoodTuring{N: n, MinCount: minCount, MaxCount: maxCount}
	coc := make([]uint64, maxCount+2)
	for _, c := range counts {
		if c <= maxCount+1 {
			coc[c]++
		}
	}
	g.CountOfCounts = coc
	k := maxCount
	if coc[1] == 0 {
		if k > 0 {
			warn(fmt.Sprintf("%d-grams: no singletons; Good-Turing discounting disabled", n))
		}
		k = 0
	}
	for k > 0 && coc[k+1] == 0 {
		warn(fmt.Sprintf("%d-grams: count of count %d is zero; lowering the Good-Turing maximum to %d", n, k+1, k-1))
		k--
	}
	g.MaxCount = k
	g.Coeff = make([]float64, k+1)
	g.Coeff[0] = 1
	if k == 0 {
		return g
	}
	common := float64(k+1) * float64(coc[k+1]) / float64(coc[1])
	for r := uint64(1); r <= k; r++ {
		if coc[r] == 0 {
			warn(fmt.Sprintf("%d-grams: count of count %d is zero; not discounting count %d", n, r, r))
			g.Coeff[r] = 1
			continue
		}
		c0 := float64(r+1) * float64(coc[r+1]) / (float64(r) * float64(coc[r]))
		c := (c0 - common) / (1 - common)
		if !(c > probEpsilon) || c0 > 1 {
			warn(fmt.Sprintf("%d-grams: Good-Turing coefficient of count %d is out of range (%g); not discounting it", n, r, c))
			c = 1
		}
		g.Coeff[r] = c
	}
	return g
}

// probEpsilon is SRILM's Prob_Epsilon.
const probEpsilon = 3e-6

// RawCounts returns, per order n = 1..N, every n-gram of the padded text with
// its number of occurrences, in suffix order. Unigrams are listed as they
// occur (not one entry per vocabulary word); <s> never occurs as the last word.
func RawCounts(c *Counts) []Grams {
	N := c.Order
	raw := make([]Grams, N)
	raw[N-1] = c.Full[N-1]
	for n := N - 1; n >= 1; n-- {
		// Occurrences of an n-gram not starting with <s> are the suffixes of
		// the occurrences of (n+1)-grams; those starting with <s> are Full[n-1].
		s := sumSuffixes(&raw[n])
		raw[n-1] = mergeGrams(&s, &c.Full[n-1])
	}
	return raw
}

// sumSuffixes maps the suffix-sorted (n+1)-grams of g to their last n words,
// summing the counts of equal suffixes (which are adjacent).
func sumSuffixes(g *Grams) Grams {
	n := g.N - 1
	out := Grams{N: n}
	for j := 0; j < g.Len(); j++ {
		suf := g.Gram(j)[1:]
		if k := out.Len(); k > 0 && slices.Equal(out.Words[(k-1)*n:], suf) {
			out.Counts[k-1] += g.Counts[j]
			continue
		}
		out.Words = append(out.Words, suf...)
		out.Counts = append(out.Counts, g.Counts[j])
	}
	return out
}

// EstimateKatz builds a Katz back-off model with Good-Turing discounting from
// c, as SRILM's ngram-count does by default with -unk (<unk> is an ordinary
// word; when the text never has it, it gets the unigram mass left over):
//
//   - counts are raw occurrence counts at every order;
//   - p(w | h) = d_c c(h w) / Σ_v c(h v) for the n-grams kept (count at least
//     MinCount), with d_c from estimateGT; when that leaves no mass for the
//     back-off the denominator is raised by one until some is left (SRILM's
//     retry);
//   - back-off weights normalise every context (ngram.RecomputeBackoffs), and
//     the unigram left-over goes to the words of zero probability.
//
// Unlike ngram-count, empty lines count as sentences (as in lmplz and the
// in-memory counter).
func EstimateKatz(c *Counts, opt KatzOptions) (*ngram.Model, []GoodTuring, error) {
	N := c.Order
	if N < 1 || N > ngram.MaxOrder || len(c.Full) != N {
		return nil, nil, fmt.Errorf("counts of order %d are malformed", N)
	}
	warn := opt.Warn
	if warn == nil {
		warn = func(string) {}
	}
	def := DefaultKatzOptions()
	if opt.MinCount == nil {
		opt.MinCount = def.MinCount
	}
	if opt.MaxCount == nil {
		opt.MaxCount = def.MaxCount
	}
	for n := 2; n <= N; n++ {
		if perOrder(opt.MinCount, n, 1) < perOrder(opt.MinCount, n-1, 1) {
			return nil, nil, fmt.Errorf("minimum counts must not decrease with the order (%d-grams %d < %d-grams %d): the model would not be suffix-closed",
				n, perOrder(opt.MinCount, n, 1), n-1, perOrder(opt.MinCount, n-1, 1))
		}
	}
	V := c.Vocab.Size()
	raw := RawCounts(c)
	// Unigrams by id.
	uniCounts := make([]uint64, V)
	for i, w := range raw[0].Words {
		if int(w) >= V {
			return nil, nil, fmt.Errorf("word id %d outside the vocabulary of %d words", w, V)
		}
		uniCounts[w] = raw[0].Counts[i]
	}
	uniCounts[ngram.BOS] = 0

	gts := make([]GoodTuring, N)
	for n := 1; n <= N; n++ {
		cs := raw[n-1].Counts
		if n == 1 {
			cs = uniCounts
		}
		gts[n-1] = estimateGT(n, cs, perOrder(opt.MinCount, n, 1), perOrder(opt.MaxCount, n, 5), warn)
	}

	// Tables: all words, then the n-grams with count >= MinCount.
	m := &ngram.Model{Vocab: c.Vocab, Tables: make([]ngram.Table, N)}
	keep := make([][]int32, N) // index in raw of each kept n-gram
	for n := 1; n <= N; n++ {
		t := &m.Tables[n-1]
		t.N = n
		if n == 1 {
			t.Words = make([]uint32, V)
			for i := range t.Words {
				t.Words[i] = uint32(i)
			}
		} else {
			g := &raw[n-1]
			for j, cnt := range g.Counts {
				if gts[n-1].Discount(cnt) != 0 {
					keep[n-1] = append(keep[n-1], int32(j))
					t.Words = append(t.Words, g.Gram(j)...)
				}
			}
		}
		t.Prob = make([]float32, len(t.Words)/n)
		if n < N {
			t.Backoff = make([]float32, len(t.Prob))
		}
		gts[n-1].Count = len(t.Prob)
	}
	if err := m.Link(); err != nil {
		return nil, nil, fmt.Errorf("internal error: %w", err)
	}

	// Unigrams: the null context.
	{
		gt := &gts[0]
		var total uint64
		for w, cnt := range uniCounts {
			if uint32(w) != ngram.BOS {
				total += cnt
			}
		}
		noDiscount := gt.MinCount <= 1 && gt.MaxCount == 0
		var sum float64
		for w, cnt := range uniCounts {
			if uint32(w) != ngram.BOS && cnt > 0 {
				sum += gt.Discount(cnt) * float64(cnt)
			}
		}
		den := retryTotal(float64(total), sum, noDiscount)
		uni := &m.Tables[0]
		for w, cnt := range uniCounts {
			d := gt.Discount(cnt)
			if uint32(w) == ngram.BOS || cnt == 0 || d == 0 || den == 0 {
				uni.Prob[w] = -99 // zero: RecomputeBackoffs hands these the left-over mass
				continue
			}
			uni.Prob[w] = float32(math.Log10(d * float64(cnt) / den))
		}
		uni.Prob[ngram.BOS] = -99
	}

	// Higher orders: per context, the sum of the counts of all its
	// extensions (dropped ones included) and of the discounted counts kept.
	for n := 2; n <= N; n++ {
		gt := &gts[n-1]
		g := &raw[n-1]
		lo := &m.Tables[n-2]
		total := make([]uint64, lo.Len())
		sum := make([]float64, lo.Len())
		ctxOf := make([]int32, g.Len())
		for j := range g.Len() {
			i, ok := m.Find(g.Gram(j)[:n-1])
			if !ok {
				ctxOf[j] = -1 // context dropped: so is every n-gram extending it
				continue
			}
			ctxOf[j] = int32(i)
			cnt := g.Counts[j]
			total[i] += cnt
			sum[i] += gt.Discount(cnt) * float64(cnt)
		}
		noDiscount := gt.MinCount <= 1 && gt.MaxCount == 0
		den := make([]float64, lo.Len())
		for i := range den {
			if total[i] > 0 {
				den[i] = retryTotal(float64(total[i]), sum[i], noDiscount)
			}
		}
		t := &m.Tables[n-1]
		for k, j := range keep[n-1] {
			i := ctxOf[j]
			if i < 0 {
				return nil, nil, fmt.Errorf("internal error: context of kept %d-gram %q missing", n, m.Phrase(g.Gram(int(j))))
			}
			cnt := g.Counts[j]
			t.Prob[k] = float32(math.Log10(gt.Discount(cnt) * float64(cnt) / den[i]))
		}
	}
	if err := ngram.RecomputeBackoffs(m, warn); err != nil {
		return nil, nil, err
	}
	return m, gts, nil
}

// retryTotal is SRILM's fix for a context whose discounted probabilities
// leave no back-off mass (typically when coefficients were forced to 1): the
// denominator is raised by one until at least probEpsilon is left.
func retryTotal(total, discounted float64, noDiscount bool) float64 {
	if noDiscount || total == 0 {
		return total
	}
	for discounted/total > 1-probEpsilon {
		total++
	}
	return total
}
