package transfer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/vocab"
)

// Kind and Version identify classifier model files. Version 2 added the
// head's batch norms (HeadConfig.BatchNorm) with their running statistics;
// version 1 files (no batch norm) are still read.
const (
	Kind    = "lm-classifier"
	Version = 2
)

// HeadConfig sizes the classifier head.
type HeadConfig struct {
	Hidden int     `json:"hidden"` // width of the hidden dense layer (ULMFiT: 50)
	Drop1  float32 `json:"drop1"`  // dropout on the pooled features
	Drop2  float32 `json:"drop2"`  // dropout on the hidden layer
	// MaxLen caps the tokens read per text (the first MaxLen in the LM's
	// reading order); 0 means no cap. A Transformer is also capped at its
	// context.
	MaxLen int `json:"max_len"`
	// BatchNorm puts a batch norm (nn.BatchNorm) before each dropout, as
	// fastai's ULMFiT head does: pooled features → BN → dropout → dense →
	// ReLU → BN → dropout → dense. It normalises each pooled feature over
	// the batch, so a head on features that are mostly a constant offset
	// with a small spread across texts (as a pretrained LM's are) sees
	// the spread at unit scale. Training then needs batches of at least
	// two texts; prediction uses the running statistics.
	BatchNorm bool `json:"batch_norm"`
	// StartMarker feeds the line marker </s> before every text, so the
	// encoder reads a text from the state it had at the start of every line
	// in pretraining (where each line follows a </s>) rather than from a
	// state it never saw there. Files written before this field existed
	// read it as false and keep their behaviour.
	StartMarker bool `json:"start_marker,omitempty"`
}

// DefaultHead is ULMFiT's head without its batch norms: 50 hidden units,
// dropouts 0.4 and 0.1, texts capped at 400 tokens. The batch norms
// (BatchNorm) are off by default because they did not help on SST-2 with
// a pretrained encoder (500 labels, 3 seeds: dev 0.588 with, 0.610 without);
// they do help when the pooled features are a large constant offset with a
// small spread (see TestBatchNormHeadLearnsOffsetFeatures).
func DefaultHead() HeadConfig {
	return HeadConfig{Hidden: 50, Drop1: 0.4, Drop2: 0.1, MaxLen: 400}
}

// Classifier is an LM encoder with a pooling classifier head.
type Classifier struct {
	Head   HeadConfig
	labels []string
	model  *lm.LM
	enc    *lm.Encoder
	bn1    *nn.BatchNorm // nil without HeadConfig.BatchNorm
	fc1    *nn.Dense
	bn2    *nn.BatchNorm
	fc2    *nn.Dense
	infer  *nn.Tape // reused by Probs
}

// New returns a classifier over labels whose encoder is base's (shared, so
// training changes base) and whose head is drawn from rng.
func New(base *lm.LM, labels []string, head HeadConfig, rng *rand.Rand) (*Classifier, error) {
	if len(labels) < 2 {
		return nil, fmt.Errorf("transfer: need at least 2 labels, got %d", len(labels))
	}
	if head.Hidden <= 0 {
		return nil, fmt.Errorf("transfer: head width must be positive (got %d)", head.Hidden)
	}
	for _, p := range []float32{head.Drop1, head.Drop2} {
		if p < 0 || p >= 1 {
			return nil, fmt.Errorf("transfer: dropout %v outside [0, 1)", p)
		}
	}
	if head.MaxLen < 0 {
		return nil, fmt.Errorf("transfer: negative maximum length %d", head.MaxLen)
	}
	enc := base.Encoder()
	c := &Classifier{Head: head, labels: append([]string(nil), labels...), model: base, enc: enc}
	if head.BatchNorm {
		c.bn1 = nn.NewBatchNorm("head.bn1", 3*enc.Dim())
		c.bn2 = nn.NewBatchNorm("head.bn2", head.Hidden)
		c.bn1.Warmup, c.bn2.Warmup = true, true
	}
	c.fc1 = nn.NewDense("head.fc1", 3*enc.Dim(), head.Hidden, true, rng)
	c.fc2 = nn.NewDense("head.fc2", head.Hidden, len(labels), true, rng)
	return c, nil
}

// Labels returns the class labels in id order.
func (c *Classifier) Labels() []string { return c.labels }

// LM returns the language model whose encoder the classifier uses.
func (c *Classifier) LM() *lm.LM { return c.model }

// HeadParams returns the head's trainable parameters in network order
// (with batch norm: bn1, fc1, bn2, fc2).
func (c *Classifier) HeadParams() []*nn.Param {
	if c.bn1 == nil {
		return nn.CollectParams(c.fc1, c.fc2)
	}
	return nn.CollectParams(c.bn1, c.fc1, c.bn2, c.fc2)
}

// HeadBuffers returns the head's non-trainable state, saved with the model:
// the batch norms' running means and variances (none without batch norm).
func (c *Classifier) HeadBuffers() []*nn.Param {
	if c.bn1 == nil {
		return nil
	}
	return append(c.bn1.Buffers(), c.bn2.Buffers()...)
}

// Groups returns the parameter groups bottom up: the encoder's layer groups
// (named "embedding", "layer1", ...) and then "head". LRMult is 1 and nothing
// is frozen; Train sets both.
func (c *Classifier) Groups() []*optim.Group {
	var gs []*optim.Group
	for i, ps := range c.enc.LayerGroups() {
		name := "embedding"
		if i > 0 {
			name = fmt.Sprintf("layer%d", i)
		}
		gs = append(gs, optim.NewGroup(name, ps))
	}
	return append(gs, optim.NewGroup("head", c.HeadParams()))
}

// maxLen is the token cap for one text.
func (c *Classifier) maxLen() int {
	n := c.Head.MaxLen
	if c.model.Cfg.Arch == lm.ArchTransformer && (n == 0 || n > c.model.Cfg.Context) {
		n = c.model.Cfg.Context
	}
	return n
}

// encode returns the ids of text, capped, and never empty (an empty text
// reads as the single id 0).
func (c *Classifier) encode(text string) []int32 {
	ids := c.enc.Encode(text)
	if c.Head.StartMarker {
		ids = append([]int32{vocab.EOSID}, ids...)
	}
	if n := c.maxLen(); n > 0 && len(ids) > n {
		ids = ids[:n]
	}
	if len(ids) == 0 {
		ids = []int32{0}
	}
	return ids
}

// batch lays texts out as padded [B, T] ids with their lengths.
func batch(seqs [][]int32) (ids []int32, lens []int, T int) {
	for _, s := range seqs {
		T = max(T, len(s))
	}
	ids = make([]int32, len(seqs)*T)
	lens = make([]int, len(seqs))
	for b, s := range seqs {
		copy(ids[b*T:], s)
		lens[b] = len(s)
	}
	return ids, lens, T
}

// logits runs the network on a padded batch → [B, classes]. In training
// mode (tp.Training) the batch norms use and update batch statistics, which
// needs at least two texts; otherwise they use the running statistics.
func (c *Classifier) logits(tp *nn.Tape, seqs [][]int32, rng *rand.Rand) *nn.Var {
	ids, lens, T := batch(seqs)
	outs := c.enc.Forward(tp, ids, len(seqs), T, rng)
	x := tp.ConcatPool(outs[len(outs)-1], lens)
	if c.bn1 != nil {
		x = c.bn1.Forward(tp, x)
	}
	x = tp.Dropout(x, c.Head.Drop1)
	x = tp.ReLU(c.fc1.Forward(tp, x))
	if c.bn2 != nil {
		x = c.bn2.Forward(tp, x)
	}
	x = tp.Dropout(x, c.Head.Drop2)
	return c.fc2.Forward(tp, x)
}

// softmaxRow writes the softmax of row into dst (float64).
func softmaxRow(dst []float64, row []float32) {
	m := math.Inf(-1)
	for _, v := range row {
		m = max(m, float64(v))
	}
	s := 0.0
	for i, v := range row {
		dst[i] = math.Exp(float64(v) - m)
		s += dst[i]
	}
	for i := range dst {
		dst[i] /= s
	}
}

// Probs returns the probability of each label for text (in Labels order),
// reusing dst when it has room. Not safe for concurrent use.
func (c *Classifier) Probs(dst []float64, text string) []float64 {
	if c.infer == nil {
		c.infer = nn.NewTape(nil)
		c.infer.Training, c.infer.NoGrad = false, true
	}
	tp := c.infer
	tp.Reset()
	out := c.logits(tp, [][]int32{c.encode(text)}, nil)
	dst = append(dst[:0], make([]float64, len(c.labels))...)
	softmaxRow(dst, out.Data())
	return dst
}

// PredictBatch returns the most probable label id of each text, evaluating
// them in length-sorted batches of size batchSize.
func (c *Classifier) PredictBatch(texts []string, batchSize int) []int {
	seqs := make([][]int32, len(texts))
	for i, t := range texts {
		seqs[i] = c.encode(t)
	}
	pred := make([]int, len(texts))
	c.eachRow(seqs, batchSize, func(i int, row []float32) { pred[i] = argmaxRow(row) })
	return pred
}

// eachRow runs the classifier in inference mode over seqs in length-sorted
// batches of batchSize (at least 1) and calls f with each sequence's index
// and its row of logits (valid only during the call).
func (c *Classifier) eachRow(seqs [][]int32, batchSize int, f func(i int, row []float32)) {
	batchSize = max(batchSize, 1)
	order := sortedByLen(seqs)
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	C := len(c.labels)
	bs := make([][]int32, 0, batchSize)
	for lo := 0; lo < len(order); lo += batchSize {
		hi := min(lo+batchSize, len(order))
		bs = bs[:0]
		for _, i := range order[lo:hi] {
			bs = append(bs, seqs[i])
		}
		tp.Reset()
		d := c.logits(tp, bs, nil).Data()
		for k, i := range order[lo:hi] {
			f(i, d[k*C:(k+1)*C])
		}
	}
}

// fileHeader is the JSON part of a classifier file.
type fileHeader struct {
	Labels []string   `json:"labels"`
	Head   HeadConfig `json:"head"`
	// Params names the stored head tensors with their shapes, in file
	// order: the trainable parameters, then (version 2) the buffers.
	Params []string `json:"params"`
}

// headTensors are the head tensors stored in the file, in file order.
func (c *Classifier) headTensors() []*nn.Param {
	return append(c.HeadParams(), c.HeadBuffers()...)
}

// WriteTo writes the classifier as a framed file of kind Kind: a
// length-prefixed JSON header, the length-prefixed lm file of the encoder's
// LM, then the head's parameters and buffers (HeadParams, HeadBuffers) as
// little-endian float32.
func (c *Classifier) WriteTo(w io.Writer) (int64, error) {
	h := fileHeader{Labels: c.labels, Head: c.Head}
	for _, p := range c.headTensors() {
		h.Params = append(h.Params, fmt.Sprintf("%s%v", p.Name, p.Shape()))
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return 0, err
	}
	var lmb bytes.Buffer
	if _, err := c.model.WriteTo(&lmb); err != nil {
		return 0, err
	}
	p := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	p = append(p, hj...)
	p = binary.LittleEndian.AppendUint64(p, uint64(lmb.Len()))
	p = append(p, lmb.Bytes()...)
	for _, pr := range c.headTensors() {
		for _, v := range pr.Data() {
			p = binary.LittleEndian.AppendUint32(p, math.Float32bits(v))
		}
	}
	return modelfile.WriteTo(w, modelfile.Header{Kind: Kind, Version: Version}, p)
}

// Save writes the classifier to path atomically.
func (c *Classifier) Save(path string) error {
	return modelfile.Save(path, c)
}

// Load reads a classifier written by Save.
func Load(path string) (*Classifier, error) {
	h, p, err := modelfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, h, p)
}

// Decode builds a classifier from a decoded model file's header and
// payload; name is used in errors.
func Decode(name string, h modelfile.Header, p []byte) (*Classifier, error) {
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, err
	}
	corrupt := func(what string) error {
		return fmt.Errorf("%s: %s: %w", name, what, modelfile.ErrCorrupt)
	}
	chunk := func(what string) ([]byte, error) {
		if len(p) < 8 {
			return nil, corrupt(what + " truncated")
		}
		n := binary.LittleEndian.Uint64(p)
		p = p[8:]
		if n > uint64(len(p)) {
			return nil, corrupt(what + " truncated")
		}
		b := p[:n]
		p = p[n:]
		return b, nil
	}
	hj, err := chunk("header")
	if err != nil {
		return nil, err
	}
	var fh fileHeader
	if err := json.Unmarshal(hj, &fh); err != nil {
		return nil, corrupt("header: " + err.Error())
	}
	if h.Version < 2 && fh.Head.BatchNorm {
		return nil, corrupt("version 1 file with a batch-norm head")
	}
	lmb, err := chunk("language model")
	if err != nil {
		return nil, err
	}
	base, err := lm.Parse(name+" (language model)", lmb)
	if err != nil {
		return nil, err
	}
	c, err := New(base, fh.Labels, fh.Head, rand.New(rand.NewSource(1)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ps := c.headTensors()
	if len(fh.Params) != len(ps) {
		return nil, corrupt(fmt.Sprintf("%d head parameters stored, want %d", len(fh.Params), len(ps)))
	}
	for i, pr := range ps {
		if want := fmt.Sprintf("%s%v", pr.Name, pr.Shape()); fh.Params[i] != want {
			return nil, corrupt(fmt.Sprintf("head parameter %d is %s, want %s", i, fh.Params[i], want))
		}
		d := pr.Data()
		if len(p) < 4*len(d) {
			return nil, corrupt("head weights truncated at " + pr.Name)
		}
		for j := range d {
			d[j] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*j:]))
		}
		p = p[4*len(d):]
	}
	if len(p) != 0 {
		return nil, corrupt(fmt.Sprintf("%d bytes left over", len(p)))
	}
	return c, nil
}
