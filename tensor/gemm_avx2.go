package tensor

import (
	"sync"

	"github.com/mulan-nlp/mulan/tensor/internal/gemmasm"
)

// On amd64 CPUs with AVX2 and FMA the pure-Go backend runs this blocked
// GEMM with an assembly 6×16 micro-kernel (package internal/gemmasm) instead of
// the portable 2×4 one: same Goto/BLIS structure, about ten times the
// throughput, and still no cgo, so CGO_ENABLED=0 builds get it.

const (
	avxMR = 6
	avxNR = 16
	avxKC = 256
	avxMC = 72
	avxNC = 512
)

func init() {
	if gemmasm.Available {
		goSerial, goTileM, goTileN = gemmAVX2Serial, avxMR, avxNR
	}
}

var avxPool = sync.Pool{New: func() any {
	return &packBufs{a: make([]float32, avxMC*avxKC), b: make([]float32, avxKC*avxNC)}
}}

func gemmAVX2Serial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufs := avxPool.Get().(*packBufs)
	defer avxPool.Put(bufs)
	var tile [avxMR * avxNR]float32
	for jc := 0; jc < n; jc += avxNC {
		nc := min(avxNC, n-jc)
		for pc := 0; pc < k; pc += avxKC {
			kc := min(avxKC, k-pc)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			packB16(transB, kc, nc, b, ldb, pc, jc, bufs.b)
			for ic := 0; ic < m; ic += avxMC {
				mc := min(avxMC, m-ic)
				packA6(transA, mc, kc, a, lda, ic, pc, bufs.a)
				for jr := 0; jr < nc; jr += avxNR {
					nr := min(avxNR, nc-jr)
					bp := bufs.b[jr*kc : jr*kc+kc*avxNR]
					for ir := 0; ir < mc; ir += avxMR {
						mr := min(avxMR, mc-ir)
						ap := bufs.a[ir*kc : ir*kc+kc*avxMR]
						ci := (ic+ir)*ldc + jc + jr
						if mr == avxMR && nr == avxNR {
							gemmasm.Kern6x16(kc, ap, bp, c[ci:ci+(avxMR-1)*ldc+avxNR], ldc, alpha, bet)
							continue
						}
						gemmasm.Kern6x16(kc, ap, bp, tile[:], avxNR, 1, 0)
						for r := 0; r < mr; r++ {
							crow := c[ci+r*ldc : ci+r*ldc+nr]
							trow := tile[r*avxNR : r*avxNR+nr]
							for j, v := range trow {
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

// packA6 copies rows ic..ic+mc and columns pc..pc+kc of op(A) into dst as
// 6-row strips stored depth-major (dst[strip][p*6+r]), zero-padded.
func packA6(trans bool, mc, kc int, a []float32, lda, ic, pc int, dst []float32) {
	for ir := 0; ir < mc; ir += avxMR {
		mr := min(avxMR, mc-ir)
		d := dst[ir*kc : ir*kc+kc*avxMR]
		if trans {
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+ic+ir:]
				q := d[p*avxMR : p*avxMR+avxMR]
				copy(q, src[:mr])
				clear(q[mr:])
			}
			continue
		}
		if mr < avxMR {
			clear(d)
		}
		for r := 0; r < mr; r++ {
			row := a[(ic+ir+r)*lda+pc:]
			row = row[:kc]
			for p, v := range row {
				d[p*avxMR+r] = v
			}
		}
	}
}

// packB16 copies rows pc..pc+kc and columns jc..jc+nc of op(B) into dst as
// 16-column strips stored depth-major (dst[strip][p*16+j]), zero-padded.
func packB16(trans bool, kc, nc int, b []float32, ldb, pc, jc int, dst []float32) {
	for jr := 0; jr < nc; jr += avxNR {
		nr := min(avxNR, nc-jr)
		d := dst[jr*kc : jr*kc+kc*avxNR]
		if !trans {
			for p := 0; p < kc; p++ {
				src := b[(pc+p)*ldb+jc+jr:]
				q := d[p*avxNR : p*avxNR+avxNR]
				copy(q, src[:nr])
				clear(q[nr:])
			}
			continue
		}
		if nr < avxNR {
			clear(d)
		}
		for j := 0; j < nr; j++ {
			col := b[(jc+jr+j)*ldb+pc:]
			col = col[:kc]
			for p, v := range col {
				d[p*avxNR+j] = v
			}
		}
	}
}
