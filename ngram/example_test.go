package ngram_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/mulan-nlp/mulan/ngram"
)

func Example() {
	const arpa = "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.3\n-0.5\t</s>\t0\n-0.4\thi\t-0.2\n\n" +
		"\\2-grams:\n-0.1\t<s> hi\n-0.2\thi </s>\n\n\\end\\\n"
	m, err := ngram.ReadARPA(strings.NewReader(arpa), "example.arpa")
	if err != nil {
		fmt.Println(err)
		return
	}
	total, oov := m.ScoreSentence([]string{"hi"})
	fmt.Println(ngram.FormatFloat32(total), oov)
	ngram.Query(m, strings.NewReader("hi\nhi there\n"), os.Stdout, ngram.VerboseSentence)
	// Output:
	// -0.3 0
	// Total: -0.3 OOV: 0
	// Total: -1.8000001 OOV: 1
	// Perplexity including OOVs:	2.6302680929727287
	// Perplexity excluding OOVs:	1.6788040526836205
	// OOVs:	1
	// Tokens:	5
}
