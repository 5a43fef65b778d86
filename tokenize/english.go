package tokenize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ASCII character classes for the scanners' fast path.
const (
	cSpace uint8 = 1 << iota
	cAlpha
	cDigit
	cEmail // allowed in the local part of an e-mail address
)

var asciiClass [utf8.RuneSelf]uint8

func init() {
	for _, c := range "\t\n\v\f\r " {
		asciiClass[c] |= cSpace
	}
	for c := 'a'; c <= 'z'; c++ {
		asciiClass[c] |= cAlpha | cEmail
		asciiClass[c-'a'+'A'] |= cAlpha | cEmail
	}
	for c := '0'; c <= '9'; c++ {
		asciiClass[c] |= cDigit | cEmail
	}
	for _, c := range "._%+-" {
		asciiClass[c] |= cEmail
	}
}

// English is a rule-based word tokenizer for English in the style of the Penn
// Treebank (as NLTK's TreebankWordTokenizer): punctuation is split off,
// clitics become their own tokens (don't → do n't, can't → ca n't, it's → it
// 's, we'll → we 'll), numbers keep their inner separators (3.14, 1,000, 10:30)
// while signs and units split (10% → 10 %, $5 → $ 5), URLs and e-mail
// addresses stay whole, hyphenated words (state-of-the-art) stay whole, and
// initialisms and common abbreviations keep their periods (U.S., e.g., Mr.).
// Unlike the Treebank tokenizer it never rewrites characters (quotes stay as
// they are), so the tokens concatenate to the input without its whitespace,
// unless Lower is set, in which case they concatenate to its lowercased form.
//
// The zero value is ready to use and safe for concurrent use.
type English struct {
	Lower bool // lowercase every token (Unicode simple case mapping)
}

// Tokenize splits text into tokens.
func (e English) Tokenize(text string) []string { return e.Append(nil, text) }

// Append appends the tokens of text to dst and returns the extended slice.
// Tokens are substrings of text (no copies) unless Lower changes them.
func (e English) Append(dst []string, text string) []string {
	if e.Lower && isASCII(text) {
		// One allocation per text instead of one per capitalized token; the
		// rules treat ASCII letters of either case alike.
		text, e.Lower = strings.ToLower(text), false
	}
	for i := 0; i < len(text); {
		// Skip whitespace.
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiClass[c]&cSpace != 0 {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(text[i:]); isSpace(r, size) {
			i += size
			continue
		}
		j := chunkEnd(text, i)
		dst = e.appendChunk(dst, text[i:j])
		i = j
	}
	return dst
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// chunkEnd returns the offset of the first whitespace at or after i (or len(text)).
func chunkEnd(text string, i int) int {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiClass[c]&cSpace != 0 {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if isSpace(r, size) {
			return i
		}
		i += size
	}
	return i
}

func (e English) emit(dst []string, tok string) []string {
	if e.Lower {
		tok = strings.ToLower(tok)
	}
	return append(dst, tok)
}

// appendChunk tokenizes s, which holds no whitespace.
func (e English) appendChunk(dst []string, s string) []string {
	hasAt := strings.IndexByte(s, '@') >= 0
	for p := 0; p < len(s); {
		if n := urlLen(s[p:]); n > 0 {
			dst = e.emit(dst, s[p:p+n])
			p += n
			continue
		}
		if hasAt {
			if n := emailLen(s[p:]); n > 0 {
				dst = e.emit(dst, s[p:p+n])
				p += n
				continue
			}
		}
		c := s[p]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[p:])
		}
		if isWordRune(r, size) || (c == '.' && p+1 < len(s) && isDigit(s[p+1])) {
			dst, p = e.word(dst, s, p)
			continue
		}
		// Punctuation or symbol: one rune, or a run of . - ! ? (ellipsis, dash).
		n := size
		switch c {
		case '.', '-', '!', '?':
			for p+n < len(s) && s[p+n] == c {
				n++
			}
		}
		dst = e.emit(dst, s[p:p+n])
		p += n
	}
	return dst
}

func isDigit(c byte) bool { return c < utf8.RuneSelf && asciiClass[c]&cDigit != 0 }
func isAlpha(c byte) bool { return c < utf8.RuneSelf && asciiClass[c]&cAlpha != 0 }

// isWordRune reports whether r (decoded with width size) belongs to words:
// letters, numbers and combining marks.
func isWordRune(r rune, size int) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&(cAlpha|cDigit) != 0
	}
	if size == 1 { // invalid byte
		return false
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// wordRuneAt reports whether a word rune starts at s[i].
func wordRuneAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c]&(cAlpha|cDigit) != 0
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r, size)
}

// apostropheLen returns the width of an apostrophe (' or ’) at s[i], or 0.
func apostropheLen(s string, i int) int {
	if i < len(s) && s[i] == '\'' {
		return 1
	}
	if strings.HasPrefix(s[i:], "\u2019") {
		return len("\u2019")
	}
	return 0
}

// word scans the word starting at s[p] and appends it (split at a clitic).
func (e English) word(dst []string, s string, p int) ([]string, int) {
	start := p
	if s[p] == '.' { // leading decimal point: .5
		p++
	}
	for {
		for p < len(s) {
			c := s[p]
			if c < utf8.RuneSelf {
				if asciiClass[c]&(cAlpha|cDigit) == 0 {
					break
				}
				p++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[p:])
			if !isWordRune(r, size) {
				break
			}
			p += size
		}
		if p >= len(s) || p == start {
			break
		}
		c := s[p]
		switch {
		case c == '-' || c == '_':
			if wordRuneAt(s, p+1) { // hyphenated word: state-of-the-art
				p++
				continue
			}
		case c == '.' || c == ',' || c == ':':
			if isDigit(s[p-1]) && p+1 < len(s) && isDigit(s[p+1]) { // 3.14 1,000 10:30
				p++
				continue
			}
			if c == '.' {
				if end := abbreviationEnd(s, start, p); end > 0 {
					return e.emit(dst, s[start:end]), end
				}
			}
		case c == '&':
			if isAlpha(s[p-1]) && p+1 < len(s) && isAlpha(s[p+1]) { // AT&T, R&D
				p++
				continue
			}
		default:
			if aw := apostropheLen(s, p); aw > 0 {
				q := p + aw
				k := q
				for k < len(s) && isAlpha(s[k]) {
					k++
				}
				if k == q { // no letters after the apostrophe: it ends the word
					break
				}
				if !wordRuneAt(s, k) {
					if isClitic(s[q:k]) { // it's → it 's
						dst = e.emit(dst, s[start:p])
						return e.emit(dst, s[p:k]), k
					}
					if k-q == 1 && (s[q] == 't' || s[q] == 'T') && p-start >= 2 && (s[p-1] == 'n' || s[p-1] == 'N') {
						// don't → do n't, can't → ca n't, won't → wo n't
						dst = e.emit(dst, s[start:p-1])
						return e.emit(dst, s[p-1:k]), k
					}
				}
				p = q // inner apostrophe: O'Neill, rock'n'roll
				continue
			}
		}
		break
	}
	return e.emit(dst, s[start:p]), p
}

// isClitic reports whether a suffix after an apostrophe is an English clitic
// split off by the Treebank conventions ('s 'm 'd 'll 're 've).
func isClitic(suf string) bool {
	switch len(suf) {
	case 1:
		switch suf[0] | 0x20 {
		case 's', 'm', 'd':
			return true
		}
	case 2:
		a, b := suf[0]|0x20, suf[1]|0x20
		return (a == 'l' && b == 'l') || (a == 'r' && b == 'e') || (a == 'v' && b == 'e')
	}
	return false
}

// abbreviations keep their final period (lowercase, without the period).
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true,
	"jr": true, "sr": true, "vs": true, "etc": true, "inc": true, "ltd": true,
	"co": true, "corp": true, "dept": true, "gen": true, "gov": true, "rep": true,
	"sen": true, "rev": true, "mt": true, "ft": true, "approx": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true,
	"aug": true, "sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// abbreviationEnd returns the end of an abbreviation whose letters are
// s[start:dot] and whose period is at s[dot], or 0: a known abbreviation (Mr.)
// or an initialism of two or more dotted groups of 1-3 letters (U.S., e.g., Ph.D.).
func abbreviationEnd(s string, start, dot int) int {
	w := s[start:dot]
	if len(w) <= 6 {
		var buf [6]byte
		ok := true
		for i := 0; i < len(w); i++ {
			if !isAlpha(w[i]) {
				ok = false
				break
			}
			buf[i] = w[i] | 0x20
		}
		if !ok {
			return 0
		}
		if abbreviations[string(buf[:len(w)])] {
			return dot + 1
		}
	} else {
		return 0
	}
	if len(w) > 3 {
		return 0
	}
	groups, k := 1, dot+1
	for {
		m := k
		for m < len(s) && m-k <= 3 && isAlpha(s[m]) {
			m++
		}
		if m == k || m-k > 3 || m >= len(s) || s[m] != '.' {
			break
		}
		groups++
		k = m + 1
	}
	if groups >= 2 {
		return k
	}
	return 0
}

// urlLen returns the length of a URL at the start of s (no whitespace inside),
// or 0. A URL starts with a scheme (http:// https:// ftp://) or www., runs to a
// non-ASCII byte or one of "<>`, and loses trailing sentence punctuation and
// unbalanced closing brackets.
func urlLen(s string) int {
	if len(s) < 5 {
		return 0
	}
	var pre int
	switch s[0] | 0x20 {
	case 'h':
		if hasPrefixFold(s, "http://") {
			pre = 7
		} else if hasPrefixFold(s, "https://") {
			pre = 8
		}
	case 'f':
		if hasPrefixFold(s, "ftp://") {
			pre = 6
		}
	case 'w':
		if hasPrefixFold(s, "www.") {
			pre = 4
		}
	}
	if pre == 0 {
		return 0
	}
	end := pre
	for end < len(s) {
		c := s[end]
		if c >= utf8.RuneSelf || c < ' ' || c == '"' || c == '<' || c == '>' || c == '`' {
			break
		}
		end++
	}
	for end > pre {
		switch s[end-1] {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
			end--
			continue
		case ')':
			if strings.Count(s[:end], "(") < strings.Count(s[:end], ")") {
				end--
				continue
			}
		case ']':
			if strings.Count(s[:end], "[") < strings.Count(s[:end], "]") {
				end--
				continue
			}
		}
		break
	}
	if end == pre || !wordRuneAt(s, pre) {
		return 0
	}
	return end
}

func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i]|0x20 != prefix[i]|0x20 {
			return false
		}
	}
	return true
}

// emailLen returns the length of an e-mail address at the start of s, or 0:
// local@label.label... with a local part of [A-Za-z0-9._%+-] starting with a
// letter or digit, and a final domain label of two or more letters.
func emailLen(s string) int {
	if len(s) == 0 || !(isAlpha(s[0]) || isDigit(s[0])) {
		return 0
	}
	at := 1
	for at < len(s) && at <= 64 && s[at] < utf8.RuneSelf && asciiClass[s[at]]&cEmail != 0 {
		at++
	}
	if at >= len(s) || s[at] != '@' {
		return 0
	}
	end, labels, lastAlpha, lastLen := 0, 0, true, 0
	for k := at + 1; ; {
		m := k
		alpha := true
		for m < len(s) && (isAlpha(s[m]) || isDigit(s[m]) || s[m] == '-') {
			alpha = alpha && isAlpha(s[m])
			m++
		}
		if m == k {
			break
		}
		labels++
		end, lastAlpha, lastLen = m, alpha, m-k
		if m < len(s) && s[m] == '.' {
			k = m + 1
			continue
		}
		break
	}
	if labels < 2 || !lastAlpha || lastLen < 2 {
		return 0
	}
	return end
}
