package langid

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/tokenize"
)

// class is the coarse class of one rune for segmentation.
type class uint8

const (
	cNeutral class = iota // space, punctuation, digits, symbols, invalid bytes, URL/e-mail tokens
	cLatin                // Latin letters
	cHan                  // Han ideographs
	cKana                 // Hiragana and Katakana
	cOther                // letters of any other script
	cMark                 // combining marks: join the letter before them
	cSpace                // whitespace (neutral, but a preferred split point)
)

// group is the letter group a block is made of.
type group uint8

const (
	gNone group = iota
	gLatin
	gCJK // Han and kana
	gOther
)

func (c class) group() group {
	switch c {
	case cLatin:
		return gLatin
	case cHan, cKana:
		return gCJK
	case cOther:
		return gOther
	}
	return gNone
}

// classOf classes one rune. Latin, Han and digits come from tokenize.ScriptOf.
func classOf(r rune) class {
	switch tokenize.ScriptOf(r) {
	case tokenize.ScriptLatin:
		return cLatin
	case tokenize.ScriptHan:
		return cHan
	case tokenize.ScriptDigit:
		return cNeutral
	}
	if r < utf8.RuneSelf {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' {
			return cSpace
		}
		return cNeutral
	}
	switch {
	case unicode.IsSpace(r):
		return cSpace
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		if unicode.IsLetter(r) {
			return cKana
		}
		return cNeutral // ・ and other Katakana-block punctuation
	case unicode.IsLetter(r):
		return cOther
	case unicode.IsMark(r):
		return cMark
	}
	return cNeutral
}

// urlLen returns the byte length of the whitespace-delimited token starting
// at text[i] when it looks like a URL or an e-mail address, else 0.
func urlLen(text string, i int) int {
	j := i
	for j < len(text) {
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsSpace(r) {
			break
		}
		j += size
	}
	tok := text[i:j]
	switch {
	case strings.Contains(tok, "://"), strings.HasPrefix(tok, "www."), strings.HasPrefix(tok, "WWW."):
		return len(tok)
	}
	if at := strings.IndexByte(tok, '@'); at > 0 && strings.IndexByte(tok[at+1:], '.') > 0 {
		return len(tok)
	}
	return 0
}

// latinSymbol maps a rune of a Latin block to its model symbol: lowercased
// letters and combining marks are symbols, everything else a boundary.
func latinSymbol(c class, r rune) rune {
	switch c {
	case cLatin:
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r >= utf8.RuneSelf {
			return min(unicode.ToLower(r), latinRare)
		}
		return r
	case cMark:
		return min(r, latinRare)
	}
	return boundary
}

// nameSym stands for a capitalised word (a likely proper name) in the Latin
// stream: names come from every language, so their spelling says little
// about the language of the text around them.
const nameSym rune = 1

// forLatinSymbols calls f with the Latin model symbols of text: lowercased
// letters and marks, a boundary for anything else (URL and e-mail tokens
// included), and nameSym for a whole word that starts with an upper-case
// letter followed by a lower-case one, unless it starts the text or a
// sentence (after . ! ? or a colon).
func forLatinSymbols(text string, f func(rune)) {
	atTokenStart, sentenceStart := true, true
	for i := 0; i < len(text); {
		if atTokenStart {
			if n := urlLen(text, i); n > 0 {
				f(boundary)
				i += n
				atTokenStart = false
				continue
			}
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		c := classOf(r)
		if c == cLatin {
			if !sentenceStart && unicode.IsUpper(r) {
				if j, ok := capitalised(text, i+size); ok {
					f(nameSym)
					i = j
					atTokenStart = false
					continue
				}
			}
			sentenceStart = false
		} else if c != cMark && c != cSpace {
			switch r {
			case '.', '!', '?', ':', '。', '！', '？', '：':
				sentenceStart = true
			}
		}
		atTokenStart = c == cSpace
		f(latinSymbol(c, r))
		i += size
	}
}

// capitalised reports whether the word whose first (upper-case) letter ends
// at text[i] continues with a lower-case letter, and returns the end of the
// word's letters.
func capitalised(text string, i int) (int, bool) {
	r, size := utf8.DecodeRuneInString(text[i:])
	if i >= len(text) || !unicode.IsLower(r) {
		return i, false
	}
	for i < len(text) {
		r, size = utf8.DecodeRuneInString(text[i:])
		if c := classOf(r); c != cLatin && c != cMark {
			break
		}
		i += size
	}
	return i, true
}

// hanSymbol maps a rune of a CJK block to its model symbol: Han ideographs
// are symbols, everything else (kana included) a boundary.
func hanSymbol(c class, r rune) rune {
	if c == cHan {
		return r
	}
	return boundary
}

// forSymbols calls f with the model symbol of every rune of text, as the
// given mapping sees it; URL and e-mail tokens are one boundary.
func forSymbols(text string, sym func(class, rune) rune, f func(rune)) {
	atTokenStart := true
	for i := 0; i < len(text); {
		if atTokenStart {
			if n := urlLen(text, i); n > 0 {
				f(boundary)
				i += n
				continue
			}
		}
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		c := classOf(r)
		atTokenStart = c == cSpace
		f(sym(c, r))
		i += size
	}
}
