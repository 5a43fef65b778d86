package lm

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/vocab"
)

// syntheticLines returns n lines of random words over a vocabulary of v
// types (Zipf-distributed), deterministic.
func syntheticLines(n, v int, seed int64) []string {
	rng := rand.New(rand.NewSource(seed))
	z := rand.NewZipf(rng, 1.1, 1, uint64(v-1))
	lines := make([]string, n)
	var b strings.Builder
	for i := range lines {
		b.Reset()
		for j := 0; j < 5+rng.Intn(20); j++ {
			fmt.Fprintf(&b, "w%d ", z.Uint64())
		}
		lines[i] = b.String()
	}
	return lines
}

// BenchmarkTrainStep is the W1 shape: 2x200 LSTM, batch 20, bptt 35, SGD,
// with the AWD-style dropouts of DefaultConfig; reports tokens/s.
func BenchmarkTrainStep(b *testing.B) {
	for _, arch := range []string{ArchLSTM, ArchTransformer} {
		b.Run(arch, func(b *testing.B) {
			lines := syntheticLines(4000, 10000, 1)
			cfg, _ := DefaultConfig(arch)
			o := DefaultTrainOptions(arch)
			if arch == ArchTransformer {
				cfg.Context, o.BPTT = 64, 64
			}
			m, err := NewFromLines(cfg, TokSpace, lines, vocab.Options{}, 1)
			if err != nil {
				b.Fatal(err)
			}
			t, err := NewTrainer(m, m.EncodeLines(lines), nil, o)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := t.step(); err != nil {
					b.Fatal(err)
				}
				t.Batch = (t.Batch + 1) % t.StepsPerEpoch()
			}
			b.ReportMetric(float64(b.N*o.Batch*o.BPTT)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
