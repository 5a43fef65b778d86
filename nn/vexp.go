package nn

import "math"

// Vector kernels: assembly on amd64 with AVX2 and FMA (vexp_amd64.s), the
// scalar float32 kernels of mathf.go elsewhere and for the tails.

// expAffSum sets dst[i] = exp(a·x[i] + b) for every i < len(x) (dst must be
// at least as long) and returns the sum of those values.
func expAffSum(dst, x []float32, a, b float32) float32 {
	dst = dst[:len(x)]
	n := 0
	var s float32
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		s = expAffSumAVX2(dst[:n], x[:n], a, b)
	}
	for i := n; i < len(x); i++ {
		e := exp32(min(a*x[i]+b, 88))
		dst[i] = e
		s += e
	}
	return s
}

// maxOf returns the largest element of x (-Inf when empty).
func maxOf(x []float32) float32 {
	m := float32(math.Inf(-1))
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		m = maxAVX2(x[:n])
		// VMAXPS drops NaNs; the sum below does not, so a NaN (or an
		// Inf-Inf) anywhere still makes the row's result NaN, as in PyTorch.
		if s := sum4(x[:n]); s != s {
			return s
		}
	}
	for _, v := range x[n:] {
		m = max(m, v)
	}
	return m
}

// sum4 adds x with four independent accumulators (cheap next to exp).
func sum4(x []float32) float32 {
	var a, b, c, d float32
	for len(x) >= 4 {
		a += x[0]
		b += x[1]
		c += x[2]
		d += x[3]
		x = x[4:]
	}
	for _, v := range x {
		a += v
	}
	return a + b + c + d
}

// axpb adds a·x[i] + b to dst[i] for every i < len(x).
func axpb(dst, x []float32, a, b float32) {
	dst = dst[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		axpbAVX2(dst[:n], x[:n], a, b)
	}
	for i := n; i < len(x); i++ {
		dst[i] += a*x[i] + b
	}
}

// geluVec sets y[i] = gelu32(x[i]) for every i < len(x).
func geluVec(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		geluAVX2(y[:n], x[:n])
	}
	for i := n; i < len(x); i++ {
		y[i] = gelu32(x[i])
	}
}

// geluBackVec adds dy[i]·GELU'(x[i]) to dx[i]; y holds gelu32(x) (used by
// the scalar tail).
func geluBackVec(dx, dy, x, y []float32) {
	dx, dy, y = dx[:len(x)], dy[:len(x)], y[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		geluBackAVX2(dx[:n], dy[:n], x[:n])
	}
	for i := n; i < len(x); i++ {
		dx[i] += dy[i] * geluGradFromOut(x[i], y[i])
	}
}

// tanhVec sets y[i] = tanh32(x[i]) for every i < len(x); y may be x.
func tanhVec(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		tanhAVX2(y[:n], x[:n])
	}
	for i := n; i < len(x); i++ {
		y[i] = tanh32(x[i])
	}
}

// sigmoidVec sets y[i] = sigmoid32(x[i]) for every i < len(x); y may be x.
func sigmoidVec(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useAVX2 && len(x) >= 8 {
		n = len(x) &^ 7
		sigmoidAVX2(y[:n], x[:n])
	}
	for i := n; i < len(x); i++ {
		y[i] = sigmoid32(x[i])
	}
}

// tanhBack sets dp[i] = (d[i] + dy[i])·(1 - h[i]²) for every i < len(h).
func tanhBack(dp, d, dy, h []float32) {
	dp, d, dy = dp[:len(h)], d[:len(h)], dy[:len(h)]
	n := 0
	if useAVX2 && len(h) >= 8 {
		n = len(h) &^ 7
		tanhBackAVX2(dp[:n], d[:n], dy[:n], h[:n])
	}
	for i := n; i < len(h); i++ {
		dp[i] = (d[i] + dy[i]) * (1 - h[i]*h[i])
	}
}
