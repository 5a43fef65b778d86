package nn

import (
	"fmt"
	"math"
	"math/rand"
)

// CellKind selects the recurrence of an RNN layer.
type CellKind int

const (
	// Elman is h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
	Elman CellKind = iota
	// LSTM has gates i, f, g, o in that order (PyTorch layout).
	LSTM
	// GRU has gates r, z, n in that order (PyTorch layout):
	// n = tanh(W_in x + b_in + r*(W_hn h + b_hn)), h' = (1-z)*n + z*h.
	GRU
)

func (k CellKind) gates() int {
	switch k {
	case LSTM:
		return 4
	case GRU:
		return 3
	}
	return 1
}

func (k CellKind) String() string {
	switch k {
	case Elman:
		return "rnn"
	case LSTM:
		return "lstm"
	case GRU:
		return "gru"
	}
	return fmt.Sprintf("CellKind(%d)", int(k))
}

// RNN is one recurrent layer in one direction. Its whole-sequence forward
// and backward passes are a single tape node: the input projection for all
// steps is one GEMM, each step adds one GEMM with the recurrent weights, and
// the weight gradients are again one GEMM each.
//
// Parameters use PyTorch's names and layouts: w_ih [G·H, in], w_hh [G·H, H],
// b_ih and b_hh [G·H], with G = 1, 4, 3 for Elman, LSTM, GRU.
type RNN struct {
	Kind               CellKind
	In, Hidden         int
	WIH, WHH, BIH, BHH *Param
}

// NewRNN returns a recurrent layer initialised like PyTorch: every weight
// and bias uniform in ±1/√hidden. Parameter names are prefix+".w_ih" etc.
func NewRNN(prefix string, kind CellKind, in, hidden int, rng *rand.Rand) *RNN {
	gh := kind.gates() * hidden
	r := &RNN{
		Kind: kind, In: in, Hidden: hidden,
		WIH: NewParam(prefix+".w_ih", gh, in),
		WHH: NewParam(prefix+".w_hh", gh, hidden),
		BIH: NewParam(prefix+".b_ih", gh),
		BHH: NewParam(prefix+".b_hh", gh),
	}
	bound := 1 / math.Sqrt(float64(hidden))
	for _, p := range r.Params() {
		InitUniform(p, bound, rng)
	}
	return r
}

// Params returns w_ih, w_hh, b_ih, b_hh.
func (r *RNN) Params() []*Param { return []*Param{r.WIH, r.WHH, r.BIH, r.BHH} }

// Forward runs the layer over x [B, T, in]. h0 and c0 ([B, H]) are the
// initial hidden and cell states, nil meaning zeros (c0 is used by LSTM
// only). It returns the hidden states for every step [B, T, H], and the final
// hidden state hT and (LSTM only, else nil) cell state cT, both [B, H]; for
// truncated BPTT carry hT/cT into the next step's h0/c0 (copy them out before
// Tape.Reset). With padded batches the states after a row's length are not
// meaningful: use LastPool with lengths for per-row final states.
func (r *RNN) Forward(tp *Tape, x, h0, c0 *Var) (seq, hT, cT *Var) {
	return tp.Recurrent(r.Kind, x, &r.WIH.Var, &r.WHH.Var, &r.BIH.Var, &r.BHH.Var, h0, c0)
}

// Recurrent is the fused whole-sequence recurrence behind RNN.Forward. The
// initial states are copied, so the caller may overwrite h0 and c0 (for
// example with this step's final states) before Backward.
func (tp *Tape) Recurrent(kind CellKind, x, wih, whh, bih, bhh, h0, c0 *Var) (seq, hT, cT *Var) {
	s := x.Value.Shape
	if len(s) != 3 {
		panic(fmt.Sprintf("nn: %v: input must be [B, T, in], got %v", kind, s))
	}
	B, T, I := s[0], s[1], s[2]
	G := kind.gates()
	H := whh.Value.Shape[1]
	GH := G * H
	if wih.Value.Shape[0] != GH || wih.Value.Shape[1] != I || whh.Value.Shape[0] != GH {
		panic(fmt.Sprintf("nn: %v: input %v, w_ih %v, w_hh %v", kind, s, wih.Value.Shape, whh.Value.Shape))
	}
	if h0 != nil && h0.Value.Len() != B*H || c0 != nil && c0.Value.Len() != B*H {
		panic(fmt.Sprintf("nn: %v: initial state size mismatch for batch %d, hidden %d", kind, B, H))
	}
	if kind != LSTM {
		c0 = nil
	}
	need := tp.grads(x, wih, whh, bih, bhh, h0, c0)
	N := B * T
	seq = tp.newVar(need, B, T, H)
	hT = tp.newVar(need, B, H)
	if kind == LSTM {
		cT = tp.newVar(need, B, H)
	}
	pre := tp.floats(N * GH)
	hprev := tp.floats(N * H)
	var cells, hh []float32
	if kind != Elman {
		cells = tp.floats(N * H)
	}
	if kind == GRU {
		hh = tp.floats(B * GH)
	}
	var c0v []float32 // private copy: the caller may overwrite c0 before Backward
	if c0 != nil {
		c0v = tp.floats(B * H)
		copy(c0v, c0.Value.Data)
	}
	// Input projection for all steps.
	for r := 0; r < N; r++ {
		row := pre[r*GH : (r+1)*GH]
		copy(row, bih.Value.Data)
		if kind != GRU {
			addTo(row, bhh.Value.Data)
		}
	}
	gemm(false, true, N, GH, I, 1, x.Value.Data, I, wih.Value.Data, I, 1, pre, GH)

	hs, W := seq.Value.Data, whh.Value.Data
	for t := 0; t < T; t++ {
		// hprev[:, t] = h_{t-1}
		zeroState := t == 0 && h0 == nil
		for b := 0; b < B; b++ {
			dst := hprev[(b*T+t)*H : (b*T+t+1)*H]
			switch {
			case zeroState:
				clear(dst)
			case t == 0:
				copy(dst, h0.Value.Data[b*H:])
			default:
				copy(dst, hs[(b*T+t-1)*H:])
			}
		}
		if kind == GRU {
			for b := 0; b < B; b++ {
				copy(hh[b*GH:(b+1)*GH], bhh.Value.Data)
			}
			if !zeroState {
				gemm(false, true, B, GH, H, 1, hprev[t*H:], T*H, W, H, 1, hh, GH)
			}
		} else if !zeroState {
			gemm(false, true, B, GH, H, 1, hprev[t*H:], T*H, W, H, 1, pre[t*GH:], T*GH)
		}
		for b := 0; b < B; b++ {
			r := b*T + t
			p := pre[r*GH : (r+1)*GH]
			h := hs[r*H : (r+1)*H]
			switch kind {
			case Elman:
				tanhVec(h, p)
			case LSTM:
				c := cells[r*H : (r+1)*H]
				var cp []float32
				if t > 0 {
					cp = cells[(r-1)*H : r*H]
				} else if c0 != nil {
					cp = c0v[b*H : (b+1)*H]
				}
				// Gate activations in place (vectorised), then the cell.
				sigmoidVec(p[:2*H], p[:2*H])
				tanhVec(p[2*H:3*H], p[2*H:3*H])
				sigmoidVec(p[3*H:4*H], p[3*H:4*H])
				ig, fg, gg, og := p[:H], p[H:2*H], p[2*H:3*H], p[3*H:4*H]
				if cp != nil {
					for j := range c {
						c[j] = ig[j]*gg[j] + fg[j]*cp[j]
					}
				} else {
					for j := range c {
						c[j] = ig[j] * gg[j]
					}
				}
				tanhVec(h, c)
				for j := range h {
					h[j] *= og[j]
				}
			case GRU:
				q := hh[b*GH : (b+1)*GH]
				hp := hprev[r*H : (r+1)*H]
				hn := cells[r*H : (r+1)*H]
				for j := range h {
					rg := sigmoid32(p[j] + q[j])
					z := sigmoid32(p[H+j] + q[H+j])
					n := tanh32(p[2*H+j] + rg*q[2*H+j])
					h[j] = (1-z)*n + z*hp[j]
					p[j], p[H+j], p[2*H+j] = rg, z, n
					hn[j] = q[2*H+j]
				}
			}
		}
	}
	for b := 0; b < B; b++ {
		r := b*T + T - 1
		copy(hT.Value.Data[b*H:(b+1)*H], hs[r*H:])
		if kind == LSTM {
			copy(cT.Value.Data[b*H:(b+1)*H], cells[r*H:])
		}
	}
	if need {
		nd := tp.record(backRecurrent)
		nd.in[0], nd.in[1], nd.in[2], nd.in[3], nd.in[4], nd.in[5], nd.in[6] = x, wih, whh, bih, bhh, h0, c0
		nd.out[0], nd.out[1], nd.out[2] = seq, hT, cT
		nd.buf[0], nd.buf[1], nd.buf[2], nd.buf[3] = pre, cells, hprev, c0v
		nd.i[0], nd.i[1] = int(kind), H
	}
	return seq, hT, cT
}

func backRecurrent(tp *Tape, nd *node) {
	x, wih, whh, bih, bhh, h0, c0 := nd.in[0], nd.in[1], nd.in[2], nd.in[3], nd.in[4], nd.in[5], nd.in[6]
	seq, hT, cT := nd.out[0], nd.out[1], nd.out[2]
	pre, cells, hprev, c0v := nd.buf[0], nd.buf[1], nd.buf[2], nd.buf[3]
	kind, H := CellKind(nd.i[0]), nd.i[1]
	s := x.Value.Shape
	B, T, I := s[0], s[1], s[2]
	GH := kind.gates() * H
	N := B * T
	W := whh.Value.Data
	hs, dhs := seq.Value.Data, seq.Grad.Data

	dpre := tp.floats(N * GH)
	dpreH := dpre
	if kind == GRU {
		dpreH = tp.floats(N * GH)
	}
	dh := tp.floats(B * H)
	copy(dh, hT.Grad.Data)
	var dc, tcs []float32
	if kind == LSTM {
		dc = tp.floats(B * H)
		copy(dc, cT.Grad.Data)
		tcs = tp.floats(H) // tanh of one row's cells
	}
	for t := T - 1; t >= 0; t-- {
		for b := 0; b < B; b++ {
			r := b*T + t
			d := dh[b*H : (b+1)*H]
			p := pre[r*GH : (r+1)*GH]
			dp := dpre[r*GH : (r+1)*GH]
			if kind == Elman { // d is overwritten by the GEMM below
				tanhBack(dp, d, dhs[r*H:(r+1)*H], hs[r*H:(r+1)*H])
				continue
			}
			addTo(d, dhs[r*H:(r+1)*H])
			switch kind {
			case LSTM:
				c := cells[r*H : (r+1)*H]
				var cp []float32
				if t > 0 {
					cp = cells[(r-1)*H : r*H]
				} else if c0 != nil {
					cp = c0v[b*H : (b+1)*H]
				}
				dcb := dc[b*H : (b+1)*H]
				tanhVec(tcs, c)
				for j, g := range d {
					i, f, gg, o := p[j], p[H+j], p[2*H+j], p[3*H+j]
					tc := tcs[j]
					dcc := dcb[j] + g*o*(1-tc*tc)
					var cpj float32
					if cp != nil {
						cpj = cp[j]
					}
					dp[j] = dcc * gg * i * (1 - i)
					dp[H+j] = dcc * cpj * f * (1 - f)
					dp[2*H+j] = dcc * i * (1 - gg*gg)
					dp[3*H+j] = g * tc * o * (1 - o)
					dcb[j] = dcc * f
				}
			case GRU:
				hp := hprev[r*H : (r+1)*H]
				hn := cells[r*H : (r+1)*H]
				dq := dpreH[r*GH : (r+1)*GH]
				for j, g := range d {
					rg, z, n := p[j], p[H+j], p[2*H+j]
					dz := g * (hp[j] - n)
					dan := g * (1 - z) * (1 - n*n)
					dar := dan * hn[j] * rg * (1 - rg)
					daz := dz * z * (1 - z)
					dp[j], dp[H+j], dp[2*H+j] = dar, daz, dan
					dq[j], dq[H+j], dq[2*H+j] = dar, daz, dan*rg
					d[j] = g * z // direct path to h_{t-1}
				}
			}
		}
		// dh_{t-1} (through W_hh)
		if kind == GRU {
			gemm(false, false, B, H, GH, 1, dpreH[t*GH:], T*GH, W, H, 1, dh, H)
		} else {
			gemm(false, false, B, H, GH, 1, dpre[t*GH:], T*GH, W, H, 0, dh, H)
		}
	}
	if h0.needsGrad() {
		addTo(h0.Grad.Data, dh)
	}
	if c0.needsGrad() {
		addTo(c0.Grad.Data, dc)
	}
	if x.needsGrad() {
		gemm(false, false, N, I, GH, 1, dpre, GH, wih.Value.Data, I, 1, x.Grad.Data, I)
	}
	if wih.needsGrad() {
		gemm(true, false, GH, I, N, 1, dpre, GH, x.Value.Data, I, 1, wih.Grad.Data, I)
	}
	if whh.needsGrad() {
		gemm(true, false, GH, H, N, 1, dpreH, GH, hprev, H, 1, whh.Grad.Data, H)
	}
	if bih.needsGrad() {
		colSumAdd(bih.Grad.Data, dpre, N, GH, GH)
	}
	if bhh.needsGrad() {
		colSumAdd(bhh.Grad.Data, dpreH, N, GH, GH)
	}
}

// Bidirectional runs a forward and a backward RNN over padded sequences and
// concatenates their outputs.
type Bidirectional struct {
	Fwd, Bwd *RNN
}

// NewBidirectional returns a bidirectional layer with parameters named
// prefix+".fwd.*" and prefix+".bwd.*".
func NewBidirectional(prefix string, kind CellKind, in, hidden int, rng *rand.Rand) *Bidirectional {
	return &Bidirectional{
		Fwd: NewRNN(prefix+".fwd", kind, in, hidden, rng),
		Bwd: NewRNN(prefix+".bwd", kind, in, hidden, rng),
	}
}

// Params returns the forward then the backward layer's parameters.
func (b *Bidirectional) Params() []*Param { return append(b.Fwd.Params(), b.Bwd.Params()...) }

// Forward runs both directions over x [B, T, in] with per-row lengths (nil:
// all T); the backward direction reads each row from its last valid step. It
// returns the concatenated states [B, T, 2H] and the concatenated final states
// [B, 2H] (forward at the last valid step, backward at the first).
func (b *Bidirectional) Forward(tp *Tape, x *Var, lengths []int) (seq, last *Var) {
	f, _, _ := b.Fwd.Forward(tp, x, nil, nil)
	rb, _, _ := b.Bwd.Forward(tp, tp.ReverseSeq(x, lengths), nil, nil)
	seq = tp.Concat(-1, f, tp.ReverseSeq(rb, lengths))
	last = tp.Concat(-1, tp.LastPool(f, lengths), tp.LastPool(rb, lengths))
	return seq, last
}
