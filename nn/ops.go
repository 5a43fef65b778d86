package nn

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/mulan-nlp/mulan/tensor"
)

// gemm is tensor.Gemm with the degenerate sizes handled.
func gemm(ta, tb bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if beta != 1 {
			for i := 0; i < m; i++ {
				row := c[i*ldc : i*ldc+n]
				for j := range row {
					row[j] *= beta
				}
			}
		}
		return
	}
	tensor.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func lastDim(v *Var) int {
	s := v.Value.Shape
	if len(s) == 0 {
		return 1
	}
	return s[len(s)-1]
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func axpy(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

// colSumAdd adds the column sums of the rows×cols matrix m (row stride ld)
// into dst.
func colSumAdd(dst, m []float32, rows, cols, ld int) {
	dst = dst[:cols]
	for r := 0; r < rows; r++ {
		row := m[r*ld : r*ld+cols]
		for j, v := range row {
			dst[j] += v
		}
	}
}

// ---------------------------------------------------------------- matmul

// MatMul returns op(a)·op(b), where op transposes when ta/tb is set. b must be
// 2-D. When ta is false, a may have any rank: its leading dimensions are
// flattened into rows and kept in the result's shape ([..., k]·[k, n] →
// [..., n]); when ta is true a must be 2-D.
func (tp *Tape) MatMul(a, b *Var, ta, tb bool) *Var {
	as, bs := a.Value.Shape, b.Value.Shape
	if len(bs) != 2 || (ta && len(as) != 2) {
		panic(fmt.Sprintf("nn: MatMul: shapes %v and %v", as, bs))
	}
	var m, k int
	if ta {
		k, m = as[0], as[1]
	} else {
		k = lastDim(a)
		m = a.Value.Len() / max(k, 1)
	}
	kb, n := bs[0], bs[1]
	if tb {
		n, kb = bs[0], bs[1]
	}
	if kb != k {
		panic(fmt.Sprintf("nn: MatMul: inner dimensions differ: %v (t=%v) and %v (t=%v)", as, ta, bs, tb))
	}
	need := tp.grads(a, b)
	var out *Var
	if ta {
		out = tp.newVar(need, m, n)
	} else {
		var shp [8]int
		d := copy(shp[:], as)
		shp[d-1] = n
		out = tp.newVar(need, shp[:d]...)
	}
	gemm(ta, tb, m, n, k, 1, a.Value.Data, as[len(as)-1], b.Value.Data, bs[1], 0, out.Value.Data, n)
	if need {
		nd := tp.record(backMatMul)
		nd.in[0], nd.in[1], nd.out[0] = a, b, out
		nd.i[0], nd.i[1], nd.i[2] = m, n, k
		nd.flag[0], nd.flag[1] = ta, tb
	}
	return out
}

func backMatMul(tp *Tape, nd *node) {
	a, b, c := nd.in[0], nd.in[1], nd.out[0]
	m, n, k := nd.i[0], nd.i[1], nd.i[2]
	ta, tb := nd.flag[0], nd.flag[1]
	lda := a.Value.Shape[len(a.Value.Shape)-1]
	ldb := b.Value.Shape[1]
	dc := c.Grad.Data
	if a.needsGrad() {
		if !ta {
			gemm(false, !tb, m, k, n, 1, dc, n, b.Value.Data, ldb, 1, a.Grad.Data, k)
		} else {
			gemm(tb, true, k, m, n, 1, b.Value.Data, ldb, dc, n, 1, a.Grad.Data, m)
		}
	}
	if b.needsGrad() {
		if !tb {
			gemm(!ta, false, k, n, m, 1, a.Value.Data, lda, dc, n, 1, b.Grad.Data, n)
		} else {
			gemm(true, ta, n, k, m, 1, dc, n, a.Value.Data, lda, 1, b.Grad.Data, k)
		}
	}
}

// Linear returns x·wᵀ + bias, the affine map of a Dense layer: x is [..., in],
// w is [out, in] (PyTorch layout) and bias is [out] or nil.
func (tp *Tape) Linear(x, w, bias *Var) *Var {
	in := lastDim(x)
	if len(w.Value.Shape) != 2 || w.Value.Shape[1] != in {
		panic(fmt.Sprintf("nn: Linear: input %v, weight %v", x.Value.Shape, w.Value.Shape))
	}
	outF := w.Value.Shape[0]
	rows := x.Value.Len() / max(in, 1)
	need := tp.grads(x, w, bias)
	var shp [8]int
	d := copy(shp[:], x.Value.Shape)
	shp[d-1] = outF
	out := tp.newVar(need, shp[:d]...)
	y := out.Value.Data
	beta := float32(0)
	if bias != nil {
		if bias.Value.Len() != outF {
			panic(fmt.Sprintf("nn: Linear: bias %v for %d outputs", bias.Value.Shape, outF))
		}
		for r := 0; r < rows; r++ {
			copy(y[r*outF:(r+1)*outF], bias.Value.Data)
		}
		beta = 1
	}
	gemm(false, true, rows, outF, in, 1, x.Value.Data, in, w.Value.Data, in, beta, y, outF)
	if need {
		nd := tp.record(backLinear)
		nd.in[0], nd.in[1], nd.in[2], nd.out[0] = x, w, bias, out
		nd.i[0], nd.i[1], nd.i[2] = rows, outF, in
	}
	return out
}

func backLinear(tp *Tape, nd *node) {
	x, w, b, out := nd.in[0], nd.in[1], nd.in[2], nd.out[0]
	rows, outF, in := nd.i[0], nd.i[1], nd.i[2]
	dy := out.Grad.Data
	if x.needsGrad() {
		gemm(false, false, rows, in, outF, 1, dy, outF, w.Value.Data, in, 1, x.Grad.Data, in)
	}
	if w.needsGrad() {
		gemm(true, false, outF, in, rows, 1, dy, outF, x.Value.Data, in, 1, w.Grad.Data, in)
	}
	if b.needsGrad() {
		colSumAdd(b.Grad.Data, dy, rows, outF, outF)
	}
}

// ---------------------------------------------------------------- element-wise binary

// Add returns a+b (same shapes).
func (tp *Tape) Add(a, b *Var) *Var {
	if !sameShape(a.Value.Shape, b.Value.Shape) {
		panic(fmt.Sprintf("nn: Add: shapes %v and %v", a.Value.Shape, b.Value.Shape))
	}
	need := tp.grads(a, b)
	out := tp.newVar(need, a.Value.Shape...)
	y, av, bv := out.Value.Data, a.Value.Data, b.Value.Data[:len(a.Value.Data)]
	for i := range y {
		y[i] = av[i] + bv[i]
	}
	if need {
		nd := tp.record(backAdd)
		nd.in[0], nd.in[1], nd.out[0] = a, b, out
	}
	return out
}

func backAdd(tp *Tape, nd *node) {
	dy := nd.out[0].Grad.Data
	for _, v := range nd.in[:2] {
		if v.needsGrad() {
			addTo(v.Grad.Data, dy)
		}
	}
}

// AddBias returns x + b with b ([d]) broadcast over the leading dimensions of
// x ([..., d]).
func (tp *Tape) AddBias(x, b *Var) *Var {
	d := lastDim(x)
	if b.Value.Len() != d {
		panic(fmt.Sprintf("nn: AddBias: %v + %v", x.Value.Shape, b.Value.Shape))
	}
	need := tp.grads(x, b)
	out := tp.newVar(need, x.Value.Shape...)
	y, xv, bv := out.Value.Data, x.Value.Data, b.Value.Data
	for r := 0; r < len(y); r += d {
		yr, xr := y[r:r+d], xv[r:r+d]
		for j := range yr {
			yr[j] = xr[j] + bv[j]
		}
	}
	if need {
		nd := tp.record(backAddBias)
		nd.in[0], nd.in[1], nd.out[0] = x, b, out
	}
	return out
}

func backAddBias(tp *Tape, nd *node) {
	x, b, dy := nd.in[0], nd.in[1], nd.out[0].Grad.Data
	if x.needsGrad() {
		addTo(x.Grad.Data, dy)
	}
	if b.needsGrad() {
		d := b.Value.Len()
		colSumAdd(b.Grad.Data, dy, len(dy)/d, d, d)
	}
}

// Mul returns the element-wise product a*b (same shapes).
func (tp *Tape) Mul(a, b *Var) *Var {
	if !sameShape(a.Value.Shape, b.Value.Shape) {
		panic(fmt.Sprintf("nn: Mul: shapes %v and %v", a.Value.Shape, b.Value.Shape))
	}
	need := tp.grads(a, b)
	out := tp.newVar(need, a.Value.Shape...)
	y, av, bv := out.Value.Data, a.Value.Data, b.Value.Data[:len(a.Value.Data)]
	for i := range y {
		y[i] = av[i] * bv[i]
	}
	if need {
		nd := tp.record(backMul)
		nd.in[0], nd.in[1], nd.out[0] = a, b, out
	}
	return out
}

func backMul(tp *Tape, nd *node) {
	a, b, dy := nd.in[0], nd.in[1], nd.out[0].Grad.Data
	if a.needsGrad() {
		g, bv := a.Grad.Data[:len(dy)], b.Value.Data[:len(dy)]
		for i, d := range dy {
			g[i] += d * bv[i]
		}
	}
	if b.needsGrad() {
		g, av := b.Grad.Data[:len(dy)], a.Value.Data[:len(dy)]
		for i, d := range dy {
			g[i] += d * av[i]
		}
	}
}

// Scale returns s*x.
func (tp *Tape) Scale(x *Var, s float32) *Var {
	need := tp.grads(x)
	out := tp.newVar(need, x.Value.Shape...)
	y, xv := out.Value.Data, x.Value.Data
	for i := range y {
		y[i] = s * xv[i]
	}
	if need {
		nd := tp.record(backScale)
		nd.in[0], nd.out[0], nd.f[0] = x, out, s
	}
	return out
}

func backScale(tp *Tape, nd *node) {
	axpy(nd.f[0], nd.out[0].Grad.Data, nd.in[0].Grad.Data)
}

// Sum returns the sum of all elements as a scalar (shape [1]).
func (tp *Tape) Sum(x *Var) *Var { return tp.sumScaled(x, 1) }

// Mean returns the mean of all elements as a scalar (shape [1]).
func (tp *Tape) Mean(x *Var) *Var { return tp.sumScaled(x, 1/float32(max(x.Value.Len(), 1))) }

func (tp *Tape) sumScaled(x *Var, s float32) *Var {
	need := tp.grads(x)
	out := tp.newVar(need, 1)
	var acc float64
	for _, v := range x.Value.Data {
		acc += float64(v)
	}
	out.Value.Data[0] = float32(acc) * s
	if need {
		nd := tp.record(backSum)
		nd.in[0], nd.out[0], nd.f[0] = x, out, s
	}
	return out
}

func backSum(tp *Tape, nd *node) {
	g := nd.out[0].Grad.Data[0] * nd.f[0]
	dx := nd.in[0].Grad.Data
	for i := range dx {
		dx[i] += g
	}
}

// ---------------------------------------------------------------- element-wise unary

const (
	actTanh = iota
	actSigmoid
	actReLU
	actGELU
)

// Tanh returns tanh(x) element-wise.
func (tp *Tape) Tanh(x *Var) *Var { return tp.unary(x, actTanh) }

// Sigmoid returns 1/(1+e^-x) element-wise.
func (tp *Tape) Sigmoid(x *Var) *Var { return tp.unary(x, actSigmoid) }

// ReLU returns max(x, 0) element-wise.
func (tp *Tape) ReLU(x *Var) *Var { return tp.unary(x, actReLU) }

// GELU returns x·Φ(x) element-wise (the exact, erf-based GELU).
func (tp *Tape) GELU(x *Var) *Var { return tp.unary(x, actGELU) }

func (tp *Tape) unary(x *Var, act int) *Var {
	need := tp.grads(x)
	out := tp.newVar(need, x.Value.Shape...)
	j := &tp.jobs.unary
	*j = unaryJob{act: act, x: x.Value.Data, y: out.Value.Data}
	tp.parallelFor(len(j.y), unaryCost(act), j)
	*j = unaryJob{}
	if need {
		nd := tp.record(backUnary)
		nd.in[0], nd.out[0], nd.i[0] = x, out, act
	}
	return out
}

func unaryCost(act int) int {
	if act == actReLU {
		return 1
	}
	return 10
}

func backUnary(tp *Tape, nd *node) {
	x, out := nd.in[0], nd.out[0]
	j := &tp.jobs.unary
	*j = unaryJob{act: nd.i[0], back: true, x: x.Value.Data, y: out.Value.Data, dy: out.Grad.Data, dx: x.Grad.Data}
	tp.parallelFor(len(j.y), unaryCost(j.act), j)
	*j = unaryJob{}
}

// unaryJob applies an activation (or, with back set, accumulates its
// gradient) over elements [lo, hi).
type unaryJob struct {
	act          int
	back         bool
	x, y, dy, dx []float32
}

func (j *unaryJob) run(lo, hi, _ int) {
	xv, y := j.x[lo:hi], j.y[lo:hi]
	if !j.back {
		switch j.act {
		case actTanh:
			tanhVec(y, xv)
		case actSigmoid:
			sigmoidVec(y, xv)
		case actReLU:
			for i, v := range xv {
				y[i] = max(v, 0)
			}
		case actGELU:
			geluVec(y, xv)
		}
		return
	}
	dy, dx := j.dy[lo:hi], j.dx[lo:hi]
	switch j.act {
	case actTanh:
		for i, g := range dy {
			dx[i] += g * (1 - y[i]*y[i])
		}
	case actSigmoid:
		for i, g := range dy {
			dx[i] += g * y[i] * (1 - y[i])
		}
	case actReLU:
		for i, g := range dy {
			if y[i] > 0 {
				dx[i] += g
			}
		}
	case actGELU:
		geluBackVec(dx, dy, xv, y)
	}
}

// ---------------------------------------------------------------- softmax

// Softmax returns the softmax over the last dimension.
func (tp *Tape) Softmax(x *Var) *Var { return tp.softmax(x, false) }

// LogSoftmax returns the log-softmax over the last dimension.
func (tp *Tape) LogSoftmax(x *Var) *Var { return tp.softmax(x, true) }

func (tp *Tape) softmax(x *Var, logOut bool) *Var {
	d := lastDim(x)
	need := tp.grads(x)
	out := tp.newVar(need, x.Value.Shape...)
	xv, y := x.Value.Data, out.Value.Data
	for r := 0; r < len(y); r += d {
		softmaxRow(xv[r:r+d], y[r:r+d], logOut)
	}
	if need {
		nd := tp.record(backSoftmax)
		nd.in[0], nd.out[0], nd.flag[0] = x, out, logOut
	}
	return out
}

// softmaxRow writes softmax (or log-softmax) of x into y and returns the
// log-sum-exp.
func softmaxRow(x, y []float32, logOut bool) float32 {
	y = y[:len(x)]
	m := maxOf(x)
	if m != m { // a NaN in the row: the whole row is NaN
		for i := range y {
			y[i] = m
		}
		return m
	}
	s := expAffSum(y, x, 1, -m)
	lse := m + float32(math.Log(float64(s)))
	if logOut {
		for i, v := range x {
			y[i] = v - lse
		}
	} else {
		inv := 1 / s
		for i := range y {
			y[i] *= inv
		}
	}
	return lse
}

func backSoftmax(tp *Tape, nd *node) {
	x, out := nd.in[0], nd.out[0]
	d := lastDim(x)
	dy, y, dx := out.Grad.Data, out.Value.Data, x.Grad.Data
	for r := 0; r < len(dy); r += d {
		g, yr, gx := dy[r:r+d], y[r:r+d], dx[r:r+d]
		if nd.flag[0] { // log-softmax: dx = g - softmax*sum(g)
			var s float32
			for _, v := range g {
				s += v
			}
			for i := range gx {
				gx[i] += g[i] - exp32(yr[i])*s
			}
		} else { // softmax: dx = y*(g - <g,y>)
			var s float32
			for i, v := range g {
				s += v * yr[i]
			}
			for i := range gx {
				gx[i] += yr[i] * (g[i] - s)
			}
		}
	}
}

// ---------------------------------------------------------------- layer norm

// LayerNorm normalises x over its last dimension to zero mean and unit
// variance, then scales by gamma and shifts by beta (both [d]).
func (tp *Tape) LayerNorm(x, gamma, beta *Var, eps float32) *Var {
	d := lastDim(x)
	if gamma.Value.Len() != d || beta.Value.Len() != d {
		panic(fmt.Sprintf("nn: LayerNorm: input %v, gamma %v, beta %v", x.Value.Shape, gamma.Value.Shape, beta.Value.Shape))
	}
	need := tp.grads(x, gamma, beta)
	out := tp.newVar(need, x.Value.Shape...)
	rows := x.Value.Len() / d
	xv, y := x.Value.Data, out.Value.Data
	var stats []float32
	if need {
		stats = tp.floats(2 * rows) // mean, rstd
	}
	g, b := gamma.Value.Data[:d], beta.Value.Data[:d]
	for r := 0; r < rows; r++ {
		xr, yr := xv[r*d:(r+1)*d], y[r*d:(r+1)*d]
		var mean float32
		for _, v := range xr {
			mean += v
		}
		mean /= float32(d)
		var vr float32
		for _, v := range xr {
			vr += (v - mean) * (v - mean)
		}
		vr /= float32(d)
		rstd := 1 / float32(math.Sqrt(float64(vr+eps)))
		for j, v := range xr {
			yr[j] = (v-mean)*rstd*g[j] + b[j]
		}
		if need {
			stats[2*r], stats[2*r+1] = mean, rstd
		}
	}
	if need {
		nd := tp.record(backLayerNorm)
		nd.in[0], nd.in[1], nd.in[2], nd.out[0] = x, gamma, beta, out
		nd.buf[0] = stats
	}
	return out
}

func backLayerNorm(tp *Tape, nd *node) {
	x, gamma, beta, out := nd.in[0], nd.in[1], nd.in[2], nd.out[0]
	d := lastDim(x)
	rows := x.Value.Len() / d
	stats := nd.buf[0]
	g := gamma.Value.Data[:d]
	xhat := tp.floats(d)
	for r := 0; r < rows; r++ {
		xr, dy := x.Value.Data[r*d:(r+1)*d], out.Grad.Data[r*d:(r+1)*d]
		mean, rstd := stats[2*r], stats[2*r+1]
		var s1, s2 float32
		for j, v := range xr {
			xh := (v - mean) * rstd
			xhat[j] = xh
			dxh := dy[j] * g[j]
			s1 += dxh
			s2 += dxh * xh
		}
		if gamma.needsGrad() {
			gg := gamma.Grad.Data[:d]
			for j, v := range dy {
				gg[j] += v * xhat[j]
			}
		}
		if beta.needsGrad() {
			addTo(beta.Grad.Data[:d], dy)
		}
		if x.needsGrad() {
			dx := x.Grad.Data[r*d : (r+1)*d]
			s1 /= float32(d)
			s2 /= float32(d)
			for j := range dx {
				dx[j] += rstd * (dy[j]*g[j] - s1 - xhat[j]*s2)
			}
		}
	}
}

// ---------------------------------------------------------------- shape ops

// Reshape returns a view of x with a new shape of the same size; value and
// gradient share storage with x.
func (tp *Tape) Reshape(x *Var, shape ...int) *Var {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != x.Value.Len() {
		panic(fmt.Sprintf("nn: Reshape: %v to %v", x.Value.Shape, append([]int(nil), shape...)))
	}
	v := tp.pooledVar()
	grad := x.needsGrad() && !tp.NoGrad
	v.setShape(shape, grad)
	v.val.Data = x.Value.Data
	v.Value = &v.val
	v.Grad = nil
	if grad {
		v.grd.Data = x.Grad.Data
		v.Grad = &v.grd
	}
	return v
}

// outerInner splits shape around axis: outer = product before, inner =
// product after.
func outerInner(shape []int, axis int) (outer, inner int) {
	outer, inner = 1, 1
	for i, d := range shape {
		if i < axis {
			outer *= d
		} else if i > axis {
			inner *= d
		}
	}
	return
}

// Concat joins up to 8 Vars along axis (negative counts from the end); all
// other dimensions must agree.
func (tp *Tape) Concat(axis int, xs ...*Var) *Var {
	if len(xs) == 0 || len(xs) > 8 {
		panic(fmt.Sprintf("nn: Concat: %d inputs (1..8 supported)", len(xs)))
	}
	s0 := xs[0].Value.Shape
	if axis < 0 {
		axis += len(s0)
	}
	var shp [8]int
	r := copy(shp[:], s0)
	total := 0
	for _, x := range xs {
		s := x.Value.Shape
		if len(s) != len(s0) {
			panic(fmt.Sprintf("nn: Concat: ranks differ: %v and %v", s0, s))
		}
		for i := range s {
			if i != axis && s[i] != s0[i] {
				panic(fmt.Sprintf("nn: Concat: shapes %v and %v on axis %d", s0, s, axis))
			}
		}
		total += s[axis]
	}
	shp[axis] = total
	need := false
	for _, x := range xs {
		need = need || tp.grads(x)
	}
	out := tp.newVar(need, shp[:r]...)
	outer, inner := outerInner(shp[:r], axis)
	off := 0
	for _, x := range xs {
		w := x.Value.Shape[axis] * inner
		for o := 0; o < outer; o++ {
			copy(out.Value.Data[o*total*inner+off:], x.Value.Data[o*w:(o+1)*w])
		}
		off += w
	}
	if need {
		nd := tp.record(backConcat)
		copy(nd.in[:], xs)
		nd.out[0] = out
		nd.i[0], nd.i[1], nd.i[2], nd.i[3] = len(xs), axis, outer, inner
	}
	return out
}

func backConcat(tp *Tape, nd *node) {
	k, axis, outer, inner := nd.i[0], nd.i[1], nd.i[2], nd.i[3]
	dy := nd.out[0].Grad.Data
	total := nd.out[0].Value.Shape[axis] * inner
	off := 0
	for _, x := range nd.in[:k] {
		w := x.Value.Shape[axis] * inner
		if x.needsGrad() {
			for o := 0; o < outer; o++ {
				addTo(x.Grad.Data[o*w:(o+1)*w], dy[o*total+off:o*total+off+w])
			}
		}
		off += w
	}
}

// Slice returns x[..., start:end, ...] along axis (a copy).
func (tp *Tape) Slice(x *Var, axis, start, end int) *Var {
	s := x.Value.Shape
	if axis < 0 {
		axis += len(s)
	}
	if start < 0 || end > s[axis] || start > end {
		panic(fmt.Sprintf("nn: Slice: [%d:%d] on axis %d of %v", start, end, axis, s))
	}
	var shp [8]int
	r := copy(shp[:], s)
	shp[axis] = end - start
	need := tp.grads(x)
	out := tp.newVar(need, shp[:r]...)
	outer, inner := outerInner(s, axis)
	w, src := (end-start)*inner, s[axis]*inner
	for o := 0; o < outer; o++ {
		copy(out.Value.Data[o*w:(o+1)*w], x.Value.Data[o*src+start*inner:])
	}
	if need {
		nd := tp.record(backSlice)
		nd.in[0], nd.out[0] = x, out
		nd.i[0], nd.i[1], nd.i[2], nd.i[3] = outer, w, src, start*inner
	}
	return out
}

func backSlice(tp *Tape, nd *node) {
	outer, w, src, off := nd.i[0], nd.i[1], nd.i[2], nd.i[3]
	dy, dx := nd.out[0].Grad.Data, nd.in[0].Grad.Data
	for o := 0; o < outer; o++ {
		addTo(dx[o*src+off:o*src+off+w], dy[o*w:(o+1)*w])
	}
}

// ---------------------------------------------------------------- dropout

// Dropout zeroes each element with probability p and scales the survivors by
// 1/(1-p) (inverted dropout). It is the identity when the tape is not in
// training mode or p is 0.
func (tp *Tape) Dropout(x *Var, p float32) *Var {
	if !tp.Training || p <= 0 {
		return x
	}
	return tp.dropout(x, p, 1, x.Value.Len())
}

// LockedDropout is variational dropout for sequences x of shape [B, T, D]:
// one mask per (batch row, feature) is drawn and reused at every time step.
func (tp *Tape) LockedDropout(x *Var, p float32) *Var {
	if !tp.Training || p <= 0 {
		return x
	}
	s := x.Value.Shape
	if len(s) != 3 {
		panic(fmt.Sprintf("nn: LockedDropout: want [B, T, D], got %v", s))
	}
	return tp.dropout(x, p, s[1], s[2])
}

// dropout draws one mask value per (outer, inner) pair, shared over the
// middle dimension of size rep: x viewed as [outer, rep, inner].
func (tp *Tape) dropout(x *Var, p float32, rep, inner int) *Var {
	if tp.rng == nil {
		panic("nn: Dropout in training mode needs a tape created with a *rand.Rand")
	}
	if p >= 1 {
		panic(fmt.Sprintf("nn: Dropout probability %v must be below 1", p))
	}
	n := x.Value.Len()
	outer := n / (rep * inner)
	mask := tp.floats(outer * inner)
	drawMask(tp.rng, mask, p)
	need := tp.grads(x)
	out := tp.newVar(need, x.Value.Shape...)
	applyMask(out.Value.Data, x.Value.Data, mask, outer, rep, inner, false)
	if need {
		nd := tp.record(backDropout)
		nd.in[0], nd.out[0], nd.buf[0] = x, out, mask
		nd.i[0], nd.i[1], nd.i[2] = outer, rep, inner
	}
	return out
}

// drawMask fills mask with 0 (probability p) or 1/(1-p). Each 64-bit draw
// decides four elements with 16 bits each, so p is quantised to 1/65536.
func drawMask(rng *rand.Rand, mask []float32, p float32) {
	scale := 1 / (1 - p)
	thresh := uint64(float64(p)*65536 + 0.5)
	for i := 0; i < len(mask); i += 4 {
		u := rng.Uint64()
		for k := i; k < min(i+4, len(mask)); k++ {
			if u&0xFFFF < thresh {
				mask[k] = 0
			} else {
				mask[k] = scale
			}
			u >>= 16
		}
	}
}

func applyMask(dst, src, mask []float32, outer, rep, inner int, accumulate bool) {
	for o := 0; o < outer; o++ {
		m := mask[o*inner : (o+1)*inner]
		for r := 0; r < rep; r++ {
			base := (o*rep + r) * inner
			d, s := dst[base:base+inner], src[base:base+inner]
			if accumulate {
				for j := range d {
					d[j] += s[j] * m[j]
				}
			} else {
				for j := range d {
					d[j] = s[j] * m[j]
				}
			}
		}
	}
}

func backDropout(tp *Tape, nd *node) {
	applyMask(nd.in[0].Grad.Data, nd.out[0].Grad.Data, nd.buf[0], nd.i[0], nd.i[1], nd.i[2], true)
}

// ---------------------------------------------------------------- embedding

// Embed gathers rows of w ([vocab, d]) for ids. The result has shape
// dims+[d] (dims defaults to [len(ids)]). Rows for id == pad are zero and
// receive no gradient (pass pad < 0 for no padding index). ids must remain
// unchanged until Backward.
func (tp *Tape) Embed(w *Var, ids []int32, pad int, dims ...int) *Var {
	vocab, d := w.Value.Shape[0], w.Value.Shape[1]
	var shp [8]int
	r := copy(shp[:], dims)
	if r == 0 {
		shp[0], r = len(ids), 1
	}
	shp[r] = d
	need := !tp.NoGrad && w.needsGrad() // not tp.grads: that marks a tracked table dense
	if w.rows != nil && w.rows.read != nil {
		w.rows.read(ids)
	}
	out := tp.newVar(need, shp[:r+1]...)
	if out.Value.Len() != len(ids)*d {
		panic(fmt.Sprintf("nn: Embed: %d ids for dims %v", len(ids), append([]int(nil), dims...)))
	}
	for i, id := range ids {
		row := out.Value.Data[i*d : (i+1)*d]
		if int(id) == pad {
			clear(row)
			continue
		}
		if id < 0 || int(id) >= vocab {
			panic(fmt.Sprintf("nn: Embed: id %d outside vocabulary of %d", id, vocab))
		}
		copy(row, w.Value.Data[int(id)*d:])
	}
	if need {
		nd := tp.record(backEmbed)
		nd.in[0], nd.out[0], nd.ints, nd.i[0] = w, out, ids, pad
	}
	return out
}

func backEmbed(tp *Tape, nd *node) {
	w, dy := nd.in[0], nd.out[0].Grad.Data
	d := w.Value.Shape[1]
	pad := nd.i[0]
	for i, id := range nd.ints {
		if int(id) == pad {
			continue
		}
		addTo(w.Grad.Data[int(id)*d:(int(id)+1)*d], dy[i*d:(i+1)*d])
		if w.rows != nil {
			w.rows.add(id)
		}
	}
}

// AddPositions returns x + pos[:T] broadcast over the batch, for x of shape
// [B, T, D] and a positional table pos of shape [maxT, D].
func (tp *Tape) AddPositions(x, pos *Var) *Var {
	s := x.Value.Shape
	if len(s) != 3 || pos.Value.Shape[1] != s[2] || pos.Value.Shape[0] < s[1] {
		panic(fmt.Sprintf("nn: AddPositions: input %v, table %v", s, pos.Value.Shape))
	}
	need := tp.grads(x, pos)
	out := tp.newVar(need, s...)
	td := s[1] * s[2]
	p := pos.Value.Data[:td]
	for b := 0; b < s[0]; b++ {
		y, xr := out.Value.Data[b*td:(b+1)*td], x.Value.Data[b*td:(b+1)*td]
		for j := range y {
			y[j] = xr[j] + p[j]
		}
	}
	if need {
		nd := tp.record(backAddPositions)
		nd.in[0], nd.in[1], nd.out[0] = x, pos, out
	}
	return out
}

func backAddPositions(tp *Tape, nd *node) {
	x, pos, dy := nd.in[0], nd.in[1], nd.out[0].Grad.Data
	if x.needsGrad() {
		addTo(x.Grad.Data, dy)
	}
	if pos.needsGrad() {
		s := x.Value.Shape
		td := s[1] * s[2]
		for b := 0; b < s[0]; b++ {
			addTo(pos.Grad.Data[:td], dy[b*td:(b+1)*td])
		}
	}
}
