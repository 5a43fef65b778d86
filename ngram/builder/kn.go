package builder

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/mulan-nlp/mulan/ngram"
)

// Discount holds the modified Kneser-Ney discounts of one order: Discount[k]
// is subtracted from an adjusted count k (k >= 3 uses Discount[3]); Discount[0] is 0.
type Discount [4]float32

// Get returns the discount of count c.
func (d *Discount) Get(c uint64) float32 { return d[min(c, 3)] }

// apply returns c minus its discount in float32, as KenLM's Discount::Apply.
func (d *Discount) apply(c uint64) float32 { return float32(c) - d.Get(c) }

// DefaultFallback is lmplz's --discount_fallback: D1=0.5 D2=1 D3+=1.5.
var DefaultFallback = Discount{0, 0.5, 1, 1.5}

// KNOptions configures EstimateKN.
type KNOptions struct {
	// InterpolateUnigrams interpolates unigrams with the uniform distribution
	// over the vocabulary, <unk> getting its share (lmplz's default). When
	// false, all of the unigram interpolation mass goes to <unk> (SRILM's way,
	// lmplz --interpolate_unigrams 0).
	InterpolateUnigrams bool
	// DiscountFallback substitutes Fallback for the discounts of an order
	// whose count-of-counts leave them undefined or out of range, instead of
	// failing (lmplz --discount_fallback).
	DiscountFallback bool
	Fallback         Discount // zero value means DefaultFallback
	// Prune holds lmplz's --prune thresholds: n-grams of order n >= 2 seen
	// at most Prune[n-1] times are dropped (their mass goes to the back-off).
	// Prune[0] must be 0, the values must not decrease, and the last one
	// applies to the orders past the end; nil or all zeros prune nothing.
	Prune []uint64
	Warn  func(msg string)
}

// DefaultKNOptions returns lmplz's defaults.
func DefaultKNOptions() KNOptions { return KNOptions{InterpolateUnigrams: true} }

// OrderStats describes one order of an estimated model.
type OrderStats struct {
	N             int
	Count         int       // n-grams in the model
	CountOfCounts [5]uint64 // n-grams with adjusted count 0..4
	Discount      Discount
	Fallback      bool // Discount is the fallback
}

// EstimateKN builds the interpolated modified Kneser-Ney model of c as lmplz
// does (no pruning) and returns it with per-order statistics.
func EstimateKN(c *Counts, opt KNOptions) (*ngram.Model, []OrderStats, error) {
	N := c.Order
	if N < 1 || N > ngram.MaxOrder || len(c.Full) != N {
		return nil, nil, fmt.Errorf("counts of order %d are malformed", N)
	}
	if c.Lines == 0 {
		return nil, nil, fmt.Errorf("no sentences to estimate a model from")
	}
	if _, err := PruneThresholds(opt.Prune, N); err != nil {
		return nil, nil, err
	}
	if opt.Fallback == (Discount{}) {
		opt.Fallback = DefaultFallback
	}
	V := c.Vocab.Size()

	// Adjusted counts, highest order first.
	adj := make([]Grams, N)
	adj[N-1] = c.Full[N-1]
	for n := N - 1; n >= 1; n-- {
		lc := leftContinuations(&adj[n])
		adj[n-1] = mergeGrams(&lc, &c.Full[n-1])
	}
	// Unigrams indexed by id: every vocabulary word, <unk> and <s> with count 0 unless seen.
	uni := Grams{N: 1, Words: make([]uint32, V), Counts: make([]uint64, V)}
	for i := range uni.Words {
		uni.Words[i] = uint32(i)
	}
	for i, w := range adj[0].Words {
		if int(w) >= V {
			return nil, nil, fmt.Errorf("word id %d outside the vocabulary of %d words", w, V)
		}
		uni.Counts[w] = adj[0].Counts[i]
	}
	uni.Counts[ngram.BOS] = 0 // never the last word of an n-gram; lmplz gives it 0
	adj[0] = uni

	// Count-of-counts and discounts.
	stats := make([]OrderStats, N)
	for n := 1; n <= N; n++ {
		s := &stats[n-1]
		s.N, s.Count = n, adj[n-1].Len()
		for _, k := range adj[n-1].Counts {
			if k < 5 {
				s.CountOfCounts[k]++
			}
		}
	}
	lastEntryQuirk(c, adj, stats)
	for n := 1; n <= N; n++ {
		s := &stats[n-1]
		d, err := discounts(n, s.CountOfCounts)
		if err != nil {
			if !opt.DiscountFallback {
				return nil, nil, fmt.Errorf("%w (enable the discount fallback, --discount-fallback, to substitute D1=%v D2=%v D3+=%v)",
					err, opt.Fallback[1], opt.Fallback[2], opt.Fallback[3])
			}
			if opt.Warn != nil {
				opt.Warn(fmt.Sprintf("%v; substituting fallback discounts D1=%v D2=%v D3+=%v", err, opt.Fallback[1], opt.Fallback[2], opt.Fallback[3]))
			}
			d, s.Fallback = opt.Fallback, true
			d[0] = 0
		}
		s.Discount = d
	}

	// Pruning decisions (nil slices when not pruning).
	keep, err := pruneMask(c, adj, opt.Prune)
	if err != nil {
		return nil, nil, err
	}

	// The model's tables, linked so contexts can be found by walking the trie.
	m := &ngram.Model{Vocab: c.Vocab, Tables: make([]ngram.Table, N)}
	for n := 1; n <= N; n++ {
		t := &m.Tables[n-1]
		t.N, t.Words, t.Prob = n, adj[n-1].Words, make([]float32, adj[n-1].Len())
		if n < N {
			t.Backoff = make([]float32, adj[n-1].Len())
		}
	}
	if err := m.Link(); err != nil {
		return nil, nil, fmt.Errorf("internal error: %w", err)
	}

	// Per context: sum of adjusted counts and gamma (Chen & Goodman p. 20).
	// ctx[n-1][j] is the index of the context of n-gram j in order n-1.
	ctx := make([][]uint32, N)
	gamma := make([][]float32, N) // gamma[n-1][i]: entry i of order n as a context; gamma[N-1] unused
	den := make([][]float32, N)
	var uniDen, uniGamma float32
	{
		var sum uint64
		var k [4]uint64
		for _, c := range adj[0].Counts {
			sum += c
			if c > 0 {
				k[min(c, 3)]++
			}
		}
		uniDen = float32(sum)
		uniGamma = gammaOf(&stats[0].Discount, k, uniDen)
	}
	for n := 2; n <= N; n++ {
		var lowerCtx []uint32
		if n > 2 {
			lowerCtx = ctx[n-2]
		}
		ctx[n-1] = contextIndex(m, n, lowerCtx)
		gamma[n-2], den[n-2] = gammas(&adj[n-1], ctx[n-1], adj[n-2].Len(), &stats[n-1].Discount, keep[n-1])
	}

	// Probabilities, lowest order first, interpolated with the order below.
	uniform := float32(1.0 / float64(float32(V-1))) // <unk> in, <s> out, as lmplz
	lin := make([]float32, V)
	d0 := &stats[0].Discount
	for id, c := range adj[0].Counts {
		var p float32
		switch {
		case uint32(id) == ngram.BOS:
			p = 1
		case uint32(id) == ngram.Unk && !opt.InterpolateUnigrams:
			p = d0.apply(c)/uniDen + uniGamma
		case opt.InterpolateUnigrams:
			p = d0.apply(c)/uniDen + float32(uniGamma*uniform)
		default:
			p = d0.apply(c) / uniDen
		}
		lin[id] = p
	}
	setProbs(&m.Tables[0], lin)
	for n := 2; n <= N; n++ {
		lo, t := &m.Tables[n-2], &m.Tables[n-1]
		d := &stats[n-1].Discount
		next := make([]float32, t.Len())
		parallelRanges(lo.Len(), func(a, b int) {
			for i := a; i < b; i++ {
				lower := lin[i]
				for j := lo.Ext[i]; j < lo.Ext[i+1]; j++ {
					cx := ctx[n-1][j]
					next[j] = d.apply(adj[n-1].Counts[j])/den[n-2][cx] + float32(gamma[n-2][cx]*lower)
				}
			}
		})
		setProbs(t, next)
		lin = next
	}
	// Back-offs: log10 gamma of every n-gram that is a context.
	for n := 1; n < N; n++ {
		t := &m.Tables[n-1]
		for i := range t.Backoff {
			if den[n-1][i] > 0 {
				t.Backoff[i] = log10f(gamma[n-1][i])
			}
		}
	}
	if opt.Prune != nil {
		if err := dropPruned(m, keep); err != nil {
			return nil, nil, err
		}
		for n := range stats {
			stats[n].Count = m.Tables[n].Len()
		}
	}
	return m, stats, nil
}

// log10f computes log10 of a float32 the way glibc's log10f (up to 2.40) does,
// which KenLM's builds call: the binary exponent and a scaled logf in float32
// steps. It is not always correctly rounded, and reproducing that keeps our
// ARPA numbers identical to lmplz's instead of 1 ulp off in a tenth of them.
func log10f(x float32) float32 {
	const (
		two25    = float32(3.3554432e+07)
		ivln10   = float32(4.3429449201e-01)
		log102hi = float32(3.0102920532e-01)
		log102lo = float32(7.9034151668e-07)
	)
	hx := int32(math.Float32bits(x))
	k := int32(0)
	if hx < 0x00800000 { // zero, negative or subnormal
		if hx&0x7fffffff == 0 {
			return float32(math.Inf(-1))
		}
		if hx < 0 {
			return float32(math.NaN())
		}
		k -= 25
		x *= two25
		hx = int32(math.Float32bits(x))
	}
	if hx >= 0x7f800000 {
		return x + x
	}
	k += (hx >> 23) - 127
	i := int32(uint32(k) >> 31)
	hx = (hx & 0x007fffff) | ((0x7f - i) << 23)
	y := float32(k + i)
	x = math.Float32frombits(uint32(hx))
	z := float32(y*log102lo) + float32(ivln10*float32(math.Log(float64(x))))
	return z + float32(y*log102hi)
}

func setProbs(t *ngram.Table, lin []float32) {
	parallelRanges(len(lin), func(a, b int) {
		for i := a; i < b; i++ {
			t.Prob[i] = min(0, log10f(lin[i]))
		}
	})
}

// parallelRanges splits [0, n) into a few ranges run concurrently.
func parallelRanges(n int, f func(a, b int)) {
	k := runtime.GOMAXPROCS(0)
	if n < 1<<14 || k == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range k {
		a, b := n*p/k, n*(p+1)/k
		wg.Add(1)
		go func() { defer wg.Done(); f(a, b) }()
	}
	wg.Wait()
}

// gammaOf is (D1 N1 + D2 N2 + D3 N3+) / denominator in KenLM's float32 order.
func gammaOf(d *Discount, k [4]uint64, denominator float32) float32 {
	return gammaNumerator(d, k) / denominator
}

// gammaNumerator is D1 N1 + D2 N2 + D3 N3+ in KenLM's float32 order.
func gammaNumerator(d *Discount, k [4]uint64) float32 {
	var g float32
	for i := 1; i <= 3; i++ {
		g += float32(d[i] * float32(k[i]))
	}
	return g
}

// contextIndex returns, for every n-gram w1..wn of order n, the index of its
// context w1..w(n-1) in order n-1, given the same for order n-1 (lowerCtx,
// nil when n = 2). The context of w1..wn is the left extension by w1 of the
// context of its suffix w2..wn, so one small binary search per n-gram finds it.
func contextIndex(m *ngram.Model, n int, lowerCtx []uint32) []uint32 {
	lo, t := &m.Tables[n-2], &m.Tables[n-1]
	ctx := make([]uint32, t.Len())
	parallelRanges(lo.Len(), func(a, b int) {
		for i := a; i < b; i++ {
			for j := lo.Ext[i]; j < lo.Ext[i+1]; j++ {
				w1 := t.Words[int(j)*n]
				if n == 2 {
					ctx[j] = w1
					continue
				}
				c, ok := m.Child(n-2, int(lowerCtx[i]), w1)
				if !ok {
					panic(fmt.Sprintf("builder: context of %d-gram %q missing", n, m.Phrase(t.Gram(int(j)))))
				}
				ctx[j] = uint32(c)
			}
		}
	})
	return ctx
}

// gammas returns, per (n-1)-gram, the sum of the adjusted counts of the
// n-grams it is the context of (0 when it is none) and its gamma. With
// pruning (keep not nil), only the kept n-grams enter the count-of-counts
// and the adjusted counts of the pruned ones are added to the numerator, as
// lmplz's AddRight does, so the back-off takes their mass.
func gammas(g *Grams, ctx []uint32, nLower int, d *Discount, keep []bool) (gamma, den []float32) {
	sum := make([]uint64, nLower)
	k := make([][3]uint32, nLower)
	var pruned []uint64
	if keep != nil {
		pruned = make([]uint64, nLower)
	}
	for j, i := range ctx {
		c := g.Counts[j]
		sum[i] += c
		if keep != nil && !keep[j] {
			pruned[i] += c
			continue
		}
		if c > 0 {
			k[i][min(c, 3)-1]++
		}
	}
	gamma = make([]float32, nLower)
	den = make([]float32, nLower)
	for i := range sum {
		if sum[i] == 0 {
			continue
		}
		den[i] = float32(sum[i])
		kk := [4]uint64{0, uint64(k[i][0]), uint64(k[i][1]), uint64(k[i][2])}
		if pruned != nil {
			gamma[i] = (gammaNumerator(d, kk) + float32(pruned[i])) / den[i]
		} else {
			gamma[i] = gammaOf(d, kk, den[i])
		}
	}
	return gamma, den
}

// discounts computes D1, D2, D3+ from the count-of-counts t (Chen & Goodman
// eq. 26) in KenLM's float32 arithmetic, or says why they are undefined.
func discounts(n int, t [5]uint64) (Discount, error) {
	var d Discount
	for j := 1; j <= 3; j++ {
		if t[j] == 0 {
			return d, fmt.Errorf("could not calculate Kneser-Ney discounts for %d-grams with adjusted count %d because no %d-grams have adjusted count %d; is this small or artificial data?", n, j+1, n, j)
		}
	}
	y := float32(t[1]) / float32(float64(t[1])+2.0*float64(t[2]))
	for j := 1; j <= 3; j++ {
		x := float32(float32(float32(j+1)*y)*float32(t[j+1])) / float32(t[j])
		d[j] = float32(j) - x
		if d[j] < 0 || d[j] > float32(j) {
			return d, fmt.Errorf("%d-gram discount out of range for adjusted count %d: %v", n, j, d[j])
		}
	}
	return d, nil
}

// leftContinuations turns the suffix-sorted (n+1)-grams of g into the
// n-grams they end with, each counted once per distinct word to its left.
func leftContinuations(g *Grams) Grams {
	n := g.N - 1
	distinct := 0
	for j := 0; j < g.Len(); j++ {
		if j == 0 || !slices.Equal(g.Gram(j)[1:], g.Gram(j - 1)[1:]) {
			distinct++
		}
	}
	out := Grams{N: n, Words: make([]uint32, 0, distinct*n), Counts: make([]uint64, 0, distinct)}
	for j := 0; j < g.Len(); j++ {
		suf := g.Gram(j)[1:]
		if k := out.Len(); k > 0 && slices.Equal(out.Words[(k-1)*n:], suf) {
			out.Counts[k-1]++
			continue
		}
		out.Words = append(out.Words, suf...)
		out.Counts = append(out.Counts, 1)
	}
	return out
}

// mergeGrams merges two suffix-sorted lists of disjoint n-grams.
func mergeGrams(a, b *Grams) Grams {
	if b.Len() == 0 {
		return *a
	}
	n := a.N
	out := Grams{N: n, Words: make([]uint32, 0, len(a.Words)+len(b.Words)), Counts: make([]uint64, 0, a.Len()+b.Len())}
	i, j := 0, 0
	for i < a.Len() || j < b.Len() {
		if j == b.Len() || (i < a.Len() && ngram.CompareSuffix(a.Gram(i), b.Gram(j)) < 0) {
			out.Words = append(out.Words, a.Gram(i)...)
			out.Counts = append(out.Counts, a.Counts[i])
			i++
		} else {
			out.Words = append(out.Words, b.Gram(j)...)
			out.Counts = append(out.Counts, b.Counts[j])
			j++
		}
	}
	return out
}

// lastEntryQuirk reproduces a detail of lmplz's AdjustCounts: when its
// stream of padded N-grams ends, the lower-order n-grams still open (the
// suffixes of the last padded N-gram in suffix order, down to a <s>) enter the
// count-of-counts with their number of occurrences instead of their adjusted
// count. It moves at most one n-gram per order between count-of-counts bins,
// so discounts, and through them every probability, stay bit-identical to
// lmplz's.
func lastEntryQuirk(c *Counts, adj []Grams, stats []OrderStats) {
	N := c.Order
	if N < 2 {
		return
	}
	// The last padded N-gram: compare the last entry of every Full table,
	// padded on the left with <s>.
	pad := make([]uint32, N)
	best := make([]uint32, N)
	bestN := 0
	for n := 2; n <= N; n++ {
		g := &c.Full[n-1]
		if g.Len() == 0 {
			continue
		}
		for i := range N - n {
			pad[i] = ngram.BOS
		}
		copy(pad[N-n:], g.Gram(g.Len()-1))
		if bestN == 0 || ngram.CompareSuffix(pad, best) > 0 {
			copy(best, pad)
			bestN = n
		}
	}
	if bestN == 0 {
		return
	}
	open := N - 1 // orders whose stream is still open
	if bestN < N {
		open = bestN
	}
	for j := 1; j <= open; j++ {
		g := best[N-j:]
		a := &adj[j-1]
		idx := -1
		if j == 1 {
			idx = int(g[0])
		} else if a.Len() > 0 && slices.Equal(a.Gram(a.Len()-1), g) {
			idx = a.Len() - 1
		}
		if idx < 0 {
			continue
		}
		// Occurrences of g: raw counts of the full entries ending with g.
		var occ uint64
		for n := j; n <= N; n++ {
			f := &c.Full[n-1]
			for i := f.Len() - 1; i >= 0 && slices.Equal(f.Gram(i)[n-j:], g); i-- {
				occ += f.Counts[i]
			}
		}
		s := &stats[j-1]
		if k := a.Counts[idx]; k < 5 {
			s.CountOfCounts[k]--
		}
		if occ < 5 {
			s.CountOfCounts[occ]++
		}
	}
}
