package ensemble

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/vocab"
)

// LM is a language model that gives the probability of every token of a
// line given the line's earlier tokens (see the package comment for the
// convention). Members of a Mixture implement it.
type LM interface {
	// Name identifies the model in messages (its file, usually).
	Name() string
	// Words lists every word the model predicts, </s> and <unk> included,
	// <s> (and <pad>) not, in any order.
	Words() []string
	// NewScorer returns a scorer holding the model's state across the lines
	// of one text; scorers are not safe for concurrent use.
	NewScorer() Scorer
}

// Scorer scores the lines of one text in order.
type Scorer interface {
	// Line appends to dst the probability (not its log) of each word of the
	// line and then of </s>: len(words)+1 values. words holds no blanks.
	Line(dst []float64, words []string) ([]float64, error)
}

// Ngram is a back-off n-gram model as a mixture member.
type Ngram struct {
	Model *ngram.Model
	File  string
}

// Name implements LM.
func (g *Ngram) Name() string { return g.File }

// Words implements LM: the model's vocabulary less <s>.
func (g *Ngram) Words() []string {
	ws := g.Model.Vocab.Words()
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if w != ngram.BOSWord {
			out = append(out, w)
		}
	}
	return out
}

// NewScorer implements LM.
func (g *Ngram) NewScorer() Scorer { return &ngramScorer{m: g.Model} }

type ngramScorer struct{ m *ngram.Model }

func (s *ngramScorer) Line(dst []float64, words []string) ([]float64, error) {
	st := s.m.BeginSentence()
	for _, w := range words {
		id, ok := s.m.Vocab.ID(w)
		if !ok {
			id = ngram.Unk
		}
		p, _ := s.m.Score(&st, id, &st)
		dst = append(dst, math.Pow(10, float64(p)))
	}
	p, _ := s.m.Score(&st, ngram.EOS, &st)
	return append(dst, math.Pow(10, float64(p))), nil
}

// Neural is a neural LM (package lm) as a mixture member. With Carry the
// recurrent state flows from one line to the next, as in lm's streaming
// evaluation; without it every line starts from a zero state.
type Neural struct {
	Model *lm.LM
	File  string
	Carry bool
}

// NewNeural wraps m, refusing models that cannot be mixed with word-level
// models: a tokenizer other than "space" or a backward LM.
func NewNeural(m *lm.LM, file string, carry bool) (*Neural, error) {
	if m.Cfg.Tokenizer != lm.TokSpace {
		return nil, fmt.Errorf("%s: tokenizer %q: only LMs with the %q tokenizer (whitespace-separated words, as n-gram models read text) can be mixed",
			file, m.Cfg.Tokenizer, lm.TokSpace)
	}
	if m.Cfg.Backward {
		return nil, fmt.Errorf("%s: a backward LM gives no left-to-right token probabilities to mix", file)
	}
	return &Neural{Model: m, File: file, Carry: carry}, nil
}

// Name implements LM.
func (n *Neural) Name() string { return n.File }

// Words implements LM: every token of the vocabulary but <pad> and <s>.
func (n *Neural) Words() []string {
	V := n.Model.VocabSize()
	out := make([]string, 0, V)
	for id := range int32(V) {
		if id != vocab.PadID && id != vocab.BOSID {
			out = append(out, n.Model.Token(id))
		}
	}
	return out
}

// NewScorer implements LM.
func (n *Neural) NewScorer() Scorer {
	s := &neuralScorer{m: n.Model, ts: n.Model.NewTokenScorer()}
	if n.Carry {
		s.st = n.Model.NewState(1)
	}
	return s
}

type neuralScorer struct {
	m   *lm.LM
	ts  *lm.TokenScorer
	st  *lm.State // nil: a zero state for every line
	lps []float64
}

var dropIDs = []int32{vocab.PadID, vocab.BOSID}

func (s *neuralScorer) Line(dst []float64, words []string) ([]float64, error) {
	ids := []int32{vocab.EOSID, vocab.EOSID} // an empty line: </s> alone
	if len(words) > 0 {
		ids = s.m.EncodeLines([]string{strings.Join(words, " ")}).IDs
	}
	if len(ids) != len(words)+2 {
		return dst, fmt.Errorf("%d words encoded as %d tokens", len(words), len(ids)-2)
	}
	var err error
	s.lps, err = s.ts.LogProbs(s.lps[:0], ids, s.st, dropIDs)
	if err != nil {
		return dst, err
	}
	for _, lp := range s.lps {
		dst = append(dst, math.Exp(lp))
	}
	return dst, nil
}

// Open loads a member from a file: a neural LM (kind "lm") or an n-gram
// model (ARPA text, possibly gzipped, or mulan's binary format). carry
// applies to neural LMs only.
func Open(path string, carry bool) (LM, error) {
	kind, err := containerKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "": // not a mulan container: ARPA text
	case lm.Kind:
		m, err := lm.Load(path)
		if err != nil {
			return nil, err
		}
		return NewNeural(m, path, carry)
	case ngram.BinaryKind:
	default:
		return nil, fmt.Errorf("%s: a %q file is no language model to mix (want an n-gram model or a neural LM)", path, kind)
	}
	m, err := ngram.Load(path)
	if err != nil {
		return nil, err
	}
	return &Ngram{Model: m, File: path}, nil
}

// containerKind returns the kind of a mulan model container, or "" when
// the file is something else.
func containerKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var head [8 + 2 + 256]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	b := head[:n]
	if len(b) < 10 || string(b[:8]) != modelfile.Magic {
		return "", nil
	}
	k := int(binary.LittleEndian.Uint16(b[8:10]))
	if 10+k > len(b) {
		return "", fmt.Errorf("%s: %w: kind of %d bytes", path, modelfile.ErrCorrupt, k)
	}
	return string(b[10 : 10+k]), nil
}
