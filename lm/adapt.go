package lm

import (
	"fmt"
	"math/rand"
	"slices"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/vocab"
)

// AdaptStats says how Adapt mapped the base vocabulary onto the new one.
type AdaptStats struct {
	// Specials is the number of special ids (<pad>, <unk>, <s>, </s>), whose
	// rows are kept.
	Specials int
	// Shared is the number of regular tokens in both vocabularies, whose
	// rows are copied from the base.
	Shared int
	// New is the number of tokens only in the new vocabulary, whose rows are
	// set to the mean of the base's rows.
	New int
	// Dropped is the number of base tokens not in the new vocabulary.
	Dropped int
	// Fixed reports that the vocabulary was kept as it is (no files, or a
	// subword tokenizer, whose vocabulary is the subword model's).
	Fixed bool
}

// Adapt returns a new LM for fine-tuning m on the text of files (stage 2 of
// ULMFiT, Howard & Ruder 2018): the same Config (architecture, sizes,
// tokenizer, direction, dropouts) and weights, but a vocabulary built from
// files with m's tokenizer and vo, as New builds one. The vocabulary-sized
// parameters (the embedding; for an untied LM also the output weights; the
// output bias) are remapped by token string: the rows of the special ids
// and of the tokens in both vocabularies are copied from m, the rows of new
// tokens set to the mean of all of m's rows (the mean embedding, the mean
// output row, the mean bias), as ULMFiT does. Every other parameter is
// copied as is.
//
// With no files, or for a subword tokenizer (whose vocabulary is the
// subword model's and cannot grow), Adapt returns an exact copy of m with
// its vocabulary unchanged and Stats.Fixed set. m is never modified.
func (m *LM) Adapt(files []string, vo vocab.Options) (*LM, AdaptStats, error) {
	V := m.Cfg.Vocab
	if len(files) == 0 || m.codec.sw != nil {
		n, err := m.rebuild(m.Cfg, m.codec, identityRows(V))
		if err != nil {
			return nil, AdaptStats{}, err
		}
		return n, AdaptStats{Specials: vocab.NumSpecial, Shared: V - vocab.NumSpecial, Fixed: true}, nil
	}
	c, err := buildCodec(m.Cfg.Tokenizer, files, vo)
	if err != nil {
		return nil, AdaptStats{}, err
	}
	src := make([]int32, c.size())
	st := AdaptStats{Specials: vocab.NumSpecial}
	for id := range src {
		switch {
		case id < vocab.NumSpecial:
			src[id] = int32(id)
		case m.codec.voc.Has(c.voc.Token(int32(id))):
			src[id] = m.codec.voc.ID(c.voc.Token(int32(id)))
			st.Shared++
		default:
			src[id] = -1
			st.New++
		}
	}
	st.Dropped = V - vocab.NumSpecial - st.Shared
	n, err := m.rebuild(m.Cfg, c, src)
	if err != nil {
		return nil, AdaptStats{}, err
	}
	return n, st, nil
}

func identityRows(V int) []int32 {
	src := make([]int32, V)
	for i := range src {
		src[i] = int32(i)
	}
	return src
}

// rebuild makes an LM for cfg and codec c whose weights are m's: the
// vocabulary-sized parameters take row src[i] of m's as their row i (the
// mean of m's rows where src[i] < 0), every other parameter is copied.
func (m *LM) rebuild(cfg Config, c *codec, src []int32) (*LM, error) {
	n, err := newLM(cfg, c, rand.New(newPCGSource(1)))
	if err != nil {
		return nil, err
	}
	if len(n.params) != len(m.params) {
		return nil, fmt.Errorf("lm: adapted model has %d parameters, base %d", len(n.params), len(m.params))
	}
	vocabSized := map[*nn.Param]bool{m.emb.W: true, m.outB: true}
	if m.outW != nil {
		vocabSized[m.outW] = true
	}
	for i, p := range m.params {
		q := n.params[i]
		if p.Name != q.Name {
			return nil, fmt.Errorf("lm: adapted parameter %d is %s, base %s", i, q.Name, p.Name)
		}
		if vocabSized[p] {
			remapRows(q.Data(), p.Data(), len(p.Data())/m.Cfg.Vocab, src)
			continue
		}
		if !slices.Equal(p.Shape(), q.Shape()) {
			return nil, fmt.Errorf("lm: adapted parameter %s is %v, base %v", p.Name, q.Shape(), p.Shape())
		}
		copy(q.Data(), p.Data())
	}
	return n, nil
}

// remapRows fills dst (rows of width w) with row src[i] of from for row i,
// or the mean of from's rows where src[i] < 0.
func remapRows(dst, from []float32, w int, src []int32) {
	rows := len(from) / w
	var mean []float32
	for i, s := range src {
		row := dst[i*w : (i+1)*w]
		if s >= 0 {
			copy(row, from[int(s)*w:(int(s)+1)*w])
			continue
		}
		if mean == nil {
			sum := make([]float64, w)
			for r := range rows {
				for j, v := range from[r*w : (r+1)*w] {
					sum[j] += float64(v)
				}
			}
			mean = make([]float32, w)
			for j := range mean {
				mean[j] = float32(sum[j] / float64(rows))
			}
		}
		copy(row, mean)
	}
}

// SetDropouts replaces m's dropout rates (the DropEmb, DropIn, DropHidden,
// DropOut and DropWeight fields of d; its other fields are ignored), for
// instance to fine-tune with other regularisation than pretraining used.
// It fails on a rate outside [0, 1) and then leaves m as it was.
func (m *LM) SetDropouts(d Config) error {
	for _, p := range []float32{d.DropEmb, d.DropIn, d.DropHidden, d.DropOut, d.DropWeight} {
		if p < 0 || p >= 1 {
			return fmt.Errorf("dropout %v outside [0, 1)", p)
		}
	}
	c := &m.Cfg
	c.DropEmb, c.DropIn, c.DropHidden, c.DropOut, c.DropWeight = d.DropEmb, d.DropIn, d.DropHidden, d.DropOut, d.DropWeight
	for _, b := range m.blocks {
		b.Dropout = d.DropOut
	}
	return nil
}
