package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(r *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32((r.Float64()*2 - 1) * scale)
	}
	return s
}

func closeTo(t *testing.T, name string, got []float32, want []float64, abs, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
	}
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		if !(d <= abs+rel*math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.9g, want %.9g (diff %g)", name, i, got[i], want[i], d)
		}
	}
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// TestElementwise checks every element-wise kernel against float64 formulas,
// on sizes that exercise both the serial and the threaded paths.
func TestElementwise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	phi := func(v float64) float64 { return 0.5 * (1 + math.Erf(v/math.Sqrt2)) }
	gt := func(v float64) float64 { return math.Tanh(math.Sqrt(2/math.Pi) * (v + 0.044715*v*v*v)) }
	unary := []struct {
		name  string
		fn    func(dst, x []float32)
		ref   func(x float64) float64
		scale float64
	}{
		{"Exp", Exp, math.Exp, 20},
		{"Tanh", Tanh, math.Tanh, 6},
		{"TanhSmall", Tanh, math.Tanh, 0.01},
		{"Sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }, 30},
		{"Relu", Relu, func(v float64) float64 { return math.Max(v, 0) }, 3},
		{"Gelu", Gelu, func(v float64) float64 { return v * phi(v) }, 5},
		{"GeluTanh", GeluTanh, func(v float64) float64 { return 0.5 * v * (1 + gt(v)) }, 5},
		{"Log", func(d, x []float32) {
			for i := range x {
				x[i] = x[i]*x[i] + 1e-3
			}
			Log(d, x)
		}, math.Log, 4},
	}
	for _, n := range []int{1, 7, 100_000} {
		for _, u := range unary {
			x := randVec(r, n, u.scale)
			y := make([]float32, n)
			u.fn(y, x)
			want := make([]float64, n)
			for i, v := range x {
				want[i] = u.ref(float64(v))
			}
			closeTo(t, u.name, y, want, 2e-7, 2e-6)
		}
	}
	backward := []struct {
		name string
		fn   func(dx, dy, v []float32)
		// v is what the kernel receives (the input or the output); ref is
		// the local derivative as a function of it.
		in  func(x float64) float64
		ref func(v float64) float64
	}{
		{"TanhBackward", TanhBackward, math.Tanh, func(y float64) float64 { return 1 - y*y }},
		{"SigmoidBackward", SigmoidBackward, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, func(y float64) float64 { return y * (1 - y) }},
		{"ReluBackward", ReluBackward, func(x float64) float64 { return x }, func(x float64) float64 {
			if x > 0 {
				return 1
			}
			return 0
		}},
		{"GeluBackward", GeluBackward, func(x float64) float64 { return x }, func(x float64) float64 {
			return phi(x) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
		}},
		{"GeluTanhBackward", GeluTanhBackward, func(x float64) float64 { return x }, func(x float64) float64 {
			// central difference of the float64 formula as an independent oracle
			f := func(v float64) float64 { return 0.5 * v * (1 + gt(v)) }
			h := 1e-6
			return (f(x+h) - f(x-h)) / (2 * h)
		}},
	}
	for _, n := range []int{5, 100_000} {
		for _, b := range backward {
			x := randVec(r, n, 4)
			v := make([]float32, n)
			for i := range x {
				v[i] = float32(b.in(float64(x[i])))
			}
			dy := randVec(r, n, 1)
			dx := randVec(r, n, 1) // accumulates onto existing values
			want := f64(dx)
			for i := range want {
				want[i] += float64(dy[i]) * b.ref(float64(v[i]))
			}
			b.fn(dx, dy, v)
			closeTo(t, b.name, dx, want, 1e-6, 1e-5)
		}
	}
}

func TestBinaryAndBlas1(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 37
	a, b := randVec(r, n, 3), randVec(r, n, 3)
	fa, fb := f64(a), f64(b)
	dst := make([]float32, n)
	want := make([]float64, n)
	check := func(name string, f func(i int) float64) {
		for i := range want {
			want[i] = f(i)
		}
		closeTo(t, name, dst, want, 1e-6, 1e-6)
	}
	Add(dst, a, b)
	check("Add", func(i int) float64 { return fa[i] + fb[i] })
	Sub(dst, a, b)
	check("Sub", func(i int) float64 { return fa[i] - fb[i] })
	Mul(dst, a, b)
	check("Mul", func(i int) float64 { return fa[i] * fb[i] })
	MulAdd(dst, a, b)
	check("MulAdd", func(i int) float64 { return 2 * fa[i] * fb[i] })
	ScaleTo(dst, -1.5, a)
	check("ScaleTo", func(i int) float64 { return -1.5 * fa[i] })
	Scale(2, dst)
	check("Scale", func(i int) float64 { return -3 * fa[i] })
	Axpy(0.5, b, dst)
	check("Axpy", func(i int) float64 { return -3*fa[i] + 0.5*fb[i] })
	AddScalar(dst, a, 0.25)
	check("AddScalar", func(i int) float64 { return fa[i] + 0.25 })
	Fill(dst, 7)
	check("Fill", func(int) float64 { return 7 })
	Zero(dst)
	check("Zero", func(int) float64 { return 0 })
	Add(a, a, b) // aliasing dst with an input is allowed
	for i := range a {
		if a[i] != float32(fa[i])+float32(fb[i]) {
			t.Fatalf("aliased Add[%d] = %g", i, a[i])
		}
	}
	var dot, sum float64
	for i := range fa {
		dot += float64(a[i]) * fb[i]
		sum += float64(a[i])
	}
	if got := Dot(a, b); math.Abs(float64(got)-dot) > 1e-5 {
		t.Errorf("Dot = %g, want %g", got, dot)
	}
	if got := Sum(a); math.Abs(float64(got)-sum) > 1e-5 {
		t.Errorf("Sum = %g, want %g", got, sum)
	}
	defer func() {
		if recover() == nil {
			t.Error("Add with mismatched lengths did not panic")
		}
	}()
	Add(dst, a, b[:3])
}

func TestReductions(t *testing.T) {
	// Hand-computed: x = [[1 2 3] [4 5 6]].
	x := []float32{1, 2, 3, 4, 5, 6}
	rs, cs := make([]float32, 2), make([]float32, 3)
	RowSums(rs, x, 2, 3)
	closeTo(t, "RowSums", rs, []float64{6, 15}, 0, 0)
	RowMeans(rs, x, 2, 3)
	closeTo(t, "RowMeans", rs, []float64{2, 5}, 1e-7, 0)
	ColSums(cs, x, 2, 3)
	closeTo(t, "ColSums", cs, []float64{5, 7, 9}, 0, 0)
	AddColSums(cs, x, 2, 3)
	closeTo(t, "AddColSums", cs, []float64{10, 14, 18}, 0, 0)
	ColMeans(cs, x, 2, 3)
	closeTo(t, "ColMeans", cs, []float64{2.5, 3.5, 4.5}, 0, 0)
	AddRowVector(x, 2, 3, []float32{10, 20, 30})
	closeTo(t, "AddRowVector", x, []float64{11, 22, 33, 14, 25, 36}, 0, 0)
	tr := make([]float32, 6)
	Transpose(tr, x, 2, 3)
	closeTo(t, "Transpose", tr, []float64{11, 14, 22, 25, 33, 36}, 0, 0)

	// A larger transpose crosses tile borders.
	r := rand.New(rand.NewPCG(9, 9))
	rows, cols := 45, 70
	m := randVec(r, rows*cols, 1)
	mt := make([]float32, rows*cols)
	Transpose(mt, m, rows, cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if mt[j*rows+i] != m[i*cols+j] {
				t.Fatalf("Transpose(%d,%d) wrong", i, j)
			}
		}
	}
}

func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {64, 3000}} {
		rows, cols := sh[0], sh[1]
		x := randVec(r, rows*cols, 30)
		x[0] = 1e4 // must not overflow
		sm, lsm := make([]float32, len(x)), make([]float32, len(x))
		Softmax(sm, x, rows, cols)
		LogSoftmax(lsm, x, rows, cols)
		wantS, wantL := make([]float64, len(x)), make([]float64, len(x))
		for i := 0; i < rows; i++ {
			row := f64(x[i*cols : i*cols+cols])
			m := math.Inf(-1)
			for _, v := range row {
				m = math.Max(m, v)
			}
			var s float64
			for _, v := range row {
				s += math.Exp(v - m)
			}
			for j, v := range row {
				wantS[i*cols+j] = math.Exp(v-m) / s
				wantL[i*cols+j] = v - m - math.Log(s)
			}
		}
		closeTo(t, "Softmax", sm, wantS, 1e-7, 1e-5)
		closeTo(t, "LogSoftmax", lsm, wantL, 1e-4, 1e-6)

		// Backward forms against the float64 Jacobian-vector product.
		dy := randVec(r, len(x), 1)
		dx, dxl := randVec(r, len(x), 1), randVec(r, len(x), 1)
		wb, wl := f64(dx), f64(dxl)
		for i := 0; i < rows; i++ {
			var s, sl float64
			for j := 0; j < cols; j++ {
				s += float64(dy[i*cols+j]) * wantS[i*cols+j]
				sl += float64(dy[i*cols+j])
			}
			for j := 0; j < cols; j++ {
				k := i*cols + j
				wb[k] += wantS[k] * (float64(dy[k]) - s)
				wl[k] += float64(dy[k]) - math.Exp(wantL[k])*sl
			}
		}
		SoftmaxBackward(dx, dy, sm, rows, cols)
		LogSoftmaxBackward(dxl, dy, lsm, rows, cols)
		closeTo(t, "SoftmaxBackward", dx, wb, 1e-5, 1e-5)
		closeTo(t, "LogSoftmaxBackward", dxl, wl, 2e-5, 1e-5)
	}
}

func TestArgmax(t *testing.T) {
	nan := float32(math.NaN())
	for _, tc := range []struct {
		x    []float32
		want int
	}{
		{nil, -1},
		{[]float32{3}, 0},
		{[]float32{1, 5, 5, 2}, 1},
		{[]float32{-3, -1, -2}, 1},
		{[]float32{nan, 1, 4}, 2},
		{[]float32{nan, nan}, 0},
	} {
		if got := Argmax(tc.x); got != tc.want {
			t.Errorf("Argmax(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
	dst := make([]int, 2)
	ArgmaxRows(dst, []float32{0, 9, 1, 7, 2, 3}, 2, 3)
	if dst[0] != 1 || dst[1] != 0 {
		t.Errorf("ArgmaxRows = %v, want [1 0]", dst)
	}
}

func TestGatherScatter(t *testing.T) {
	table := []float32{0, 1, 10, 11, 20, 21} // 3 rows × 2
	ids := []int32{2, 0, -1, 2}
	dst := make([]float32, len(ids)*2)
	GatherRows(dst, table, 2, ids)
	closeTo(t, "GatherRows", dst, []float64{20, 21, 0, 1, 0, 0, 20, 21}, 0, 0)

	grad := make([]float32, 6)
	ScatterAddRows(grad, 2, ids, []float32{1, 2, 3, 4, 5, 6, 7, 8})
	// row 2 gets rows 0 and 3 of src; row 0 gets row 1; padding is dropped.
	closeTo(t, "ScatterAddRows", grad, []float64{3, 4, 0, 0, 8, 10}, 0, 0)

	defer func() {
		if recover() == nil {
			t.Error("GatherRows with an out-of-range id did not panic")
		}
	}()
	GatherRows(dst[:2], table, 2, []int32{3})
}

func TestExpfEdges(t *testing.T) {
	if v := expf(100); !math.IsInf(float64(v), 1) {
		t.Errorf("expf(100) = %g", v)
	}
	if v := expf(-200); v != 0 {
		t.Errorf("expf(-200) = %g", v)
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Errorf("expf(NaN) = %g", v)
	}
	if v := expf(0); v != 1 {
		t.Errorf("expf(0) = %g", v)
	}
	for _, x := range []float32{88.7, -87, -100, 1e-8} {
		want := math.Exp(float64(x))
		if d := math.Abs(float64(expf(x))-want) / want; d > 3e-7 && want > 1e-37 {
			t.Errorf("expf(%g) rel err %g", x, d)
		}
	}
}
