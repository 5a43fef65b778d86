package nn

import "fmt"

// Sequence pooling. Sequences are batch-major, shape [B, T, D]; lengths (nil
// meaning "all T") give each row's number of valid steps, and padding steps
// beyond a row's length are ignored. lengths must remain unchanged until
// Backward.

func seqDims(op string, x *Var, lengths []int) (b, t, d int) {
	s := x.Value.Shape
	if len(s) != 3 {
		panic(fmt.Sprintf("nn: %s: want [B, T, D], got %v", op, s))
	}
	b, t, d = s[0], s[1], s[2]
	if lengths != nil {
		if len(lengths) != b {
			panic(fmt.Sprintf("nn: %s: %d lengths for batch %d", op, len(lengths), b))
		}
		for _, l := range lengths {
			if l < 1 || l > t {
				panic(fmt.Sprintf("nn: %s: length %d outside 1..%d", op, l, t))
			}
		}
	}
	return
}

func seqLen(lengths []int, b, t int) int {
	if lengths == nil {
		return t
	}
	return lengths[b]
}

// MeanPool averages x [B, T, D] over each row's valid steps → [B, D].
func (tp *Tape) MeanPool(x *Var, lengths []int) *Var {
	B, T, D := seqDims("MeanPool", x, lengths)
	need := tp.grads(x)
	out := tp.newVar(need, B, D)
	for b := 0; b < B; b++ {
		L := seqLen(lengths, b, T)
		y := out.Value.Data[b*D : (b+1)*D]
		clear(y)
		for t := 0; t < L; t++ {
			addTo(y, x.Value.Data[(b*T+t)*D:(b*T+t+1)*D])
		}
		inv := 1 / float32(L)
		for j := range y {
			y[j] *= inv
		}
	}
	if need {
		nd := tp.record(backMeanPool)
		nd.in[0], nd.out[0], nd.lens = x, out, lengths
	}
	return out
}

func backMeanPool(tp *Tape, nd *node) {
	x, out := nd.in[0], nd.out[0]
	s := x.Value.Shape
	B, T, D := s[0], s[1], s[2]
	for b := 0; b < B; b++ {
		L := seqLen(nd.lens, b, T)
		dy := out.Grad.Data[b*D : (b+1)*D]
		for t := 0; t < L; t++ {
			axpy(1/float32(L), dy, x.Grad.Data[(b*T+t)*D:(b*T+t+1)*D])
		}
	}
}

// MaxPool takes the element-wise maximum of x [B, T, D] over each row's
// valid steps → [B, D].
func (tp *Tape) MaxPool(x *Var, lengths []int) *Var {
	B, T, D := seqDims("MaxPool", x, lengths)
	need := tp.grads(x)
	out := tp.newVar(need, B, D)
	var arg []int32
	if need {
		arg = tp.i32.alloc(B * D)
	}
	for b := 0; b < B; b++ {
		L := seqLen(lengths, b, T)
		y := out.Value.Data[b*D : (b+1)*D]
		copy(y, x.Value.Data[b*T*D:])
		if need {
			clear(arg[b*D : (b+1)*D])
		}
		for t := 1; t < L; t++ {
			xr := x.Value.Data[(b*T+t)*D : (b*T+t+1)*D]
			for j, v := range xr {
				if v > y[j] {
					y[j] = v
					if need {
						arg[b*D+j] = int32(t)
					}
				}
			}
		}
	}
	if need {
		nd := tp.record(backMaxPool)
		nd.in[0], nd.out[0], nd.ibuf = x, out, arg
	}
	return out
}

func backMaxPool(tp *Tape, nd *node) {
	x, out := nd.in[0], nd.out[0]
	s := x.Value.Shape
	B, T, D := s[0], s[1], s[2]
	for b := 0; b < B; b++ {
		for j := 0; j < D; j++ {
			t := int(nd.ibuf[b*D+j])
			x.Grad.Data[(b*T+t)*D+j] += out.Grad.Data[b*D+j]
		}
	}
}

// LastPool picks each row's last valid step of x [B, T, D] → [B, D].
func (tp *Tape) LastPool(x *Var, lengths []int) *Var {
	B, T, D := seqDims("LastPool", x, lengths)
	need := tp.grads(x)
	out := tp.newVar(need, B, D)
	for b := 0; b < B; b++ {
		t := seqLen(lengths, b, T) - 1
		copy(out.Value.Data[b*D:(b+1)*D], x.Value.Data[(b*T+t)*D:])
	}
	if need {
		nd := tp.record(backLastPool)
		nd.in[0], nd.out[0], nd.lens = x, out, lengths
	}
	return out
}

func backLastPool(tp *Tape, nd *node) {
	x, out := nd.in[0], nd.out[0]
	s := x.Value.Shape
	B, T, D := s[0], s[1], s[2]
	for b := 0; b < B; b++ {
		t := seqLen(nd.lens, b, T) - 1
		addTo(x.Grad.Data[(b*T+t)*D:(b*T+t+1)*D], out.Grad.Data[b*D:(b+1)*D])
	}
}

// ConcatPool is the ULMFiT classifier pooling: [last, max, mean] of x
// [B, T, D] over valid steps → [B, 3D].
func (tp *Tape) ConcatPool(x *Var, lengths []int) *Var {
	return tp.Concat(-1, tp.LastPool(x, lengths), tp.MaxPool(x, lengths), tp.MeanPool(x, lengths))
}

// ReverseSeq reverses each row of x [B, T, D] over its valid steps (steps
// beyond the length stay in place). It is its own inverse; a backward RNN is
// ReverseSeq ∘ RNN ∘ ReverseSeq.
func (tp *Tape) ReverseSeq(x *Var, lengths []int) *Var {
	B, T, D := seqDims("ReverseSeq", x, lengths)
	need := tp.grads(x)
	out := tp.newVar(need, B, T, D)
	reverseRows(out.Value.Data, x.Value.Data, lengths, B, T, D, false)
	if need {
		nd := tp.record(backReverseSeq)
		nd.in[0], nd.out[0], nd.lens = x, out, lengths
	}
	return out
}

func reverseRows(dst, src []float32, lengths []int, B, T, D int, accumulate bool) {
	for b := 0; b < B; b++ {
		L := seqLen(lengths, b, T)
		for t := 0; t < T; t++ {
			st := t
			if t < L {
				st = L - 1 - t
			}
			d, s := dst[(b*T+t)*D:(b*T+t+1)*D], src[(b*T+st)*D:(b*T+st+1)*D]
			if accumulate {
				addTo(d, s)
			} else {
				copy(d, s)
			}
		}
	}
}

func backReverseSeq(tp *Tape, nd *node) {
	x := nd.in[0]
	s := x.Value.Shape
	reverseRows(x.Grad.Data, nd.out[0].Grad.Data, nd.lens, s[0], s[1], s[2], true)
}
