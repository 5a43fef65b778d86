package lm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/mulan-nlp/mulan/vocab"
)

// Tokenizer specs accepted by ParseTokenizer and stored in model files.
const (
	TokSpace   = "space"   // whitespace-separated, pre-tokenized text (PTB)
	TokWord    = "word"    // English rules (tokenize.English)
	TokZhWord  = "zh-word" // Chinese word segmentation (tokenize.Chinese)
	TokChar    = "char"    // one token per non-space character
	TokSubword = "subword" // a subword.Model, written "subword:MODEL"
)

// codec turns text into token ids and back. For the subword tokenizer the
// ids are the subword model's own (whose control ids equal vocab's); for the
// others a vocab.Vocabulary built from the training text maps tokens.
type codec struct {
	spec    string // one of the Tok* constants
	tok     tokenize.Appender
	voc     *vocab.Vocabulary
	sw      *subword.Model
	swBytes []byte // the subword model file, stored in LM files
}

type spaceTok struct{}

func (spaceTok) Tokenize(s string) []string { return strings.Fields(s) }
func (spaceTok) Append(dst []string, s string) []string {
	return append(dst, strings.Fields(s)...)
}

// tokenizerFor returns the word-level tokenizer of a non-subword spec.
func tokenizerFor(spec string) (tokenize.Appender, error) {
	switch spec {
	case TokSpace:
		return spaceTok{}, nil
	case TokWord:
		return tokenize.English{}, nil
	case TokZhWord:
		return tokenize.Chinese{}, nil
	case TokChar:
		return tokenize.Chars{}, nil
	}
	return nil, fmt.Errorf("unknown tokenizer %q (want space, word, zh-word, char or subword:MODEL)", spec)
}

// ParseTokenizer checks a tokenizer spec: space, word, zh-word, char or
// subword:MODEL (MODEL a file written by mulan subword). It returns the kind
// and, for subword, the model path.
func ParseTokenizer(spec string) (kind, path string, err error) {
	if p, ok := strings.CutPrefix(spec, TokSubword+":"); ok {
		if p == "" {
			return "", "", errors.New("tokenizer subword: needs a model path (subword:MODEL)")
		}
		return TokSubword, p, nil
	}
	if _, err := tokenizerFor(spec); err != nil {
		return "", "", err
	}
	return spec, "", nil
}

func newSubwordCodec(name string, data []byte) (*codec, error) {
	sw, err := subword.Parse(name, data)
	if err != nil {
		return nil, err
	}
	if id, ok := sw.ID(vocab.EOS); !ok || int32(id) != vocab.EOSID {
		return nil, fmt.Errorf("%s: subword model lacks </s> at id %d", name, vocab.EOSID)
	}
	return &codec{spec: TokSubword, sw: sw, swBytes: data}, nil
}

// buildCodec makes the codec for spec, building a vocabulary from the
// training files unless the spec is a subword model.
func buildCodec(spec string, files []string, vo vocab.Options) (*codec, error) {
	kind, path, err := ParseTokenizer(spec)
	if err != nil {
		return nil, err
	}
	if kind == TokSubword {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: %w", err)
		}
		return newSubwordCodec(path, data)
	}
	tok, _ := tokenizerFor(kind)
	c := vocab.NewCounter()
	var buf []string
	for _, name := range files {
		err := eachLine(name, func(line string, _ int) error {
			buf = tok.Append(buf[:0], line)
			c.Add(buf...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if c.Total() == 0 {
		return nil, fmt.Errorf("training text %s holds no tokens", strings.Join(files, ", "))
	}
	v, err := vocab.Build(c, vo)
	if err != nil {
		return nil, err
	}
	return &codec{spec: kind, tok: tok, voc: v}, nil
}

// size is the number of ids.
func (c *codec) size() int {
	if c.sw != nil {
		return c.sw.Len()
	}
	return c.voc.Len()
}

// appendLine appends the ids of one line of text.
func (c *codec) appendLine(dst []int32, line string, buf *[]string) []int32 {
	if c.sw != nil {
		return c.sw.AppendIDs(dst, line)
	}
	*buf = c.tok.Append((*buf)[:0], line)
	for _, t := range *buf {
		dst = append(dst, c.voc.ID(t))
	}
	return dst
}

// token returns the display string of one id.
func (c *codec) token(id int32) string {
	if c.sw != nil {
		return c.sw.Piece(int(id))
	}
	return c.voc.Token(id)
}

// decode renders ids as text: subword pieces are joined by the model, Chinese
// and character tokens without spaces, words with single spaces.
func (c *codec) decode(ids []int32) string {
	if c.sw != nil {
		xs := make([]int, len(ids))
		for i, id := range ids {
			xs[i] = int(id)
		}
		return c.sw.Decode(xs)
	}
	sep := " "
	if c.spec == TokChar || c.spec == TokZhWord {
		sep = ""
	}
	toks := make([]string, len(ids))
	for i, id := range ids {
		toks[i] = c.voc.Token(id)
	}
	return strings.Join(toks, sep)
}

// describe is the spec as written on the command line.
func (c *codec) describe() string {
	if c.sw != nil {
		return TokSubword
	}
	return c.spec
}

// eachLine calls f with every line of the named file (CR stripped, UTF-8 BOM
// dropped) and its 1-based number.
func eachLine(name string, f func(line string, n int) error) error {
	fh, err := os.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	return eachLineReader(name, fh, f)
}

func eachLineReader(name string, r io.Reader, f func(line string, n int) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 {
			b = bytes.TrimRight(b, "\r\n")
			if n == 1 {
				b = bytes.TrimPrefix(b, []byte("\ufeff"))
			}
			if err := f(string(b), n); err != nil {
				return fmt.Errorf("%s:%d: %w", name, n, err)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
}

// Stream is text encoded for a language model: one id sequence that starts
// with </s> and holds every non-blank line's tokens (reversed for a backward
// LM) followed by </s>. Every id after the first is a prediction target.
type Stream struct {
	IDs   []int32
	Lines int   // non-blank lines
	Chars int64 // non-space characters plus one per line (the line ends)
}

// Targets is the number of predicted tokens, len(IDs)-1.
func (s *Stream) Targets() int { return max(len(s.IDs)-1, 0) }

// Encode appends one text to the stream.
func (m *LM) appendText(s *Stream, line string, buf *[]string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	if len(s.IDs) == 0 {
		s.IDs = append(s.IDs, vocab.EOSID)
	}
	start := len(s.IDs)
	s.IDs = m.codec.appendLine(s.IDs, line, buf)
	if m.Cfg.Backward {
		reverse(s.IDs[start:])
	}
	s.IDs = append(s.IDs, vocab.EOSID)
	s.Lines++
	for _, r := range line {
		if !unicode.IsSpace(r) {
			s.Chars++
		}
	}
	s.Chars++
}

// EncodeLines encodes texts (one per element) as a stream.
func (m *LM) EncodeLines(lines []string) *Stream {
	s := &Stream{}
	var buf []string
	for _, l := range lines {
		m.appendText(s, l, &buf)
	}
	return s
}

// EncodeFiles reads and encodes the lines of the named files as one stream.
// Blank lines are skipped. It fails when the files hold no tokens.
func (m *LM) EncodeFiles(names ...string) (*Stream, error) {
	s := &Stream{}
	var buf []string
	for _, name := range names {
		err := eachLine(name, func(line string, _ int) error {
			m.appendText(s, line, &buf)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if s.Targets() == 0 {
		return nil, fmt.Errorf("%s: no text", strings.Join(names, ", "))
	}
	return s, nil
}

// EncodeReader encodes the lines of r; name is used in errors.
func (m *LM) EncodeReader(name string, r io.Reader) (*Stream, error) {
	s := &Stream{}
	var buf []string
	err := eachLineReader(name, r, func(line string, _ int) error {
		m.appendText(s, line, &buf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.Targets() == 0 {
		return nil, fmt.Errorf("%s: no text", name)
	}
	return s, nil
}

func reverse(x []int32) {
	for i, j := 0, len(x)-1; i < j; i, j = i+1, j-1 {
		x[i], x[j] = x[j], x[i]
	}
}
