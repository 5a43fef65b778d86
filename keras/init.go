package keras

import (
	"math"
	"math/rand"

	"github.com/mulan-nlp/mulan/nn"
)

// Keras's default initialisers, applied over the nn layers' PyTorch-style
// ones so that a model here starts like the same model in Keras:
//
//	Embedding            uniform(-0.05, 0.05)
//	kernels (w_ih, Dense) Glorot uniform, bound √(6/(fan_in+fan_out))
//	recurrent (w_hh)     orthogonal
//	biases               zero; LSTM forget gate 1 (unit_forget_bias)
//
// The orthogonal recurrent matrix matters: PyTorch's uniform(±1/√H) gives a
// recurrent spectral radius near 0.58 and a SimpleRNN then forgets within a
// few dozen steps, while Keras's keeps it at 1.

func initUniform(p *nn.Param, bound float64, rng *rand.Rand) {
	for i := range p.Value.Data {
		p.Value.Data[i] = float32((2*rng.Float64() - 1) * bound)
	}
}

// initGlorot fills a [fanOut, fanIn] matrix.
func initGlorot(p *nn.Param, rng *rand.Rand) {
	s := p.Value.Shape
	initUniform(p, math.Sqrt(6/float64(s[0]+s[1])), rng)
}

// initOrthogonal fills a [rows, cols] matrix (rows ≥ cols, as w_hh [G·H, H])
// with orthonormal columns: Gram-Schmidt (twice, for stability) on a
// standard normal matrix, signs fixed so the result is uniformly distributed.
func initOrthogonal(p *nn.Param, rng *rand.Rand) {
	rows, cols := p.Value.Shape[0], p.Value.Shape[1]
	a := make([]float64, rows*cols) // column-major: column j at a[j*rows:]
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for j := 0; j < cols; j++ {
		cj := a[j*rows : (j+1)*rows]
		sign := 1.0
		if cj[j%rows] < 0 {
			sign = -1
		}
		for pass := 0; pass < 2; pass++ {
			for k := 0; k < j; k++ {
				ck := a[k*rows : (k+1)*rows]
				var d float64
				for i := range cj {
					d += cj[i] * ck[i]
				}
				for i := range cj {
					cj[i] -= d * ck[i]
				}
			}
		}
		var n float64
		for _, v := range cj {
			n += v * v
		}
		n = sign / math.Sqrt(n)
		for i := range cj {
			cj[i] *= n
		}
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			p.Value.Data[i*cols+j] = float32(a[j*rows+i])
		}
	}
}

func zero(p *nn.Param) { clear(p.Value.Data) }

func initRNN(r *nn.RNN, rng *rand.Rand) {
	initGlorot(r.WIH, rng)
	initOrthogonal(r.WHH, rng)
	zero(r.BIH)
	zero(r.BHH)
	if r.Kind == nn.LSTM {
		H := r.Hidden
		for i := H; i < 2*H; i++ { // gates i, f, g, o
			r.BIH.Value.Data[i] = 1
		}
	}
}
