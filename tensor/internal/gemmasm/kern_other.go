//go:build !amd64 || purego

// Package gemmasm holds the assembly micro-kernel of the pure-Go GEMM
// backend; on this platform it has none.
package gemmasm

// Available is false: there is no assembly kernel here.
const Available = false

// Kern6x16 is never called where Available is false.
func Kern6x16(kc int, ap, bp, c []float32, ldc int, alpha, beta float32) {
	panic("gemmasm: no assembly kernel on this platform")
}
