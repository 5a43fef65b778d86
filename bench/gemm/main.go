// Command gemm measures single-precision matrix-product throughput (GFLOP/s)
// of mulan's GEMM backends on square n×n products, for bench/gemm.sh.
//
//	go run ./bench/gemm -sizes 64,256,1024 -threads 2
//
// Each line of output is "mulan <backend> <n> <GFLOP/s>"; the best of
// several timed repetitions is reported, each long enough (-min) to hide
// timer resolution.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/tensor"
)

func main() {
	sizes := flag.String("sizes", "64,256,1024", "comma-separated matrix sizes n")
	threads := flag.Int("threads", 2, "threads for the backends (0: GOMAXPROCS)")
	minDur := flag.Duration("min", 300*time.Millisecond, "minimum duration of one timed repetition")
	reps := flag.Int("reps", 3, "timed repetitions; the best is reported")
	flag.Parse()
	if err := run(*sizes, *threads, *minDur, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "gemm:", err)
		os.Exit(1)
	}
}

func run(sizes string, threads int, minDur time.Duration, reps int) error {
	var ns []int
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q in -sizes", f)
		}
		ns = append(ns, n)
	}
	tensor.SetThreads(threads)
	if err := tensor.DefaultError(); err != nil {
		fmt.Fprintln(os.Stderr, "note:", err)
	}
	fmt.Fprintf(os.Stderr, "default backend: %s\n", tensor.BackendName())
	r := rand.New(rand.NewPCG(1, 2))
	for _, be := range tensor.Backends() {
		for _, n := range ns {
			a, b, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
			for i := range a {
				a[i], b[i] = r.Float32()-0.5, r.Float32()-0.5
			}
			best := 0.0
			for range reps {
				iters := 0
				start := time.Now()
				for time.Since(start) < minDur || iters == 0 {
					be.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
					iters++
				}
				g := 2 * float64(n) * float64(n) * float64(n) * float64(iters) / time.Since(start).Seconds() / 1e9
				best = max(best, g)
			}
			name := strings.ReplaceAll(be.Name(), " ", "")
			fmt.Printf("mulan %s %d %.1f\n", name, n, best)
		}
	}
	return nil
}
