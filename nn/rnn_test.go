package nn

import (
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

var kinds = []CellKind{Elman, LSTM, GRU}

func TestGradRecurrent(t *testing.T) {
	const B, T, I, H = 2, 3, 3, 4
	for _, kind := range kinds {
		for _, variant := range []string{"seq", "last", "initial-state"} {
			t.Run(kind.String()+"/"+variant, func(t *testing.T) {
				rng := rand.New(rand.NewSource(11))
				r := NewRNN("rnn", kind, I, H, rng)
				x := randParam(rng, "x", 1, B, T, I)
				h0 := randParam(rng, "h0", 1, B, H)
				c0 := randParam(rng, "c0", 1, B, H)
				params := append([]*Param{x}, r.Params()...)
				if variant == "initial-state" {
					params = append(params, h0)
					if kind == LSTM {
						params = append(params, c0)
					}
				}
				gradCheck(t, params, func(tp *Tape) *Var {
					var h, c *Var
					if variant == "initial-state" {
						h, c = &h0.Var, &c0.Var
					}
					seq, hT, cT := r.Forward(tp, &x.Var, h, c)
					switch variant {
					case "seq":
						return weighted(tp, seq)
					case "last":
						l := weighted(tp, hT)
						if cT != nil {
							l = tp.Add(l, weighted(tp, cT))
						}
						return l
					}
					return tp.Add(weighted(tp, seq), weighted(tp, tp.Tanh(hT)))
				})
			})
		}
	}
}

func TestGradBidirectional(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(12))
			bi := NewBidirectional("bi", kind, 3, 2, rng)
			x := randParam(rng, "x", 1, 3, 4, 3)
			lengths := []int{4, 2, 3}
			gradCheck(t, append([]*Param{x}, bi.Params()...), func(tp *Tape) *Var {
				seq, last := bi.Forward(tp, &x.Var, lengths)
				return tp.Add(weighted(tp, seq), weighted(tp, last))
			})
		})
	}
}

// refRNN runs the recurrence in float64 straight from the definitions.
func refRNN(kind CellKind, r *RNN, x []float32, B, T int, h0, c0 []float64) (hs []float64, hT, cT []float64) {
	I, H := r.In, r.Hidden
	G := kind.gates()
	w := func(p *Param, row, col, cols int) float64 { return float64(p.Value.Data[row*cols+col]) }
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	hs = make([]float64, B*T*H)
	hT = make([]float64, B*H)
	cT = make([]float64, B*H)
	for b := 0; b < B; b++ {
		h := append([]float64(nil), h0[b*H:(b+1)*H]...)
		c := append([]float64(nil), c0[b*H:(b+1)*H]...)
		for t := 0; t < T; t++ {
			xi := make([]float64, G*H) // W_ih x + b_ih
			hh := make([]float64, G*H) // W_hh h + b_hh
			for g := 0; g < G*H; g++ {
				xi[g] = float64(r.BIH.Value.Data[g])
				for k := 0; k < I; k++ {
					xi[g] += w(r.WIH, g, k, I) * float64(x[(b*T+t)*I+k])
				}
				hh[g] = float64(r.BHH.Value.Data[g])
				for k := 0; k < H; k++ {
					hh[g] += w(r.WHH, g, k, H) * h[k]
				}
			}
			nh := make([]float64, H)
			for j := 0; j < H; j++ {
				switch kind {
				case Elman:
					nh[j] = math.Tanh(xi[j] + hh[j])
				case LSTM:
					i := sig(xi[j] + hh[j])
					f := sig(xi[H+j] + hh[H+j])
					g := math.Tanh(xi[2*H+j] + hh[2*H+j])
					o := sig(xi[3*H+j] + hh[3*H+j])
					c[j] = f*c[j] + i*g
					nh[j] = o * math.Tanh(c[j])
				case GRU:
					rr := sig(xi[j] + hh[j])
					z := sig(xi[H+j] + hh[H+j])
					n := math.Tanh(xi[2*H+j] + rr*hh[2*H+j])
					nh[j] = (1-z)*n + z*h[j]
				}
			}
			h = nh
			copy(hs[(b*T+t)*H:], h)
		}
		copy(hT[b*H:], h)
		copy(cT[b*H:], c)
	}
	return
}

func TestRecurrentValues(t *testing.T) {
	const B, T, I, H = 2, 3, 2, 3
	for _, kind := range kinds {
		t.Run(kind.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(13))
			r := NewRNN("rnn", kind, I, H, rng)
			for _, p := range r.Params() {
				InitUniform(p, 0.8, rng)
			}
			x := make([]float32, B*T*I)
			h0 := make([]float32, B*H)
			c0 := make([]float32, B*H)
			for _, s := range [][]float32{x, h0, c0} {
				for i := range s {
					s[i] = float32(rng.Float64()*2 - 1)
				}
			}
			h064, c064 := make([]float64, B*H), make([]float64, B*H)
			for i := range h0 {
				h064[i], c064[i] = float64(h0[i]), float64(c0[i])
			}
			wantSeq, wantH, wantC := refRNN(kind, r, x, B, T, h064, c064)
			tp := NewTape(nil)
			seq, hT, cT := r.Forward(tp, tp.Input(x, B, T, I), tp.Input(h0, B, H), tp.Input(c0, B, H))
			cmp := func(name string, got []float32, want []float64) {
				for i := range want {
					if math.Abs(float64(got[i])-want[i]) > 2e-6 {
						t.Fatalf("%s[%d] = %v, want %v", name, i, got[i], want[i])
					}
				}
			}
			cmp("seq", seq.Data(), wantSeq)
			cmp("hT", hT.Data(), wantH)
			if kind == LSTM {
				cmp("cT", cT.Data(), wantC)
			} else if cT != nil {
				t.Error("cT returned for a non-LSTM cell")
			}
			// zero initial state == nil initial state
			seqZ, _, _ := r.Forward(tp, tp.Input(x, B, T, I), nil, nil)
			wantZ, _, _ := refRNN(kind, r, x, B, T, make([]float64, B*H), make([]float64, B*H))
			cmp("seq(nil state)", seqZ.Data(), wantZ)
		})
	}
}

// Running a sequence in two halves while carrying the state (truncated BPTT)
// gives the same states as one pass.
func TestRecurrentStateCarry(t *testing.T) {
	const B, T, I, H = 2, 6, 3, 4
	rng := rand.New(rand.NewSource(14))
	r := NewRNN("lstm", LSTM, I, H, rng)
	x := make([]float32, B*T*I)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	tp := NewTape(nil)
	full, _, _ := r.Forward(tp, tp.Input(x, B, T, I), nil, nil)
	want := append([]float32(nil), full.Data()...)

	half := func(lo int) []float32 {
		out := make([]float32, 0, B*3*I)
		for b := 0; b < B; b++ {
			out = append(out, x[(b*T+lo)*I:(b*T+lo+3)*I]...)
		}
		return out
	}
	hState, cState := tensor.New(B, H), tensor.New(B, H)
	var got [2][]float32
	for k := 0; k < 2; k++ {
		tp.Reset()
		var h0, c0 *Var
		if k > 0 {
			h0, c0 = tp.Const(hState), tp.Const(cState)
		}
		seq, hT, cT := r.Forward(tp, tp.Input(half(3*k), B, 3, I), h0, c0)
		got[k] = append([]float32(nil), seq.Data()...)
		copy(hState.Data, hT.Data())
		copy(cState.Data, cT.Data())
	}
	for b := 0; b < B; b++ {
		for t2 := 0; t2 < T; t2++ {
			for j := 0; j < H; j++ {
				g := got[t2/3][(b*3+t2%3)*H+j]
				w := want[(b*T+t2)*H+j]
				if g != w {
					t.Fatalf("b=%d t=%d j=%d: carried %v, full %v", b, t2, j, g, w)
				}
			}
		}
	}
}
