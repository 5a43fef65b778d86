package tensor

import (
	"math/rand/v2"
	"testing"
)

// Kernel benchmarks at sizes of the engine's workloads: a 700×10000 logit
// matrix (LSTM LM, batch 20 × BPTT 35, vocabulary 10k) and 1M-element gate
// activations.
func BenchmarkKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	const rows, cols = 700, 10000
	x := randVec(r, rows*cols, 5)
	y := make([]float32, rows*cols)
	g := randVec(r, rows*cols, 1)
	ids := make([]int32, 700)
	for i := range ids {
		ids[i] = int32(r.IntN(10000))
	}
	table := randVec(r, 10000*200, 1)
	emb := make([]float32, 700*200)
	n := 1 << 20
	for _, bc := range []struct {
		name  string
		elems int
		fn    func()
	}{
		{"Softmax/700x10000", rows * cols, func() { Softmax(y, x, rows, cols) }},
		{"LogSoftmax/700x10000", rows * cols, func() { LogSoftmax(y, x, rows, cols) }},
		{"LogSoftmaxBackward/700x10000", rows * cols, func() { LogSoftmaxBackward(g, g, y, rows, cols) }},
		{"Tanh/1M", n, func() { Tanh(y[:n], x[:n]) }},
		{"Sigmoid/1M", n, func() { Sigmoid(y[:n], x[:n]) }},
		{"Gelu/1M", n, func() { Gelu(y[:n], x[:n]) }},
		{"GeluTanh/1M", n, func() { GeluTanh(y[:n], x[:n]) }},
		{"Add/1M", n, func() { Add(y[:n], x[:n], g[:n]) }},
		{"Axpy/1M", n, func() { Axpy(0.5, x[:n], y[:n]) }},
		{"GatherRows/700x200", 700 * 200, func() { GatherRows(emb, table, 200, ids) }},
		{"ScatterAddRows/700x200", 700 * 200, func() { ScatterAddRows(table, 200, ids, emb) }},
		{"Transpose/1000x1000", 1000 * 1000, func() { Transpose(y[:1000*1000], x[:1000*1000], 1000, 1000) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(bc.elems) * 4)
			for b.Loop() {
				bc.fn()
			}
		})
	}
}
