package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

// randParam returns a parameter with values uniform in ±scale.
func randParam(rng *rand.Rand, name string, scale float64, shape ...int) *Param {
	p := NewParam(name, shape...)
	InitUniform(p, scale, rng)
	return p
}

// weighted reduces v to a scalar with fixed pseudo-random weights so every
// element's gradient differs.
func weighted(tp *Tape, v *Var) *Var {
	r := rand.New(rand.NewSource(99))
	w := tensor.New(v.Value.Shape...)
	for i := range w.Data {
		w.Data[i] = float32(r.Float64()*2 - 1)
	}
	return tp.Sum(tp.Mul(v, tp.Const(w)))
}

// gradCheck compares the tape's gradients of loss(tp) with respect to params
// against central differences. Each evaluation gets a fresh tape whose rng
// is seeded identically, so dropout masks repeat.
func gradCheck(t *testing.T, params []*Param, loss func(tp *Tape) *Var) {
	t.Helper()
	const eps = 1e-2
	newTape := func() *Tape { return NewTape(rand.New(rand.NewSource(7))) }
	ZeroGrad(params)
	tp := newTape()
	tp.Backward(loss(tp))
	eval := func() float64 {
		tp := newTape()
		tp.NoGrad = true
		return float64(loss(tp).Value.Data[0])
	}
	checked := 0
	for _, p := range params {
		if p.Frozen() {
			continue
		}
		n := p.Value.Len()
		stride := 1
		if n > 40 {
			stride = n / 40
		}
		for i := 0; i < n; i += stride {
			orig := p.Value.Data[i]
			p.Value.Data[i] = orig + eps
			lp := eval()
			p.Value.Data[i] = orig - eps
			lm := eval()
			p.Value.Data[i] = orig
			num := (lp - lm) / (2 * eps)
			got := float64(p.Grad.Data[i])
			if d := math.Abs(got - num); d > 2e-2*math.Max(math.Abs(got), math.Abs(num))+2e-3 {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g", p.Name, i, got, num)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no gradient checked")
	}
}

func TestGradMatMul(t *testing.T) {
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			t.Run(fmt.Sprintf("ta=%v,tb=%v", ta, tb), func(t *testing.T) {
				rng := rand.New(rand.NewSource(1))
				m, k, n := 3, 4, 5
				as, bs := []int{m, k}, []int{k, n}
				if ta {
					as = []int{k, m}
				}
				if tb {
					bs = []int{n, k}
				}
				a := randParam(rng, "a", 1, as...)
				b := randParam(rng, "b", 1, bs...)
				gradCheck(t, []*Param{a, b}, func(tp *Tape) *Var {
					return weighted(tp, tp.MatMul(&a.Var, &b.Var, ta, tb))
				})
			})
		}
	}
	t.Run("3d", func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		a := randParam(rng, "a", 1, 2, 3, 4)
		b := randParam(rng, "b", 1, 4, 5)
		gradCheck(t, []*Param{a, b}, func(tp *Tape) *Var {
			y := tp.MatMul(&a.Var, &b.Var, false, false)
			if !sameShape(y.Shape(), []int{2, 3, 5}) {
				t.Fatalf("shape %v", y.Shape())
			}
			return weighted(tp, y)
		})
	})
}

func TestMatMulValues(t *testing.T) {
	tp := NewTape(nil)
	a := tp.Input([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tp.Input([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	got := tp.MatMul(a, b, false, false).Data()
	want := []float32{4, 5, 10, 11}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
	gotT := tp.MatMul(b, a, true, true).Data() // bᵀaᵀ = (ab)ᵀ
	wantT := []float32{4, 10, 5, 11}
	for i := range wantT {
		if gotT[i] != wantT[i] {
			t.Fatalf("transposed: got %v want %v", gotT, wantT)
		}
	}
}

func TestGradLinear(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	x := randParam(rng, "x", 1, 2, 3, 4)
	d := NewDense("d", 4, 5, true, rng)
	nb := NewDense("nb", 4, 2, false, rng)
	gradCheck(t, append([]*Param{x}, CollectParams(d, nb)...), func(tp *Tape) *Var {
		return tp.Add(weighted(tp, d.Forward(tp, &x.Var)), weighted(tp, nb.Forward(tp, &x.Var)))
	})
}

func TestGradElementwise(t *testing.T) {
	cases := []struct {
		name string
		f    func(tp *Tape, a, b, c *Var) *Var
	}{
		{"add", func(tp *Tape, a, b, c *Var) *Var { return tp.Add(a, b) }},
		{"mul", func(tp *Tape, a, b, c *Var) *Var { return tp.Mul(a, b) }},
		{"addbias", func(tp *Tape, a, b, c *Var) *Var { return tp.AddBias(a, c) }},
		{"scale", func(tp *Tape, a, b, c *Var) *Var { return tp.Scale(a, -1.5) }},
		{"tanh", func(tp *Tape, a, b, c *Var) *Var { return tp.Tanh(a) }},
		{"sigmoid", func(tp *Tape, a, b, c *Var) *Var { return tp.Sigmoid(a) }},
		{"relu", func(tp *Tape, a, b, c *Var) *Var { return tp.ReLU(a) }},
		{"gelu", func(tp *Tape, a, b, c *Var) *Var { return tp.GELU(a) }},
		{"softmax", func(tp *Tape, a, b, c *Var) *Var { return tp.Softmax(a) }},
		{"logsoftmax", func(tp *Tape, a, b, c *Var) *Var { return tp.LogSoftmax(a) }},
		{"mean", func(tp *Tape, a, b, c *Var) *Var { return tp.Scale(tp.Mean(tp.Mul(a, a)), 3) }},
		{"reshape", func(tp *Tape, a, b, c *Var) *Var { return tp.Mul(tp.Reshape(a, 4, 3, 2), tp.Reshape(b, 4, 3, 2)) }},
		{"slice0", func(tp *Tape, a, b, c *Var) *Var { return tp.Slice(a, 0, 1, 2) }},
		{"slice1", func(tp *Tape, a, b, c *Var) *Var { return tp.Slice(a, 1, 1, 3) }},
		{"slice2", func(tp *Tape, a, b, c *Var) *Var { return tp.Slice(a, -1, 0, 2) }},
		{"concat0", func(tp *Tape, a, b, c *Var) *Var { return tp.Concat(0, a, tp.Tanh(b)) }},
		{"concat1", func(tp *Tape, a, b, c *Var) *Var { return tp.Concat(1, a, b, a) }},
		{"concat2", func(tp *Tape, a, b, c *Var) *Var { return tp.Concat(2, tp.Tanh(a), b) }},
		{"dropout", func(tp *Tape, a, b, c *Var) *Var { return tp.Dropout(a, 0.3) }},
		{"lockeddropout", func(tp *Tape, a, b, c *Var) *Var { return tp.LockedDropout(a, 0.3) }},
		{"positions", func(tp *Tape, a, b, c *Var) *Var { return tp.AddPositions(a, tp.Reshape(b, 6, 4)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(4))
			a := randParam(rng, "a", 2, 2, 3, 4)
			b := randParam(rng, "b", 2, 2, 3, 4)
			bias := randParam(rng, "bias", 1, 4)
			gradCheck(t, []*Param{a, b, bias}, func(tp *Tape) *Var {
				return weighted(tp, c.f(tp, &a.Var, &b.Var, &bias.Var))
			})
		})
	}
}

func TestGradLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	x := randParam(rng, "x", 2, 3, 6)
	ln := NewLayerNorm("ln", 6)
	InitUniform(ln.Gamma, 1, rng)
	InitUniform(ln.Beta, 1, rng)
	gradCheck(t, append([]*Param{x}, ln.Params()...), func(tp *Tape) *Var {
		return weighted(tp, ln.Forward(tp, &x.Var))
	})
}

func TestLayerNormValues(t *testing.T) {
	tp := NewTape(nil)
	ln := NewLayerNorm("ln", 4)
	y := ln.Forward(tp, tp.Input([]float32{1, 2, 3, 4, -5, 0, 5, 10}, 2, 4)).Data()
	for r := 0; r < 2; r++ {
		var m, v float64
		for _, x := range y[r*4 : r*4+4] {
			m += float64(x)
		}
		m /= 4
		for _, x := range y[r*4 : r*4+4] {
			v += (float64(x) - m) * (float64(x) - m)
		}
		v /= 4
		if math.Abs(m) > 1e-6 || math.Abs(v-1) > 1e-3 {
			t.Errorf("row %d: mean %v var %v", r, m, v)
		}
	}
	// (1-2.5)/sqrt(1.25+1e-5)
	if want := -1.5 / math.Sqrt(1.25+1e-5); math.Abs(float64(y[0])-want) > 1e-5 {
		t.Errorf("y[0] = %v, want %v", y[0], want)
	}
}

func TestGradEmbedding(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	e := NewEmbedding("emb", 5, 3, 0, rng)
	ids := []int32{1, 0, 3, 3, 4, 0}
	gradCheck(t, e.Params(), func(tp *Tape) *Var {
		return weighted(tp, tp.Tanh(e.Forward(tp, ids, 2, 3)))
	})
	// The padding row: zero output, no gradient.
	tp := NewTape(nil)
	ZeroGrad(e.Params())
	y := e.Forward(tp, ids, 2, 3)
	tp.Backward(tp.Sum(y))
	for j := 0; j < 3; j++ {
		if y.Data()[3+j] != 0 || e.W.Grad.Data[j] != 0 {
			t.Fatalf("padding row leaked: out %v grad %v", y.Data()[3:6], e.W.Grad.Data[:3])
		}
		if e.W.Grad.Data[3*3+j] != 2 || e.W.Grad.Data[2*3+j] != 0 {
			t.Fatalf("scatter-add wrong: %v", e.W.Grad.Data)
		}
	}
}

func TestGradPooling(t *testing.T) {
	lengths := []int{3, 1, 4}
	cases := []struct {
		name string
		f    func(tp *Tape, x *Var) *Var
	}{
		{"mean", func(tp *Tape, x *Var) *Var { return tp.MeanPool(x, lengths) }},
		{"max", func(tp *Tape, x *Var) *Var { return tp.MaxPool(x, lengths) }},
		{"last", func(tp *Tape, x *Var) *Var { return tp.LastPool(x, lengths) }},
		{"concat", func(tp *Tape, x *Var) *Var { return tp.ConcatPool(x, lengths) }},
		{"concat-nolen", func(tp *Tape, x *Var) *Var { return tp.ConcatPool(x, nil) }},
		{"reverse", func(tp *Tape, x *Var) *Var { return tp.ReverseSeq(x, lengths) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(8))
			x := randParam(rng, "x", 1, 3, 4, 2)
			gradCheck(t, []*Param{x}, func(tp *Tape) *Var { return weighted(tp, c.f(tp, &x.Var)) })
		})
	}
}

func TestPoolingValues(t *testing.T) {
	tp := NewTape(nil)
	// B=1, T=3, D=2; length 2 so step 2 (the 100s) is padding.
	x := tp.Input([]float32{1, 5, 3, -1, 100, 100}, 1, 3, 2)
	l := []int{2}
	check := func(name string, got []float32, want ...float32) {
		t.Helper()
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: got %v want %v", name, got, want)
				return
			}
		}
	}
	check("mean", tp.MeanPool(x, l).Data(), 2, 2)
	check("max", tp.MaxPool(x, l).Data(), 3, 5)
	check("last", tp.LastPool(x, l).Data(), 3, -1)
	check("concat", tp.ConcatPool(x, l).Data(), 3, -1, 3, 5, 2, 2)
	check("reverse", tp.ReverseSeq(x, l).Data(), 3, -1, 1, 5, 100, 100)
}

func TestGradLosses(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	logits := randParam(rng, "logits", 2, 2, 3, 5)
	targets := []int32{1, -100, 4, 0, -100, 2}
	for _, eps := range []float32{0, 0.1} {
		t.Run(fmt.Sprintf("ce-smooth=%v", eps), func(t *testing.T) {
			gradCheck(t, []*Param{logits}, func(tp *Tape) *Var {
				return tp.CrossEntropy(&logits.Var, targets, -100, eps)
			})
		})
	}
	// The loss is not the root: upstream gradient ≠ 1, another consumer.
	t.Run("ce-scaled", func(t *testing.T) {
		gradCheck(t, []*Param{logits}, func(tp *Tape) *Var {
			ce := tp.CrossEntropy(&logits.Var, targets, -100, 0.1)
			return tp.Add(tp.Scale(ce, -0.7), weighted(tp, tp.Tanh(&logits.Var)))
		})
	})
	// A cross-entropy outside the differentiated graph leaves no gradient.
	t.Run("ce-unused", func(t *testing.T) {
		grads := func(withCE bool) []float32 {
			ZeroGrad([]*Param{logits})
			tp := NewTape(nil)
			if withCE {
				tp.CrossEntropy(&logits.Var, targets, -100, 0)
			}
			tp.Backward(weighted(tp, tp.Tanh(&logits.Var)))
			return append([]float32(nil), logits.Grad.Data...)
		}
		a, b := grads(false), grads(true)
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-7 {
				t.Fatalf("grad[%d]: %v without the loss, %v with it unused", i, a[i], b[i])
			}
		}
	})
	t.Run("bce", func(t *testing.T) {
		y := []float32{1, 0, 0.3, 1, 0, 1}
		x := randParam(rng, "x", 3, 6)
		gradCheck(t, []*Param{x}, func(tp *Tape) *Var { return tp.BCEWithLogits(&x.Var, y) })
	})
}

func TestLossValues(t *testing.T) {
	tp := NewTape(nil)
	logits := []float32{1, 2, 3, 0, 0, 0, 5, 1, -1}
	x := tp.Input(logits, 3, 3)
	targets := []int32{2, -1, 0}
	// float64 reference
	ref := func(eps float64) float64 {
		var total float64
		n := 0
		for r, y := range targets {
			if y < 0 {
				continue
			}
			row := logits[r*3 : r*3+3]
			var s float64
			for _, v := range row {
				s += math.Exp(float64(v))
			}
			lse := math.Log(s)
			for k, v := range row {
				q := eps / 3
				if k == int(y) {
					q += 1 - eps
				}
				total += q * (lse - float64(v))
			}
			n++
		}
		return total / float64(n)
	}
	for _, eps := range []float32{0, 0.2} {
		got := float64(tp.CrossEntropy(x, targets, -1, eps).Data()[0])
		if want := ref(float64(eps)); math.Abs(got-want) > 1e-5 {
			t.Errorf("CE smoothing %v = %v, want %v", eps, got, want)
		}
	}
	if got := tp.CrossEntropy(x, []int32{-1, -1, -1}, -1, 0).Data()[0]; got != 0 {
		t.Errorf("all ignored: %v", got)
	}
	bl := []float32{-30, 0, 2, 40}
	by := []float32{1, 0.5, 0, 0}
	got := float64(tp.BCEWithLogits(tp.Input(bl, 4), by).Data()[0])
	var want float64
	for i, v := range bl {
		p := 1 / (1 + math.Exp(-float64(v)))
		y := float64(by[i])
		// clamp log(0) for the extreme logit with its exact asymptote
		lp, lq := math.Log(p), math.Log1p(-p)
		if p == 1 {
			lq = -float64(v)
		}
		want -= y*lp + (1-y)*lq
	}
	want /= 4
	if math.Abs(got-want)/want > 1e-5 {
		t.Errorf("BCE = %v, want %v", got, want)
	}
}

func TestDropoutStatistics(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	tp := NewTape(rng)
	n := 100000
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	x := tp.Input(ones, 10, 100, 100)
	y := tp.Dropout(x, 0.25)
	var sum float64
	zeros := 0
	for _, v := range y.Data() {
		sum += float64(v)
		if v == 0 {
			zeros++
		} else if math.Abs(float64(v)-4.0/3) > 1e-6 {
			t.Fatalf("kept value %v, want 4/3", v)
		}
	}
	if mean := sum / float64(n); math.Abs(mean-1) > 0.02 {
		t.Errorf("mean after dropout %v, want ≈1", mean)
	}
	if frac := float64(zeros) / float64(n); math.Abs(frac-0.25) > 0.01 {
		t.Errorf("dropped fraction %v, want ≈0.25", frac)
	}
	// Locked: the mask repeats over time.
	l := tp.LockedDropout(x, 0.5).Data()
	for b := 0; b < 10; b++ {
		for s := 1; s < 100; s++ {
			for d := 0; d < 100; d++ {
				if l[(b*100+s)*100+d] != l[b*100*100+d] {
					t.Fatalf("locked mask differs over time at b=%d t=%d d=%d", b, s, d)
				}
			}
		}
	}
	// Same seed, same masks.
	tp2 := NewTape(rand.New(rand.NewSource(10)))
	y2 := tp2.Dropout(tp2.Input(ones, 10, 100, 100), 0.25)
	for i := range y2.Data() {
		if y2.Data()[i] != y.Data()[i] {
			t.Fatal("dropout not deterministic for a fixed seed")
		}
	}
	// Eval mode: identity.
	tp.Training = false
	if z := tp.Dropout(x, 0.5); z != x {
		t.Error("dropout in eval mode is not the identity")
	}
	if z := tp.LockedDropout(x, 0.5); z != x {
		t.Error("locked dropout in eval mode is not the identity")
	}
}

func TestFastMath(t *testing.T) {
	for x := -87.0; x <= 88; x += 0.001 {
		f := float32(x)
		xf := float64(f)
		if got, want := float64(exp32(f)), math.Exp(xf); math.Abs(got-want) > math.Max(3e-7, 1e-7*math.Abs(xf))*want {
			t.Fatalf("exp32(%v) = %v, want %v", f, got, want)
		}
		if got, want := float64(tanh32(f)), math.Tanh(xf); math.Abs(got-want) > 3e-7*math.Abs(want)+1e-9 {
			t.Fatalf("tanh32(%v) = %v, want %v", f, got, want)
		}
		if got, want := float64(sigmoid32(f)), 1/(1+math.Exp(-xf)); math.Abs(got-want) > math.Max(3e-7, 1e-7*math.Abs(xf))*want {
			t.Fatalf("sigmoid32(%v) = %v, want %v", f, got, want)
		}
		if got, want := float64(gelu32(f)), 0.5*xf*(1+math.Erf(xf/math.Sqrt2)); math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("gelu32(%v) = %v, want %v", f, got, want)
		}
		cdf := 0.5 * (1 + math.Erf(xf/math.Sqrt2))
		want := cdf + xf*math.Exp(-xf*xf/2)/math.Sqrt(2*math.Pi)
		if got := float64(geluGradFromOut(f, gelu32(f))); math.Abs(got-want) > 2e-6 {
			t.Fatalf("geluGradFromOut(%v) = %v, want %v", f, got, want)
		}

	}
}
