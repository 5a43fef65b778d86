package lm_test

import (
	"fmt"
	"math/rand"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/vocab"
)

// Train a tiny LSTM LM on a repeated sentence, measure its perplexity and
// let it complete a prompt.
func Example() {
	var lines []string
	for i := 0; i < 50; i++ {
		lines = append(lines, "the cat sat on the mat")
	}
	cfg, _ := lm.DefaultConfig(lm.ArchLSTM)
	cfg.Emb, cfg.Hidden, cfg.Layers = 16, 16, 1
	cfg.DropEmb, cfg.DropIn, cfg.DropHidden, cfg.DropOut, cfg.DropWeight = 0, 0, 0, 0, 0
	m, err := lm.NewFromLines(cfg, lm.TokSpace, lines, vocab.Options{}, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := m.EncodeLines(lines)
	t, err := lm.NewTrainer(m, s, nil, lm.TrainOptions{Batch: 2, BPTT: 7, Epochs: 20,
		Optimizer: "adam", LR: 0.02, Clip: 1, Schedule: "constant", Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := t.Run(); err != nil {
		fmt.Println(err)
		return
	}
	sc, _ := m.Evaluate(s, 1, 35, nil)
	text, _, _ := m.Generate("the cat", lm.GenOptions{MaxTokens: 10, StopAtEOS: true}, rand.New(rand.NewSource(1)))
	fmt.Printf("%d tokens, perplexity below 1.1: %v\n", sc.Tokens, sc.Perplexity() < 1.1)
	fmt.Println("the cat →", text)
	// Output:
	// 350 tokens, perplexity below 1.1: true
	// the cat → sat on the mat
}
