package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

func TestGradAttention(t *testing.T) {
	for _, causal := range []bool{false, true} {
		for _, lengths := range [][]int{nil, {3, 2}} {
			t.Run(fmt.Sprintf("causal=%v,lengths=%v", causal, lengths), func(t *testing.T) {
				rng := rand.New(rand.NewSource(20))
				qkv := randParam(rng, "qkv", 1, 2, 3, 12)
				gradCheck(t, []*Param{qkv}, func(tp *Tape) *Var {
					return weighted(tp, tp.Attention(&qkv.Var, 2, causal, lengths))
				})
			})
		}
	}
}

func TestGradMultiHeadAttention(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	a := NewMultiHeadAttention("attn", 4, 2, true, rng)
	InitUniform(a.InB, 0.5, rng)
	InitUniform(a.OutB, 0.5, rng)
	x := randParam(rng, "x", 1, 2, 3, 4)
	gradCheck(t, append([]*Param{x}, a.Params()...), func(tp *Tape) *Var {
		return weighted(tp, a.Forward(tp, &x.Var, []int{3, 2}))
	})
}

func TestGradTransformerBlock(t *testing.T) {
	for _, causal := range []bool{false, true} {
		t.Run(fmt.Sprintf("causal=%v", causal), func(t *testing.T) {
			rng := rand.New(rand.NewSource(22))
			blk := NewTransformerBlock("blk", 4, 2, 8, causal, 0.1, rng)
			InitUniform(blk.LN1.Gamma, 1.5, rng)
			InitUniform(blk.LN2.Beta, 0.5, rng)
			pos := NewPositionalEmbedding("pos", 5, 4, rng)
			InitUniform(pos.W, 0.5, rng)
			x := randParam(rng, "x", 1, 2, 3, 4)
			gradCheck(t, append([]*Param{x, pos.W}, blk.Params()...), func(tp *Tape) *Var {
				return weighted(tp, blk.Forward(tp, pos.Forward(tp, &x.Var), []int{3, 2}))
			})
		})
	}
}

// refAttention computes single-batch, single-head attention in float64.
func refAttention(q, k, v [][]float64, causal bool, L int) [][]float64 {
	T, d := len(q), len(q[0])
	out := make([][]float64, T)
	for i := 0; i < T; i++ {
		lim := L
		if causal && i+1 < lim {
			lim = i + 1
		}
		s := make([]float64, lim)
		m := math.Inf(-1)
		for j := 0; j < lim; j++ {
			for c := 0; c < d; c++ {
				s[j] += q[i][c] * k[j][c]
			}
			s[j] /= math.Sqrt(float64(d))
			m = math.Max(m, s[j])
		}
		var z float64
		for j := range s {
			s[j] = math.Exp(s[j] - m)
			z += s[j]
		}
		out[i] = make([]float64, d)
		for j := range s {
			for c := 0; c < d; c++ {
				out[i][c] += s[j] / z * v[j][c]
			}
		}
	}
	return out
}

func TestAttentionValues(t *testing.T) {
	const T, D, heads = 4, 6, 2
	dh := D / heads
	rng := rand.New(rand.NewSource(23))
	qkv := make([]float32, T*3*D)
	for i := range qkv {
		qkv[i] = float32(rng.NormFloat64())
	}
	for _, causal := range []bool{false, true} {
		for _, L := range []int{4, 3} {
			tp := NewTape(nil)
			out := tp.Attention(tp.Input(qkv, 1, T, 3*D), heads, causal, []int{L}).Data()
			for h := 0; h < heads; h++ {
				var q, k, v [][]float64
				for ti := 0; ti < T; ti++ {
					get := func(off int) []float64 {
						r := make([]float64, dh)
						for c := range r {
							r[c] = float64(qkv[ti*3*D+off+h*dh+c])
						}
						return r
					}
					q, k, v = append(q, get(0)), append(k, get(D)), append(v, get(2*D))
				}
				want := refAttention(q, k, v, causal, L)
				for ti := 0; ti < T; ti++ {
					for c := 0; c < dh; c++ {
						if g := float64(out[ti*D+h*dh+c]); math.Abs(g-want[ti][c]) > 1e-5 {
							t.Fatalf("causal=%v L=%d head %d t=%d c=%d: %v want %v", causal, L, h, ti, c, g, want[ti][c])
						}
					}
				}
			}
		}
	}
}

// A causal Transformer's output at position t must not change when later
// tokens change; a bidirectional one's must.
func TestCausalNoLookAhead(t *testing.T) {
	const B, T, D = 1, 5, 8
	rng := rand.New(rand.NewSource(24))
	for _, causal := range []bool{true, false} {
		blk := NewTransformerBlock("blk", D, 2, 16, causal, 0, rng)
		x := make([]float32, B*T*D)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		tp := NewTape(nil)
		tp.NoGrad = true
		before := append([]float32(nil), blk.Forward(tp, tp.Input(x, B, T, D), nil).Data()...)
		for j := 3 * D; j < T*D; j++ { // perturb positions 3 and 4
			x[j] += 1
		}
		after := blk.Forward(tp, tp.Input(x, B, T, D), nil).Data()
		changed := false
		for i := 0; i < 3*D; i++ {
			if before[i] != after[i] {
				changed = true
			}
		}
		if causal && changed {
			t.Error("causal block: earlier outputs changed when future tokens changed")
		}
		if !causal && !changed {
			t.Error("bidirectional block: earlier outputs ignore later tokens")
		}
	}
}

// TestAttentionParallel checks that splitting (batch row, head) pairs over
// threads gives bit-identical outputs and gradients to one thread, on a
// shape large enough to be split.
func TestAttentionParallel(t *testing.T) {
	defer tensor.SetThreads(0)
	rng := rand.New(rand.NewSource(23))
	qkv := randParam(rng, "qkv", 1, 4, 40, 96)
	run := func(threads int) ([]float32, []float32) {
		tensor.SetThreads(threads)
		ZeroGrad([]*Param{qkv})
		tp := NewTape(nil)
		out := tp.Attention(&qkv.Var, 4, true, []int{40, 17, 1, 33})
		tp.Backward(weighted(tp, out))
		return append([]float32(nil), out.Data()...), append([]float32(nil), qkv.Grad.Data...)
	}
	o1, g1 := run(1)
	o2, g2 := run(3)
	for i := range o1 {
		if o1[i] != o2[i] {
			t.Fatalf("output %d: 1 thread %g, 3 threads %g", i, o1[i], o2[i])
		}
	}
	for i := range g1 {
		if g1[i] != g2[i] {
			t.Fatalf("gradient %d: 1 thread %g, 3 threads %g", i, g1[i], g2[i])
		}
	}
}
