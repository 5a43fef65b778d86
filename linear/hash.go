package linear

import "math"

// EOS is the token appended to every text, as fastText appends "</s>" at the
// end of each line.
const EOS = "</s>"

// ngramMul is fastText's multiplier for combining token hashes into an n-gram hash.
const ngramMul = 116049371

// HashToken returns the 32-bit FNV-1a hash of the bytes of s.
func HashToken(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// appendNgramBuckets appends, for every n-gram of length 2..n of the token
// hashes, its bucket in [0, bucket) (see the package documentation), in
// fastText's order: by start position, then by length.
func appendNgramBuckets(dst []uint32, hashes []uint32, n int, bucket uint64) []uint32 {
	if n < 2 || bucket == 0 {
		return dst
	}
	for i := range hashes {
		h := uint64(hashes[i])
		for j := i + 1; j < len(hashes) && j < i+n; j++ {
			h = h*ngramMul + uint64(hashes[j])
			dst = append(dst, uint32(h%bucket))
		}
	}
	return dst
}

// splitmix64 advances the state and returns the next output of the splitmix64
// generator (Steele, Lea and Flood 2014).
func splitmix64(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// initRow writes the initial value of row id into dst (len dim): uniform in
// [-1/dim, 1/dim), a pure function of (seed, id).
func initRow(dst []float32, seed uint64, id uint64) {
	state := seed ^ (id * 0xd1342543de82ef95)
	splitmix64(&state)
	scale := 1 / float32(len(dst))
	for j := range dst {
		u := float32(splitmix64(&state)>>40) * (1.0 / (1 << 24)) // [0,1)
		dst[j] = (2*u - 1) * scale
	}
}

// addInitRow adds the initial value of row id to dst (len dim) without storing it.
func addInitRow(dst []float32, seed uint64, id uint64) {
	state := seed ^ (id * 0xd1342543de82ef95)
	splitmix64(&state)
	scale := 1 / float32(len(dst))
	for j := range dst {
		u := float32(splitmix64(&state)>>40) * (1.0 / (1 << 24))
		dst[j] += (2*u - 1) * scale
	}
}

// axpy computes y += a*x (len(y) >= len(x)).
func axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// add computes y += x.
func add(x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += x[i]
		y[i+1] += x[i+1]
		y[i+2] += x[i+2]
		y[i+3] += x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += x[i]
	}
}

// dot returns the inner product of x and y (len(y) >= len(x)).
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// softmax replaces x by its softmax, computed stably.
func softmax(x []float32) {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var z float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		z += e
	}
	inv := 1 / z
	for i := range x {
		x[i] *= inv
	}
}
