package transfer

import (
	"math/rand"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
)

// BenchmarkTrainEpoch measures one epoch of full fine-tuning (all groups)
// of a 2x24 LSTM classifier on 512 short texts.
func BenchmarkTrainEpoch(b *testing.B) {
	train := synthetic(512, rand.New(rand.NewSource(1)))
	c, err := New(tinyLM(b, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		b.Fatal(err)
	}
	o := DefaultTrainOptions()
	o.Epochs, o.Unfreeze = 1, false
	b.ResetTimer()
	for range b.N {
		if _, err := Train(c, train, nil, o, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredictBatch measures batched inference on 512 texts.
func BenchmarkPredictBatch(b *testing.B) {
	train := synthetic(512, rand.New(rand.NewSource(1)))
	c, err := New(tinyLM(b, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		b.Fatal(err)
	}
	ts := texts(train)
	b.ResetTimer()
	for range b.N {
		c.PredictBatch(ts, 64)
	}
}
