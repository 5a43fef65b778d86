package tokenize

import "unicode/utf8"

// Auto tokenizes mixed English and Chinese text: it splits the text into
// script spans (see Spans), sends runs of Han characters to the Chinese
// segmenter and everything else (Latin, digits, punctuation, other scripts) to
// the English rules. It equals Chinese with the same settings; it exists so
// that callers can say what they mean. The zero value is ready to use and safe
// for concurrent use.
type Auto struct {
	Chinese Chinese // Han runs (word or character mode, algorithm)
	Lower   bool    // lowercase the tokens of non-Han text
}

// Tokenize splits text into tokens.
func (a Auto) Tokenize(text string) []string { return a.Append(nil, text) }

// Append appends the tokens of text to dst and returns the extended slice.
func (a Auto) Append(dst []string, text string) []string {
	return appendMixed(dst, text, English{Lower: a.Lower}, a.Chinese)
}

// appendMixed tokenizes text span by span: each maximal run of Han characters
// goes to z, each maximal run of other non-space characters to en.
func appendMixed(dst []string, text string, en English, z Chinese) []string {
	start, han := -1, false // current run
	flush := func(end int) {
		if start < 0 {
			return
		}
		if han {
			dst = z.appendHan(dst, text[start:end])
		} else {
			dst = en.appendChunk(dst, text[start:end])
		}
		start = -1
	}
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if isSpace(r, size) {
			flush(i)
			i += size
			continue
		}
		h := r >= utf8.RuneSelf && ScriptOf(r) == ScriptHan
		if start >= 0 && h != han {
			flush(i)
		}
		if start < 0 {
			start, han = i, h
		}
		i += size
	}
	flush(len(text))
	return dst
}
