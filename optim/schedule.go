package optim

import "math"

// Schedule maps the index t of an update (0 for the first) to a learning-rate
// multiplier; call opt.SetScale(schedule(t)) before update t.
type Schedule func(t int) float64

// Constant is the schedule that always returns 1.
func Constant() Schedule { return func(int) float64 { return 1 } }

// StepDecay multiplies the rate by gamma every `every` updates:
// gamma^⌊t/every⌋ (torch.optim.lr_scheduler.StepLR).
func StepDecay(every int, gamma float64) Schedule {
	every = max(every, 1)
	return func(t int) float64 { return math.Pow(gamma, float64(t/every)) }
}

// LinearWarmup rises linearly from 0 to 1 over warmup updates, t/warmup,
// then stays at 1 (Hugging Face's constant schedule with warm-up).
func LinearWarmup(warmup int) Schedule {
	return func(t int) float64 {
		if t < warmup {
			return float64(t) / float64(warmup)
		}
		return 1
	}
}

// WarmupLinear rises as LinearWarmup and then decays linearly to 0 at update
// total (Hugging Face's linear schedule with warm-up).
func WarmupLinear(warmup, total int) Schedule {
	return func(t int) float64 {
		if t < warmup {
			return float64(t) / float64(warmup)
		}
		return max(0, float64(total-t)/float64(max(1, total-warmup)))
	}
}

// WarmupCosine rises as LinearWarmup and then follows half a cosine from 1
// down to minMult at update total, staying there afterwards:
// minMult + (1-minMult)·½(1 + cos(π·(t-warmup)/(total-warmup))).
func WarmupCosine(warmup, total int, minMult float64) Schedule {
	return func(t int) float64 {
		if t < warmup {
			return float64(t) / float64(warmup)
		}
		p := min(1, float64(t-warmup)/float64(max(1, total-warmup)))
		return minMult + (1-minMult)*0.5*(1+math.Cos(math.Pi*p))
	}
}

// SlantedTriangular is the slanted triangular learning rate of Howard &
// Ruder (2018, eq. 3) over total updates T: with cut = ⌊T·cutFrac⌋,
//
//	p = t/cut                                 if t < cut
//	p = 1 - (t-cut)/(cut·(1/cutFrac - 1))     otherwise
//	multiplier = (1 + p·(ratio-1)) / ratio
//
// so it starts at 1/ratio, peaks at 1 at t = cut and falls back to 1/ratio
// at t = T (ULMFiT uses cutFrac 0.1, ratio 32). p is floored at 0 beyond T.
func SlantedTriangular(total int, cutFrac, ratio float64) Schedule {
	cut := max(1, int(math.Floor(float64(total)*cutFrac)))
	return func(t int) float64 {
		var p float64
		if t < cut {
			p = float64(t) / float64(cut)
		} else {
			p = max(0, 1-float64(t-cut)/(float64(cut)*(1/cutFrac-1)))
		}
		return (1 + p*(ratio-1)) / ratio
	}
}

// OneCycle is the one-cycle policy of torch.optim.lr_scheduler.OneCycleLR
// with cosine annealing, as a multiplier of the maximum rate: from
// 1/divFactor up to 1 over the first pctStart·total - 1 updates, then down
// to 1/(divFactor·finalDivFactor) at update total-1. PyTorch's defaults are
// pctStart 0.3, divFactor 25, finalDivFactor 1e4.
func OneCycle(total int, pctStart, divFactor, finalDivFactor float64) Schedule {
	initial := 1 / divFactor
	final := initial / finalDivFactor
	end1 := pctStart*float64(total) - 1
	end2 := float64(total - 1)
	anneal := func(start, end, pct float64) float64 {
		return end + (start-end)/2*(math.Cos(math.Pi*pct)+1)
	}
	return func(t int) float64 {
		x := float64(t)
		if x <= end1 {
			return anneal(initial, 1, x/end1)
		}
		return anneal(1, final, min(1, (x-end1)/(end2-end1)))
	}
}
