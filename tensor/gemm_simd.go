//go:build goexperiment.simd && amd64

package tensor

import (
	"simd/archsimd"
	"sync"
)

// An experimental GEMM backend using Go 1.26's simd/archsimd (built only
// with GOEXPERIMENT=simd): the same packing as the pure-Go backend with an
// 8×32 AVX-512 micro-kernel (16 zmm accumulators, fused multiply-add).
// It is not part of the default build.

const (
	simdMR = 8
	simdNR = 32
	simdKC = 256
	simdMC = 128
	simdNC = 1024
)

type simdBackend struct{}

// SIMDBackend returns the archsimd backend, or nil when the CPU lacks AVX-512.
func SIMDBackend() Backend {
	if !archsimd.X86.AVX512() {
		return nil
	}
	return simdBackend{}
}

func init() { extraBackends = append(extraBackends, SIMDBackend) }

func (simdBackend) Name() string { return "go-simd" }

func (simdBackend) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	parallelGemm(gemmSimdSerial, simdMR, simdNR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

var simdPool = sync.Pool{New: func() any {
	return &packBufs{a: make([]float32, simdMC*simdKC), b: make([]float32, simdKC*simdNC)}
}}

func gemmSimdSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufs := simdPool.Get().(*packBufs)
	defer simdPool.Put(bufs)
	var tile [simdMR * simdNR]float32
	for jc := 0; jc < n; jc += simdNC {
		nc := min(simdNC, n-jc)
		for pc := 0; pc < k; pc += simdKC {
			kc := min(simdKC, k-pc)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			packGeneric(transB, true, kc, nc, simdNR, b, ldb, pc, jc, bufs.b)
			for ic := 0; ic < m; ic += simdMC {
				mc := min(simdMC, m-ic)
				packGeneric(transA, false, kc, mc, simdMR, a, lda, pc, ic, bufs.a)
				for jr := 0; jr < nc; jr += simdNR {
					nr := min(simdNR, nc-jr)
					bp := bufs.b[jr*kc : jr*kc+kc*simdNR]
					for ir := 0; ir < mc; ir += simdMR {
						mr := min(simdMR, mc-ir)
						ap := bufs.a[ir*kc : ir*kc+kc*simdMR]
						ci := (ic+ir)*ldc + jc + jr
						if mr == simdMR && nr == simdNR {
							kernelSimd(kc, ap, bp, alpha, bet, c[ci:], ldc)
							continue
						}
						kernelSimd(kc, ap, bp, 1, 0, tile[:], simdNR)
						for r := 0; r < mr; r++ {
							crow := c[ci+r*ldc : ci+r*ldc+nr]
							for j, v := range tile[r*simdNR : r*simdNR+nr] {
								if bet == 0 {
									crow[j] = alpha * v
								} else {
									crow[j] = alpha*v + bet*crow[j]
								}
							}
						}
					}
				}
			}
		}
	}
}

// packGeneric packs a kc-deep block of op(X) into w-wide strips stored
// depth-major, zero-padded. For B (isB) the strips run across columns
// j0..j0+cnt of op(B) (rows pc.. of depth); for A across rows j0..j0+cnt of
// op(A).
func packGeneric(trans, isB bool, kc, cnt, w int, x []float32, ld, pc, j0 int, dst []float32) {
	for s := 0; s < cnt; s += w {
		sw := min(w, cnt-s)
		d := dst[s*kc : s*kc+kc*w]
		if sw < w {
			clear(d)
		}
		for p := 0; p < kc; p++ {
			q := d[p*w : p*w+sw]
			// element (depth p, index s+j) of op(X)
			contiguous := isB != trans // op(B) rows or op(A)ᵀ rows are contiguous
			if contiguous {
				copy(q, x[(pc+p)*ld+j0+s:])
				continue
			}
			for j := range q {
				q[j] = x[(j0+s+j)*ld+pc+p]
			}
		}
	}
}

func simdStoreRow(c []float32, v0, v1, al, be archsimd.Float32x16, beta float32) {
	c = c[:32]
	if beta == 0 {
		v0.Mul(al).StoreSlice(c[:16])
		v1.Mul(al).StoreSlice(c[16:])
		return
	}
	v0.Mul(al).Add(archsimd.LoadFloat32x16Slice(c[:16]).Mul(be)).StoreSlice(c[:16])
	v1.Mul(al).Add(archsimd.LoadFloat32x16Slice(c[16:]).Mul(be)).StoreSlice(c[16:])
}

func kernelSimd(kc int, ap, bp []float32, alpha, beta float32, c []float32, ldc int) {
	var c00, c01 archsimd.Float32x16
	var c10, c11 archsimd.Float32x16
	var c20, c21 archsimd.Float32x16
	var c30, c31 archsimd.Float32x16
	var c40, c41 archsimd.Float32x16
	var c50, c51 archsimd.Float32x16
	var c60, c61 archsimd.Float32x16
	var c70, c71 archsimd.Float32x16
	ap = ap[:kc*simdMR]
	bp = bp[:kc*simdNR]
	for p := 0; p < kc; p++ {
		a := ap[p*simdMR : p*simdMR+simdMR]
		b0 := archsimd.LoadFloat32x16Slice(bp[p*simdNR:])
		b1 := archsimd.LoadFloat32x16Slice(bp[p*simdNR+16:])
		a0 := archsimd.BroadcastFloat32x16(a[0])
		c00 = b0.MulAdd(a0, c00)
		c01 = b1.MulAdd(a0, c01)
		a1 := archsimd.BroadcastFloat32x16(a[1])
		c10 = b0.MulAdd(a1, c10)
		c11 = b1.MulAdd(a1, c11)
		a2 := archsimd.BroadcastFloat32x16(a[2])
		c20 = b0.MulAdd(a2, c20)
		c21 = b1.MulAdd(a2, c21)
		a3 := archsimd.BroadcastFloat32x16(a[3])
		c30 = b0.MulAdd(a3, c30)
		c31 = b1.MulAdd(a3, c31)
		a4 := archsimd.BroadcastFloat32x16(a[4])
		c40 = b0.MulAdd(a4, c40)
		c41 = b1.MulAdd(a4, c41)
		a5 := archsimd.BroadcastFloat32x16(a[5])
		c50 = b0.MulAdd(a5, c50)
		c51 = b1.MulAdd(a5, c51)
		a6 := archsimd.BroadcastFloat32x16(a[6])
		c60 = b0.MulAdd(a6, c60)
		c61 = b1.MulAdd(a6, c61)
		a7 := archsimd.BroadcastFloat32x16(a[7])
		c70 = b0.MulAdd(a7, c70)
		c71 = b1.MulAdd(a7, c71)
	}
	al, be := archsimd.BroadcastFloat32x16(alpha), archsimd.BroadcastFloat32x16(beta)
	_ = c[(simdMR-1)*ldc+31]
	simdStoreRow(c[0*ldc:0*ldc+32], c00, c01, al, be, beta)
	simdStoreRow(c[1*ldc:1*ldc+32], c10, c11, al, be, beta)
	simdStoreRow(c[2*ldc:2*ldc+32], c20, c21, al, be, beta)
	simdStoreRow(c[3*ldc:3*ldc+32], c30, c31, al, be, beta)
	simdStoreRow(c[4*ldc:4*ldc+32], c40, c41, al, be, beta)
	simdStoreRow(c[5*ldc:5*ldc+32], c50, c51, al, be, beta)
	simdStoreRow(c[6*ldc:6*ldc+32], c60, c61, al, be, beta)
	simdStoreRow(c[7*ldc:7*ldc+32], c70, c71, al, be, beta)
}
