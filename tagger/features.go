package tagger

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/tokenize"
)

// Reserved ids of every token vocabulary.
const (
	padID = 0
	unkID = 1
)

// Capitalisation patterns (ids of the caps embedding; 0 is padding).
const (
	capsNone  = 1 + iota // no letters (numbers, punctuation)
	capsLower            // all letters lowercase
	capsUpper            // all letters uppercase
	capsTitle            // first letter uppercase, the others lowercase
	capsMixed            // anything else (iPhone, McDonald)
	numCaps
)

// Word positions from gse's segmentation (ids of the seg embedding).
const (
	segB = 1 + iota
	segM
	segE
	segS
	numSeg
)

// capsPattern classifies a word's capitalisation.
func capsPattern(w string) int32 {
	letters, upper, firstUpper := 0, 0, false
	for _, r := range w {
		if !unicode.IsLetter(r) {
			continue
		}
		isUp := unicode.IsUpper(r)
		if letters == 0 {
			firstUpper = isUp
		}
		letters++
		if isUp {
			upper++
		}
	}
	switch {
	case letters == 0:
		return capsNone
	case upper == 0:
		return capsLower
	case upper == letters:
		return capsUpper
	case firstUpper && upper == 1:
		return capsTitle
	}
	return capsMixed
}

// normWord is the form a token is looked up by: lowercased for English, with
// every decimal digit mapped to '0' (so numbers share vectors).
func normWord(w string, lower bool) string {
	need := false
	for _, r := range w {
		if unicode.IsDigit(r) && r != '0' || lower && unicode.ToLower(r) != r {
			need = true
			break
		}
	}
	if !need {
		return w
	}
	var sb strings.Builder
	sb.Grow(len(w))
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			sb.WriteByte('0')
		case lower:
			sb.WriteRune(unicode.ToLower(r))
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// bigramKey is the bigram a Chinese token starts: the token and its
// successor ("</s>" at the end), both normalised.
func bigramKey(toks []string, i int) string {
	next := "</s>"
	if i+1 < len(toks) {
		next = normWord(toks[i+1], true)
	}
	return normWord(toks[i], true) + "\x00" + next
}

// segFeatures gives each token its position in the gse word containing its
// first character (B, M, E or S), computed on the concatenated sentence.
// Tokens that gse's words do not align with get the position of their span
// against word boundaries (start and end both on boundaries: S, and so on).
func segFeatures(dst []int32, toks []string) []int32 {
	dst = dst[:0]
	var sb strings.Builder
	for _, t := range toks {
		sb.WriteString(t)
	}
	text := sb.String()
	// word boundaries as rune offsets
	n := utf8.RuneCountInString(text)
	start := make([]bool, n+1)
	end := make([]bool, n+1) // end[i]: a word ends right before rune i
	start[0], end[n] = true, true
	words := tokenize.Chinese{}.Tokenize(text)
	pos, ok := 0, true
	for _, w := range words {
		k := utf8.RuneCountInString(w)
		if pos+k > n {
			ok = false
			break
		}
		start[pos], end[pos+k] = true, true
		pos += k
	}
	if !ok || pos != n { // tokenizer did not cover the text: every token its own word
		for i := range start {
			start[i], end[i] = true, true
		}
	}
	pos = 0
	for _, t := range toks {
		k := utf8.RuneCountInString(t)
		s, e := start[pos], end[pos+k]
		var id int32
		switch {
		case s && e:
			id = segS
		case s:
			id = segB
		case e:
			id = segE
		default:
			id = segM
		}
		dst = append(dst, id)
		pos += k
	}
	return dst
}

// index is a string vocabulary with padding (0) and unknown (1) entries.
type index struct {
	list []string
	ids  map[string]int32
}

func newIndex() *index {
	return &index{list: []string{"<pad>", "<unk>"}, ids: map[string]int32{}}
}

func indexFrom(list []string) *index {
	x := &index{list: list, ids: make(map[string]int32, len(list))}
	for i, s := range list {
		if i >= 2 {
			x.ids[s] = int32(i)
		}
	}
	return x
}

func (x *index) add(s string) int32 {
	if id, ok := x.ids[s]; ok {
		return id
	}
	id := int32(len(x.list))
	x.list = append(x.list, s)
	x.ids[s] = id
	return id
}

func (x *index) id(s string) int32 {
	if id, ok := x.ids[s]; ok {
		return id
	}
	return unkID
}

func (x *index) size() int { return len(x.list) }
