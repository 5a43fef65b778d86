package lm

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/vocab"
)

// NextLogProbs appends to dst the natural log-probability of every token id
// (Cfg.Vocab values, in id order) being the token that follows ids: the
// softmax of the logits the model computes at the last of ids, as Generate
// samples from. A recurrent LM reads all of ids starting from st (nil: a
// zero state) and leaves in st the state after the last of them, so that
// the next call continues the text with the ids that follow; a Transformer
// reads the last Cfg.Context ids on their own and ignores st. The ids in
// drop (for instance <pad> and <s>, which are never targets) get -Inf and
// the others are renormalised to sum to one. Dropout is off. It fails,
// leaving st as it was, on empty ids, an id (or dropped id) out of range or
// a state of another shape than NewState(1) gives; it fails after reading
// ids on every id dropped or a non-finite logit.
func (ts *TokenScorer) NextLogProbs(dst []float64, ids []int32, st *State, drop []int32) ([]float64, error) {
	if err := ts.m.checkDrop(drop); err != nil {
		return dst, err
	}
	row, err := ts.nextLogits(ids, st)
	if err != nil {
		return dst, err
	}
	return appendLogSoftmax(dst, row, drop)
}

// nextLogits checks ids and st, runs the model over ids (a Transformer over
// its last Cfg.Context ids) and returns the logits at the last one, which
// stay valid until the tape is reset.
func (ts *TokenScorer) nextLogits(ids []int32, st *State) ([]float32, error) {
	m := ts.m
	if len(ids) == 0 {
		return nil, errors.New("no token ids to predict the next one from")
	}
	if err := m.checkIDs(ids); err != nil {
		return nil, err
	}
	if m.Cfg.Arch == ArchTransformer {
		ids = ids[max(0, len(ids)-m.Cfg.Context):]
		st = nil
	} else if err := m.checkState(st); err != nil {
		return nil, err
	}
	tp, T, D := ts.tp, len(ids), m.TopDim()
	tp.Reset()
	// The output layer runs on the last position only (dropout is off, so
	// this is the last row of logits).
	outs := m.layers(tp, ids, 1, T, st, nil)
	x := tp.Input(outs[len(outs)-1].Data()[(T-1)*D:T*D], 1, D)
	w := m.outW
	if w == nil {
		w = m.emb.W
	}
	return tp.Linear(x, &w.Var, &m.outB.Var).Data(), nil
}

func (m *LM) checkIDs(ids []int32) error {
	for _, id := range ids {
		if id < 0 || int(id) >= m.Cfg.Vocab {
			return fmt.Errorf("token id %d out of range [0, %d)", id, m.Cfg.Vocab)
		}
	}
	return nil
}

// checkDrop checks that the ids in drop are in range (all of them dropped
// is an error of the softmax).
func (m *LM) checkDrop(drop []int32) error {
	for _, d := range drop {
		if d < 0 || int(d) >= m.Cfg.Vocab {
			return fmt.Errorf("dropped id %d out of range [0, %d)", d, m.Cfg.Vocab)
		}
	}
	return nil
}

// checkState reports whether st (nil allowed) fits one stream of m.
func (m *LM) checkState(st *State) error {
	if st == nil {
		return nil
	}
	if st.B != 1 || len(st.H) != len(m.rnns) || len(st.C) != len(m.rnns) {
		return fmt.Errorf("state of %d streams and %d layers, want 1 stream and %d layers", st.B, len(st.H), len(m.rnns))
	}
	for l, r := range m.rnns {
		if st.H[l] == nil || st.H[l].Len() != r.Hidden || (r.Kind == nn.LSTM) != (st.C[l] != nil) ||
			(st.C[l] != nil && st.C[l].Len() != r.Hidden) {
			return fmt.Errorf("state of layer %d does not fit its %d units", l+1, r.Hidden)
		}
	}
	return nil
}

// appendLogSoftmax appends the log-softmax of logits to dst, with the ids in
// drop at -Inf and left out of the normalisation.
func appendLogSoftmax(dst []float64, logits []float32, drop []int32) ([]float64, error) {
	V := len(logits)
	for _, d := range drop {
		if d < 0 || int(d) >= V {
			return dst, fmt.Errorf("dropped id %d out of range [0, %d)", d, V)
		}
	}
	n := len(dst)
	out := dst
	for _, x := range logits {
		out = append(out, float64(x))
	}
	row := out[n:]
	for id, x := range row {
		if (math.IsNaN(x) || math.IsInf(x, 0)) && !slices.Contains(drop, int32(id)) {
			return dst, fmt.Errorf("logit %v for token id %d", x, id)
		}
	}
	for _, d := range drop {
		row[d] = math.Inf(-1)
	}
	mx := math.Inf(-1)
	for _, x := range row {
		mx = max(mx, x)
	}
	if math.IsInf(mx, -1) {
		return dst, errors.New("every token id is dropped")
	}
	var sum float64
	for _, x := range row {
		sum += math.Exp(x - mx)
	}
	ls := math.Log(sum)
	for id, x := range row {
		row[id] = (x - mx) - ls
	}
	return out, nil
}

// Predictor reads a text token by token and gives the distribution of the
// next token as Generate samples it: a recurrent LM carries its state from
// token to token (the ids pushed since the last prediction are read in one
// run), a Transformer reads the last Cfg.Context tokens. It starts at the
// start of a line (after </s>) with a zero state; </s> pushed goes on to
// the next line of the same text. The ids are in the LM's reading order
// (reversed for a backward LM). It is not safe for concurrent use.
type Predictor struct {
	m  *LM
	ts *TokenScorer
	st *State // recurrent LMs: the state after ctx minus its last pending ids
	// ctx holds the ids still to be read (recurrent LMs) or the last ones
	// read (Transformers, at most 2 Cfg.Context, trimmed to Cfg.Context).
	ctx []int32
	// row caches the logits at the last id pushed; valid while fresh.
	row   []float32
	fresh bool
}

// NewPredictor returns a Predictor for m at the start of a line.
func (m *LM) NewPredictor() *Predictor {
	p := &Predictor{m: m, ts: m.NewTokenScorer()}
	if m.Cfg.Arch != ArchTransformer {
		p.st = m.NewState(1)
	}
	p.Reset()
	return p
}

// Reset goes back to the start of a line with a zero state.
func (p *Predictor) Reset() {
	if p.st != nil {
		p.st.Zero()
	}
	p.ctx = append(p.ctx[:0], vocab.EOSID)
	p.fresh = false
}

// Push appends ids to the text read so far. On an id out of range it fails
// and pushes none of them.
func (p *Predictor) Push(ids ...int32) error {
	if err := p.m.checkIDs(ids); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	p.ctx = append(p.ctx, ids...)
	if c := p.m.Cfg.Context; p.st == nil && len(p.ctx) > 2*c {
		p.ctx = append(p.ctx[:0], p.ctx[len(p.ctx)-c:]...)
	}
	p.fresh = false
	return nil
}

// NextLogProbs appends to dst the log-probability of every token id being
// the next one, as TokenScorer.NextLogProbs gives it for the whole text
// read so far (ids in drop get -Inf, the others are renormalised). Calling
// it again without a Push gives the same values without running the model.
func (p *Predictor) NextLogProbs(dst []float64, drop []int32) ([]float64, error) {
	if err := p.m.checkDrop(drop); err != nil {
		return dst, err
	}
	if !p.fresh {
		row, err := p.ts.nextLogits(p.ctx, p.st)
		if err != nil {
			return dst, err
		}
		p.row = append(p.row[:0], row...)
		p.fresh = true
		if p.st != nil {
			p.ctx = p.ctx[:0]
		}
	}
	return appendLogSoftmax(dst, p.row, drop)
}
