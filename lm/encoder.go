package lm

import (
	"math/rand"

	"github.com/mulan-nlp/mulan/nn"
)

// Encoder is the body of a trained LM (embedding and recurrent layers, or
// Transformer blocks) without its output layer, for transfer learning: a
// classifier or tagger feeds token ids through it and reads the hidden
// state of every token. It shares its parameters with the LM, so training
// through it fine-tunes the LM.
type Encoder struct{ m *LM }

// Encoder returns the encoder view of m.
func (m *LM) Encoder() *Encoder { return &Encoder{m} }

// LM returns the language model the encoder belongs to.
func (e *Encoder) LM() *LM { return e.m }

// Backward reports whether the LM reads text from its end; Encode already
// returns the ids of a backward LM's text in reversed order.
func (e *Encoder) Backward() bool { return e.m.Cfg.Backward }

// Dim is the width of the top layer's states (what Forward's last output
// holds per token).
func (e *Encoder) Dim() int { return e.m.TopDim() }

// VocabSize is the number of token ids.
func (e *Encoder) VocabSize() int { return e.m.Cfg.Vocab }

// Encode tokenizes one text with the LM's tokenizer and vocabulary and
// returns its ids in the LM's reading order (reversed for a backward LM),
// without line markers.
func (e *Encoder) Encode(text string) []int32 {
	var buf []string
	ids := e.m.codec.appendLine(nil, text, &buf)
	if e.m.Cfg.Backward {
		reverse(ids)
	}
	return ids
}

// Forward runs the encoder over ids laid out as [B, T] (row-major, rows in
// reading order) from a zero state and returns the output states of every
// layer, bottom first: [B, T, H_l] per recurrent layer, or one [B, T, D]
// (after the final LayerNorm) for a Transformer. The last element is the
// top layer, of width Dim. With padded rows, states beyond a row's length
// are not meaningful (use nn's pooling with lengths); the recurrent layers
// are causal, so states within a row's length do not depend on padding.
// For a backward LM, reverse each row over its valid steps first (as Encode
// does for single texts). For a Transformer T must not exceed Cfg.Context.
// When tp.Training is set the LM's dropouts apply;
// rng draws the embedding-dropout mask (nil: none).
func (e *Encoder) Forward(tp *nn.Tape, ids []int32, B, T int, rng *rand.Rand) []*nn.Var {
	var st *State
	if e.m.Cfg.Arch != ArchTransformer {
		st = e.m.NewState(B)
	}
	return e.m.layers(tp, ids, B, T, st, rng)
}

// LayerGroups returns the encoder's parameters grouped bottom-up for
// discriminative learning rates and gradual unfreezing: the embedding (and
// positions), then one group per recurrent layer or Transformer block (the
// final LayerNorm joins the top block). The decoder is not included.
func (e *Encoder) LayerGroups() [][]*nn.Param {
	m := e.m
	g := [][]*nn.Param{{m.emb.W}}
	if m.pos != nil {
		g[0] = append(g[0], m.pos.W)
	}
	for _, r := range m.rnns {
		g = append(g, r.Params())
	}
	for _, b := range m.blocks {
		g = append(g, b.Params())
	}
	if m.lnf != nil {
		g[len(g)-1] = append(g[len(g)-1], m.lnf.Params()...)
	}
	return g
}
