package corpus

import (
	"fmt"
	"io"
	"iter"
)

// Sentence is one sequence of tagged tokens from a CoNLL or Chars file.
type Sentence struct {
	Tokens []string   // the token column (a character in Chars files)
	Tags   []string   // the tag column; nil when lines have a single column
	Cols   [][]string // every column of every token line: Cols[i][j] is column j of token i
	Doc    int        // 0-based document index (CoNLL `-DOCSTART-` lines start documents)
	Line   int        // 1-based line of the first token
}

// Sentences streams the sentences of the CoNLL or Chars file at path (gzip or
// not). Errors are yielded once as the last pair.
func Sentences(path string, opt Options) iter.Seq2[Sentence, error] {
	return func(yield func(Sentence, error) bool) {
		f, err := Open(path)
		if err != nil {
			yield(Sentence{}, err)
			return
		}
		defer f.Close()
		ReadSentences(path, f, opt)(yield)
	}
}

// ReadSentences streams the sentences read from r; name labels errors and,
// when opt.Format is empty, gives the format by its extension.
func ReadSentences(name string, r io.Reader, opt Options) iter.Seq2[Sentence, error] {
	return func(yield func(Sentence, error) bool) {
		sr, err := newSentenceReader(name, r, opt)
		if err != nil {
			yield(Sentence{}, err)
			return
		}
		n := 0
		for {
			s, err := sr.next()
			if err == io.EOF {
				if n == 0 {
					yield(Sentence{}, &Error{File: name, Err: ErrNoRecords})
				}
				return
			}
			if err != nil {
				yield(Sentence{}, err)
				return
			}
			n++
			if !yield(s, nil) {
				return
			}
		}
	}
}

// ReadAllSentences reads every sentence of the file at path.
func ReadAllSentences(path string, opt Options) ([]Sentence, error) {
	var out []Sentence
	for s, err := range Sentences(path, opt) {
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// docStart marks a CoNLL document break when it is the first field of a line.
const docStart = "-DOCSTART-"

type sentenceReader struct {
	lr       *lineReader
	chars    bool // Chars format: exactly two columns, no -DOCSTART-
	tokenCol int  // options as given
	tagCol   int
	tok, tag int // resolved 0-based columns; tag -1 = none

	ncols     int // columns per token line, fixed by the first one
	firstLine int // line that fixed ncols

	doc      int
	docSents int  // sentences emitted in the current document
	docBreak bool // a -DOCSTART- was seen since the last sentence

	buf   []byte // fields of the pending sentence, concatenated
	ends  []int  // end offset of each field in buf
	start int    // line of the pending sentence's first token
}

func newSentenceReader(name string, r io.Reader, opt Options) (*sentenceReader, error) {
	format, err := opt.format(name)
	if err != nil {
		return nil, err
	}
	if !format.IsSequence() {
		return nil, fmt.Errorf("%s: format %s holds records, not tagged sentences (read it with Records)", name, format)
	}
	br, err := stream(name, r, opt.Encoding)
	if err != nil {
		return nil, err
	}
	return &sentenceReader{
		lr:       &lineReader{name: name, br: br},
		chars:    format == Chars,
		tokenCol: opt.TokenCol,
		tagCol:   opt.TagCol,
	}, nil
}

// resolve turns a 1-based (or negative, from the end) column into a 0-based one.
func resolveCol(col, ncols int) (int, bool) {
	switch {
	case col > 0 && col <= ncols:
		return col - 1, true
	case col < 0 && -col <= ncols:
		return ncols + col, true
	}
	return 0, false
}

func (s *sentenceReader) setColumns(ncols int) error {
	s.ncols, s.firstLine = ncols, s.lr.line
	name, line := s.lr.name, s.lr.line
	if s.chars && ncols != 2 {
		return errorf(name, line, ErrFieldCount, "line has %d fields, want `char TAG`", ncols)
	}
	var ok bool
	if s.tokenCol == 0 {
		s.tok = 0
	} else if s.tok, ok = resolveCol(s.tokenCol, ncols); !ok {
		return errorf(name, line, ErrMissingColumn, "token column %d out of range: line has %d columns", s.tokenCol, ncols)
	}
	switch {
	case s.tagCol == 0 && ncols == 1:
		s.tag = -1
	case s.tagCol == 0:
		s.tag = ncols - 1
	default:
		if s.tag, ok = resolveCol(s.tagCol, ncols); !ok {
			return errorf(name, line, ErrMissingColumn, "tag column %d out of range: line has %d columns", s.tagCol, ncols)
		}
	}
	return nil
}

func (s *sentenceReader) next() (Sentence, error) {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	for {
		b, err := s.lr.next()
		if err == io.EOF {
			if len(s.ends) > 0 {
				return s.emit(), nil
			}
			return Sentence{}, io.EOF
		}
		if err != nil {
			return Sentence{}, err
		}
		// split on runs of spaces and tabs, appending the fields to buf
		n := 0
		isDoc := false
		for i := 0; i < len(b); {
			for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
				i++
			}
			if i == len(b) {
				break
			}
			j := i
			for j < len(b) && b[j] != ' ' && b[j] != '\t' {
				j++
			}
			if n == 0 && !s.chars && string(b[i:j]) == docStart {
				isDoc = true
				break
			}
			s.buf = append(s.buf, b[i:j]...)
			s.ends = append(s.ends, len(s.buf))
			n++
			i = j
		}
		if isDoc {
			s.docBreak = true
			if len(s.ends) > 0 {
				return s.emit(), nil
			}
			continue
		}
		if n == 0 { // blank line
			if len(s.ends) > 0 {
				return s.emit(), nil
			}
			continue
		}
		if s.ncols == 0 {
			if err := s.setColumns(n); err != nil {
				return Sentence{}, err
			}
		} else if n != s.ncols {
			return Sentence{}, errorf(s.lr.name, s.lr.line, ErrFieldCount,
				"line has %d columns, expected %d (as on line %d)", n, s.ncols, s.firstLine)
		}
		if len(s.ends) == n { // first token of a sentence
			s.start = s.lr.line
			if s.docBreak && s.docSents > 0 {
				s.doc++
				s.docSents = 0
			}
			s.docBreak = false
		}
	}
}

// emit turns the pending fields into a Sentence: one string for all the text,
// the fields as substrings of it.
func (s *sentenceReader) emit() Sentence {
	s.docSents++

	text := string(s.buf)
	nf := len(s.ends)
	nt := nf / s.ncols
	ntags := 0
	if s.tag >= 0 {
		ntags = nt
	}
	// one backing array for the fields, the tokens and the tags
	all := make([]string, nf+nt+ntags)
	flat := all[:nf:nf]
	prev := 0
	for i, e := range s.ends {
		flat[i] = text[prev:e]
		prev = e
	}
	sent := Sentence{Doc: s.doc, Line: s.start, Cols: make([][]string, nt), Tokens: all[nf : nf+nt : nf+nt]}
	if s.tag >= 0 {
		sent.Tags = all[nf+nt:]
	}
	for i := range nt {
		row := flat[i*s.ncols : (i+1)*s.ncols : (i+1)*s.ncols]
		sent.Cols[i] = row
		sent.Tokens[i] = row[s.tok]
		if s.tag >= 0 {
			sent.Tags[i] = row[s.tag]
		}
	}
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	return sent
}
