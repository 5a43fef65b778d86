package keras_test

import (
	"fmt"
	"math/rand"

	"github.com/mulan-nlp/mulan/keras"
)

// The seed's Keras example in Go: an Embedding, two stacked SimpleRNNs and a
// sigmoid output learn whether a sequence contains token 3.
func Example() {
	const vocab = 10
	makeData := func(n int, seed int64) ([][]int32, []float32) {
		rng := rand.New(rand.NewSource(seed))
		var seqs [][]int32
		var y []float32
		for i := 0; i < n; i++ {
			s := make([]int32, 3+rng.Intn(8))
			for j := range s {
				s[j] = int32(4 + rng.Intn(vocab-4)) // tokens 4..9
			}
			label := float32(i % 2)
			if label == 1 {
				s[rng.Intn(len(s))] = 3
			}
			seqs = append(seqs, s)
			y = append(y, label)
		}
		return keras.PadSequences(seqs, 10), y
	}
	x, y := makeData(1000, 1)
	xv, yv := makeData(200, 2)

	m := keras.Sequential(
		keras.Embedding(vocab, 16),
		keras.SimpleRNN(16, keras.ReturnSequences()),
		keras.SimpleRNN(16),
		keras.Dense(1, keras.Sigmoid),
	)
	if err := m.Compile(keras.Adam(1e-2), keras.BinaryCrossentropy, keras.Accuracy, keras.Seed(42)); err != nil {
		fmt.Println(err)
		return
	}
	hist, err := m.Fit(x, y, keras.Epochs(10), keras.BatchSize(32), keras.ValidationData(xv, yv), keras.Shuffle(7),
		keras.Callbacks(keras.EarlyStopping(keras.Monitor("val_accuracy"), keras.Patience(3))))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("validation accuracy ≥ 0.97: %v\n", hist.Last("val_accuracy") >= 0.97)

	probs, err := m.Predict(keras.PadSequences([][]int32{{5, 3, 7}, {5, 6, 7}}, 10), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P(contains 3): [5 3 7] %.1f, [5 6 7] %.1f\n", probs.Data[0], probs.Data[1])
	// Output:
	// validation accuracy ≥ 0.97: true
	// P(contains 3): [5 3 7] 1.0, [5 6 7] 0.0
}
