package nn

import (
	"math"
	"math/rand"
)

// Layer is anything that owns parameters.
type Layer interface {
	Params() []*Param
}

// CollectParams concatenates the parameters of several layers.
func CollectParams(layers ...Layer) []*Param {
	var ps []*Param
	for _, l := range layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// InitUniform fills p with values uniform in [-bound, bound).
func InitUniform(p *Param, bound float64, rng *rand.Rand) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// InitNormal fills p with normal values of the given standard deviation.
func InitNormal(p *Param, std float64, rng *rand.Rand) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32(rng.NormFloat64() * std)
	}
}

// InitGlorot fills a [fanOut, fanIn] matrix with Glorot/Xavier-uniform
// values, bound √(6/(fanIn+fanOut)).
func InitGlorot(p *Param, rng *rand.Rand) {
	s := p.Value.Shape
	InitUniform(p, math.Sqrt(6/float64(s[0]+s[1])), rng)
}

// InitHe fills a [fanOut, fanIn] matrix with He/Kaiming-normal values,
// std √(2/fanIn), suited to ReLU layers.
func InitHe(p *Param, rng *rand.Rand) {
	InitNormal(p, math.Sqrt(2/float64(p.Value.Shape[1])), rng)
}

// Embedding maps token ids to learned vectors.
type Embedding struct {
	W *Param // [vocab, dim]
	// Pad is the padding id whose vector is zero and receives no gradient
	// (-1: none).
	Pad int
}

// NewEmbedding returns an embedding table named prefix+".weight",
// initialised N(0, 1) like PyTorch, with the padding row zeroed.
func NewEmbedding(prefix string, vocab, dim, pad int, rng *rand.Rand) *Embedding {
	e := &Embedding{W: NewParam(prefix+".weight", vocab, dim), Pad: pad}
	InitNormal(e.W, 1, rng)
	if pad >= 0 && pad < vocab {
		clear(e.W.Value.Data[pad*dim : (pad+1)*dim])
	}
	return e
}

// Params returns the table.
func (e *Embedding) Params() []*Param { return []*Param{e.W} }

// Forward looks up ids laid out as [B, T] and returns [B, T, dim].
func (e *Embedding) Forward(tp *Tape, ids []int32, B, T int) *Var {
	return tp.Embed(&e.W.Var, ids, e.Pad, B, T)
}

// Dense is the affine layer y = x·Wᵀ + b.
type Dense struct {
	W *Param // [out, in]
	B *Param // [out], nil without bias
}

// NewDense returns a dense layer initialised like torch.nn.Linear (weights
// and bias uniform in ±1/√in), named prefix+".weight" and prefix+".bias".
func NewDense(prefix string, in, out int, bias bool, rng *rand.Rand) *Dense {
	d := &Dense{W: NewParam(prefix+".weight", out, in)}
	bound := 1 / math.Sqrt(float64(in))
	InitUniform(d.W, bound, rng)
	if bias {
		d.B = NewParam(prefix+".bias", out)
		InitUniform(d.B, bound, rng)
	}
	return d
}

// Params returns weight (and bias).
func (d *Dense) Params() []*Param {
	if d.B == nil {
		return []*Param{d.W}
	}
	return []*Param{d.W, d.B}
}

// Forward applies the layer to x [..., in] → [..., out].
func (d *Dense) Forward(tp *Tape, x *Var) *Var {
	if d.B == nil {
		return tp.Linear(x, &d.W.Var, nil)
	}
	return tp.Linear(x, &d.W.Var, &d.B.Var)
}

// LayerNorm normalises over the last dimension with learned scale and shift.
type LayerNorm struct {
	Gamma, Beta *Param
	Eps         float32
}

// NewLayerNorm returns a layer norm over dim features (gamma 1, beta 0,
// eps 1e-5), named prefix+".weight" and prefix+".bias".
func NewLayerNorm(prefix string, dim int) *LayerNorm {
	l := &LayerNorm{Gamma: NewParam(prefix+".weight", dim), Beta: NewParam(prefix+".bias", dim), Eps: 1e-5}
	for i := range l.Gamma.Value.Data {
		l.Gamma.Value.Data[i] = 1
	}
	return l
}

// Params returns gamma and beta.
func (l *LayerNorm) Params() []*Param { return []*Param{l.Gamma, l.Beta} }

// Forward normalises x [..., dim].
func (l *LayerNorm) Forward(tp *Tape, x *Var) *Var {
	return tp.LayerNorm(x, &l.Gamma.Var, &l.Beta.Var, l.Eps)
}

// Dropout is a parameterless layer; see Tape.Dropout and Tape.LockedDropout.
type Dropout struct {
	P float32
	// Locked shares one mask over the time steps of [B, T, D] inputs
	// (variational dropout).
	Locked bool
}

// Params returns nil.
func (d Dropout) Params() []*Param { return nil }

// Forward applies dropout when the tape is in training mode.
func (d Dropout) Forward(tp *Tape, x *Var) *Var {
	if d.Locked {
		return tp.LockedDropout(x, d.P)
	}
	return tp.Dropout(x, d.P)
}

// InitOrthogonal fills a [rows, cols] matrix with a random (semi-)orthogonal
// matrix times gain, as torch.nn.init.orthogonal_: orthonormal rows when
// rows ≤ cols, orthonormal columns otherwise. Useful for recurrent weights.
func InitOrthogonal(p *Param, gain float64, rng *rand.Rand) {
	rows, cols := p.Value.Shape[0], p.Value.Shape[1]
	n, d := rows, cols // n vectors of length d to orthonormalise
	if rows > cols {
		n, d = cols, rows
	}
	v := make([]float64, n*d)
	for i := 0; i < n; i++ {
		for {
			row := v[i*d : (i+1)*d]
			for j := range row {
				row[j] = rng.NormFloat64()
			}
			for k := 0; k < i; k++ { // modified Gram-Schmidt
				prev := v[k*d : (k+1)*d]
				var dot float64
				for j := range row {
					dot += row[j] * prev[j]
				}
				for j := range row {
					row[j] -= dot * prev[j]
				}
			}
			var norm float64
			for _, x := range row {
				norm += x * x
			}
			if norm = math.Sqrt(norm); norm > 1e-6 {
				for j := range row {
					row[j] /= norm
				}
				break
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			if rows <= cols {
				p.Value.Data[i*cols+j] = float32(gain * v[i*d+j])
			} else {
				p.Value.Data[j*cols+i] = float32(gain * v[i*d+j])
			}
		}
	}
}
