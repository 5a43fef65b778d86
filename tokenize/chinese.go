package tokenize

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// The gse segmenter with its embedded simplified-Chinese dictionary, loaded on
// first use (about a second) and shared: after loading, gse only reads it, so
// it is safe for concurrent use. The simplified dictionary alone scores higher
// on the SIGHAN 2005 sets than simplified+traditional ("zh"), and all of
// mulan's Chinese data is simplified.
var loadGSE = sync.OnceValues(func() (*gse.Segmenter, error) {
	seg := &gse.Segmenter{SkipLog: true}
	if err := seg.LoadDictEmbed("zh_s"); err != nil {
		return nil, fmt.Errorf("tokenize: loading the gse Chinese dictionary: %w", err)
	}
	return seg, nil
})

// LoadChinese loads the Chinese dictionary now instead of on first use, and
// reports an error if it cannot be loaded. Calling it is optional.
func LoadChinese() error {
	_, err := loadGSE()
	return err
}

// Algorithm selects how gse segments a run of Han characters.
type Algorithm uint8

const (
	// ShortestPath is gse's own segmentation into the fewest, most frequent
	// dictionary words (gse Cut). The default: on the SIGHAN 2005 PKU and MSR
	// test sets it scores the same F1 as DAG at twice the speed, and better
	// than DAGHMM (see bench/segment).
	ShortestPath Algorithm = iota
	// DAG picks the most probable path through the dictionary word graph
	// (the jieba algorithm without HMM, gse CutDAGNoHMM).
	DAG
	// DAGHMM is DAG plus an HMM that regroups runs of single characters the
	// dictionary does not know into new words (gse CutDAG).
	DAGHMM
)

// Chinese segments Han text into words with github.com/go-ego/gse and its
// embedded dictionary, or into single characters when Chars is set. Text that
// is not Han (Latin words, digits, punctuation) goes through the English rules,
// so "我用Go 1.26写代码" gives 我 用 Go 1.26 写 代码. The tokens concatenate to
// the input without its whitespace (lowercased if Lower is set).
//
// The zero value is ready to use and safe for concurrent use. The dictionary
// is loaded on first use; if it cannot be loaded, Han runs fall back to
// single characters (call LoadChinese first to see the error).
type Chinese struct {
	Algorithm Algorithm
	Chars     bool // one token per Han character instead of words
	Lower     bool // lowercase the tokens of non-Han text
}

// Tokenize splits text into tokens.
func (z Chinese) Tokenize(text string) []string { return z.Append(nil, text) }

// Append appends the tokens of text to dst and returns the extended slice.
func (z Chinese) Append(dst []string, text string) []string {
	return appendMixed(dst, text, English{Lower: z.Lower}, z)
}

// appendHan appends the tokens of s, a run of Han characters.
func (z Chinese) appendHan(dst []string, s string) []string {
	if z.Chars {
		return appendChars(dst, s)
	}
	seg, err := loadGSE()
	if err != nil {
		return appendChars(dst, s)
	}
	var words []string
	switch z.Algorithm {
	case DAGHMM:
		words = seg.CutDAG(s)
	case DAG:
		words = seg.CutDAGNoHMM(s)
	default:
		words = seg.Cut(s)
	}
	return appendAligned(dst, s, words)
}

// appendAligned appends the substrings of s that correspond to words, a
// segmentation of s by an external segmenter, advancing by rune counts (gse
// may lowercase, which keeps rune counts but not always byte lengths). Should
// the words not cover s exactly, the rest of s is split into characters.
func appendAligned(dst []string, s string, words []string) []string {
	p := 0
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		if n == 0 {
			continue
		}
		q := p
		for ; n > 0 && q < len(s); n-- {
			_, size := utf8.DecodeRuneInString(s[q:])
			q += size
		}
		if n > 0 {
			break
		}
		dst = append(dst, s[p:q])
		p = q
	}
	return appendChars(dst, s[p:])
}

// appendChars appends every rune of s (which holds no whitespace) as a token.
// An invalid byte is a token of its own.
func appendChars(dst []string, s string) []string {
	for i := 0; i < len(s); {
		size := 1
		if s[i] >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(s[i:])
		}
		dst = append(dst, s[i:i+size])
		i += size
	}
	return dst
}

// Chars splits text into its characters (runes), dropping whitespace. An
// invalid UTF-8 byte is a token of its own. Safe for concurrent use.
type Chars struct{}

// Tokenize splits text into tokens.
func (Chars) Tokenize(text string) []string { return Chars{}.Append(nil, text) }

// Append appends the tokens of text to dst and returns the extended slice.
func (Chars) Append(dst []string, text string) []string {
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if !isSpace(r, size) {
			dst = append(dst, text[i:i+size])
		}
		i += size
	}
	return dst
}
