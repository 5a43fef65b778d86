package builder

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mulan-nlp/mulan/ngram"
)

func ptbTrain(b *testing.B) []byte {
	data, err := os.ReadFile(filepath.Join(sharedDir(b, "data/ptb_mikolov"), "ptb.train.txt"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkCount5 counts the 5-grams of the full PTB training text.
func BenchmarkCount5(b *testing.B) {
	data := ptbTrain(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := CountText(bytes.NewReader(data), "ptb", CountOptions{Order: 5}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrain5 counts and estimates the order-5 model of full PTB.
func BenchmarkTrain5(b *testing.B) {
	data := ptbTrain(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, err := CountText(bytes.NewReader(data), "ptb", CountOptions{Order: 5})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := EstimateKN(c, DefaultKNOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuery5 scores the PTB test set with the order-5 model.
func BenchmarkQuery5(b *testing.B) {
	data := ptbTrain(b)
	test, err := os.ReadFile(filepath.Join(sharedDir(b, "data/ptb_mikolov"), "ptb.test.txt"))
	if err != nil {
		b.Fatal(err)
	}
	c, _ := CountText(bytes.NewReader(data), "ptb", CountOptions{Order: 5})
	m, _, _ := EstimateKN(c, DefaultKNOptions())
	var out bytes.Buffer
	b.SetBytes(int64(len(test)))
	for b.Loop() {
		out.Reset()
		if _, err := ngram.Query(m, bytes.NewReader(test), &out, ngram.VerboseSummary); err != nil {
			b.Fatal(err)
		}
	}
}
