package ensemble

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/vocab"
)

// Predictor gives the whole distribution of the next word of one line, as
// sampling needs it, one word at a time. Predictors are not safe for
// concurrent use.
type Predictor interface {
	// Next writes to dst, which holds one value per word of the model's
	// Words() in that order, the probability of each word (</s> included)
	// being the next token of the line read so far: the values a Scorer
	// gives the word after the same words (except that a Transformer reads
	// the last Cfg.Context tokens, as lm's Generate does, where its Scorer
	// cuts a long line into windows of that length).
	Next(dst []float64) error
	// Push appends word to the line read so far; a word outside the
	// vocabulary is read as <unk>, and </s> ends the line, so that the
	// next word starts a new one.
	Push(word string) error
}

// Generator is an LM that can enumerate its next-word distributions, so
// that text can be sampled from it. *Ngram, *Neural and *Mixture (of
// Generators) are Generators.
type Generator interface {
	LM
	// NewPredictor returns a predictor at the start of a line.
	NewPredictor() (Predictor, error)
}

var (
	_ Generator = (*Ngram)(nil)
	_ Generator = (*Neural)(nil)
	_ Generator = (*Mixture)(nil)
)

// NewPredictor implements Generator: the n-gram model scores every word of
// its vocabulary after the current context (from <s>).
func (g *Ngram) NewPredictor() (Predictor, error) {
	ws := g.Words()
	ids := make([]uint32, len(ws))
	for i, w := range ws {
		id, ok := g.Model.Vocab.ID(w)
		if !ok {
			return nil, fmt.Errorf("%s: word %q of the vocabulary has no id", g.File, w)
		}
		ids[i] = id
	}
	return &ngramPredictor{m: g.Model, ids: ids, st: g.Model.BeginSentence()}, nil
}

type ngramPredictor struct {
	m   *ngram.Model
	ids []uint32 // word index (Words order) -> model id
	st  ngram.State
}

func (p *ngramPredictor) Next(dst []float64) error {
	if len(dst) != len(p.ids) {
		return fmt.Errorf("distribution of %d values for %d words", len(dst), len(p.ids))
	}
	var tmp ngram.State
	for i, id := range p.ids {
		lp, _ := p.m.Score(&p.st, id, &tmp)
		dst[i] = math.Pow(10, float64(lp))
	}
	return nil
}

func (p *ngramPredictor) Push(word string) error {
	if word == ngram.EOSWord {
		p.st = p.m.BeginSentence()
		return nil
	}
	id, ok := p.m.Vocab.ID(word)
	if !ok {
		id = ngram.Unk
	}
	p.m.Score(&p.st, id, &p.st)
	return nil
}

// NewPredictor implements Generator: the LM's softmax after the current
// context (from </s>, the start of a line, and a zero state), without
// <pad> and <s>, renormalised, as its Scorer gives it. It is lm's
// Predictor, the softmax lm's Generate samples from: a recurrent LM carries
// its state from word to word; a Transformer reads the last Cfg.Context
// tokens.
func (n *Neural) NewPredictor() (Predictor, error) {
	V := n.Model.VocabSize()
	var keep []int32 // word index (Words order) -> token id
	for id := range int32(V) {
		if id != vocab.PadID && id != vocab.BOSID {
			keep = append(keep, id)
		}
	}
	return &neuralPredictor{m: n.Model, p: n.Model.NewPredictor(), keep: keep}, nil
}

// neverNext are the token ids a neural LM never predicts.
var neverNext = []int32{vocab.PadID, vocab.BOSID}

type neuralPredictor struct {
	m    *lm.LM
	p    *lm.Predictor
	keep []int32
	lps  []float64
}

func (p *neuralPredictor) Next(dst []float64) error {
	if len(dst) != len(p.keep) {
		return fmt.Errorf("distribution of %d values for %d words", len(dst), len(p.keep))
	}
	var err error
	if p.lps, err = p.p.NextLogProbs(p.lps[:0], neverNext); err != nil {
		return err
	}
	for i, id := range p.keep {
		dst[i] = math.Exp(p.lps[id])
	}
	return nil
}

func (p *neuralPredictor) Push(word string) error {
	id := vocab.EOSID
	if word != ngram.EOSWord {
		ids := p.m.Encoder().Encode(word)
		if len(ids) != 1 {
			return fmt.Errorf("word %q is %d tokens to the LM", word, len(ids))
		}
		id = ids[0]
	}
	return p.p.Push(id)
}

// NewPredictor implements Generator: the weighted sum of the members'
// distributions, p(w | h) = Σ_i λ_i p_i(w | h), in the order of Words()
// (the first member's). Members of weight 0 are not run. Every member must
// be a Generator.
func (m *Mixture) NewPredictor() (Predictor, error) {
	words := m.Words()
	pos := make(map[string]int, len(words))
	for j, w := range words {
		pos[w] = j
	}
	mp := &mixPredictor{}
	for i, x := range m.Members {
		if m.Weights[i] == 0 {
			continue
		}
		g, ok := x.(Generator)
		if !ok {
			return nil, fmt.Errorf("member %d (%s, %T) cannot enumerate its next-word distribution", i+1, x.Name(), x)
		}
		p, err := g.NewPredictor()
		if err != nil {
			return nil, err
		}
		ws := g.Words()
		if len(ws) != len(words) {
			return nil, fmt.Errorf("member %d (%s) predicts %d words, the mixture %d", i+1, x.Name(), len(ws), len(words))
		}
		idx := make([]int, len(ws)) // member's word index -> mixture's
		for k, w := range ws {
			j, ok := pos[w]
			if !ok {
				return nil, fmt.Errorf("member %d (%s) predicts %q, which the first member does not", i+1, x.Name(), w)
			}
			idx[k] = j
		}
		mp.w = append(mp.w, m.Weights[i])
		mp.ps = append(mp.ps, p)
		mp.idx = append(mp.idx, idx)
	}
	if len(mp.ps) == 0 {
		return nil, errors.New("every weight of the mixture is 0")
	}
	mp.buf = make([]float64, len(words))
	return mp, nil
}

type mixPredictor struct {
	w   []float64
	ps  []Predictor
	idx [][]int
	buf []float64
}

func (p *mixPredictor) Next(dst []float64) error {
	if len(dst) != len(p.buf) {
		return fmt.Errorf("distribution of %d values for %d words", len(dst), len(p.buf))
	}
	clear(dst)
	for i, q := range p.ps {
		if err := q.Next(p.buf); err != nil {
			return err
		}
		for k, x := range p.buf {
			dst[p.idx[i][k]] += p.w[i] * x
		}
	}
	return nil
}

func (p *mixPredictor) Push(word string) error {
	for _, q := range p.ps {
		if err := q.Push(word); err != nil {
			return err
		}
	}
	return nil
}

// Generate continues prompt, read as the start of a line (whitespace-
// separated words; words outside the vocabulary are <unk>), with up to
// o.MaxTokens words sampled from g's next-word distributions, and returns
// the generated text (words joined by single spaces, without a final </s>)
// and the generated words (with it, when generation stopped there). It
// samples as lm's Generate does, drawing one rng.Float64 per word (none
// with temperature 0): the probabilities are raised to the power
// 1/o.Temperature (0 picks the most probable word, the first visited on
// ties), only the o.TopK most probable words are candidates when o.TopK >
// 0, and the words are visited in Words() order, a neural LM's in token id
// order. A Mixture visits them in the order of its first member of
// positive weight, so that a mixture with all its weight on one member
// draws the same words as that member given the same seed (as lm's
// Generate for a neural LM). With o.StopAtEOS generation ends at </s>;
// otherwise </s> starts a new line and generation goes on.
func Generate(g Generator, prompt string, o lm.GenOptions, rng *rand.Rand) (string, []string, error) {
	if o.Temperature < 0 || o.TopK < 0 || o.MaxTokens < 0 || math.IsNaN(o.Temperature) || math.IsInf(o.Temperature, 0) {
		return "", nil, fmt.Errorf("temperature, top-k and max tokens must be finite and not negative")
	}
	p, err := g.NewPredictor()
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", g.Name(), err)
	}
	for _, w := range strings.Fields(prompt) {
		if w == ngram.BOSWord || w == ngram.EOSWord || w == "<pad>" {
			return "", nil, fmt.Errorf("prompt: literal %s: the prompt is the start of one line", w)
		}
		if err := p.Push(w); err != nil {
			return "", nil, fmt.Errorf("%s: prompt: %w", g.Name(), err)
		}
	}
	words := g.Words()
	dist := make([]float64, len(words))
	order := visitOrder(g)
	var out []string
	for len(out) < o.MaxTokens {
		if err := p.Next(dist); err != nil {
			return "", nil, fmt.Errorf("%s: after %d generated words: %w", g.Name(), len(out), err)
		}
		j, err := sampleDist(dist, order, o, rng)
		if err != nil {
			return "", nil, fmt.Errorf("%s: after %d generated words: %w", g.Name(), len(out), err)
		}
		w := words[j]
		out = append(out, w)
		if (o.StopAtEOS && w == ngram.EOSWord) || len(out) == o.MaxTokens {
			break
		}
		if err := p.Push(w); err != nil {
			return "", nil, fmt.Errorf("%s: %w", g.Name(), err)
		}
	}
	text := out
	if n := len(text); o.StopAtEOS && n > 0 && text[n-1] == ngram.EOSWord {
		text = text[:n-1]
	}
	return strings.Join(text, " "), out, nil
}

// visitOrder is the order in which Generate visits g's words: indices into
// g.Words().
func visitOrder(g Generator) []int {
	words := g.Words()
	m, ok := g.(*Mixture)
	if !ok {
		order := make([]int, len(words))
		for i := range order {
			order[i] = i
		}
		return order
	}
	lead := 0
	for lead < len(m.Weights)-1 && m.Weights[lead] == 0 {
		lead++
	}
	lw := m.Members[lead].Words()
	inner := make([]int, len(lw))
	if lg, ok := m.Members[lead].(Generator); ok {
		inner = visitOrder(lg)
	} else {
		for i := range inner {
			inner[i] = i
		}
	}
	pos := make(map[string]int, len(words))
	for j, w := range words {
		pos[w] = j
	}
	order := make([]int, 0, len(words))
	for _, k := range inner {
		if j, ok := pos[lw[k]]; ok {
			order = append(order, j)
		}
	}
	if len(order) != len(words) { // not a permutation: keep Words() order
		order = order[:0]
		for i := range words {
			order = append(order, i)
		}
	}
	return order
}

// sampleDist draws an index of q from the probabilities q under o,
// visiting the indices in order, as lm's sampler draws from logits: q^(1/T)
// = exp((log q - log max q)/T) up to a constant factor, so the two agree
// whenever q is the softmax of the logits and order the token id order.
func sampleDist(q []float64, order []int, o lm.GenOptions, rng *rand.Rand) (int, error) {
	best := -1
	for _, i := range order {
		x := q[i]
		if math.IsNaN(x) || x < 0 || math.IsInf(x, 0) {
			return 0, fmt.Errorf("probability %v of word %d", x, i)
		}
		if best < 0 || x > q[best] {
			best = i
		}
	}
	if best < 0 || !(q[best] > 0) {
		return 0, errors.New("no word has a positive probability")
	}
	if o.Temperature == 0 {
		return best, nil
	}
	keep := 0.0 // probabilities below keep are excluded
	if o.TopK > 0 && o.TopK < len(q) {
		xs := append([]float64(nil), q...)
		sort.Float64s(xs)
		keep = xs[len(xs)-o.TopK]
	}
	weight := func(x float64) float64 {
		if x == 0 || x < keep {
			return 0
		}
		if o.Temperature == 1 {
			return x
		}
		return math.Exp((math.Log(x) - math.Log(q[best])) / o.Temperature)
	}
	var sum float64
	for _, i := range order {
		sum += weight(q[i])
	}
	u := rng.Float64() * sum
	last := best
	for _, i := range order {
		wx := weight(q[i])
		if wx == 0 {
			continue
		}
		last = i
		u -= wx
		if u < 0 {
			return i, nil
		}
	}
	return last, nil
}
