package tensor

import "math"

// expf is a fast float32 exponential: range reduction to e^r·2^k with
// |r| ≤ ln2/2 and a degree-7 Taylor polynomial, evaluated in float64 so the
// float32 result is within an ulp or so of the exact value. It inlines into
// the softmax and gate loops and skips math.Exp's special-case handling.
func expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -103.97208:
		return 0
	}
	const ln2hi, ln2lo = 6.93147180369123816490e-01, 1.90821492927058770002e-10
	v := float64(x)
	k := math.Floor(v*math.Log2E + 0.5)
	r := v - k*ln2hi - k*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return float32(p * math.Float64frombits(uint64(int64(k)+1023)<<52))
}

// tanhf is tanh computed from expf; absolute error below 1e-7.
func tanhf(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax > 9.1 { // tanh rounds to ±1 in float32
		if x < 0 {
			return -1
		}
		return 1
	}
	if ax < 0.004 {
		return x - x*x*x/3
	}
	e := expf(-2 * ax)
	t := (1 - e) / (1 + e)
	if x < 0 {
		return -t
	}
	return t
}

// sigmoidf is the logistic function 1/(1+e^-x).
func sigmoidf(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + expf(-x))
	}
	e := expf(x)
	return e / (1 + e)
}
