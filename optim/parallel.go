package optim

import (
	"sync"

	"github.com/mulan-nlp/mulan/tensor"
)

// Large parameters are updated in contiguous chunks on a small pool of
// persistent workers (tensor.Threads() in all, counting the caller). Jobs
// are plain values sent over a channel, so a step allocates nothing.

// parallelMin is the element count below which an update stays on the
// calling goroutine (a hand-off costs about a microsecond).
const parallelMin = 1 << 15

type jobKind uint8

const (
	jobSGDPlain jobKind = iota
	jobSGDFirst
	jobSGDMomentum
	jobAdam
)

type job struct {
	kind       jobKind
	p, g, a, b []float32
	lr, wd, mu float32
	damp       float32
	nesterov   bool
	adam       adamConsts
	done       *sync.WaitGroup
}

func (j *job) run() {
	switch j.kind {
	case jobSGDPlain:
		sgdPlain(j.p, j.g, j.lr, j.wd)
	case jobSGDFirst:
		sgdFirst(j.p, j.g, j.a, j.lr, j.wd, j.mu, j.nesterov)
	case jobSGDMomentum:
		sgdMomentum(j.p, j.g, j.a, j.lr, j.wd, j.mu, j.damp, j.nesterov)
	case jobAdam:
		adamUpdate(j.p, j.g, j.a, j.b, j.wd, &j.adam)
	}
}

var (
	poolOnce sync.Once
	poolJobs chan job
)

func startPool() {
	poolJobs = make(chan job, 64)
	for i := 0; i < 16; i++ { // enough for any Threads() setting we split into
		go func() {
			for j := range poolJobs {
				j.run()
				j.done.Done()
			}
		}()
	}
}

// runSplit runs j over its whole range, split over the workers when large;
// wg (one per optimizer) waits for the chunks.
func runSplit(j job, wg *sync.WaitGroup) {
	n := len(j.p)
	t := min(tensor.Threads(), 16)
	if t <= 1 || n < parallelMin {
		j.run()
		return
	}
	poolOnce.Do(startPool)
	chunk := (n + t - 1) / t
	j.done = wg
	sub := func(lo, hi int) job {
		s := j
		s.p = j.p[lo:hi]
		s.g = j.g[lo:hi]
		if j.a != nil {
			s.a = j.a[lo:hi]
		}
		if j.b != nil {
			s.b = j.b[lo:hi]
		}
		return s
	}
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		poolJobs <- sub(lo, min(lo+chunk, n))
	}
	first := sub(0, chunk)
	first.run()
	wg.Wait()
}
