package ngram

import (
	"fmt"
	"math"
)

// probEpsilon is SRILM's Prob_Epsilon: sums of probabilities within it of a
// bound are taken as the bound.
const probEpsilon = 3e-6

// logZero is what a probability of zero is stored as (ARPA's -99).
const logZero = -99

// isZeroLog reports whether a stored log10 probability stands for zero.
func isZeroLog(p float32) bool { return p <= logZero || math.IsInf(float64(p), -1) }

func pow10(p float32) float64 {
	if isZeroLog(p) {
		return 0
	}
	return math.Pow(10, float64(p))
}

// RecomputeBackoffs sets every back-off weight of m so that each context's
// distribution sums to one, as SRILM's Ngram::recomputeBOWs does after
// estimating a Katz model or mixing models: for a context h with explicit
// n-grams h w,
//
//	bow(h) = (1 - Σ_w p(w | h)) / (1 - Σ_w p_BO(w | h'))
//
// where h' is h without its first word and p_BO is the model's back-off
// probability, which for a suffix-closed model is the stored probability of
// h' w. Orders are processed bottom up, so the back-offs below are final when
// a higher order uses them. The unigrams' left-over mass (the null context has
// no back-off) is spread over the words of zero probability, or over every
// word when none has zero probability (SRILM's distributeProb); <s> is no
// event and keeps probability zero. When the lower-order distribution leaves
// no mass for a context that has some left, the context's probabilities are
// scaled to sum to one instead. N-grams that are no context get back-off 0.
// warn (may be nil) receives one line per anomaly; a context whose explicit
// probabilities sum to more than one makes an error.
func RecomputeBackoffs(m *Model, warn func(string)) error {
	if err := m.Verify(); err != nil {
		return err
	}
	m.probes = nil // the probe tables hold copies of the back-offs about to change
	if warn == nil {
		warn = func(string) {}
	}
	N := len(m.Tables)
	uni := &m.Tables[0]
	// Order 0: distribute the unigram left-over mass.
	num := 1.0
	words, zeros := 0, 0
	for w := range uni.Prob {
		if uint32(w) == BOS {
			continue
		}
		words++
		if isZeroLog(uni.Prob[w]) {
			zeros++
		} else {
			num -= pow10(uni.Prob[w])
		}
	}
	if num < 0 && num > -probEpsilon {
		num = 0
	}
	if num < 0 {
		return fmt.Errorf("ngram: unigram probabilities sum to %v > 1", 1-num)
	}
	if zeros > 0 {
		if num > 0 {
			warn(fmt.Sprintf("distributing %g left-over unigram probability over %d words of zero probability", num, zeros))
		}
		add := float32(math.Log10(num / float64(zeros)))
		if num == 0 {
			add = logZero
		}
		for w := range uni.Prob {
			if uint32(w) != BOS && isZeroLog(uni.Prob[w]) {
				uni.Prob[w] = add
			}
		}
	} else if num > 0 && words > 0 {
		add := num / float64(words)
		for w := range uni.Prob {
			if uint32(w) != BOS {
				uni.Prob[w] = float32(math.Log10(pow10(uni.Prob[w]) + add))
			}
		}
	}
	// Orders 1..N-1 as contexts.
	for n := 1; n < N; n++ {
		lo, t := &m.Tables[n-1], &m.Tables[n]
		numer := make([]float64, lo.Len())
		denom := make([]float64, lo.Len())
		has := make([]bool, lo.Len())
		ctx := make([]int32, t.Len())
		for i := range numer {
			numer[i], denom[i] = 1, 1
		}
		for i := 0; i < lo.Len(); i++ {
			bo := pow10(lo.Prob[i]) // p_BO(w | h') of every n+1-gram with suffix i
			for j := lo.Ext[i]; j < lo.Ext[i+1]; j++ {
				c, ok := m.Find(t.Gram(int(j))[:n])
				if !ok { // the context is no n-gram: the n-gram is unreachable
					ctx[j] = -1
					continue
				}
				ctx[j] = int32(c)
				has[c] = true
				numer[c] -= pow10(t.Prob[j])
				denom[c] -= bo
			}
		}
		scale := make(map[int]float32)
		for i := range lo.Backoff {
			if !has[i] {
				lo.Backoff[i] = 0
				continue
			}
			nu, de := numer[i], denom[i]
			if nu < 0 && nu > -probEpsilon {
				nu = 0
			}
			if de < 0 && de > -probEpsilon {
				de = 0
			}
			switch {
			case de == 0 && nu > 0:
				warn(fmt.Sprintf("back-off denominator of context %q is zero; scaling its probabilities to sum to 1", m.Phrase(lo.Gram(i))))
				scale[i] = float32(-math.Log10(1 - nu))
				lo.Backoff[i] = 0
			case nu < 0:
				return fmt.Errorf("ngram: probabilities of context %q sum to %v > 1", m.Phrase(lo.Gram(i)), 1-nu)
			case de <= 0:
				if nu > probEpsilon {
					return fmt.Errorf("ngram: back-off denominator of context %q is %v with %v mass left", m.Phrase(lo.Gram(i)), de, nu)
				}
				lo.Backoff[i] = 0
			default:
				lo.Backoff[i] = float32(math.Log10(nu) - math.Log10(de))
				if nu == 0 {
					lo.Backoff[i] = logZero
				}
			}
		}
		if len(scale) > 0 {
			for j, c := range ctx {
				if s, ok := scale[int(c)]; ok && c >= 0 {
					t.Prob[j] += s
				}
			}
		}
	}
	return nil
}
