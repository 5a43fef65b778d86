package lm

import (
	"fmt"
	"math/rand"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tensor"
	"github.com/mulan-nlp/mulan/vocab"
)

// Architectures.
const (
	ArchRNN         = "rnn"
	ArchLSTM        = "lstm"
	ArchTransformer = "transformer"
)

// Config describes a language model's architecture and regularisation. The
// dropout names follow AWD-LSTM (Merity et al. 2018): DropEmb drops whole
// word types from the embedding (dropoute), DropIn is locked dropout on the
// embedded input (dropouti), DropHidden locked dropout between recurrent
// layers (dropouth), DropOut locked dropout on the top layer's output
// (dropout), DropWeight DropConnect on the hidden-to-hidden weights (wdrop).
// For the Transformer, DropOut is the residual dropout of every block and
// DropIn the dropout on embeddings plus positions.
type Config struct {
	Arch    string `json:"arch"`
	Emb     int    `json:"emb"`    // embedding width (d_model for the Transformer)
	Hidden  int    `json:"hidden"` // recurrent width; Transformer MLP width
	Layers  int    `json:"layers"`
	Heads   int    `json:"heads,omitempty"`   // Transformer only
	Context int    `json:"context,omitempty"` // Transformer: positions (maximum window)
	// Tied shares the embedding with the output layer (Press & Wolf 2017).
	// For recurrent LMs the top layer then has Emb units.
	Tied bool `json:"tied"`

	DropEmb    float32 `json:"drop_emb"`
	DropIn     float32 `json:"drop_in"`
	DropHidden float32 `json:"drop_hidden"`
	DropOut    float32 `json:"drop_out"`
	DropWeight float32 `json:"drop_weight"`

	// Backward LMs read every line from its end to its start.
	Backward bool `json:"backward"`
	// Tokenizer is the tokenizer spec (space, word, zh-word, char, subword).
	Tokenizer string `json:"tokenizer"`
	// Vocab is the number of token ids (set from the tokenizer).
	Vocab int `json:"vocab"`
}

// DefaultConfig returns sensible defaults for an architecture: a 2x200 LSTM
// as Zaremba et al.'s small model with AWD-style dropouts, a 2x256 Elman RNN,
// and a 4-layer, 256-wide, 4-head Transformer with a 128-token context.
func DefaultConfig(arch string) (Config, error) {
	switch arch {
	case ArchLSTM:
		return Config{Arch: arch, Emb: 200, Hidden: 200, Layers: 2, Tied: true,
			DropEmb: 0.05, DropIn: 0.3, DropHidden: 0.2, DropOut: 0.3, DropWeight: 0.2}, nil
	case ArchRNN:
		return Config{Arch: arch, Emb: 256, Hidden: 256, Layers: 2, Tied: true,
			DropIn: 0.2, DropHidden: 0.2, DropOut: 0.2}, nil
	case ArchTransformer:
		return Config{Arch: arch, Emb: 256, Hidden: 1024, Layers: 4, Heads: 4, Context: 128, Tied: true,
			DropIn: 0.1, DropOut: 0.1}, nil
	}
	return Config{}, fmt.Errorf("unknown architecture %q (want rnn, lstm or transformer)", arch)
}

func (c *Config) validate() error {
	if c.Arch != ArchRNN && c.Arch != ArchLSTM && c.Arch != ArchTransformer {
		return fmt.Errorf("unknown architecture %q (want rnn, lstm or transformer)", c.Arch)
	}
	if c.Emb <= 0 || c.Hidden <= 0 || c.Layers <= 0 {
		return fmt.Errorf("emb, hidden and layers must be positive (got %d, %d, %d)", c.Emb, c.Hidden, c.Layers)
	}
	if c.Vocab <= vocab.NumSpecial {
		return fmt.Errorf("vocabulary of %d ids is too small", c.Vocab)
	}
	for _, p := range []float32{c.DropEmb, c.DropIn, c.DropHidden, c.DropOut, c.DropWeight} {
		if p < 0 || p >= 1 {
			return fmt.Errorf("dropout %v outside [0, 1)", p)
		}
	}
	if c.Arch == ArchTransformer {
		if c.Heads <= 0 || c.Emb%c.Heads != 0 {
			return fmt.Errorf("transformer width %d must be a multiple of heads %d", c.Emb, c.Heads)
		}
		if c.Context <= 0 {
			return fmt.Errorf("transformer context must be positive (got %d)", c.Context)
		}
		c.Tied = true // the output layer is always the embedding's transpose here
	}
	return nil
}

// LM is a neural language model with its tokenizer and vocabulary. Methods
// that compute (Train, Evaluate, Generate, Encoder) are not safe for
// concurrent use on one LM.
type LM struct {
	Cfg   Config
	codec *codec

	emb    *nn.Embedding
	rnns   []*nn.RNN
	pos    *nn.PositionalEmbedding
	blocks []*nn.TransformerBlock
	lnf    *nn.LayerNorm
	outW   *nn.Param // nil when tied
	outB   *nn.Param
	params []*nn.Param

	maskVal   []float32 // embedding dropout: per word type scale
	maskStamp []uint32  // step stamp of maskVal entries
	stamp     uint32
	mask      []float32
}

// newLM builds the network for cfg with codec, initialised from rng.
func newLM(cfg Config, c *codec, rng *rand.Rand) (*LM, error) {
	cfg.Vocab = c.size()
	cfg.Tokenizer = c.describe()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &LM{Cfg: cfg, codec: c}
	V, E := cfg.Vocab, cfg.Emb
	m.emb = nn.NewEmbedding("encoder.embedding", V, E, -1, rng)
	switch cfg.Arch {
	case ArchTransformer:
		nn.InitNormal(m.emb.W, 0.02, rng)
		m.pos = nn.NewPositionalEmbedding("encoder.positions", cfg.Context, E, rng)
		m.params = append(m.params, m.emb.W, m.pos.W)
		for l := 0; l < cfg.Layers; l++ {
			b := nn.NewTransformerBlock(fmt.Sprintf("encoder.block.%d", l), E, cfg.Heads, cfg.Hidden, true, cfg.DropOut, rng)
			m.blocks = append(m.blocks, b)
			m.params = append(m.params, b.Params()...)
		}
		m.lnf = nn.NewLayerNorm("encoder.ln_f", E)
		m.params = append(m.params, m.lnf.Params()...)
	default:
		nn.InitUniform(m.emb.W, 0.1, rng)
		m.params = append(m.params, m.emb.W)
		kind := nn.Elman
		if cfg.Arch == ArchLSTM {
			kind = nn.LSTM
		}
		in := E
		for l := 0; l < cfg.Layers; l++ {
			h := cfg.Hidden
			if l == cfg.Layers-1 && cfg.Tied {
				h = E
			}
			r := nn.NewRNN(fmt.Sprintf("encoder.rnn.%d", l), kind, in, h, rng)
			m.rnns = append(m.rnns, r)
			m.params = append(m.params, r.Params()...)
			in = h
		}
	}
	top := m.TopDim()
	if !cfg.Tied {
		m.outW = nn.NewParam("decoder.weight", V, top)
		nn.InitUniform(m.outW, 0.1, rng)
		m.params = append(m.params, m.outW)
	}
	m.outB = nn.NewParam("decoder.bias", V)
	m.params = append(m.params, m.outB)
	return m, nil
}

// TopDim is the width of the top layer's states.
func (m *LM) TopDim() int {
	if len(m.rnns) > 0 {
		return m.rnns[len(m.rnns)-1].Hidden
	}
	return m.Cfg.Emb
}

// Params lists every trainable parameter (embedding, layers, decoder).
func (m *LM) Params() []*nn.Param { return m.params }

// VocabSize is the number of token ids.
func (m *LM) VocabSize() int { return m.Cfg.Vocab }

// Token returns the display string of a token id.
func (m *LM) Token(id int32) string { return m.codec.token(id) }

// Decode renders ids (in reading order of the text) as text.
func (m *LM) Decode(ids []int32) string { return m.codec.decode(ids) }

// State is the carried recurrent state of a batch of B streams: per layer
// the hidden (and, for LSTMs, cell) state, [B, H]. Transformers carry none.
type State struct {
	B    int
	H, C []*tensor.Tensor
}

// NewState returns a zero state for B streams.
func (m *LM) NewState(B int) *State {
	s := &State{B: B}
	for _, r := range m.rnns {
		s.H = append(s.H, tensor.New(B, r.Hidden))
		if r.Kind == nn.LSTM {
			s.C = append(s.C, tensor.New(B, r.Hidden))
		} else {
			s.C = append(s.C, nil)
		}
	}
	return s
}

// Zero clears the state.
func (s *State) Zero() {
	for i := range s.H {
		clear(s.H[i].Data)
		if s.C[i] != nil {
			clear(s.C[i].Data)
		}
	}
}

// embedDropout scales the embedded tokens x [B, T, E] by a per-word-type
// mask (each type dropped with probability p, survivors scaled by 1/(1-p)).
func (m *LM) embedDropout(tp *nn.Tape, x *nn.Var, ids []int32, rng *rand.Rand) *nn.Var {
	p := m.Cfg.DropEmb
	if !tp.Training || p <= 0 || rng == nil {
		return x
	}
	if m.maskVal == nil {
		m.maskVal = make([]float32, m.Cfg.Vocab)
		m.maskStamp = make([]uint32, m.Cfg.Vocab)
	}
	m.stamp++
	if m.stamp == 0 { // wrapped: forget every stamp
		clear(m.maskStamp)
		m.stamp = 1
	}
	E := m.Cfg.Emb
	if cap(m.mask) < len(ids)*E {
		m.mask = make([]float32, len(ids)*E)
	}
	mask := m.mask[:len(ids)*E]
	scale := 1 / (1 - p)
	for i, id := range ids {
		if m.maskStamp[id] != m.stamp {
			m.maskStamp[id] = m.stamp
			if rng.Float32() < p {
				m.maskVal[id] = 0
			} else {
				m.maskVal[id] = scale
			}
		}
		v := m.maskVal[id]
		row := mask[i*E : (i+1)*E]
		for j := range row {
			row[j] = v
		}
	}
	return tp.Mul(x, tp.Input(mask, x.Shape()...))
}

// layers runs the embedding and the body over ids [B, T] and returns every
// layer's output states (before the output dropout): for recurrent LMs one
// [B, T, H_l] per layer, for Transformers the final-LayerNorm output only.
// st (recurrent LMs, may be nil for zeros) supplies the initial states and
// receives the final ones. rng draws the embedding-dropout mask (the tape's
// own source draws the other masks).
func (m *LM) layers(tp *nn.Tape, ids []int32, B, T int, st *State, rng *rand.Rand) []*nn.Var {
	x := m.emb.Forward(tp, ids, B, T)
	x = m.embedDropout(tp, x, ids, rng)
	cfg := &m.Cfg
	if cfg.Arch == ArchTransformer {
		x = tp.Dropout(m.pos.Forward(tp, x), cfg.DropIn)
		for _, b := range m.blocks {
			x = b.Forward(tp, x, nil)
		}
		return []*nn.Var{m.lnf.Forward(tp, x)}
	}
	x = tp.LockedDropout(x, cfg.DropIn)
	outs := make([]*nn.Var, 0, len(m.rnns))
	for l, r := range m.rnns {
		var h0, c0 *nn.Var
		if st != nil {
			h0 = tp.Const(st.H[l])
			if st.C[l] != nil {
				c0 = tp.Const(st.C[l])
			}
		}
		whh := &r.WHH.Var
		if tp.Training && cfg.DropWeight > 0 {
			whh = tp.Dropout(whh, cfg.DropWeight)
		}
		seq, hT, cT := tp.Recurrent(r.Kind, x, &r.WIH.Var, whh, &r.BIH.Var, &r.BHH.Var, h0, c0)
		if st != nil {
			copy(st.H[l].Data, hT.Data())
			if cT != nil {
				copy(st.C[l].Data, cT.Data())
			}
		}
		outs = append(outs, seq)
		if l < len(m.rnns)-1 {
			x = tp.LockedDropout(seq, cfg.DropHidden)
		}
	}
	return outs
}

// logits runs the whole model over ids [B, T] and returns [B, T, V].
func (m *LM) logits(tp *nn.Tape, ids []int32, B, T int, st *State, rng *rand.Rand) *nn.Var {
	outs := m.layers(tp, ids, B, T, st, rng)
	x := outs[len(outs)-1]
	if m.Cfg.Arch != ArchTransformer {
		x = tp.LockedDropout(x, m.Cfg.DropOut)
	}
	w := m.outW
	if w == nil {
		w = m.emb.W
	}
	return tp.Linear(x, &w.Var, &m.outB.Var)
}
