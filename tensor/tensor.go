// Package tensor holds float32 row-major tensors and the kernels the neural
// engine is built on: GEMM, fused element-wise operations and their
// backward forms, reductions, softmax, embedding gather/scatter.
//
// Matrix products go through Gemm, which dispatches to a Backend:
//
//   - OpenBLAS, loaded with dlopen at first use (cgo builds on Linux). No
//     BLAS is linked at build time, so the binary runs where OpenBLAS is
//     absent. Before loading, the package sets OPENBLAS_CORETYPE to the
//     kernel family the CPU supports (SkylakeX with AVX-512, Haswell with
//     AVX2) unless the user set it, because distribution builds such as
//     Debian's 0.3.21 misdetect recent CPUs and fall back to SSE3 kernels
//     that are several times slower. BackendName reports the kernel in use.
//   - A pure-Go blocked GEMM, always available and the only backend when
//     built with CGO_ENABLED=0.
//
// MULAN_BLAS=go|openblas forces the choice. The package is hand-written
// because no Go library offers float32 GEMM near BLAS speed together with the
// fused kernels reverse-mode training needs (gonum's pure-Go SGEMM measured
// 6-12 GFLOP/s here against 120-230 for OpenBLAS).
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
