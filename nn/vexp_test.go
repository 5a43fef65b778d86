package nn

import (
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

// The vector kernels against float64 math, over every tail length and the
// whole clamped input range.
func TestVectorKernels(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for n := 0; n <= 70; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.Float64()*170 - 90) // sums stay below MaxFloat32
		}
		for _, ab := range [][2]float32{{1, 0}, {-0.5, 3}, {0.01, -2}} {
			a, b := ab[0], ab[1]
			dst := make([]float32, n)
			s := expAffSum(dst, x, a, b)
			var want float64
			for i, v := range x {
				arg := min(float64(a*v+b), 88)
				w := math.Exp(max(arg, -87))
				want += float64(dst[i])
				// exp32 (the tails) rounds k·ln2 in float32: error up to 1e-7·|x|.
				if rel := math.Abs(float64(dst[i])-w) / w; rel > 3e-7+1.2e-7*math.Abs(arg) {
					t.Fatalf("n=%d a=%g b=%g: exp(%g) = %g, want %g (rel %g)", n, a, b, arg, dst[i], w, rel)
				}
			}
			if math.Abs(float64(s)-want) > 1e-5*math.Abs(want) {
				t.Fatalf("n=%d: sum %g, want %g", n, s, want)
			}
		}
		m := float32(math.Inf(-1))
		for _, v := range x {
			m = max(m, v)
		}
		if got := maxOf(x); got != m {
			t.Fatalf("n=%d: maxOf = %g, want %g", n, got, m)
		}
		dst := make([]float32, n)
		for i := range dst {
			dst[i] = float32(i)
		}
		axpb(dst, x, 0.5, -1)
		for i, v := range x {
			if want := float32(i) + 0.5*v - 1; math.Abs(float64(dst[i]-want)) > 1e-5*(1+math.Abs(float64(want))) {
				t.Fatalf("n=%d: axpb[%d] = %g, want %g", n, i, dst[i], want)
			}
		}
	}
}

func BenchmarkExpAffSum(b *testing.B) {
	x := make([]float32, 10000)
	for i := range x {
		x[i] = float32(i%200)/10 - 15
	}
	dst := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for i := 0; i < b.N; i++ {
		expAffSum(dst, x, 1, -5)
	}
}

// GELU and its derivative against float64 math.Erf.
func TestGELUVector(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for n := 0; n <= 70; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.Float64()*16 - 8)
		}
		if n > 3 {
			x[0], x[1], x[2] = 0, 1e-3, -1e-3
		}
		y := make([]float32, n)
		geluVec(y, x)
		dy := make([]float32, n)
		dx := make([]float32, n)
		for i := range dy {
			dy[i] = float32(i%5) - 2
			dx[i] = 0.5
		}
		geluBackVec(dx, dy, x, y)
		for i, v := range x {
			xf := float64(v)
			cdf := 0.5 * (1 + math.Erf(xf/math.Sqrt2))
			if want := xf * cdf; math.Abs(float64(y[i])-want) > 3e-7*(1+math.Abs(want)) {
				t.Fatalf("n=%d: gelu(%g) = %g, want %g", n, v, y[i], want)
			}
			d := cdf + xf*math.Exp(-xf*xf/2)/math.Sqrt(2*math.Pi)
			if want := 0.5 + float64(dy[i])*d; math.Abs(float64(dx[i])-want) > 1e-6*(1+math.Abs(want)) {
				t.Fatalf("n=%d: gelu'(%g)·%g + 0.5 = %g, want %g", n, v, dy[i], dx[i], want)
			}
		}
	}
}

// tanh and sigmoid against float64 math, in place and not.
func TestTanhSigmoidVector(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for n := 0; n <= 70; n++ {
		x := make([]float32, n)
		for i := range x {
			switch i % 3 {
			case 0:
				x[i] = float32(rng.Float64()*2 - 1)
			case 1:
				x[i] = float32(rng.Float64()*40 - 20)
			default:
				x[i] = float32(rng.Float64()*200 - 100)
			}
		}
		y := make([]float32, n)
		tanhVec(y, x)
		s := append([]float32(nil), x...)
		sigmoidVec(s, s)
		for i, v := range x {
			xf := float64(v)
			if want := math.Tanh(xf); math.Abs(float64(y[i])-want) > 4e-7*math.Abs(want)+1e-30 {
				t.Fatalf("n=%d: tanh(%g) = %g, want %g", n, v, y[i], want)
			}
			want := 1 / (1 + math.Exp(min(-xf, 88)))                            // exp's argument is clamped at 88
			if math.Abs(float64(s[i])-want) > (4e-7+1.2e-7*math.Abs(xf))*want { // exp32: 1e-7·|x|
				t.Fatalf("n=%d: sigmoid(%g) = %g, want %g", n, v, s[i], want)
			}
		}
	}
}

func TestTanhBack(t *testing.T) {
	for n := 0; n <= 40; n++ {
		dp, d, dy, h := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range h {
			d[i], dy[i], h[i] = float32(i)-3, 0.5*float32(i%7), float32(i%9)/10-0.4
		}
		tanhBack(dp, d, dy, h)
		for i := range h {
			if want := (d[i] + dy[i]) * (1 - h[i]*h[i]); math.Abs(float64(dp[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
				t.Fatalf("n=%d: dp[%d] = %g, want %g", n, i, dp[i], want)
			}
		}
	}
}

// A NaN anywhere in a row reaches the loss and the softmax, on the vector
// path (rows of 8 or more) as on the scalar one.
func TestNaNPropagates(t *testing.T) {
	for _, C := range []int{3, 8, 64, 67} {
		for _, at := range []int{0, C / 2, C - 1} {
			tp := NewTape(nil)
			data := tensor.New(2, C).Data
			for i := range data {
				data[i] = float32(i%7) - 3
			}
			data[at] = float32(math.NaN())
			x := tp.Leaf(2, C)
			copy(x.Value.Data, data)
			loss := tp.CrossEntropy(x, []int32{1, 2}, -1, 0)
			if v := loss.Value.Data[0]; v == v {
				t.Errorf("C=%d NaN at %d: cross-entropy %v, want NaN", C, at, v)
			}
			sm := tp.Softmax(x)
			if v := sm.Value.Data[1]; v == v {
				t.Errorf("C=%d NaN at %d: softmax %v, want NaN", C, at, v)
			}
			if v := sm.Value.Data[C+1]; v != v {
				t.Errorf("C=%d: NaN leaked into the next row", C)
			}
		}
	}
}
