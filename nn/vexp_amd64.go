//go:build !purego

package nn

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels of vexp_amd64.s.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func expAffSumAVX2(dst, x []float32, a, b float32) float32

//go:noescape
func maxAVX2(x []float32) float32

//go:noescape
func axpbAVX2(dst, x []float32, a, b float32)

//go:noescape
func geluAVX2(y, x []float32)

//go:noescape
func geluBackAVX2(dx, dy, x []float32)

//go:noescape
func tanhAVX2(y, x []float32)

//go:noescape
func sigmoidAVX2(y, x []float32)

//go:noescape
func tanhBackAVX2(dp, d, dy, h []float32)
