package corpus_test

import (
	"fmt"
	"strings"

	"github.com/mulan-nlp/mulan/corpus"
)

func ExampleReadRecords() {
	in := "sentence\tlabel\nit 's a charming journey . \t1\nbleak and desperate \t0\n"
	opt := corpus.Options{Format: corpus.TSV, TextCol: "sentence", LabelCol: "label"}
	for rec, err := range corpus.ReadRecords("dev.tsv", strings.NewReader(in), opt) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%d %s %q\n", rec.Line, rec.Label, rec.Text)
	}
	// Output:
	// 2 1 "it 's a charming journey . "
	// 3 0 "bleak and desperate "
}

func ExampleReadRecords_error() {
	in := "sentence\tlabel\ngood\t1\nbad\t0\textra\n"
	for _, err := range corpus.ReadRecords("dev.tsv", strings.NewReader(in), corpus.Options{}) {
		if err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// dev.tsv:3: row has 3 fields, header has 2
}

func ExampleReadSentences() {
	in := "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"
	for s, err := range corpus.ReadSentences("train.txt", strings.NewReader(in), corpus.Options{Format: corpus.CoNLL}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(s.Line, s.Tokens, s.Tags)
	}
	// Output:
	// 3 [EU rejects] [B-ORG O]
	// 6 [Peter] [B-PER]
}

func ExampleSplit() {
	train, dev, err := corpus.Split(10, 0.2, 42)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(train), len(dev))
	// Output:
	// 8 2
}
