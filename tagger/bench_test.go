package tagger

import (
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
)

// benchModel returns an English tagger of Lample et al.'s sizes built on the
// toy data, and a batch of 10 sentences.
func benchModel(b *testing.B) (*Tagger, []encoded) {
	cfg := DefaultConfig("en")
	cfg.Epochs = 1
	data := synthetic(400, 1)
	m, _, err := Train(data[:20], nil, cfg, TrainOptions{})
	if err != nil {
		b.Fatal(err)
	}
	enc := make([]encoded, len(data))
	for i, s := range data {
		enc[i] = m.encode(s.Tokens)
		enc[i].gold = make([]int32, len(s.Tags))
	}
	return m, enc
}

// BenchmarkTrainStep is one SGD step on a batch of 10 toy sentences (~8
// tokens each): forward, CRF loss, backward, clipping, update.
func BenchmarkTrainStep(b *testing.B) {
	m, enc := benchModel(b)
	rng := rand.New(rand.NewSource(1))
	op, _ := optim.NewSGD(optim.OneGroup(m.params), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	tp := nn.NewTape(rng)
	var bt batch
	sents := make([]*encoded, 10)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j := range sents {
			sents[j] = &enc[(i*10+j)%len(enc)]
		}
		m.fill(&bt, sents, rng, nil, 0)
		tp.Reset()
		em, _ := m.emissions(tp, &bt)
		loss := m.crf.NLL(tp, em, bt.gold, bt.lengths)
		op.ZeroGrad()
		tp.Backward(loss)
		optim.ClipGradNorm(m.params, 5)
		op.Step()
		m.pinConstraints()
	}
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkPredict tags 400 toy sentences.
func BenchmarkPredict(b *testing.B) {
	m, enc := benchModel(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.predictEncoded(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(enc))/b.Elapsed().Seconds(), "sentences/s")
}
