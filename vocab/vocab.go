// Package vocab maps tokens to integer ids and back. A Vocabulary is built
// from token counts (Counter) with a minimum count and a maximum size, keeps
// four special tokens at fixed ids (<pad> 0, <unk> 1, <s> 2, </s> 3), orders
// the other tokens by count (descending, ties by token, so builds are
// deterministic), and is saved as a small versioned text file so that it can
// be read, diffed and checked by hand.
//
// File format (UTF-8): a header line "mulan-vocab<TAB>1", then one line per id
// in id order, "token<TAB>count". The first four lines after the header are
// the special tokens. Tokens contain no tab, CR or LF.
package vocab

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/mulan-nlp/mulan/modelfile"
)

// Special tokens and their fixed ids.
const (
	Pad = "<pad>"
	Unk = "<unk>"
	BOS = "<s>"
	EOS = "</s>"

	PadID int32 = 0
	UnkID int32 = 1
	BOSID int32 = 2
	EOSID int32 = 3

	// NumSpecial is the number of special tokens; regular ids start here.
	NumSpecial = 4
)

var specials = [NumSpecial]string{Pad, Unk, BOS, EOS}

// IsSpecial reports whether tok is one of the four special tokens.
func IsSpecial(tok string) bool {
	return tok == Pad || tok == Unk || tok == BOS || tok == EOS
}

// FormatVersion is the version written in the header of vocabulary files.
const FormatVersion = 1

const header = "mulan-vocab"

// Counter counts token occurrences. Its zero value is not usable; call
// NewCounter. Not safe for concurrent use: count in parallel with one Counter
// per goroutine and Merge them.
type Counter struct {
	counts map[string]int64
	total  int64
}

// NewCounter returns an empty Counter.
func NewCounter() *Counter { return &Counter{counts: make(map[string]int64)} }

// Add counts each token once. Tokens are copied when first seen, so they may
// be substrings of a large buffer without keeping it alive.
func (c *Counter) Add(tokens ...string) {
	for _, t := range tokens {
		n, ok := c.counts[t]
		if !ok {
			t = strings.Clone(t)
		}
		c.counts[t] = n + 1
	}
	c.total += int64(len(tokens))
}

// AddN counts tok n times.
func (c *Counter) AddN(tok string, n int64) {
	c.counts[strings.Clone(tok)] += n
	c.total += n
}

// Merge adds the counts of o to c.
func (c *Counter) Merge(o *Counter) {
	for t, n := range o.counts {
		c.counts[t] += n
	}
	c.total += o.total
}

// Count returns how often tok was counted.
func (c *Counter) Count(tok string) int64 { return c.counts[tok] }

// Len returns the number of distinct tokens.
func (c *Counter) Len() int { return len(c.counts) }

// Total returns the number of token occurrences counted.
func (c *Counter) Total() int64 { return c.total }

// Vocabulary is an immutable token↔id mapping. Safe for concurrent use.
type Vocabulary struct {
	tokens []string
	counts []int64
	ids    map[string]int32
}

// Options control Build.
type Options struct {
	MinCount int64 // drop tokens counted fewer times (values below 1 mean 1)
	MaxSize  int   // maximum size including the specials; 0 means no limit
}

// Build makes a Vocabulary from counts: the specials, then every token with
// at least MinCount occurrences by count descending and token ascending, cut
// to MaxSize entries. Occurrences of the special strings themselves are not
// counted as regular tokens. It fails on tokens that cannot be saved (empty,
// or containing tab, CR or LF) and on 0 < MaxSize <= NumSpecial.
func Build(c *Counter, opt Options) (*Vocabulary, error) {
	if opt.MaxSize < 0 || (opt.MaxSize > 0 && opt.MaxSize <= NumSpecial) {
		return nil, fmt.Errorf("vocab: max size %d leaves no room after the %d special tokens", opt.MaxSize, NumSpecial)
	}
	minCount := max(opt.MinCount, 1)
	type entry struct {
		tok string
		n   int64
	}
	var entries []entry
	for t, n := range c.counts {
		if n < minCount || IsSpecial(t) {
			continue
		}
		if err := checkToken(t); err != nil {
			return nil, fmt.Errorf("vocab: %w", err)
		}
		entries = append(entries, entry{t, n})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.tok, b.tok)
	})
	if opt.MaxSize > 0 && len(entries) > opt.MaxSize-NumSpecial {
		entries = entries[:opt.MaxSize-NumSpecial]
	}
	v := newVocabulary(NumSpecial + len(entries))
	for _, s := range specials {
		v.add(s, 0)
	}
	for _, e := range entries {
		v.add(e.tok, e.n)
	}
	return v, nil
}

func newVocabulary(n int) *Vocabulary {
	return &Vocabulary{tokens: make([]string, 0, n), counts: make([]int64, 0, n), ids: make(map[string]int32, n)}
}

func (v *Vocabulary) add(tok string, n int64) {
	v.ids[tok] = int32(len(v.tokens))
	v.tokens = append(v.tokens, tok)
	v.counts = append(v.counts, n)
}

var errBadToken = errors.New("token is empty or contains a tab, CR or LF")

func checkToken(t string) error {
	if t == "" || strings.ContainsAny(t, "\t\r\n") {
		return fmt.Errorf("%w: %q", errBadToken, t)
	}
	return nil
}

// Len returns the number of entries, specials included.
func (v *Vocabulary) Len() int { return len(v.tokens) }

// ID returns the id of tok, or UnkID when tok is not in the vocabulary.
func (v *Vocabulary) ID(tok string) int32 {
	if id, ok := v.ids[tok]; ok {
		return id
	}
	return UnkID
}

// Has reports whether tok is in the vocabulary.
func (v *Vocabulary) Has(tok string) bool {
	_, ok := v.ids[tok]
	return ok
}

// Token returns the token of id, or Unk when id is out of range.
func (v *Vocabulary) Token(id int32) string {
	if id < 0 || int(id) >= len(v.tokens) {
		return Unk
	}
	return v.tokens[id]
}

// Count returns the training count of id (0 for specials and bad ids).
func (v *Vocabulary) Count(id int32) int64 {
	if id < 0 || int(id) >= len(v.counts) {
		return 0
	}
	return v.counts[id]
}

// Covered returns the sum of the counts of all regular tokens: the number of
// training occurrences the vocabulary covers.
func (v *Vocabulary) Covered() int64 {
	var s int64
	for _, n := range v.counts {
		s += n
	}
	return s
}

// Encode maps tokens to ids (unknown tokens to UnkID).
func (v *Vocabulary) Encode(tokens []string) []int32 {
	return v.AppendEncode(make([]int32, 0, len(tokens)), tokens)
}

// AppendEncode appends the ids of tokens to dst.
func (v *Vocabulary) AppendEncode(dst []int32, tokens []string) []int32 {
	for _, t := range tokens {
		dst = append(dst, v.ID(t))
	}
	return dst
}

// Decode maps ids to tokens (bad ids to Unk).
func (v *Vocabulary) Decode(ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = v.Token(id)
	}
	return out
}

// Write writes v in the text format described in the package comment.
func (v *Vocabulary) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s\t%d\n", header, FormatVersion)
	var buf []byte
	for i, t := range v.tokens {
		buf = append(buf[:0], t...)
		buf = append(buf, '\t')
		buf = strconv.AppendInt(buf, v.counts[i], 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Save writes v to path atomically.
func (v *Vocabulary) Save(path string) error {
	if err := modelfile.WriteAtomic(path, v.Write); err != nil {
		return fmt.Errorf("vocab: saving %s: %w", path, err)
	}
	return nil
}

// Load reads a vocabulary file written by Save.
func Load(path string) (*Vocabulary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vocab: %w", err)
	}
	defer f.Close()
	return Read(path, f)
}

// ErrFormat is wrapped by every error about a malformed vocabulary file.
var ErrFormat = errors.New("malformed vocabulary")

// Read parses a vocabulary in the text format; name is used in errors, which
// give name:line.
func Read(name string, r io.Reader) (*Vocabulary, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %w: %s", name, line, ErrFormat, fmt.Sprintf(format, args...))
	}
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s:1: %w", name, err)
		}
		return nil, bad(1, "empty file, want header %q", header+"\t"+strconv.Itoa(FormatVersion))
	}
	first := strings.TrimSuffix(sc.Text(), "\r")
	h, ver, ok := strings.Cut(first, "\t")
	if !ok || h != header {
		return nil, bad(1, "header %q, want %q", first, header+"\t"+strconv.Itoa(FormatVersion))
	}
	if n, err := strconv.Atoi(ver); err != nil || n < 1 || n > FormatVersion {
		return nil, bad(1, "unsupported format version %q (this build reads up to %d)", ver, FormatVersion)
	}
	v := newVocabulary(1024)
	line := 1
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		tok, cnt, ok := strings.Cut(text, "\t")
		if !ok {
			return nil, bad(line, "want token<TAB>count, got %q", text)
		}
		if err := checkToken(tok); err != nil {
			return nil, bad(line, "%v", err)
		}
		n, err := strconv.ParseInt(cnt, 10, 64)
		if err != nil || n < 0 {
			return nil, bad(line, "count %q is not a non-negative integer", cnt)
		}
		id := len(v.tokens)
		if id < NumSpecial {
			if tok != specials[id] {
				return nil, bad(line, "id %d must be the special token %q, got %q", id, specials[id], tok)
			}
		} else if IsSpecial(tok) {
			return nil, bad(line, "special token %q out of place", tok)
		}
		if prev, dup := v.ids[tok]; dup {
			return nil, bad(line, "duplicate token %q (first at line %d)", tok, prev+2)
		}
		if id >= 1<<31-1 {
			return nil, bad(line, "too many tokens")
		}
		v.add(tok, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(v.tokens) < NumSpecial {
		return nil, bad(line, "file ends after %d of the %d special tokens", len(v.tokens), NumSpecial)
	}
	return v, nil
}
