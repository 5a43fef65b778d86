//go:build !purego

#include "textflag.h"

// 6×16 single-precision GEMM micro-kernel for AVX2+FMA: twelve ymm
// accumulators (rows 0-5 × two 8-lane halves), two B vectors and one
// broadcast A value per row. ap holds kc steps of 6 A values, bp kc steps of
// 16 B values (see packA6 and packB16).

#define ROW(acc0, acc1) \
	VMULPS Y0, acc0, acc0 \
	VMULPS Y0, acc1, acc1 \
	VFMADD231PS (DI), Y1, acc0 \
	VFMADD231PS 32(DI), Y1, acc1 \
	VMOVUPS acc0, (DI) \
	VMOVUPS acc1, 32(DI) \
	ADDQ R8, DI

#define ROW0(acc0, acc1) \
	VMULPS Y0, acc0, acc0 \
	VMULPS Y0, acc1, acc1 \
	VMOVUPS acc0, (DI) \
	VMOVUPS acc1, 32(DI) \
	ADDQ R8, DI

// func Kern6x16(kc int, ap, bp, c []float32, ldc int, alpha, beta float32)
// C[0:6, 0:16] (row stride ldc) = alpha·Ap·Bp + beta·C; beta == 0 ignores C.
TEXT ·Kern6x16(SB), NOSPLIT, $0-96
	MOVQ kc+0(FP), CX
	MOVQ ap_base+8(FP), SI
	MOVQ bp_base+32(FP), DX
	MOVQ c_base+56(FP), DI
	MOVQ ldc+80(FP), R8
	SHLQ $2, R8
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
kloop:
	TESTQ CX, CX
	JZ kstore
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VBROADCASTSS (SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS 4(SI), Y3
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 8(SI), Y2
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VBROADCASTSS 12(SI), Y3
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 16(SI), Y2
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VBROADCASTSS 20(SI), Y3
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	ADDQ $24, SI
	ADDQ $64, DX
	DECQ CX
	JMP kloop
kstore:
	VBROADCASTSS alpha+88(FP), Y0
	VBROADCASTSS beta+92(FP), Y1
	MOVL beta+92(FP), AX
	ANDL $0x7fffffff, AX
	JZ kbeta0
	ROW(Y4, Y5)
	ROW(Y6, Y7)
	ROW(Y8, Y9)
	ROW(Y10, Y11)
	ROW(Y12, Y13)
	ROW(Y14, Y15)
	VZEROUPPER
	RET
kbeta0:
	ROW0(Y4, Y5)
	ROW0(Y6, Y7)
	ROW0(Y8, Y9)
	ROW0(Y10, Y11)
	ROW0(Y12, Y13)
	ROW0(Y14, Y15)
	VZEROUPPER
	RET
