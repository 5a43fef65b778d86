//go:build !purego

#include "textflag.h"

// AVX2+FMA kernels for the exponential-heavy loops (softmax cross-entropy,
// softmax, GELU). The exponential is the one of exp32 in mathf.go: x·log2(e)
// rounded to an integer k with a magic constant, r = x - k·ln2 in two parts
// (Cody-Waite), a degree-6 Taylor polynomial, and 2^k built in the exponent
// bits; 8 lanes per instruction. Callers handle the len%8 tail in Go.

// Constants, each replicated over 8 lanes:
// log2e at 0
// magic at 32
// ln2hi at 64
// ln2lo at 96
// c6    at 128
// c5    at 160
// c4    at 192
// c3    at 224
// lo    at 256
// hi    at 288
// half  at 320
// one   at 352
// bias  at 384
DATA expc<>+0(SB)/4, $0x3fb8aa3b
DATA expc<>+4(SB)/4, $0x3fb8aa3b
DATA expc<>+8(SB)/4, $0x3fb8aa3b
DATA expc<>+12(SB)/4, $0x3fb8aa3b
DATA expc<>+16(SB)/4, $0x3fb8aa3b
DATA expc<>+20(SB)/4, $0x3fb8aa3b
DATA expc<>+24(SB)/4, $0x3fb8aa3b
DATA expc<>+28(SB)/4, $0x3fb8aa3b
DATA expc<>+32(SB)/4, $0x4b400000
DATA expc<>+36(SB)/4, $0x4b400000
DATA expc<>+40(SB)/4, $0x4b400000
DATA expc<>+44(SB)/4, $0x4b400000
DATA expc<>+48(SB)/4, $0x4b400000
DATA expc<>+52(SB)/4, $0x4b400000
DATA expc<>+56(SB)/4, $0x4b400000
DATA expc<>+60(SB)/4, $0x4b400000
DATA expc<>+64(SB)/4, $0x3f318000
DATA expc<>+68(SB)/4, $0x3f318000
DATA expc<>+72(SB)/4, $0x3f318000
DATA expc<>+76(SB)/4, $0x3f318000
DATA expc<>+80(SB)/4, $0x3f318000
DATA expc<>+84(SB)/4, $0x3f318000
DATA expc<>+88(SB)/4, $0x3f318000
DATA expc<>+92(SB)/4, $0x3f318000
DATA expc<>+96(SB)/4, $0xb95e8083
DATA expc<>+100(SB)/4, $0xb95e8083
DATA expc<>+104(SB)/4, $0xb95e8083
DATA expc<>+108(SB)/4, $0xb95e8083
DATA expc<>+112(SB)/4, $0xb95e8083
DATA expc<>+116(SB)/4, $0xb95e8083
DATA expc<>+120(SB)/4, $0xb95e8083
DATA expc<>+124(SB)/4, $0xb95e8083
DATA expc<>+128(SB)/4, $0x3ab60b61
DATA expc<>+132(SB)/4, $0x3ab60b61
DATA expc<>+136(SB)/4, $0x3ab60b61
DATA expc<>+140(SB)/4, $0x3ab60b61
DATA expc<>+144(SB)/4, $0x3ab60b61
DATA expc<>+148(SB)/4, $0x3ab60b61
DATA expc<>+152(SB)/4, $0x3ab60b61
DATA expc<>+156(SB)/4, $0x3ab60b61
DATA expc<>+160(SB)/4, $0x3c088889
DATA expc<>+164(SB)/4, $0x3c088889
DATA expc<>+168(SB)/4, $0x3c088889
DATA expc<>+172(SB)/4, $0x3c088889
DATA expc<>+176(SB)/4, $0x3c088889
DATA expc<>+180(SB)/4, $0x3c088889
DATA expc<>+184(SB)/4, $0x3c088889
DATA expc<>+188(SB)/4, $0x3c088889
DATA expc<>+192(SB)/4, $0x3d2aaaab
DATA expc<>+196(SB)/4, $0x3d2aaaab
DATA expc<>+200(SB)/4, $0x3d2aaaab
DATA expc<>+204(SB)/4, $0x3d2aaaab
DATA expc<>+208(SB)/4, $0x3d2aaaab
DATA expc<>+212(SB)/4, $0x3d2aaaab
DATA expc<>+216(SB)/4, $0x3d2aaaab
DATA expc<>+220(SB)/4, $0x3d2aaaab
DATA expc<>+224(SB)/4, $0x3e2aaaab
DATA expc<>+228(SB)/4, $0x3e2aaaab
DATA expc<>+232(SB)/4, $0x3e2aaaab
DATA expc<>+236(SB)/4, $0x3e2aaaab
DATA expc<>+240(SB)/4, $0x3e2aaaab
DATA expc<>+244(SB)/4, $0x3e2aaaab
DATA expc<>+248(SB)/4, $0x3e2aaaab
DATA expc<>+252(SB)/4, $0x3e2aaaab
DATA expc<>+256(SB)/4, $0xc2ae0000
DATA expc<>+260(SB)/4, $0xc2ae0000
DATA expc<>+264(SB)/4, $0xc2ae0000
DATA expc<>+268(SB)/4, $0xc2ae0000
DATA expc<>+272(SB)/4, $0xc2ae0000
DATA expc<>+276(SB)/4, $0xc2ae0000
DATA expc<>+280(SB)/4, $0xc2ae0000
DATA expc<>+284(SB)/4, $0xc2ae0000
DATA expc<>+288(SB)/4, $0x42b00000
DATA expc<>+292(SB)/4, $0x42b00000
DATA expc<>+296(SB)/4, $0x42b00000
DATA expc<>+300(SB)/4, $0x42b00000
DATA expc<>+304(SB)/4, $0x42b00000
DATA expc<>+308(SB)/4, $0x42b00000
DATA expc<>+312(SB)/4, $0x42b00000
DATA expc<>+316(SB)/4, $0x42b00000
DATA expc<>+320(SB)/4, $0x3f000000
DATA expc<>+324(SB)/4, $0x3f000000
DATA expc<>+328(SB)/4, $0x3f000000
DATA expc<>+332(SB)/4, $0x3f000000
DATA expc<>+336(SB)/4, $0x3f000000
DATA expc<>+340(SB)/4, $0x3f000000
DATA expc<>+344(SB)/4, $0x3f000000
DATA expc<>+348(SB)/4, $0x3f000000
DATA expc<>+352(SB)/4, $0x3f800000
DATA expc<>+356(SB)/4, $0x3f800000
DATA expc<>+360(SB)/4, $0x3f800000
DATA expc<>+364(SB)/4, $0x3f800000
DATA expc<>+368(SB)/4, $0x3f800000
DATA expc<>+372(SB)/4, $0x3f800000
DATA expc<>+376(SB)/4, $0x3f800000
DATA expc<>+380(SB)/4, $0x3f800000
DATA expc<>+384(SB)/4, $0x4b3fff81
DATA expc<>+388(SB)/4, $0x4b3fff81
DATA expc<>+392(SB)/4, $0x4b3fff81
DATA expc<>+396(SB)/4, $0x4b3fff81
DATA expc<>+400(SB)/4, $0x4b3fff81
DATA expc<>+404(SB)/4, $0x4b3fff81
DATA expc<>+408(SB)/4, $0x4b3fff81
DATA expc<>+412(SB)/4, $0x4b3fff81
GLOBL expc<>(SB), RODATA|NOPTR, $416

// EXP8 computes Y3 = exp(Y1) for 8 lanes; clobbers Y1, Y2, Y4.
// Expects Y5=log2e Y6=magic Y7=ln2hi Y8=ln2lo Y9..Y12=c6..c3 Y13=lo.
#define EXP8 \
	VMAXPS Y13, Y1, Y1 \
	VMINPS expc<>+288(SB), Y1, Y1 \
	VMOVAPS Y6, Y2 \
	VFMADD231PS Y5, Y1, Y2 \
	VSUBPS Y6, Y2, Y3 \
	VMOVAPS Y1, Y4 \
	VFNMADD231PS Y7, Y3, Y4 \
	VFNMADD231PS Y8, Y3, Y4 \
	VMOVAPS Y9, Y3 \
	VFMADD213PS Y10, Y4, Y3 \
	VFMADD213PS Y11, Y4, Y3 \
	VFMADD213PS Y12, Y4, Y3 \
	VFMADD213PS expc<>+320(SB), Y4, Y3 \
	VFMADD213PS expc<>+352(SB), Y4, Y3 \
	VFMADD213PS expc<>+352(SB), Y4, Y3 \
	VPSUBD expc<>+384(SB), Y2, Y2 \
	VPSLLD $23, Y2, Y2 \
	VMULPS Y2, Y3, Y3

#define LOADC \
	VMOVUPS expc<>+0(SB), Y5 \
	VMOVUPS expc<>+32(SB), Y6 \
	VMOVUPS expc<>+64(SB), Y7 \
	VMOVUPS expc<>+96(SB), Y8 \
	VMOVUPS expc<>+128(SB), Y9 \
	VMOVUPS expc<>+160(SB), Y10 \
	VMOVUPS expc<>+192(SB), Y11 \
	VMOVUPS expc<>+224(SB), Y12 \
	VMOVUPS expc<>+256(SB), Y13

// func expAffSumAVX2(dst, x []float32, a, b float32) float32
// dst[i] = exp(a·x[i] + b) for i < len(x)&^7; returns their sum.
TEXT ·expAffSumAVX2(SB), NOSPLIT, $0-60
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y14
	VBROADCASTSS b+52(FP), Y15
	LOADC
	VXORPS Y0, Y0, Y0
eloop:
	CMPQ CX, $8
	JLT edone
	VMOVUPS (SI), Y1
	VFMADD213PS Y15, Y14, Y1
	EXP8
	VMOVUPS Y3, (DI)
	VADDPS Y3, Y0, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP eloop
edone:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+56(FP)
	RET

// func maxAVX2(x []float32) float32
// max of x[:len(x)&^7]; len(x) >= 8.
TEXT ·maxAVX2(SB), NOSPLIT, $0-28
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	VMOVUPS (SI), Y0
	ADDQ $32, SI
	SUBQ $8, CX
mloop:
	CMPQ CX, $8
	JLT mdone
	VMAXPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP mloop
mdone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4E, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xB1, X0, X1
	VMAXPS X1, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func axpbAVX2(dst, x []float32, a, b float32)
// dst[i] += a·x[i] + b for i < len(x)&^7.
TEXT ·axpbAVX2(SB), NOSPLIT, $0-56
	MOVQ dst_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	VBROADCASTSS a+48(FP), Y14
	VBROADCASTSS b+52(FP), Y15
aloop:
	CMPQ CX, $8
	JLT adone
	VMOVUPS (SI), Y1
	VFMADD213PS Y15, Y14, Y1
	VADDPS (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP aloop
adone:
	VZEROUPPER
	RET

// GELU constants: 1/√2, then Abramowitz & Stegun 7.1.26 (p, a1..a5), 1/√(2π), masks, -0.5.
DATA geluc<>+0(SB)/4, $0x3f3504f3
DATA geluc<>+4(SB)/4, $0x3f3504f3
DATA geluc<>+8(SB)/4, $0x3f3504f3
DATA geluc<>+12(SB)/4, $0x3f3504f3
DATA geluc<>+16(SB)/4, $0x3f3504f3
DATA geluc<>+20(SB)/4, $0x3f3504f3
DATA geluc<>+24(SB)/4, $0x3f3504f3
DATA geluc<>+28(SB)/4, $0x3f3504f3
DATA geluc<>+32(SB)/4, $0x3ea7ba05
DATA geluc<>+36(SB)/4, $0x3ea7ba05
DATA geluc<>+40(SB)/4, $0x3ea7ba05
DATA geluc<>+44(SB)/4, $0x3ea7ba05
DATA geluc<>+48(SB)/4, $0x3ea7ba05
DATA geluc<>+52(SB)/4, $0x3ea7ba05
DATA geluc<>+56(SB)/4, $0x3ea7ba05
DATA geluc<>+60(SB)/4, $0x3ea7ba05
DATA geluc<>+64(SB)/4, $0x3e827906
DATA geluc<>+68(SB)/4, $0x3e827906
DATA geluc<>+72(SB)/4, $0x3e827906
DATA geluc<>+76(SB)/4, $0x3e827906
DATA geluc<>+80(SB)/4, $0x3e827906
DATA geluc<>+84(SB)/4, $0x3e827906
DATA geluc<>+88(SB)/4, $0x3e827906
DATA geluc<>+92(SB)/4, $0x3e827906
DATA geluc<>+96(SB)/4, $0xbe91a98e
DATA geluc<>+100(SB)/4, $0xbe91a98e
DATA geluc<>+104(SB)/4, $0xbe91a98e
DATA geluc<>+108(SB)/4, $0xbe91a98e
DATA geluc<>+112(SB)/4, $0xbe91a98e
DATA geluc<>+116(SB)/4, $0xbe91a98e
DATA geluc<>+120(SB)/4, $0xbe91a98e
DATA geluc<>+124(SB)/4, $0xbe91a98e
DATA geluc<>+128(SB)/4, $0x3fb5f0e3
DATA geluc<>+132(SB)/4, $0x3fb5f0e3
DATA geluc<>+136(SB)/4, $0x3fb5f0e3
DATA geluc<>+140(SB)/4, $0x3fb5f0e3
DATA geluc<>+144(SB)/4, $0x3fb5f0e3
DATA geluc<>+148(SB)/4, $0x3fb5f0e3
DATA geluc<>+152(SB)/4, $0x3fb5f0e3
DATA geluc<>+156(SB)/4, $0x3fb5f0e3
DATA geluc<>+160(SB)/4, $0xbfba00e3
DATA geluc<>+164(SB)/4, $0xbfba00e3
DATA geluc<>+168(SB)/4, $0xbfba00e3
DATA geluc<>+172(SB)/4, $0xbfba00e3
DATA geluc<>+176(SB)/4, $0xbfba00e3
DATA geluc<>+180(SB)/4, $0xbfba00e3
DATA geluc<>+184(SB)/4, $0xbfba00e3
DATA geluc<>+188(SB)/4, $0xbfba00e3
DATA geluc<>+192(SB)/4, $0x3f87dc22
DATA geluc<>+196(SB)/4, $0x3f87dc22
DATA geluc<>+200(SB)/4, $0x3f87dc22
DATA geluc<>+204(SB)/4, $0x3f87dc22
DATA geluc<>+208(SB)/4, $0x3f87dc22
DATA geluc<>+212(SB)/4, $0x3f87dc22
DATA geluc<>+216(SB)/4, $0x3f87dc22
DATA geluc<>+220(SB)/4, $0x3f87dc22
DATA geluc<>+224(SB)/4, $0x3ecc422a
DATA geluc<>+228(SB)/4, $0x3ecc422a
DATA geluc<>+232(SB)/4, $0x3ecc422a
DATA geluc<>+236(SB)/4, $0x3ecc422a
DATA geluc<>+240(SB)/4, $0x3ecc422a
DATA geluc<>+244(SB)/4, $0x3ecc422a
DATA geluc<>+248(SB)/4, $0x3ecc422a
DATA geluc<>+252(SB)/4, $0x3ecc422a
DATA geluc<>+256(SB)/4, $0x7fffffff
DATA geluc<>+260(SB)/4, $0x7fffffff
DATA geluc<>+264(SB)/4, $0x7fffffff
DATA geluc<>+268(SB)/4, $0x7fffffff
DATA geluc<>+272(SB)/4, $0x7fffffff
DATA geluc<>+276(SB)/4, $0x7fffffff
DATA geluc<>+280(SB)/4, $0x7fffffff
DATA geluc<>+284(SB)/4, $0x7fffffff
DATA geluc<>+288(SB)/4, $0x80000000
DATA geluc<>+292(SB)/4, $0x80000000
DATA geluc<>+296(SB)/4, $0x80000000
DATA geluc<>+300(SB)/4, $0x80000000
DATA geluc<>+304(SB)/4, $0x80000000
DATA geluc<>+308(SB)/4, $0x80000000
DATA geluc<>+312(SB)/4, $0x80000000
DATA geluc<>+316(SB)/4, $0x80000000
DATA geluc<>+320(SB)/4, $0xbf000000
DATA geluc<>+324(SB)/4, $0xbf000000
DATA geluc<>+328(SB)/4, $0xbf000000
DATA geluc<>+332(SB)/4, $0xbf000000
DATA geluc<>+336(SB)/4, $0xbf000000
DATA geluc<>+340(SB)/4, $0xbf000000
DATA geluc<>+344(SB)/4, $0xbf000000
DATA geluc<>+348(SB)/4, $0xbf000000
GLOBL geluc<>(SB), RODATA|NOPTR, $352

// GELUERF sets Y2 = erf(x/√2) for Y0 = x (A&S 7.1.26, as erf32) and
// Y3 = exp(-x²/2); clobbers Y1, Y4, Y14, Y15. Needs LOADC.
#define GELUERF \
	VMULPS geluc<>+0(SB), Y0, Y14 \
	VANDPS geluc<>+256(SB), Y14, Y14 \
	VMULPS Y14, Y14, Y1 \
	VXORPS geluc<>+288(SB), Y1, Y1 \
	EXP8 \
	VMOVUPS expc<>+352(SB), Y15 \
	VFMADD231PS geluc<>+32(SB), Y14, Y15 \
	VMOVUPS expc<>+352(SB), Y1 \
	VDIVPS Y15, Y1, Y15 \
	VMOVUPS geluc<>+192(SB), Y1 \
	VFMADD213PS geluc<>+160(SB), Y15, Y1 \
	VFMADD213PS geluc<>+128(SB), Y15, Y1 \
	VFMADD213PS geluc<>+96(SB), Y15, Y1 \
	VFMADD213PS geluc<>+64(SB), Y15, Y1 \
	VMULPS Y15, Y1, Y1 \
	VMULPS Y3, Y1, Y1 \
	VMOVUPS expc<>+352(SB), Y2 \
	VSUBPS Y1, Y2, Y2 \
	VANDPS geluc<>+288(SB), Y0, Y4 \
	VXORPS Y4, Y2, Y2

// func geluAVX2(y, x []float32)
// y[i] = x·Φ(x) for i < len(x)&^7.
TEXT ·geluAVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	LOADC
gloop:
	CMPQ CX, $8
	JLT gdone
	VMOVUPS (SI), Y0
	GELUERF
	VADDPS expc<>+352(SB), Y2, Y2
	VMULPS Y0, Y2, Y2
	VMULPS expc<>+320(SB), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP gloop
gdone:
	VZEROUPPER
	RET

// func geluBackAVX2(dx, dy, x []float32)
// dx[i] += dy[i]·(Φ(x) + x·φ(x)) for i < len(x)&^7.
TEXT ·geluBackAVX2(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ dy_base+24(FP), DX
	MOVQ x_base+48(FP), SI
	MOVQ x_len+56(FP), CX
	LOADC
bloop:
	CMPQ CX, $8
	JLT bdone
	VMOVUPS (SI), Y0
	GELUERF
	VADDPS expc<>+352(SB), Y2, Y2
	VMULPS expc<>+320(SB), Y2, Y2
	VMULPS geluc<>+224(SB), Y0, Y4
	VFMADD231PS Y3, Y4, Y2
	VMULPS (DX), Y2, Y2
	VADDPS (DI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP bloop
bdone:
	VZEROUPPER
	RET

// tanh: Maclaurin coefficients x^17 … x^3 (as tanhSeries), -2, and the 0.55 switch-over.
DATA tanhc<>+0(SB)/4, $0x3a1aac12
DATA tanhc<>+4(SB)/4, $0x3a1aac12
DATA tanhc<>+8(SB)/4, $0x3a1aac12
DATA tanhc<>+12(SB)/4, $0x3a1aac12
DATA tanhc<>+16(SB)/4, $0x3a1aac12
DATA tanhc<>+20(SB)/4, $0x3a1aac12
DATA tanhc<>+24(SB)/4, $0x3a1aac12
DATA tanhc<>+28(SB)/4, $0x3a1aac12
DATA tanhc<>+32(SB)/4, $0xbabed1b2
DATA tanhc<>+36(SB)/4, $0xbabed1b2
DATA tanhc<>+40(SB)/4, $0xbabed1b2
DATA tanhc<>+44(SB)/4, $0xbabed1b2
DATA tanhc<>+48(SB)/4, $0xbabed1b2
DATA tanhc<>+52(SB)/4, $0xbabed1b2
DATA tanhc<>+56(SB)/4, $0xbabed1b2
DATA tanhc<>+60(SB)/4, $0xbabed1b2
DATA tanhc<>+64(SB)/4, $0x3b6b69e8
DATA tanhc<>+68(SB)/4, $0x3b6b69e8
DATA tanhc<>+72(SB)/4, $0x3b6b69e8
DATA tanhc<>+76(SB)/4, $0x3b6b69e8
DATA tanhc<>+80(SB)/4, $0x3b6b69e8
DATA tanhc<>+84(SB)/4, $0x3b6b69e8
DATA tanhc<>+88(SB)/4, $0x3b6b69e8
DATA tanhc<>+92(SB)/4, $0x3b6b69e8
DATA tanhc<>+96(SB)/4, $0xbc11371b
DATA tanhc<>+100(SB)/4, $0xbc11371b
DATA tanhc<>+104(SB)/4, $0xbc11371b
DATA tanhc<>+108(SB)/4, $0xbc11371b
DATA tanhc<>+112(SB)/4, $0xbc11371b
DATA tanhc<>+116(SB)/4, $0xbc11371b
DATA tanhc<>+120(SB)/4, $0xbc11371b
DATA tanhc<>+124(SB)/4, $0xbc11371b
DATA tanhc<>+128(SB)/4, $0x3cb327a4
DATA tanhc<>+132(SB)/4, $0x3cb327a4
DATA tanhc<>+136(SB)/4, $0x3cb327a4
DATA tanhc<>+140(SB)/4, $0x3cb327a4
DATA tanhc<>+144(SB)/4, $0x3cb327a4
DATA tanhc<>+148(SB)/4, $0x3cb327a4
DATA tanhc<>+152(SB)/4, $0x3cb327a4
DATA tanhc<>+156(SB)/4, $0x3cb327a4
DATA tanhc<>+160(SB)/4, $0xbd5d0dd1
DATA tanhc<>+164(SB)/4, $0xbd5d0dd1
DATA tanhc<>+168(SB)/4, $0xbd5d0dd1
DATA tanhc<>+172(SB)/4, $0xbd5d0dd1
DATA tanhc<>+176(SB)/4, $0xbd5d0dd1
DATA tanhc<>+180(SB)/4, $0xbd5d0dd1
DATA tanhc<>+184(SB)/4, $0xbd5d0dd1
DATA tanhc<>+188(SB)/4, $0xbd5d0dd1
DATA tanhc<>+192(SB)/4, $0x3e088889
DATA tanhc<>+196(SB)/4, $0x3e088889
DATA tanhc<>+200(SB)/4, $0x3e088889
DATA tanhc<>+204(SB)/4, $0x3e088889
DATA tanhc<>+208(SB)/4, $0x3e088889
DATA tanhc<>+212(SB)/4, $0x3e088889
DATA tanhc<>+216(SB)/4, $0x3e088889
DATA tanhc<>+220(SB)/4, $0x3e088889
DATA tanhc<>+224(SB)/4, $0xbeaaaaab
DATA tanhc<>+228(SB)/4, $0xbeaaaaab
DATA tanhc<>+232(SB)/4, $0xbeaaaaab
DATA tanhc<>+236(SB)/4, $0xbeaaaaab
DATA tanhc<>+240(SB)/4, $0xbeaaaaab
DATA tanhc<>+244(SB)/4, $0xbeaaaaab
DATA tanhc<>+248(SB)/4, $0xbeaaaaab
DATA tanhc<>+252(SB)/4, $0xbeaaaaab
DATA tanhc<>+256(SB)/4, $0xc0000000
DATA tanhc<>+260(SB)/4, $0xc0000000
DATA tanhc<>+264(SB)/4, $0xc0000000
DATA tanhc<>+268(SB)/4, $0xc0000000
DATA tanhc<>+272(SB)/4, $0xc0000000
DATA tanhc<>+276(SB)/4, $0xc0000000
DATA tanhc<>+280(SB)/4, $0xc0000000
DATA tanhc<>+284(SB)/4, $0xc0000000
DATA tanhc<>+288(SB)/4, $0x3f0ccccd
DATA tanhc<>+292(SB)/4, $0x3f0ccccd
DATA tanhc<>+296(SB)/4, $0x3f0ccccd
DATA tanhc<>+300(SB)/4, $0x3f0ccccd
DATA tanhc<>+304(SB)/4, $0x3f0ccccd
DATA tanhc<>+308(SB)/4, $0x3f0ccccd
DATA tanhc<>+312(SB)/4, $0x3f0ccccd
DATA tanhc<>+316(SB)/4, $0x3f0ccccd
GLOBL tanhc<>(SB), RODATA|NOPTR, $320

// func tanhAVX2(y, x []float32)
// y[i] = tanh(x[i]) for i < len(x)&^7 (y may be x): the odd series below
// |x| = 0.55, sign(x)·(1-e)/(1+e) with e = exp(-2|x|) above, as tanh32.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	LOADC
tloop:
	CMPQ CX, $8
	JLT tdone
	VMOVUPS (SI), Y0
	VANDPS geluc<>+256(SB), Y0, Y14
	VMULPS tanhc<>+256(SB), Y14, Y1
	EXP8
	VMOVUPS expc<>+352(SB), Y1
	VSUBPS Y3, Y1, Y1
	VADDPS expc<>+352(SB), Y3, Y3
	VDIVPS Y3, Y1, Y15
	VANDPS geluc<>+288(SB), Y0, Y1
	VORPS Y1, Y15, Y15
	VMULPS Y0, Y0, Y2
	VMOVUPS tanhc<>+0(SB), Y4
	VFMADD213PS tanhc<>+32(SB), Y2, Y4
	VFMADD213PS tanhc<>+64(SB), Y2, Y4
	VFMADD213PS tanhc<>+96(SB), Y2, Y4
	VFMADD213PS tanhc<>+128(SB), Y2, Y4
	VFMADD213PS tanhc<>+160(SB), Y2, Y4
	VFMADD213PS tanhc<>+192(SB), Y2, Y4
	VFMADD213PS tanhc<>+224(SB), Y2, Y4
	VMULPS Y2, Y4, Y4
	VFMADD213PS Y0, Y0, Y4
	VCMPPS $1, tanhc<>+288(SB), Y14, Y1
	VBLENDVPS Y1, Y4, Y15, Y15
	VMOVUPS Y15, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP tloop
tdone:
	VZEROUPPER
	RET

// func sigmoidAVX2(y, x []float32)
// y[i] = 1/(1+exp(-x[i])) for i < len(x)&^7 (y may be x).
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	LOADC
sloop:
	CMPQ CX, $8
	JLT sdone
	VMOVUPS (SI), Y1
	VXORPS geluc<>+288(SB), Y1, Y1
	EXP8
	VADDPS expc<>+352(SB), Y3, Y3
	VMOVUPS expc<>+352(SB), Y1
	VDIVPS Y3, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP sloop
sdone:
	VZEROUPPER
	RET

// func tanhBackAVX2(dp, d, dy, h []float32)
// dp[i] = (d[i] + dy[i])·(1 - h[i]²) for i < len(h)&^7: the gradient
// through h = tanh(p) given two incoming gradients.
TEXT ·tanhBackAVX2(SB), NOSPLIT, $0-96
	MOVQ dp_base+0(FP), DI
	MOVQ d_base+24(FP), SI
	MOVQ dy_base+48(FP), DX
	MOVQ h_base+72(FP), BX
	MOVQ h_len+80(FP), CX
	VMOVUPS expc<>+352(SB), Y5
kloop:
	CMPQ CX, $8
	JLT kdone
	VMOVUPS (BX), Y0
	VMOVAPS Y5, Y1
	VFNMADD231PS Y0, Y0, Y1
	VMOVUPS (SI), Y2
	VADDPS (DX), Y2, Y2
	VMULPS Y1, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP kloop
kdone:
	VZEROUPPER
	RET
