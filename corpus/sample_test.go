package corpus

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// population returns labels with the given counts, interleaved.
func population(counts map[string]int) []string {
	var ls []string
	for more := true; more; {
		more = false
		for _, l := range []string{"a", "b", "c", "d", "e"} {
			if counts[l] > 0 {
				ls = append(ls, l)
				counts[l]--
				more = true
			}
		}
	}
	return ls
}

func countLabels(labels []string, idx []int) map[string]int {
	c := map[string]int{}
	for _, i := range idx {
		c[labels[i]]++
	}
	return c
}

func TestStratifiedSample(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts map[string]int
		n      int
		want   map[string]int // exact per-label counts
	}{
		{"proportional", map[string]int{"a": 600, "b": 300, "c": 100}, 100, map[string]int{"a": 60, "b": 30, "c": 10}},
		{"largest remainder", map[string]int{"a": 500, "b": 300, "c": 200}, 7, map[string]int{"a": 4, "b": 2, "c": 1}}, // quotas 3.5 2.1 1.4
		{"every label once", map[string]int{"a": 997, "b": 1, "c": 1, "d": 1}, 4, map[string]int{"a": 1, "b": 1, "c": 1, "d": 1}},
		{"floor of one costs the big label", map[string]int{"a": 990, "b": 5, "c": 5}, 5, map[string]int{"a": 3, "b": 1, "c": 1}},
		{"all", map[string]int{"a": 3, "b": 2}, 5, map[string]int{"a": 3, "b": 2}},
		{"none", map[string]int{"a": 3, "b": 2}, 0, map[string]int{}},
		{"fewer than labels", map[string]int{"a": 80, "b": 10, "c": 10}, 2, map[string]int{"a": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels := population(tc.counts)
			idx, err := StratifiedSample(labels, tc.n, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(idx) != tc.n || !slices.IsSorted(idx) || len(slices.Compact(slices.Clone(idx))) != tc.n {
				t.Fatalf("got %d indices (sorted %v, distinct?), want %d distinct sorted: %v", len(idx), slices.IsSorted(idx), tc.n, idx)
			}
			got := countLabels(labels, idx)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("per-label counts %v, want %v", got, tc.want)
			}
			again, _ := StratifiedSample(labels, tc.n, 7)
			if !slices.Equal(idx, again) {
				t.Error("same seed, different sample")
			}
		})
	}
}

func TestStratifiedSampleRandomWithinLabel(t *testing.T) {
	labels := population(map[string]int{"a": 500, "b": 500})
	s1, _ := StratifiedSample(labels, 100, 1)
	s2, _ := StratifiedSample(labels, 100, 2)
	if slices.Equal(s1, s2) {
		t.Error("seeds 1 and 2 give the same sample")
	}
	// Not simply the first items of each label: the chosen indices spread
	// over the whole range.
	if s1[len(s1)-1] < 500 {
		t.Errorf("sample of 100 of 1000 ends at index %d", s1[len(s1)-1])
	}
	// Each item is about equally likely over many seeds.
	hits := make([]int, len(labels))
	const seeds = 200
	for seed := range uint64(seeds) {
		idx, _ := StratifiedSample(labels, 100, seed)
		for _, i := range idx {
			hits[i]++
		}
	}
	for i, h := range hits {
		// expected 20 per item; binomial sd ≈ 4.2
		if h < 3 || h > 45 {
			t.Fatalf("item %d drawn %d times in %d samples of 10%%", i, h, seeds)
		}
	}
	// One seed: a larger sample holds a smaller one (shares grow).
	big, _ := StratifiedSample(labels, 400, 1)
	for _, i := range s1 {
		if _, ok := slices.BinarySearch(big, i); !ok {
			t.Fatalf("item %d of the 100-sample missing from the 400-sample", i)
		}
	}
}

func TestStratifiedSampleErrors(t *testing.T) {
	labels := []string{"a", "b", "a"}
	for _, tc := range []struct {
		n    int
		want string
	}{{4, "4 examples asked for, only 3 available"}, {-1, "negative size"}} {
		if _, err := StratifiedSample(labels, tc.n, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("n=%d: error %v, want %q", tc.n, err, tc.want)
		}
	}
	if idx, err := StratifiedSample(nil, 0, 1); err != nil || len(idx) != 0 {
		t.Errorf("empty input: %v %v", idx, err)
	}
}

func TestStratifiedSplit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts map[string]int
		frac   float64
		dev    map[string]int
	}{
		{"proportional", map[string]int{"a": 600, "b": 300, "c": 100}, 0.1, map[string]int{"a": 60, "b": 30, "c": 10}},
		{"rounding", map[string]int{"a": 7, "b": 5}, 0.25, map[string]int{"a": 2, "b": 1}}, // 3 of 12: quotas 1.75 1.25
		{"keeps one in train", map[string]int{"a": 3, "b": 1}, 0.5, map[string]int{"a": 2}},
		{"capped for tiny data", map[string]int{"a": 2, "b": 2}, 0.9, map[string]int{"a": 1, "b": 1}},
		{"zero", map[string]int{"a": 5, "b": 5}, 0, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labels := population(tc.counts)
			train, dev, err := StratifiedSplit(labels, tc.frac, 3)
			if err != nil {
				t.Fatal(err)
			}
			if got := countLabels(labels, dev); fmt.Sprint(got) != fmt.Sprint(tc.dev) {
				t.Errorf("dev counts %v, want %v", got, tc.dev)
			}
			all := append(slices.Clone(train), dev...)
			slices.Sort(all)
			for i, v := range all {
				if v != i {
					t.Fatalf("parts are not a partition of 0..%d: %v", len(labels)-1, all)
				}
			}
			if !slices.IsSorted(train) || !slices.IsSorted(dev) {
				t.Error("parts not sorted")
			}
			trainCounts := countLabels(labels, train)
			for l := range countLabels(labels, all) {
				if trainCounts[l] == 0 {
					t.Errorf("label %s has no training item", l)
				}
			}
			t2, d2, _ := StratifiedSplit(labels, tc.frac, 3)
			if !slices.Equal(train, t2) || !slices.Equal(dev, d2) {
				t.Error("same seed, different split")
			}
		})
	}
	labels := population(map[string]int{"a": 50, "b": 50})
	_, d1, _ := StratifiedSplit(labels, 0.2, 1)
	_, d2, _ := StratifiedSplit(labels, 0.2, 2)
	if slices.Equal(d1, d2) {
		t.Error("seeds 1 and 2 give the same dev set")
	}
	for _, bad := range []float64{-0.1, 1, math.NaN()} {
		if _, _, err := StratifiedSplit(labels, bad, 1); err == nil {
			t.Errorf("dev fraction %v accepted", bad)
		}
	}
}

func TestSampleAndSplitRecords(t *testing.T) {
	var recs []Record
	for i := range 40 {
		l := "neg"
		if i%4 == 0 {
			l = "pos"
		}
		recs = append(recs, Record{Text: fmt.Sprint("text ", i), Label: l, Line: i + 2})
	}
	s, err := SampleRecords(recs, 8, 5)
	if err != nil {
		t.Fatal(err)
	}
	var pos int
	for i, r := range s {
		if i > 0 && r.Line <= s[i-1].Line {
			t.Errorf("records out of file order: %v", s)
		}
		if r.Label == "pos" {
			pos++
		}
	}
	if len(s) != 8 || pos != 2 {
		t.Errorf("sample of 8 has %d records, %d pos; want 8 and 2", len(s), pos)
	}
	if _, err := SampleRecords(recs, 41, 5); err == nil {
		t.Error("sample larger than the records accepted")
	}
	tr, dv, err := SplitRecords(recs, 0.2, 5)
	if err != nil {
		t.Fatal(err)
	}
	pos = 0
	for _, r := range dv {
		if r.Label == "pos" {
			pos++
		}
	}
	if len(tr) != 32 || len(dv) != 8 || pos != 2 {
		t.Errorf("split: %d train, %d dev with %d pos; want 32, 8 and 2", len(tr), len(dv), pos)
	}
}
