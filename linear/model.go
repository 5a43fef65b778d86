package linear

import (
	"slices"
	"sync"

	"github.com/mulan-nlp/mulan/tokenize"
)

// Model is a trained linear classifier. It is safe for concurrent use by
// several goroutines once trained.
type Model struct {
	cfg      Config
	labels   []string
	labelID  map[string]int
	words    []string // row i < len(words) is words[i]
	wordID   map[string]int32
	buckets  []uint32         // row len(words)+k is n-gram bucket buckets[k]
	bucketID map[uint32]int32 // bucket -> row
	initSeed uint64
	dim      int
	in       []float32 // rows × dim
	out      []float32 // len(labels) × dim
	tok      tokenize.Appender
	pool     sync.Pool // *scratch
}

// scratch holds the reusable buffers of one prediction.
type scratch struct {
	toks   []string
	hashes []uint32
	rows   []int32 // >= 0: stored row; < 0: -(global id)-1 of an unstored row
	ngrams []uint32
	hidden []float32
	probs  []float32
}

// Prediction is a label with its probability.
type Prediction struct {
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

// Labels returns the label set in the model's (sorted) order; Probs follows it.
func (m *Model) Labels() []string { return slices.Clone(m.labels) }

// Config returns the configuration the model was trained with.
func (m *Model) Config() Config { return m.cfg }

// Words returns the number of vocabulary words ("</s>" included).
func (m *Model) Words() int { return len(m.words) }

// NgramRows returns the number of n-gram buckets the model stores (those seen in training).
func (m *Model) NgramRows() int { return len(m.buckets) }

func (m *Model) getScratch() *scratch {
	if s, ok := m.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{hidden: make([]float32, m.dim), probs: make([]float32, len(m.labels))}
}

// rowsOf tokenizes text and fills s.rows with the rows of its words and
// n-grams (unknown words contribute only through n-grams, as in fastText).
func (m *Model) rowsOf(s *scratch, text string) {
	s.toks = m.tok.Append(s.toks[:0], text)
	s.toks = append(s.toks, EOS)
	s.rows, s.hashes = s.rows[:0], s.hashes[:0]
	for _, t := range s.toks {
		if id, ok := m.wordID[t]; ok {
			s.rows = append(s.rows, id)
		}
		s.hashes = append(s.hashes, HashToken(t))
	}
	clear(s.toks) // drop references to text
	s.ngrams = appendNgramBuckets(s.ngrams[:0], s.hashes, m.cfg.WordNgrams, uint64(m.cfg.Bucket))
	nw := int32(len(m.words))
	for _, b := range s.ngrams {
		if r, ok := m.bucketID[b]; ok {
			s.rows = append(s.rows, r)
		} else {
			s.rows = append(s.rows, -(nw+int32(b))-1)
		}
	}
}

// forward computes s.hidden (the mean of the rows) and s.probs.
func (m *Model) forward(s *scratch) {
	h := s.hidden
	clear(h)
	d := m.dim
	for _, r := range s.rows {
		if r >= 0 {
			add(m.in[int(r)*d:int(r)*d+d], h)
		} else {
			addInitRow(h, m.initSeed, uint64(-(r + 1)))
		}
	}
	if len(s.rows) > 0 {
		inv := 1 / float32(len(s.rows))
		for i := range h {
			h[i] *= inv
		}
	}
	for l := range s.probs {
		s.probs[l] = dot(m.out[l*d:l*d+d], h)
	}
	softmax(s.probs)
}

// Probs returns the probability of every label (in Labels order) for text,
// appended to dst.
func (m *Model) Probs(dst []float64, text string) []float64 {
	s := m.getScratch()
	m.rowsOf(s, text)
	m.forward(s)
	for _, p := range s.probs {
		dst = append(dst, float64(p))
	}
	m.pool.Put(s)
	return dst
}

// Predict returns the k most probable labels of text with their
// probabilities, most probable first (ties broken by label order). k <= 0 or
// k beyond the number of labels returns every label.
func (m *Model) Predict(text string, k int) []Prediction {
	s := m.getScratch()
	m.rowsOf(s, text)
	m.forward(s)
	if k <= 0 || k > len(m.labels) {
		k = len(m.labels)
	}
	preds := make([]Prediction, 0, k)
	if k == 1 {
		best := 0
		for l, p := range s.probs {
			if p > s.probs[best] {
				best = l
			}
		}
		preds = append(preds, Prediction{m.labels[best], float64(s.probs[best])})
	} else {
		for l, p := range s.probs {
			preds = append(preds, Prediction{m.labels[l], float64(p)})
		}
		slices.SortStableFunc(preds, func(a, b Prediction) int {
			switch {
			case a.Prob > b.Prob:
				return -1
			case a.Prob < b.Prob:
				return 1
			}
			return 0
		})
		preds = preds[:k]
	}
	m.pool.Put(s)
	return preds
}
