package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// Script is the coarse writing-system class used to route text to a
// pre-tokenizer.
type Script uint8

// Scripts distinguished by Spans.
const (
	ScriptOther Script = iota // punctuation, symbols, other scripts, invalid bytes
	ScriptHan                 // Han ideographs (Unicode script Han, including 〇)
	ScriptLatin               // Latin letters, ASCII and accented
	ScriptDigit               // decimal digits (Unicode Nd, including full-width)
)

var scriptNames = [...]string{"Other", "Han", "Latin", "Digit"}

func (s Script) String() string {
	if int(s) < len(scriptNames) {
		return scriptNames[s]
	}
	return "Script(?)"
}

// ScriptOf classifies one rune. Combining marks are ScriptOther here; Spans
// attaches them to the span they follow.
func ScriptOf(r rune) Script {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return ScriptLatin
		case '0' <= r && r <= '9':
			return ScriptDigit
		}
		return ScriptOther
	}
	switch {
	case unicode.Is(unicode.Han, r):
		return ScriptHan
	case unicode.Is(unicode.Latin, r):
		return ScriptLatin
	case unicode.IsDigit(r):
		return ScriptDigit
	}
	return ScriptOther
}

// Span is a maximal run of one script in a text: text[Start:End] (byte
// offsets). Spans never contain whitespace.
type Span struct {
	Script     Script
	Start, End int
}

// Spans splits text into maximal single-script runs, dropping whitespace
// (which always ends a span). Combining marks join the span before them.
// Concatenating the spans gives text with its whitespace removed.
func Spans(text string) []Span { return AppendSpans(nil, text) }

// AppendSpans appends the spans of text to dst and returns the extended slice.
func AppendSpans(dst []Span, text string) []Span {
	cur := Span{Start: -1}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if isSpace(r, size) {
			if cur.Start >= 0 {
				dst = append(dst, cur)
				cur.Start = -1
			}
			i += size
			continue
		}
		sc := ScriptOf(r)
		if cur.Start >= 0 && sc != cur.Script && !(r >= utf8.RuneSelf && unicode.IsMark(r)) {
			dst = append(dst, cur)
			cur.Start = -1
		}
		if cur.Start < 0 {
			cur = Span{Script: sc, Start: i}
		}
		i += size
		cur.End = i
	}
	if cur.Start >= 0 {
		dst = append(dst, cur)
	}
	return dst
}

// isSpace reports whether the rune r (decoded with width size) is whitespace.
// An invalid byte (RuneError of width 1) is not.
func isSpace(r rune, size int) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&cSpace != 0
	}
	return size > 1 && unicode.IsSpace(r)
}
