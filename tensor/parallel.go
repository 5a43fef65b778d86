package tensor

import "sync"

// parallelFor splits [0,n) into at most Threads() contiguous chunks and runs
// fn on each, on the calling goroutine when the work is small (cost is the
// estimated cost per index in arbitrary units; work below parallelMinCost
// stays single-threaded, since a goroutine hand-off costs about a
// microsecond).
func parallelFor(n int, cost int, fn func(lo, hi int)) {
	const parallelMinCost = 1 << 16
	t := Threads()
	if t <= 1 || n < 2 || n*cost < parallelMinCost {
		fn(0, n)
		return
	}
	t = min(t, n)
	chunk := (n + t - 1) / t
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Go(func() { fn(lo, hi) })
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
