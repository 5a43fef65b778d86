package subword

import (
	"unicode"
	"unicode/utf8"
)

// Character classes for pre-tokenisation; a chunk never mixes two classes
// except that a leading space joins whatever class follows it.
const (
	classNone = iota
	classSpace
	classHan
	classKana
	classHangul
	classLetter
	classDigit
	classWhite
	classOther
)

// bmpClass caches runeClass for the Basic Multilingual Plane.
var bmpClass = func() []uint8 {
	t := make([]uint8, 0x10000)
	for r := range t {
		t[r] = uint8(slowClass(rune(r), 1))
	}
	return t
}()

func runeClass(r rune, size int) int {
	if r < 0x10000 && size > 1 || r < utf8.RuneSelf {
		return int(bmpClass[r])
	}
	return slowClass(r, size)
}

func slowClass(r rune, size int) int {
	switch {
	case r == ' ':
		return classSpace
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return classLetter
		case r >= '0' && r <= '9':
			return classDigit
		case r == '\t', r == '\n', r == '\r', r == '\v', r == '\f':
			return classWhite
		}
		return classOther
	case r == utf8.RuneError && size == 1:
		return classOther
	case unicode.Is(unicode.Han, r):
		return classHan
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		return classKana
	case unicode.Is(unicode.Hangul, r):
		return classHangul
	case unicode.IsLetter(r), unicode.IsMark(r):
		return classLetter
	case unicode.IsDigit(r):
		return classDigit
	case unicode.IsSpace(r):
		return classWhite
	}
	return classOther
}

// chunks calls fn with the byte range of each chunk of s in order; the
// chunks cover s exactly. maxRunes bounds a chunk's length in characters.
func chunks(s string, maxRunes int, fn func(start, end int)) {
	start, n, class := 0, 0, classNone
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		c := runeClass(r, size)
		switch {
		case n == 0:
			class = c
		case c == classSpace || n >= maxRunes:
			fn(start, i)
			start, n, class = i, 0, c
		case class == classSpace && n == 1:
			class = c // "▁" + first character: take its class
		case c != class:
			fn(start, i)
			start, n, class = i, 0, c
		}
		n++
		i += size
	}
	if n > 0 {
		fn(start, len(s))
	}
}
