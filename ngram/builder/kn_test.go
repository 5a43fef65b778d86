package builder

import (
	"math"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/ngram"
)

func countString(t *testing.T, text string, order int) *Counts {
	t.Helper()
	c, err := CountText(strings.NewReader(text), "text", CountOptions{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKNByHand checks a bigram model whose every number is derived by hand.
//
// Corpus "a b", "b", "a b b", padded: <s> a b </s> | <s> b </s> | <s> a b b </s>.
// Bigram raw counts: <s> a:2, a b:2, b </s>:3, <s> b:1, b b:1.
// Unigram adjusted counts (distinct left words): a:1 {<s>}, b:3 {a,<s>,b}, </s>:1 {b}; <unk>, <s>: 0.
//
// Discounts. Unigrams: n1=2, n2=0, so they are undefined and the fallback
// D1=.5 D2=1 D3+=1.5 applies. Bigrams: n1=2 (<s> b, b b), n2=2 (<s> a, a b),
// n3=1 (b </s>), n4=0; Y = 2/(2+2*2) = 1/3; D1 = 1-2Y*2/2 = 1/3;
// D2 = 2-3Y*1/2 = 1.5; D3+ = 3-4Y*0/1 = 3.
//
// Unigrams: denominator 1+3+1 = 5, gamma = (.5*2 + 1.5*1)/5 = .5, uniform =
// 1/(5 words - <s>) = 1/4, so p(a) = (1-.5)/5 + .5/4 = .225, p(b) = (3-1.5)/5 +
// .125 = .425, p(</s>) = .225, p(<unk>) = .125 (sum 1), p(<s>) = 1 (log 0).
//
// Bigram contexts: <s> -> a(2), b(1): gamma = (1/3 + 1.5)/3 = 11/18;
// a -> b(2): gamma = 1.5/2 = .75; b -> </s>(3), b(1): gamma = (1/3 + 3)/4 = 5/6.
// p(a|<s>) = (2-1.5)/3 + 11/18*.225 = .30416667
// p(b|<s>) = (1-1/3)/3 + 11/18*.425 = .48194444
// p(b|a)   = (2-1.5)/2 + .75*.425   = .56875
// p(</s>|b) = (3-3)/4 + 5/6*.225     = .1875
// p(b|b)   = (1-1/3)/4 + 5/6*.425   = .52083333
func TestKNByHand(t *testing.T) {
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	var warned string
	opt.Warn = func(s string) { warned = s }
	m, st, err := EstimateKN(countString(t, "a b\nb\na b b\n", 2), opt)
	if err != nil {
		t.Fatal(err)
	}
	if !st[0].Fallback || st[1].Fallback || !strings.Contains(warned, "1-grams") {
		t.Errorf("fallback flags %v %v, warning %q", st[0].Fallback, st[1].Fallback, warned)
	}
	wantD := [][4]float64{{0, .5, 1, 1.5}, {0, 1.0 / 3, 1.5, 3}}
	for n := range wantD {
		for k := 1; k <= 3; k++ {
			if math.Abs(float64(st[n].Discount[k])-wantD[n][k]) > 1e-6 {
				t.Errorf("order %d D%d = %v, want %v", n+1, k, st[n].Discount[k], wantD[n][k])
			}
		}
	}
	l := math.Log10
	want := []struct {
		gram       string
		prob, back float64
	}{
		{"<unk>", l(.125), 0},
		{"<s>", 0, l(11.0 / 18)},
		{"</s>", l(.225), 0},
		{"a", l(.225), l(.75)},
		{"b", l(.425), l(5.0 / 6)},
		{"<s> a", l(1.0/6 + 11.0/18*.225), 0},
		{"<s> b", l(2.0/9 + 11.0/18*.425), 0},
		{"a b", l(.56875), 0},
		{"b </s>", l(.1875), 0},
		{"b b", l(2.0/12 + 5.0/6*.425), 0},
	}
	if got := m.Counts(); got[0] != 5 || got[1] != 5 {
		t.Fatalf("counts %v, want [5 5]", got)
	}
	for _, w := range want {
		var ids []uint32
		for _, s := range strings.Fields(w.gram) {
			id, _ := m.Vocab.ID(s)
			ids = append(ids, id)
		}
		i, ok := m.Find(ids)
		if !ok {
			t.Errorf("%q missing", w.gram)
			continue
		}
		tb := &m.Tables[len(ids)-1]
		if math.Abs(float64(tb.Prob[i])-w.prob) > 1e-6 {
			t.Errorf("log10 p(%s) = %v, want %v", w.gram, tb.Prob[i], w.prob)
		}
		if tb.Backoff != nil && math.Abs(float64(tb.Backoff[i])-w.back) > 1e-6 {
			t.Errorf("backoff(%s) = %v, want %v", w.gram, tb.Backoff[i], w.back)
		}
	}
	// Query: seen bigrams, then an unseen one that backs off through b(a) = .75.
	for _, q := range []struct {
		s    string
		want float64
	}{
		{"a b", l(.30416667) + l(.56875) + l(.1875)},
		{"a a", l(.30416667) + l(.75*.225) + l(.75*.225)},
	} {
		got, _ := m.ScoreSentence(strings.Fields(q.s))
		if math.Abs(float64(got)-q.want) > 1e-5 {
			t.Errorf("total(%q) = %v, want %v", q.s, got, q.want)
		}
	}
	// An OOV word scores p(<unk>) after <s> (no "<s> <unk>" bigram: b(<s>) + log p(<unk>)),
	// then </s> after <unk> backs off with b(<unk>) = 0 to p(</s>).
	got, oov := m.ScoreSentence([]string{"zzz"})
	if want := l(11.0/18) + l(.125) + l(.225); oov != 1 || math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("total(zzz) = %v oov %d, want %v 1", got, oov, want)
	}
}

// TestInterpolateUnigramsOff checks SRILM-style unigrams on the same corpus:
// p(w) = (a(w) - D)/5 without the uniform term and p(<unk>) = gamma = .5.
func TestInterpolateUnigramsOff(t *testing.T) {
	opt := KNOptions{DiscountFallback: true}
	m, _, err := EstimateKN(countString(t, "a b\nb\na b b\n", 2), opt)
	if err != nil {
		t.Fatal(err)
	}
	uni := m.Tables[0].Prob
	for id, want := range map[uint32]float64{ngram.Unk: .5, ngram.EOS: .1, 3: .1, 4: .3} {
		if math.Abs(float64(uni[id])-math.Log10(want)) > 1e-6 {
			t.Errorf("log10 p(%s) = %v, want %v", m.Vocab.Word(id), uni[id], math.Log10(want))
		}
	}
}

func TestDiscountFallbackError(t *testing.T) {
	_, _, err := EstimateKN(countString(t, "a b\n", 3), DefaultKNOptions())
	if err == nil || !strings.Contains(err.Error(), "discount-fallback") || !strings.Contains(err.Error(), "adjusted count") {
		t.Fatalf("error %v, want a discount error suggesting --discount-fallback", err)
	}
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	m, st, err := EstimateKN(countString(t, "a b\n", 3), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Fallback || s.Discount != DefaultFallback {
			t.Errorf("order %d: discount %v fallback %v", s.N, s.Discount, s.Fallback)
		}
	}
	if got := m.Counts(); len(got) != 3 || got[0] != 5 || got[1] != 3 || got[2] != 2 {
		t.Errorf("counts %v, want [5 3 2] (<s> a, a b, b </s>; <s> a b, a b </s>)", got)
	}
}

// TestCounts checks the raw counts handed to estimation: full windows at the
// top order and <s>-prefixes of short sentences below it.
func TestCounts(t *testing.T) {
	c := countString(t, "a b a b\n\nb\n", 3)
	phr := func(g *Grams) []string {
		var out []string
		for i := range g.Len() {
			var s []string
			for _, id := range g.Gram(i) {
				s = append(s, c.Vocab.Word(id))
			}
			out = append(out, strings.Join(s, " ")+"="+string(rune('0'+g.Counts[i])))
		}
		return out
	}
	want := [][]string{
		nil,
		// prefixes of length 2 of every sentence, suffix order (</s>=2 < a=3 < b=4)
		{"<s> </s>=1", "<s> a=1", "<s> b=1"},
		{"<s> b </s>=1", "a b </s>=1", "a b a=1", "<s> a b=1", "b a b=1"},
	}
	for n := range want {
		if got := phr(&c.Full[n]); strings.Join(got, ",") != strings.Join(want[n], ",") {
			t.Errorf("order %d: %v, want %v", n+1, got, want[n])
		}
	}
	if c.Tokens != 5 || c.Lines != 3 {
		t.Errorf("tokens %d lines %d", c.Tokens, c.Lines)
	}
}

func TestLiteralUnk(t *testing.T) {
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	m, _, err := EstimateKN(countString(t, "a <unk> b\n<unk> a\n", 2), opt)
	if err != nil {
		t.Fatal(err)
	}
	if m.Vocab.Size() != 5 {
		t.Fatalf("vocab %v", m.Vocab.Words())
	}
	if _, ok := m.Find([]uint32{3, ngram.Unk}); !ok {
		t.Error("bigram a <unk> missing")
	}
}

func TestEdgeCases(t *testing.T) {
	opt := DefaultKNOptions()
	opt.DiscountFallback = true
	if _, _, err := EstimateKN(countString(t, "", 3), opt); err == nil {
		t.Error("empty text: no error")
	}
	// A sentence shorter than the order leaves the top orders empty; the model
	// still writes and reads back.
	m, _, err := EstimateKN(countString(t, "a\n", 6), opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Counts(); len(got) != 6 || got[1] != 2 || got[2] != 1 || got[3] != 0 || got[5] != 0 {
		t.Errorf("counts %v, want [4 2 1 0 0 0] (<s> a, a </s>; <s> a </s>)", got)
	}
	var buf strings.Builder
	if err := ngram.WriteARPA(&buf, m); err != nil {
		t.Fatal(err)
	}
	if _, err := ngram.ReadARPA(strings.NewReader(buf.String()), "short"); err != nil {
		t.Fatal(err)
	}
	// Order 1: raw unigram counts, nothing but the uniform interpolation.
	m, _, err = EstimateKN(countString(t, "a b c\n", 1), opt)
	if err != nil {
		t.Fatal(err)
	}
	// counts a=b=c=</s>=1, D1=.5, den 4, gamma = .5*4/4 = .5, uniform 1/5:
	// p = .5/4 + .5/5 = .225; p(<unk>) = .1.
	if p := m.Tables[0].Prob; math.Abs(float64(p[3])-math.Log10(.225)) > 1e-6 || math.Abs(float64(p[0])+1) > 1e-6 {
		t.Errorf("unigram probs %v", p)
	}
}
