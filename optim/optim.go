// Package optim holds mulan's optimizers — SGD (momentum, dampening,
// Nesterov, weight decay), Adam and AdamW, defined exactly as
// torch.optim.SGD, torch.optim.Adam and torch.optim.AdamW define them — with
// parameter groups that have their own learning rates (discriminative
// fine-tuning), freezing and gradual unfreezing, gradient clipping, and
// learning-rate schedules (step, linear warm-up, cosine with warm-up, slanted
// triangular, one-cycle).
//
// It is hand-written because it updates the nn package's parameters in place
// with fused loops that allocate nothing per step, and no Go library targets
// that engine.
//
// # Learning rates
//
// An optimizer has one base learning rate (LR, SetLR), a schedule multiplier
// (SetScale, 1 until set) and per group a relative factor Group.LRMult (1 by
// default; Discriminative sets factor^-(depth) for ULMFiT). The learning rate
// applied to a group's parameters is LR × Scale × LRMult. A Schedule maps an
// update's index to the multiplier: before update t call
// opt.SetScale(schedule(t)).
//
// # Freezing
//
// Frozen parameters (nn.Param.Frozen) are skipped by Step, and their state
// (moments, step count) does not advance, like a PyTorch parameter with no
// gradient. Group.Freeze/Unfreeze and UnfreezeTop implement gradual
// unfreezing.
package optim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/mulan-nlp/mulan/nn"
)

// Optimizer updates parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every non-frozen parameter.
	Step()
	// ZeroGrad clears every parameter's gradient.
	ZeroGrad()
	// LR is the base learning rate; SetLR changes it.
	LR() float64
	SetLR(lr float64)
	// Scale is the schedule multiplier; SetScale changes it.
	Scale() float64
	SetScale(m float64)
	// Groups lists the parameter groups.
	Groups() []*Group
	// Sync applies any updates the optimizer left pending (SGD's lazy
	// momentum steps on the untouched rows of parameters that track their
	// gradient rows); call it before reading such parameters' values.
	Sync()
	// MarshalBinary and UnmarshalBinary save and restore the learning rate,
	// scale and per-parameter state (moments, step counts) for resumable
	// checkpoints. Parameters are matched by name and shape.
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(data []byte) error
}

// Group is a set of parameters that share a learning-rate factor.
type Group struct {
	Name   string
	Params []*nn.Param
	// LRMult multiplies the optimizer's learning rate for this group.
	LRMult float64
	// NoDecay disables weight decay for this group (biases, norms).
	NoDecay bool
}

// NewGroup returns a group with LRMult 1.
func NewGroup(name string, params []*nn.Param) *Group {
	return &Group{Name: name, Params: params, LRMult: 1}
}

// OneGroup wraps params in a single group named "all".
func OneGroup(params []*nn.Param) []*Group { return []*Group{NewGroup("all", params)} }

// Freeze stops updates (and gradient flow) for the group's parameters.
func (g *Group) Freeze() {
	for _, p := range g.Params {
		p.SetFrozen(true)
	}
}

// Unfreeze restarts updates for the group's parameters.
func (g *Group) Unfreeze() {
	for _, p := range g.Params {
		p.SetFrozen(false)
	}
}

// Discriminative sets the groups' learning-rate factors for discriminative
// fine-tuning (Howard & Ruder 2018): the last group (the top of the network)
// gets 1 and each group below it gets the one above divided by factor (2.6 in
// ULMFiT): LRMult of group i = factor^-(n-1-i).
func Discriminative(groups []*Group, factor float64) {
	n := len(groups)
	for i, g := range groups {
		g.LRMult = math.Pow(factor, -float64(n-1-i))
	}
}

// UnfreezeTop unfreezes the last k groups and freezes the others (gradual
// unfreezing: k = 1, 2, ... over successive epochs).
func UnfreezeTop(groups []*Group, k int) {
	for i, g := range groups {
		if i >= len(groups)-k {
			g.Unfreeze()
		} else {
			g.Freeze()
		}
	}
}

// slot is one parameter's optimizer state.
type slot struct {
	p     *nn.Param
	group *Group
	step  int64
	a, b  []float32 // momentum buffer (SGD) or first/second moments (Adam)
	has   bool      // SGD: momentum buffer initialised
	// SGD with momentum over a parameter that tracks its gradient rows
	// (nn.Param.TrackRows) updates the rows a step touched and leaves the
	// momentum steps of the others pending: row r is up to date as of step
	// last[r], and the pending steps all use learning rate lazyLR (a change
	// of rate first brings every row up to date).
	last   []int64
	lazyLR float32
}

// base holds what every optimizer shares.
type base struct {
	kind   string
	groups []*Group
	slots  []slot
	lr     float64
	scale  float64
	wg     *sync.WaitGroup // waits for the parallel chunks of one update
}

func newBase(kind string, groups []*Group, lr float64, moments int) (base, error) {
	b := base{kind: kind, groups: groups, lr: lr, scale: 1, wg: new(sync.WaitGroup)}
	if lr < 0 || math.IsNaN(lr) {
		return b, fmt.Errorf("optim: %s: invalid learning rate %v", kind, lr)
	}
	seen := make(map[*nn.Param]bool)
	for _, g := range groups {
		for _, p := range g.Params {
			if seen[p] {
				return b, fmt.Errorf("optim: %s: parameter %q appears in more than one group", kind, p.Name)
			}
			seen[p] = true
			s := slot{p: p, group: g}
			n := len(p.Value.Data)
			if moments > 0 {
				s.a = make([]float32, n)
			}
			if moments > 1 {
				s.b = make([]float32, n)
			}
			b.slots = append(b.slots, s)
		}
	}
	return b, nil
}

func (b *base) LR() float64        { return b.lr }
func (b *base) SetLR(lr float64)   { b.lr = lr }
func (b *base) Scale() float64     { return b.scale }
func (b *base) SetScale(m float64) { b.scale = m }
func (b *base) Groups() []*Group   { return b.groups }

func (b *base) ZeroGrad() {
	for i := range b.slots {
		b.slots[i].p.ClearGrad()
	}
}

// active reports whether slot s is updated this step.
func (s *slot) active() bool { return s.p.Grad != nil && !s.p.Frozen() }

func (s *slot) lr(b *base) float64 { return b.lr * b.scale * s.group.LRMult }

// State encoding (little-endian): "optim1", kind, lr, scale, slot count, then
// per slot: name, element count, step, has flag, a, b.

const stateMagic = "optim1"

func (b *base) MarshalBinary() ([]byte, error) {
	var out []byte
	putStr := func(s string) {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	putF32s := func(v []float32) {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(v)))
		for _, x := range v {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
		}
	}
	out = append(out, stateMagic...)
	putStr(b.kind)
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(b.lr))
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(b.scale))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(b.slots)))
	for i := range b.slots {
		s := &b.slots[i]
		putStr(s.p.Name)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s.p.Value.Data)))
		out = binary.LittleEndian.AppendUint64(out, uint64(s.step))
		if s.has {
			out = append(out, 1)
		} else {
			out = append(out, 0)
		}
		putF32s(s.a)
		putF32s(s.b)
	}
	return out, nil
}

var errShort = errors.New("truncated optimizer state")

func (b *base) UnmarshalBinary(data []byte) error {
	p := data
	fail := func(err error) error { return fmt.Errorf("optim: %s state: %w", b.kind, err) }
	need := func(n int) bool { return len(p) >= n }
	getU32 := func() (uint32, bool) {
		if !need(4) {
			return 0, false
		}
		v := binary.LittleEndian.Uint32(p)
		p = p[4:]
		return v, true
	}
	getU64 := func() (uint64, bool) {
		if !need(8) {
			return 0, false
		}
		v := binary.LittleEndian.Uint64(p)
		p = p[8:]
		return v, true
	}
	getStr := func() (string, bool) {
		n, ok := getU32()
		if !ok || !need(int(n)) {
			return "", false
		}
		s := string(p[:n])
		p = p[n:]
		return s, true
	}
	getF32s := func(dst []float32) error {
		n, ok := getU32()
		if !ok {
			return errShort
		}
		if int(n) != len(dst) {
			return fmt.Errorf("buffer of %d values, want %d", n, len(dst))
		}
		if !need(4 * int(n)) {
			return errShort
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		}
		p = p[4*n:]
		return nil
	}
	if !need(len(stateMagic)) || string(p[:len(stateMagic)]) != stateMagic {
		return fail(errors.New("not an optimizer state (bad magic)"))
	}
	p = p[len(stateMagic):]
	kind, ok := getStr()
	if !ok {
		return fail(errShort)
	}
	if kind != b.kind {
		return fail(fmt.Errorf("state is for %s", kind))
	}
	lr, ok1 := getU64()
	scale, ok2 := getU64()
	n, ok3 := getU32()
	if !ok1 || !ok2 || !ok3 {
		return fail(errShort)
	}
	if int(n) != len(b.slots) {
		return fail(fmt.Errorf("state has %d parameters, optimizer %d", n, len(b.slots)))
	}
	// Decode into copies so a bad state leaves the optimizer untouched.
	slots := make([]slot, len(b.slots))
	copy(slots, b.slots)
	for i := range slots {
		s := &slots[i]
		name, ok := getStr()
		if !ok {
			return fail(errShort)
		}
		if name != s.p.Name {
			return fail(fmt.Errorf("parameter %d is %q, optimizer has %q", i, name, s.p.Name))
		}
		size, ok1 := getU32()
		step, ok2 := getU64()
		if !ok1 || !ok2 || !need(1) {
			return fail(errShort)
		}
		if int(size) != len(s.p.Value.Data) {
			return fail(fmt.Errorf("parameter %q has %d values in the state, %d in the model", name, size, len(s.p.Value.Data)))
		}
		s.step, s.has = int64(step), p[0] == 1
		s.last = nil // every row up to date (the state was synced)
		p = p[1:]
		s.a = cloneLen(s.a)
		s.b = cloneLen(s.b)
		if err := getF32s(s.a); err != nil {
			return fail(fmt.Errorf("parameter %q: %w", name, err))
		}
		if err := getF32s(s.b); err != nil {
			return fail(fmt.Errorf("parameter %q: %w", name, err))
		}
	}
	if len(p) != 0 {
		return fail(fmt.Errorf("%d trailing bytes", len(p)))
	}
	b.lr, b.scale = math.Float64frombits(lr), math.Float64frombits(scale)
	b.slots = slots
	return nil
}

func cloneLen(v []float32) []float32 {
	if v == nil {
		return nil
	}
	return make([]float32, len(v))
}
