package ensemble_test

import (
	"fmt"
	"strings"

	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/ngram/builder"
)

func kn(order int, text string) *ensemble.Ngram {
	c, _ := builder.CountText(strings.NewReader(text), "train", builder.CountOptions{Order: order})
	o := builder.DefaultKNOptions()
	o.DiscountFallback = true
	m, _, _ := builder.EstimateKN(c, o)
	return &ensemble.Ngram{Model: m, File: fmt.Sprintf("kn%d", order)}
}

// Tune the weights of a bigram and a unigram model on held-out text.
func ExampleMixture_Tune() {
	train := "a b c\na b c\nb c a\nc a b\na c\n"
	members := []ensemble.LM{kn(2, train), kn(1, train)}
	mix, err := ensemble.NewMixture(members, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	dev, _ := ensemble.ReadText("dev", strings.NewReader("a b c\nc b a\nb a c\n"))
	probs, _ := ensemble.Probs(members, dev, nil)
	if _, err := mix.Tune(probs, ngram.MixOptions{}, nil); err != nil {
		fmt.Println(err)
		return
	}
	memb, ppl := ensemble.Perplexities(probs, mix.Weights)
	fmt.Printf("weights %.2f %.2f\n", mix.Weights[0], mix.Weights[1])
	fmt.Printf("perplexity: bigram %.2f, unigram %.2f, mixture %.2f\n", memb[0], memb[1], ppl)
	// Output:
	// weights 0.58 0.42
	// perplexity: bigram 4.20, unigram 4.29, mixture 4.08
}
