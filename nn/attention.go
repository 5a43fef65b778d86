package nn

import (
	"fmt"
	"math"
	"math/rand"
)

// Attention is the fused core of multi-head scaled dot-product
// self-attention. qkv [B, T, 3D] holds the projected queries, keys and values
// side by side (as produced by one Linear with an in_proj weight [3D, D]);
// head h uses columns h·D/heads … (h+1)·D/heads of each. With causal set, a
// query attends only to keys at or before its position; keys at or beyond a
// row's length (lengths nil: none) are masked out. The result is [B, T, D]
// (heads concatenated). lengths must remain unchanged until Backward.
func (tp *Tape) Attention(qkv *Var, heads int, causal bool, lengths []int) *Var {
	s := qkv.Value.Shape
	if len(s) != 3 || s[2]%3 != 0 || (s[2]/3)%heads != 0 {
		panic(fmt.Sprintf("nn: Attention: qkv %v with %d heads", s, heads))
	}
	B, T, D := s[0], s[1], s[2]/3
	if lengths != nil && len(lengths) != B {
		panic(fmt.Sprintf("nn: Attention: %d lengths for batch %d", len(lengths), B))
	}
	dh := D / heads
	scale := float32(1 / math.Sqrt(float64(dh)))
	need := tp.grads(qkv)
	out := tp.newVar(need, B, T, D)
	P := tp.floats(B * heads * T * T)
	j := &tp.jobs.attn
	*j = attnJob{qkv: qkv.Value.Data, out: out.Value.Data, P: P, T: T, D: D, heads: heads, scale: scale, causal: causal, lengths: lengths}
	tp.parallelFor(B*heads, 4*T*T*dh, j)
	*j = attnJob{}
	if need {
		nd := tp.record(backAttention)
		nd.in[0], nd.out[0], nd.buf[0] = qkv, out, P
		nd.i[0] = heads
		nd.f[0] = scale
	}
	return out
}

func backAttention(tp *Tape, nd *node) {
	qkv, out, P := nd.in[0], nd.out[0], nd.buf[0]
	heads, scale := nd.i[0], nd.f[0]
	s := qkv.Value.Shape
	B, T, D := s[0], s[1], s[2]/3
	dh := D / heads
	j := &tp.jobs.attn
	*j = attnJob{back: true, qkv: qkv.Value.Data, dqkv: qkv.Grad.Data, dout: out.Grad.Data, P: P, T: T, D: D, heads: heads, scale: scale}
	j.dP = tp.floats(threads() * T * T)
	tp.parallelFor(B*heads, 8*T*T*dh, j)
	*j = attnJob{}
}

// attnJob runs the forward (or, with back set, the backward) attention of
// (batch row, head) pairs [lo, hi), pair i being row i/heads, head
// i%heads. Pairs touch disjoint columns of out and dqkv, so chunks run
// concurrently; dP holds T×T scratch per slot.
type attnJob struct {
	back                 bool
	qkv, out, dqkv, dout []float32
	P, dP                []float32
	T, D, heads          int
	scale                float32
	causal               bool
	lengths              []int
}

func (j *attnJob) run(lo, hi, slot int) {
	T, D, heads, scale := j.T, j.D, j.heads, j.scale
	dh := D / heads
	q := j.qkv
	for i := lo; i < hi; i++ {
		b, h := i/heads, i%heads
		p := j.P[i*T*T : (i+1)*T*T]
		base := b * T * 3 * D
		if !j.back {
			L := T
			if j.lengths != nil {
				L = min(max(j.lengths[b], 1), T)
			}
			gemm(false, true, T, T, dh, scale, q[base+h*dh:], 3*D, q[base+D+h*dh:], 3*D, 0, p, T)
			for r := 0; r < T; r++ {
				lim := L
				if j.causal {
					lim = min(lim, r+1)
				}
				row := p[r*T : (r+1)*T]
				softmaxRow(row[:lim], row[:lim], false)
				clear(row[lim:])
			}
			gemm(false, false, T, dh, T, 1, p, T, q[base+2*D+h*dh:], 3*D, 0, j.out[b*T*D+h*dh:], D)
			continue
		}
		dq, dP := j.dqkv, j.dP[slot*T*T:(slot+1)*T*T]
		dO := j.dout[b*T*D+h*dh:]
		// dV += Pᵀ dO
		gemm(true, false, T, dh, T, 1, p, T, dO, D, 1, dq[base+2*D+h*dh:], 3*D)
		// dP = dO Vᵀ
		gemm(false, true, T, T, dh, 1, dO, D, q[base+2*D+h*dh:], 3*D, 0, dP, T)
		for r := 0; r < T; r++ {
			pr, dr := p[r*T:(r+1)*T], dP[r*T:(r+1)*T]
			var dot float32
			for c, v := range pr {
				dot += v * dr[c]
			}
			for c, v := range pr {
				dr[c] = v * (dr[c] - dot)
			}
		}
		// dQ += scale·dS K ; dK += scale·dSᵀ Q
		gemm(false, false, T, dh, T, scale, dP, T, q[base+D+h*dh:], 3*D, 1, dq[base+h*dh:], 3*D)
		gemm(true, false, T, dh, T, scale, dP, T, q[base+h*dh:], 3*D, 1, dq[base+D+h*dh:], 3*D)
	}
}

// MultiHeadAttention is self-attention with a fused input projection, named
// like torch.nn.MultiheadAttention: in_proj_weight [3D, D], in_proj_bias,
// out_proj.weight [D, D], out_proj.bias.
type MultiHeadAttention struct {
	Heads      int
	Causal     bool
	InW, InB   *Param
	OutW, OutB *Param
}

// NewMultiHeadAttention returns an attention layer over dim features with
// PyTorch's initialisation (Glorot-uniform input projection, zero biases).
func NewMultiHeadAttention(prefix string, dim, heads int, causal bool, rng *rand.Rand) *MultiHeadAttention {
	if dim%heads != 0 {
		panic(fmt.Sprintf("nn: attention dim %d not divisible by %d heads", dim, heads))
	}
	a := &MultiHeadAttention{
		Heads: heads, Causal: causal,
		InW:  NewParam(prefix+".in_proj_weight", 3*dim, dim),
		InB:  NewParam(prefix+".in_proj_bias", 3*dim),
		OutW: NewParam(prefix+".out_proj.weight", dim, dim),
		OutB: NewParam(prefix+".out_proj.bias", dim),
	}
	InitGlorot(a.InW, rng)
	InitUniform(a.OutW, 1/math.Sqrt(float64(dim)), rng)
	return a
}

// Params returns the projection weights and biases.
func (a *MultiHeadAttention) Params() []*Param { return []*Param{a.InW, a.InB, a.OutW, a.OutB} }

// Forward attends over x [B, T, D] with per-row lengths (nil: all T).
func (a *MultiHeadAttention) Forward(tp *Tape, x *Var, lengths []int) *Var {
	qkv := tp.Linear(x, &a.InW.Var, &a.InB.Var)
	return tp.Linear(tp.Attention(qkv, a.Heads, a.Causal, lengths), &a.OutW.Var, &a.OutB.Var)
}

// TransformerBlock is a pre-LayerNorm Transformer encoder/decoder block:
// x + Attn(LN1(x)), then h + W2·GELU(W1·LN2(h)), with dropout on both
// residual branches (attention weights themselves are not dropped).
type TransformerBlock struct {
	LN1, LN2 *LayerNorm
	Attn     *MultiHeadAttention
	FF1, FF2 *Dense
	Dropout  float32
}

// NewTransformerBlock returns a block of width dim with an MLP of width ff.
func NewTransformerBlock(prefix string, dim, heads, ff int, causal bool, dropout float32, rng *rand.Rand) *TransformerBlock {
	return &TransformerBlock{
		LN1:     NewLayerNorm(prefix+".ln1", dim),
		Attn:    NewMultiHeadAttention(prefix+".attn", dim, heads, causal, rng),
		LN2:     NewLayerNorm(prefix+".ln2", dim),
		FF1:     NewDense(prefix+".ff1", dim, ff, true, rng),
		FF2:     NewDense(prefix+".ff2", ff, dim, true, rng),
		Dropout: dropout,
	}
}

// Params returns all parameters of the block.
func (t *TransformerBlock) Params() []*Param {
	return CollectParams(t.LN1, t.Attn, t.LN2, t.FF1, t.FF2)
}

// Forward applies the block to x [B, T, D] with per-row lengths (nil: all T).
func (t *TransformerBlock) Forward(tp *Tape, x *Var, lengths []int) *Var {
	a := t.Attn.Forward(tp, t.LN1.Forward(tp, x), lengths)
	h := tp.Add(x, tp.Dropout(a, t.Dropout))
	m := t.FF2.Forward(tp, tp.GELU(t.FF1.Forward(tp, t.LN2.Forward(tp, h))))
	return tp.Add(h, tp.Dropout(m, t.Dropout))
}

// PositionalEmbedding is a learned table of position vectors added to the
// input.
type PositionalEmbedding struct {
	W *Param // [maxLen, dim]
}

// NewPositionalEmbedding returns a table named prefix+".weight" initialised
// N(0, 0.02²).
func NewPositionalEmbedding(prefix string, maxLen, dim int, rng *rand.Rand) *PositionalEmbedding {
	p := &PositionalEmbedding{W: NewParam(prefix+".weight", maxLen, dim)}
	InitNormal(p.W, 0.02, rng)
	return p
}

// Params returns the table.
func (p *PositionalEmbedding) Params() []*Param { return []*Param{p.W} }

// Forward adds positions 0..T-1 to x [B, T, D].
func (p *PositionalEmbedding) Forward(tp *Tape, x *Var) *Var { return tp.AddPositions(x, &p.W.Var) }
