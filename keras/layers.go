package keras

import (
	"fmt"
	"math/rand"

	"github.com/mulan-nlp/mulan/nn"
)

// Layer is one stage of a Sequential model. Layers are created by the
// functions of this package (Embedding, SimpleRNN, Dense, ...) and get their
// weights when the model is compiled, once the input shape is known.
type Layer interface {
	// Kind is the layer's type name as in Keras ("SimpleRNN", "Dense", ...).
	Kind() string
	// Name is the unique name given at build time ("simple_rnn_1"); the
	// layer's weights are named Name()+".weight" and so on.
	Name() string

	build(in shape, name string, rng *rand.Rand) (shape, error)
	forward(tp *nn.Tape, f flow) flow
	params() []*nn.Param
	config() layerConfig
}

// shape is the per-example shape flowing between layers: token ids [T],
// a sequence [T, dim] or a vector [dim]. T is the (variable) sequence length.
type shape struct {
	ids, seq bool
	dim      int
}

func (s shape) String() string {
	switch {
	case s.ids:
		return "[T] token ids"
	case s.seq:
		return fmt.Sprintf("[T, %d]", s.dim)
	}
	return fmt.Sprintf("[%d]", s.dim)
}

// flow is a batch in flight: token ids before the Embedding, activations
// after it, with per-row valid lengths (nil: every step is valid).
type flow struct {
	ids     []int32
	B, T    int
	v       *nn.Var
	lengths []int
}

// layerConfig is a layer's description in the model's config.json.
type layerConfig struct {
	Type            string  `json:"type"`
	Name            string  `json:"name"`
	Units           int     `json:"units,omitempty"`
	Vocab           int     `json:"vocab,omitempty"`
	MaskZero        bool    `json:"mask_zero,omitempty"`
	ReturnSequences bool    `json:"return_sequences,omitempty"`
	Bidirectional   bool    `json:"bidirectional,omitempty"`
	Activation      string  `json:"activation,omitempty"`
	Rate            float64 `json:"rate,omitempty"`
}

// layerFromConfig rebuilds an unbuilt layer from its description.
func layerFromConfig(c layerConfig) (Layer, error) {
	switch c.Type {
	case "Embedding":
		var opts []EmbeddingOption
		if c.MaskZero {
			opts = append(opts, MaskZero())
		}
		return Embedding(c.Vocab, c.Units, opts...), nil
	case "SimpleRNN", "LSTM", "GRU":
		var opts []RNNOption
		if c.ReturnSequences {
			opts = append(opts, ReturnSequences())
		}
		if c.Bidirectional {
			opts = append(opts, Bidirectional())
		}
		kind := map[string]nn.CellKind{"SimpleRNN": nn.Elman, "LSTM": nn.LSTM, "GRU": nn.GRU}[c.Type]
		return newRNN(kind, c.Units, opts), nil
	case "Dense":
		act, err := parseActivation(c.Activation)
		if err != nil {
			return nil, err
		}
		return Dense(c.Units, act), nil
	case "Dropout":
		return Dropout(c.Rate), nil
	case "GlobalMaxPooling1D":
		return GlobalMaxPool(), nil
	case "GlobalAveragePooling1D":
		return GlobalAvgPool(), nil
	case "LayerNormalization":
		return LayerNorm(), nil
	}
	return nil, fmt.Errorf("unknown layer type %q", c.Type)
}

// ---------------------------------------------------------------- Embedding

// EmbeddingOption configures Embedding.
type EmbeddingOption func(*embeddingLayer)

// MaskZero reserves id 0 for padding, as Keras's mask_zero=True: its vector
// is zero and untrained, and padding steps are removed before the recurrent
// and pooling layers see the batch, so they neither update states nor enter
// pools (with pre- or post-padding alike).
func MaskZero() EmbeddingOption { return func(e *embeddingLayer) { e.maskZero = true } }

type embeddingLayer struct {
	vocab, dim int
	maskZero   bool
	name       string
	e          *nn.Embedding
}

// Embedding maps token ids in [0, vocab) to learned vectors of size dim
// (initialised uniform in ±0.05, as Keras). It must be the model's first
// layer.
func Embedding(vocab, dim int, opts ...EmbeddingOption) Layer {
	l := &embeddingLayer{vocab: vocab, dim: dim}
	for _, o := range opts {
		o(l)
	}
	return l
}

func (l *embeddingLayer) Kind() string { return "Embedding" }
func (l *embeddingLayer) Name() string { return l.name }

func (l *embeddingLayer) build(in shape, name string, rng *rand.Rand) (shape, error) {
	if !in.ids {
		return shape{}, fmt.Errorf("must be the first layer (it reads token ids), but its input is %v", in)
	}
	if l.vocab < 1 || l.dim < 1 {
		return shape{}, fmt.Errorf("vocabulary %d and dimension %d must be positive", l.vocab, l.dim)
	}
	pad := -1
	if l.maskZero {
		pad = 0
	}
	l.name = name
	l.e = nn.NewEmbedding(name, l.vocab, l.dim, pad, rng)
	initUniform(l.e.W, 0.05, rng)
	if pad == 0 {
		clear(l.e.W.Value.Data[:l.dim])
	}
	return shape{seq: true, dim: l.dim}, nil
}

func (l *embeddingLayer) forward(tp *nn.Tape, f flow) flow {
	f.v = l.e.Forward(tp, f.ids, f.B, f.T)
	return f
}

func (l *embeddingLayer) params() []*nn.Param { return l.e.Params() }
func (l *embeddingLayer) config() layerConfig {
	return layerConfig{Type: "Embedding", Name: l.name, Vocab: l.vocab, Units: l.dim, MaskZero: l.maskZero}
}

// ---------------------------------------------------------------- recurrent

// RNNOption configures SimpleRNN, LSTM and GRU.
type RNNOption func(*rnnOpts)

type rnnOpts struct {
	returnSeq, bidir bool
}

// ReturnSequences makes a recurrent layer output its state at every step
// ([T, units]) instead of only the last ([units]).
func ReturnSequences() RNNOption { return func(o *rnnOpts) { o.returnSeq = true } }

// Bidirectional runs the layer forwards and backwards and concatenates the
// two (output size 2·units), like Keras's Bidirectional wrapper; the last
// state is the forward direction's last valid step and the backward
// direction's first.
func Bidirectional() RNNOption { return func(o *rnnOpts) { o.bidir = true } }

type rnnLayer struct {
	kind  nn.CellKind
	units int
	opts  rnnOpts
	name  string
	r     *nn.RNN
	bi    *nn.Bidirectional
}

func newRNN(kind nn.CellKind, units int, opts []RNNOption) Layer {
	l := &rnnLayer{kind: kind, units: units}
	for _, o := range opts {
		o(&l.opts)
	}
	return l
}

// SimpleRNN is a fully connected (Elman) recurrent layer with tanh
// activation: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
func SimpleRNN(units int, opts ...RNNOption) Layer { return newRNN(nn.Elman, units, opts) }

// LSTM is a long short-term memory layer (PyTorch gate layout i, f, g, o).
func LSTM(units int, opts ...RNNOption) Layer { return newRNN(nn.LSTM, units, opts) }

// GRU is a gated recurrent unit layer (PyTorch gate layout r, z, n).
func GRU(units int, opts ...RNNOption) Layer { return newRNN(nn.GRU, units, opts) }

func (l *rnnLayer) Kind() string {
	return map[nn.CellKind]string{nn.Elman: "SimpleRNN", nn.LSTM: "LSTM", nn.GRU: "GRU"}[l.kind]
}
func (l *rnnLayer) Name() string { return l.name }

func (l *rnnLayer) build(in shape, name string, rng *rand.Rand) (shape, error) {
	if !in.seq {
		hint := ""
		if !in.ids {
			hint = " (did the recurrent layer before it miss ReturnSequences()?)"
		}
		return shape{}, fmt.Errorf("needs a sequence input [T, D], got %v%s", in, hint)
	}
	if l.units < 1 {
		return shape{}, fmt.Errorf("units %d must be positive", l.units)
	}
	l.name = name
	out := l.units
	if l.opts.bidir {
		l.bi = nn.NewBidirectional(name, l.kind, in.dim, l.units, rng)
		initRNN(l.bi.Fwd, rng)
		initRNN(l.bi.Bwd, rng)
		out *= 2
	} else {
		l.r = nn.NewRNN(name, l.kind, in.dim, l.units, rng)
		initRNN(l.r, rng)
	}
	return shape{seq: l.opts.returnSeq, dim: out}, nil
}

func (l *rnnLayer) forward(tp *nn.Tape, f flow) flow {
	var seq, last *nn.Var
	if l.bi != nil {
		seq, last = l.bi.Forward(tp, f.v, f.lengths)
	} else {
		var hT *nn.Var
		seq, hT, _ = l.r.Forward(tp, f.v, nil, nil)
		if !l.opts.returnSeq {
			if f.lengths != nil {
				last = tp.LastPool(seq, f.lengths)
			} else {
				last = hT
			}
		}
	}
	if l.opts.returnSeq {
		f.v = seq
	} else {
		f.v = last
	}
	return f
}

func (l *rnnLayer) params() []*nn.Param {
	if l.bi != nil {
		return l.bi.Params()
	}
	return l.r.Params()
}

func (l *rnnLayer) config() layerConfig {
	return layerConfig{Type: l.Kind(), Name: l.name, Units: l.units, ReturnSequences: l.opts.returnSeq, Bidirectional: l.opts.bidir}
}

// ---------------------------------------------------------------- Dense

// Activation is a Dense layer's output function.
type Activation int

// Activations.
const (
	Linear Activation = iota
	ReLU
	Tanh
	Sigmoid
	Softmax
)

var activationNames = []string{"linear", "relu", "tanh", "sigmoid", "softmax"}

func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

func parseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q", s)
}

func applyActivation(tp *nn.Tape, v *nn.Var, a Activation) *nn.Var {
	switch a {
	case ReLU:
		return tp.ReLU(v)
	case Tanh:
		return tp.Tanh(v)
	case Sigmoid:
		return tp.Sigmoid(v)
	case Softmax:
		return tp.Softmax(v)
	}
	return v
}

type denseLayer struct {
	units int
	act   Activation
	name  string
	d     *nn.Dense
	// logits is set on the output layer when the loss is computed from its
	// pre-activation (sigmoid / softmax fused into the loss).
	logits bool
}

// Dense is a fully connected layer with an optional activation (Linear by
// default), applied to the last axis (to every step of a sequence).
func Dense(units int, act ...Activation) Layer {
	l := &denseLayer{units: units}
	if len(act) > 0 {
		l.act = act[0]
	}
	return l
}

func (l *denseLayer) Kind() string { return "Dense" }
func (l *denseLayer) Name() string { return l.name }

func (l *denseLayer) build(in shape, name string, rng *rand.Rand) (shape, error) {
	if in.ids {
		return shape{}, fmt.Errorf("cannot read token ids; start the model with an Embedding")
	}
	if l.units < 1 {
		return shape{}, fmt.Errorf("units %d must be positive", l.units)
	}
	if l.act < Linear || l.act > Softmax {
		return shape{}, fmt.Errorf("unknown activation %v", l.act)
	}
	l.name = name
	l.d = nn.NewDense(name, in.dim, l.units, true, rng)
	initGlorot(l.d.W, rng)
	zero(l.d.B)
	return shape{seq: in.seq, dim: l.units}, nil
}

func (l *denseLayer) forward(tp *nn.Tape, f flow) flow {
	f.v = l.d.Forward(tp, f.v)
	if !l.logits {
		f.v = applyActivation(tp, f.v, l.act)
	}
	return f
}

func (l *denseLayer) params() []*nn.Param { return l.d.Params() }
func (l *denseLayer) config() layerConfig {
	return layerConfig{Type: "Dense", Name: l.name, Units: l.units, Activation: l.act.String()}
}

// ---------------------------------------------------------------- Dropout

type dropoutLayer struct {
	rate float64
	name string
}

// Dropout zeroes a fraction rate of its inputs during training (scaling the
// rest by 1/(1-rate)) and is the identity otherwise.
func Dropout(rate float64) Layer { return &dropoutLayer{rate: rate} }

func (l *dropoutLayer) Kind() string { return "Dropout" }
func (l *dropoutLayer) Name() string { return l.name }
func (l *dropoutLayer) build(in shape, name string, _ *rand.Rand) (shape, error) {
	if in.ids {
		return shape{}, fmt.Errorf("cannot read token ids; start the model with an Embedding")
	}
	if !(l.rate >= 0 && l.rate < 1) {
		return shape{}, fmt.Errorf("rate %v outside [0, 1)", l.rate)
	}
	l.name = name
	return in, nil
}
func (l *dropoutLayer) forward(tp *nn.Tape, f flow) flow {
	if l.rate > 0 {
		f.v = tp.Dropout(f.v, float32(l.rate))
	}
	return f
}
func (l *dropoutLayer) params() []*nn.Param { return nil }
func (l *dropoutLayer) config() layerConfig {
	return layerConfig{Type: "Dropout", Name: l.name, Rate: l.rate}
}

// ---------------------------------------------------------------- pooling

type poolLayer struct {
	max  bool
	name string
}

// GlobalMaxPool takes the maximum of a sequence over its valid steps:
// [T, D] → [D] (Keras's GlobalMaxPooling1D).
func GlobalMaxPool() Layer { return &poolLayer{max: true} }

// GlobalAvgPool averages a sequence over its valid steps: [T, D] → [D]
// (Keras's GlobalAveragePooling1D).
func GlobalAvgPool() Layer { return &poolLayer{} }

func (l *poolLayer) Kind() string {
	if l.max {
		return "GlobalMaxPooling1D"
	}
	return "GlobalAveragePooling1D"
}
func (l *poolLayer) Name() string { return l.name }
func (l *poolLayer) build(in shape, name string, _ *rand.Rand) (shape, error) {
	if !in.seq {
		return shape{}, fmt.Errorf("needs a sequence input [T, D], got %v", in)
	}
	l.name = name
	return shape{dim: in.dim}, nil
}
func (l *poolLayer) forward(tp *nn.Tape, f flow) flow {
	if l.max {
		f.v = tp.MaxPool(f.v, f.lengths)
	} else {
		f.v = tp.MeanPool(f.v, f.lengths)
	}
	return f
}
func (l *poolLayer) params() []*nn.Param { return nil }
func (l *poolLayer) config() layerConfig { return layerConfig{Type: l.Kind(), Name: l.name} }

// ---------------------------------------------------------------- LayerNorm

type layerNormLayer struct {
	name string
	ln   *nn.LayerNorm
}

// LayerNorm normalises the last axis to zero mean and unit variance with a
// learned scale and shift (eps 1e-5).
func LayerNorm() Layer { return &layerNormLayer{} }

func (l *layerNormLayer) Kind() string { return "LayerNormalization" }
func (l *layerNormLayer) Name() string { return l.name }
func (l *layerNormLayer) build(in shape, name string, _ *rand.Rand) (shape, error) {
	if in.ids {
		return shape{}, fmt.Errorf("cannot read token ids; start the model with an Embedding")
	}
	l.name = name
	l.ln = nn.NewLayerNorm(name, in.dim)
	return in, nil
}
func (l *layerNormLayer) forward(tp *nn.Tape, f flow) flow {
	f.v = l.ln.Forward(tp, f.v)
	return f
}
func (l *layerNormLayer) params() []*nn.Param { return l.ln.Params() }
func (l *layerNormLayer) config() layerConfig {
	return layerConfig{Type: "LayerNormalization", Name: l.name}
}

// snakeName is the Keras-style base name of a layer kind.
func snakeName(kind string) string {
	switch kind {
	case "SimpleRNN":
		return "simple_rnn"
	case "LSTM":
		return "lstm"
	case "GRU":
		return "gru"
	case "GlobalMaxPooling1D":
		return "global_max_pooling1d"
	case "GlobalAveragePooling1D":
		return "global_average_pooling1d"
	case "LayerNormalization":
		return "layer_normalization"
	}
	b := []byte(kind)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
