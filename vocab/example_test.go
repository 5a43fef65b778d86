package vocab_test

import (
	"fmt"

	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/mulan-nlp/mulan/vocab"
)

func Example() {
	c := vocab.NewCounter()
	for _, line := range []string{"the cat sat", "the dog sat", "a cat"} {
		c.Add(tokenize.English{}.Tokenize(line)...)
	}
	v, _ := vocab.Build(c, vocab.Options{MinCount: 2})
	ids := v.Encode([]string{"<s>", "the", "cat", "ran", "</s>"})
	fmt.Println(v.Len(), ids, v.Decode(ids))
	// Output:
	// 7 [2 6 4 1 3] [<s> the cat <unk> </s>]
}
