package lm

import (
	"fmt"
	"math"
	"math/rand"
	"sort"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/vocab"
)

// GenOptions control Generate.
type GenOptions struct {
	// Temperature divides the logits; 0 picks the most probable token.
	Temperature float64
	// TopK samples among the K most probable tokens only (0: all).
	TopK int
	// MaxTokens bounds the number of generated tokens.
	MaxTokens int
	// StopAtEOS ends generation at the end of the line (</s>).
	StopAtEOS bool
}

// Generate continues prompt with up to MaxTokens sampled tokens drawing
// from rng, and returns the generated text alone and its token ids. The
// prompt is read as the start of a line. A backward LM generates the text
// that precedes the prompt (the ids are returned in reading order).
// <pad> and <s> are never sampled.
func (m *LM) Generate(prompt string, o GenOptions, rng *rand.Rand) (string, []int32, error) {
	if o.Temperature < 0 || o.TopK < 0 || o.MaxTokens < 0 {
		return "", nil, fmt.Errorf("temperature, top-k and max tokens must not be negative")
	}
	var buf []string
	ctx := m.codec.appendLine([]int32{vocab.EOSID}, prompt, &buf)
	if m.Cfg.Backward {
		reverse(ctx[1:])
	}
	tp := nn.NewTape(nil)
	tp.Training = false
	tp.NoGrad = true
	st := m.NewState(1)
	probs := make([]float64, m.Cfg.Vocab)
	var out []int32
	feed := ctx // ids not yet seen by the recurrent state
	for len(out) < o.MaxTokens {
		tp.Reset()
		var row []float32
		if m.Cfg.Arch == ArchTransformer {
			win := ctx[max(0, len(ctx)-m.Cfg.Context):]
			lg := m.logits(tp, win, 1, len(win), nil, nil)
			row = lg.Data()[(len(win)-1)*m.Cfg.Vocab:]
		} else {
			lg := m.logits(tp, feed, 1, len(feed), st, nil)
			row = lg.Data()[(len(feed)-1)*m.Cfg.Vocab:]
		}
		id := sample(row, probs, o, rng)
		out = append(out, id)
		ctx = append(ctx, id)
		feed = ctx[len(ctx)-1:]
		if o.StopAtEOS && id == vocab.EOSID {
			break
		}
	}
	text := out
	if n := len(text); o.StopAtEOS && n > 0 && text[n-1] == vocab.EOSID {
		text = text[:n-1]
	}
	text = append([]int32(nil), text...)
	if m.Cfg.Backward {
		reverse(text)
		reverse(out)
	}
	return m.codec.decode(text), out, nil
}

// sample draws a token from logits under o (probs is scratch of the same
// length).
func sample(logits []float32, probs []float64, o GenOptions, rng *rand.Rand) int32 {
	V := len(probs)
	banned := func(i int) bool { return i == int(vocab.PadID) || i == int(vocab.BOSID) }
	if o.Temperature == 0 {
		best := -1
		for i := 0; i < V; i++ {
			if !banned(i) && (best < 0 || logits[i] > logits[best]) {
				best = i
			}
		}
		return int32(best)
	}
	keep := math.Inf(-1) // logits below keep are excluded
	if o.TopK > 0 && o.TopK < V {
		xs := make([]float64, 0, V)
		for i := 0; i < V; i++ {
			if !banned(i) {
				xs = append(xs, float64(logits[i]))
			}
		}
		sort.Float64s(xs)
		if o.TopK < len(xs) {
			keep = xs[len(xs)-o.TopK]
		}
	}
	mx := math.Inf(-1)
	for i := 0; i < V; i++ {
		if !banned(i) && float64(logits[i]) > mx {
			mx = float64(logits[i])
		}
	}
	sum := 0.0
	for i := 0; i < V; i++ {
		probs[i] = 0
		if !banned(i) && float64(logits[i]) >= keep {
			probs[i] = math.Exp((float64(logits[i]) - mx) / o.Temperature)
			sum += probs[i]
		}
	}
	u := rng.Float64() * sum
	last := 0
	for i := 0; i < V; i++ {
		if probs[i] == 0 {
			continue
		}
		last = i
		u -= probs[i]
		if u < 0 {
			return int32(i)
		}
	}
	return int32(last)
}
