package tensor

import "sync"

// The pure-Go backend is a Goto/BLIS-style blocked GEMM: op(B) is packed into
// kc×nr column strips, op(A) into mr×kc row strips, and a register-tiled
// mr×nr micro-kernel accumulates each tile of C in locals. Packing makes the
// inner loop read two contiguous streams regardless of transposes and
// strides, and the block sizes keep the packed A block in L2 and a B strip in
// L1. Large products are split over goroutines by rows (or columns when C is
// wide and short); small ones run on the calling goroutine.
const (
	goMR = 2   // rows of the micro-tile
	goNR = 4   // columns of the micro-tile
	goKC = 256 // depth of a packed block
	goMC = 64  // rows of a packed A block
	goNC = 512 // columns of a packed B panel

	// goParallelFlops is the product size (2mnk) above which the work is
	// split over threads; below it, goroutine hand-off costs more than it
	// saves.
	goParallelFlops = 1 << 21
)

type goBackend struct{}

// GoBackend returns the pure-Go GEMM backend. It is always available and is
// the only one in builds without cgo.
func GoBackend() Backend { return goBackend{} }

func (goBackend) Name() string { return "go" }

func (goBackend) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	parallelGemm(goSerial, goTileM, goTileN, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// goSerial is the single-threaded kernel of the pure-Go backend and
// goTileM×goTileN its micro-tile: the portable one below, or the assembly
// one where the CPU supports it (gemm_avx2_amd64.go).
var (
	goSerial gemmFunc = gemmGoSerial
	goTileM           = goMR
	goTileN           = goNR
)

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// parallelGemm runs serial on the whole product when it is small, else on
// Threads() slices of C's rows (or columns, when C is short and wide), each
// a multiple of the micro-tile mr×nr. The calling goroutine computes the
// first slice; the others go to the persistent workers of gemmPool, so a
// split product allocates nothing.
func parallelGemm(serial gemmFunc, mr, nr int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	parallelGemmMin(goParallelFlops, serial, mr, nr, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func parallelGemmMin(minFlops int, serial gemmFunc, mr, nr int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := Threads()
	if t <= 1 || 2*m*n*k < minFlops {
		serial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	byRows := m >= n || n < t*nr*4
	if byRows && m < 2*mr || !byRows && n < 2*nr {
		serial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	wg := waitPool.Get().(*sync.WaitGroup)
	var first gemmTask
	if byRows {
		chunk := (m + t - 1) / t
		chunk = (chunk + mr - 1) / mr * mr
		for i0 := 0; i0 < m; i0 += chunk {
			rows := min(chunk, m-i0)
			var as []float32
			if transA {
				as = a[i0:]
			} else {
				as = a[i0*lda:]
			}
			task := gemmTask{serial, transA, transB, rows, n, k, alpha, as, lda, b, ldb, beta, c[i0*ldc:], ldc, wg}
			if i0 == 0 {
				first = task
				continue
			}
			wg.Add(1)
			gemmJobs() <- task
		}
	} else {
		chunk := (n + t - 1) / t
		chunk = (chunk + nr - 1) / nr * nr
		for j0 := 0; j0 < n; j0 += chunk {
			cols := min(chunk, n-j0)
			var bs []float32
			if transB {
				bs = b[j0*ldb:]
			} else {
				bs = b[j0:]
			}
			task := gemmTask{serial, transA, transB, m, cols, k, alpha, a, lda, bs, ldb, beta, c[j0:], ldc, wg}
			if j0 == 0 {
				first = task
				continue
			}
			wg.Add(1)
			gemmJobs() <- task
		}
	}
	first.run()
	wg.Wait()
	waitPool.Put(wg)
}

// gemmTask is one slice of a split product, sent by value to a worker.
type gemmTask struct {
	f              gemmFunc
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
	wg             *sync.WaitGroup
}

func (g *gemmTask) run() {
	g.f(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc)
}

var (
	waitPool = sync.Pool{New: func() any { return new(sync.WaitGroup) }}
	gemmOnce sync.Once
	gemmCh   chan gemmTask
)

// gemmJobs returns the channel of the GEMM worker goroutines, starting them
// on first use: enough for any thread cap up to 64 (idle workers cost
// nothing but a parked goroutine).
func gemmJobs() chan gemmTask {
	gemmOnce.Do(func() {
		const workers = 63
		gemmCh = make(chan gemmTask, workers)
		for i := 0; i < workers; i++ {
			go func() {
				for task := range gemmCh {
					task.run()
					task.wg.Done()
				}
			}()
		}
	})
	return gemmCh
}

type packBufs struct{ a, b []float32 }

var packPool = sync.Pool{New: func() any {
	return &packBufs{a: make([]float32, goMC*goKC), b: make([]float32, goKC*goNC)}
}}

// gemmGoSerial runs the blocked algorithm on one goroutine.
func gemmGoSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	bufs := packPool.Get().(*packBufs)
	defer packPool.Put(bufs)
	var tile [goMR * goNR]float32
	for jc := 0; jc < n; jc += goNC {
		nc := min(goNC, n-jc)
		for pc := 0; pc < k; pc += goKC {
			kc := min(goKC, k-pc)
			bet := beta
			if pc > 0 {
				bet = 1
			}
			packB(transB, kc, nc, b, ldb, pc, jc, bufs.b)
			for ic := 0; ic < m; ic += goMC {
				mc := min(goMC, m-ic)
				packA(transA, mc, kc, a, lda, ic, pc, bufs.a)
				for jr := 0; jr < nc; jr += goNR {
					nr := min(goNR, nc-jr)
					bp := bufs.b[jr*kc : jr*kc+kc*goNR]
					for ir := 0; ir < mc; ir += goMR {
						mr := min(goMR, mc-ir)
						ap := bufs.a[ir*kc : ir*kc+kc*goMR]
						ci := (ic+ir)*ldc + jc + jr
						if mr == goMR && nr == goNR {
							kernel2x4(kc, ap, bp, alpha, bet, c[ci:], ldc)
							continue
						}
						clear(tile[:])
						kernel2x4(kc, ap, bp, 1, 0, tile[:], goNR)
						for r := 0; r < mr; r++ {
							crow := c[ci+r*ldc : ci+r*ldc+nr]
							trow := tile[r*goNR : r*goNR+nr]
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

// packA copies rows ic..ic+mc and columns pc..pc+kc of op(A) into dst as
// consecutive mr-row strips, each stored depth-major (dst[p*mr+r]), padding
// the last strip with zeros.
func packA(trans bool, mc, kc int, a []float32, lda, ic, pc int, dst []float32) {
	for ir := 0; ir < mc; ir += goMR {
		mr := min(goMR, mc-ir)
		d := dst[ir*kc : ir*kc+kc*goMR]
		if !trans && mr == goMR {
			r0 := a[(ic+ir)*lda+pc:]
			r1 := a[(ic+ir+1)*lda+pc:]
			r0, r1 = r0[:kc], r1[:kc]
			for p := range r0 {
				q := d[p*2 : p*2+2 : p*2+2]
				q[0], q[1] = r0[p], r1[p]
			}
			continue
		}
		if trans && mr == goMR {
			for p := 0; p < kc; p++ {
				s := a[(pc+p)*lda+ic+ir:]
				s = s[:2]
				q := d[p*2 : p*2+2 : p*2+2]
				q[0], q[1] = s[0], s[1]
			}
			continue
		}
		clear(d)
		for r := 0; r < mr; r++ {
			for p := 0; p < kc; p++ {
				if trans {
					d[p*goMR+r] = a[(pc+p)*lda+ic+ir+r]
				} else {
					d[p*goMR+r] = a[(ic+ir+r)*lda+pc+p]
				}
			}
		}
	}
}

// packB copies rows pc..pc+kc and columns jc..jc+nc of op(B) into dst as
// consecutive nr-column strips, each stored depth-major (dst[p*nr+j]).
func packB(trans bool, kc, nc int, b []float32, ldb, pc, jc int, dst []float32) {
	for jr := 0; jr < nc; jr += goNR {
		nr := min(goNR, nc-jr)
		d := dst[jr*kc : jr*kc+kc*goNR]
		if !trans && nr == goNR {
			for p := 0; p < kc; p++ {
				s := b[(pc+p)*ldb+jc+jr:]
				s = s[:4]
				q := d[p*4 : p*4+4 : p*4+4]
				q[0], q[1], q[2], q[3] = s[0], s[1], s[2], s[3]
			}
			continue
		}
		if trans && nr == goNR {
			r0 := b[(jc+jr)*ldb+pc:]
			r1 := b[(jc+jr+1)*ldb+pc:]
			r2 := b[(jc+jr+2)*ldb+pc:]
			r3 := b[(jc+jr+3)*ldb+pc:]
			r0, r1, r2, r3 = r0[:kc], r1[:kc], r2[:kc], r3[:kc]
			for p := range r0 {
				q := d[p*4 : p*4+4 : p*4+4]
				q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
			}
			continue
		}
		clear(d)
		for j := 0; j < nr; j++ {
			for p := 0; p < kc; p++ {
				if trans {
					d[p*goNR+j] = b[(jc+jr+j)*ldb+pc+p]
				} else {
					d[p*goNR+j] = b[(pc+p)*ldb+jc+jr+j]
				}
			}
		}
	}
}

// kernel2x4 computes the 2×4 tile C = alpha*Ap*Bp + beta*C from packed strips
// ap (kc×2, depth-major) and bp (kc×4). Eight accumulators, four B values and
// one A value nearly fit the 15 floating-point registers Go allocates on
// amd64; a 4×4 tile spills far more and measured 40% slower.
func kernel2x4(kc int, ap, bp []float32, alpha, beta float32, c []float32, ldc int) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	ap = ap[:kc*2]
	bp = bp[:kc*4]
	for len(ap) >= 2 && len(bp) >= 4 {
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		ap = ap[2:]
		bp = bp[4:]
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if beta == 0 {
		r0[0], r0[1], r0[2], r0[3] = alpha*c00, alpha*c01, alpha*c02, alpha*c03
		r1[0], r1[1], r1[2], r1[3] = alpha*c10, alpha*c11, alpha*c12, alpha*c13
		return
	}
	r0[0], r0[1], r0[2], r0[3] = alpha*c00+beta*r0[0], alpha*c01+beta*r0[1], alpha*c02+beta*r0[2], alpha*c03+beta*r0[3]
	r1[0], r1[1], r1[2], r1[3] = alpha*c10+beta*r1[0], alpha*c11+beta*r1[1], alpha*c12+beta*r1[2], alpha*c13+beta*r1[3]
}
