package builder

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/ngram"
)

// TestPruneByHand prunes the bigrams seen once from TestKNByHand's corpus
// ("a b", "b", "a b b"; --prune 0 1). Discounts and unigrams are unchanged
// (bigrams D1=1/3 D2=1.5 D3+=3; p(a)=.225 p(b)=.425 p(</s>)=.225 p(<unk>)=.125);
// "<s> b" and "b b" go, and their adjusted counts join the gamma numerators:
//
//	<s>: den 3, gamma = (D2*1 + 1)/3 = 5/6; p(a|<s>) = (2-1.5)/3 + 5/6*.225 = .35416667
//	b:   den 4, gamma = (D3*1 + 1)/4 = 1;   p(</s>|b) = (3-3)/4 + .225 = .225, back-off 0
//	a:   unchanged, gamma .75, p(b|a) = .56875
//
// so p(b|<s>) = 5/6 * .425 by backing off, and <s> still sums to
// .35416667 + 5/6*(1 - .225) = 1.
func TestPruneByHand(t *testing.T) {
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	opt.Prune = []uint64{0, 1}
	m, st, err := EstimateKN(countString(t, "a b\nb\na b b\n", 2), opt)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Counts(); c[1] != 3 || st[1].Count != 3 {
		t.Errorf("counts %v (stats %d), want 3 bigrams", c, st[1].Count)
	}
	l := func(x float64) float64 { return math.Log10(x) }
	id := func(w string) uint32 { i, _ := m.Vocab.ID(w); return i }
	a, b := id("a"), id("b")
	for _, c := range []struct {
		gram  []uint32
		p, bo float64
	}{
		{[]uint32{ngram.BOS, a}, l(.35416667), 0}, {[]uint32{a, b}, l(.56875), 0}, {[]uint32{b, ngram.EOS}, l(.225), 0},
		{[]uint32{ngram.BOS}, 0, l(5. / 6)}, {[]uint32{b}, l(.425), 0}, {[]uint32{a}, l(.225), l(.75)},
	} {
		i, ok := m.Find(c.gram)
		if !ok {
			t.Errorf("%q missing", m.Phrase(c.gram))
			continue
		}
		tb := &m.Tables[len(c.gram)-1]
		if len(c.gram) == 2 && math.Abs(float64(tb.Prob[i])-c.p) > 1e-6 {
			t.Errorf("p(%s) = %v, want %v", m.Phrase(c.gram), tb.Prob[i], c.p)
		}
		if len(c.gram) == 1 && math.Abs(float64(tb.Backoff[i])-c.bo) > 1e-6 {
			t.Errorf("bow(%s) = %v, want %v", m.Phrase(c.gram), tb.Backoff[i], c.bo)
		}
	}
	for _, gone := range [][]uint32{{ngram.BOS, b}, {b, b}} {
		if _, ok := m.Find(gone); ok {
			t.Errorf("%q not pruned", m.Phrase(gone))
		}
	}
	s := contextState(m, []uint32{ngram.BOS})
	if p, _ := m.Score(&s, b, &s); math.Abs(float64(p)-l(5./6*.425)) > 1e-6 {
		t.Errorf("p(b|<s>) = %v, want %v", p, l(5./6*.425))
	}
	checkNormalised(t, m, nil, 0)
}

// TestPruneTrigrams prunes a random-text 4-gram model with lmplz's
// "0 1 1 2" and checks the kept sets against the raw counts, suffix
// closure (Link) and normalisation; all-zero thresholds change nothing.
func TestPruneTrigrams(t *testing.T) {
	text := randomText(rand.New(rand.NewPCG(5, 6)), 600)
	c := countString(t, text, 4)
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	base, _, err := EstimateKN(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Prune = []uint64{0, 0, 0}
	same, _, err := EstimateKN(countString(t, text, 4), opt)
	if err != nil {
		t.Fatal(err)
	}
	for n := range base.Tables {
		if !slices.Equal(same.Tables[n].Words, base.Tables[n].Words) || !slices.Equal(same.Tables[n].Prob, base.Tables[n].Prob) ||
			!slices.Equal(same.Tables[n].Backoff, base.Tables[n].Backoff) {
			t.Errorf("order %d: --prune 0 changed the model", n+1)
		}
	}
	opt.Prune = []uint64{0, 1, 1, 2}
	m, _, err := EstimateKN(countString(t, text, 4), opt)
	if err != nil {
		t.Fatal(err)
	}
	raw := RawCounts(c)
	thr := []uint64{0, 1, 1, 2}
	for n := 2; n <= 4; n++ {
		want := 0
		for j, cnt := range raw[n-1].Counts {
			_, ok := m.Find(raw[n-1].Gram(j))
			if ok != (cnt > thr[n-1]) {
				t.Errorf("%d-gram %q count %d: kept %v", n, m.Phrase(raw[n-1].Gram(j)), cnt, ok)
			}
			if ok {
				want++
			}
		}
		if m.Tables[n-1].Len() != want || want == 0 || want == raw[n-1].Len() {
			t.Errorf("order %d: %d kept of %d, want %d (and some pruned)", n, m.Tables[n-1].Len(), raw[n-1].Len(), want)
		}
	}
	if err := m.Link(); err != nil {
		t.Error(err)
	}
	checkNormalised(t, m, nil, 0)
}

func TestPruneThresholdErrors(t *testing.T) {
	for _, bad := range [][]uint64{{1}, {0, 2, 1}, {0, 1, 1, 1, 1}} {
		if _, err := PruneThresholds(bad, 3); err == nil {
			t.Errorf("thresholds %v accepted", bad)
		}
	}
	got, err := PruneThresholds([]uint64{0, 1}, 4)
	if err != nil || !slices.Equal(got, []uint64{0, 1, 1, 1}) {
		t.Errorf("PruneThresholds(0 1, 4) = %v, %v", got, err)
	}
	opt := DefaultKNOptions()
	opt.Prune = []uint64{2}
	if _, _, err := EstimateKN(countString(t, strings.Repeat("a b c\n", 20), 3), opt); err == nil ||
		!strings.Contains(err.Error(), "unigram pruning") {
		t.Errorf("error %v", err)
	}
}
