package langid

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"

	"github.com/mulan-nlp/mulan/modelfile"
)

// Kind and Version identify a profile in its modelfile container.
const (
	Kind    = "langid-profile"
	Version = 1
)

// langModel is the profile of one language: its n-gram counts (kept for
// writing), the compiled model and the calibration buckets.
type langModel struct {
	lang    Lang
	counts  *counts
	m       *model
	q       float64
	buckets []bucket
}

// forSymbols calls f with the model symbols of text.
func (lm *langModel) forSymbols(text string, f func(rune)) {
	if lm.lang == Chinese {
		forSymbols(text, hanSymbol, f)
		return
	}
	forLatinSymbols(text, f)
}

// crossEntropy scores text with the model: bits per event and number of
// (non-boundary) symbols.
func (lm *langModel) crossEntropy(text string) (float64, int) {
	var s scorer
	s.reset(lm.m)
	lm.forSymbols(text, s.push)
	return s.end()
}

// Identifier holds the English and Chinese profiles. It is safe for
// concurrent use once built.
type Identifier struct {
	en, zh *langModel
}

// Trainer accumulates character n-gram counts for a new profile.
type Trainer struct {
	en, zh *counts
	buf    []rune
}

// TrainOptions sets the model orders.
type TrainOptions struct {
	EnOrder, ZhOrder int // n-gram order (English 1-5, Chinese 1-3); 0 means 3 for English, 2 for Chinese
}

// NewTrainer returns an empty trainer with the given orders.
func NewTrainer(opt TrainOptions) *Trainer {
	if opt.EnOrder <= 0 || opt.EnOrder > maxOrderFor(latinBits) {
		opt.EnOrder = 3
	}
	if opt.ZhOrder <= 0 || opt.ZhOrder > maxOrderFor(hanBits) {
		opt.ZhOrder = 2
	}
	return &Trainer{en: newCounts(opt.EnOrder, latinBits), zh: newCounts(opt.ZhOrder, hanBits)}
}

// Add counts one line of training text in language lang (English or Chinese).
func (t *Trainer) Add(lang Lang, text string) error {
	var c *counts
	each := forLatinSymbols
	switch lang {
	case English:
		c = t.en
	case Chinese:
		c = t.zh
		each = func(text string, f func(rune)) { forSymbols(text, hanSymbol, f) }
	default:
		return fmt.Errorf("langid: cannot train language %q", lang)
	}
	s := append(t.buf[:0], boundary)
	each(text, func(r rune) {
		if r == boundary && s[len(s)-1] == boundary {
			return
		}
		s = append(s, r)
	})
	if s[len(s)-1] != boundary {
		s = append(s, boundary)
	}
	c.addStream(s)
	t.buf = s
	return nil
}

// Identifier prunes the counts (minimum counts per order, index n-1) and
// compiles the models. The result has no calibration yet: call Calibrate for
// both languages before using it.
func (t *Trainer) Identifier(enMin, zhMin []uint64) (*Identifier, error) {
	for _, x := range []struct {
		c   *counts
		min []uint64
	}{{t.en, enMin}, {t.zh, zhMin}} {
		if len(x.min) < x.c.order {
			return nil, fmt.Errorf("langid: need %d minimum counts, got %d", x.c.order, len(x.min))
		}
		if len(x.c.grams[0]) == 0 {
			return nil, errors.New("langid: no training text for a language")
		}
		x.c.finish(x.min)
	}
	return &Identifier{
		en: &langModel{lang: English, counts: t.en, m: t.en.compile()},
		zh: &langModel{lang: Chinese, counts: t.zh, m: t.zh.compile()},
	}, nil
}

// CalibrationEdges are the lower ends of the length buckets (in letters for
// English, Han characters for Chinese) in which thresholds are calibrated.
var CalibrationEdges = []int{0, 12, 20, 30, 45, 70, 110, 180, 300}

// Calibrate sets the acceptance thresholds of lang from held-out lines of
// that language: per length bucket, the q-quantile of their cross-entropies.
// Lines shorter than the minimum length for the language are ignored. It
// returns the number of lines used.
func (id *Identifier) Calibrate(lang Lang, lines []string, q float64) (int, error) {
	lm := id.model(lang)
	if lm == nil {
		return 0, fmt.Errorf("langid: cannot calibrate language %q", lang)
	}
	var ns []int
	var hs []float64
	for _, l := range lines {
		h, n := lm.crossEntropy(l)
		ns = append(ns, n)
		hs = append(hs, h)
	}
	return id.CalibrateScores(lang, ns, hs, q)
}

// CalibrateScores is Calibrate on precomputed cross-entropies hs of lines
// with ns characters (from CrossEntropy, possibly of another identifier, such
// as one trained without the lines' source).
func (id *Identifier) CalibrateScores(lang Lang, ns []int, hs []float64, q float64) (int, error) {
	lm := id.model(lang)
	if lm == nil {
		return 0, fmt.Errorf("langid: cannot calibrate language %q", lang)
	}
	if !(q > 0 && q < 1) {
		return 0, fmt.Errorf("langid: quantile %v not in (0, 1)", q)
	}
	minLen := MinLatinLetters
	if lang == Chinese {
		minLen = MinHanChars
	}
	var kn []int
	var kh []float64
	for i, n := range ns {
		if n >= minLen {
			kn = append(kn, n)
			kh = append(kh, hs[i])
		}
	}
	ns, hs = kn, kh
	if len(ns) == 0 {
		return 0, fmt.Errorf("langid: no calibration lines for %s", lang)
	}
	lm.q = q
	// at least five expected exceedances per bucket, at least 200 lines
	minLines := max(200, int(math.Ceil(5/(1-q))))
	lm.buckets = calibrate(ns, hs, CalibrationEdges, q, minLines)
	return len(ns), nil
}

func (id *Identifier) model(lang Lang) *langModel {
	switch lang {
	case English:
		return id.en
	case Chinese:
		return id.zh
	}
	return nil
}

// CrossEntropy returns the cross-entropy (bits per character event) of text
// under the model of lang, and the number of characters scored (letters for
// English, Han characters for Chinese). It is the statistic the thresholds
// are calibrated on.
func (id *Identifier) CrossEntropy(lang Lang, text string) (float64, int) {
	lm := id.model(lang)
	if lm == nil {
		return 0, 0
	}
	return lm.crossEntropy(text)
}

// Bucket is one length range of a language's calibration.
type Bucket struct {
	MinLen    int     // lines with at least this many characters (up to the next bucket)
	Threshold float64 // accept when the cross-entropy is at most this (bits/char)
	Spread    float64 // standard deviation of held-out cross-entropies in the bucket
}

// Calibration returns the quantile and buckets of lang.
func (id *Identifier) Calibration(lang Lang) (float64, []Bucket) {
	lm := id.model(lang)
	if lm == nil {
		return 0, nil
	}
	out := make([]Bucket, len(lm.buckets))
	for i, b := range lm.buckets {
		out[i] = Bucket(b)
	}
	return lm.q, out
}

// Sizes returns the number of stored n-grams of each order for lang.
func (id *Identifier) Sizes(lang Lang) []int {
	lm := id.model(lang)
	if lm == nil {
		return nil
	}
	var out []int
	for _, g := range lm.counts.grams {
		out = append(out, len(g))
	}
	return out
}

// WriteTo writes the profile as a modelfile container (kind langid-profile).
func (id *Identifier) WriteTo(w io.Writer) (int64, error) {
	if id.en.buckets == nil || id.zh.buckets == nil {
		return 0, errors.New("langid: profile is not calibrated")
	}
	var p []byte
	p = binary.AppendUvarint(p, 2)
	for _, lm := range []*langModel{id.en, id.zh} {
		c := lm.counts
		p = binary.AppendUvarint(p, uint64(len(lm.lang)))
		p = append(p, lm.lang...)
		p = binary.AppendUvarint(p, uint64(c.order))
		p = binary.AppendUvarint(p, c.total)
		p = binary.AppendUvarint(p, c.types)
		for n := 0; n < c.order; n++ {
			keys := sortedKeys(c.grams[n])
			p = binary.AppendUvarint(p, uint64(len(keys)))
			var prev uint64
			for _, k := range keys {
				p = binary.AppendUvarint(p, k-prev)
				p = binary.AppendUvarint(p, c.grams[n][k])
				prev = k
			}
		}
		for n := 0; n < c.order-1; n++ {
			keys := sortedKeys(c.hists[n])
			p = binary.AppendUvarint(p, uint64(len(keys)))
			var prev uint64
			for _, k := range keys {
				st := c.hists[n][k]
				p = binary.AppendUvarint(p, k-prev)
				p = binary.AppendUvarint(p, st.C)
				p = binary.AppendUvarint(p, st.T)
				prev = k
			}
		}
		p = binary.LittleEndian.AppendUint64(p, math.Float64bits(lm.q))
		p = binary.AppendUvarint(p, uint64(len(lm.buckets)))
		for _, b := range lm.buckets {
			p = binary.AppendUvarint(p, uint64(b.MinLen))
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(b.Threshold))
			p = binary.LittleEndian.AppendUint64(p, math.Float64bits(b.Spread))
		}
	}
	var buf bytes.Buffer
	if err := modelfile.Encode(&buf, modelfile.Header{Kind: Kind, Version: Version}, p); err != nil {
		return 0, err
	}
	return buf.WriteTo(w)
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// reader decodes the payload, remembering the first error.
type reader struct {
	p   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.err = errors.New("truncated or bad varint")
		return 0
	}
	r.p = r.p[n:]
	return v
}

func (r *reader) float() float64 {
	if r.err != nil {
		return 0
	}
	if len(r.p) < 8 {
		r.err = errors.New("truncated float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.p))
	r.p = r.p[8:]
	return v
}

// count reads a length prefix and checks it against the bytes left (every
// element takes at least min bytes), so corrupt input cannot make us
// allocate wildly.
func (r *reader) count(min int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.p)/min) {
		r.err = fmt.Errorf("count %d exceeds the data left", n)
		return 0
	}
	return int(n)
}

// Load decodes a profile from data (a modelfile container); name is used in
// error messages.
func Load(name string, data []byte) (*Identifier, error) {
	h, p, err := modelfile.Decode(name, data)
	if err != nil {
		return nil, err
	}
	if err := h.Expect(name, Kind, Version); err != nil {
		return nil, err
	}
	r := &reader{p: p}
	if nm := r.uvarint(); r.err == nil && nm != 2 {
		return nil, fmt.Errorf("%s: profile holds %d languages, want 2", name, nm)
	}
	id := &Identifier{}
	for i := 0; i < 2 && r.err == nil; i++ {
		ln := r.count(1)
		if r.err != nil {
			break
		}
		lang := Lang(r.p[:ln])
		r.p = r.p[ln:]
		bits := uint(latinBits)
		if lang == Chinese {
			bits = hanBits
		}
		order := int(r.uvarint())
		if r.err == nil && (order < 1 || order > maxOrderFor(bits)) {
			return nil, fmt.Errorf("%s: %s model order %d not in 1..%d", name, lang, order, maxOrderFor(bits))
		}
		c := newCounts(order, bits)
		c.total, c.types = r.uvarint(), r.uvarint()
		for n := 0; n < order; n++ {
			k := r.count(2)
			var key uint64
			for j := 0; j < k && r.err == nil; j++ {
				key += r.uvarint()
				c.grams[n][key] = r.uvarint()
			}
		}
		for n := 0; n < order-1; n++ {
			k := r.count(3)
			var key uint64
			for j := 0; j < k && r.err == nil; j++ {
				key += r.uvarint()
				c.hists[n][key] = histStat{C: r.uvarint(), T: r.uvarint()}
			}
		}
		lm := &langModel{lang: lang, counts: c, q: r.float()}
		nb := r.count(17)
		for j := 0; j < nb && r.err == nil; j++ {
			lm.buckets = append(lm.buckets, bucket{MinLen: int(r.uvarint()), Threshold: r.float(), Spread: r.float()})
		}
		if r.err != nil {
			break
		}
		if len(lm.buckets) == 0 || c.types == 0 {
			return nil, fmt.Errorf("%s: %s profile is empty or uncalibrated: %w", name, lang, modelfile.ErrCorrupt)
		}
		lm.m = c.compile()
		switch lang {
		case English:
			id.en = lm
		case Chinese:
			id.zh = lm
		default:
			return nil, fmt.Errorf("%s: unknown language %q in profile", name, lang)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("%s: bad profile payload: %v: %w", name, r.err, modelfile.ErrCorrupt)
	}
	if id.en == nil || id.zh == nil {
		return nil, fmt.Errorf("%s: profile lacks English or Chinese", name)
	}
	return id, nil
}

// LoadFile reads a profile written by WriteTo.
func LoadFile(path string) (*Identifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Load(path, data)
}

//go:embed profile.bin
var embedded []byte

var (
	defaultOnce sync.Once
	defaultID   *Identifier
	defaultErr  error
)

// Default returns the identifier built from the embedded profile (derived
// from the shared English and Chinese corpora by internal/gen).
func Default() (*Identifier, error) {
	defaultOnce.Do(func() { defaultID, defaultErr = Load("langid/profile.bin", embedded) })
	return defaultID, defaultErr
}
