package tensor

import (
	"fmt"
	"math"
)

// Kernels on flat float32 slices. Matrices are row-major: a rows×cols matrix
// x holds element (i, j) at x[i*cols+j]. Unless stated, dst may alias an
// input, and every slice must have the length the shapes imply (the kernels
// panic otherwise, as indexing would). Forward kernels assign to dst;
// backward kernels ACCUMULATE into the gradient (dx += ...), which is what
// reverse-mode autodiff needs when a value feeds several operations.

// Fill sets every element of x to v.
func Fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// Zero sets every element of x to 0.
func Zero(x []float32) { clear(x) }

func same3(dst, a, b []float32) {
	if len(a) != len(dst) || len(b) != len(dst) {
		panic(fmt.Sprintf("tensor: length mismatch: dst %d, a %d, b %d", len(dst), len(a), len(b)))
	}
}

func same2(dst, a []float32) {
	if len(a) != len(dst) {
		panic(fmt.Sprintf("tensor: length mismatch: dst %d, src %d", len(dst), len(a)))
	}
}

// Add sets dst = a + b element-wise.
func Add(dst, a, b []float32) {
	same3(dst, a, b)
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Sub sets dst = a - b element-wise.
func Sub(dst, a, b []float32) {
	same3(dst, a, b)
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// Mul sets dst = a * b element-wise (Hadamard product).
func Mul(dst, a, b []float32) {
	same3(dst, a, b)
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// MulAdd accumulates dst += a * b element-wise; it is the backward form of
// Mul (da += dy*b, db += dy*a).
func MulAdd(dst, a, b []float32) {
	same3(dst, a, b)
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] += a[i] * b[i]
	}
}

// Axpy accumulates y += alpha * x.
func Axpy(alpha float32, x, y []float32) {
	same2(y, x)
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Scale multiplies x by alpha in place.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// ScaleTo sets dst = alpha * x.
func ScaleTo(dst []float32, alpha float32, x []float32) {
	same2(dst, x)
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = alpha * x[i]
	}
}

// AddScalar sets dst = x + c.
func AddScalar(dst, x []float32, c float32) {
	same2(dst, x)
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + c
	}
}

// Dot returns Σ x[i]*y[i], accumulated in float64.
func Dot(x, y []float32) float32 {
	same2(x, y)
	y = y[:len(x)]
	var s float64
	for i := range x {
		s += float64(x[i]) * float64(y[i])
	}
	return float32(s)
}

// Sum returns Σ x[i], accumulated in float64.
func Sum(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s)
}

// Exp sets dst = e^x.
func Exp(dst, x []float32) {
	same2(dst, x)
	x = x[:len(dst)]
	parallelFor(len(dst), 8, func(lo, hi int) {
		d, s := dst[lo:hi], x[lo:hi]
		for i := range d {
			d[i] = expf(s[i])
		}
	})
}

// Log sets dst = ln x.
func Log(dst, x []float32) {
	same2(dst, x)
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = float32(math.Log(float64(x[i])))
	}
}

// Tanh sets y = tanh(x).
func Tanh(y, x []float32) {
	same2(y, x)
	x = x[:len(y)]
	parallelFor(len(y), 10, func(lo, hi int) {
		d, s := y[lo:hi], x[lo:hi]
		for i := range d {
			d[i] = tanhf(s[i])
		}
	})
}

// TanhBackward accumulates dx += dy * (1 - y²) where y = tanh(x).
func TanhBackward(dx, dy, y []float32) {
	same3(dx, dy, y)
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i := range dx {
		dx[i] += dy[i] * (1 - y[i]*y[i])
	}
}

// Sigmoid sets y = 1/(1+e^-x).
func Sigmoid(y, x []float32) {
	same2(y, x)
	x = x[:len(y)]
	parallelFor(len(y), 10, func(lo, hi int) {
		d, s := y[lo:hi], x[lo:hi]
		for i := range d {
			d[i] = sigmoidf(s[i])
		}
	})
}

// SigmoidBackward accumulates dx += dy * y * (1 - y) where y = sigmoid(x).
func SigmoidBackward(dx, dy, y []float32) {
	same3(dx, dy, y)
	dy, y = dy[:len(dx)], y[:len(dx)]
	for i := range dx {
		dx[i] += dy[i] * y[i] * (1 - y[i])
	}
}

// Relu sets y = max(x, 0).
func Relu(y, x []float32) {
	same2(y, x)
	x = x[:len(y)]
	for i := range y {
		v := x[i]
		if v < 0 {
			v = 0
		}
		y[i] = v
	}
}

// ReluBackward accumulates dx += dy where x > 0. Passing the output y in
// place of x gives the same result.
func ReluBackward(dx, dy, x []float32) {
	same3(dx, dy, x)
	dy, x = dy[:len(dx)], x[:len(dx)]
	for i := range dx {
		if x[i] > 0 {
			dx[i] += dy[i]
		}
	}
}

// Gelu sets y = x·Φ(x), the exact GELU with the normal CDF Φ (PyTorch's
// default nn.GELU).
func Gelu(y, x []float32) {
	same2(y, x)
	x = x[:len(y)]
	parallelFor(len(y), 20, func(lo, hi int) {
		d, s := y[lo:hi], x[lo:hi]
		for i := range d {
			v := float64(s[i])
			d[i] = float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
		}
	})
}

// GeluBackward accumulates dx += dy·(Φ(x) + x·φ(x)) for the exact GELU; it
// needs the input x.
func GeluBackward(dx, dy, x []float32) {
	same3(dx, dy, x)
	dy, x = dy[:len(dx)], x[:len(dx)]
	parallelFor(len(dx), 25, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(x[i])
			cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
			pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
			dx[i] += dy[i] * float32(cdf+v*pdf)
		}
	})
}

const geluC = 0.7978845608028654 // sqrt(2/pi)

// GeluTanh sets y = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh
// approximation of GELU used by GPT-2 and BERT ("gelu_new").
func GeluTanh(y, x []float32) {
	same2(y, x)
	x = x[:len(y)]
	parallelFor(len(y), 12, func(lo, hi int) {
		d, s := y[lo:hi], x[lo:hi]
		for i := range d {
			v := s[i]
			d[i] = 0.5 * v * (1 + tanhf(geluC*(v+0.044715*v*v*v)))
		}
	})
}

// GeluTanhBackward accumulates the gradient of GeluTanh; it needs the input x.
func GeluTanhBackward(dx, dy, x []float32) {
	same3(dx, dy, x)
	dy, x = dy[:len(dx)], x[:len(dx)]
	parallelFor(len(dx), 14, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := x[i]
			t := tanhf(geluC * (v + 0.044715*v*v*v))
			dx[i] += dy[i] * (0.5*(1+t) + 0.5*v*(1-t*t)*geluC*(1+3*0.044715*v*v))
		}
	})
}

func checkMatrix(name string, x []float32, rows, cols int) {
	if rows < 0 || cols < 0 || len(x) != rows*cols {
		panic(fmt.Sprintf("tensor: %s has %d elements, want %d×%d", name, len(x), rows, cols))
	}
}

// AddRowVector adds the vector v (length cols) to every row of the rows×cols
// matrix x in place (a bias add).
func AddRowVector(x []float32, rows, cols int, v []float32) {
	checkMatrix("x", x, rows, cols)
	checkMatrix("v", v, 1, cols)
	for i := 0; i < rows; i++ {
		r := x[i*cols : i*cols+cols]
		for j := range r {
			r[j] += v[j]
		}
	}
}

// RowSums sets dst[i] = Σ_j x[i,j] for the rows×cols matrix x (len(dst) = rows).
func RowSums(dst, x []float32, rows, cols int) {
	checkMatrix("x", x, rows, cols)
	checkMatrix("dst", dst, rows, 1)
	for i := range dst {
		var s float32
		for _, v := range x[i*cols : i*cols+cols] {
			s += v
		}
		dst[i] = s
	}
}

// RowMeans sets dst[i] = mean_j x[i,j] (len(dst) = rows).
func RowMeans(dst, x []float32, rows, cols int) {
	RowSums(dst, x, rows, cols)
	if cols > 0 {
		Scale(1/float32(cols), dst)
	}
}

// ColSums sets dst[j] = Σ_i x[i,j] (len(dst) = cols).
func ColSums(dst, x []float32, rows, cols int) {
	checkMatrix("dst", dst, 1, cols)
	clear(dst)
	AddColSums(dst, x, rows, cols)
}

// AddColSums accumulates dst[j] += Σ_i x[i,j]: the gradient of a bias added
// with AddRowVector.
func AddColSums(dst, x []float32, rows, cols int) {
	checkMatrix("x", x, rows, cols)
	checkMatrix("dst", dst, 1, cols)
	for i := 0; i < rows; i++ {
		r := x[i*cols : i*cols+cols]
		for j := range r {
			dst[j] += r[j]
		}
	}
}

// ColMeans sets dst[j] = mean_i x[i,j] (len(dst) = cols).
func ColMeans(dst, x []float32, rows, cols int) {
	ColSums(dst, x, rows, cols)
	if rows > 0 {
		Scale(1/float32(rows), dst)
	}
}

// Softmax sets each row of y to the softmax of the same row of x (rows×cols),
// subtracting the row maximum first so large logits do not overflow.
func Softmax(y, x []float32, rows, cols int) {
	checkMatrix("x", x, rows, cols)
	checkMatrix("y", y, rows, cols)
	parallelFor(rows, cols*8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, yr := x[i*cols:i*cols+cols], y[i*cols:i*cols+cols]
			m := rowMax(xr)
			var s float32
			for j := range yr {
				e := expf(xr[j] - m)
				yr[j] = e
				s += e
			}
			inv := 1 / s
			for j := range yr {
				yr[j] *= inv
			}
		}
	})
}

// SoftmaxBackward accumulates dx += y ⊙ (dy - Σ_j dy·y) row by row, where y
// is the output of Softmax.
func SoftmaxBackward(dx, dy, y []float32, rows, cols int) {
	checkMatrix("dx", dx, rows, cols)
	checkMatrix("dy", dy, rows, cols)
	checkMatrix("y", y, rows, cols)
	parallelFor(rows, cols*3, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, g, p := dx[i*cols:i*cols+cols], dy[i*cols:i*cols+cols], y[i*cols:i*cols+cols]
			var s float32
			for j := range g {
				s += g[j] * p[j]
			}
			for j := range d {
				d[j] += p[j] * (g[j] - s)
			}
		}
	})
}

// LogSoftmax sets each row of y to x - log Σ exp(x) of the same row of x.
func LogSoftmax(y, x []float32, rows, cols int) {
	checkMatrix("x", x, rows, cols)
	checkMatrix("y", y, rows, cols)
	parallelFor(rows, cols*8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xr, yr := x[i*cols:i*cols+cols], y[i*cols:i*cols+cols]
			m := rowMax(xr)
			var s float32
			for _, v := range xr {
				s += expf(v - m)
			}
			lse := m + float32(math.Log(float64(s)))
			for j := range yr {
				yr[j] = xr[j] - lse
			}
		}
	})
}

// LogSoftmaxBackward accumulates dx += dy - exp(y)·Σ_j dy row by row, where y
// is the output of LogSoftmax.
func LogSoftmaxBackward(dx, dy, y []float32, rows, cols int) {
	checkMatrix("dx", dx, rows, cols)
	checkMatrix("dy", dy, rows, cols)
	checkMatrix("y", y, rows, cols)
	parallelFor(rows, cols*8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d, g, p := dx[i*cols:i*cols+cols], dy[i*cols:i*cols+cols], y[i*cols:i*cols+cols]
			var s float32
			for _, v := range g {
				s += v
			}
			for j := range d {
				d[j] += g[j] - expf(p[j])*s
			}
		}
	})
}

func rowMax(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// Argmax returns the index of the largest element of x (the first on ties),
// or -1 when x is empty. NaNs are ignored unless every element is NaN.
func Argmax(x []float32) int {
	best := -1
	for i, v := range x {
		if v != v {
			continue
		}
		if best < 0 || v > x[best] {
			best = i
		}
	}
	if best < 0 && len(x) > 0 {
		return 0
	}
	return best
}

// ArgmaxRows sets dst[i] to the column of the largest element of row i of the
// rows×cols matrix x (len(dst) = rows).
func ArgmaxRows(dst []int, x []float32, rows, cols int) {
	checkMatrix("x", x, rows, cols)
	if len(dst) != rows {
		panic(fmt.Sprintf("tensor: ArgmaxRows: dst has %d elements, want %d", len(dst), rows))
	}
	for i := range dst {
		dst[i] = Argmax(x[i*cols : i*cols+cols])
	}
}

// GatherRows copies row ids[r] of the table (with cols columns) into row r of
// dst (len(ids)×cols): an embedding lookup. A negative id (padding) yields a
// zero row. Ids past the table panic.
func GatherRows(dst, table []float32, cols int, ids []int32) {
	checkMatrix("dst", dst, len(ids), cols)
	if cols == 0 || len(table)%cols != 0 {
		if cols == 0 {
			return
		}
		panic(fmt.Sprintf("tensor: GatherRows: table length %d is not a multiple of %d columns", len(table), cols))
	}
	n := int32(len(table) / cols)
	for r, id := range ids {
		d := dst[r*cols : r*cols+cols]
		if id < 0 {
			clear(d)
			continue
		}
		if id >= n {
			panic(fmt.Sprintf("tensor: GatherRows: id %d out of range [0,%d)", id, n))
		}
		copy(d, table[int(id)*cols:int(id)*cols+cols])
	}
}

// ScatterAddRows accumulates row r of src (len(ids)×cols) into row ids[r] of
// the table: the gradient of GatherRows. Repeated ids accumulate; negative
// ids (padding) are skipped.
func ScatterAddRows(table []float32, cols int, ids []int32, src []float32) {
	checkMatrix("src", src, len(ids), cols)
	if cols == 0 {
		return
	}
	n := int32(len(table) / cols)
	for r, id := range ids {
		if id < 0 {
			continue
		}
		if id >= n {
			panic(fmt.Sprintf("tensor: ScatterAddRows: id %d out of range [0,%d)", id, n))
		}
		t := table[int(id)*cols : int(id)*cols+cols]
		s := src[r*cols : r*cols+cols]
		for j := range t {
			t[j] += s[j]
		}
	}
}

// Transpose sets dst (cols×rows) to the transpose of src (rows×cols). dst must
// not alias src. It works in cache-sized tiles.
func Transpose(dst, src []float32, rows, cols int) {
	checkMatrix("src", src, rows, cols)
	checkMatrix("dst", dst, cols, rows)
	const tile = 32
	for i0 := 0; i0 < rows; i0 += tile {
		i1 := min(i0+tile, rows)
		for j0 := 0; j0 < cols; j0 += tile {
			j1 := min(j0+tile, cols)
			for i := i0; i < i1; i++ {
				s := src[i*cols+j0 : i*cols+j1]
				for j, v := range s {
					dst[(j0+j)*rows+i] = v
				}
			}
		}
	}
}
