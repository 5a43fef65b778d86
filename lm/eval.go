package lm

import (
	"fmt"
	"math"

	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/progress"
)

// Score is the result of evaluating an LM on a stream.
type Score struct {
	Tokens int     // predicted tokens (the line ends </s> included)
	Chars  int64   // characters (non-space characters plus line ends)
	NLL    float64 // summed negative log-likelihood in nats
}

// Perplexity is exp(NLL/Tokens).
func (s Score) Perplexity() float64 { return metrics.Perplexity(-s.NLL, metrics.Natural, s.Tokens) }

// BitsPerToken is NLL/Tokens in bits.
func (s Score) BitsPerToken() float64 { return metrics.BitsPerUnit(-s.NLL, metrics.Natural, s.Tokens) }

// BitsPerChar is the NLL in bits per character (a line end counts as one).
func (s Score) BitsPerChar() float64 {
	return metrics.BitsPerUnit(-s.NLL, metrics.Natural, int(s.Chars))
}

// batchLayout splits n targets over B streams: stream b predicts targets
// b*L+1 .. b*L+L of the id sequence (positions b*L .. b*L+L-1 are its
// inputs), so consecutive streams overlap by one id and none is skipped;
// rem = n - B*L targets are left over at the end (they continue stream B-1).
func batchLayout(n, B int) (L, rem int) {
	L = n / B
	return L, n - B*L
}

// Evaluate returns the summed negative log-likelihood of every target of s,
// streaming it as training does: B parallel streams, windows of bptt tokens
// with the recurrent state carried across windows (Transformers see each
// window on its own, bptt capped at their context); the targets left over by
// the split into B streams are scored at the end with one stream continuing
// the last. prog (may be nil) receives tokens.
func (m *LM) Evaluate(s *Stream, B, bptt int, prog *progress.Reporter) (Score, error) {
	n := s.Targets()
	if n == 0 {
		return Score{}, fmt.Errorf("nothing to evaluate")
	}
	if m.Cfg.Arch == ArchTransformer && (bptt <= 0 || bptt > m.Cfg.Context) {
		bptt = m.Cfg.Context
	}
	if bptt <= 0 {
		bptt = 35
	}
	B = max(1, min(B, n))
	tp := nn.NewTape(nil)
	tp.Training = false
	tp.NoGrad = true
	L, rem := batchLayout(n, B)
	st := m.NewState(B)
	sc := Score{Tokens: n, Chars: s.Chars}
	ids := make([]int32, B*bptt)
	tgt := make([]int32, B*bptt)
	run := func(B, L int, offset func(b int) int, st *State) error {
		for pos := 0; pos < L; pos += bptt {
			T := min(bptt, L-pos)
			for b := 0; b < B; b++ {
				o := offset(b) + pos
				copy(ids[b*T:(b+1)*T], s.IDs[o:o+T])
				copy(tgt[b*T:(b+1)*T], s.IDs[o+1:o+T+1])
			}
			tp.Reset()
			lg := m.logits(tp, ids[:B*T], B, T, st, nil)
			loss := tp.CrossEntropy(lg, tgt[:B*T], -1, 0)
			v := float64(loss.Data()[0])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("loss is %v at token %d", v, offset(0)+pos)
			}
			sc.NLL += v * float64(B*T)
			prog.Add(int64(B * T))
		}
		return nil
	}
	if err := run(B, L, func(b int) int { return b * L }, st); err != nil {
		return sc, err
	}
	if rem > 0 {
		last := m.NewState(1)
		for l := range st.H {
			copy(last.H[l].Data, st.H[l].Data[(B-1)*len(last.H[l].Data):])
			if st.C[l] != nil {
				copy(last.C[l].Data, st.C[l].Data[(B-1)*len(last.C[l].Data):])
			}
		}
		if m.Cfg.Arch == ArchTransformer {
			last = nil
		}
		if err := run(1, rem, func(int) int { return B * L }, last); err != nil {
			return sc, err
		}
	}
	return sc, nil
}
