// Package tokenize splits English and Chinese text into tokens (words,
// punctuation, Chinese words or characters) before vocabulary lookup or
// subword segmentation.
//
//   - English: Penn-Treebank-style rules (clitics, numbers, URLs, e-mail
//     addresses, hyphenated words, abbreviations), a hand-written byte scanner
//     with an ASCII fast path. No library offers this in Go without regular
//     expressions on the hot path, and the Treebank regex cascade rewrites
//     characters (quotes), which this tokenizer never does.
//   - Chinese: word segmentation by github.com/go-ego/gse with its embedded
//     dictionary (pure Go, loaded once on first use), or single characters.
//   - Chars: every non-space character.
//   - Auto: script detection (Spans) routes Han runs to the Chinese segmenter
//     and everything else to the English rules.
//
// Every tokenizer drops whitespace (unicode.IsSpace) and never returns an
// empty token or one that contains whitespace; tokens are substrings of the
// input, so they concatenate to the input with its whitespace removed (or to
// its lowercased form when lowercasing is on). All tokenizers are values safe
// for concurrent use.
package tokenize

// Tokenizer splits text into tokens.
type Tokenizer interface {
	Tokenize(text string) []string
}

// Appender is implemented by the tokenizers of this package: Append adds the
// tokens of text to dst, which lets a caller reuse one slice across lines.
type Appender interface {
	Tokenizer
	Append(dst []string, text string) []string
}

var (
	_ Appender = English{}
	_ Appender = Chinese{}
	_ Appender = Chars{}
	_ Appender = Auto{}
)
