package optim

import (
	"fmt"
	"math"

	"github.com/mulan-nlp/mulan/nn"
)

// SGDConfig configures SGD; the fields mean what torch.optim.SGD's
// arguments of the same names mean.
type SGDConfig struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	WeightDecay float64 // L2 penalty added to the gradient
	Nesterov    bool
}

// SGD is stochastic gradient descent with optional momentum. With gradient
// g, parameter p, weight decay λ, momentum μ, dampening τ and learning rate
// η, one step is (torch.optim.SGD):
//
//	d = g + λp
//	b = d                    on the first step
//	b = μb + (1-τ)d          afterwards
//	d = d + μb  (Nesterov)   or  d = b
//	p = p - ηd
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns an SGD optimizer over groups.
func NewSGD(groups []*Group, cfg SGDConfig) (*SGD, error) {
	if cfg.Momentum < 0 || cfg.WeightDecay < 0 || math.IsNaN(cfg.Momentum) || math.IsNaN(cfg.WeightDecay) {
		return nil, fmt.Errorf("optim: SGD: invalid momentum %v or weight decay %v", cfg.Momentum, cfg.WeightDecay)
	}
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		return nil, fmt.Errorf("optim: SGD: Nesterov momentum requires momentum > 0 and zero dampening")
	}
	moments := 0
	if cfg.Momentum != 0 {
		moments = 1
	}
	b, err := newBase("sgd", groups, cfg.LR, moments)
	if err != nil {
		return nil, err
	}
	return &SGD{base: b, cfg: cfg}, nil
}

// Step applies one update.
func (o *SGD) Step() {
	for i := range o.slots {
		s := &o.slots[i]
		if !s.active() {
			continue
		}
		s.step++
		wd := float32(o.cfg.WeightDecay)
		if s.group.NoDecay {
			wd = 0
		}
		lr := float32(s.lr(&o.base))
		if rows, ok := s.p.GradRows(); ok && wd == 0 && !o.cfg.Nesterov {
			o.stepRows(i, rows, lr)
			continue
		}
		if s.last != nil { // rows were updated lazily until this step
			o.syncPrevious(s)
			s.last = nil
		}
		p, g := s.p.Value.Data, s.p.Grad.Data
		j := job{kind: jobSGDPlain, p: p, g: g, a: s.a, lr: lr, wd: wd,
			mu: float32(o.cfg.Momentum), damp: float32(1 - o.cfg.Dampening), nesterov: o.cfg.Nesterov}
		switch {
		case o.cfg.Momentum == 0:
		case !s.has:
			s.has = true
			j.kind = jobSGDFirst
		default:
			j.kind = jobSGDMomentum
		}
		runSplit(j, o.wg)
	}
}

// stepRows is Step for a parameter whose gradient is nonzero only in rows
// (nn.Param.TrackRows), without weight decay or Nesterov momentum. Without
// momentum only those rows change. With momentum μ (dampening τ) a row
// without gradient still moves each step, b ← μb, p ← p - ηb; k such steps
// are applied at once when the row is next touched (or at Sync):
//
//	p ← p - η·b·(μ + μ² + … + μᵏ) = p - η·b·μ(1-μᵏ)/(1-μ),  b ← μᵏ·b
//
// which equals k dense steps up to float32 rounding. A change of learning
// rate first brings every row up to date at the old rate.
func (o *SGD) stepRows(i int, rows []int32, lr float32) {
	s := &o.slots[i]
	p, g := s.p.Value.Data, s.p.Grad.Data
	d := s.p.Value.Shape[1]
	mu, damp := float32(o.cfg.Momentum), float32(1-o.cfg.Dampening)
	if mu == 0 {
		for _, r := range rows {
			lo, hi := int(r)*d, (int(r)+1)*d
			sgdPlain(p[lo:hi], g[lo:hi], lr, 0)
		}
		return
	}
	if !s.has { // first step: b = d for every row, 0 where no gradient
		s.has = true
		o.startLazy(i, s.step)
		for _, r := range rows {
			lo, hi := int(r)*d, (int(r)+1)*d
			sgdFirst(p[lo:hi], g[lo:hi], s.a[lo:hi], lr, 0, mu, false)
		}
		s.lazyLR = lr
		return
	}
	switch {
	case s.last == nil: // every row is up to date as of the previous step
		o.startLazy(i, s.step-1)
	case s.lazyLR != lr:
		o.syncPrevious(s)
	}
	s.lazyLR = lr
	for _, r := range rows {
		lo, hi := int(r)*d, (int(r)+1)*d
		if k := s.step - 1 - s.last[r]; k > 0 {
			catchUp(p[lo:hi], s.a[lo:hi], lr, mu, k)
		}
		sgdMomentum(p[lo:hi], g[lo:hi], s.a[lo:hi], lr, 0, mu, damp, false)
		s.last[r] = s.step
	}
}

// startLazy starts lazy updates of slot i's rows, all up to date as of step
// upTo, and has Embed bring a row up to date before a forward pass reads it.
func (o *SGD) startLazy(i int, upTo int64) {
	s := &o.slots[i]
	s.last = make([]int64, s.p.Value.Shape[0])
	for r := range s.last {
		s.last[r] = upTo
	}
	s.p.OnRowRead(func(ids []int32) { o.syncRows(&o.slots[i], ids) })
}

// catchUp applies k momentum steps without gradient to a row (see stepRows):
// a few one at a time, exactly as dense steps round them, more in closed
// form.
func catchUp(p, b []float32, lr, mu float32, k int64) {
	if k <= 8 {
		for range k {
			for j, bj := range b {
				bj = flush(mu * bj)
				b[j] = bj
				p[j] -= lr * bj
			}
		}
		return
	}
	fk := math.Pow(float64(mu), float64(k))
	move := lr * float32(float64(mu)*(1-fk)/(1-float64(mu)))
	decay := float32(fk)
	for j, bj := range b {
		p[j] -= move * bj
		b[j] = flush(bj * decay)
	}
}

// syncSlot brings every row of a lazily updated slot up to step s.step.
func (o *SGD) syncSlot(s *slot) {
	if s.last == nil {
		return
	}
	if s.has && o.cfg.Momentum != 0 {
		d := s.p.Value.Shape[1]
		p := s.p.Value.Data
		mu := float32(o.cfg.Momentum)
		for r, l := range s.last {
			if k := s.step - l; k > 0 {
				catchUp(p[r*d:(r+1)*d], s.a[r*d:(r+1)*d], s.lazyLR, mu, k)
			}
		}
	}
	for r := range s.last {
		s.last[r] = s.step
	}
}

// syncRows brings the rows ids of a lazily updated slot up to step s.step.
func (o *SGD) syncRows(s *slot, ids []int32) {
	if s.last == nil || !s.has {
		return
	}
	d := s.p.Value.Shape[1]
	p := s.p.Value.Data
	mu := float32(o.cfg.Momentum)
	for _, r := range ids {
		if r < 0 || int(r) >= len(s.last) {
			continue // Embed reports it
		}
		if k := s.step - s.last[r]; k > 0 {
			catchUp(p[int(r)*d:(int(r)+1)*d], s.a[int(r)*d:(int(r)+1)*d], s.lazyLR, mu, k)
			s.last[r] = s.step
		}
	}
}

// syncPrevious brings every row up to the step before s.step (the one
// being taken) at the pending rate.
func (o *SGD) syncPrevious(s *slot) {
	s.step--
	o.syncSlot(s)
	s.step++
}

// Sync applies the momentum steps left pending on rows without gradient
// (see stepRows); the parameters' values are then those of dense steps.
func (o *SGD) Sync() {
	for i := range o.slots {
		o.syncSlot(&o.slots[i])
	}
}

// MarshalBinary syncs the pending row updates, then encodes the state.
func (o *SGD) MarshalBinary() ([]byte, error) {
	o.Sync()
	return o.base.MarshalBinary()
}

// Sync does nothing: Adam updates every row at every step.
func (o *Adam) Sync() {}

func sgdPlain(p, g []float32, lr, wd float32) {
	g = g[:len(p)]
	for j, gj := range g {
		d := gj + wd*p[j]
		p[j] -= lr * d
	}
}

func sgdFirst(p, g, buf []float32, lr, wd, mu float32, nesterov bool) {
	g, buf = g[:len(p)], buf[:len(p)]
	for j, gj := range g {
		d := gj + wd*p[j]
		buf[j] = d
		if nesterov {
			d += mu * d
		}
		p[j] -= lr * d
	}
}

// tiny is the magnitude below which the optimizers' moment buffers are set to
// zero. A moment whose parameter gets no gradient (an embedding row not in
// the batch) decays geometrically, and on its way to zero it would pass
// through float32's subnormal range (below 1.2e-38), where x86 arithmetic is
// 50-100 times slower: a tagger with a large embedding table then spends most
// of each step in the optimizer and slows down epoch after epoch (seen as
// 390 -> 100 sentences/s over four epochs on MSRA). A step of lr·1e-30 changes
// no float32 parameter above 1e-22 in magnitude, so the flush is invisible in
// the weights; PyTorch users get the same with torch.set_flush_denormal(True).
const tiny = 1e-30

// flush returns 0 for |x| < tiny, else x.
func flush(x float32) float32 {
	if x < tiny && x > -tiny {
		return 0
	}
	return x
}

func sgdMomentum(p, g, buf []float32, lr, wd, mu, damp float32, nesterov bool) {
	g, buf = g[:len(p)], buf[:len(p)]
	if nesterov {
		for j, gj := range g {
			d := gj + wd*p[j]
			b := flush(mu*buf[j] + damp*d)
			buf[j] = b
			p[j] -= lr * (d + mu*b)
		}
		return
	}
	for j, gj := range g {
		d := gj + wd*p[j]
		b := flush(mu*buf[j] + damp*d)
		buf[j] = b
		p[j] -= lr * b
	}
}

// AdamConfig configures Adam and AdamW; the fields mean what
// torch.optim.Adam's arguments mean (Beta1, Beta2 = betas).
type AdamConfig struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay is an L2 penalty added to the gradient for Adam, and the
	// decoupled decay rate for AdamW.
	WeightDecay float64
}

// DefaultAdam is PyTorch's default configuration with learning rate lr:
// betas (0.9, 0.999), eps 1e-8, no weight decay.
func DefaultAdam(lr float64) AdamConfig {
	return AdamConfig{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Adam is the Adam optimizer (Kingma & Ba), or AdamW (Loshchilov & Hutter)
// when created by NewAdamW. With step count t, one update is
// (torch.optim.Adam / AdamW):
//
//	AdamW only:  p = p(1 - ηλ)
//	Adam only:   g = g + λp
//	m = β1 m + (1-β1) g
//	v = β2 v + (1-β2) g²
//	p = p - η/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + ε)
//
// so ε is added after the bias correction of √v, as PyTorch places it.
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool
}

// NewAdam returns an Adam optimizer over groups.
func NewAdam(groups []*Group, cfg AdamConfig) (*Adam, error) {
	return newAdam("adam", groups, cfg, false)
}

// NewAdamW returns an AdamW optimizer (decoupled weight decay) over groups.
func NewAdamW(groups []*Group, cfg AdamConfig) (*Adam, error) {
	return newAdam("adamw", groups, cfg, true)
}

func newAdam(kind string, groups []*Group, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if !(cfg.Beta1 >= 0 && cfg.Beta1 < 1 && cfg.Beta2 >= 0 && cfg.Beta2 < 1) {
		return nil, fmt.Errorf("optim: %s: betas (%v, %v) outside [0, 1)", kind, cfg.Beta1, cfg.Beta2)
	}
	if !(cfg.Eps >= 0) || !(cfg.WeightDecay >= 0) {
		return nil, fmt.Errorf("optim: %s: invalid eps %v or weight decay %v", kind, cfg.Eps, cfg.WeightDecay)
	}
	b, err := newBase(kind, groups, cfg.LR, 2)
	if err != nil {
		return nil, err
	}
	return &Adam{base: b, cfg: cfg, decoupled: decoupled}, nil
}

// Step applies one update.
func (o *Adam) Step() {
	c := o.cfg
	for i := range o.slots {
		s := &o.slots[i]
		if !s.active() {
			continue
		}
		s.step++
		lr := s.lr(&o.base)
		wd := c.WeightDecay
		if s.group.NoDecay {
			wd = 0
		}
		t := float64(s.step)
		bc1 := 1 - math.Pow(c.Beta1, t)
		bc2sqrt := math.Sqrt(1 - math.Pow(c.Beta2, t))
		k := adamConsts{
			b1: float32(c.Beta1), nb1: float32(1 - c.Beta1),
			b2: float32(c.Beta2), nb2: float32(1 - c.Beta2),
			stepSize: float32(lr / bc1), invBC2: float32(1 / bc2sqrt), eps: float32(c.Eps),
			vFloor: float32(min(tiny, c.Eps*c.Eps*1e-12)),
		}
		j := job{kind: jobAdam, p: s.p.Value.Data, g: s.p.Grad.Data, a: s.a, b: s.b, adam: k}
		if o.decoupled {
			k.decay, k.decoupled = float32(1-lr*wd), true
			j.adam = k
		} else {
			j.wd = float32(wd)
		}
		runSplit(j, o.wg)
	}
}

type adamConsts struct {
	b1, nb1, b2, nb2, stepSize, invBC2, eps float32
	decay                                   float32 // AdamW: p·decay before the step
	decoupled                               bool
	// vFloor: second moments below it are set to 0 (see tiny): at most
	// tiny, and at most (eps·1e-6)², so that the square root, even times
	// the largest bias correction, is a negligible part of the denominator
	// (0 when eps is 0: nothing is flushed).
	vFloor float32
}

func adamUpdate(p, g, m, v []float32, wd float32, k *adamConsts) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	b1, nb1, b2, nb2, ss, ib, eps := k.b1, k.nb1, k.b2, k.nb2, k.stepSize, k.invBC2, k.eps
	if k.decoupled && k.decay != 1 {
		for j := range p {
			p[j] *= k.decay
		}
	}
	for j, gj := range g {
		gj += wd * p[j]
		mj := flush(m[j]*b1 + nb1*gj)
		vj := v[j]*b2 + nb2*gj*gj
		if vj < k.vFloor {
			vj = 0
		}
		m[j], v[j] = mj, vj
		den := sqrt32(vj)*ib + eps
		p[j] -= ss * (mj / den)
	}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

var _ Optimizer = (*SGD)(nil)
var _ Optimizer = (*Adam)(nil)

// ClipGradNorm rescales the gradients of the non-frozen params so that their
// global L2 norm is at most maxNorm, as torch.nn.utils.clip_grad_norm_ does
// (scale maxNorm/(norm+1e-6) when below 1), and returns the norm before
// clipping.
func ClipGradNorm(params []*nn.Param, maxNorm float64) float64 {
	var sum float64
	for _, p := range params {
		if p.Grad == nil || p.Frozen() {
			continue
		}
		rows, sparse := p.GradRows()
		if !sparse {
			for _, x := range p.Grad.Data {
				sum += float64(x) * float64(x)
			}
			continue
		}
		d := p.Value.Shape[1]
		for _, r := range rows {
			for _, x := range p.Grad.Data[int(r)*d : (int(r)+1)*d] {
				sum += float64(x) * float64(x)
			}
		}
	}
	norm := math.Sqrt(sum)
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 {
		c := float32(coef)
		for _, p := range params {
			if p.Grad == nil || p.Frozen() {
				continue
			}
			rows, sparse := p.GradRows()
			if !sparse {
				for j := range p.Grad.Data {
					p.Grad.Data[j] *= c
				}
				continue
			}
			d := p.Value.Shape[1]
			for _, r := range rows {
				g := p.Grad.Data[int(r)*d : (int(r)+1)*d]
				for j := range g {
					g[j] *= c
				}
			}
		}
	}
	return norm
}

// ClipGradValue clamps every gradient element of the non-frozen params to
// [-limit, limit] (torch.nn.utils.clip_grad_value_).
func ClipGradValue(params []*nn.Param, limit float64) {
	l := float32(limit)
	for _, p := range params {
		if p.Grad == nil || p.Frozen() {
			continue
		}
		for j, g := range p.Grad.Data {
			p.Grad.Data[j] = min(max(g, -l), l)
		}
	}
}
