package lm

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/vocab"
)

// nextCase is one architecture under test: untied Elman RNN (a decoder of
// its own), tied LSTM and Transformer (context 8, so long texts slide the
// window).
type nextCase struct {
	name string
	cfg  Config
}

func nextCases() []nextCase {
	rnn := noDropout(tinyConfig(ArchRNN))
	rnn.Tied = false
	return []nextCase{
		{"rnn-untied", rnn},
		{"lstm", noDropout(tinyConfig(ArchLSTM))},
		{"transformer", noDropout(tinyConfig(ArchTransformer))},
	}
}

// peakedLM is an untrained LM whose weights are scaled up so that its
// next-token distributions are far from uniform and depend on the context.
func peakedLM(t testing.TB, cfg Config) *LM {
	t.Helper()
	m := mustLM(t, cfg, TokSpace, repeated)
	for _, p := range m.Params() {
		for i := range p.Value.Data {
			p.Value.Data[i] *= 6
		}
	}
	return m
}

var special = []int32{vocab.PadID, vocab.BOSID}

// The text of the tests: </s>, then two lines and the start of a third, 21
// ids (longer than the Transformer's context).
func nextText(m *LM) []int32 {
	ids := m.EncodeLines([]string{"the cat sat on the mat", "a dog ate my homework today", "the dog sat on my cat"}).IDs
	return ids[:21]
}

// NextLogProbs is the softmax of the logits Generate computes after a prefix
// (a Transformer's cut to its last Context ids), and the softmax
// TokenLogProbs takes its target from: for every candidate c, its value for
// c is TokenLogProbs of the prefix followed by c. Dropped ids get -Inf and
// the rest sums to one.
func TestNextLogProbsMatchesTokenLogProbs(t *testing.T) {
	for _, tc := range nextCases() {
		m := peakedLM(t, tc.cfg)
		V := m.VocabSize()
		text := nextText(m)
		ts := m.NewTokenScorer()
		for _, n := range []int{1, 4, 8, 21} {
			for _, drop := range [][]int32{nil, special} {
				prefix := text[:n]
				dst := []float64{42}
				got, err := ts.NextLogProbs(dst, prefix, nil, drop)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != V+1 || got[0] != 42 {
					t.Fatalf("%s: appended %d values to dst [42] (now %v...), want %d", tc.name, len(got)-1, got[0], V)
				}
				got = got[1:]
				win := prefix
				if tc.cfg.Arch == ArchTransformer {
					win = prefix[max(0, n-tc.cfg.Context):]
				}
				// The reference: the logits at the last id as Generate
				// computes them, their softmax in float64.
				tp := nn.NewTape(nil)
				tp.Training, tp.NoGrad = false, true
				var st *State
				if tc.cfg.Arch != ArchTransformer {
					st = m.NewState(1)
				}
				lg := m.logits(tp, win, 1, len(win), st, nil).Data()[(len(win)-1)*V:]
				ref := make([]float64, V)
				mx, z := math.Inf(-1), 0.0
				for c := range V {
					ref[c] = float64(lg[c])
					if drop == nil || (c != int(vocab.PadID) && c != int(vocab.BOSID)) {
						mx = max(mx, ref[c])
					}
				}
				for c := range V {
					ref[c] -= mx
					if drop == nil || (c != int(vocab.PadID) && c != int(vocab.BOSID)) {
						z += math.Exp(ref[c])
					}
				}
				var sum float64
				for c := range int32(V) {
					dropped := drop != nil && (c == vocab.PadID || c == vocab.BOSID)
					if dropped {
						if !math.IsInf(got[c], -1) {
							t.Errorf("%s n=%d: dropped id %d has log-prob %v", tc.name, n, c, got[c])
						}
						continue
					}
					sum += math.Exp(got[c])
					lps, err := m.TokenLogProbs(append(append([]int32(nil), win...), c), nil, drop)
					if err != nil {
						t.Fatal(err)
					}
					// TokenLogProbs subtracts the maximum logit in float32.
					if want := lps[len(lps)-1]; math.Abs(got[c]-want) > 1e-6*max(1, math.Abs(want)) {
						t.Errorf("%s n=%d drop=%v: log p(%d) = %.12g, TokenLogProbs %.12g", tc.name, n, drop, c, got[c], want)
					}
					if want := ref[c] - math.Log(z); math.Abs(got[c]-want) > 1e-12 {
						t.Errorf("%s n=%d drop=%v: log p(%d) = %.15g, softmax of the logits %.15g", tc.name, n, drop, c, got[c], want)
					}
				}
				if math.Abs(sum-1) > 1e-9 {
					t.Errorf("%s n=%d drop=%v: probabilities sum to %.12g", tc.name, n, drop, sum)
				}
			}
		}
	}
}

// Sampling from a Predictor's distributions as Generate's sampler does
// (id order, one rng.Float64 per token, temperature 0 the argmax) draws
// exactly Generate's tokens with the same seed: the Predictor's
// distributions are the softmax of the logits Generate computes, the
// recurrent state is carried and the Transformer's window slides as there.
func TestNextPredictorIsGenerate(t *testing.T) {
	for _, tc := range nextCases() {
		m := peakedLM(t, tc.cfg)
		for _, temp := range []float64{1, 0} {
			distinct := map[string]bool{}
			for seed := int64(1); seed <= 6; seed++ {
				for _, prompt := range []string{"", "the dog ate"} {
					o := GenOptions{Temperature: temp, MaxTokens: 30}
					_, want, err := m.Generate(prompt, o, rand.New(rand.NewSource(seed)))
					if err != nil {
						t.Fatal(err)
					}
					p := m.NewPredictor()
					if err := p.Push(m.Encoder().Encode(prompt)...); err != nil {
						t.Fatal(err)
					}
					rng := rand.New(rand.NewSource(seed))
					var got []int32
					var lps []float64
					for range o.MaxTokens {
						if lps, err = p.NextLogProbs(lps[:0], special); err != nil {
							t.Fatal(err)
						}
						id := drawLogProbs(lps, temp, rng)
						got = append(got, id)
						if err := p.Push(id); err != nil {
							t.Fatal(err)
						}
					}
					if !equalIDs(got, want) {
						t.Fatalf("%s T=%v seed %d prompt %q:\npredictor %v\nGenerate  %v", tc.name, temp, seed, prompt, got, want)
					}
					distinct[m.Decode(got)] = true
				}
			}
			if temp > 0 && len(distinct) < 6 {
				t.Errorf("%s: only %d distinct texts in 12 samples: the test is too weak", tc.name, len(distinct))
			}
		}
	}
}

// drawLogProbs draws an id from exp(lps) as Generate's sampler draws from
// logits (without top-k).
func drawLogProbs(lps []float64, temp float64, rng *rand.Rand) int32 {
	best := 0
	for i, x := range lps {
		if x > lps[best] {
			best = i
		}
	}
	if temp == 0 {
		return int32(best)
	}
	w := make([]float64, len(lps))
	var sum float64
	for i, x := range lps {
		w[i] = math.Exp((x - lps[best]) / temp)
		sum += w[i]
	}
	u := rng.Float64() * sum
	last := 0
	for i, x := range w {
		if x == 0 {
			continue
		}
		last = i
		if u -= x; u < 0 {
			return int32(i)
		}
	}
	return int32(last)
}

// A recurrent LM's state carries the text from one call to the next: the
// text read in two calls gives what it gives read in one (and the same
// final state), and not what the second part gives from a zero state. A
// Transformer ignores the state and reads the last Context ids.
func TestNextLogProbsCarriesState(t *testing.T) {
	for _, tc := range nextCases() {
		m := peakedLM(t, tc.cfg)
		text := nextText(m)
		ts := m.NewTokenScorer()
		whole := m.NewState(1)
		want, err := ts.NextLogProbs(nil, text, whole, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.cfg.Arch == ArchTransformer {
			last, err := ts.NextLogProbs(nil, text[len(text)-tc.cfg.Context:], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(want, last); d != 0 {
				t.Errorf("%s: whole text and its last %d ids differ by %g", tc.name, tc.cfg.Context, d)
			}
			longer, err := ts.NextLogProbs(nil, text[len(text)-tc.cfg.Context-1:], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(want, longer); d != 0 {
				t.Errorf("%s: one more id than the context changed the result by %g", tc.name, d)
			}
			continue
		}
		for _, k := range []int{1, 7, 20} {
			st := m.NewState(1)
			if _, err := ts.NextLogProbs(nil, text[:k], st, nil); err != nil {
				t.Fatal(err)
			}
			got, err := ts.NextLogProbs(nil, text[k:], st, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(got, want); d > 1e-5 {
				t.Errorf("%s split at %d: differs from one call by %g", tc.name, k, d)
			}
			for l := range st.H {
				if d := maxAbsDiff32(st.H[l].Data, whole.H[l].Data); d > 1e-6 {
					t.Errorf("%s split at %d: layer %d hidden state differs by %g", tc.name, k, l, d)
				}
				if st.C[l] != nil {
					if d := maxAbsDiff32(st.C[l].Data, whole.C[l].Data); d > 1e-6 {
						t.Errorf("%s split at %d: layer %d cell state differs by %g", tc.name, k, l, d)
					}
				}
			}
			fresh, err := ts.NextLogProbs(nil, text[k:], nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(fresh, want); d < 1e-3 {
				t.Errorf("%s split at %d: the second part alone gives the same distribution (%g): the state does not matter", tc.name, k, d)
			}
		}
	}
}

// A Predictor fed one id (or a few) at a time gives what NextLogProbs gives
// for the whole text so far; asking twice gives the same values; Reset
// starts over.
func TestNextPredictorIncremental(t *testing.T) {
	for _, tc := range nextCases() {
		m := peakedLM(t, tc.cfg)
		text := nextText(m)
		ts := m.NewTokenScorer()
		p := m.NewPredictor()
		first, err := p.NextLogProbs(nil, special)
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n < len(text); {
			step := 1 + n%3 // push 1, 2 or 3 ids at once
			step = min(step, len(text)-n)
			if err := p.Push(text[n : n+step]...); err != nil {
				t.Fatal(err)
			}
			n += step
			got, err := p.NextLogProbs(nil, special)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ts.NextLogProbs(nil, text[:n], nil, special)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxAbsDiff(got, want); d > 1e-5 {
				t.Errorf("%s after %d ids: the predictor differs from one run over the text by %g", tc.name, n, d)
			}
			again, err := p.NextLogProbs(nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Without the drop only the normalisation changes.
			shift := math.Log1p(-math.Exp(again[vocab.PadID]) - math.Exp(again[vocab.BOSID]))
			for c := range again {
				if c != int(vocab.PadID) && c != int(vocab.BOSID) && math.Abs(again[c]-got[c]-shift) > 1e-9 {
					t.Fatalf("%s after %d ids: log p(%d) = %.12g without the drop, %.12g with it, want a shift of %.12g",
						tc.name, n, c, again[c], got[c], shift)
				}
			}
			if again2, _ := p.NextLogProbs(nil, special); maxAbsDiff(again2, got) != 0 {
				t.Errorf("%s after %d ids: asking twice changed the distribution", tc.name, n)
			}
		}
		p.Reset()
		if again, _ := p.NextLogProbs(nil, special); maxAbsDiff(again, first) != 0 {
			t.Errorf("%s: after Reset the distribution is not the one at the start", tc.name)
		}
	}
}

func TestNextLogProbsErrors(t *testing.T) {
	rnn := peakedLM(t, nextCases()[0].cfg)
	lstm := peakedLM(t, nextCases()[1].cfg)
	tr := peakedLM(t, nextCases()[2].cfg)
	V := int32(rnn.VocabSize())
	all := make([]int32, V)
	for i := range all {
		all[i] = int32(i)
	}
	two := rnn.NewState(2)
	for _, tc := range []struct {
		name string
		m    *LM
		ids  []int32
		st   *State
		drop []int32
		want string
	}{
		{"no ids", rnn, nil, nil, nil, "no token ids"},
		{"negative id", lstm, []int32{vocab.EOSID, -1}, nil, nil, "token id -1 out of range"},
		{"id V", tr, []int32{vocab.EOSID, V}, nil, nil, "out of range"},
		{"drop V", rnn, []int32{vocab.EOSID}, nil, []int32{V}, "dropped id"},
		{"drop all", lstm, []int32{vocab.EOSID}, nil, all, "every token id is dropped"},
		{"two streams", rnn, []int32{vocab.EOSID}, two, nil, "state of 2 streams"},
		{"other LM's state", rnn, []int32{vocab.EOSID}, lstm.NewState(1), nil, "does not fit"},
		{"transformer state", lstm, []int32{vocab.EOSID}, tr.NewState(1), nil, "0 layers"},
	} {
		dst := []float64{1, 2}
		got, err := tc.m.NewTokenScorer().NextLogProbs(dst, tc.ids, tc.st, tc.drop)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if len(got) != 2 {
			t.Errorf("%s: dst grew to %d values on error", tc.name, len(got))
		}
	}
	// A bad drop fails before reading ids: the state stays zero.
	st := lstm.NewState(1)
	if _, err := lstm.NewTokenScorer().NextLogProbs(nil, []int32{vocab.EOSID, 3}, st, []int32{-2}); err == nil {
		t.Error("dropped id -2 accepted")
	}
	for l := range st.H {
		if maxAbsDiff32(st.H[l].Data, make([]float32, st.H[l].Len())) != 0 {
			t.Errorf("a failed call changed the state of layer %d", l+1)
		}
	}
	// A bad Push pushes nothing.
	for _, m := range []*LM{rnn, tr} {
		p := m.NewPredictor()
		before, err := p.NextLogProbs(nil, special)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Push(3, V); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%s: Push of id %d: %v", m.Cfg.Arch, V, err)
		}
		after, err := p.NextLogProbs(nil, special)
		if err != nil {
			t.Fatal(err)
		}
		if maxAbsDiff(before, after) != 0 {
			t.Errorf("%s: a failed Push changed the distribution", m.Cfg.Arch)
		}
		if _, err := p.NextLogProbs(nil, all); err == nil {
			t.Errorf("%s: a predictor with every id dropped gave no error", m.Cfg.Arch)
		}
	}
}

func maxAbsDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		if a[i] == b[i] { // also -Inf == -Inf
			continue
		}
		d = max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

func maxAbsDiff32(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}
