package builder

import (
	"fmt"

	"github.com/mulan-nlp/mulan/ngram"
)

// PruneThresholds expands lmplz-style --prune values to one threshold per
// order 1..N and validates them as lmplz does: unigrams cannot be pruned (the
// first value must be 0), the values must not decrease (or a kept n-gram
// could lose its suffix), and the last value applies to the remaining orders.
func PruneThresholds(values []uint64, N int) ([]uint64, error) {
	if len(values) == 0 {
		return nil, nil
	}
	if len(values) > N {
		return nil, fmt.Errorf("%d pruning thresholds for a model of order %d", len(values), N)
	}
	if values[0] != 0 {
		return nil, fmt.Errorf("unigram pruning is not supported: the first pruning threshold must be 0, not %d", values[0])
	}
	t := make([]uint64, N)
	for n := range t {
		t[n] = values[min(n, len(values)-1)]
		if n > 0 && t[n] < t[n-1] {
			return nil, fmt.Errorf("pruning thresholds must not decrease (order %d: %d < %d), or kept n-grams would lose their suffixes", n+1, t[n], t[n-1])
		}
	}
	return t, nil
}

// pruneMask decides, per order n >= 2 whose threshold is positive, which
// n-grams of adj survive: those occurring more often than the threshold.
// Like lmplz it compares raw occurrence counts (not adjusted counts), at
// every order. adj lists the same n-grams in the same order as RawCounts
// for n >= 2. The result has one entry per order, nil where nothing is pruned.
func pruneMask(c *Counts, adj []Grams, values []uint64) ([][]bool, error) {
	N := c.Order
	keep := make([][]bool, N)
	t, err := PruneThresholds(values, N)
	if err != nil || t == nil {
		return keep, err
	}
	var raw []Grams
	for n := 2; n <= N; n++ {
		if t[n-1] == 0 {
			continue
		}
		if raw == nil {
			raw = RawCounts(c)
		}
		r, a := &raw[n-1], &adj[n-1]
		if r.Len() != a.Len() {
			return nil, fmt.Errorf("internal error: %d raw %d-grams, %d adjusted", r.Len(), n, a.Len())
		}
		k := make([]bool, r.Len())
		for j, cnt := range r.Counts {
			k[j] = cnt > t[n-1]
		}
		keep[n-1] = k
	}
	return keep, nil
}

// dropPruned removes the n-grams whose keep entry is false and relinks m.
func dropPruned(m *ngram.Model, keep [][]bool) error {
	changed := false
	for n := 2; n <= len(m.Tables); n++ {
		k := keep[n-1]
		if k == nil {
			continue
		}
		changed = true
		t := &m.Tables[n-1]
		w, p := t.Words[:0:0], t.Prob[:0:0]
		var b []float32
		for j, ok := range k {
			if !ok {
				continue
			}
			w = append(w, t.Gram(j)...)
			p = append(p, t.Prob[j])
			if t.Backoff != nil {
				b = append(b, t.Backoff[j])
			}
		}
		t.Words, t.Prob = w, p
		if t.Backoff != nil {
			t.Backoff = b
		}
	}
	if !changed {
		return nil
	}
	if err := m.Link(); err != nil {
		return fmt.Errorf("internal error after pruning: %w", err)
	}
	return nil
}
