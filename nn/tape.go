package nn

import (
	"fmt"
	"math/rand"
	"runtime/debug"
	"slices"
	"sync"
	"unsafe"

	"github.com/mulan-nlp/mulan/tensor"
)

// Var is a value in the computation graph: a tensor and, when a gradient
// flows to it, a gradient tensor of the same shape.
//
// Activations are Vars created by Tape operations; their storage belongs to
// the tape's arena and is recycled by Tape.Reset. Parameters are Vars owned by
// a Param; their storage persists across steps.
type Var struct {
	Value *tensor.Tensor
	// Grad is nil when no gradient is needed for this Var.
	Grad *tensor.Tensor

	frozen    bool
	rows      *rowSet       // Param.TrackRows: the gradient rows written
	val, grd  tensor.Tensor // backing headers for pooled Vars
	shp, gshp []int         // owned shape storage for pooled Vars
}

// setShape points the pooled headers' shapes at owned storage.
func (v *Var) setShape(shape []int, grad bool) {
	v.shp = append(v.shp[:0], shape...)
	v.val.Shape = v.shp
	if grad {
		v.gshp = append(v.gshp[:0], shape...)
		v.grd.Shape = v.gshp
	}
}

// Shape is the shape of the Var's value.
func (v *Var) Shape() []int { return v.Value.Shape }

// Data is the value's flat storage.
func (v *Var) Data() []float32 { return v.Value.Data }

func (v *Var) needsGrad() bool { return v != nil && v.Grad != nil && !v.frozen }

// Param is a named, persistent trainable tensor. Its gradient accumulates over
// Backward calls until ZeroGrad.
type Param struct {
	Var
	// Name identifies the parameter in files and optimizer groups, e.g.
	// "lstm.0.w_ih".
	Name string
}

// NewParam returns a zero-initialised parameter with a gradient buffer.
func NewParam(name string, shape ...int) *Param {
	p := &Param{Name: name}
	p.Value = tensor.New(shape...)
	p.Grad = tensor.New(shape...)
	return p
}

// SetFrozen stops (true) or restarts (false) gradient flow into p. A frozen
// parameter's Grad is left untouched by Backward.
func (p *Param) SetFrozen(f bool) { p.frozen = f }

// Frozen reports whether p is frozen.
func (p *Param) Frozen() bool { return p.frozen }

// ZeroGrad sets the gradients of params to zero (ClearGrad).
func ZeroGrad(params []*Param) {
	for _, p := range params {
		p.ClearGrad()
	}
}

// rowSet is the set of rows of a tracked parameter's gradient that may be
// nonzero: the rows Embed wrote, or all of them (dense) once another op
// read the parameter (sticky: ClearGrad may run between a forward pass and
// its backward pass).
type rowSet struct {
	mark   []bool
	rows   []int32
	dense  bool
	sorted bool
	read   func(ids []int32) // OnRowRead
}

func (r *rowSet) add(id int32) {
	if !r.mark[id] {
		r.mark[id] = true
		r.rows = append(r.rows, id)
		r.sorted = false
	}
}

// TrackRows makes p, a table of shape [rows, d], record which rows of its
// gradient Backward writes: Embed records the rows of the ids it looked up;
// any other op that reads p (a tied output layer, say) turns the tracking off
// for good, every row counting as written. Optimizers then visit only
// those rows (GradRows): a step over a large embedding table, such as a
// Chinese tagger's 300k character bigrams, costs what the batch touched
// rather than the whole table. An optimizer may then apply the updates of
// the untouched rows lazily (optim.SGD with momentum), bringing rows up to
// date as Embed reads them (OnRowRead); call its Sync before reading p's
// values any other way during training.
func (p *Param) TrackRows() {
	if p.rows == nil && len(p.Value.Shape) == 2 {
		p.rows = &rowSet{mark: make([]bool, p.Value.Shape[0])}
	}
}

// OnRowRead sets a function that Embed calls with the ids it is about to
// look up in p (a table that tracks its rows), before it reads them: an
// optimizer that leaves some rows' updates pending applies them there.
func (p *Param) OnRowRead(f func(ids []int32)) {
	if p.rows != nil {
		p.rows.read = f
	}
}

// GradRows returns the rows of p's gradient written since the last ClearGrad,
// in ascending order (so that a sum over them adds in the order a sum over
// the whole gradient would), and true; it returns nil and false when p does
// not track rows or an op other than Embed read it (any row may be nonzero).
// The slice is p's own: do not modify it.
func (p *Param) GradRows() ([]int32, bool) {
	r := p.rows
	if r == nil || r.dense {
		return nil, false
	}
	if !r.sorted {
		slices.Sort(r.rows)
		r.sorted = true
	}
	return r.rows, true
}

// ClearGrad sets p's gradient to zero (only the written rows when p tracks
// them) and forgets the rows.
func (p *Param) ClearGrad() {
	if p.Grad == nil {
		return
	}
	r := p.rows
	if r == nil || r.dense {
		clear(p.Grad.Data)
	} else {
		d := p.Value.Shape[1]
		for _, id := range r.rows {
			clear(p.Grad.Data[int(id)*d : (int(id)+1)*d])
		}
	}
	if r != nil {
		for _, id := range r.rows {
			r.mark[id] = false
		}
		r.rows = r.rows[:0]
	}
}

// node is one recorded operation. Backward functions are plain functions (not
// closures) and all saved state lives in the node's fixed fields or in arena
// buffers, so recording an op allocates nothing once the tape is warm.
type node struct {
	back func(tp *Tape, n *node)
	in   [8]*Var
	out  [3]*Var
	i    [6]int
	f    [2]float32
	buf  [4][]float32
	ibuf []int32
	ints []int32 // caller-owned index data (ids, targets); must outlive Backward
	lens []int   // caller-owned lengths
	flag [2]bool
}

// Tape records operations for reverse-mode differentiation. A tape is used
// for one step at a time: build the forward graph with its methods, call
// Backward, read parameter gradients, then Reset before the next step. Reset
// recycles every activation buffer, so values obtained from the tape are
// valid only until then.
//
// A Tape is not safe for concurrent use.
type Tape struct {
	// Training enables dropout and makes BatchNorm use (and update) batch
	// statistics. Set false for evaluation.
	Training bool
	// NoGrad disables recording: ops compute values only (inference).
	NoGrad bool

	rng   *rand.Rand
	nodes []node
	nn    int
	vars  []*Var
	nv    int
	f32   arena[float32]
	i32   arena[int32]
	f64   []float64 // scratch for float64 work (CRF)

	rowLoss []float64      // per-row losses (CrossEntropy)
	wg      sync.WaitGroup // parallelFor completion
	jobs    jobs           // reusable parallel job descriptors
}

// NewTape returns a tape in training mode drawing dropout masks from rng
// (which may be nil when no dropout is used).
func NewTape(rng *rand.Rand) *Tape {
	return &Tape{Training: true, rng: rng}
}

// Reset forgets the recorded graph and recycles all activation storage.
func (tp *Tape) Reset() {
	for i := 0; i < tp.nn; i++ {
		tp.nodes[i] = node{}
	}
	tp.nn = 0
	if len(tp.f32.chunks) > 1 || len(tp.i32.chunks) > 1 {
		// The arena is about to replace its chunks: drop the pooled
		// Vars' references so the old chunks can be collected.
		for _, v := range tp.vars[:tp.nv] {
			v.val.Data, v.grd.Data = nil, nil
			v.Value, v.Grad = nil, nil
		}
	}
	tp.nv = 0
	tp.f32.reset()
	tp.i32.reset()
}

// ArenaBytes is the arena capacity in bytes (diagnostics).
func (tp *Tape) ArenaBytes() int { return tp.f32.capacity()*4 + tp.i32.capacity()*4 }

// Const wraps t as a Var without gradient. The tensor is not copied: unless
// an op documents otherwise, leave it unchanged until Backward.
func (tp *Tape) Const(t *tensor.Tensor) *Var {
	v := tp.pooledVar()
	v.setShape(t.Shape, false)
	v.val.Data = t.Data
	v.Value = &v.val
	v.Grad = nil
	return v
}

// Input copies data into a new arena-backed Var of the given shape with no
// gradient (for example a batch of features).
func (tp *Tape) Input(data []float32, shape ...int) *Var {
	v := tp.newVar(false, shape...)
	if len(data) != len(v.Value.Data) {
		panic(fmt.Sprintf("nn: Input: %d values for shape %v", len(data), append([]int(nil), shape...)))
	}
	copy(v.Value.Data, data)
	return v
}

// Leaf returns a zero-valued arena Var of the given shape that collects a
// gradient (when the tape records); useful for inputs whose gradient is wanted.
func (tp *Tape) Leaf(shape ...int) *Var {
	v := tp.newVar(!tp.NoGrad, shape...)
	clear(v.Value.Data)
	return v
}

func (tp *Tape) pooledVar() *Var {
	if tp.nv == len(tp.vars) {
		tp.vars = append(tp.vars, &Var{})
	}
	v := tp.vars[tp.nv]
	tp.nv++
	v.frozen = false
	return v
}

// newVar returns an arena Var; its value is NOT zeroed, its grad (if any) is.
func (tp *Tape) newVar(grad bool, shape ...int) *Var {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := tp.pooledVar()
	grad = grad && !tp.NoGrad
	v.setShape(shape, grad)
	v.val.Data = tp.f32.alloc(n)
	v.Value = &v.val
	if grad {
		v.grd.Data = tp.f32.alloc(n)
		clear(v.grd.Data)
		v.Grad = &v.grd
	} else {
		v.Grad = nil
	}
	return v
}

// floats returns arena scratch of n float32, not zeroed.
func (tp *Tape) floats(n int) []float32 { return tp.f32.alloc(n) }

// zeros returns zeroed arena scratch of n float32.
func (tp *Tape) zeros(n int) []float32 {
	s := tp.f32.alloc(n)
	clear(s)
	return s
}

func (tp *Tape) float64s(n int) []float64 {
	if cap(tp.f64) < n {
		tp.f64 = make([]float64, n)
	}
	return tp.f64[:n]
}

// record appends a node and returns it for the caller to fill in, or nil when
// no gradient is needed.
func (tp *Tape) record(back func(*Tape, *node)) *node {
	if tp.nn == len(tp.nodes) {
		tp.nodes = append(tp.nodes, node{})
	}
	n := &tp.nodes[tp.nn]
	tp.nn++
	n.back = back
	return n
}

// grads reports whether an op with these inputs must be recorded.
func (tp *Tape) grads(vs ...*Var) bool {
	if tp.NoGrad {
		return false
	}
	need := false
	for _, v := range vs {
		if v.needsGrad() {
			need = true
			if v.rows != nil {
				v.rows.dense = true // an op other than Embed: any row
			}
		}
	}
	return need
}

// Backward computes gradients of loss with respect to every Var recorded on
// the tape, seeding loss's gradient with ones (use a scalar loss). Parameter
// gradients accumulate (see ZeroGrad). Call it at most once per Reset.
func (tp *Tape) Backward(loss *Var) {
	if loss.Grad == nil {
		panic("nn: Backward: loss does not depend on any parameter that needs a gradient")
	}
	for i := range loss.Grad.Data {
		loss.Grad.Data[i] = 1
	}
	for i := tp.nn - 1; i >= 0; i-- {
		n := &tp.nodes[i]
		n.back(tp, n)
	}
}

// arena hands out slices of large chunks; reset makes them reusable. When a
// step needed more than one chunk, reset replaces them all by one chunk big
// enough for that step, so after the first step (or the largest one, when
// sizes vary) a step allocates nothing.
type arena[T any] struct {
	chunks [][]T
	cur    int
	off    int
	used   int // elements handed out since reset
}

const arenaChunk = 1 << 20

// arenaFreeBytes is the arena size from which reset returns the replaced
// chunks' memory to the operating system before allocating the new one.
const arenaFreeBytes = 32 << 20

func (a *arena[T]) alloc(n int) []T {
	a.used += n
	for a.cur < len(a.chunks) {
		c := a.chunks[a.cur]
		if a.off+n <= len(c) {
			s := c[a.off : a.off+n : a.off+n]
			a.off += n
			return s
		}
		a.cur++
		a.off = 0
	}
	size := max(arenaChunk, n)
	a.chunks = append(a.chunks, make([]T, size))
	a.cur = len(a.chunks) - 1
	a.off = n
	return a.chunks[a.cur][:n:n]
}

func (a *arena[T]) reset() {
	if len(a.chunks) > 1 {
		size := a.used + a.used/8
		clear(a.chunks)
		a.chunks = a.chunks[:0]
		// The old chunks are garbage now. A large arena would otherwise
		// coexist with its replacement until the collector's next cycle
		// (which the pacer lets wait until the heap doubles), so the peak
		// memory would be twice the arena: collect them and return their
		// pages first. This happens only when a step outgrew the arena.
		var zero T
		if size*int(unsafe.Sizeof(zero)) >= arenaFreeBytes {
			debug.FreeOSMemory()
		}
		a.chunks = append(a.chunks, make([]T, size))
	}
	a.cur, a.off, a.used = 0, 0, 0
}

func (a *arena[T]) capacity() int {
	n := 0
	for _, c := range a.chunks {
		n += len(c)
	}
	return n
}
