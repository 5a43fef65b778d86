package builder

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mulan-nlp/mulan/ngram"
)

// contextState returns the state after scoring gram from the null context,
// which for an n-gram of the model (n < order) is that n-gram as a context.
func contextState(m *ngram.Model, gram []uint32) ngram.State {
	var s ngram.State
	for _, w := range gram {
		m.Score(&s, w, &s)
	}
	return s
}

// distributionSum sums p(w | s) over every word but <s>.
func distributionSum(m *ngram.Model, s *ngram.State) float64 {
	var sum float64
	var out ngram.State
	for w := range m.Vocab.Size() {
		if uint32(w) == ngram.BOS {
			continue
		}
		p, _ := m.Score(s, uint32(w), &out)
		sum += math.Pow(10, float64(p))
	}
	return sum
}

// checkNormalised asserts that the null context and every n-gram used as a
// context (all of them, or sample of them chosen by rng when rng is not nil)
// have distributions summing to 1.
func checkNormalised(t *testing.T, m *ngram.Model, rng *rand.Rand, sample int) {
	t.Helper()
	var null ngram.State
	if s := distributionSum(m, &null); math.Abs(s-1) > 1e-4 {
		t.Errorf("null context sums to %v", s)
	}
	checked := 0
	for n := 1; n < m.Order(); n++ {
		tb := &m.Tables[n-1]
		for k := 0; k < tb.Len(); k++ {
			i := k
			if rng != nil {
				if k >= sample {
					break
				}
				i = rng.IntN(tb.Len())
			}
			if tb.Ext[i] == tb.Ext[i+1] && tb.Backoff[i] == 0 && rng != nil {
				continue
			}
			s := contextState(m, tb.Gram(i))
			if sum := distributionSum(m, &s); math.Abs(sum-1) > 1e-4 {
				t.Errorf("context %q sums to %v", m.Phrase(tb.Gram(i)), sum)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no context checked")
	}
}

// TestKatzByHand checks a bigram Katz model whose numbers are derived by hand.
//
// Corpus "a b", "a b", "a c", "d e f", padded with <s> and </s>.
//
// Unigram raw counts (<s> is no event): a 3, b 2, c d e f 1, </s> 4; total 13.
// Count-of-counts n1=4 n2=1. SRILM's default gt1max=1: A = 2*n2/n1 = .5, the GT
// ratio 2*n2/(1*n1) = .5, d1 = (.5-.5)/(1-.5) = 0, out of range, so 1 (no
// discount). The probabilities then sum to 1, so the denominator is raised to
// 14: p(a)=3/14, p(b)=2/14, p(c..f)=1/14, p(</s>)=4/14 and the left-over 1/14
// goes to <unk>, the only word of zero probability.
//
// Bigram raw counts: <s> a 3; a b 2, b </s> 2; a c, c </s>, <s> d, d e, e f,
// f </s> 1. n1=6 n2=2 n3=1 n4=0, so gt2max=7 is lowered to 2.
// A = 3*n3/n1 = .5; d1 = (2*2/6 - .5)/.5 = 1/3; d2 = (3*1/(2*2) - .5)/.5 = .5.
//
//	<s>: a 3 (above k, ML), d 1: p(a|<s>) = 3/4, p(d|<s>) = (1/3)/4 = 1/12;
//	     bow = (1 - 3/4 - 1/12) / (1 - 3/14 - 1/14) = (1/6)/(5/7) = 7/30
//	a:   b 2, c 1: p(b|a) = (2*.5)/3 = 1/3, p(c|a) = (1/3)/3 = 1/9;
//	     bow = (5/9) / (1 - 2/14 - 1/14) = 70/99
//	b:   </s> 2: p = 1/2; bow = (1/2)/(1 - 4/14) = 7/10
//	c, f: </s> 1: p = 1/3; bow = (2/3)/(10/14) = 14/15
//	d, e: e 1, f 1: p = 1/3; bow = (2/3)/(13/14) = 28/39
//
// and, backing off, p(c|<s>) = 7/30 * 1/14 = 1/60.
func TestKatzByHand(t *testing.T) {
	var warnings []string
	opt := DefaultKatzOptions()
	opt.Warn = func(s string) { warnings = append(warnings, s) }
	m, gts, err := EstimateKatz(countString(t, "a b\na b\na c\nd e f\n", 2), opt)
	if err != nil {
		t.Fatal(err)
	}
	if g := gts[1]; g.MaxCount != 2 || g.CountOfCounts[1] != 6 || g.CountOfCounts[2] != 2 || g.CountOfCounts[3] != 1 ||
		math.Abs(g.Coeff[1]-1.0/3) > 1e-12 || math.Abs(g.Coeff[2]-.5) > 1e-12 {
		t.Errorf("bigram Good-Turing %+v", g)
	}
	if g := gts[0]; g.MaxCount != 1 || g.Coeff[1] != 1 || g.CountOfCounts[1] != 4 {
		t.Errorf("unigram Good-Turing %+v", g)
	}
	if len(warnings) == 0 || !strings.Contains(strings.Join(warnings, "\n"), "out of range") {
		t.Errorf("warnings %q lack the out-of-range coefficient", warnings)
	}
	l := func(x float64) float64 { return math.Log10(x) }
	for _, c := range []struct {
		gram    string
		p, bo   float64
		context bool
	}{
		{"<unk>", l(1. / 14), 0, true}, {"a", l(3. / 14), l(70. / 99), true}, {"b", l(2. / 14), l(7. / 10), true},
		{"c", l(1. / 14), l(14. / 15), true}, {"d", l(1. / 14), l(28. / 39), true}, {"e", l(1. / 14), l(28. / 39), true},
		{"f", l(1. / 14), l(14. / 15), true}, {"</s>", l(4. / 14), 0, true}, {"<s>", -99, l(7. / 30), true},
		{"<s> a", l(3. / 4), 0, false}, {"<s> d", l(1. / 12), 0, false}, {"a b", l(1. / 3), 0, false},
		{"a c", l(1. / 9), 0, false}, {"b </s>", l(.5), 0, false}, {"c </s>", l(1. / 3), 0, false},
		{"d e", l(1. / 3), 0, false}, {"e f", l(1. / 3), 0, false}, {"f </s>", l(1. / 3), 0, false},
	} {
		var ids []uint32
		for _, w := range strings.Fields(c.gram) {
			id, _ := m.Vocab.ID(w)
			ids = append(ids, id)
		}
		i, ok := m.Find(ids)
		if !ok {
			t.Errorf("%q missing", c.gram)
			continue
		}
		tb := &m.Tables[len(ids)-1]
		if math.Abs(float64(tb.Prob[i])-c.p) > 1e-6 {
			t.Errorf("p(%s) = %v, want %v", c.gram, tb.Prob[i], c.p)
		}
		if c.context && math.Abs(float64(tb.Backoff[i])-c.bo) > 1e-6 {
			t.Errorf("bow(%s) = %v, want %v", c.gram, tb.Backoff[i], c.bo)
		}
	}
	if got := m.Counts(); got[0] != 9 || got[1] != 9 {
		t.Errorf("counts %v, want [9 9]", got)
	}
	s := contextState(m, []uint32{ngram.BOS})
	c, _ := m.Vocab.ID("c")
	if p, _ := m.Score(&s, c, &s); math.Abs(float64(p)-l(1./60)) > 1e-6 {
		t.Errorf("p(c|<s>) = %v, want %v", p, l(1./60))
	}
	checkNormalised(t, m, nil, 0)
}

// TestKatzMinCount checks SRILM's default cut-off: trigrams seen once are
// dropped, their mass going to the back-off, and every context still sums to 1.
func TestKatzMinCount(t *testing.T) {
	text := "a b c\na b c\na b d\nb c d\nc d a b\nd a b c\n"
	m, gts, err := EstimateKatz(countString(t, text, 3), DefaultKatzOptions())
	if err != nil {
		t.Fatal(err)
	}
	raw := RawCounts(countString(t, text, 3))
	want := 0
	for _, c := range raw[2].Counts {
		if c >= 2 {
			want++
		}
	}
	if got := m.Counts()[2]; got != want || gts[2].Count != want || want == 0 || want == raw[2].Len() {
		t.Errorf("%d trigrams kept (stats %d), want the %d of %d with count >= 2", got, gts[2].Count, want, raw[2].Len())
	}
	checkNormalised(t, m, nil, 0)

	if _, _, err := EstimateKatz(countString(t, text, 3), KatzOptions{MinCount: []uint64{1, 2, 1}}); err == nil {
		t.Error("decreasing minimum counts accepted")
	}
}

// TestRawCounts checks occurrence counts against a direct count of the text.
func TestRawCounts(t *testing.T) {
	text := "a b a b\nb\n\na a a\n"
	for N := 1; N <= 4; N++ {
		c := countString(t, text, N)
		raw := RawCounts(c)
		want := map[string]uint64{}
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			toks := append(append([]string{"<s>"}, strings.Fields(line)...), "</s>")
			for end := 1; end < len(toks); end++ {
				for n := 1; n <= N && n <= end+1; n++ {
					want[strings.Join(toks[end-n+1:end+1], " ")]++
				}
			}
		}
		got := map[string]uint64{}
		for n := range raw {
			for j := range raw[n].Len() {
				ids := raw[n].Gram(j)
				var ws []string
				for _, id := range ids {
					ws = append(ws, c.Vocab.Word(id))
				}
				got[strings.Join(ws, " ")] += raw[n].Counts[j]
				if j > 0 && ngram.CompareSuffix(raw[n].Gram(j-1), ids) >= 0 {
					t.Errorf("order %d not in suffix order at %d", n+1, j)
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("N=%d: %d n-grams, want %d", N, len(got), len(want))
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("N=%d: count(%q) = %d, want %d", N, k, got[k], v)
			}
		}
	}
}

// TestKatzPTB reports the perplexity of Katz trigram and 5-gram models on the
// full Penn Treebank (<unk> renamed UNK as for KenLM's reference; KN: 148.28
// and 141.19) and checks a sample of contexts for normalisation.
func TestKatzPTB(t *testing.T) {
	if testing.Short() {
		t.Skip("full PTB in -short mode")
	}
	dir := sharedDir(t, "data/ptb_mikolov")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.ReplaceAll(b, []byte("<unk>"), []byte("UNK"))
	}
	train, test := read("ptb.train.txt"), read("ptb.test.txt")
	for _, c := range []struct {
		order    int
		min, max float64
	}{{3, 140, 175}} {
		start := time.Now()
		counts, err := CountText(bytes.NewReader(train), "ptb.train.txt", CountOptions{Order: c.order})
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := EstimateKatz(counts, DefaultKatzOptions())
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		var out bytes.Buffer
		st, err := ngram.Query(m, bytes.NewReader(test), &out, ngram.VerboseSummary)
		if err != nil {
			t.Fatal(err)
		}
		ppl := st.PerplexityIncludingOOVs()
		if st.OOVs != 0 || ppl < c.min || ppl > c.max {
			t.Errorf("order %d: perplexity %v (OOVs %d), want within [%v, %v]", c.order, ppl, st.OOVs, c.min, c.max)
		}
		t.Logf("Katz order %d: %v n-grams, test perplexity %.2f (estimated in %v)", c.order, m.Counts(), ppl, elapsed.Round(time.Millisecond))
		checkNormalised(t, m, rand.New(rand.NewPCG(1, 2)), 20)
	}
}

func ExampleEstimateKatz() {
	c, err := CountText(strings.NewReader("a b\na b\na c\nd e f\n"), "corpus", CountOptions{Order: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, gts, err := EstimateKatz(c, DefaultKatzOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	g := gts[1]
	fmt.Printf("bigrams: n1..n3 = %v, d1 = %.4f, d2 = %.4f\n", g.CountOfCounts[1:4], g.Coeff[1], g.Coeff[2])
	// p(a|<s>) p(c|a) p(</s>|c) = 3/4 * 1/9 * 1/3 = 1/36 (see TestKatzByHand).
	total, _ := m.ScoreSentence([]string{"a", "c"})
	fmt.Printf("log10 p(<s> a c </s>) = %.4f\n", total)
	// Output:
	// bigrams: n1..n3 = [6 2 1], d1 = 0.3333, d2 = 0.5000
	// log10 p(<s> a c </s>) = -1.5563
}
