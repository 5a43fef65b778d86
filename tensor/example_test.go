package tensor_test

import (
	"fmt"

	"github.com/mulan-nlp/mulan/tensor"
)

// A dense layer forward pass: y = softmax(x·Wᵀ + b) for a batch of two
// inputs with three features and two classes.
func Example() {
	x := []float32{1, 0, 2, 0, 1, 1}  // 2×3 inputs
	w := []float32{1, 1, 0, 0, 1, -1} // 2×3 weights (out × in)
	b := []float32{0, 0.5}            // bias
	y := tensor.New(2, 2)
	tensor.Gemm(false, true, 2, 2, 3, 1, x, 3, w, 3, 0, y.Data, 2)
	fmt.Println("logits", y.Data)
	tensor.AddRowVector(y.Data, 2, 2, b)
	tensor.Softmax(y.Data, y.Data, 2, 2)
	fmt.Printf("probs %.3f\n", y.Data)
	pred := make([]int, 2)
	tensor.ArgmaxRows(pred, y.Data, 2, 2)
	fmt.Println("classes", pred)
	// Output:
	// logits [1 -2 1 0]
	// probs [0.924 0.076 0.622 0.378]
	// classes [0 0]
}
