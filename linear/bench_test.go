package linear

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/mulan-nlp/mulan/corpus"
)

// BenchmarkStep times one SGD step on a 20-row example (dim 100, 2 labels).
func BenchmarkStep(b *testing.B) {
	const dim, rows = 100, 20
	m := &Model{dim: dim, labels: []string{"a", "b"}, in: make([]float32, 1000*dim), out: make([]float32, 2*dim)}
	for r := range 1000 {
		initRow(m.in[r*dim:(r+1)*dim], 1, uint64(r))
	}
	ids := make([]int32, rows)
	for i := range ids {
		ids[i] = int32(i * 37 % 1000)
	}
	w := newWorker(m)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.step(ids, i&1, 0.05)
	}
}

func sst2Train(b *testing.B) []corpus.Record {
	return readOrSkip(b, filepath.Join(sharedData, "sst2", "train.tsv"), corpus.Options{})
}

// BenchmarkPredict times Predict on SST-2 phrases with a bigram model.
func BenchmarkPredict(b *testing.B) {
	train := sst2Train(b)[:20000]
	cfg := DefaultConfig()
	cfg.WordNgrams, cfg.Threads, cfg.Epoch = 2, 1, 1
	cfg.Tokenizer = TokenizerSpec{Lang: "space"}
	m, _, err := Train("train.tsv", train, cfg, rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Predict(train[i%len(train)].Text, 1)
	}
}

// BenchmarkTrainSST2 times a whole single-thread training run (SST-2, bigrams, 5 epochs).
func BenchmarkTrainSST2(b *testing.B) {
	train := sst2Train(b)
	cfg := DefaultConfig()
	cfg.WordNgrams, cfg.Threads = 2, 1
	cfg.Tokenizer = TokenizerSpec{Lang: "space"}
	for b.Loop() {
		if _, _, err := Train("train.tsv", train, cfg, rand.New(rand.NewPCG(1, 1)), nil); err != nil {
			b.Fatal(err)
		}
	}
}
