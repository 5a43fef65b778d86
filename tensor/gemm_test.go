package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// refGemm is an independent float64 oracle. It also returns, per element of
// C, Σ|op(A)||op(B)|, which bounds the rounding error of any float32 order of
// summation.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, bound []float64) {
	want = make([]float64, m*n)
	bound = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, abs float64
			for p := 0; p < k; p++ {
				ai := i*lda + p
				if transA {
					ai = p*lda + i
				}
				bi := p*ldb + j
				if transB {
					bi = j*ldb + p
				}
				s += float64(a[ai]) * float64(b[bi])
				abs += math.Abs(float64(a[ai]) * float64(b[bi]))
			}
			w, bd := float64(alpha)*s, math.Abs(float64(alpha))*abs
			if beta != 0 {
				w += float64(beta) * float64(c[i*ldc+j])
				bd += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j], bound[i*n+j] = w, bd
		}
	}
	return want, bound
}

type gemmCase struct {
	m, n, k     int
	pad         int // extra columns in every stride
	alpha, beta float32
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	for _, s := range [][3]int{{1, 1, 1}, {1, 7, 3}, {7, 1, 5}, {2, 3, 4}, {7, 7, 7}, {33, 17, 9}, {5, 33, 129}, {129, 65, 33}, {64, 64, 64}, {130, 1, 300}, {1, 130, 300}, {67, 523, 260}} {
		for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}, {1, 1}} {
			for _, pad := range []int{0, 3} {
				cs = append(cs, gemmCase{s[0], s[1], s[2], pad, ab[0], ab[1]})
			}
		}
	}
	return cs
}

func testBackend(t *testing.T, be Backend) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, tc := range gemmCases() {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			ta, tb := tr[0], tr[1]
			name := fmt.Sprintf("%dx%dx%d/pad%d/a%g/b%g/tA=%v/tB=%v", tc.m, tc.n, tc.k, tc.pad, tc.alpha, tc.beta, ta, tb)
			ar, ac := tc.m, tc.k
			if ta {
				ar, ac = tc.k, tc.m
			}
			br, bc := tc.k, tc.n
			if tb {
				br, bc = tc.n, tc.k
			}
			lda, ldb, ldc := ac+tc.pad, bc+tc.pad, tc.n+tc.pad
			a := randSlice(r, ar*lda)
			b := randSlice(r, br*ldb)
			c := randSlice(r, tc.m*ldc)
			if tc.beta == 0 {
				for i := range c {
					c[i] = float32(math.NaN()) // beta=0 must overwrite, not scale
				}
			}
			orig := append([]float32(nil), c...)
			want, bound := refGemm(ta, tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			be.Sgemm(ta, tb, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			for i := 0; i < tc.m; i++ {
				for j := 0; j < ldc; j++ {
					got := c[i*ldc+j]
					if j >= tc.n { // padding columns must be untouched
						if math.Float32bits(got) != math.Float32bits(orig[i*ldc+j]) {
							t.Fatalf("%s %s: padding C[%d,%d] changed", be.Name(), name, i, j)
						}
						continue
					}
					w, bd := want[i*tc.n+j], bound[i*tc.n+j]
					tol := 4*float64(tc.k+2)*(1.0/(1<<24))*bd + 1e-30
					if d := math.Abs(float64(got) - w); !(d <= tol) {
						t.Fatalf("%s %s: C[%d,%d] = %g, want %g (tol %g)", be.Name(), name, i, j, got, w, tol)
					}
				}
			}
		}
	}
}

func TestBackends(t *testing.T) {
	bs := Backends()
	if len(bs) == 0 || bs[len(bs)-1].Name() != "go" {
		t.Fatalf("Backends() = %v, want the go backend last", bs)
	}
	if _, err := OpenBLAS(); err != nil {
		t.Logf("OpenBLAS backend not tested: %v", err)
	}
	for _, be := range bs {
		t.Run(be.Name(), func(t *testing.T) { testBackend(t, be) })
	}
	t.Run("naive", func(t *testing.T) { testBackend(t, naiveBackend{}) })
}

type naiveBackend struct{}

func (naiveBackend) Name() string { return "naive" }
func (naiveBackend) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmNaive(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// TestGoBackendSerialAndParallel checks that the threaded split (by rows and
// by columns) gives the same result as one thread.
func TestGoBackendSerialAndParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{{300, 40, 200}, {20, 700, 200}} {
		m, n, k := s[0], s[1], s[2]
		a, b := randSlice(r, m*k), randSlice(r, k*n)
		c1, c4 := make([]float32, m*n), make([]float32, m*n)
		SetThreads(1)
		GoBackend().Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c1, n)
		SetThreads(4)
		GoBackend().Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c4, n)
		SetThreads(0)
		for i := range c1 {
			if c1[i] != c4[i] {
				t.Fatalf("%v: element %d: 1 thread %g, 4 threads %g", s, i, c1[i], c4[i])
			}
		}
	}
}

// TestSplitMatchesSerial checks every backend's threaded split (by rows and
// by columns, with every transpose and padded strides) against the same
// backend on one thread, on products large enough to be split.
func TestSplitMatchesSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	defer SetThreads(0)
	for _, be := range Backends() {
		for _, s := range [][3]int{{300, 40, 200}, {20, 700, 200}, {700, 1000, 64}, {1003, 130, 70}} {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				m, n, k := s[0], s[1], s[2]
				ta, tb := tr[0], tr[1]
				lda, ldb, ldc := k+1, n+2, n+3
				ar, br := m, k
				if ta {
					lda, ar = m+1, k
				}
				if tb {
					ldb, br = k+2, n
				}
				a, b := randSlice(r, ar*lda), randSlice(r, br*ldb)
				c1, c3 := randSlice(r, m*ldc), make([]float32, m*ldc)
				copy(c3, c1)
				SetThreads(1)
				be.Sgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 0.25, c1, ldc)
				SetThreads(3)
				be.Sgemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 0.25, c3, ldc)
				for i := range c1 {
					if d := math.Abs(float64(c1[i] - c3[i])); d > 1e-4*(1+math.Abs(float64(c1[i]))) {
						t.Fatalf("%s %v tA=%v tB=%v: element %d: 1 thread %g, 3 threads %g", be.Name(), s, ta, tb, i, c1[i], c3[i])
					}
				}
			}
		}
	}
}

func TestGemmEdgeCases(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Gemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2) // k=0: C = beta*C
	if c[0] != 3 || c[3] != 12 {
		t.Fatalf("k=0 with beta=3: got %v", c)
	}
	Gemm(false, false, 2, 2, 2, 0, []float32{1, 1, 1, 1}, 2, []float32{1, 1, 1, 1}, 2, 0, c, 2)
	if c[0] != 0 || c[3] != 0 {
		t.Fatalf("alpha=0 beta=0: got %v", c)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Gemm with a short C did not panic")
		}
	}()
	Gemm(false, false, 2, 2, 2, 1, []float32{1, 1, 1, 1}, 2, []float32{1, 1, 1, 1}, 2, 0, c[:3], 2)
}

// TestEnvSelection runs this test binary again with MULAN_BLAS set and checks
// the backend it reports, and that a user's OPENBLAS_CORETYPE is respected.
func TestEnvSelection(t *testing.T) {
	if os.Getenv("MULAN_TENSOR_PRINT") != "" {
		fmt.Printf("BACKEND=%s\n", BackendName())
		return
	}
	run := func(env ...string) string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvSelection$")
		cmd.Env = append(os.Environ(), append(env, "MULAN_TENSOR_PRINT=1")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", env, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(l, "BACKEND="); ok {
				return v
			}
		}
		t.Fatalf("%v: no BACKEND line in\n%s", env, out)
		return ""
	}
	if got := run("MULAN_BLAS=go"); got != "go" {
		t.Errorf("MULAN_BLAS=go: backend %q", got)
	}
	if _, err := OpenBLAS(); err != nil {
		if got := run("MULAN_BLAS=openblas"); got != "go" {
			t.Errorf("MULAN_BLAS=openblas without OpenBLAS: backend %q, want the go fallback", got)
		}
		return
	}
	if got := run("MULAN_BLAS=openblas"); !strings.HasPrefix(got, "openblas") {
		t.Errorf("MULAN_BLAS=openblas: backend %q", got)
	}
	if ct := openblasCoreType(); ct != "" {
		if got := run("MULAN_BLAS=", "OPENBLAS_CORETYPE="); got != "openblas ("+ct+")" {
			t.Errorf("default on this CPU: backend %q, want openblas (%s)", got, ct)
		}
	}
	if got := run("OPENBLAS_CORETYPE=Haswell"); got != "openblas (Haswell)" {
		t.Errorf("user's OPENBLAS_CORETYPE=Haswell: backend %q", got)
	}
}
