package tagger_test

import (
	"fmt"
	"strings"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/tagger"
)

// A tiny English tagger learns that capitalised words after "in" are
// locations and other capitalised pairs are people.
func Example() {
	s := func(line, tg string) corpus.Sentence {
		return corpus.Sentence{Tokens: strings.Fields(line), Tags: strings.Fields(tg)}
	}
	var train []corpus.Sentence
	for i := 0; i < 20; i++ {
		train = append(train,
			s("John Smith lives in Paris", "B-PER I-PER O O B-LOC"),
			s("Mary Jones went to Berlin", "B-PER I-PER O O B-LOC"),
			s("he stayed in Rome", "O O O B-LOC"),
			s("she met Anna Wang today", "O O B-PER I-PER O"))
	}
	cfg := tagger.DefaultConfig("en")
	cfg.WordDim, cfg.Hidden, cfg.CharDim, cfg.CharHidden = 16, 16, 8, 8
	cfg.Optimizer, cfg.LR, cfg.Epochs, cfg.Dropout = "adam", 0.02, 15, 0
	m, _, err := tagger.Train(train, nil, cfg, tagger.TrainOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	pred, _ := m.Predict([][]string{strings.Fields("Mary Smith lives in Berlin")})
	fmt.Println(pred[0])
	// Output:
	// [B-PER I-PER O O B-LOC]
}
