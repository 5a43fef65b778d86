package corpus

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// splitStream is the second PCG word; fixed so that a seed always means the
// same split.
const splitStream = 0x6d756c616e2d7370 // "mulan-sp"

// Split divides the indices 0..n-1 into a train and a dev part, dev holding
// round(n*devFrac) of them chosen by a seeded shuffle. Both parts are returned
// in increasing order. The result depends only on (n, devFrac, seed): the
// shuffle is a Fisher-Yates over math/rand/v2's PCG (a fixed, documented
// generator) with this package's own bounded-integer draw, so it is stable
// across runs, machines and Go versions.
func Split(n int, devFrac float64, seed uint64) (train, dev []int, err error) {
	if n < 0 {
		return nil, nil, fmt.Errorf("split: negative size %d", n)
	}
	if !(devFrac >= 0 && devFrac <= 1) {
		return nil, nil, fmt.Errorf("split: dev fraction %v not in [0, 1]", devFrac)
	}
	perm := Permutation(n, seed)
	nd := int(math.Round(float64(n) * devFrac))
	dev, train = perm[:nd], perm[nd:]
	slices.Sort(dev)
	slices.Sort(train)
	return train, dev, nil
}

// SplitSlice applies Split to xs, returning the train and dev elements in
// their original order.
func SplitSlice[T any](xs []T, devFrac float64, seed uint64) (train, dev []T, err error) {
	ti, di, err := Split(len(xs), devFrac, seed)
	if err != nil {
		return nil, nil, err
	}
	train = make([]T, len(ti))
	for i, j := range ti {
		train[i] = xs[j]
	}
	dev = make([]T, len(di))
	for i, j := range di {
		dev[i] = xs[j]
	}
	return train, dev, nil
}

// Permutation returns a seeded random permutation of 0..n-1, stable across Go
// versions (see Split).
func Permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	src := rand.NewPCG(seed, splitStream)
	for i := n - 1; i > 0; i-- {
		j := int(boundedUint64(src, uint64(i)+1))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// boundedUint64 draws uniformly from [0, n) by Lemire's multiply-shift with
// rejection; written out here so that the sequence never depends on how the
// standard library maps random words to ranges.
func boundedUint64(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}
