package metrics_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/mulan-nlp/mulan/metrics"
)

func ExampleClassificationReport() {
	gold := []string{"neg", "neg", "pos", "pos", "pos"}
	pred := []string{"neg", "pos", "pos", "pos", "neg"}
	r, err := metrics.ClassificationReport(gold, pred, nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(r.Text(2))
	fmt.Println()
	r.Confusion.WriteConfusion(os.Stdout)
	// Output:
	//               precision    recall  f1-score   support
	//
	//          neg       0.50      0.50      0.50         2
	//          pos       0.67      0.67      0.67         3
	//
	//     accuracy                           0.60         5
	//    macro avg       0.58      0.58      0.58         5
	// weighted avg       0.60      0.60      0.60         5
	//
	// true\pred  neg  pos
	// neg          1    1
	// pos          1    2
}

func ExampleConlleval() {
	in := "John B-PER B-PER\nSmith I-PER O\nvisited O O\nParis B-LOC B-LOC\n"
	res, err := metrics.Conlleval(strings.NewReader(in), "example", metrics.ConllOptions{})
	if err != nil {
		panic(err)
	}
	res.WriteText(os.Stdout)
	// Output:
	// processed 4 tokens with 2 phrases; found: 2 phrases; correct: 1.
	// accuracy:  75.00%; precision:  50.00%; recall:  50.00%; FB1:  50.00
	//               LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1
	//               PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
}

func ExamplePerplexity() {
	// 3 tokens with log10 probabilities -1, -2 and -3 (as an ARPA model gives).
	fmt.Printf("%.1f\n", metrics.Perplexity(-6, metrics.Log10, 3))
	fmt.Printf("%.3f bits/token\n", metrics.BitsPerUnit(-6, metrics.Log10, 3))
	// Output:
	// 100.0
	// 6.644 bits/token
}
