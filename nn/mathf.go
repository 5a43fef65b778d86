package nn

import "math"

// Scalar float32 kernels. The float64 math package functions are accurate but
// slow in the inner loops of LSTM gates, softmax and GELU; these keep float32
// accuracy (a few ulp) at a fraction of the cost.

// exp32 is e^x with relative error below 3e-7 for |x| < 8 and below
// 1e-7·|x| beyond (the rounding of k·ln2; a float32 x carries an input
// error of that size anyway), for x in [-87, 88]. Smaller
// inputs are clamped to -87 (so exp32(-1000) is about 1e-38, not 0); x must
// not exceed 88. It is small enough for the compiler to inline into hot loops.
func exp32(x float32) float32 {
	x = max(x, -87)
	// Round x·log2(e) to the nearest integer k by adding 1.5·2²³: the
	// float32 sum's low mantissa bits then hold k.
	t := x*1.442695041 + 12582912
	k := t - 12582912
	r := x - k*0.6931471805599453
	p := ((((((1.0/720)*r+1.0/120)*r+1.0/24)*r+1.0/6)*r+0.5)*r+1)*r + 1
	return p * math.Float32frombits((math.Float32bits(t)-(0x4B400000-127))<<23) // 2^k
}

func sigmoid32(x float32) float32 { return 1 / (1 + exp32(min(-x, 88))) }

// tanh32 is tanh(x) with relative error of a few ulp.
func tanh32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax < 0.55 {
		x2 := x * x
		return tanhSeries(x, x2)
	}
	if ax > 9 {
		if x < 0 {
			return -1
		}
		return 1
	}
	e := exp32(2 * ax)
	t := 1 - 2/(e+1)
	if x < 0 {
		return -t
	}
	return t
}

// tanhSeries evaluates the Maclaurin series of tanh up to x^17 (accurate to
// float32 precision for |x| < 0.55).
func tanhSeries(x, x2 float32) float32 {
	const (
		c3  = -1.0 / 3
		c5  = 2.0 / 15
		c7  = -17.0 / 315
		c9  = 62.0 / 2835
		c11 = -1382.0 / 155925
		c13 = 21844.0 / 6081075
		c15 = -929569.0 / 638512875
		c17 = 6404582.0 / 10854718875
	)
	p := float32(c17)
	p = p*x2 + c15
	p = p*x2 + c13
	p = p*x2 + c11
	p = p*x2 + c9
	p = p*x2 + c7
	p = p*x2 + c5
	p = p*x2 + c3
	return x + x*x2*p
}

// erf32 is the error function with absolute error below 2e-7
// (Abramowitz & Stegun 7.1.26 refined form, evaluated in float32).
func erf32(x float32) float32 {
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax > 4 {
		if x < 0 {
			return -1
		}
		return 1
	}
	t := 1 / (1 + 0.3275911*ax)
	y := 1 - (((((1.061405429*t-1.453152027)*t)+1.421413741)*t-0.284496736)*t+0.254829592)*t*exp32(-ax*ax)
	if x < 0 {
		return -y
	}
	return y
}

const invSqrt2 = 0.7071067811865476
const invSqrt2Pi = 0.3989422804014327

// gelu32 is x*Φ(x) (exact GELU, as torch.nn.GELU()).
func gelu32(x float32) float32 { return 0.5 * x * (1 + erf32(x*invSqrt2)) }

// geluGradFromOut is d/dx x·Φ(x) = Φ(x) + x·φ(x) given y = gelu32(x): Φ(x) is recovered as
// y/x, so only one exp is needed.
func geluGradFromOut(x, y float32) float32 {
	var cdf float32
	if x > 1e-2 || x < -1e-2 {
		cdf = y / x
	} else {
		cdf = 0.5 + x*invSqrt2Pi // Φ(x) to O(x³)
	}
	return cdf + x*invSqrt2Pi*exp32(-0.5*x*x)
}
