package nn

import (
	"fmt"
	"math"
	"math/rand"
)

// CRF is a linear-chain conditional random field over K tags. The score of a
// tag path y for emissions e is
//
//	start[y0] + Σ_t e[t][y_t] + Σ_{t>0} trans[y_{t-1}][y_t] + end[y_{L-1}].
type CRF struct {
	K     int
	Trans *Param // [K, K], trans[i][j] scores tag i followed by tag j
	Start *Param // [K]
	End   *Param // [K]
}

// NewCRF returns a CRF with parameters uniform in ±0.1 (as pytorch-crf),
// named prefix+".transitions", ".start_transitions", ".end_transitions".
func NewCRF(prefix string, k int, rng *rand.Rand) *CRF {
	c := &CRF{
		K:     k,
		Trans: NewParam(prefix+".transitions", k, k),
		Start: NewParam(prefix+".start_transitions", k),
		End:   NewParam(prefix+".end_transitions", k),
	}
	for _, p := range c.Params() {
		InitUniform(p, 0.1, rng)
	}
	return c
}

// Params returns transitions, start and end scores.
func (c *CRF) Params() []*Param { return []*Param{c.Trans, c.Start, c.End} }

// NLL returns the mean over the batch of the negative log-likelihood of the
// gold tags. emissions is [B, T, K]; tags holds B×T tag ids (row-major,
// entries past a row's length ignored); lengths gives each row's length (nil:
// all T). tags and lengths must remain unchanged until Backward.
func (c *CRF) NLL(tp *Tape, emissions *Var, tags []int32, lengths []int) *Var {
	return tp.CRFNLL(emissions, &c.Trans.Var, &c.Start.Var, &c.End.Var, tags, lengths)
}

func crfDims(em *Var, trans *Var, lengths []int) (B, T, K int) {
	s := em.Value.Shape
	if len(s) != 3 || trans.Value.Len() != s[2]*s[2] {
		panic(fmt.Sprintf("nn: CRF: emissions %v, transitions %v", s, trans.Value.Shape))
	}
	B, T, K = s[0], s[1], s[2]
	if lengths != nil {
		if len(lengths) != B {
			panic(fmt.Sprintf("nn: CRF: %d lengths for batch %d", len(lengths), B))
		}
		for _, l := range lengths {
			if l < 1 || l > T {
				panic(fmt.Sprintf("nn: CRF: length %d outside 1..%d", l, T))
			}
		}
	}
	return
}

// CRFNLL is the op behind CRF.NLL.
func (tp *Tape) CRFNLL(em, trans, start, end *Var, tags []int32, lengths []int) *Var {
	B, T, K := crfDims(em, trans, lengths)
	if len(tags) != B*T {
		panic(fmt.Sprintf("nn: CRF: %d tags for emissions %v", len(tags), em.Value.Shape))
	}
	need := tp.grads(em, trans, start, end)
	out := tp.newVar(need, 1)
	alpha := tp.float64s(T * K)
	var total float64
	for b := 0; b < B; b++ {
		L := seqLen(lengths, b, T)
		e := em.Value.Data[b*T*K : (b+1)*T*K]
		y := tags[b*T : b*T+L]
		for _, v := range y {
			if v < 0 || int(v) >= K {
				panic(fmt.Sprintf("nn: CRF: tag %d outside %d tags", v, K))
			}
		}
		logZ := crfForward(e, trans.Value.Data, start.Value.Data, end.Value.Data, L, K, alpha)
		total += logZ - crfScore(e, trans.Value.Data, start.Value.Data, end.Value.Data, y, K)
	}
	out.Value.Data[0] = float32(total / float64(B))
	if need {
		nd := tp.record(backCRF)
		nd.in[0], nd.in[1], nd.in[2], nd.in[3], nd.out[0] = em, trans, start, end, out
		nd.ints, nd.lens = tags, lengths
	}
	return out
}

func crfScore(e, trans, start, end []float32, y []int32, K int) float64 {
	s := float64(start[y[0]]) + float64(e[y[0]])
	for t := 1; t < len(y); t++ {
		s += float64(trans[int(y[t-1])*K+int(y[t])]) + float64(e[t*K+int(y[t])])
	}
	return s + float64(end[y[len(y)-1]])
}

// crfForward fills alpha[t*K+j] (log-sum of all prefix paths ending in j at
// t) for t < L and returns log Z.
func crfForward(e, trans, start, end []float32, L, K int, alpha []float64) float64 {
	for j := 0; j < K; j++ {
		alpha[j] = float64(start[j]) + float64(e[j])
	}
	for t := 1; t < L; t++ {
		for j := 0; j < K; j++ {
			m := math.Inf(-1)
			for i := 0; i < K; i++ {
				m = math.Max(m, alpha[(t-1)*K+i]+float64(trans[i*K+j]))
			}
			var s float64
			for i := 0; i < K; i++ {
				s += math.Exp(alpha[(t-1)*K+i] + float64(trans[i*K+j]) - m)
			}
			alpha[t*K+j] = m + math.Log(s) + float64(e[t*K+j])
		}
	}
	m := math.Inf(-1)
	for j := 0; j < K; j++ {
		m = math.Max(m, alpha[(L-1)*K+j]+float64(end[j]))
	}
	var s float64
	for j := 0; j < K; j++ {
		s += math.Exp(alpha[(L-1)*K+j] + float64(end[j]) - m)
	}
	return m + math.Log(s)
}

func backCRF(tp *Tape, nd *node) {
	em, trans, start, end := nd.in[0], nd.in[1], nd.in[2], nd.in[3]
	B, T, K := crfDims(em, trans, nd.lens)
	g := float64(nd.out[0].Grad.Data[0]) / float64(B)
	scratch := tp.float64s(2 * T * K)
	alpha, beta := scratch[:T*K], scratch[T*K:]
	tr, st, en := trans.Value.Data, start.Value.Data, end.Value.Data
	for b := 0; b < B; b++ {
		L := seqLen(nd.lens, b, T)
		e := em.Value.Data[b*T*K : (b+1)*T*K]
		y := nd.ints[b*T : b*T+L]
		logZ := crfForward(e, tr, st, en, L, K, alpha)
		// beta[t][i]: log-sum of suffix paths from tag i at t (excluding e[t]).
		for i := 0; i < K; i++ {
			beta[(L-1)*K+i] = float64(en[i])
		}
		for t := L - 2; t >= 0; t-- {
			for i := 0; i < K; i++ {
				m := math.Inf(-1)
				for j := 0; j < K; j++ {
					m = math.Max(m, float64(tr[i*K+j])+float64(e[(t+1)*K+j])+beta[(t+1)*K+j])
				}
				var s float64
				for j := 0; j < K; j++ {
					s += math.Exp(float64(tr[i*K+j]) + float64(e[(t+1)*K+j]) + beta[(t+1)*K+j] - m)
				}
				beta[t*K+i] = m + math.Log(s)
			}
		}
		// node marginals → emissions, start, end
		for t := 0; t < L; t++ {
			for j := 0; j < K; j++ {
				pm := math.Exp(alpha[t*K+j] + beta[t*K+j] - logZ)
				if em.needsGrad() {
					em.Grad.Data[b*T*K+t*K+j] += float32(g * pm)
				}
				if t == 0 && start.needsGrad() {
					start.Grad.Data[j] += float32(g * pm)
				}
				if t == L-1 && end.needsGrad() {
					end.Grad.Data[j] += float32(g * pm)
				}
			}
		}
		if em.needsGrad() {
			for t, v := range y {
				em.Grad.Data[b*T*K+t*K+int(v)] -= float32(g)
			}
		}
		if start.needsGrad() {
			start.Grad.Data[y[0]] -= float32(g)
		}
		if end.needsGrad() {
			end.Grad.Data[y[L-1]] -= float32(g)
		}
		if trans.needsGrad() {
			for t := 1; t < L; t++ {
				for i := 0; i < K; i++ {
					for j := 0; j < K; j++ {
						pm := math.Exp(alpha[(t-1)*K+i] + float64(tr[i*K+j]) + float64(e[t*K+j]) + beta[t*K+j] - logZ)
						trans.Grad.Data[i*K+j] += float32(g * pm)
					}
				}
				trans.Grad.Data[int(y[t-1])*K+int(y[t])] -= float32(g)
			}
		}
	}
}

// Decode returns the highest-scoring tag path (Viterbi) for each row of
// emissions [B, T, K], truncated to the row's length (lengths nil: all T).
func (c *CRF) Decode(emissions *Var, lengths []int) [][]int {
	B, T, K := crfDims(emissions, &c.Trans.Var, lengths)
	tr, st, en := c.Trans.Value.Data, c.Start.Value.Data, c.End.Value.Data
	score := make([]float64, K)
	next := make([]float64, K)
	back := make([]int32, T*K)
	paths := make([][]int, B)
	for b := 0; b < B; b++ {
		L := seqLen(lengths, b, T)
		e := emissions.Value.Data[b*T*K : (b+1)*T*K]
		for j := 0; j < K; j++ {
			score[j] = float64(st[j]) + float64(e[j])
		}
		for t := 1; t < L; t++ {
			for j := 0; j < K; j++ {
				best, arg := math.Inf(-1), 0
				for i := 0; i < K; i++ {
					if v := score[i] + float64(tr[i*K+j]); v > best {
						best, arg = v, i
					}
				}
				next[j] = best + float64(e[t*K+j])
				back[t*K+j] = int32(arg)
			}
			score, next = next, score
		}
		best, arg := math.Inf(-1), 0
		for j := 0; j < K; j++ {
			if v := score[j] + float64(en[j]); v > best {
				best, arg = v, j
			}
		}
		path := make([]int, L)
		path[L-1] = arg
		for t := L - 1; t > 0; t-- {
			path[t-1] = int(back[t*K+path[t]])
		}
		paths[b] = path
	}
	return paths
}
