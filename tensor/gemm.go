package tensor

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Backend computes single-precision matrix products. Every backend takes the
// same row-major arguments as Gemm. Implementations must be safe for
// concurrent use. The interface is deliberately small so a device (GPU)
// backend can be added later without touching callers.
type Backend interface {
	// Name identifies the backend and, where known, the kernel it runs,
	// for example "openblas (SkylakeX)" or "go".
	Name() string
	// Sgemm computes C = alpha*op(A)*op(B) + beta*C; see Gemm.
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// EnvBackend names the environment variable that forces a GEMM backend:
// "go" for the pure-Go kernels, "openblas" for OpenBLAS. When OpenBLAS cannot
// be loaded Gemm still runs, on the pure-Go backend, and DefaultError says
// why.
const EnvBackend = "MULAN_BLAS"

var (
	current     atomic.Pointer[backendBox]
	defaultOnce sync.Once
	defaultErr  error // why the preferred backend was not chosen, if any
)

type backendBox struct{ b Backend }

// Gemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose, op(A) is m×k, op(B) is k×n and C is m×n; lda,
// ldb and ldc are the row strides of A, B and C as stored (so lda ≥ k when A
// is not transposed and lda ≥ m when it is). When beta is 0, C need not be
// initialised (NaNs in C are overwritten). It dispatches to the current
// backend (see Default and SetBackend).
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	Current().Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Current returns the backend Gemm uses now.
func Current() Backend {
	if p := current.Load(); p != nil {
		return p.b
	}
	b := Default()
	current.CompareAndSwap(nil, &backendBox{b})
	return current.Load().b
}

// SetBackend makes Gemm use b from now on; nil restores Default.
func SetBackend(b Backend) {
	if b == nil {
		b = Default()
	}
	current.Store(&backendBox{b})
}

// BackendName is the name of the backend Gemm uses, e.g. "openblas (SkylakeX)".
func BackendName() string { return Current().Name() }

// Default returns the fastest available backend: OpenBLAS (loaded at run time,
// with the kernel chosen for this CPU) when the library is installed and the
// program was built with cgo, else the pure-Go backend. The environment
// variable MULAN_BLAS=go|openblas overrides the choice. The decision is made
// once per process.
func Default() Backend {
	defaultOnce.Do(func() {
		want := strings.ToLower(strings.TrimSpace(os.Getenv(EnvBackend)))
		switch want {
		case "go", "pure", "purego":
			defaultBackend = GoBackend()
			return
		case "", "openblas", "blas", "auto":
		default:
			defaultErr = fmt.Errorf("tensor: unknown %s=%q (want go or openblas); using the default", EnvBackend, want)
		}
		ob, err := OpenBLAS()
		if err != nil {
			if defaultErr == nil {
				defaultErr = err
			}
			defaultBackend = GoBackend()
			return
		}
		defaultBackend = ob
	})
	return defaultBackend
}

var defaultBackend Backend

// DefaultError reports why Default did not pick OpenBLAS (library missing,
// built without cgo, bad MULAN_BLAS value), or nil.
func DefaultError() error {
	Default()
	return defaultErr
}

// Backends lists the backends that can run in this process, fastest first.
func Backends() []Backend {
	var out []Backend
	if ob, err := OpenBLAS(); err == nil {
		out = append(out, ob)
	}
	for _, f := range extraBackends {
		if b := f(); b != nil {
			out = append(out, b)
		}
	}
	return append(out, GoBackend())
}

// extraBackends holds constructors of optional backends compiled in by build
// tags (the GOEXPERIMENT=simd kernels); each returns nil when the CPU cannot
// run it.
var extraBackends []func() Backend

// threads is the parallelism Gemm and the parallel kernels may use.
var threads atomic.Int32

// SetThreads caps the number of threads used by GEMM backends and the
// parallel kernels; n ≤ 0 restores the default (GOMAXPROCS).
func SetThreads(n int) {
	if n <= 0 {
		n = 0
	}
	threads.Store(int32(n))
	setBackendThreads(Threads())
}

// Threads is the current thread cap.
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// checkGemm panics with a clear message when the slices are too short for the
// stated shapes; it turns a silent out-of-bounds write in C code into a Go
// panic at the call site.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, s []float32, rows, cols, ld int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("tensor.Gemm: ld%s=%d < %d columns", name, ld, cols))
		}
		if len(s) < (rows-1)*ld+cols {
			panic(fmt.Sprintf("tensor.Gemm: %s has %d elements, %dx%d with stride %d needs %d", name, len(s), rows, cols, ld, (rows-1)*ld+cols))
		}
	}
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor.Gemm: negative size m=%d n=%d k=%d", m, n, k))
	}
	need("a", a, ar, ac, lda)
	need("b", b, br, bc, ldb)
	need("c", c, m, n, ldc)
}

// gemmNaive is the reference implementation every backend is tested against.
func gemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
