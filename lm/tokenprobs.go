package lm

import (
	"fmt"
	"math"

	"github.com/mulan-nlp/mulan/nn"
)

// TokenLogProbs runs the model over ids and returns the natural
// log-probability of every target: out[t] = log p(ids[t+1] | ids[:t+1]) for
// t = 0 .. len(ids)-2 (so ids[0], usually </s>, is context only). A
// recurrent LM starts from st (nil: a zero state) and leaves in st the state
// after its last input, ids[len(ids)-2], so that the next call may continue
// the text; a Transformer reads the ids in windows of its context, each on
// its own, and ignores st. The ids in drop (for instance <pad> and <s>,
// which are never targets) are taken out of every softmax and the rest
// renormalised, so that the probabilities sum to one over the other ids.
// Dropout is off. It fails on an id out of range or a non-finite result.
func (m *LM) TokenLogProbs(ids []int32, st *State, drop []int32) ([]float64, error) {
	return m.NewTokenScorer().LogProbs(nil, ids, st, drop)
}

// TokenScorer computes TokenLogProbs (and NextLogProbs) repeatedly, reusing
// its buffers (the tape), which matters for short texts such as single
// lines. It is not safe for concurrent use.
type TokenScorer struct {
	m  *LM
	tp *nn.Tape
}

// NewTokenScorer returns a TokenScorer for m.
func (m *LM) NewTokenScorer() *TokenScorer {
	tp := nn.NewTape(nil)
	tp.Training = false
	tp.NoGrad = true
	return &TokenScorer{m: m, tp: tp}
}

// LogProbs appends to dst what TokenLogProbs returns for the same arguments.
func (ts *TokenScorer) LogProbs(dst []float64, ids []int32, st *State, drop []int32) ([]float64, error) {
	m, tp := ts.m, ts.tp
	if len(ids) < 2 {
		return dst, nil
	}
	V := m.Cfg.Vocab
	for _, id := range ids {
		if id < 0 || int(id) >= V {
			return dst, fmt.Errorf("token id %d out of range [0, %d)", id, V)
		}
	}
	for _, id := range drop {
		if id < 0 || int(id) >= V {
			return dst, fmt.Errorf("dropped id %d out of range [0, %d)", id, V)
		}
	}
	n := len(ids) - 1
	out := dst
	win := n
	if m.Cfg.Arch == ArchTransformer {
		win = m.Cfg.Context
		st = nil
	}
	for pos := 0; pos < n; pos += win {
		T := min(win, n-pos)
		tp.Reset()
		lg := m.logits(tp, ids[pos:pos+T], 1, T, st, nil).Data()
		for t := range T {
			row := lg[t*V : (t+1)*V]
			mx := float32(math.Inf(-1))
			for _, x := range row {
				mx = max(mx, x)
			}
			var sum float64
			for _, x := range row {
				sum += math.Exp(float64(x - mx))
			}
			for _, d := range drop {
				sum -= math.Exp(float64(row[d] - mx))
			}
			lp := float64(row[ids[pos+t+1]]-mx) - math.Log(sum)
			if math.IsNaN(lp) || math.IsInf(lp, 0) {
				return dst, fmt.Errorf("log-probability is %v at token %d", lp, pos+t+1)
			}
			out = append(out, lp)
		}
	}
	return out, nil
}
