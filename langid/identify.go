package langid

import (
	"math"
	"unicode/utf8"
)

// Lang is a language code (BCP 47 style).
type Lang string

// The answers of the identifier.
const (
	English Lang = "en"
	Chinese Lang = "zh"
	Unknown Lang = "und" // another language or script, or too little text to judge
)

// Decision constants.
const (
	// MinLatinLetters is the fewest Latin letters a text (or Latin run) needs
	// to be judged; shorter Latin runs take the language of their neighbours
	// in Segments and are und on their own.
	MinLatinLetters = 6
	// MinLatinWords is the fewest words a Latin run needs to be judged: a
	// single word (a product name inside Chinese text, a lone "Wonderful")
	// says too little.
	MinLatinWords = 2
	// MinHanChars is the fewest Han characters a text (or Han run) needs.
	MinHanChars = 2
	// HanWeight is how many Latin letters one Han character counts for when
	// Detect weighs the languages of a mixed text (a Chinese word averages
	// about 1.5 characters, an English word about 5.5 letters with its space).
	HanWeight = 3
	// KanaShare is the share of kana among the letters of a CJK run from
	// which the run is taken for Japanese (und), given at least 2 kana.
	KanaShare = 0.1
	// steepness of the confidence logistic, per held-out standard deviation.
	steepness = 2.0
)

// Result is the language of a whole text with a confidence in [0, 1].
type Result struct {
	Lang       Lang
	Confidence float64
}

// Segment is a run of text in one language: Text is text[Start:End] of the
// input. The segments of a text are contiguous and cover it exactly.
type Segment struct {
	Lang       Lang
	Start, End int
	Text       string
	Confidence float64
}

// block is a run of one letter group with its neighbouring neutral text.
type block struct {
	g                     group
	start, end            int
	lat, han, kana, other int
	words                 int // Latin words (letter runs)
	lang                  Lang
	conf                  float64
	short                 bool
}

func (b *block) weight() float64 {
	return float64(b.lat + HanWeight*b.han + b.kana + b.other)
}

// blocks splits text into letter-group blocks covering it exactly. Neutral
// text between two blocks of different groups goes to the first, up to and
// including its last whitespace, the rest to the second; without whitespace
// all of it goes to the first. Text without letters is one block of gNone.
func blocks(dst []block, text string) []block {
	dst = dst[:0]
	cur := -1           // index of the open block
	lastSpaceEnd := -1  // byte offset just after the last whitespace seen
	prevLetter := false // whether the previous rune was a letter or mark
	atTokenStart := true
	for i := 0; i < len(text); {
		if atTokenStart {
			if n := urlLen(text, i); n > 0 {
				i += n
				prevLetter = false
				atTokenStart = false
				continue
			}
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		c := classOf(r)
		atTokenStart = c == cSpace
		switch g := c.group(); {
		case g != gNone:
			if cur >= 0 && dst[cur].g == g {
				dst[cur].end = i + size
				if !prevLetter {
					dst[cur].words++
				}
			} else {
				split := i
				if cur >= 0 {
					if lastSpaceEnd > dst[cur].end {
						split = lastSpaceEnd
					}
					dst[cur].end = split
				}
				dst = append(dst, block{g: g, start: split, end: i + size, words: 1})
				cur = len(dst) - 1
			}
			b := &dst[cur]
			switch c {
			case cLatin:
				b.lat++
			case cHan:
				b.han++
			case cKana:
				b.kana++
			default:
				b.other++
			}
			prevLetter = true
		case c == cMark && prevLetter:
			dst[cur].end = i + size
		case c == cSpace:
			lastSpaceEnd = i + size
			prevLetter = false
		default:
			prevLetter = false
		}
		i += size
	}
	if len(dst) == 0 {
		if len(text) > 0 {
			dst = append(dst, block{g: gNone, end: len(text)})
		}
		return dst
	}
	dst[0].start = 0
	dst[len(dst)-1].end = len(text)
	return dst
}

// sigmoid is the logistic function.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// judge scores one block with its language model.
func (id *Identifier) judge(b *block, text string) {
	t := text[b.start:b.end]
	switch b.g {
	case gNone:
		b.lang, b.conf = Unknown, 1
	case gOther:
		b.lang, b.conf = Unknown, 1
	case gLatin:
		if b.lat < MinLatinLetters || b.words < MinLatinWords {
			b.short = true
			return
		}
		var n int
		b.lang, b.conf, n = id.en.decide(t, false)
		b.short = n < MinLatinLetters // names only, or too few letters

	case gCJK:
		letters := b.han + b.kana
		share := float64(b.kana) / float64(letters)
		switch {
		case b.kana >= 2 && share >= KanaShare, b.kana > 0 && b.han == 0:
			b.lang, b.conf = Unknown, math.Min(1, 0.5+share)
		case b.han < MinHanChars:
			b.short = true
		default:
			b.lang, b.conf, _ = id.zh.decide(t, true)
		}
	}
}

// decide compares the cross-entropy of t with the calibrated threshold.
// With alwaysAccept (Chinese) the language is kept above the threshold too,
// with a confidence below 0.5.
// It also returns the number of symbols scored.
func (lm *langModel) decide(t string, alwaysAccept bool) (Lang, float64, int) {
	h, n := lm.crossEntropy(t)
	b := findBucket(lm.buckets, n)
	z := steepness * (b.Threshold - h) / math.Max(b.Spread, 1e-3)
	if h <= b.Threshold || alwaysAccept {
		return lm.lang, sigmoid(z), n
	}
	return Unknown, sigmoid(-z), n
}

// resolve labels the blocks and merges short ones into their neighbours and
// equal neighbours into one; it returns the resolved blocks (reusing bs).
func (id *Identifier) resolve(bs []block, text string) []block {
	for i := range bs {
		id.judge(&bs[i], text)
	}
	out := bs[:0]
	pending := -1 // start of short blocks before the first judged one
	for i := range bs {
		b := bs[i]
		if b.short {
			if len(out) == 0 {
				if pending < 0 {
					pending = b.start
				}
				continue
			}
			last := &out[len(out)-1]
			last.end = b.end
			last.lat += b.lat
			last.han += b.han
			last.kana += b.kana
			last.other += b.other
			continue
		}
		if pending >= 0 {
			// absorb the short blocks before it (their letters are few;
			// weights count only the judged block's letters plus theirs)
			for j := 0; j < i; j++ {
				b.lat += bs[j].lat
				b.han += bs[j].han
				b.kana += bs[j].kana
				b.other += bs[j].other
			}
			b.start = pending
			pending = -1
		}
		if len(out) > 0 && out[len(out)-1].lang == b.lang {
			last := &out[len(out)-1]
			w1, w2 := last.weight(), b.weight()
			if w1+w2 > 0 {
				last.conf = (last.conf*w1 + b.conf*w2) / (w1 + w2)
			}
			last.end = b.end
			last.lat += b.lat
			last.han += b.han
			last.kana += b.kana
			last.other += b.other
			continue
		}
		out = append(out, b)
	}
	if pending >= 0 { // only short blocks: too little to judge
		b := block{g: gNone, start: 0, end: len(text), lang: Unknown, conf: 1}
		for j := range bs {
			b.lat += bs[j].lat
			b.han += bs[j].han
			b.kana += bs[j].kana
			b.other += bs[j].other
		}
		out = append(out[:0], b)
	}
	return out
}

// Segments splits text into runs of one language (en, zh or und) that cover
// it exactly, in order. Whitespace and punctuation between runs go with the
// run before them up to the last whitespace; Latin or Han runs too short to
// judge on their own (MinLatinLetters, MinHanChars) join the run before them
// (or after, at the start). Empty text has no segments.
func (id *Identifier) Segments(text string) []Segment {
	return id.AppendSegments(nil, text)
}

// AppendSegments appends the segments of text to dst.
func (id *Identifier) AppendSegments(dst []Segment, text string) []Segment {
	var buf [8]block
	bs := id.resolve(blocks(buf[:0], text), text)
	for _, b := range bs {
		dst = append(dst, Segment{Lang: b.lang, Start: b.start, End: b.end, Text: text[b.start:b.end], Confidence: b.conf})
	}
	return dst
}

// Detect returns the language of text as a whole: the language whose
// segments hold the most letters (Han characters weighted HanWeight), with
// the weighted mean confidence of those segments times their share of the
// letters. Text without letters, or too short to judge, is und.
func (id *Identifier) Detect(text string) Result {
	var buf [8]block
	bs := id.resolve(blocks(buf[:0], text), text)
	var w, cw [3]float64
	var total float64
	for i := range bs {
		k := langIndex(bs[i].lang)
		x := bs[i].weight()
		w[k] += x
		cw[k] += x * bs[i].conf
		total += x
	}
	if total == 0 {
		if len(bs) == 1 {
			return Result{Unknown, bs[0].conf}
		}
		return Result{Unknown, 1}
	}
	best := 0
	for k := 1; k < 3; k++ {
		if w[k] > w[best] {
			best = k
		}
	}
	return Result{langs[best], cw[best] / total}
}

var langs = [3]Lang{English, Chinese, Unknown}

func langIndex(l Lang) int {
	switch l {
	case English:
		return 0
	case Chinese:
		return 1
	}
	return 2
}

// Detect identifies text with the default (embedded) profile; on a broken
// embedded profile it answers und with confidence 0.
func Detect(text string) Result {
	id, err := Default()
	if err != nil {
		return Result{Unknown, 0}
	}
	return id.Detect(text)
}

// Segments splits text with the default (embedded) profile; on a broken
// embedded profile it returns one und segment covering text.
func Segments(text string) []Segment {
	id, err := Default()
	if err != nil {
		if text == "" {
			return nil
		}
		return []Segment{{Lang: Unknown, End: len(text), Text: text}}
	}
	return id.Segments(text)
}
