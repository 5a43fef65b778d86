package langid

import (
	"math"
	"slices"
	"sort"
)

// boundary is the symbol for a word (Latin) or run (Han) boundary.
const boundary rune = 0

// maxOrder is the longest n-gram a model holds: five 12-bit Latin symbols
// (or three 21-bit Han runes) pack into one uint64 key.
const maxOrder = 5

// Bits per symbol in packed keys: Latin symbols are runes below 4096 (rarer
// runes share the symbol latinRare), Han symbols are whole runes.
const (
	latinBits = 12
	hanBits   = 21
	latinRare = 1<<latinBits - 1
)

// maxOrderFor returns the longest order that packs with bits per symbol.
func maxOrderFor(bits uint) int { return min(maxOrder, int(64/bits)) }

// pack packs runes (oldest first) into a map key of bits per symbol.
func pack(bits uint, rs ...rune) uint64 {
	var k uint64
	for _, r := range rs {
		k = k<<bits | uint64(r)&(1<<bits-1)
	}
	return k
}

// histStat is the count C of a history's events and the number T of distinct
// symbols seen after it (Witten-Bell).
type histStat struct{ C, T uint64 }

// counts holds the raw n-gram statistics of one model: grams[n-1] maps packed
// n-grams to their counts, hists[n-1] maps packed histories of length n to
// their (C, T). total and types are the unigram C and T.
type counts struct {
	order        int
	bits         uint
	grams        []map[uint64]uint64
	hists        []map[uint64]histStat
	total, types uint64
}

func newCounts(order int, bits uint) *counts {
	c := &counts{order: order, bits: bits}
	for n := 0; n < order; n++ {
		c.grams = append(c.grams, map[uint64]uint64{})
		c.hists = append(c.hists, map[uint64]histStat{})
	}
	return c
}

// addStream counts the n-grams ending at every symbol of s after the first
// (s[0] is a leading boundary that serves only as context).
func (c *counts) addStream(s []rune) {
	for i := 1; i < len(s); i++ {
		for n := 1; n <= c.order && n <= i+1; n++ {
			c.grams[n-1][pack(c.bits, s[i-n+1:i+1]...)]++
		}
	}
}

// finish computes the history statistics and unigram totals from the n-gram
// counts, then drops n-grams (n >= 2) seen fewer than minCount[n-1] times and
// histories whose count C is below the minimum of the order they condition.
func (c *counts) finish(minCount []uint64) {
	c.total, c.types = 0, uint64(len(c.grams[0]))
	for _, v := range c.grams[0] {
		c.total += v
	}
	for n := 2; n <= c.order; n++ {
		h := c.hists[n-2]
		for k, v := range c.grams[n-1] {
			hk := k >> c.bits
			st := h[hk]
			st.C += v
			st.T++
			h[hk] = st
		}
	}
	for n := 2; n <= c.order; n++ {
		min := minCount[n-1]
		for k, v := range c.grams[n-1] {
			if v < min {
				delete(c.grams[n-1], k)
			}
		}
		for k, st := range c.hists[n-2] {
			if st.C < min {
				delete(c.hists[n-2], k)
			}
		}
	}
}

// model is a Witten-Bell interpolated character n-gram model ready for
// scoring: lp[n-1] holds log2 P(c | h) for stored n-grams, bow[n-1] the
// log2 weight T/(C+T) of stored histories of length n.
type model struct {
	order int
	bits  uint
	lp    []map[uint64]float32
	bow   []map[uint64]float32
	lpUnk float32 // log2 P of a symbol never seen in training
}

// compile turns counts into log-probabilities.
func (c *counts) compile() *model {
	m := &model{order: c.order, bits: c.bits}
	for n := 0; n < c.order; n++ {
		m.lp = append(m.lp, make(map[uint64]float32, len(c.grams[n])))
		m.bow = append(m.bow, make(map[uint64]float32, len(c.hists[n])))
	}
	// Unigrams: Witten-Bell against a uniform base over the seen symbols plus
	// one class for unseen ones.
	V := float64(c.types + 1)
	den := float64(c.total + c.types)
	for k, v := range c.grams[0] {
		m.lp[0][k] = float32(math.Log2((float64(v) + float64(c.types)/V) / den))
	}
	m.lpUnk = float32(math.Log2(float64(c.types) / den / V))
	for n := 2; n <= c.order; n++ {
		for hk, st := range c.hists[n-2] {
			m.bow[n-2][hk] = float32(math.Log2(float64(st.T) / float64(st.C+st.T)))
		}
		mask := uint64(1)<<(c.bits*uint(n-1)) - 1
		for k, v := range c.grams[n-1] {
			hk := k >> c.bits
			st, ok := c.hists[n-2][hk]
			if !ok {
				continue // cannot happen: a kept n-gram's history has C >= count
			}
			lower := math.Exp2(float64(m.logProb(k&mask, n-1)))
			m.lp[n-1][k] = float32(math.Log2((float64(v) + float64(st.T)*lower) / float64(st.C+st.T)))
		}
	}
	return m
}

// logProb returns log2 P(last symbol of key | the others) for the packed
// n-gram key of length n, backing off through shorter histories.
func (m *model) logProb(key uint64, n int) float32 {
	var w float32
	for ; n > 1; n-- {
		if v, ok := m.lp[n-1][key]; ok {
			return w + v
		}
		w += m.bow[n-2][key>>m.bits] // 0 when the history is absent
		key &= uint64(1)<<(m.bits*uint(n-1)) - 1
	}
	if v, ok := m.lp[0][key]; ok {
		return w + v
	}
	return w + m.lpUnk
}

// scorer accumulates the log-probability of a symbol stream.
type scorer struct {
	m       *model
	hist    uint64 // packed last order-1 symbols
	nh      int    // how many of them are valid
	sum     float64
	events  int
	symbols int // non-boundary symbols scored
	atBound bool
}

func (s *scorer) reset(m *model) {
	*s = scorer{m: m, nh: 1, atBound: true} // history starts with one boundary
}

// push scores symbol r (boundary collapses repeated boundaries).
func (s *scorer) push(r rune) {
	if r == boundary {
		if s.atBound {
			return
		}
		s.atBound = true
	} else {
		s.atBound = false
		if r != nameSym {
			s.symbols++
		}
	}
	n := s.nh + 1
	key := s.hist<<s.m.bits | uint64(r)
	if n*int(s.m.bits) < 64 {
		key &= uint64(1)<<(s.m.bits*uint(n)) - 1
	}
	s.sum += float64(s.m.logProb(key, n))
	s.events++
	s.hist = key
	if s.nh < s.m.order-1 {
		s.nh++
	}
}

// end closes the stream with a boundary and returns the cross-entropy in bits
// per event and the number of letter symbols (not boundaries or names).
func (s *scorer) end() (h float64, symbols int) {
	s.push(boundary)
	if s.events == 0 {
		return 0, 0
	}
	return -s.sum / float64(s.events), s.symbols
}

// bucket is one length range of a calibration: lines with at least MinLen
// symbols (and fewer than the next bucket's MinLen) are accepted when their
// cross-entropy is at most Threshold; Spread is the standard deviation of the
// held-out cross-entropies in the bucket.
type bucket struct {
	MinLen    int
	Threshold float64
	Spread    float64
}

// calibrate computes per-bucket thresholds as the q-quantile of the
// cross-entropies hs of held-out lines with lengths ns, for buckets starting
// at the given edges (ascending). A bucket with fewer than minLines samples
// is merged into the one before it (or after it, for the first).
func calibrate(ns []int, hs []float64, edges []int, q float64, minLines int) []bucket {
	groups := make([][]float64, len(edges))
	for i, n := range ns {
		b := sort.SearchInts(edges, n+1) - 1
		if b < 0 {
			continue
		}
		groups[b] = append(groups[b], hs[i])
	}
	type grp struct {
		min int
		hs  []float64
	}
	var gs []grp
	for i, g := range groups {
		if len(gs) > 0 && len(gs[len(gs)-1].hs) < minLines {
			gs[len(gs)-1].hs = append(gs[len(gs)-1].hs, g...)
			continue
		}
		gs = append(gs, grp{edges[i], g})
	}
	for len(gs) > 1 && len(gs[len(gs)-1].hs) < minLines {
		last := gs[len(gs)-1]
		gs = gs[:len(gs)-1]
		gs[len(gs)-1].hs = append(gs[len(gs)-1].hs, last.hs...)
	}
	out := make([]bucket, 0, len(gs))
	for _, g := range gs {
		if len(g.hs) == 0 {
			continue
		}
		slices.Sort(g.hs)
		idx := int(math.Ceil(q*float64(len(g.hs)))) - 1
		idx = max(0, min(idx, len(g.hs)-1))
		var mean, sq float64
		for _, h := range g.hs {
			mean += h
		}
		mean /= float64(len(g.hs))
		for _, h := range g.hs {
			sq += (h - mean) * (h - mean)
		}
		out = append(out, bucket{MinLen: g.min, Threshold: g.hs[idx], Spread: math.Sqrt(sq / float64(len(g.hs)))})
	}
	return out
}

// find returns the bucket for a line of n symbols (the first for shorter).
func findBucket(bs []bucket, n int) bucket {
	i := sort.Search(len(bs), func(i int) bool { return bs[i].MinLen > n }) - 1
	return bs[max(i, 0)]
}
