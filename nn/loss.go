package nn

import (
	"fmt"
	"math"
)

// CrossEntropy is the fused softmax cross-entropy loss: logits [..., C] with
// one target class per row (len(targets) rows). Rows whose target equals
// ignore are skipped; the result is the mean over the remaining rows (0 when
// none remain). With label smoothing ε the target distribution is
// (1-ε)·onehot + ε/C, as in PyTorch. targets must remain unchanged until
// Backward.
//
// To save a logits-sized buffer and a pass over it, the forward pass adds
// the loss's gradient straight into logits.Grad, as if the loss were the
// root of Backward (upstream gradient 1), which is the usual case. When
// Backward finds a different upstream gradient g (a scaled or weighted loss,
// or 0 when the loss is not part of the differentiated graph) it adds (g-1)
// times the gradient, recomputed from the saved per-row log-sum-exp.
func (tp *Tape) CrossEntropy(logits *Var, targets []int32, ignore int, smoothing float32) *Var {
	C := lastDim(logits)
	N := len(targets)
	if N*C != logits.Value.Len() {
		panic(fmt.Sprintf("nn: CrossEntropy: %d targets for logits %v", N, logits.Value.Shape))
	}
	need := tp.grads(logits)
	out := tp.newVar(need, 1)
	count := 0
	for _, y := range targets {
		if int(y) != ignore {
			if y < 0 || int(y) >= C {
				panic(fmt.Sprintf("nn: CrossEntropy: target %d outside %d classes", y, C))
			}
			count++
		}
	}
	inv := float32(0)
	if count > 0 {
		inv = 1 / float32(count)
	}
	if cap(tp.rowLoss) < N {
		tp.rowLoss = make([]float64, N)
	}
	j := &tp.jobs.ce
	*j = ceJob{x: logits.Value.Data, targets: targets, loss: tp.rowLoss[:N], C: C, ignore: ignore, eps: smoothing, inv: inv, scale: 1}
	j.scratch = tp.floats(threads() * C)
	if need {
		j.grad = logits.Grad.Data
		j.lse = tp.floats(N)
	}
	tp.parallelFor(N, 4*C, j)
	lse := j.lse
	*j = ceJob{}
	var total float64
	for _, l := range tp.rowLoss[:N] {
		total += l
	}
	out.Value.Data[0] = float32(total) * inv
	if need {
		nd := tp.record(backCrossEntropy)
		nd.in[0], nd.out[0], nd.buf[0], nd.ints = logits, out, lse, targets
		nd.i[0], nd.f[0], nd.f[1] = ignore, smoothing, inv
	}
	return out
}

// ceJob computes rows [lo, hi) of the fused cross-entropy: each row's loss
// and, when grad is set, its log-sum-exp, adding (softmax - target)·inv into
// grad; with loss nil, only scale times that gradient term, from the saved
// lse (the Backward correction).
type ceJob struct {
	x       []float32
	targets []int32
	grad    []float32
	loss    []float64
	lse     []float32
	scratch []float32 // C floats per slot
	C       int
	ignore  int
	eps     float32
	inv     float32
	scale   float32
}

func (j *ceJob) run(lo, hi, slot int) {
	C, eps := j.C, j.eps
	inv := j.inv * j.scale
	off := eps * inv / float32(C)
	for r := lo; r < hi; r++ {
		y := j.targets[r]
		x := j.x[r*C : (r+1)*C]
		if int(y) == j.ignore {
			if j.loss != nil {
				j.loss[r] = 0
			}
			continue
		}
		if j.loss == nil { // correction pass: grad += scale·∂loss/∂x
			e := j.scratch[slot*C : (slot+1)*C]
			expAffSum(e, x, 1, -j.lse[r])
			g := j.grad[r*C : (r+1)*C]
			axpb(g, e, inv, -off)
			g[y] -= (1 - eps) * inv
			continue
		}
		m := maxOf(x)
		if m != m { // a NaN logit: NaN loss and gradient, never a finite guess
			if j.grad != nil {
				g := j.grad[r*C : (r+1)*C]
				for i := range g {
					g[i] = m
				}
				j.lse[r] = m
			}
			j.loss[r] = float64(m)
			continue
		}
		var sumx float32
		if eps != 0 {
			for _, v := range x {
				sumx += v
			}
		}
		e := j.scratch[slot*C : (slot+1)*C]
		s := expAffSum(e, x, 1, -m)
		if j.grad != nil {
			g := j.grad[r*C : (r+1)*C]
			axpb(g, e, inv/s, -off)
			g[y] -= (1 - eps) * inv
		}
		lse := m + float32(math.Log(float64(s)))
		if j.grad != nil {
			j.lse[r] = lse
		}
		l := (1 - float64(eps)) * (float64(lse) - float64(x[y]))
		if eps != 0 {
			l += float64(eps) * (float64(lse) - float64(sumx)/float64(C))
		}
		j.loss[r] = l
	}
}

func backCrossEntropy(tp *Tape, nd *node) {
	g := nd.out[0].Grad.Data[0]
	if g == 1 {
		return // the forward pass already added the gradient
	}
	x := nd.in[0]
	C := lastDim(x)
	j := &tp.jobs.ce
	*j = ceJob{x: x.Value.Data, targets: nd.ints, grad: x.Grad.Data, lse: nd.buf[0], C: C, ignore: nd.i[0], eps: nd.f[0], inv: nd.f[1], scale: g - 1}
	j.scratch = tp.floats(threads() * C)
	tp.parallelFor(len(nd.ints), 4*C, j)
	*j = ceJob{}
}

// BCEWithLogits is the binary cross-entropy of sigmoid(logits) against
// targets in [0, 1], averaged over all elements, computed stably from the
// logits. targets must remain unchanged until Backward.
func (tp *Tape) BCEWithLogits(logits *Var, targets []float32) *Var {
	if len(targets) != logits.Value.Len() {
		panic(fmt.Sprintf("nn: BCEWithLogits: %d targets for logits %v", len(targets), logits.Value.Shape))
	}
	need := tp.grads(logits)
	out := tp.newVar(need, 1)
	var total float64
	for i, x := range logits.Value.Data {
		xf, y := float64(x), float64(targets[i])
		total += math.Max(xf, 0) - xf*y + math.Log1p(math.Exp(-math.Abs(xf)))
	}
	out.Value.Data[0] = float32(total / float64(max(len(targets), 1)))
	if need {
		nd := tp.record(backBCE)
		nd.in[0], nd.out[0], nd.buf[0] = logits, out, targets
	}
	return out
}

func backBCE(tp *Tape, nd *node) {
	x := nd.in[0]
	g := nd.out[0].Grad.Data[0] / float32(max(len(nd.buf[0]), 1))
	for i, v := range x.Value.Data {
		x.Grad.Data[i] += g * (sigmoid32(v) - nd.buf[0][i])
	}
}
