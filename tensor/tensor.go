// Package tensor holds float32 row-major tensors and the kernels that the
// neural engine is built on. Matrix products go through Gemm, which dispatches
// to the fastest backend available (see backend selection in gemm*.go).
package tensor

import "fmt"

// Tensor is a dense row-major float32 array.
type Tensor struct {
	Data  []float32
	Shape []int
}

// New returns a zeroed tensor of the given shape.
func New(shape ...int) *Tensor {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		n *= d
	}
	return &Tensor{Data: make([]float32, n), Shape: append([]int(nil), shape...)}
}

// Len is the number of elements.
func (t *Tensor) Len() int { return len(t.Data) }
