package nn

import (
	"math"
	"math/rand"
	"testing"
)

// enumerate calls f for every tag path of length L over K tags.
func enumerate(L, K int, f func(path []int32)) {
	path := make([]int32, L)
	var rec func(t int)
	rec = func(t int) {
		if t == L {
			f(path)
			return
		}
		for k := 0; k < K; k++ {
			path[t] = int32(k)
			rec(t + 1)
		}
	}
	rec(0)
}

func TestCRFBruteForce(t *testing.T) {
	const B, T, K = 3, 4, 3
	rng := rand.New(rand.NewSource(30))
	c := NewCRF("crf", K, rng)
	for _, p := range c.Params() {
		InitUniform(p, 1, rng)
	}
	em := make([]float32, B*T*K)
	for i := range em {
		em[i] = float32(rng.NormFloat64())
	}
	lengths := []int{4, 2, 1}
	tags := []int32{0, 2, 1, 1, 2, 0, 9, 9, 1, 9, 9, 9} // 9s are padding, ignored
	for i, v := range tags {
		if v == 9 {
			tags[i] = 0
		}
	}
	tp := NewTape(nil)
	emv := tp.Input(em, B, T, K)
	nll := float64(c.NLL(tp, emv, tags, lengths).Data()[0])
	paths := c.Decode(emv, lengths)

	var wantNLL float64
	for b := 0; b < B; b++ {
		L := lengths[b]
		e := em[b*T*K:]
		score := func(y []int32) float64 {
			s := float64(c.Start.Value.Data[y[0]]) + float64(c.End.Value.Data[y[L-1]])
			for t := 0; t < L; t++ {
				s += float64(e[t*K+int(y[t])])
				if t > 0 {
					s += float64(c.Trans.Value.Data[int(y[t-1])*K+int(y[t])])
				}
			}
			return s
		}
		var z float64
		best, bestPath := math.Inf(-1), []int(nil)
		enumerate(L, K, func(y []int32) {
			s := score(y)
			z += math.Exp(s)
			if s > best {
				best = s
				bestPath = bestPath[:0]
				for _, v := range y {
					bestPath = append(bestPath, int(v))
				}
			}
		})
		wantNLL += math.Log(z) - score(tags[b*T:b*T+L])
		if len(paths[b]) != L {
			t.Fatalf("row %d: path length %d, want %d", b, len(paths[b]), L)
		}
		for i := range bestPath {
			if paths[b][i] != bestPath[i] {
				t.Errorf("row %d: Viterbi %v, brute force %v", b, paths[b], bestPath)
				break
			}
		}
	}
	wantNLL /= B
	if math.Abs(nll-wantNLL) > 1e-5*math.Abs(wantNLL) {
		t.Errorf("NLL = %v, brute force %v", nll, wantNLL)
	}
}

func TestGradCRF(t *testing.T) {
	const B, T, K = 2, 3, 3
	rng := rand.New(rand.NewSource(31))
	c := NewCRF("crf", K, rng)
	for _, p := range c.Params() {
		InitUniform(p, 1, rng)
	}
	em := randParam(rng, "em", 1, B, T, K)
	tags := []int32{0, 2, 1, 1, 1, 0}
	for _, lengths := range [][]int{nil, {3, 2}} {
		gradCheck(t, append([]*Param{em}, c.Params()...), func(tp *Tape) *Var {
			return c.NLL(tp, &em.Var, tags, lengths)
		})
	}
}
