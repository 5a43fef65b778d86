package linear

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/tokenize"
)

// TokenizerSpec records how texts are tokenized, so that a saved model
// re-tokenizes its inputs exactly as in training.
type TokenizerSpec struct {
	// Lang is one of
	//   en     English rules (tokenize.English)
	//   zh     Chinese word segmentation, other text by the English rules (tokenize.Chinese)
	//   auto   script routing between the two (tokenize.Auto)
	//   chars  one token per character (tokenize.Chars)
	//   space  split at whitespace only, as fastText does (for pre-tokenized data)
	Lang  string `json:"lang"`
	Lower bool   `json:"lower"` // lowercase the tokens
}

// Langs lists the accepted TokenizerSpec.Lang values.
var Langs = []string{"en", "zh", "auto", "chars", "space"}

// appender splits a text into tokens appended to dst.
type appender interface {
	Append(dst []string, text string) []string
}

// New returns the tokenizer the spec describes. For zh and auto it loads the
// Chinese dictionary and reports an error if it cannot.
func (s TokenizerSpec) New() (tokenize.Appender, error) {
	var a appender
	switch s.Lang {
	case "en":
		a = tokenize.English{Lower: s.Lower}
	case "zh", "auto":
		if err := tokenize.LoadChinese(); err != nil {
			return nil, fmt.Errorf("tokenizer %s: %w", s.Lang, err)
		}
		if s.Lang == "zh" {
			a = tokenize.Chinese{Lower: s.Lower}
		} else {
			a = tokenize.Auto{Chinese: tokenize.Chinese{Lower: s.Lower}, Lower: s.Lower}
		}
	case "chars":
		a = lowerer{tokenize.Chars{}, s.Lower}
	case "space":
		a = lowerer{spaceSplit{}, s.Lower}
	default:
		return nil, fmt.Errorf("unknown tokenizer language %q (want one of %s)", s.Lang, strings.Join(Langs, ", "))
	}
	return tokFunc{a}, nil
}

// tokFunc adapts an appender to tokenize.Appender.
type tokFunc struct{ appender }

func (t tokFunc) Tokenize(text string) []string { return t.Append(nil, text) }

// lowerer lowercases the tokens of another tokenizer when on is set.
type lowerer struct {
	a  appender
	on bool
}

func (l lowerer) Append(dst []string, text string) []string {
	n := len(dst)
	dst = l.a.Append(dst, text)
	if l.on {
		for i := n; i < len(dst); i++ {
			dst[i] = strings.ToLower(dst[i]) // returns its argument when nothing changes
		}
	}
	return dst
}

// spaceSplit splits at Unicode whitespace (strings.Fields) without allocating.
type spaceSplit struct{}

func (spaceSplit) Append(dst []string, text string) []string {
	start := -1
	for i := 0; i < len(text); {
		c := text[i]
		var space bool
		size := 1
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(text[i:])
			space = unicode.IsSpace(r)
		}
		if space {
			if start >= 0 {
				dst = append(dst, text[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, text[start:])
	}
	return dst
}
