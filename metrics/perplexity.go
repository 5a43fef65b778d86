package metrics

import "math"

// LogBase is the base of the logarithms a model reports.
type LogBase int

// Logarithm bases: natural (nats, as neural LMs' cross-entropy), base 10 (as
// ARPA files and KenLM report), base 2 (bits).
const (
	Natural LogBase = iota
	Log10
	Log2
)

// ln returns the natural logarithm of the base.
func (b LogBase) ln() float64 {
	switch b {
	case Log10:
		return math.Ln10
	case Log2:
		return math.Ln2
	}
	return 1
}

// Perplexity returns exp(-sum/n) measured in base: base^(-sumLogProb/n),
// where sumLogProb is the summed log-probability of n predicted units
// (tokens; count the end-of-sentence token when the model predicts it, as
// KenLM does). It returns NaN for n <= 0.
func Perplexity(sumLogProb float64, base LogBase, n int) float64 {
	if n <= 0 {
		return math.NaN()
	}
	avg := -sumLogProb / float64(n)
	switch base {
	case Log10:
		return math.Pow(10, avg)
	case Log2:
		return math.Exp2(avg)
	}
	return math.Exp(avg)
}

// CrossEntropy returns the average negative log-probability in nats per unit
// (NaN for n <= 0).
func CrossEntropy(sumLogProb float64, base LogBase, n int) float64 {
	if n <= 0 {
		return math.NaN()
	}
	return -sumLogProb * base.ln() / float64(n)
}

// BitsPerUnit returns the average negative log2-probability per unit: bits
// per character when n counts characters, per token when it counts tokens
// (NaN for n <= 0).
func BitsPerUnit(sumLogProb float64, base LogBase, n int) float64 {
	return CrossEntropy(sumLogProb, base, n) / math.Ln2
}

// PerplexityFromBits converts bits per unit into the perplexity of a coarser
// unit: with bpc bits per character and unitsPerToken characters per word it
// returns the word-level perplexity 2^(bpc·unitsPerToken), which makes
// character and word models comparable on the same text.
func PerplexityFromBits(bitsPerUnit, unitsPerToken float64) float64 {
	return math.Exp2(bitsPerUnit * unitsPerToken)
}
