// Package tags handles the tag schemes used to mark chunks (named entities,
// phrases, words) in sequence labelling: IOB1, IOB2 (BIO), IOBES (BIOES) and
// BMES. It extracts typed spans from a tag sequence, validates a sequence
// under a scheme with an error that names the offending position, and
// converts losslessly between schemes by going through spans.
//
// It is hand-written because the Go ecosystem has no maintained package for
// these schemes; the rules follow the definitions of Ramshaw & Marcus (IOB1),
// Tjong Kim Sang & Veenstra (IOB2, 1999) and the IOBES/BMES usage of the NER
// literature (Ratinov & Roth 2009; Zhang & Yang 2018 for BMES).
//
// A tag is a prefix letter, optionally followed by '-' and a chunk type:
// "B-PER", "I-ORG", "E-LOC", "S-MISC", "M-NAME", or a bare prefix such as "B"
// (an untyped chunk, as in BMES word segmentation). "O" is outside any chunk.
// Types may contain '-' ("B-GPE-ORG" has type "GPE-ORG"); the prefix is
// everything before the first '-'.
package tags

import (
	"fmt"
	"sort"
	"strings"
)

// Scheme is a chunk tagging scheme.
type Scheme int

// The supported schemes.
const (
	// IOB1: I-X inside a chunk of type X; B-X only on the first token of a
	// chunk that directly follows another chunk of the same type.
	IOB1 Scheme = iota + 1
	// IOB2 (BIO): every chunk starts with B-X, continues with I-X.
	IOB2
	// IOBES (BIOES): B-X first, I-X inside, E-X last, S-X single-token chunk.
	IOBES
	// BMES: IOBES with M for the inside tag (B/M/E/S plus O).
	BMES
)

// Schemes lists every supported scheme, in declaration order.
var Schemes = []Scheme{IOB1, IOB2, IOBES, BMES}

// String returns the canonical name: "iob1", "iob2", "iobes" or "bmes".
func (s Scheme) String() string {
	switch s {
	case IOB1:
		return "iob1"
	case IOB2:
		return "iob2"
	case IOBES:
		return "iobes"
	case BMES:
		return "bmes"
	}
	return fmt.Sprintf("Scheme(%d)", int(s))
}

// ParseScheme reads a scheme name, case-insensitively. Accepted: iob1, iob,
// iob2, bio, iobes, bioes, bmes.
func ParseScheme(name string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "iob1", "iob":
		return IOB1, nil
	case "iob2", "bio":
		return IOB2, nil
	case "iobes", "bioes":
		return IOBES, nil
	case "bmes":
		return BMES, nil
	}
	return 0, fmt.Errorf("tags: unknown scheme %q (want iob1, iob2/bio, iobes/bioes or bmes)", name)
}

// Span is a chunk: tokens [Start, End) of type Type.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Type  string `json:"type"`
}

// String formats a span as "TYPE[start,end)".
func (s Span) String() string { return fmt.Sprintf("%s[%d,%d)", s.Type, s.Start, s.End) }

// Outside is the tag of tokens outside every chunk.
const Outside = "O"

// Split separates a tag into its prefix letter and chunk type: "B-PER" gives
// ('B', "PER"), "O" gives ('O', ""), "B" gives ('B', ""). A tag with an empty
// prefix ("-PER" or "") gives prefix 0.
func Split(tag string) (prefix byte, typ string) {
	i := strings.IndexByte(tag, '-')
	head := tag
	if i >= 0 {
		head, typ = tag[:i], tag[i+1:]
	}
	if len(head) != 1 {
		return 0, typ
	}
	return head[0], typ
}

// Join builds a tag from a prefix letter and a type ("B", "PER" → "B-PER";
// an empty type gives the bare prefix).
func Join(prefix byte, typ string) string {
	if typ == "" {
		return string(prefix)
	}
	return string(prefix) + "-" + typ
}

// inside returns the scheme's inside letter ('I', or 'M' for BMES).
func (s Scheme) inside() byte {
	if s == BMES {
		return 'M'
	}
	return 'I'
}

// allowed reports whether prefix p is part of scheme s.
func (s Scheme) allowed(p byte) bool {
	switch p {
	case 'O':
		return true
	case 'B':
		return s >= IOB1 && s <= BMES
	case 'I':
		return s == IOB1 || s == IOB2 || s == IOBES
	case 'E', 'S':
		return s == IOBES || s == BMES
	case 'M':
		return s == BMES
	}
	return false
}

func (s Scheme) letters() string {
	switch s {
	case IOB1, IOB2:
		return "B, I, O"
	case IOBES:
		return "B, I, E, S, O"
	case BMES:
		return "B, M, E, S, O"
	}
	return "?"
}

// SequenceError reports a tag that is not valid at its position.
type SequenceError struct {
	Scheme Scheme
	Index  int    // position of the offending tag (len(tags) for an unfinished chunk at the end)
	Tag    string // the offending tag ("" at the end of the sequence)
	Prev   string // the tag before it ("" at the start)
	Reason string
}

func (e *SequenceError) Error() string {
	switch {
	case e.Index < 0:
		return fmt.Sprintf("tags: %s: %s", e.Scheme, e.Reason)
	case e.Tag == "" && e.Prev != "":
		return fmt.Sprintf("tags: %s: sequence ends after %q at position %d: %s", e.Scheme, e.Prev, e.Index-1, e.Reason)
	case e.Prev == "":
		return fmt.Sprintf("tags: %s: tag %d %q at the start: %s", e.Scheme, e.Index, e.Tag, e.Reason)
	}
	return fmt.Sprintf("tags: %s: tag %d %q after %q: %s", e.Scheme, e.Index, e.Tag, e.Prev, e.Reason)
}

// Validate checks that tags is a well-formed sequence under s, and returns a
// *SequenceError for the first violation:
//   - IOB1: B-X must directly follow a token of type X;
//   - IOB2: I-X must follow B-X or I-X;
//   - IOBES/BMES: I-X/M-X and E-X must follow B-X or I-X/M-X of the same type,
//     B, S and O must not interrupt an open chunk, and the sequence must not
//     end inside a chunk.
func (s Scheme) Validate(tags []string) error {
	if s < IOB1 || s > BMES {
		return &SequenceError{Scheme: s, Index: -1, Reason: "unknown scheme"}
	}
	in := s.inside()
	var pp byte = 'O' // previous prefix
	var pt string     // previous type
	prev := ""
	for i, tag := range tags {
		p, t := Split(tag)
		if !s.allowed(p) || (p == 'O' && tag != Outside) {
			return &SequenceError{s, i, tag, prev, fmt.Sprintf("not a %s tag (prefixes %s, then '-' and a type)", s, s.letters())}
		}
		open := pp == 'B' || pp == in // an IOBES/BMES chunk that must continue
		switch s {
		case IOB1:
			if p == 'B' && (pp == 'O' || pt != t) {
				return &SequenceError{s, i, tag, prev, "B- may only start a chunk directly after a chunk of the same type"}
			}
		case IOB2:
			if p == 'I' && (pp == 'O' || pt != t) {
				return &SequenceError{s, i, tag, prev, "I- must continue a chunk of the same type (B- or I- before it)"}
			}
		default:
			switch p {
			case in, 'E':
				if !open || pt != t {
					return &SequenceError{s, i, tag, prev, fmt.Sprintf("%c- must continue a chunk of the same type (B- or %c- before it)", p, in)}
				}
			default: // B, S, O
				if open {
					return &SequenceError{s, i, tag, prev, fmt.Sprintf("the chunk opened before it is not closed with E-%s", pt)}
				}
			}
		}
		pp, pt, prev = p, t, tag
	}
	if (s == IOBES || s == BMES) && (pp == 'B' || pp == in) {
		return &SequenceError{s, len(tags), "", prev, fmt.Sprintf("the last chunk is not closed with E-%s", pt)}
	}
	return nil
}

// Spans validates tags under s and returns its chunks in order.
func (s Scheme) Spans(tags []string) ([]Span, error) {
	if err := s.Validate(tags); err != nil {
		return nil, err
	}
	return Decode(tags), nil
}

// Decode extracts chunks from any of the schemes without validating, the way
// a lenient reader would: a chunk starts at B- or S-, or at an I-/M-/E- that
// does not continue an open chunk of its type; it ends after E- or S-, before
// a token that starts another chunk, and before O. On valid input it gives
// the same spans as Spans. Tags with an unknown prefix count as O.
func Decode(tags []string) []Span {
	var out []Span
	open := false // a chunk is open and may be continued
	cur := Span{Start: -1}
	for i, tag := range tags {
		p, t := Split(tag)
		switch p {
		case 'I', 'M', 'E':
			if open && t == cur.Type {
				cur.End = i + 1
			} else {
				if cur.Start >= 0 {
					out = append(out, cur)
				}
				cur = Span{Start: i, End: i + 1, Type: t}
			}
			open = p != 'E'
		case 'B', 'S':
			if cur.Start >= 0 {
				out = append(out, cur)
			}
			cur = Span{Start: i, End: i + 1, Type: t}
			open = p == 'B'
		default:
			if cur.Start >= 0 {
				out = append(out, cur)
			}
			cur = Span{Start: -1}
			open = false
		}
		if !open && cur.Start >= 0 && (p == 'E' || p == 'S') {
			out = append(out, cur)
			cur = Span{Start: -1}
		}
	}
	if cur.Start >= 0 {
		out = append(out, cur)
	}
	return out
}

// Encode writes spans as a tag sequence of length n under s. Spans must lie
// in [0, n), be non-empty and must not overlap; they need not be sorted.
func (s Scheme) Encode(spans []Span, n int) ([]string, error) {
	if s < IOB1 || s > BMES {
		return nil, fmt.Errorf("tags: unknown scheme %d", int(s))
	}
	sorted := spans
	if !sort.SliceIsSorted(spans, func(i, j int) bool { return spans[i].Start < spans[j].Start }) {
		sorted = append([]Span(nil), spans...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	}
	out := make([]string, n)
	for i := range out {
		out[i] = Outside
	}
	cache := map[[2]string]string{}
	tag := func(p byte, t string) string {
		k := [2]string{string(p), t}
		v, ok := cache[k]
		if !ok {
			v = Join(p, t)
			cache[k] = v
		}
		return v
	}
	in := s.inside()
	last := -1 // End of the previous span
	lastType := ""
	for _, sp := range sorted {
		if sp.Start < 0 || sp.End > n || sp.Start >= sp.End {
			return nil, fmt.Errorf("tags: span %v outside [0,%d) or empty", sp, n)
		}
		if sp.Start < last {
			return nil, fmt.Errorf("tags: span %v overlaps the span ending at %d", sp, last)
		}
		switch s {
		case IOB1:
			first := byte('I')
			if sp.Start == last && sp.Type == lastType {
				first = 'B'
			}
			out[sp.Start] = tag(first, sp.Type)
			for i := sp.Start + 1; i < sp.End; i++ {
				out[i] = tag('I', sp.Type)
			}
		case IOB2:
			out[sp.Start] = tag('B', sp.Type)
			for i := sp.Start + 1; i < sp.End; i++ {
				out[i] = tag('I', sp.Type)
			}
		default:
			if sp.End-sp.Start == 1 {
				out[sp.Start] = tag('S', sp.Type)
				break
			}
			out[sp.Start] = tag('B', sp.Type)
			for i := sp.Start + 1; i < sp.End-1; i++ {
				out[i] = tag(in, sp.Type)
			}
			out[sp.End-1] = tag('E', sp.Type)
		}
		last, lastType = sp.End, sp.Type
	}
	return out, nil
}

// Convert rewrites a valid sequence from one scheme to another. The chunks
// are preserved exactly: to.Spans(result) equals from.Spans(tags).
func Convert(tags []string, from, to Scheme) ([]string, error) {
	spans, err := from.Spans(tags)
	if err != nil {
		return nil, err
	}
	return to.Encode(spans, len(tags))
}

// Detect guesses the scheme of one or more tag sequences from the prefixes
// they use: M → BMES, E or S → IOBES, an I- that starts a chunk → IOB1,
// otherwise IOB2. Decide from as much data as possible: a short IOB1 sample
// without chunk-initial I- looks like IOB2.
func Detect(seqs ...[]string) Scheme {
	var hasM, hasES, iob1 bool
	for _, tags := range seqs {
		var pp byte = 'O'
		pt := ""
		for _, tag := range tags {
			p, t := Split(tag)
			switch p {
			case 'M':
				hasM = true
			case 'E', 'S':
				hasES = true
			case 'I':
				if pp == 'O' || pt != t {
					iob1 = true
				}
			}
			pp, pt = p, t
		}
	}
	switch {
	case hasM:
		return BMES
	case hasES:
		return IOBES
	case iob1:
		return IOB1
	}
	return IOB2
}
