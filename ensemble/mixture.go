package ensemble

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/progress"
)

// Mixture is the linear interpolation of members that share a vocabulary:
// p(w | h) = Σ_i Weights[i] p_i(w | h). It is itself an LM.
type Mixture struct {
	Members []LM
	Weights []float64 // one per member, non-negative, summing to 1
	File    string    // the manifest it was loaded from or saved to, if any
}

// NewMixture checks that the members share a vocabulary and returns their
// mixture with the given weights (nil: uniform). Weights must be
// non-negative with a positive sum; they are normalised to sum to 1.
func NewMixture(members []LM, weights []float64) (*Mixture, error) {
	if len(members) == 0 {
		return nil, errors.New("a mixture needs at least one member")
	}
	if err := CheckVocab(members); err != nil {
		return nil, err
	}
	k := len(members)
	w := make([]float64, k)
	if weights == nil {
		for i := range w {
			w[i] = 1 / float64(k)
		}
	} else {
		if len(weights) != k {
			return nil, fmt.Errorf("%d weights for %d members", len(weights), k)
		}
		var s float64
		for _, x := range weights {
			if !(x >= 0) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("weights must be finite and non-negative, got %v", weights)
			}
			s += x
		}
		if !(s > 0) {
			return nil, fmt.Errorf("weights sum to %v", s)
		}
		for i, x := range weights {
			w[i] = x / s
		}
	}
	return &Mixture{Members: members, Weights: w}, nil
}

// CheckVocab returns an error unless every member predicts the same set of
// words as the first; the error names both members, the sizes and a few
// words that differ.
func CheckVocab(members []LM) error {
	if len(members) == 0 {
		return nil
	}
	base := members[0].Words()
	set := make(map[string]struct{}, len(base))
	for _, w := range base {
		set[w] = struct{}{}
	}
	for _, m := range members[1:] {
		ws := m.Words()
		seen := make(map[string]struct{}, len(ws))
		var extra, missing []string
		for _, w := range ws {
			seen[w] = struct{}{}
			if _, ok := set[w]; !ok {
				extra = append(extra, w)
			}
		}
		for _, w := range base {
			if _, ok := seen[w]; !ok {
				missing = append(missing, w)
			}
		}
		if len(extra) == 0 && len(missing) == 0 {
			continue
		}
		return fmt.Errorf("vocabularies differ: %s predicts %d words, %s %d; %d only in the first (%s), %d only in the second (%s); members must share a word vocabulary",
			members[0].Name(), len(set), m.Name(), len(seen),
			len(missing), sample(missing), len(extra), sample(extra))
	}
	return nil
}

func sample(ws []string) string {
	sort.Strings(ws)
	if len(ws) > 5 {
		return strings.Join(ws[:5], " ") + " ..."
	}
	return strings.Join(ws, " ")
}

// Name implements LM.
func (m *Mixture) Name() string {
	if m.File != "" {
		return m.File
	}
	names := make([]string, len(m.Members))
	for i, x := range m.Members {
		names[i] = x.Name()
	}
	return "mix(" + strings.Join(names, ", ") + ")"
}

// Words implements LM: the shared vocabulary.
func (m *Mixture) Words() []string { return m.Members[0].Words() }

// NewScorer implements LM: the weighted sum of the members' probabilities.
func (m *Mixture) NewScorer() Scorer {
	s := &mixScorer{w: m.Weights}
	for _, x := range m.Members {
		s.sc = append(s.sc, x.NewScorer())
	}
	return s
}

type mixScorer struct {
	w   []float64
	sc  []Scorer
	buf []float64
}

func (s *mixScorer) Line(dst []float64, words []string) ([]float64, error) {
	n := len(dst)
	for range len(words) + 1 {
		dst = append(dst, 0)
	}
	for i, sc := range s.sc {
		var err error
		s.buf, err = sc.Line(s.buf[:0], words)
		if err != nil {
			return dst[:n], err
		}
		if len(s.buf) != len(words)+1 {
			return dst[:n], fmt.Errorf("member %d gave %d probabilities for %d tokens", i, len(s.buf), len(words)+1)
		}
		for t, p := range s.buf {
			dst[n+t] += s.w[i] * p
		}
	}
	return dst, nil
}

// Text is tokenized text: the words of each non-blank line.
type Text struct {
	Name   string
	Lines  [][]string
	Tokens int // words plus one </s> per line
}

// ReadText reads one sentence a line, words separated by white space, and
// skips blank lines; a literal <s>, </s> or <pad> is an error. name is used
// in errors.
func ReadText(name string, r io.Reader) (*Text, error) {
	t := &Text{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	for line := 1; sc.Scan(); line++ {
		ws := strings.Fields(sc.Text())
		if len(ws) == 0 {
			continue
		}
		for _, w := range ws {
			if w == ngram.BOSWord || w == ngram.EOSWord || w == "<pad>" {
				return nil, fmt.Errorf("%s:%d: literal %s in the text: sentence markers are implied by the lines", name, line, w)
			}
		}
		t.Lines = append(t.Lines, ws)
		t.Tokens += len(ws) + 1
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if t.Tokens == 0 {
		return nil, fmt.Errorf("%s: no text", name)
	}
	return t, nil
}

// Probs scores text with every member (members in parallel) and returns the
// probabilities token by token, probs[t*k+i] = p_i(token t), k =
// len(members), as ngram.MixWeights reads them. prog (may be nil) receives
// tokens scored, summed over members.
func Probs(members []LM, text *Text, prog *progress.Reporter) ([]float64, error) {
	k := len(members)
	probs := make([]float64, text.Tokens*k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, m := range members {
		wg.Go(func() {
			sc := m.NewScorer()
			var buf []float64
			t := 0
			for ln, ws := range text.Lines {
				var err error
				buf, err = sc.Line(buf[:0], ws)
				if err == nil && len(buf) != len(ws)+1 {
					err = fmt.Errorf("%d probabilities for %d tokens", len(buf), len(ws)+1)
				}
				if err != nil {
					errs[i] = fmt.Errorf("%s: line %d of %s: %w", m.Name(), ln+1, text.Name, err)
					return
				}
				for _, p := range buf {
					probs[t*k+i] = p
					t++
				}
				mu.Lock()
				prog.Add(int64(len(buf)))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return probs, nil
}

// Perplexities returns the perplexity of each member alone and of the
// mixture with weights on the tokens of probs.
func Perplexities(probs []float64, weights []float64) (members []float64, mix float64) {
	k := len(weights)
	members = make([]float64, k)
	for i := range k {
		w := make([]float64, k)
		w[i] = 1
		members[i] = ngram.MixPerplexity(probs, w)
	}
	return members, ngram.MixPerplexity(probs, weights)
}

// Iteration reports one EM step of Tune.
type Iteration struct {
	N          int
	Weights    []float64
	Perplexity float64 // of the mixture after the step
	Delta      float64 // largest change of a weight in the step
}

// Tune runs EM for the mixture weights on held-out probabilities (as Probs
// returns them), one ngram.MixWeights step at a time so that each is
// reported to log (may be nil): λ_i ← (1/T) Σ_t λ_i p_i(t) / Σ_j λ_j p_j(t),
// from uniform weights, until no weight moves more than opt.Tol (0: 1e-5)
// or opt.MaxIter steps (0: 1000). It sets m.Weights and returns the result.
func (m *Mixture) Tune(probs []float64, opt ngram.MixOptions, log func(Iteration)) (ngram.MixResult, error) {
	k := len(m.Members)
	if opt.MaxIter == 0 {
		opt.MaxIter = 1000
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-5
	}
	w := opt.Init
	if w == nil {
		w = make([]float64, k)
		for i := range w {
			w[i] = 1 / float64(k)
		}
	}
	var res ngram.MixResult
	for it := 1; it <= opt.MaxIter; it++ {
		r, err := ngram.MixWeights(probs, k, ngram.MixOptions{MaxIter: 1, Init: floor(w)})
		if err != nil {
			return res, err
		}
		var delta float64
		for i := range w {
			delta = max(delta, math.Abs(r.Weights[i]-w[i]))
		}
		w = r.Weights
		res = r
		res.Iterations = it
		if log != nil {
			log(Iteration{N: it, Weights: append([]float64(nil), w...), Perplexity: r.Perplexity, Delta: delta})
		}
		if delta < opt.Tol {
			break
		}
	}
	m.Weights = append(m.Weights[:0], w...)
	return res, nil
}

// floor keeps weights positive, as MixWeights wants its initial weights: a
// weight that EM drove to exactly 0 stays at the smallest positive float,
// which changes nothing measurable.
func floor(w []float64) []float64 {
	out := make([]float64, len(w))
	for i, x := range w {
		out[i] = max(x, math.SmallestNonzeroFloat64)
	}
	return out
}
