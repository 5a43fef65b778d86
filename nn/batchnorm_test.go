package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

// Reference values from PyTorch 1.13 (torch.nn.BatchNorm1d(3), float32):
//
//	x = torch.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, 0.25], [-1.0, 4.0, 0.75], [2.0, 1.0, -0.5]], requires_grad=True)
//	w = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.1, -0.3, 1.2]])
//	bn = torch.nn.BatchNorm1d(3)
//	with torch.no_grad():
//	    bn.weight.copy_(torch.tensor([1.5, -0.5, 2.0])); bn.bias.copy_(torch.tensor([0.1, 0.2, -0.3]))
//	bn.train(); y = bn(x); (y * w).sum().backward()    # y, x.grad, weight.grad, bias.grad, running stats
//	bn(x.detach() * 2 + 1)                             # running stats after a second batch
//	bn.eval(); bn(x)                                   # evaluation output
var (
	bnRefX = []float32{1, -2, 0.5, 3, 0, 0.25, -1, 4, 0.75, 2, 1, -0.5}
	bnRefW = []float32{0.5, -1, 2, 1.5, 0.25, -0.5, -2, 1, 0.75, 0.1, -0.3, 1.2}
	bnRef  = map[string][]float32{
		"y":      {-0.15354574, 0.83508462, 0.76902056, 1.8748199, 0.37320489, -0.29999995, -2.1819115, -0.55055457, 1.8380411, 0.86063707, 0.14226502, -3.5070615},
		"dx":     {0.68674564, 0.033717625, 4.8945856, 0.060857706, -0.1136223, -5.8261614, -0.20864061, -0.0041574026, -0.4199751, -0.53896284, 0.084062085, 1.3515515},
		"dgamma": {4.7835617, 2.6500351, -0.053451102},
		"dbeta":  {0.1, -0.050000012, 3.45},
		"mean1":  {0.125, 0.075000003, 0.025},
		"var1":   {1.1916666, 1.525, 0.92916662},
		"mean2":  {0.46249998, 0.3175, 0.1725},
		"var2":   {2.2391665, 3.8724999, 0.95291662},
		"eval":   {0.63879752, 0.78883481, 0.37098306, 2.6436255, 0.280671, -0.14121777, -1.3660305, -0.73565662, 0.8831839, 1.6412115, 0.026589096, -1.6778202},
	}
)

func closeTo(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > tol*math.Max(1, math.Abs(float64(want[i]))) {
			t.Errorf("%s[%d] = %.8g, want %.8g", what, i, got[i], want[i])
		}
	}
}

func TestBatchNormMatchesPyTorch(t *testing.T) {
	bn := NewBatchNorm("bn", 3)
	copy(bn.Gamma.Value.Data, []float32{1.5, -0.5, 2})
	copy(bn.Beta.Value.Data, []float32{0.1, 0.2, -0.3})
	x := NewParam("x", 4, 3)
	copy(x.Value.Data, bnRefX)
	tp := NewTape(nil)
	y := bn.Forward(tp, &x.Var)
	tp.Backward(tp.Sum(tp.Mul(y, tp.Input(bnRefW, 4, 3))))
	const tol = 2e-6
	closeTo(t, "y", y.Data(), bnRef["y"], tol)
	closeTo(t, "dx", x.Grad.Data, bnRef["dx"], 1e-5)
	closeTo(t, "dgamma", bn.Gamma.Grad.Data, bnRef["dgamma"], 1e-5)
	closeTo(t, "dbeta", bn.Beta.Grad.Data, bnRef["dbeta"], tol)
	closeTo(t, "running_mean", bn.RunningMean.Data(), bnRef["mean1"], tol)
	closeTo(t, "running_var", bn.RunningVar.Data(), bnRef["var1"], tol)

	// A second batch, recorded without gradients, still updates the
	// running statistics (as under torch.no_grad()).
	tp.Reset()
	tp.NoGrad = true
	x2 := make([]float32, len(bnRefX))
	for i, v := range bnRefX {
		x2[i] = 2*v + 1
	}
	bn.Forward(tp, tp.Input(x2, 4, 3))
	closeTo(t, "running_mean after 2 batches", bn.RunningMean.Data(), bnRef["mean2"], tol)
	closeTo(t, "running_var after 2 batches", bn.RunningVar.Data(), bnRef["var2"], tol)

	// Evaluation uses the running statistics and leaves them alone.
	m2 := append([]float32(nil), bn.RunningMean.Data()...)
	v2 := append([]float32(nil), bn.RunningVar.Data()...)
	tp.Reset()
	tp.Training = false
	closeTo(t, "eval", bn.Forward(tp, tp.Input(bnRefX, 4, 3)).Data(), bnRef["eval"], tol)
	closeTo(t, "running_mean after eval", bn.RunningMean.Data(), m2, 0)
	closeTo(t, "running_var after eval", bn.RunningVar.Data(), v2, 0)
	closeTo(t, "num_batches_tracked", bn.Batches.Data(), []float32{2}, 0)
}

// With Warmup the k-th update uses the factor max(momentum, 1/k): the
// running statistics are the average of the batches' while k ≤ 10, then an
// exponential average with momentum 0.1.
func TestBatchNormWarmup(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	const B, F = 5, 2
	for _, warm := range []bool{true, false} {
		bn := NewBatchNorm("bn", F)
		bn.Warmup = warm
		mean, vr := []float64{0, 0}, []float64{1, 1}
		tp := NewTape(nil)
		for k := 1; k <= 14; k++ {
			x := make([]float32, B*F)
			for i := range x {
				x[i] = float32(3 + 0.1*rng.NormFloat64())
			}
			tp.Reset()
			bn.Forward(tp, tp.Input(x, B, F))
			m := 0.1
			if warm {
				m = math.Max(0.1, 1/float64(k))
			}
			for j := 0; j < F; j++ {
				var bm, bv float64
				for r := 0; r < B; r++ {
					bm += float64(x[r*F+j])
				}
				bm /= B
				for r := 0; r < B; r++ {
					bv += (float64(x[r*F+j]) - bm) * (float64(x[r*F+j]) - bm)
				}
				bv /= B - 1
				mean[j] = (1-m)*mean[j] + m*bm
				vr[j] = (1-m)*vr[j] + m*bv
			}
			what := fmt.Sprintf("warmup=%v batch %d", warm, k)
			closeTo(t, what+" running_mean", bn.RunningMean.Data(), []float32{float32(mean[0]), float32(mean[1])}, 1e-5)
			closeTo(t, what+" running_var", bn.RunningVar.Data(), []float32{float32(vr[0]), float32(vr[1])}, 1e-4)
			closeTo(t, what+" num_batches_tracked", bn.Batches.Data(), []float32{float32(k)}, 0)
		}
		// After 14 batches of variance 0.01, PyTorch's rule still holds
		// 0.9^14 ≈ 0.23 of the initial variance 1; warm-up holds none.
		if v := bn.RunningVar.Data()[0]; warm && v > 0.02 || !warm && v < 0.2 {
			t.Errorf("warmup=%v: running var %v after 14 batches of variance 0.01", warm, v)
		}
	}
}

func TestGradBatchNorm(t *testing.T) {
	for _, c := range []struct {
		name  string
		shape []int
		train bool
	}{
		{"train", []int{5, 4}, true},
		{"train 3-d", []int{2, 3, 4}, true},
		{"train 2 rows", []int{2, 4}, true},
		{"eval", []int{5, 4}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(8))
			x := randParam(rng, "x", 2, c.shape...)
			bn := NewBatchNorm("bn", 4)
			InitUniform(bn.Gamma, 1.5, rng)
			InitUniform(bn.Beta, 1, rng)
			InitUniform(bn.RunningMean, 1, rng)
			for i := range bn.RunningVar.Value.Data {
				bn.RunningVar.Value.Data[i] = 0.5 + rng.Float32()
			}
			gradCheck(t, append([]*Param{x}, bn.Params()...), func(tp *Tape) *Var {
				tp.Training = c.train
				// tanh makes the loss non-linear in the output, so
				// the gradient through the batch statistics matters.
				return weighted(tp, tp.Tanh(bn.Forward(tp, &x.Var)))
			})
		})
	}
}

// Each output feature has mean beta and standard deviation |gamma| over the
// batch in training mode, whatever the input's offset and scale.
func TestBatchNormNormalises(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	const B, F = 64, 3
	x := make([]float32, B*F)
	for i := range x {
		x[i] = 100 + 0.1*float32(rng.NormFloat64()) // big offset, small spread
	}
	bn := NewBatchNorm("bn", F)
	copy(bn.Gamma.Value.Data, []float32{1, 2, -3})
	copy(bn.Beta.Value.Data, []float32{0, 5, -1})
	tp := NewTape(nil)
	y := bn.Forward(tp, tp.Input(x, B, F)).Data()
	for j := 0; j < F; j++ {
		var m, v float64
		for r := 0; r < B; r++ {
			m += float64(y[r*F+j])
		}
		m /= B
		for r := 0; r < B; r++ {
			d := float64(y[r*F+j]) - m
			v += d * d
		}
		sd := math.Sqrt(v / B)
		g, b := float64(bn.Gamma.Value.Data[j]), float64(bn.Beta.Value.Data[j])
		// eps = 1e-5 against a variance of ~1e-2 shrinks sd by 0.05%.
		if math.Abs(m-b) > 1e-4 || math.Abs(sd-math.Abs(g)) > 2e-3*math.Abs(g) {
			t.Errorf("feature %d: mean %.4g sd %.4g, want %v and %v", j, m, sd, b, math.Abs(g))
		}
	}
}

func TestBatchNormBatchOfOne(t *testing.T) {
	bn := NewBatchNorm("bn", 2)
	tp := NewTape(nil)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("training on a batch of one did not panic")
			}
		}()
		bn.Forward(tp, tp.Input([]float32{1, 2}, 1, 2))
	}()
	// Evaluation handles a single row: (x - 0)/sqrt(1 + eps).
	tp.Reset()
	tp.Training = false
	y := bn.Forward(tp, tp.Input([]float32{1, 2}, 1, 2)).Data()
	want := []float32{float32(1 / math.Sqrt(1+1e-5)), float32(2 / math.Sqrt(1+1e-5))}
	closeTo(t, "eval of one row", y, want, 1e-7)
}

func TestBatchNormShapePanics(t *testing.T) {
	for _, c := range []struct {
		name  string
		shape []int
		bn    func(tp *Tape, x *Var) *Var
	}{
		{"1-d input", []int{4}, NewBatchNorm("bn", 4).Forward},
		{"feature mismatch", []int{2, 3}, NewBatchNorm("bn", 4).Forward},
		{"eval without running stats", []int{2, 4}, func(tp *Tape, x *Var) *Var {
			b := NewBatchNorm("bn", 4)
			tp.Training = false
			return tp.BatchNorm(x, &b.Gamma.Var, &b.Beta.Var, nil, nil, 0.1, 1e-5)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tp := NewTape(nil)
			c.bn(tp, tp.Input(make([]float32, tensor.New(c.shape...).Len()), c.shape...))
		})
	}
}

// Buffers are named like PyTorch's, are not trainable parameters and get no
// gradient; frozen gamma and beta keep theirs untouched.
func TestBatchNormParamsAndBuffers(t *testing.T) {
	bn := NewBatchNorm("head.bn1", 3)
	var names []string
	for _, p := range append(bn.Params(), bn.Buffers()...) {
		names = append(names, p.Name)
	}
	if got, want := fmt.Sprint(names), "[head.bn1.weight head.bn1.bias head.bn1.running_mean head.bn1.running_var head.bn1.num_batches_tracked]"; got != want {
		t.Errorf("names %s, want %s", got, want)
	}
	for _, p := range bn.Buffers() {
		if p.Grad != nil {
			t.Errorf("buffer %s has a gradient", p.Name)
		}
	}
	closeTo(t, "initial running_var", bn.RunningVar.Data(), []float32{1, 1, 1}, 0)
	closeTo(t, "initial gamma", bn.Gamma.Data(), []float32{1, 1, 1}, 0)

	bn.Gamma.SetFrozen(true)
	ZeroGrad(bn.Params())
	x := NewParam("x", 3, 3)
	InitUniform(x, 1, rand.New(rand.NewSource(3)))
	tp := NewTape(nil)
	y := bn.Forward(tp, &x.Var)
	tp.Backward(weighted(tp, tp.Tanh(y)))
	for _, v := range bn.Gamma.Grad.Data {
		if v != 0 {
			t.Fatalf("frozen gamma got gradient %v", bn.Gamma.Grad.Data)
		}
	}
	nonzero := false
	for _, v := range append(bn.Beta.Grad.Data, x.Grad.Data...) {
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Error("beta and x got no gradient")
	}
}

// A warm training step through batch norm allocates nothing.
func TestBatchNormSteadyStateAllocs(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	bn := NewBatchNorm("bn", 8)
	d := NewDense("d", 8, 2, true, rng)
	params := append(bn.Params(), d.Params()...)
	x := make([]float32, 16*8)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	targets := make([]int32, 16)
	tp := NewTape(nil)
	step := func() {
		tp.Reset()
		loss := tp.CrossEntropy(d.Forward(tp, bn.Forward(tp, tp.Input(x, 16, 8))), targets, -1, 0)
		ZeroGrad(params)
		tp.Backward(loss)
	}
	step()
	step()
	if allocs := testing.AllocsPerRun(20, step); allocs > 0 {
		t.Errorf("batch-norm step allocates %v times", allocs)
	}
}
