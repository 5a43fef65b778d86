//go:build !purego

// Package gemmasm holds the assembly micro-kernel of the pure-Go GEMM
// backend. It is a separate package because Go assembly cannot live in a
// package that uses cgo (tensor loads OpenBLAS through cgo).
package gemmasm

import "golang.org/x/sys/cpu"

// Available reports whether Kern6x16 can run on this CPU (AVX2 and FMA).
var Available = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// Kern6x16 sets the 6×16 tile C (row stride ldc) to alpha·Ap·Bp + beta·C,
// where ap holds kc steps of 6 values of A and bp kc steps of 16 values of
// B. With beta 0, C is not read. The caller checks the slice lengths.
//
//go:noescape
func Kern6x16(kc int, ap, bp, c []float32, ldc int, alpha, beta float32)
