package tagger

import (
	"fmt"
	"math"
	"math/rand"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tags"
)

// Context supplies optional per-token contextual features, for example the
// hidden states of pretrained forward and backward language models.
type Context interface {
	// Name identifies the feature source; it is stored in the model file.
	Name() string
	// Dim is the size of each token's feature vector.
	Dim() int
	// Features returns a [len(batch), T, Dim] Var for the token sequences of
	// a batch (each padded to T). It may record trainable operations on tp
	// (fine-tuning); rows past a sequence's length are ignored.
	Features(tp *nn.Tape, batch [][]string, T int) (*nn.Var, error)
}

// Tagger is a trained BiLSTM-CRF sequence tagger.
type Tagger struct {
	cfg        Config
	fileScheme tags.Scheme // scheme of the training data; output scheme
	scheme     tags.Scheme // internal scheme
	tagList    []string    // internal tags; tagList[0] == "O"
	tagID      map[string]int32

	words, chars, bigrams *index

	wordEmb, capsEmb, charEmb, bigramEmb, segEmb *nn.Embedding
	charLSTM, lstm                               *nn.Bidirectional
	proj                                         *nn.Dense
	crf                                          *nn.CRF
	params                                       []*nn.Param

	ctx Context

	// forbidden transitions of the internal scheme, pinned to forbidScore
	forbidTrans, forbidStart, forbidEnd []int
}

const forbidScore = -10000

// Config returns the tagger's hyper-parameters.
func (m *Tagger) Config() Config { return m.cfg }

// Scheme returns the scheme predictions are written in (that of the training
// data).
func (m *Tagger) Scheme() tags.Scheme { return m.fileScheme }

// Tags returns the internal tag set (in the internal scheme), "O" first.
func (m *Tagger) Tags() []string { return append([]string(nil), m.tagList...) }

// NumParams returns the number of trainable weights.
func (m *Tagger) NumParams() int {
	n := 0
	for _, p := range m.params {
		n += p.Value.Len()
	}
	return n
}

// SetContext attaches the contextual-feature source a model was trained with
// (needed before Predict when Config().ContextDim > 0).
func (m *Tagger) SetContext(c Context) error {
	if m.cfg.ContextDim == 0 {
		return fmt.Errorf("tagger: model was trained without contextual features")
	}
	if c == nil || c.Name() != m.cfg.ContextName || c.Dim() != m.cfg.ContextDim {
		return fmt.Errorf("tagger: model needs contextual features %q of size %d", m.cfg.ContextName, m.cfg.ContextDim)
	}
	m.ctx = c
	return nil
}

// build creates the layers for the vocabularies and tag set already set on m.
func (m *Tagger) build(rng *rand.Rand) {
	c := &m.cfg
	emb := func(name string, n, d int) *nn.Embedding {
		e := nn.NewEmbedding(name, n, d, padID, rng)
		nn.InitUniform(e.W, math.Sqrt(3/float64(d)), rng)
		clear(e.W.Value.Data[:d])
		return e
	}
	in := c.WordDim
	m.wordEmb = emb("word_emb", m.words.size(), c.WordDim)
	layers := []nn.Layer{m.wordEmb}
	if c.CapsDim > 0 {
		m.capsEmb = emb("caps_emb", numCaps, c.CapsDim)
		layers = append(layers, m.capsEmb)
		in += c.CapsDim
	}
	if c.CharDim > 0 {
		m.charEmb = emb("char_emb", m.chars.size(), c.CharDim)
		m.charLSTM = nn.NewBidirectional("char_lstm", nn.LSTM, c.CharDim, c.CharHidden, rng)
		layers = append(layers, m.charEmb, m.charLSTM)
		in += 2 * c.CharHidden
	}
	if c.BigramDim > 0 {
		m.bigramEmb = emb("bigram_emb", m.bigrams.size(), c.BigramDim)
		layers = append(layers, m.bigramEmb)
		in += c.BigramDim
	}
	if c.SegDim > 0 {
		m.segEmb = emb("seg_emb", numSeg, c.SegDim)
		layers = append(layers, m.segEmb)
		in += c.SegDim
	}
	in += c.ContextDim
	m.lstm = nn.NewBidirectional("lstm", nn.LSTM, in, c.Hidden, rng)
	m.proj = nn.NewDense("proj", 2*c.Hidden, len(m.tagList), true, rng)
	m.crf = nn.NewCRF("crf", len(m.tagList), rng)
	layers = append(layers, m.lstm, m.proj, m.crf)
	m.params = nn.CollectParams(layers...)
	m.setConstraints()
	m.pinConstraints()
}

// allowed reports whether tag b may follow tag a under the internal scheme
// (a == "" at the start, b == "" at the end).
func allowed(s tags.Scheme, a, b string) bool {
	pa, ta := tags.Split(a)
	pb, tb := tags.Split(b)
	open := a != "" && (pa == 'B' || pa == 'I') // a chunk continues after a
	if s == tags.IOB2 {
		if b == "" {
			return true
		}
		if pb == 'I' {
			return open && ta == tb
		}
		return true
	}
	// IOBES
	if open {
		return b != "" && (pb == 'I' || pb == 'E') && ta == tb
	}
	return b == "" || pb == 'O' || pb == 'B' || pb == 'S'
}

func (m *Tagger) setConstraints() {
	K := len(m.tagList)
	m.forbidTrans, m.forbidStart, m.forbidEnd = nil, nil, nil
	for i, a := range m.tagList {
		for j, b := range m.tagList {
			if !allowed(m.scheme, a, b) {
				m.forbidTrans = append(m.forbidTrans, i*K+j)
			}
		}
		if !allowed(m.scheme, "", a) {
			m.forbidStart = append(m.forbidStart, i)
		}
		if !allowed(m.scheme, a, "") {
			m.forbidEnd = append(m.forbidEnd, i)
		}
	}
}

// pinConstraints sets the scores of forbidden transitions to forbidScore.
func (m *Tagger) pinConstraints() {
	for _, i := range m.forbidTrans {
		m.crf.Trans.Value.Data[i] = forbidScore
	}
	for _, i := range m.forbidStart {
		m.crf.Start.Value.Data[i] = forbidScore
	}
	for _, i := range m.forbidEnd {
		m.crf.End.Value.Data[i] = forbidScore
	}
}

// encoded is a sentence turned into ids.
type encoded struct {
	toks   []string
	words  []int32
	caps   []int32
	bigram []int32
	seg    []int32
	gold   []int32 // internal tag ids; nil without gold
}

// encode turns tokens into ids with the model's vocabularies.
func (m *Tagger) encode(toks []string) encoded {
	e := encoded{toks: toks, words: make([]int32, len(toks))}
	lower := m.cfg.Lang == "en"
	for i, t := range toks {
		e.words[i] = m.words.id(normWord(t, lower))
	}
	if m.cfg.CapsDim > 0 {
		e.caps = make([]int32, len(toks))
		for i, t := range toks {
			e.caps[i] = capsPattern(t)
		}
	}
	if m.cfg.BigramDim > 0 {
		e.bigram = make([]int32, len(toks))
		for i := range toks {
			e.bigram[i] = m.bigrams.id(bigramKey(toks, i))
		}
	}
	if m.cfg.SegDim > 0 {
		e.seg = segFeatures(make([]int32, 0, len(toks)), toks)
	}
	return e
}

// batch is a padded mini-batch laid out [B, T].
type batch struct {
	B, T    int
	lengths []int
	toks    [][]string
	words   []int32
	caps    []int32
	bigram  []int32
	seg     []int32
	gold    []int32

	// character BiLSTM input over the batch's distinct words: uniq[b*T+t]
	// indexes U words (0 is an empty dummy for padding), whose chars are
	// charIDs [U, Lc] with lengths charLens.
	uniq     []int32
	U, Lc    int
	charIDs  []int32
	charLens []int
	seen     map[string]int32
	uwords   []string
}

// fill lays out sentences as a batch. With rng and unk probability p > 0,
// training singletons (count[id] == 1) become unknown with probability p.
func (m *Tagger) fill(bt *batch, sents []*encoded, rng *rand.Rand, count []int32, p float64) {
	B, T := len(sents), 0
	for _, s := range sents {
		T = max(T, len(s.words))
	}
	bt.B, bt.T = B, T
	bt.lengths = resize(bt.lengths, B)
	bt.toks = bt.toks[:0]
	n := B * T
	bt.words = resizeZero(bt.words, n)
	hasGold := sents[0].gold != nil
	if hasGold {
		bt.gold = resizeZero(bt.gold, n)
	}
	if m.cfg.CapsDim > 0 {
		bt.caps = resizeZero(bt.caps, n)
	}
	if m.cfg.BigramDim > 0 {
		bt.bigram = resizeZero(bt.bigram, n)
	}
	if m.cfg.SegDim > 0 {
		bt.seg = resizeZero(bt.seg, n)
	}
	for b, s := range sents {
		bt.lengths[b] = len(s.words)
		bt.toks = append(bt.toks, s.toks)
		row := bt.words[b*T : b*T+len(s.words)]
		copy(row, s.words)
		if p > 0 && rng != nil {
			for i, id := range row {
				if id > unkID && count[id] == 1 && rng.Float64() < p {
					row[i] = unkID
				}
			}
		}
		if hasGold {
			copy(bt.gold[b*T:], s.gold)
		}
		if bt.caps != nil {
			copy(bt.caps[b*T:], s.caps)
		}
		if bt.bigram != nil {
			copy(bt.bigram[b*T:], s.bigram)
		}
		if bt.seg != nil {
			copy(bt.seg[b*T:], s.seg)
		}
	}
	if m.cfg.CharDim == 0 {
		return
	}
	if bt.seen == nil {
		bt.seen = map[string]int32{}
	}
	clear(bt.seen)
	bt.uwords = append(bt.uwords[:0], "")
	bt.uniq = resizeZero(bt.uniq, n)
	for b, s := range sents {
		for t, w := range s.toks {
			u, ok := bt.seen[w]
			if !ok {
				u = int32(len(bt.uwords))
				bt.seen[w] = u
				bt.uwords = append(bt.uwords, w)
			}
			bt.uniq[b*T+t] = u
		}
	}
	U, Lc := len(bt.uwords), 1
	for _, w := range bt.uwords {
		Lc = max(Lc, min(utf8.RuneCountInString(w), m.cfg.MaxWordLen))
	}
	bt.U, bt.Lc = U, Lc
	bt.charIDs = resizeZero(bt.charIDs, U*Lc)
	bt.charLens = resize(bt.charLens, U)
	for u, w := range bt.uwords {
		k := 0
		for _, r := range w {
			if k == Lc {
				break
			}
			bt.charIDs[u*Lc+k] = m.chars.id(string(r))
			k++
		}
		bt.charLens[u] = max(k, 1)
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func resizeZero[T any](s []T, n int) []T {
	s = resize(s, n)
	clear(s)
	return s
}

// emissions records the network up to the CRF's emission scores [B, T, K].
func (m *Tagger) emissions(tp *nn.Tape, bt *batch) (*nn.Var, error) {
	B, T := bt.B, bt.T
	parts := make([]*nn.Var, 0, 6)
	parts = append(parts, m.wordEmb.Forward(tp, bt.words, B, T))
	if m.capsEmb != nil {
		parts = append(parts, m.capsEmb.Forward(tp, bt.caps, B, T))
	}
	if m.charEmb != nil {
		ce := m.charEmb.Forward(tp, bt.charIDs, bt.U, bt.Lc)
		_, last := m.charLSTM.Forward(tp, ce, bt.charLens) // [U, 2CH]
		parts = append(parts, tp.Embed(last, bt.uniq, 0, B, T))
	}
	if m.bigramEmb != nil {
		parts = append(parts, m.bigramEmb.Forward(tp, bt.bigram, B, T))
	}
	if m.segEmb != nil {
		parts = append(parts, m.segEmb.Forward(tp, bt.seg, B, T))
	}
	if m.cfg.ContextDim > 0 {
		if m.ctx == nil {
			return nil, fmt.Errorf("tagger: model needs contextual features %q; call SetContext", m.cfg.ContextName)
		}
		f, err := m.ctx.Features(tp, bt.toks, T)
		if err != nil {
			return nil, err
		}
		if s := f.Shape(); len(s) != 3 || s[0] != B || s[1] != T || s[2] != m.cfg.ContextDim {
			return nil, fmt.Errorf("tagger: context %q returned shape %v, want [%d %d %d]", m.cfg.ContextName, s, B, T, m.cfg.ContextDim)
		}
		parts = append(parts, f)
	}
	x := parts[0]
	if len(parts) > 1 {
		x = tp.Concat(-1, parts...)
	}
	p := float32(m.cfg.Dropout)
	x = tp.Dropout(x, p)
	seq, _ := m.lstm.Forward(tp, x, bt.lengths)
	seq = tp.Dropout(seq, p)
	return m.proj.Forward(tp, seq), nil
}
