package nn

import (
	"math/rand"
	"testing"
	"time"

	"github.com/mulan-nlp/mulan/tensor"
)

// lstmLM is the W1 workload shape: embedding, stacked LSTMs with carried
// state (truncated BPTT), a full softmax and plain SGD.
type lstmLM struct {
	emb    *Embedding
	layers []*RNN
	out    *Dense
	params []*Param
	h, c   []*tensor.Tensor
	tp     *Tape
	ids    []int32
	tgt    []int32
	B, T   int
	drop   float32
}

func newLSTMLM(vocab, dim, layers, B, T int, seed int64) *lstmLM {
	rng := rand.New(rand.NewSource(seed))
	m := &lstmLM{emb: NewEmbedding("emb", vocab, dim, -1, rng), out: NewDense("out", dim, vocab, true, rng), B: B, T: T, tp: NewTape(rng), drop: 0.2}
	m.params = append(m.params, m.emb.Params()...)
	for l := 0; l < layers; l++ {
		r := NewRNN("lstm."+string(rune('0'+l)), LSTM, dim, dim, rng)
		m.layers = append(m.layers, r)
		m.params = append(m.params, r.Params()...)
		m.h = append(m.h, tensor.New(B, dim))
		m.c = append(m.c, tensor.New(B, dim))
	}
	m.params = append(m.params, m.out.Params()...)
	m.ids = make([]int32, B*T)
	m.tgt = make([]int32, B*T)
	for i := range m.ids {
		m.ids[i] = int32(rng.Intn(vocab))
		m.tgt[i] = int32(rng.Intn(vocab))
	}
	return m
}

func (m *lstmLM) step() float32 {
	tp := m.tp
	tp.Reset()
	x := tp.LockedDropout(m.emb.Forward(tp, m.ids, m.B, m.T), m.drop)
	for l, r := range m.layers {
		seq, hT, cT := r.Forward(tp, x, tp.Const(m.h[l]), tp.Const(m.c[l]))
		copy(m.h[l].Data, hT.Data())
		copy(m.c[l].Data, cT.Data())
		x = tp.LockedDropout(seq, m.drop)
	}
	loss := tp.CrossEntropy(m.out.Forward(tp, x), m.tgt, -1, 0)
	ZeroGrad(m.params)
	tp.Backward(loss)
	for _, p := range m.params {
		axpy(-0.1, p.Grad.Data, p.Value.Data)
	}
	return loss.Data()[0]
}

func TestSteadyStateAllocs(t *testing.T) {
	m := newLSTMLM(50, 16, 2, 4, 5, 1)
	m.step()
	m.step()
	allocs := testing.AllocsPerRun(20, func() { m.step() })
	if allocs > 0 {
		t.Errorf("steady-state LSTM LM step allocates %v times", allocs)
	}
}

func TestLSTMLMLearns(t *testing.T) {
	// Memorising a fixed batch must drive the loss down.
	m := newLSTMLM(30, 16, 1, 4, 6, 2)
	m.drop = 0
	first := m.step()
	first = m.step()
	var last float32
	for i := 0; i < 300; i++ {
		for l := range m.h { // same initial state every step
			clear(m.h[l].Data)
			clear(m.c[l].Data)
		}
		last = m.step()
	}
	if !(last < first/2) {
		t.Errorf("loss %v -> %v: not learning", first, last)
	}
}

// transformerLM: embedding + learned positions, causal pre-LN blocks, final
// LayerNorm, full softmax, SGD.
type transformerLM struct {
	emb    *Embedding
	pos    *PositionalEmbedding
	blocks []*TransformerBlock
	ln     *LayerNorm
	out    *Dense
	params []*Param
	tp     *Tape
	ids    []int32
	tgt    []int32
	B, T   int
}

func newTransformerLM(vocab, dim, layers, heads, B, T int, seed int64) *transformerLM {
	rng := rand.New(rand.NewSource(seed))
	m := &transformerLM{
		emb: NewEmbedding("emb", vocab, dim, -1, rng),
		pos: NewPositionalEmbedding("pos", T, dim, rng),
		ln:  NewLayerNorm("ln_f", dim),
		out: NewDense("out", dim, vocab, true, rng),
		tp:  NewTape(rng), B: B, T: T,
	}
	m.params = CollectParams(m.emb, m.pos, m.ln, m.out)
	for l := 0; l < layers; l++ {
		b := NewTransformerBlock("blk."+string(rune('0'+l)), dim, heads, 4*dim, true, 0.1, rng)
		m.blocks = append(m.blocks, b)
		m.params = append(m.params, b.Params()...)
	}
	m.ids = make([]int32, B*T)
	m.tgt = make([]int32, B*T)
	for i := range m.ids {
		m.ids[i] = int32(rng.Intn(vocab))
		m.tgt[i] = int32(rng.Intn(vocab))
	}
	return m
}

func (m *transformerLM) step() float32 {
	tp := m.tp
	tp.Reset()
	x := m.pos.Forward(tp, m.emb.Forward(tp, m.ids, m.B, m.T))
	for _, b := range m.blocks {
		x = b.Forward(tp, x, nil)
	}
	loss := tp.CrossEntropy(m.out.Forward(tp, m.ln.Forward(tp, x)), m.tgt, -1, 0)
	ZeroGrad(m.params)
	tp.Backward(loss)
	for _, p := range m.params {
		axpy(-0.1, p.Grad.Data, p.Value.Data)
	}
	return loss.Data()[0]
}

func TestTransformerAllocs(t *testing.T) {
	m := newTransformerLM(40, 8, 2, 2, 2, 6, 3)
	m.step()
	m.step()
	if allocs := testing.AllocsPerRun(10, func() { m.step() }); allocs > 0 {
		t.Errorf("steady-state Transformer LM step allocates %v times", allocs)
	}
}

// reportTokens reports throughput, CPU seconds per step (steadier than wall
// time on a shared machine; pass the CPU time at the start of the timed
// loop) and memory: arena plus parameter values and gradients.
func reportTokens(b *testing.B, tokens int, tp *Tape, params []*Param, cpu0 time.Duration) {
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
	if c := cpuTime(); c > 0 {
		b.ReportMetric((c-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	}
	n := 0
	for _, p := range params {
		n += 2 * p.Value.Len() // value and gradient
	}
	b.ReportMetric(float64(tp.ArenaBytes()+4*n)/(1<<20), "MiB")
}

// BenchmarkLSTMLM is W1: vocab 10k, emb/hidden 200, 2 LSTM layers, batch 20,
// BPTT 35, forward+backward+SGD.
func BenchmarkLSTMLM(b *testing.B) {
	m := newLSTMLM(10000, 200, 2, 20, 35, 1)
	m.step()
	m.step() // the second step settles the arena
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		m.step()
	}
	reportTokens(b, m.B*m.T, m.tp, m.params, cpu0)
}

// BenchmarkTransformerLMSmall: vocab 2000, d 128, 2 layers, 4 heads, context
// 64, batch 8.
func BenchmarkTransformerLMSmall(b *testing.B) {
	m := newTransformerLM(2000, 128, 2, 4, 8, 64, 1)
	m.step()
	m.step() // the second step settles the arena
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		m.step()
	}
	reportTokens(b, m.B*m.T, m.tp, m.params, cpu0)
}

// BenchmarkTransformerLMW3 is W3: vocab 8000, d 256, 4 layers, 4 heads,
// context 128, batch 16 (slow without a fast GEMM).
func BenchmarkTransformerLMW3(b *testing.B) {
	m := newTransformerLM(8000, 256, 4, 4, 16, 128, 1)
	m.step()
	m.step() // the second step settles the arena
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		m.step()
	}
	reportTokens(b, m.B*m.T, m.tp, m.params, cpu0)
}

// BenchmarkRNNClassifier is the W2 shape: Embedding(20000, 64), two
// SimpleRNN(64) layers, Dense(1) with BCE, batch 32, length 200, SGD.
func BenchmarkRNNClassifier(b *testing.B) {
	const B, T, V, D = 32, 200, 20000, 64
	rng := rand.New(rand.NewSource(1))
	emb := NewEmbedding("emb", V, D, 0, rng)
	r1 := NewRNN("rnn.0", Elman, D, D, rng)
	r2 := NewRNN("rnn.1", Elman, D, D, rng)
	out := NewDense("out", D, 1, true, rng)
	params := CollectParams(emb, r1, r2, out)
	ids := make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(1 + rng.Intn(V-1))
	}
	y := make([]float32, B)
	for i := range y {
		y[i] = float32(rng.Intn(2))
	}
	tp := NewTape(rng)
	step := func() {
		tp.Reset()
		s1, _, _ := r1.Forward(tp, emb.Forward(tp, ids, B, T), nil, nil)
		_, h, _ := r2.Forward(tp, s1, nil, nil)
		loss := tp.BCEWithLogits(out.Forward(tp, h), y)
		ZeroGrad(params)
		tp.Backward(loss)
		for _, p := range params {
			axpy(-0.01, p.Grad.Data, p.Value.Data)
		}
	}
	step()
	step()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		step()
	}
	reportTokens(b, B*T, tp, params, cpu0)
}
