package keras

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"text/tabwriter"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/tensor"
)

// Loss is a training objective.
type Loss int

// Losses. Both are computed from the output layer's pre-activation (fused
// with the final sigmoid or softmax, numerically stable), so the output layer
// must be Dense(1, Sigmoid) or Dense(1) (logits) for BinaryCrossentropy, and
// Dense(C, Softmax) or Dense(C) (logits) with C ≥ 2 for
// SparseCategoricalCrossentropy.
const (
	// BinaryCrossentropy takes targets 0 or 1 (any value in [0, 1]).
	BinaryCrossentropy Loss = iota + 1
	// SparseCategoricalCrossentropy takes integer class ids 0..C-1.
	SparseCategoricalCrossentropy
)

func (l Loss) String() string {
	switch l {
	case BinaryCrossentropy:
		return "binary_crossentropy"
	case SparseCategoricalCrossentropy:
		return "sparse_categorical_crossentropy"
	}
	return fmt.Sprintf("Loss(%d)", int(l))
}

func parseLoss(s string) (Loss, error) {
	for _, l := range []Loss{BinaryCrossentropy, SparseCategoricalCrossentropy} {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("unknown loss %q", s)
}

// Metric is a quantity reported per epoch besides the loss.
type Metric int

// Accuracy is the fraction of correct predictions: probability ≥ 0.5 for
// binary cross-entropy, the arg-max class for sparse categorical.
const Accuracy Metric = 1

func (m Metric) String() string {
	if m == Accuracy {
		return "accuracy"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

func (Metric) applyCompile(c *compileConfig) error { c.accuracy = true; return nil }

// Optimizer makes the optimizer for a model's parameters at Compile time.
type Optimizer func(params []*nn.Param) (optim.Optimizer, error)

// Adam is torch.optim.Adam with learning rate lr and default betas and eps.
func Adam(lr float64) Optimizer {
	return func(ps []*nn.Param) (optim.Optimizer, error) {
		return optim.NewAdam(optim.OneGroup(ps), optim.DefaultAdam(lr))
	}
}

// AdamW is torch.optim.AdamW with learning rate lr and decoupled weight
// decay wd.
func AdamW(lr, wd float64) Optimizer {
	return func(ps []*nn.Param) (optim.Optimizer, error) {
		c := optim.DefaultAdam(lr)
		c.WeightDecay = wd
		return optim.NewAdamW(optim.OneGroup(ps), c)
	}
}

// SGD is stochastic gradient descent with learning rate lr and momentum.
func SGD(lr, momentum float64) Optimizer {
	return func(ps []*nn.Param) (optim.Optimizer, error) {
		return optim.NewSGD(optim.OneGroup(ps), optim.SGDConfig{LR: lr, Momentum: momentum})
	}
}

// CompileOption is a metric or a setting passed to Compile.
type CompileOption interface{ applyCompile(*compileConfig) error }

type compileConfig struct {
	accuracy bool
	seed     int64
	clipNorm float64
}

type compileFunc func(*compileConfig) error

func (f compileFunc) applyCompile(c *compileConfig) error { return f(c) }

// Seed sets the seed for weight initialisation, dropout and (unless Shuffle
// gives another) shuffling. The default is 1. The same seed gives
// bit-identical weights run to run.
func Seed(seed int64) CompileOption {
	return compileFunc(func(c *compileConfig) error { c.seed = seed; return nil })
}

// ClipNorm clips the global gradient norm to maxNorm before each update.
func ClipNorm(maxNorm float64) CompileOption {
	return compileFunc(func(c *compileConfig) error {
		if !(maxNorm > 0) {
			return fmt.Errorf("ClipNorm(%v): the norm must be positive", maxNorm)
		}
		c.clipNorm = maxNorm
		return nil
	})
}

// Model is a stack of layers trained as one (Keras's Sequential model).
// A Model is not safe for concurrent use.
type Model struct {
	layers []Layer
	built  bool
	in     shape
	out    shape
	vocab  int
	mask   bool
	ps     []*nn.Param

	loss     Loss
	outAct   Activation
	cfg      compileConfig
	optMaker Optimizer
	opt      optim.Optimizer

	dropRng     *rand.Rand
	train, eval *nn.Tape
	bat         batch
	fit         FitInfo

	// StopTraining, set by a callback, ends Fit after the current epoch.
	StopTraining bool
}

// Sequential returns an unbuilt model made of layers; Compile builds it.
func Sequential(layers ...Layer) *Model { return &Model{layers: layers} }

// Layers returns the model's layers.
func (m *Model) Layers() []Layer { return m.layers }

// Params returns the model's parameters in layer order (after Compile).
func (m *Model) Params() []*nn.Param { return m.ps }

// Optimizer returns the optimizer made at Compile (nil before, or after Load
// until Compile is called).
func (m *Model) Optimizer() optim.Optimizer { return m.opt }

// Compile builds the model (inferring every layer's shapes and initialising
// its weights from the seed) and sets its optimizer, loss and metrics. On an
// already built model (for example one returned by Load) it keeps the
// weights and only replaces the optimizer, loss and metrics.
func (m *Model) Compile(opt Optimizer, loss Loss, opts ...CompileOption) error {
	cfg := compileConfig{seed: 1}
	for _, o := range opts {
		if err := o.applyCompile(&cfg); err != nil {
			return fmt.Errorf("keras: Compile: %w", err)
		}
	}
	if !m.built {
		if err := m.build(cfg.seed); err != nil {
			return err
		}
	}
	if err := m.setLoss(loss); err != nil {
		return err
	}
	m.cfg = cfg
	m.optMaker = opt
	m.opt = nil
	if opt != nil {
		o, err := opt(m.ps)
		if err != nil {
			return fmt.Errorf("keras: Compile: %w", err)
		}
		m.opt = o
	}
	m.dropRng = rand.New(rand.NewSource(cfg.seed + 1))
	m.train = nn.NewTape(m.dropRng)
	m.eval = nn.NewTape(nil)
	m.eval.Training, m.eval.NoGrad = false, true
	return nil
}

// build infers shapes layer by layer and creates the weights.
func (m *Model) build(seed int64) error {
	if len(m.layers) == 0 {
		return errors.New("keras: the model has no layers")
	}
	rng := rand.New(rand.NewSource(seed))
	counts := map[string]int{}
	s := shape{ids: true}
	m.ps = nil
	for i, l := range m.layers {
		if l == nil {
			return fmt.Errorf("keras: layer %d is nil", i+1)
		}
		base := snakeName(l.Kind())
		name := base
		if k := counts[base]; k > 0 {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		counts[base]++
		out, err := l.build(s, name, rng)
		if err != nil {
			return fmt.Errorf("keras: layer %d (%s): %w", i+1, l.Kind(), err)
		}
		m.ps = append(m.ps, l.params()...)
		s = out
	}
	if s.seq {
		return fmt.Errorf("keras: the model's output is a sequence %v; end it with a recurrent layer without ReturnSequences() or a pooling layer", s)
	}
	e := m.layers[0].(*embeddingLayer)
	m.vocab, m.mask = e.vocab, e.maskZero
	m.in, m.out, m.built = shape{ids: true}, s, true
	return nil
}

// setLoss checks that the output layer suits the loss and fuses its
// activation into it.
func (m *Model) setLoss(loss Loss) error {
	last, ok := m.layers[len(m.layers)-1].(*denseLayer)
	if !ok {
		return fmt.Errorf("keras: Compile: %v needs a Dense output layer, the last layer is %s", loss, m.layers[len(m.layers)-1].Kind())
	}
	switch loss {
	case BinaryCrossentropy:
		if last.units != 1 || (last.act != Sigmoid && last.act != Linear) {
			return fmt.Errorf("keras: Compile: binary cross-entropy needs a Dense(1, Sigmoid) output (or Dense(1) logits), got Dense(%d, %v)", last.units, last.act)
		}
	case SparseCategoricalCrossentropy:
		if last.units < 2 || (last.act != Softmax && last.act != Linear) {
			return fmt.Errorf("keras: Compile: sparse categorical cross-entropy needs a Dense(C ≥ 2, Softmax) output (or Dense(C) logits), got Dense(%d, %v)", last.units, last.act)
		}
	default:
		return fmt.Errorf("keras: Compile: unknown loss %v", loss)
	}
	last.logits = true
	m.loss, m.outAct = loss, last.act
	return nil
}

// Summary writes a table of the layers, their output shapes and parameter
// counts.
func (m *Model) Summary(w io.Writer) error {
	if !m.built {
		return errors.New("keras: Summary: the model is not built; call Compile first")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Layer (type)\tOutput shape\tParams")
	total := 0
	s := shape{ids: true}
	for _, l := range m.layers {
		n := 0
		for _, p := range l.params() {
			n += len(p.Value.Data)
		}
		total += n
		s = outShape(l, s)
		fmt.Fprintf(tw, "%s (%s)\t%v\t%d\n", l.Name(), l.Kind(), s, n)
	}
	fmt.Fprintf(tw, "Total params: %d\t\t\n", total)
	return tw.Flush()
}

// outShape recomputes a built layer's output shape for Summary.
func outShape(l Layer, in shape) shape {
	switch l := l.(type) {
	case *embeddingLayer:
		return shape{seq: true, dim: l.dim}
	case *rnnLayer:
		d := l.units
		if l.opts.bidir {
			d *= 2
		}
		return shape{seq: l.opts.returnSeq, dim: d}
	case *denseLayer:
		return shape{seq: in.seq, dim: l.units}
	case *poolLayer:
		return shape{dim: in.dim}
	}
	return in
}

// ---------------------------------------------------------------- batches

// batch holds the reusable buffers of one mini-batch.
type batch struct {
	ids     []int32
	lengths []int
	yf      []float32
	yi      []int32
}

// validate checks inputs (and targets when y != nil) and returns the padded
// length T.
func (m *Model) validate(what string, x [][]int32, y []float32) (int, error) {
	if !m.built {
		return 0, fmt.Errorf("keras: %s: the model is not built; call Compile first", what)
	}
	if len(x) == 0 {
		return 0, fmt.Errorf("keras: %s: no examples", what)
	}
	T := len(x[0])
	if T == 0 {
		return 0, fmt.Errorf("keras: %s: example 0 is empty; pad sequences to a common length with PadSequences", what)
	}
	for i, row := range x {
		if len(row) != T {
			return 0, fmt.Errorf("keras: %s: example %d has length %d, example 0 has %d; pad sequences to a common length with PadSequences", what, i, len(row), T)
		}
		for j, id := range row {
			if id < 0 || int(id) >= m.vocab {
				return 0, fmt.Errorf("keras: %s: example %d position %d: token id %d outside the embedding's vocabulary [0, %d)", what, i, j, id, m.vocab)
			}
		}
	}
	if y == nil {
		return T, nil
	}
	if len(y) != len(x) {
		return 0, fmt.Errorf("keras: %s: %d inputs but %d targets", what, len(x), len(y))
	}
	for i, v := range y {
		switch m.loss {
		case BinaryCrossentropy:
			if !(v >= 0 && v <= 1) {
				return 0, fmt.Errorf("keras: %s: target %d is %v; binary cross-entropy needs values in [0, 1]", what, i, v)
			}
		case SparseCategoricalCrossentropy:
			if v != float32(math.Trunc(float64(v))) || v < 0 || int(v) >= m.out.dim {
				return 0, fmt.Errorf("keras: %s: target %d is %v; sparse categorical cross-entropy needs a class id in 0..%d", what, i, v, m.out.dim-1)
			}
		}
	}
	return T, nil
}

// fill loads the examples idx of x (and their targets) into the batch
// buffers. With MaskZero, padding ids are removed (each row's tokens are
// moved to the front, in order) and T shrinks to the longest row.
func (m *Model) fill(x [][]int32, y []float32, idx []int, T int) flow {
	B := len(idx)
	b := &m.bat
	if cap(b.ids) < B*T {
		b.ids = make([]int32, B*T)
	}
	ids := b.ids[:B*T]
	f := flow{B: B, T: T}
	if m.mask {
		if cap(b.lengths) < B {
			b.lengths = make([]int, B)
		}
		lens := b.lengths[:B]
		longest := 1
		for r, i := range idx {
			n := 0
			for _, id := range x[i] {
				if id != 0 {
					ids[r*T+n] = id
					n++
				}
			}
			if n == 0 {
				ids[r*T] = 0 // an all-padding row keeps one (zero) padding step
			}
			lens[r] = max(n, 1)
			longest = max(longest, n)
		}
		// Repack to stride longest (moving rows towards the front is safe).
		for r := range idx {
			dst := ids[r*longest : (r+1)*longest]
			copy(dst, ids[r*T:r*T+lens[r]])
			clear(dst[lens[r]:])
		}
		f.T, f.lengths, f.ids = longest, lens, ids[:B*longest]
	} else {
		for r, i := range idx {
			copy(ids[r*T:(r+1)*T], x[i])
		}
		f.ids = ids
	}
	if y != nil {
		if cap(b.yf) < B {
			b.yf, b.yi = make([]float32, B), make([]int32, B)
		}
		b.yf, b.yi = b.yf[:B], b.yi[:B]
		for r, i := range idx {
			b.yf[r], b.yi[r] = y[i], int32(y[i])
		}
	}
	return f
}

// forward runs the layers; the result is the output layer's pre-activation.
func (m *Model) forward(tp *nn.Tape, f flow) *nn.Var {
	for _, l := range m.layers {
		f = l.forward(tp, f)
	}
	return f.v
}

// lossOf records the loss of logits against the batch targets.
func (m *Model) lossOf(tp *nn.Tape, logits *nn.Var) *nn.Var {
	if m.loss == BinaryCrossentropy {
		return tp.BCEWithLogits(logits, m.bat.yf)
	}
	return tp.CrossEntropy(logits, m.bat.yi, -1, 0)
}

// correct counts the batch's correct predictions from the logits.
func (m *Model) correct(logits *nn.Var) int {
	n := 0
	d := logits.Data()
	if m.loss == BinaryCrossentropy {
		for r, v := range d {
			if (v > 0) == (m.bat.yf[r] >= 0.5) {
				n++
			}
		}
		return n
	}
	C := m.out.dim
	for r, y := range m.bat.yi {
		if tensor.Argmax(d[r*C:(r+1)*C]) == int(y) {
			n++
		}
	}
	return n
}

// Evaluate returns the loss (and accuracy, when compiled with it) of the
// model on x, y, computed in batches of batchSize (≤ 0: 256).
func (m *Model) Evaluate(x [][]int32, y []float32, batchSize int) (Logs, error) {
	if m.loss == 0 {
		return nil, errors.New("keras: Evaluate: the model has no loss; call Compile first")
	}
	T, err := m.validate("Evaluate", x, y)
	if err != nil {
		return nil, err
	}
	logs := Logs{}
	m.evaluate(x, y, T, batchSize, logs, "")
	return logs, nil
}

func (m *Model) evaluate(x [][]int32, y []float32, T, batchSize int, logs Logs, prefix string) {
	if batchSize <= 0 {
		batchSize = 256
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	var total float64
	right := 0
	tp := m.eval
	for s := 0; s < len(x); s += batchSize {
		part := idx[s:min(s+batchSize, len(x))]
		f := m.fill(x, y, part, T)
		tp.Reset()
		logits := m.forward(tp, f)
		total += float64(m.lossOf(tp, logits).Data()[0]) * float64(len(part))
		right += m.correct(logits)
	}
	tp.Reset()
	logs[prefix+"loss"] = total / float64(len(x))
	if m.cfg.accuracy {
		logs[prefix+"accuracy"] = float64(right) / float64(len(x))
	}
}

// Predict returns the model's outputs for x as an [N, out] tensor: sigmoid
// probabilities, softmax distributions, or the raw outputs of a linear
// output layer. batchSize ≤ 0 means 256.
func (m *Model) Predict(x [][]int32, batchSize int) (*tensor.Tensor, error) {
	T, err := m.validate("Predict", x, nil)
	if err != nil {
		return nil, err
	}
	if batchSize <= 0 {
		batchSize = 256
	}
	D := m.out.dim
	res := tensor.New(len(x), D)
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	tp := m.eval
	for s := 0; s < len(x); s += batchSize {
		part := idx[s:min(s+batchSize, len(x))]
		f := m.fill(x, nil, part, T)
		tp.Reset()
		out := m.forward(tp, f)
		if m.loss != 0 {
			out = applyActivation(tp, out, m.outAct)
		}
		copy(res.Data[s*D:], out.Data())
	}
	tp.Reset()
	return res, nil
}
