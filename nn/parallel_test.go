package nn

import (
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/tensor"
)

// The parallel paths must compute exactly what the serial ones do.
func TestParallelMatchesSerial(t *testing.T) {
	if threads() < 2 {
		t.Skip("single CPU: no parallel path to compare")
	}
	rng := rand.New(rand.NewSource(50))
	const N, C = 64, 3000
	logits := make([]float32, N*C)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 3)
	}
	targets := make([]int32, N)
	for i := range targets {
		targets[i] = int32(rng.Intn(C))
	}
	targets[5] = -1
	run := func() (loss float32, grad, act []float32) {
		tp := NewTape(nil)
		x := tp.Leaf(N, C)
		copy(x.Value.Data, logits)
		l := tp.CrossEntropy(x, targets, -1, 0.1)
		g := tp.GELU(x)
		tp.Backward(tp.Add(l, weighted(tp, g)))
		return l.Data()[0], append([]float32(nil), x.Grad.Data...), append([]float32(nil), g.Data()...)
	}
	defer tensor.SetThreads(0)
	tensor.SetThreads(1)
	l1, g1, a1 := run()
	tensor.SetThreads(2)
	l2, g2, a2 := run()
	if l1 != l2 {
		t.Errorf("loss serial %v, parallel %v", l1, l2)
	}
	for i := range g1 {
		if g1[i] != g2[i] || a1[i] != a2[i] {
			t.Fatalf("element %d: serial (%v, %v), parallel (%v, %v)", i, g1[i], a1[i], g2[i], a2[i])
		}
	}
}
