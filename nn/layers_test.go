package nn

import (
	"math"
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

func TestInitOrthogonal(t *testing.T) {
	for _, shape := range [][2]int{{4, 4}, {3, 7}, {7, 3}} {
		rng := rand.New(rand.NewSource(40))
		p := NewParam("w", shape[0], shape[1])
		InitOrthogonal(p, 2, rng)
		rows, cols := shape[0], shape[1]
		// Gram matrix of the shorter side must be gain²·I.
		n, d := rows, cols
		at := func(i, j int) float64 { return float64(p.Value.Data[i*cols+j]) }
		if rows > cols {
			n, d = cols, rows
			at = func(i, j int) float64 { return float64(p.Value.Data[j*cols+i]) }
		}
		for i := 0; i < n; i++ {
			for k := 0; k < n; k++ {
				var dot float64
				for j := 0; j < d; j++ {
					dot += at(i, j) * at(k, j)
				}
				want := 0.0
				if i == k {
					want = 4
				}
				if math.Abs(dot-want) > 1e-5 {
					t.Fatalf("%v: gram[%d][%d] = %v, want %v", shape, i, k, dot, want)
				}
			}
		}
	}
}

func TestInitStatistics(t *testing.T) {
	rng := rand.New(rand.NewSource(41))
	d := NewDense("d", 400, 300, true, rng)
	bound := 1 / math.Sqrt(400)
	var sq float64
	for _, v := range d.W.Value.Data {
		if math.Abs(float64(v)) > bound {
			t.Fatalf("dense weight %v outside ±%v", v, bound)
		}
		sq += float64(v) * float64(v)
	}
	// Var of U(-b, b) is b²/3.
	if got, want := sq/float64(d.W.Value.Len()), bound*bound/3; math.Abs(got-want)/want > 0.05 {
		t.Errorf("dense weight variance %v, want %v", got, want)
	}
	g := NewParam("g", 200, 300)
	InitGlorot(g, rng)
	sq = 0
	for _, v := range g.Value.Data {
		sq += float64(v) * float64(v)
	}
	if got, want := sq/float64(g.Value.Len()), 2.0/500; math.Abs(got-want)/want > 0.05 {
		t.Errorf("glorot variance %v, want %v", got, want)
	}
	h := NewParam("h", 200, 300)
	InitHe(h, rng)
	sq = 0
	for _, v := range h.Value.Data {
		sq += float64(v) * float64(v)
	}
	if got, want := sq/float64(h.Value.Len()), 2.0/300; math.Abs(got-want)/want > 0.05 {
		t.Errorf("he variance %v, want %v", got, want)
	}
}

// Same seed, bit-identical weights.
func TestInitDeterministic(t *testing.T) {
	a := NewTransformerBlock("b", 8, 2, 16, true, 0, rand.New(rand.NewSource(5)))
	b := NewTransformerBlock("b", 8, 2, 16, true, 0, rand.New(rand.NewSource(5)))
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		if pa[i].Name != pb[i].Name {
			t.Fatalf("names differ: %s %s", pa[i].Name, pb[i].Name)
		}
		for j := range pa[i].Value.Data {
			if pa[i].Value.Data[j] != pb[i].Value.Data[j] {
				t.Fatalf("%s differs for the same seed", pa[i].Name)
			}
		}
	}
}

func TestParamNames(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	var names []string
	for _, p := range CollectParams(NewRNN("lstm.0", LSTM, 3, 4, rng), NewBidirectional("bi", GRU, 3, 2, rng),
		NewMultiHeadAttention("attn", 4, 2, false, rng), NewCRF("crf", 3, rng), NewEmbedding("emb", 5, 2, 0, rng)) {
		names = append(names, p.Name)
	}
	want := []string{"lstm.0.w_ih", "lstm.0.w_hh", "lstm.0.b_ih", "lstm.0.b_hh",
		"bi.fwd.w_ih", "bi.fwd.w_hh", "bi.fwd.b_ih", "bi.fwd.b_hh", "bi.bwd.w_ih", "bi.bwd.w_hh", "bi.bwd.b_ih", "bi.bwd.b_hh",
		"attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
		"crf.transitions", "crf.start_transitions", "crf.end_transitions", "emb.weight"}
	if len(names) != len(want) {
		t.Fatalf("names %v", names)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("param %d: %q, want %q", i, names[i], want[i])
		}
	}
}

// A frozen parameter keeps its gradient untouched; the others still get
// theirs.
func TestFrozen(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	d := NewDense("d", 3, 2, true, rng)
	d.W.SetFrozen(true)
	tp := NewTape(nil)
	tp.Backward(tp.Sum(d.Forward(tp, tp.Input([]float32{1, 2, 3}, 1, 3))))
	for _, g := range d.W.Grad.Data {
		if g != 0 {
			t.Fatal("frozen weight received a gradient")
		}
	}
	if d.B.Grad.Data[0] != 1 || d.B.Grad.Data[1] != 1 {
		t.Fatalf("bias grad %v, want [1 1]", d.B.Grad.Data)
	}
	// Frozen everything: nothing to differentiate, no node recorded.
	d.B.SetFrozen(true)
	tp.Reset()
	if y := d.Forward(tp, tp.Input([]float32{1, 2, 3}, 1, 3)); y.Grad != nil || tp.nn != 0 {
		t.Fatal("op recorded although no input needs a gradient")
	}
}

// Overwriting the carried LSTM state after the forward pass (as truncated
// BPTT does) must not change the gradients.
func TestRecurrentStateOverwrite(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	r := NewRNN("lstm", LSTM, 2, 3, rng)
	x := make([]float32, 2*4*2)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	grads := func(overwrite bool) []float32 {
		h, c := tensor.New(2, 3), tensor.New(2, 3)
		for i := range c.Data {
			h.Data[i], c.Data[i] = 0.5, -0.7
		}
		tp := NewTape(nil)
		ZeroGrad(r.Params())
		seq, hT, cT := r.Forward(tp, tp.Input(x, 2, 4, 2), tp.Const(h), tp.Const(c))
		if overwrite {
			copy(h.Data, hT.Data())
			copy(c.Data, cT.Data())
		}
		tp.Backward(weighted(tp, seq))
		return append([]float32(nil), r.WHH.Grad.Data...)
	}
	a, b := grads(false), grads(true)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("w_hh grad[%d]: %v vs %v after overwriting the state", i, a[i], b[i])
		}
	}
}

// With varying step sizes the arena settles into one chunk and stops
// growing.
func TestArenaSettles(t *testing.T) {
	var a arena[float32]
	sizes := [][]int{{10, 3 << 20, 5}, {2 << 20, 2 << 20, 7}, {10, 3 << 20, 5}}
	for round := 0; round < 3; round++ {
		for _, step := range sizes {
			for _, n := range step {
				if s := a.alloc(n); len(s) != n || cap(s) != n {
					t.Fatalf("alloc(%d) gave len %d cap %d", n, len(s), cap(s))
				}
			}
			a.reset()
		}
	}
	if len(a.chunks) != 1 {
		t.Fatalf("%d chunks after settling", len(a.chunks))
	}
	before := a.capacity()
	if before < 4<<20 || before > 5<<20 {
		t.Errorf("capacity %d, want about 4.5M (largest step + 1/8)", before)
	}
	for _, step := range sizes {
		for _, n := range step {
			a.alloc(n)
		}
		a.reset()
	}
	if a.capacity() != before {
		t.Errorf("capacity grew from %d to %d on repeated sizes", before, a.capacity())
	}
}

// In NoGrad mode nothing is recorded and no gradient buffers are made; the
// values are the same as with recording.
func TestNoGrad(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	r := NewRNN("gru", GRU, 3, 4, rng)
	x := make([]float32, 2*3*3)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	tp := NewTape(nil)
	want, _, _ := r.Forward(tp, tp.Input(x, 2, 3, 3), nil, nil)
	tp2 := NewTape(nil)
	tp2.NoGrad = true
	got, hT, _ := r.Forward(tp2, tp2.Input(x, 2, 3, 3), nil, nil)
	if got.Grad != nil || hT.Grad != nil || tp2.nn != 0 {
		t.Fatal("NoGrad tape recorded a node or made a gradient")
	}
	if tp.nn != 1 {
		t.Fatalf("recording tape has %d nodes, want 1 fused node", tp.nn)
	}
	for i := range want.Data() {
		if got.Data()[i] != want.Data()[i] {
			t.Fatal("NoGrad values differ")
		}
	}
}
