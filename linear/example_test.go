package linear_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/linear"
)

func ExampleTrain() {
	var train []corpus.Record
	for range 20 {
		train = append(train,
			corpus.Record{Label: "pos", Text: "a great , moving film"},
			corpus.Record{Label: "pos", Text: "funny and touching"},
			corpus.Record{Label: "neg", Text: "a dull , boring mess"},
			corpus.Record{Label: "neg", Text: "not funny at all"})
	}
	cfg := linear.DefaultConfig()
	cfg.Dim, cfg.Epoch, cfg.LR, cfg.WordNgrams = 10, 50, 0.5, 2
	cfg.Threads = 1 // reproducible
	cfg.Tokenizer = linear.TokenizerSpec{Lang: "en", Lower: true}
	m, st, err := linear.Train("example", train, cfg, rand.New(rand.NewPCG(1, 2)), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Labels(), st.Words, "words")
	for _, text := range []string{"A great film", "Boring and dull"} {
		p := m.Predict(text, 1)[0]
		fmt.Printf("%s: %s (%.2f)\n", text, p.Label, p.Prob)
	}
	// Output:
	// [neg pos] 15 words
	// A great film: pos (1.00)
	// Boring and dull: neg (0.83)
}
