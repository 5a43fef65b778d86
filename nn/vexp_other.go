//go:build !amd64 || purego

package nn

const useAVX2 = false

func expAffSumAVX2(dst, x []float32, a, b float32) float32 { panic("unreachable") }
func maxAVX2(x []float32) float32                          { panic("unreachable") }
func axpbAVX2(dst, x []float32, a, b float32)              { panic("unreachable") }
func geluAVX2(y, x []float32)                              { panic("unreachable") }
func geluBackAVX2(dx, dy, x []float32)                     { panic("unreachable") }
func tanhAVX2(y, x []float32)                              { panic("unreachable") }
func sigmoidAVX2(y, x []float32)                           { panic("unreachable") }
func tanhBackAVX2(dp, d, dy, h []float32)                  { panic("unreachable") }
