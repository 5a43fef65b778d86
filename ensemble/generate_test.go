package ensemble

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/vocab"
)

// sharp returns an untrained LM over lines' words whose parameters are
// scaled up, so that its next-word distributions are peaked and depend
// strongly on the context (an untrained LM is nearly uniform, which would
// hide a wrong context in a sampling test).
func sharp(t testing.TB, arch string, lines []string) *Neural {
	t.Helper()
	cfg, err := lm.DefaultConfig(arch)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Emb, cfg.Hidden, cfg.Layers = 8, 16, 1
	if arch == lm.ArchTransformer {
		cfg.Heads, cfg.Context = 2, 6 // short: generation slides the window
	}
	m, err := lm.NewFromLines(cfg, lm.TokSpace, lines, vocab.Options{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] *= 12
		}
	}
	n, err := NewNeural(m, arch, false)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// scoreOnly hides a member's NewPredictor: an LM that can score but not
// enumerate.
type scoreOnly struct{ LM }

// A mixture with all its weight on one neural member samples exactly what
// that LM's own Generate samples with the same seed, for every sampling
// setting, recurrent and Transformer alike.
func TestGenerateWeightOneIsTheMember(t *testing.T) {
	train := corpus(1, 60)
	kn := knModel(t, 3, train)
	for _, arch := range []string{lm.ArchLSTM, lm.ArchTransformer} {
		nn := sharp(t, arch, train)
		for _, o := range []lm.GenOptions{
			{Temperature: 1, MaxTokens: 20, StopAtEOS: true},
			{Temperature: 1, MaxTokens: 25},
			{Temperature: 0.7, TopK: 3, MaxTokens: 20},
			{Temperature: 1.8, MaxTokens: 20, StopAtEOS: true},
			{Temperature: 0, MaxTokens: 12},
			{Temperature: 1, TopK: 1, MaxTokens: 12},
		} {
			for _, mix := range mixtures(t, kn, nn) {
				distinct := map[string]bool{}
				for seed := int64(1); seed <= 8; seed++ {
					for _, prompt := range []string{"", "the cat zebra"} {
						text, ws, err := Generate(mix, prompt, o, rand.New(rand.NewSource(seed)))
						if err != nil {
							t.Fatal(err)
						}
						wantText, ids, err := nn.Model.Generate(prompt, o, rand.New(rand.NewSource(seed)))
						if err != nil {
							t.Fatal(err)
						}
						want := make([]string, len(ids))
						for i, id := range ids {
							want[i] = nn.Model.Token(id)
						}
						if strings.Join(ws, " ") != strings.Join(want, " ") || text != wantText {
							t.Fatalf("%s %+v seed %d prompt %q:\nmixture %q\nlm      %q", arch, o, seed, prompt, ws, want)
						}
						distinct[text] = true
					}
				}
				if o.Temperature > 0 && o.TopK != 1 && len(distinct) < 4 {
					t.Errorf("%s %+v: only %d distinct texts in 16 samples: the test is too weak", arch, o, len(distinct))
				}
			}
		}
	}
}

// mixtures returns mixtures with all the weight on nn: nn alone, nn first,
// nn second (the mixture's word order is then the n-gram model's, and the
// words must still be visited in the LM's order), and nn inside a mixture.
func mixtures(t *testing.T, kn *Ngram, nn *Neural) []*Mixture {
	t.Helper()
	var out []*Mixture
	for _, c := range []struct {
		members []LM
		w       []float64
	}{{[]LM{nn}, nil}, {[]LM{nn, kn}, []float64{1, 0}}, {[]LM{kn, nn}, []float64{0, 1}}} {
		m, err := NewMixture(c.members, c.w)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	nested, err := NewMixture([]LM{kn, out[1]}, []float64{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, nested)
}

// Every member's Predictor gives what its Scorer gives, and a mixture's
// next-word distribution is the weighted sum of its members', word by word,
// and sums to one.
func TestNextIsTheWeightedSum(t *testing.T) {
	train := corpus(1, 60)
	members := []LM{knModel(t, 3, train), sharp(t, lm.ArchLSTM, train), knModel(t, 1, corpus(2, 60)), sharp(t, lm.ArchTransformer, train)}
	weights := []float64{0.4, 0.3, 0.2, 0.1}
	mix, err := NewMixture(members, weights)
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]LM(nil), members...), mix)
	words := mix.Words()
	for _, ctx := range [][]string{{}, {"the"}, {"the", "cat", "sat", "on"}, {"mat", "zebra", "on", "a", "log", "and", "the"}} {
		dists := make([][]float64, len(all)) // indexed by word, per model
		for k, m := range all {
			p, err := m.(Generator).NewPredictor()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ctx {
				if err := p.Push(w); err != nil {
					t.Fatal(err)
				}
			}
			ws := m.Words()
			d := make([]float64, len(ws))
			if err := p.Next(d); err != nil {
				t.Fatal(err)
			}
			// Check against the scorer, word by word, unless the line is
			// longer than the Transformer's context (its scorer then reads
			// a window that starts at the line's start, not a sliding one).
			sc := m.NewScorer()
			windowed := (k == 3 || k == len(members)) && len(ctx)+1 >= 6
			var sum float64
			byWord := map[string]float64{}
			for i, w := range ws {
				line, at := append(append([]string(nil), ctx...), w), len(ctx)
				if w == ngram.EOSWord {
					line = ctx
				}
				ps, err := sc.Line(nil, line)
				if err != nil {
					t.Fatal(err)
				}
				if !windowed && math.Abs(ps[at]-d[i]) > 1e-6*max(ps[at], 1e-3) {
					t.Fatalf("%s after %q: Next gives %q %.9g, the scorer %.9g", m.Name(), ctx, w, d[i], ps[at])
				}
				sum += d[i]
				byWord[w] = d[i]
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("%s after %q: the distribution sums to %.8f", m.Name(), ctx, sum)
			}
			dists[k] = make([]float64, len(words))
			for j, w := range words {
				dists[k][j] = byWord[w]
			}
		}
		for j, w := range words {
			var want float64
			for i := range members {
				want += weights[i] * dists[i][j]
			}
			if got := dists[len(members)][j]; math.Abs(got-want) > 1e-12 {
				t.Errorf("after %q: mixture p(%s) = %.15g, Σ λ_i p_i = %.15g", ctx, w, got, want)
			}
		}
	}
}

// fixed is a Generator with one next-word distribution whatever the
// context.
type fixed struct {
	words []string
	probs []float64
}

func (f *fixed) Name() string                     { return "fixed" }
func (f *fixed) Words() []string                  { return f.words }
func (f *fixed) NewScorer() Scorer                { return nil }
func (f *fixed) NewPredictor() (Predictor, error) { return f, nil }
func (f *fixed) Next(dst []float64) error         { copy(dst, f.probs); return nil }
func (f *fixed) Push(string) error                { return nil }

// Temperature sharpens or flattens the distribution as q^(1/T), top-k keeps
// the k most probable words, temperature 0 is the argmax, and generation
// stops at </s> or after MaxTokens.
func TestSamplingOptions(t *testing.T) {
	q := []float64{0.1, 0.5, 0.25, 0.15} // over a b c </s>
	f := &fixed{words: []string{"a", "b", "c", ngram.EOSWord}, probs: q}
	pow := func(e float64) []float64 {
		out := make([]float64, len(q))
		var s float64
		for i, x := range q {
			out[i] = math.Pow(x, e)
			s += out[i]
		}
		for i := range out {
			out[i] /= s
		}
		return out
	}
	for _, tc := range []struct {
		name string
		o    lm.GenOptions
		want []float64
	}{
		{"T=1", lm.GenOptions{Temperature: 1}, q},
		{"T=0.5", lm.GenOptions{Temperature: 0.5}, pow(2)},
		{"T=2", lm.GenOptions{Temperature: 2}, pow(0.5)},
		{"top-2", lm.GenOptions{Temperature: 1, TopK: 2}, []float64{0, 0.5 / 0.75, 0.25 / 0.75, 0}},
		{"top-3 T=0.5", lm.GenOptions{Temperature: 0.5, TopK: 3}, []float64{0, 0.25 / 0.335, 0.0625 / 0.335, 0.0225 / 0.335}},
		{"T=0", lm.GenOptions{Temperature: 0}, []float64{0, 1, 0, 0}},
		{"top-1", lm.GenOptions{Temperature: 3, TopK: 1}, []float64{0, 1, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.MaxTokens = 20000
			_, ws, err := Generate(f, "", tc.o, rand.New(rand.NewSource(1)))
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) != tc.o.MaxTokens {
				t.Fatalf("%d words, want %d (no stop at </s>)", len(ws), tc.o.MaxTokens)
			}
			count := map[string]float64{}
			for _, w := range ws {
				count[w]++
			}
			for i, w := range f.words {
				got := count[w] / float64(len(ws))
				if math.Abs(got-tc.want[i]) > 0.015 || (tc.want[i] == 0) != (got == 0) {
					t.Errorf("p(%s) = %.4f, want %.4f", w, got, tc.want[i])
				}
			}
		})
	}
	// StopAtEOS ends at the first </s>, which the text leaves out.
	text, ws, err := Generate(f, "x", lm.GenOptions{Temperature: 1, MaxTokens: 1000, StopAtEOS: true}, rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ws); n == 0 || n == 1000 || ws[n-1] != ngram.EOSWord || strings.Contains(text, ngram.EOSWord) ||
		text != strings.Join(ws[:n-1], " ") {
		t.Errorf("stop at </s>: words %q, text %q", ws, text)
	}
	if _, ws, _ := Generate(f, "", lm.GenOptions{Temperature: 1, MaxTokens: 0}, rand.New(rand.NewSource(2))); len(ws) != 0 {
		t.Errorf("MaxTokens 0 generated %q", ws)
	}
}

// An n-gram model generates from its own distribution: after "the" a
// bigram model trained on "the cat" / "the dog" only says cat or dog, in
// about equal shares, then </s>.
func TestGenerateNgram(t *testing.T) {
	lines := []string{"the cat", "the dog", "the cat", "the dog"}
	kn := knModel(t, 2, lines)
	count := map[string]int{}
	rng := rand.New(rand.NewSource(4))
	for range 400 {
		text, _, err := Generate(kn, "the", lm.GenOptions{Temperature: 0.3, MaxTokens: 5, StopAtEOS: true}, rng)
		if err != nil {
			t.Fatal(err)
		}
		count[text]++
	}
	if count["cat"]+count["dog"] < 360 || count["cat"] < 150 || count["dog"] < 150 {
		t.Errorf("continuations of \"the\": %v", count)
	}
	// Past </s> (no stop) a new line starts: "the" again at low temperature.
	_, ws, err := Generate(kn, "the", lm.GenOptions{Temperature: 0.05, MaxTokens: 6}, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 6 || ws[1] != ngram.EOSWord || ws[2] != "the" || ws[4] != ngram.EOSWord {
		t.Errorf("generation across lines: %q", ws)
	}
}

func TestGenerateErrors(t *testing.T) {
	train := corpus(1, 60)
	kn := knModel(t, 2, train)
	hidden, err := NewMixture([]LM{kn, scoreOnly{knModel(t, 3, train)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	zero := &Mixture{Members: []LM{kn}, Weights: []float64{0}}
	for _, tc := range []struct {
		g      Generator
		prompt string
		o      lm.GenOptions
		want   string
	}{
		{kn, "the", lm.GenOptions{Temperature: -1, MaxTokens: 3}, "must be finite and not negative"},
		{kn, "the", lm.GenOptions{Temperature: math.Inf(1), MaxTokens: 3}, "must be finite"},
		{kn, "the", lm.GenOptions{Temperature: 1, TopK: -2, MaxTokens: 3}, "not negative"},
		{kn, "the <s> cat", lm.GenOptions{Temperature: 1, MaxTokens: 3}, "literal <s>"},
		{hidden, "the", lm.GenOptions{Temperature: 1, MaxTokens: 3}, "member 2"},
		{zero, "the", lm.GenOptions{Temperature: 1, MaxTokens: 3}, "every weight"},
		{&fixed{words: []string{"a", "b"}, probs: []float64{0, 0}}, "", lm.GenOptions{Temperature: 1, MaxTokens: 3}, "no word has a positive probability"},
		{&fixed{words: []string{"a", "b"}, probs: []float64{math.NaN(), 1}}, "", lm.GenOptions{Temperature: 1, MaxTokens: 3}, "probability NaN"},
	} {
		if _, _, err := Generate(tc.g, tc.prompt, tc.o, rand.New(rand.NewSource(1))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q %+v: error %v, want it to mention %q", tc.g.Name(), tc.prompt, tc.o, err, tc.want)
		}
	}
}
