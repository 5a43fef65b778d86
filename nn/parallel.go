package nn

import (
	"runtime"
	"sync"

	"github.com/mulan-nlp/mulan/tensor"
)

// Element-wise work large enough to pay for a hand-off is split over a small
// package-wide pool of worker goroutines (GOMAXPROCS-1 of them, capped by
// tensor.Threads). Jobs are pointers to structs kept in the Tape, and chunks
// travel by value over a channel, so running a job allocates nothing.

// job processes items [lo, hi); slot (< threads) identifies the chunk so a
// job can give each concurrent chunk its own scratch space.
type job interface {
	run(lo, hi, slot int)
}

type chunk struct {
	j            job
	lo, hi, slot int
	wg           *sync.WaitGroup
}

var (
	poolOnce sync.Once
	poolCh   chan chunk
)

func startPool() {
	n := runtime.GOMAXPROCS(0) - 1
	if n < 1 {
		return
	}
	poolCh = make(chan chunk, 4*n)
	for i := 0; i < n; i++ {
		go func() {
			for c := range poolCh {
				c.j.run(c.lo, c.hi, c.slot)
				c.wg.Done()
			}
		}()
	}
}

// parallelMinCost is the work (items × cost per item, in rough
// nanoseconds) below which a job runs on the calling goroutine.
const parallelMinCost = 50_000

// threads is how many chunks parallelFor may use.
func threads() int {
	poolOnce.Do(startPool)
	if poolCh == nil {
		return 1
	}
	return max(1, min(tensor.Threads(), cap(poolCh)/4+1))
}

// parallelFor runs j over [0, n) in at most threads() chunks and waits.
func (tp *Tape) parallelFor(n, cost int, j job) {
	t := threads()
	if t <= 1 || n < 2 || n*cost < parallelMinCost {
		j.run(0, n, 0)
		return
	}
	t = min(t, n)
	size := (n + t - 1) / t
	slot := 1
	for lo := size; lo < n; lo += size {
		tp.wg.Add(1)
		poolCh <- chunk{j: j, lo: lo, hi: min(lo+size, n), slot: slot, wg: &tp.wg}
		slot++
	}
	j.run(0, min(size, n), 0)
	tp.wg.Wait()
}

// jobs holds one descriptor per parallel job kind; parallelFor runs one job
// at a time per tape, so one of each suffices.
type jobs struct {
	unary unaryJob
	ce    ceJob
	attn  attnJob
}
