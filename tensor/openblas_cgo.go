//go:build cgo && (linux || freebsd)

package tensor

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void (*setthreads_fn)(int);
typedef char* (*corename_fn)(void);

static sgemm_fn mulan_sgemm;
static setthreads_fn mulan_set_threads;
static corename_fn mulan_corename;
static corename_fn mulan_config;

// mulan_openblas_open loads the first library in the list that exports
// cblas_sgemm. It returns the index of the path loaded, or -1.
static int mulan_openblas_open(const char **paths, int n) {
	for (int i = 0; i < n; i++) {
		void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) continue;
		sgemm_fn f = (sgemm_fn)dlsym(h, "cblas_sgemm");
		if (!f) { dlclose(h); continue; }
		mulan_sgemm = f;
		mulan_set_threads = (setthreads_fn)dlsym(h, "openblas_set_num_threads");
		mulan_corename = (corename_fn)dlsym(h, "openblas_get_corename");
		mulan_config = (corename_fn)dlsym(h, "openblas_get_config");
		return i;
	}
	return -1;
}

static const char *mulan_openblas_corename(void) { return mulan_corename ? mulan_corename() : ""; }
static const char *mulan_openblas_config(void) { return mulan_config ? mulan_config() : ""; }
static void mulan_openblas_threads(int n) { if (mulan_set_threads) mulan_set_threads(n); }

// CBLAS enum values: RowMajor=101, NoTrans=111, Trans=112.
static void mulan_openblas_sgemm(int ta, int tb, int m, int n, int k, float alpha,
		const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
	mulan_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// openblasPaths are tried in order. Debian/Ubuntu install the library under
// an alternatives symlink, with the pthread, OpenMP and serial builds in
// their own directories; other distributions use plain names.
var openblasPaths = []string{
	"libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
	"/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
	"/usr/lib/aarch64-linux-gnu/openblas-openmp/libopenblas.so.0",
	"/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0",
	"libopenblas.so",
	"libopenblasp.so.0",
	"libopenblaso.so.0",
}

type openblasBackend struct {
	name     string
	coretype string // the OPENBLAS_CORETYPE we set, "" if none
	path     string
	config   string
}

var (
	obOnce sync.Once
	obImpl *openblasBackend
	obErr  error
	// obLoaded is set once the library's functions are resolved.
	obLoaded atomic.Bool
)

// OpenBLAS loads the OpenBLAS library (once per process) and returns a backend
// using its cblas_sgemm. Before loading it sets OPENBLAS_CORETYPE to the
// kernel family this CPU supports (SkylakeX with AVX-512, Haswell with AVX2)
// unless the variable is already set (non-empty): distribution builds of OpenBLAS such as
// Debian's 0.3.21 do not recognise recent CPUs and otherwise fall back to
// slow SSE3 kernels. The library reads the variable only when it initialises,
// so it takes effect only if nothing else in the process loaded it first.
func OpenBLAS() (Backend, error) {
	obOnce.Do(func() { obImpl, obErr = loadOpenBLAS() })
	if obErr != nil {
		return nil, obErr
	}
	return obImpl, nil
}

func loadOpenBLAS() (*openblasBackend, error) {
	ob := &openblasBackend{}
	if os.Getenv("OPENBLAS_CORETYPE") == "" {
		if ct := openblasCoreType(); ct != "" {
			// os.Setenv in a cgo binary also calls the C library's setenv,
			// which is what OpenBLAS reads with getenv.
			if err := os.Setenv("OPENBLAS_CORETYPE", ct); err == nil {
				ob.coretype = ct
			}
		}
	}
	cpaths := make([]*C.char, len(openblasPaths))
	for i, p := range openblasPaths {
		cpaths[i] = C.CString(p)
	}
	idx := C.mulan_openblas_open((**C.char)(unsafe.Pointer(&cpaths[0])), C.int(len(cpaths)))
	for _, p := range cpaths {
		C.free(unsafe.Pointer(p))
	}
	if ob.coretype != "" {
		// Leave the environment as the user had it for child processes.
		os.Unsetenv("OPENBLAS_CORETYPE")
	}
	if idx < 0 {
		return nil, errors.New("tensor: OpenBLAS not found (tried libopenblas.so.0 and the Debian openblas-pthread/-openmp/-serial paths); install libopenblas0-pthread or run scripts/openblas.sh")
	}
	ob.path = openblasPaths[idx]
	ob.config = strings.TrimSpace(C.GoString(C.mulan_openblas_config()))
	core := strings.TrimSpace(C.GoString(C.mulan_openblas_corename()))
	if core == "" {
		core = "unknown core"
	}
	ob.name = fmt.Sprintf("openblas (%s)", core)
	obLoaded.Store(true)
	setBackendThreads(Threads())
	return ob, nil
}

func (o *openblasBackend) Name() string { return o.name }

func (o *openblasBackend) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if m > math.MaxInt32 || n > math.MaxInt32 || k > math.MaxInt32 || lda > math.MaxInt32 || ldb > math.MaxInt32 || ldc > math.MaxInt32 {
		goBackend{}.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if obSplit {
		parallelGemmMin(obParallelFlops, obSerial, 16, 16, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	obSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// obParallelFlops is the product size (2mnk) from which a product is split
// over goroutines, each running single-threaded OpenBLAS on its slice: about
// 40 µs of one core's work, well above the cost of waking a worker.
const obParallelFlops = 1 << 22

// obSplit selects how OpenBLAS runs on several cores. When true, mulan keeps
// OpenBLAS single-threaded and splits large products itself over its own
// goroutines. OpenBLAS's pthread workers otherwise busy-wait (sched_yield in
// a loop) for a while after every product, taking a core away from the Go
// code that runs between products (element-wise ops, the RNN cells,
// softmax), which costs most on small machines and under load: on the
// issue-4 workloads this halved CPU time per step of the LSTM LM and cut the
// Transformer's by a third. Setting MULAN_OB_THREADS (any value) restores
// OpenBLAS's own threading, for comparison.
var obSplit = os.Getenv("MULAN_OB_THREADS") == ""

// obSerial calls cblas_sgemm on the calling thread.
func obSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := C.int(0), C.int(0)
	if transA {
		ta = 1
	}
	if transB {
		tb = 1
	}
	// The slices hold no Go pointers, so passing their data to C is allowed;
	// OpenBLAS does not retain them after returning.
	C.mulan_openblas_sgemm(ta, tb, C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.int(ldb), C.float(beta),
		(*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}

// setBackendThreads passes the thread cap on to OpenBLAS if it is loaded
// (1 when mulan splits products itself, see obSplit).
func setBackendThreads(n int) {
	if obSplit {
		n = 1
	}
	if obLoaded.Load() {
		C.mulan_openblas_threads(C.int(n))
	}
}
