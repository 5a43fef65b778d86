package transfer_test

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/transfer"
	"github.com/mulan-nlp/mulan/vocab"
)

// A classifier trained from scratch on a toy task: is the text about cats?
func Example() {
	var train []transfer.Example
	for i := range 200 {
		pet := []string{"cat", "dog"}[i%2]
		train = append(train, transfer.Example{Text: "my " + pet + " sleeps all day", Label: i % 2})
	}
	var texts []string
	for _, e := range train {
		texts = append(texts, e.Text)
	}
	base, err := lm.NewFromLines(lm.Config{Arch: lm.ArchLSTM, Emb: 16, Hidden: 16, Layers: 1}, "space", texts, vocab.Options{}, 1)
	if err != nil {
		panic(err)
	}
	c, err := transfer.New(base, []string{"cat", "dog"}, transfer.HeadConfig{Hidden: 10}, rand.New(rand.NewSource(1)))
	if err != nil {
		panic(err)
	}
	o := transfer.DefaultTrainOptions()
	o.Epochs, o.Unfreeze = 5, false
	if _, err := transfer.Train(c, train, nil, o, nil, nil); err != nil {
		panic(err)
	}
	for _, text := range []string{"my cat sleeps", "the dog sleeps all day"} {
		p := c.Probs(nil, text)
		best := 0
		if p[1] > p[0] {
			best = 1
		}
		fmt.Println(strings.ToUpper(c.Labels()[best]), text)
	}
	// Output:
	// CAT my cat sleeps
	// DOG the dog sleeps all day
}
