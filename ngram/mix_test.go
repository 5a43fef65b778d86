package ngram_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/ngram/builder"
)

func shared(t testing.TB, sub string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("repository root not found")
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "..", "shared", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s absent: %v", p, err)
	}
	return p
}

func train(t testing.TB, text string, order int, katz bool) *ngram.Model {
	t.Helper()
	c, err := builder.CountText(strings.NewReader(text), "text", builder.CountOptions{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	if katz {
		m, _, err := builder.EstimateKatz(c, builder.DefaultKatzOptions())
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	opt := builder.DefaultKNOptions()
	opt.DiscountFallback = true
	m, _, err := builder.EstimateKN(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stateOf(m *ngram.Model, words []string) ngram.State {
	var s ngram.State
	for _, w := range words {
		id, ok := m.Vocab.ID(w)
		if !ok {
			id = ngram.Unk
		}
		m.Score(&s, id, &s)
	}
	return s
}

func sumOver(m *ngram.Model, s *ngram.State) float64 {
	var sum float64
	var out ngram.State
	for w := range m.Vocab.Size() {
		if uint32(w) != ngram.BOS {
			p, _ := m.Score(s, uint32(w), &out)
			sum += math.Pow(10, float64(p))
		}
	}
	return sum
}

// TestMixWeightsGrid checks EM against a brute-force grid search (step 0.01)
// of the held-out perplexity, for two and three of KenLM's PTB models.
func TestMixWeightsGrid(t *testing.T) {
	ref := shared(t, "reference/kenlm")
	var models []*ngram.Model
	for _, name := range []string{"ptb10k.o2.arpa.gz", "ptb10k.o5.arpa.gz", "ptb10k.o3.nointerp.arpa.gz"} {
		m, err := ngram.LoadARPA(filepath.Join(ref, name))
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, m)
	}
	dev, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
	if err != nil {
		t.Fatal(err)
	}
	all, _, err := ngram.DevProbs(models, bytes.NewReader(dev))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{2, 3} {
		probs := all
		if k == 2 { // the first two columns
			probs = make([]float64, 0, len(all)/3*2)
			for i := 0; i < len(all); i += 3 {
				probs = append(probs, all[i], all[i+1])
			}
		}
		res, err := ngram.MixWeights(probs, k, ngram.MixOptions{})
		if err != nil {
			t.Fatal(err)
		}
		best, bestW := math.Inf(1), []float64(nil)
		for a := 0; a <= 100; a++ {
			for b := 0; b <= 100-a; b++ {
				if k == 2 && a+b != 100 {
					continue
				}
				w := []float64{float64(a) / 100, float64(b) / 100}
				if k == 3 {
					w = append(w, float64(100-a-b)/100)
				}
				if p := ngram.MixPerplexity(probs, w); p < best {
					best, bestW = p, w
				}
			}
		}
		for i := range k {
			if math.Abs(res.Weights[i]-bestW[i]) > 0.01 {
				t.Errorf("k=%d: EM weights %v, grid %v", k, res.Weights, bestW)
				break
			}
		}
		if res.Perplexity > best*(1+1e-6) {
			t.Errorf("k=%d: EM perplexity %v above the grid's %v", k, res.Perplexity, best)
		}
		for i, p := range res.ModelPerplexity {
			if res.Perplexity >= p {
				t.Errorf("k=%d: mixture %v not below model %d's %v", k, res.Perplexity, i, p)
			}
		}
		t.Logf("k=%d: EM weights %.4f (grid %v) perplexity %.3f (grid %.3f), models %.3f, %d iterations, %d tokens",
			k, res.Weights, bestW, res.Perplexity, best, res.ModelPerplexity, res.Iterations, res.Tokens)
	}
	// TuneMix is DevProbs + MixWeights.
	res, err := ngram.TuneMix(models[:2], bytes.NewReader(dev), ngram.MixOptions{Init: []float64{1, 3}})
	if err != nil || math.Abs(res.Weights[0]-0.1107) > 0.001 {
		t.Errorf("TuneMix: %v, %v", res.Weights, err)
	}
}

// TestMixModel mixes two tiny models with different vocabularies into one
// back-off model and checks that it scores every union n-gram as the
// on-the-fly mixture and that every context normalises.
func TestMixModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	gen := func(words []string, lines int) string {
		var b strings.Builder
		for range lines {
			for k := range 1 + rng.IntN(7) {
				if k > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(words[rng.IntN(len(words))])
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	a := train(t, gen([]string{"a", "b", "c", "d", "e"}, 200), 3, false)
	b := train(t, gen([]string{"c", "d", "e", "f", "g", "h"}, 200), 2, true)
	w := []float64{0.3, 0.7}
	m, err := ngram.Mix([]*ngram.Model{a, b}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Order() != 3 || m.Vocab.Size() != 3+8 {
		t.Fatalf("order %d vocabulary %d, want 3 and 11", m.Order(), m.Vocab.Size())
	}
	for n := 1; n <= m.Order(); n++ {
		tb := &m.Tables[n-1]
		for j := range tb.Len() {
			words := strings.Fields(m.Phrase(tb.Gram(j)))
			if words[len(words)-1] == "<s>" {
				continue
			}
			var want float64
			for i, src := range []*ngram.Model{a, b} {
				s := stateOf(src, words[:len(words)-1])
				id, ok := src.Vocab.ID(words[len(words)-1])
				if !ok {
					continue // probability 0 outside the model's vocabulary
				}
				p, _ := src.Score(&s, id, &s)
				want += w[i] * math.Pow(10, float64(p))
			}
			s := stateOf(m, words[:len(words)-1])
			got, _ := m.Score(&s, tb.Gram(j)[n-1], &s)
			if math.Abs(float64(got)-math.Log10(want)) > 2e-6 {
				t.Errorf("%q: mixed model %v, mixture %v", m.Phrase(tb.Gram(j)), got, math.Log10(want))
			}
		}
		if n < m.Order() {
			for j := range tb.Len() {
				s := stateOf(m, strings.Fields(m.Phrase(tb.Gram(j))))
				if sum := sumOver(m, &s); math.Abs(sum-1) > 1e-4 {
					t.Errorf("context %q sums to %v", m.Phrase(tb.Gram(j)), sum)
				}
			}
		}
	}
	var null ngram.State
	if sum := sumOver(m, &null); math.Abs(sum-1) > 1e-4 {
		t.Errorf("unigrams sum to %v", sum)
	}
	// The mixture written as ARPA reads back with the same scores.
	var buf bytes.Buffer
	if err := ngram.WriteARPA(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := ngram.ReadARPA(&buf, "mixed.arpa")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := m.ScoreSentence([]string{"a", "c", "h", "zz"})
	y, _ := back.ScoreSentence([]string{"a", "c", "h", "zz"})
	if x != y {
		t.Errorf("sentence score %v, read back %v", x, y)
	}
}

// TestMixPTB mixes a Kneser-Ney and a Katz trigram model trained on the full
// Penn Treebank, tuning on the validation set.
func TestMixPTB(t *testing.T) {
	if testing.Short() {
		t.Skip("full PTB in -short mode")
	}
	dir := shared(t, "data/ptb_mikolov")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.ReplaceAll(b, []byte("<unk>"), []byte("UNK"))
	}
	trainText, valid, test := string(read("ptb.train.txt")), read("ptb.valid.txt"), read("ptb.test.txt")
	start := time.Now()
	kn := train(t, trainText, 3, false)
	katz := train(t, trainText, 3, true)
	models := []*ngram.Model{kn, katz}
	res, err := ngram.TuneMix(models, bytes.NewReader(valid), ngram.MixOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range res.ModelPerplexity {
		if res.Perplexity >= p {
			t.Errorf("mixture %v not below model %d's %v", res.Perplexity, i, p)
		}
	}
	mixed, err := ngram.Mix(models, res.Weights, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	vst, _ := ngram.Query(mixed, bytes.NewReader(valid), &out, ngram.VerboseSummary)
	tst, _ := ngram.Query(mixed, bytes.NewReader(test), &out, ngram.VerboseSummary)
	if p := vst.PerplexityIncludingOOVs(); p > res.Perplexity*1.02 {
		t.Errorf("mixed ARPA valid perplexity %v far above the mixture's %v", p, res.Perplexity)
	}
	t.Logf("KN-3 + Katz-3 on valid: weights %.4f, perplexity %.3f (models %.3f); as one back-off model: valid %.3f test %.3f, %v n-grams (%v)",
		res.Weights, res.Perplexity, res.ModelPerplexity, vst.PerplexityIncludingOOVs(), tst.PerplexityIncludingOOVs(), mixed.Counts(), time.Since(start).Round(time.Millisecond))
}
