package tagger

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/mulan-nlp/mulan/vocab"
)

// TrainableContext is a Context whose own parameters Train updates together
// with the tagger's.
type TrainableContext interface {
	Context
	// ParamGroups returns the parameters to train, grouped bottom-up (for
	// discriminative learning rates and gradual unfreezing), or nil when the
	// context is not trained.
	ParamGroups() [][]*nn.Param
}

// LMContextOptions configure an LMContext.
type LMContextOptions struct {
	// Sep joins a sentence's tokens into running text for LMs whose
	// tokenizer reads text rather than tokens (subword, zh-word): " " for
	// English, "" for Chinese.
	Sep string
	// FineTune trains the language models with the tagger: features are
	// recomputed on the tagger's tape at every step (with the LMs'
	// dropouts while training). Without it the LMs are frozen and every
	// sentence's features are computed once and cached.
	FineTune bool
	// CacheBytes caps the memory of the feature cache of a frozen context
	// (0: DefaultCacheBytes; negative: no cache). Sentences beyond the cap
	// are recomputed whenever they are seen.
	CacheBytes int64
	// Seed draws the LMs' embedding-dropout masks when fine-tuning.
	Seed int64
}

// DefaultCacheBytes is the default cap of an LMContext's feature cache.
const DefaultCacheBytes = 4 << 30

// LMContext is a Context backed by pretrained mulan language models (from
// `mulan pretrain` and `mulan pretrain --backward`), used as contextual
// features in the manner of Flair (Akbik et al. 2018): each sentence is read
// by a forward LM from its start and by a backward LM from its end, both
// starting from a zero state after the line marker </s> (which precedes every
// line in pretraining), and token i's feature is
//
//	[top-layer state of the forward LM after reading tokens 0..i ;
//	 top-layer state of the backward LM after reading tokens n-1..i]
//
// Tokens are mapped to LM ids as follows. For the space, word and char
// tokenizers every token is encoded on its own with the LM's tokenizer and
// vocabulary (a token it lacks is <unk>): an English word LM reads the CoNLL
// tokens, a Chinese character LM the characters. A token that encodes to
// several ids is read as pieces. For subword and zh-word LMs the tokens are
// joined with Sep and the LM's tokenizer runs over the text, so pieces (or
// words) may span tokens; the pieces are aligned to the tokens by their bytes.
// The forward state of a token is the one after its last piece, the backward
// state the one after its first piece (the backward LM reads pieces last to
// first); a piece holding only the space before a token counts as the
// token's first piece, so both states are those the LM reaches reading the
// text up to the token's end (forward) or from the sentence's end down to the
// token's start (backward). A Transformer reads sentences longer than its context in
// consecutive windows.
//
// An LMContext is not safe for concurrent use.
type LMContext struct {
	sides    []*lmSide // forward first
	opt      LMContextOptions
	dim      int
	name     string
	cache    map[string][]float32
	cacheMax int64
	cacheLen int64 // bytes in cache
	skipped  int64 // bytes of features computed but not cached (cap reached), counted each time
	rng      *rand.Rand
	tape     *nn.Tape // frozen computation
}

// lmSide is one language model of a context.
type lmSide struct {
	model    *lm.LM
	enc      *lm.Encoder
	backward bool
	joined   bool // tokenizer reads running text (subword, zh-word)
	zhWord   bool
}

// NewLMContext returns a context over a forward LM, a backward LM, or both
// (either may be nil, not both). The LMs are shared, not copied: with
// FineTune, training the tagger changes them.
func NewLMContext(forward, backward *lm.LM, o LMContextOptions) (*LMContext, error) {
	if forward == nil && backward == nil {
		return nil, fmt.Errorf("tagger: LM context needs a forward or a backward language model")
	}
	if forward != nil && forward.Cfg.Backward {
		return nil, fmt.Errorf("tagger: the forward language model reads text backward (trained with --backward)")
	}
	if backward != nil && !backward.Cfg.Backward {
		return nil, fmt.Errorf("tagger: the backward language model reads text forward (trained without --backward)")
	}
	c := &LMContext{opt: o, rng: rand.New(rand.NewSource(o.Seed))}
	var names []string
	for _, m := range []*lm.LM{forward, backward} {
		if m == nil {
			continue
		}
		s := &lmSide{model: m, enc: m.Encoder(), backward: m.Cfg.Backward}
		switch m.Cfg.Tokenizer {
		case lm.TokSubword:
			s.joined = true
		case lm.TokZhWord:
			s.joined, s.zhWord = true, true
		}
		c.sides = append(c.sides, s)
		c.dim += s.enc.Dim()
		dir := "fwd"
		if s.backward {
			dir = "bwd"
		}
		names = append(names, fmt.Sprintf("%s-%s-%s-%d", dir, m.Cfg.Arch, m.Cfg.Tokenizer, s.enc.Dim()))
	}
	c.name = "lm:" + strings.Join(names, "+")
	c.cacheMax = o.CacheBytes
	if c.cacheMax == 0 {
		c.cacheMax = DefaultCacheBytes
	}
	if !o.FineTune && c.cacheMax > 0 {
		c.cache = map[string][]float32{}
	}
	return c, nil
}

// Name identifies the context by the LMs' directions, architectures,
// tokenizers and widths, e.g. "lm:fwd-lstm-char-128+bwd-lstm-char-128".
func (c *LMContext) Name() string { return c.name }

// Dim is the sum of the LMs' top-layer widths.
func (c *LMContext) Dim() int { return c.dim }

// Options returns the context's options.
func (c *LMContext) Options() LMContextOptions { return c.opt }

// Forward returns the forward LM (nil if none).
func (c *LMContext) Forward() *lm.LM { return c.side(false) }

// Backward returns the backward LM (nil if none).
func (c *LMContext) Backward() *lm.LM { return c.side(true) }

func (c *LMContext) side(backward bool) *lm.LM {
	for _, s := range c.sides {
		if s.backward == backward {
			return s.model
		}
	}
	return nil
}

// ClearCache forgets the cached features.
func (c *LMContext) ClearCache() {
	if c.cache != nil {
		clear(c.cache)
	}
	c.cacheLen, c.skipped = 0, 0
}

// ParamGroups returns, when fine-tuning, the LMs' encoder parameters in
// layer groups bottom-up; the groups of the two LMs are merged from the top
// (their top layers form the top group, and so on down). Without FineTune it
// returns nil.
func (c *LMContext) ParamGroups() [][]*nn.Param {
	if !c.opt.FineTune {
		return nil
	}
	var per [][][]*nn.Param
	n := 0
	for _, s := range c.sides {
		g := s.enc.LayerGroups()
		per = append(per, g)
		n = max(n, len(g))
	}
	out := make([][]*nn.Param, n)
	for _, g := range per {
		off := n - len(g)
		for i, ps := range g {
			out[off+i] = append(out[off+i], ps...)
		}
	}
	return out
}

// Features returns the [len(batch), T, Dim] features of a batch. A frozen
// context returns constants (from its cache when it can); a fine-tuned one
// records the LMs on tp, so gradients reach them.
func (c *LMContext) Features(tp *nn.Tape, batch [][]string, T int) (*nn.Var, error) {
	for b, s := range batch {
		if len(s) > T {
			return nil, fmt.Errorf("tagger: LM context: sentence %d has %d tokens, more than T=%d", b, len(s), T)
		}
	}
	if T == 0 {
		return tp.Input(nil, len(batch), 0, c.dim), nil
	}
	if c.opt.FineTune {
		var rng *rand.Rand
		if tp.Training {
			rng = c.rng
		}
		return c.compute(tp, batch, T, rng), nil
	}
	D := c.dim
	out := make([]float32, len(batch)*T*D)
	var missing []int
	keys := make([]string, len(batch))
	for b, s := range batch {
		if c.cache != nil {
			keys[b] = cacheKey(s)
			if f, ok := c.cache[keys[b]]; ok {
				copy(out[b*T*D:], f)
				continue
			}
		}
		missing = append(missing, b)
	}
	Tm := 0
	for _, b := range missing {
		Tm = max(Tm, len(batch[b]))
	}
	if Tm > 0 {
		if c.tape == nil {
			c.tape = nn.NewTape(nil)
			c.tape.Training, c.tape.NoGrad = false, true
		}
		c.tape.Reset()
		sub := make([][]string, len(missing))
		for i, b := range missing {
			sub[i] = batch[b]
		}
		f := c.compute(c.tape, sub, Tm, nil).Data()
		for i, b := range missing {
			n := len(batch[b])
			row := f[i*Tm*D : (i*Tm+n)*D]
			copy(out[b*T*D:], row)
			if _, dup := c.cache[keys[b]]; c.cache != nil && !dup {
				if c.cacheLen+int64(4*len(row)) <= c.cacheMax {
					c.cache[keys[b]] = append([]float32(nil), row...)
					c.cacheLen += int64(4 * len(row))
				} else {
					c.skipped += int64(4 * len(row))
				}
			}
		}
		c.tape.Reset()
	}
	return tp.Input(out, len(batch), T, D), nil
}

// CacheUse reports the bytes of features held in the cache of a frozen
// context and the bytes of features computed that did not fit under its cap,
// counted each time they were computed (after every sentence has been read
// once, held+overflow is what a cache holding them all would take). Both are
// 0 for a fine-tuned context.
func (c *LMContext) CacheUse() (held, overflow int64) {
	return c.cacheLen, c.skipped
}

// cacheKey identifies a token sequence.
func cacheKey(toks []string) string {
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(strconv.Itoa(len(t)))
		b.WriteByte(':')
		b.WriteString(t)
	}
	return b.String()
}

// compute records every LM over the batch on tp and returns the features
// [len(batch), T, Dim] (zero past each sentence's end).
func (c *LMContext) compute(tp *nn.Tape, batch [][]string, T int, rng *rand.Rand) *nn.Var {
	parts := make([]*nn.Var, 0, len(c.sides))
	for _, s := range c.sides {
		parts = append(parts, s.features(tp, batch, T, c.opt.Sep, rng))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return tp.Concat(-1, parts...)
}

// features runs one LM over the batch and gathers each token's state:
// [len(batch), T, H].
func (s *lmSide) features(tp *nn.Tape, batch [][]string, T int, sep string, rng *rand.Rand) *nn.Var {
	// Rows of LM input: one per sentence, or per window of a Transformer's
	// context; pos[b][i] locates token i's state as (row, step).
	type loc struct{ row, step int }
	window := 0
	if s.model.Cfg.Arch == lm.ArchTransformer {
		window = s.model.Cfg.Context
	}
	var rows [][]int32
	pos := make([][]loc, len(batch))
	for b, toks := range batch {
		ids, first, last := s.align(toks, sep)
		// Reading order: </s>, then the pieces (reversed for a backward LM).
		seq := make([]int32, 0, len(ids)+1)
		seq = append(seq, vocab.EOSID)
		if s.backward {
			for k := len(ids) - 1; k >= 0; k-- {
				seq = append(seq, ids[k])
			}
		} else {
			seq = append(seq, ids...)
		}
		r0 := len(rows)
		if window > 0 && len(seq) > window {
			for lo := 0; lo < len(seq); lo += window {
				rows = append(rows, seq[lo:min(lo+window, len(seq))])
			}
		} else {
			rows = append(rows, seq)
		}
		pos[b] = make([]loc, len(toks))
		for i := range toks {
			// Step of piece k: k+1 forward, len(ids)-k backward.
			step := last[i] + 1
			if s.backward {
				step = len(ids) - first[i]
			}
			if window > 0 && len(seq) > window {
				pos[b][i] = loc{r0 + step/window, step % window}
			} else {
				pos[b][i] = loc{r0, step}
			}
		}
	}
	L := 0
	for _, r := range rows {
		L = max(L, len(r))
	}
	R := len(rows)
	ids := make([]int32, R*L) // padding: <pad>, after each row's end
	for r, row := range rows {
		copy(ids[r*L:], row)
	}
	outs := s.enc.Forward(tp, ids, R, L, rng)
	top := outs[len(outs)-1]
	H := s.enc.Dim()
	flat := tp.Reshape(top, R*L, H)
	gather := make([]int32, len(batch)*T)
	for i := range gather {
		gather[i] = -1
	}
	for b := range batch {
		for i, p := range pos[b] {
			gather[b*T+i] = int32(p.row*L + p.step)
		}
	}
	return tp.Embed(flat, gather, -1, len(batch), T)
}

// align maps a sentence's tokens to the LM's ids in text order and returns,
// per token, the indices of its first and last piece.
func (s *lmSide) align(toks []string, sep string) (ids []int32, first, last []int) {
	if s.joined {
		if ids, first, last, ok := s.alignJoined(toks, sep); ok {
			return ids, first, last
		}
	}
	first, last = make([]int, len(toks)), make([]int, len(toks))
	for i, t := range toks {
		first[i] = len(ids)
		ids = s.appendTextOrder(ids, t)
		if len(ids) == first[i] {
			ids = append(ids, vocab.UnkID)
		}
		last[i] = len(ids) - 1
	}
	return ids, first, last
}

// appendTextOrder appends the ids of text in text order (Encode returns a
// backward LM's ids reversed).
func (s *lmSide) appendTextOrder(dst []int32, text string) []int32 {
	e := s.enc.Encode(text)
	if s.backward {
		for k := len(e) - 1; k >= 0; k-- {
			dst = append(dst, e[k])
		}
		return dst
	}
	return append(dst, e...)
}

// alignJoined encodes the joined text and aligns pieces to tokens through
// their byte spans; ok is false when the pieces do not cover every token's
// first and last byte (the caller then encodes token by token).
func (s *lmSide) alignJoined(toks []string, sep string) (ids []int32, first, last []int, ok bool) {
	text := strings.Join(toks, sep)
	owner := make([]int32, len(text)) // piece covering each byte, or -1
	for i := range owner {
		owner[i] = -1
	}
	if s.zhWord {
		words := tokenize.Chinese{}.Tokenize(text)
		off := 0
		for _, w := range words {
			j := strings.Index(text[off:], w)
			if j < 0 || w == "" {
				return nil, nil, nil, false
			}
			start := off + j
			off = start + len(w)
			k0 := len(ids)
			ids = s.appendTextOrder(ids, w)
			if len(ids) == k0 {
				ids = append(ids, vocab.UnkID)
			}
			// The pieces of one word share its bytes: first piece owns
			// the first byte, last piece the rest.
			for p := start; p < off; p++ {
				owner[p] = int32(len(ids) - 1)
			}
			owner[start] = int32(k0)
		}
	} else {
		ids = s.appendTextOrder(nil, text)
		if s.model.Decode(ids) != text {
			return nil, nil, nil, false
		}
		end := 0
		for k := range ids {
			// The text of piece k: decoding it after piece 0 keeps its
			// leading space (only the first piece loses the dummy prefix).
			var n int
			if k == 0 {
				n = len(s.model.Decode(ids[:1]))
			} else {
				n = len(s.model.Decode([]int32{ids[0], ids[k]})) - len(s.model.Decode(ids[:1]))
			}
			for p := end; p < end+n && p < len(owner); p++ {
				owner[p] = int32(k)
			}
			end += n
		}
		if end != len(text) {
			return nil, nil, nil, false
		}
	}
	// A token's last piece covers its last byte. Its first piece covers its
	// first byte, or comes earlier: pieces between the previous token's
	// last piece and it (a separate space piece "▁", or the dummy prefix)
	// belong to it, as when the backward LM reads the text from the end to
	// the token's start.
	first, last = make([]int, len(toks)), make([]int, len(toks))
	off := 0
	for i, t := range toks {
		if i > 0 {
			off += len(sep)
		}
		if t == "" || owner[off] < 0 || owner[off+len(t)-1] < 0 {
			return nil, nil, nil, false
		}
		first[i], last[i] = int(owner[off]), int(owner[off+len(t)-1])
		if i == 0 {
			first[i] = 0
		} else {
			first[i] = min(first[i], last[i-1]+1)
		}
		off += len(t)
	}
	return ids, first, last, true
}
