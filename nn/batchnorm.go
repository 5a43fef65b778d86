package nn

import (
	"fmt"
	"math"
)

// BatchNorm is batch normalisation over the feature (last) dimension, as
// torch.nn.BatchNorm1d on [B, F] inputs: each feature is normalised to zero
// mean and unit variance, then scaled by Gamma and shifted by Beta.
//
// In training mode (Tape.Training) the statistics are the batch's (the
// biased variance) and the running statistics are updated as PyTorch does:
// running = (1-Momentum)·running + Momentum·batch, with the unbiased
// variance (÷(N-1)) for RunningVar; Batches counts the updates. In
// evaluation mode the running statistics are used and left unchanged.
//
// RunningMean, RunningVar and Batches are buffers: model state that is saved
// with the layer's parameters but not trained. They are Params without a
// gradient (see NewBuffer) so that model files and weight snapshots can
// treat them like parameters; Params does not list them, so optimizers never
// see them.
type BatchNorm struct {
	Gamma, Beta             *Param // [F], named prefix+".weight", prefix+".bias"
	RunningMean, RunningVar *Param // [F] buffers, prefix+".running_mean", prefix+".running_var"
	// Batches is the number of training batches seen, a [1] buffer named
	// prefix+".num_batches_tracked" (exact up to 2²⁴).
	Batches       *Param
	Momentum, Eps float32
	// Warmup makes the k-th update use the factor max(Momentum, 1/k), so
	// that the running statistics are the plain average of the batches seen
	// while there are fewer than 1/Momentum of them, and the initial 0 and
	// 1 do not linger. (With PyTorch's rule, after k batches a weight of
	// 0.9^k stays on the initial variance of 1, which swamps features whose
	// variance is small, for dozens of batches.) PyTorch has no such option;
	// off by default.
	Warmup bool
}

// NewBuffer returns a zero-initialised, non-trainable Param: it has no
// gradient, so no gradient flows into it and it must not be given to an
// optimizer. Layers use buffers for state such as batch-norm running
// statistics.
func NewBuffer(name string, shape ...int) *Param {
	p := NewParam(name, shape...)
	p.Grad = nil
	return p
}

// NewBatchNorm returns a batch norm over dim features initialised like
// PyTorch: gamma 1, beta 0, running mean 0, running variance 1, momentum
// 0.1, eps 1e-5.
func NewBatchNorm(prefix string, dim int) *BatchNorm {
	b := &BatchNorm{
		Gamma: NewParam(prefix+".weight", dim), Beta: NewParam(prefix+".bias", dim),
		RunningMean: NewBuffer(prefix+".running_mean", dim), RunningVar: NewBuffer(prefix+".running_var", dim),
		Batches:  NewBuffer(prefix+".num_batches_tracked", 1),
		Momentum: 0.1, Eps: 1e-5,
	}
	for i := 0; i < dim; i++ {
		b.Gamma.Value.Data[i] = 1
		b.RunningVar.Value.Data[i] = 1
	}
	return b
}

// Params returns gamma and beta (the trainable parameters).
func (b *BatchNorm) Params() []*Param { return []*Param{b.Gamma, b.Beta} }

// Buffers returns the running mean and variance and the batch count.
func (b *BatchNorm) Buffers() []*Param { return []*Param{b.RunningMean, b.RunningVar, b.Batches} }

// Forward normalises x [B, F] (or [..., F], the statistics then being over
// all leading dimensions). In training mode the batch must have at least two
// rows (PyTorch refuses one as well: its variance is undefined); a single row
// panics like other shape errors.
func (b *BatchNorm) Forward(tp *Tape, x *Var) *Var {
	m := b.Momentum
	k := &b.Batches.Value.Data[0]
	if b.Warmup && 1/(*k+1) > m {
		m = 1 / (*k + 1)
	}
	y := tp.BatchNorm(x, &b.Gamma.Var, &b.Beta.Var, b.RunningMean.Value.Data, b.RunningVar.Value.Data, m, b.Eps)
	if tp.Training && *k < 1<<24 {
		*k++
	}
	return y
}

// BatchNorm normalises each feature (last dimension) of x over its rows and
// applies gamma and beta ([F]). With tp.Training it uses the batch
// statistics and, when runMean and runVar are not nil, updates them in place
// with the given momentum (PyTorch's rule, unbiased variance); otherwise it
// normalises with runMean and runVar, which must then be given. See the
// BatchNorm layer.
func (tp *Tape) BatchNorm(x, gamma, beta *Var, runMean, runVar []float32, momentum, eps float32) *Var {
	s := x.Value.Shape
	if len(s) < 2 {
		panic(fmt.Sprintf("nn: BatchNorm: input %v, want [B, F]", s))
	}
	f := s[len(s)-1]
	n := x.Value.Len() / max(f, 1)
	if gamma.Value.Len() != f || beta.Value.Len() != f ||
		(runMean != nil && len(runMean) != f) || (runVar != nil && len(runVar) != f) || (runMean == nil) != (runVar == nil) {
		panic(fmt.Sprintf("nn: BatchNorm: input %v, gamma %v, beta %v, running stats %d/%d",
			s, gamma.Value.Shape, beta.Value.Shape, len(runMean), len(runVar)))
	}
	train := tp.Training
	if train && n < 2 {
		panic(fmt.Sprintf("nn: BatchNorm: %d value(s) per feature in training mode (input %v), want at least 2", n, s))
	}
	if !train && runMean == nil {
		panic("nn: BatchNorm: evaluation mode needs running statistics")
	}
	need := tp.grads(x, gamma, beta)
	out := tp.newVar(need, s...)
	xv, y := x.Value.Data, out.Value.Data
	stats := tp.floats(2 * f) // mean, rstd per feature
	mean, rstd := stats[:f], stats[f:]
	if train {
		// float64 sums: features with a large offset and a small spread
		// (the case batch norm is for) lose their variance in float32.
		acc := tp.float64s(2 * f)
		clear(acc)
		m64, v64 := acc[:f], acc[f:]
		for r := 0; r < n; r++ {
			for j, v := range xv[r*f : (r+1)*f] {
				m64[j] += float64(v)
			}
		}
		for j := range m64 {
			m64[j] /= float64(n)
		}
		for r := 0; r < n; r++ {
			for j, v := range xv[r*f : (r+1)*f] {
				d := float64(v) - m64[j]
				v64[j] += d * d
			}
		}
		for j, m := range m64 {
			mean[j] = float32(m)
			rstd[j] = float32(1 / math.Sqrt(v64[j]/float64(n)+float64(eps)))
			if runMean != nil {
				runMean[j] = (1-momentum)*runMean[j] + momentum*float32(m)
				runVar[j] = (1-momentum)*runVar[j] + momentum*float32(v64[j]/float64(n-1))
			}
		}
	} else {
		copy(mean, runMean)
		for j, v := range runVar {
			rstd[j] = 1 / float32(math.Sqrt(float64(v+eps)))
		}
	}
	g, bt := gamma.Value.Data[:f], beta.Value.Data[:f]
	for r := 0; r < n; r++ {
		xr, yr := xv[r*f:(r+1)*f], y[r*f:(r+1)*f]
		for j, v := range xr {
			yr[j] = (v-mean[j])*rstd[j]*g[j] + bt[j]
		}
	}
	if need {
		nd := tp.record(backBatchNorm)
		nd.in[0], nd.in[1], nd.in[2], nd.out[0] = x, gamma, beta, out
		nd.i[0], nd.i[1] = n, f
		nd.buf[0] = stats
		nd.flag[0] = train
	}
	return out
}

func backBatchNorm(tp *Tape, nd *node) {
	x, gamma, beta, out := nd.in[0], nd.in[1], nd.in[2], nd.out[0]
	n, f := nd.i[0], nd.i[1]
	mean, rstd := nd.buf[0][:f], nd.buf[0][f:2*f]
	g := gamma.Value.Data[:f]
	xv, dy := x.Value.Data, out.Grad.Data
	// sums over rows of dy and dy·x̂ per feature.
	sums := tp.zeros(2 * f)
	s1, s2 := sums[:f], sums[f:]
	for r := 0; r < n; r++ {
		xr, dr := xv[r*f:(r+1)*f], dy[r*f:(r+1)*f]
		for j, v := range xr {
			s1[j] += dr[j]
			s2[j] += dr[j] * (v - mean[j]) * rstd[j]
		}
	}
	if gamma.needsGrad() {
		addTo(gamma.Grad.Data[:f], s2)
	}
	if beta.needsGrad() {
		addTo(beta.Grad.Data[:f], s1)
	}
	if !x.needsGrad() {
		return
	}
	dx := x.Grad.Data
	if !nd.flag[0] { // evaluation: constant statistics
		for r := 0; r < n; r++ {
			dr, gr := dy[r*f:(r+1)*f], dx[r*f:(r+1)*f]
			for j, d := range dr {
				gr[j] += d * g[j] * rstd[j]
			}
		}
		return
	}
	// dx = γ·rstd·(dy - mean(dy) - x̂·mean(dy·x̂))
	inv := 1 / float32(n)
	for j := range s1 {
		s1[j] *= inv
		s2[j] *= inv
	}
	for r := 0; r < n; r++ {
		xr, dr, gr := xv[r*f:(r+1)*f], dy[r*f:(r+1)*f], dx[r*f:(r+1)*f]
		for j, v := range xr {
			xh := (v - mean[j]) * rstd[j]
			gr[j] += g[j] * rstd[j] * (dr[j] - s1[j] - xh*s2[j])
		}
	}
}
