package corpus

import (
	"fmt"
	"math"
	"slices"
)

// Seed salts, so that a sample and a split drawn with one seed use unrelated
// shuffles.
const (
	sampleSalt = 0x73616d706c65 // "sample"
	stratSalt  = 0x7374726174   // "strat"
)

// strata groups the indices of labels by label: the distinct labels in
// sorted order and, for each, its indices in the order of a seeded
// permutation of 0..len(labels)-1 (so the first k of a stratum are a uniform
// random k of it).
func strata(labels []string, seed uint64) (names []string, members [][]int) {
	at := map[string]int{}
	for _, l := range labels {
		if _, ok := at[l]; !ok {
			at[l] = 0
			names = append(names, l)
		}
	}
	slices.Sort(names)
	for i, l := range names {
		at[l] = i
	}
	members = make([][]int, len(names))
	for _, i := range Permutation(len(labels), seed) {
		k := at[labels[i]]
		members[k] = append(members[k], i)
	}
	return names, members
}

// apportion divides n among strata of the given sizes in proportion to the
// sizes (largest remainder, Hamilton's method), each share kept within
// [lo[k], hi[k]]. The caller ensures Σlo ≤ n ≤ Σhi. Ties go to the stratum
// that comes first in order (a permutation of the strata).
func apportion(sizes []int, n int, lo, hi []int, order []int) []int {
	total := 0
	for _, s := range sizes {
		total += s
	}
	quota := make([]float64, len(sizes))
	share := make([]int, len(sizes))
	sum := 0
	for k, s := range sizes {
		if total > 0 {
			quota[k] = float64(n) * float64(s) / float64(total)
		}
		share[k] = min(max(int(math.Floor(quota[k])), lo[k]), hi[k])
		sum += share[k]
	}
	// pick returns the stratum, among those ok accepts, whose remainder
	// quota-share is largest (sign +1) or smallest (sign -1).
	pick := func(ok func(k int) bool, sign float64) int {
		best := -1
		for _, k := range order {
			if !ok(k) {
				continue
			}
			if best < 0 || sign*(quota[k]-float64(share[k])) > sign*(quota[best]-float64(share[best])) {
				best = k
			}
		}
		return best
	}
	for ; sum < n; sum++ {
		share[pick(func(k int) bool { return share[k] < hi[k] }, 1)]++
	}
	for ; sum > n; sum-- {
		share[pick(func(k int) bool { return share[k] > lo[k] }, -1)]--
	}
	return share
}

// StratifiedSample returns the indices, in increasing order, of a seeded
// random sample of n of the items whose labels are given, stratified by
// label: each label's share of the sample is its share of the items,
// rounded by the largest-remainder method, and when n is at least the
// number of distinct labels every label is in the sample at least once.
// Within a label the items are a uniform random choice. n must be in
// [0, len(labels)]. The result depends only on (labels, n, seed), and for
// one seed every label's items are taken in one fixed random order, so a
// larger sample holds a smaller one wherever no label's share shrinks.
func StratifiedSample(labels []string, n int, seed uint64) ([]int, error) {
	if n < 0 {
		return nil, fmt.Errorf("sample: negative size %d", n)
	}
	if n > len(labels) {
		return nil, fmt.Errorf("sample: %d examples asked for, only %d available", n, len(labels))
	}
	names, members := strata(labels, seed^sampleSalt)
	sizes := make([]int, len(names))
	lo := make([]int, len(names))
	for k, m := range members {
		sizes[k] = len(m)
		if n >= len(names) {
			lo[k] = 1
		}
	}
	share := apportion(sizes, n, lo, sizes, Permutation(len(names), seed^stratSalt))
	out := make([]int, 0, n)
	for k, m := range members {
		out = append(out, m[:share[k]]...)
	}
	slices.Sort(out)
	return out, nil
}

// StratifiedSplit divides the items whose labels are given into a train and
// a dev part by label: dev holds round(len(labels)·devFrac) items, each
// label's share of dev rounded from its share of the items by the
// largest-remainder method, except that every label keeps at least one item
// in train (so dev may come out smaller for tiny inputs). Within a label
// the dev items are a uniform random choice. Both parts are in increasing
// order; the result depends only on (labels, devFrac, seed).
func StratifiedSplit(labels []string, devFrac float64, seed uint64) (train, dev []int, err error) {
	if !(devFrac >= 0 && devFrac < 1) {
		return nil, nil, fmt.Errorf("split: dev fraction %v not in [0, 1)", devFrac)
	}
	names, members := strata(labels, seed^sampleSalt^stratSalt)
	sizes := make([]int, len(names))
	lo := make([]int, len(names))
	hi := make([]int, len(names))
	for k, m := range members {
		sizes[k] = len(m)
		hi[k] = len(m) - 1
	}
	nd := min(int(math.Round(float64(len(labels))*devFrac)), len(labels)-len(names))
	share := apportion(sizes, nd, lo, hi, Permutation(len(names), seed^stratSalt^1))
	train = make([]int, 0, len(labels)-nd)
	dev = make([]int, 0, nd)
	for k, m := range members {
		dev = append(dev, m[:share[k]]...)
		train = append(train, m[share[k]:]...)
	}
	slices.Sort(train)
	slices.Sort(dev)
	return train, dev, nil
}

// recordLabels returns the Label of every record.
func recordLabels(recs []Record) []string {
	ls := make([]string, len(recs))
	for i, r := range recs {
		ls[i] = r.Label
	}
	return ls
}

// pick returns the records at the given indices.
func pick(recs []Record, idx []int) []Record {
	out := make([]Record, len(idx))
	for i, j := range idx {
		out[i] = recs[j]
	}
	return out
}

// SampleRecords applies StratifiedSample to records by their Label and
// returns the chosen records in their original order.
func SampleRecords(recs []Record, n int, seed uint64) ([]Record, error) {
	idx, err := StratifiedSample(recordLabels(recs), n, seed)
	if err != nil {
		return nil, err
	}
	return pick(recs, idx), nil
}

// SplitRecords applies StratifiedSplit to records by their Label and returns
// the two parts in their original order.
func SplitRecords(recs []Record, devFrac float64, seed uint64) (train, dev []Record, err error) {
	ti, di, err := StratifiedSplit(recordLabels(recs), devFrac, seed)
	if err != nil {
		return nil, nil, err
	}
	return pick(recs, ti), pick(recs, di), nil
}
