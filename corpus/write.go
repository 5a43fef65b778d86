package corpus

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Writer writes records in a record format so that reading the output back
// with the same Options gives the same records. It refuses what the format
// cannot hold (a tab inside a TSV field, a newline in a line, invalid UTF-8).
// Use modelfile.WriteAtomic to write a file.
type Writer struct {
	w      *bufio.Writer
	csv    *csv.Writer
	format Format
	opt    Options
	n      int
	header []string // column names for TSV, CSV, JSONL: id (optional), label, text
}

// NewWriter returns a Writer of opt.Format (which must be set) to w. TSV and
// CSV get a header row of IDCol (when set), LabelCol ("label" if empty) and
// TextCol ("text" if empty); JSONL uses the same field names.
func NewWriter(w io.Writer, opt Options) (*Writer, error) {
	format, err := ParseFormat(string(opt.Format))
	if err != nil {
		return nil, err
	}
	if format.IsSequence() {
		return nil, fmt.Errorf("format %s holds sentences; use NewSentenceWriter", format)
	}
	if enc, err := normEncoding("output", opt.Encoding); err != nil || enc != UTF8 {
		return nil, errors.New("writers write UTF-8 only")
	}
	wr := &Writer{w: bufio.NewWriterSize(w, bufSize), format: format, opt: opt}
	if format == TSV || format == CSV || format == JSONL {
		if opt.IDCol != "" {
			wr.header = append(wr.header, opt.IDCol)
		}
		wr.header = append(wr.header, orDefault(opt.LabelCol, "label"), orDefault(opt.TextCol, "text"))
		for i, h := range wr.header {
			for _, g := range wr.header[:i] {
				if g == h {
					return nil, fmt.Errorf("column %q named twice", h)
				}
			}
		}
	}
	switch format {
	case TSV:
		if err := wr.checkField(0, wr.header...); err != nil {
			return nil, err
		}
		wr.w.WriteString(strings.Join(wr.header, "\t"))
		wr.w.WriteByte('\n')
	case CSV:
		if err := wr.checkField(0, wr.header...); err != nil {
			return nil, err
		}
		wr.csv = csv.NewWriter(wr.w)
		wr.csv.Write(wr.header)
	}
	return wr, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// checkField refuses what does not survive a round trip in every format:
// invalid UTF-8, CR, a leading byte-order mark at the start of the file, and
// (except in CSV and JSONL) tabs and newlines.
func (w *Writer) checkField(i int, fields ...string) error {
	for _, f := range fields {
		if !utf8.ValidString(f) {
			return fmt.Errorf("record %d: %w", i+1, ErrInvalidUTF8)
		}
		if w.format != JSONL && strings.ContainsRune(f, '\r') {
			return fmt.Errorf("record %d: %s cannot hold a carriage return: %q", i+1, w.format, f)
		}
		if w.format != JSONL && w.format != CSV && strings.ContainsAny(f, "\n") {
			return fmt.Errorf("record %d: %s cannot hold a newline: %q", i+1, w.format, f)
		}
		if w.format == TSV && strings.ContainsRune(f, '\t') {
			return fmt.Errorf("record %d: tsv cannot hold a tab: %q", i+1, f)
		}
	}
	return nil
}

// Write writes one record.
func (w *Writer) Write(r Record) error {
	if err := w.checkField(w.n, r.ID, r.Text, r.Label); err != nil {
		return err
	}
	if err := w.checkField(w.n, r.Labels...); err != nil {
		return err
	}
	first := w.n == 0
	w.n++
	switch w.format {
	case Lines:
		if first && strings.HasPrefix(r.Text, "\ufeff") {
			return errors.New("record 1: lines cannot start with a byte-order mark")
		}
		if w.opt.SkipBlank && isBlank([]byte(r.Text)) {
			return fmt.Errorf("record %d: blank text would be skipped on reading", w.n)
		}
		w.w.WriteString(r.Text)
	case TSV:
		w.w.WriteString(strings.Join(w.row(r), "\t"))
	case CSV:
		return w.csv.Write(w.row(r))
	case JSONL:
		obj := make(map[string]string, 3)
		for i, v := range w.row(r) {
			obj[w.header[i]] = v
		}
		b, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		w.w.Write(b)
	case FastText:
		labels := r.Labels
		if len(labels) == 0 && r.Label != "" {
			labels = []string{r.Label}
		}
		if len(labels) == 0 {
			return fmt.Errorf("record %d: fasttext needs a label", w.n)
		}
		prefix := w.opt.labelPrefix()
		for _, l := range labels {
			if l == "" || strings.ContainsAny(l, " \t\n") {
				return fmt.Errorf("record %d: bad fasttext label %q", w.n, l)
			}
		}
		if strings.HasPrefix(r.Text, " ") || strings.HasPrefix(r.Text, "\t") || strings.HasPrefix(r.Text, prefix) {
			return fmt.Errorf("record %d: fasttext text cannot start with a space, a tab or %q", w.n, prefix)
		}
		if strings.ContainsAny(prefix, " \t\n\r") || first && strings.HasPrefix(prefix, "\ufeff") {
			return fmt.Errorf("bad fasttext label prefix %q", prefix)
		}
		for _, l := range labels {
			w.w.WriteString(prefix)
			w.w.WriteString(l)
			w.w.WriteByte(' ')
		}
		w.w.WriteString(r.Text)
	case LabelText:
		if r.Label == "" || strings.ContainsAny(r.Label, " \t\n") || first && strings.HasPrefix(r.Label, "\ufeff") {
			return fmt.Errorf("record %d: bad label %q for label-text", w.n, r.Label)
		}
		w.w.WriteString(r.Label)
		w.w.WriteByte(' ')
		w.w.WriteString(r.Text)
	}
	return w.w.WriteByte('\n')
}

func (w *Writer) row(r Record) []string {
	if w.opt.IDCol != "" {
		return []string{r.ID, r.Label, r.Text}
	}
	return []string{r.Label, r.Text}
}

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if w.csv != nil {
		w.csv.Flush()
		if err := w.csv.Error(); err != nil {
			return err
		}
	}
	return w.w.Flush()
}

// SentenceWriter writes CoNLL or Chars files: one token per line with its
// columns separated by a space, a blank line after each sentence, and (CoNLL)
// a `-DOCSTART-` line where Sentence.Doc changes.
type SentenceWriter struct {
	w      *bufio.Writer
	chars  bool
	ncols  int
	n      int
	doc    int
	fields []string
}

// NewSentenceWriter returns a writer of opt.Format (CoNLL or Chars) to w.
func NewSentenceWriter(w io.Writer, opt Options) (*SentenceWriter, error) {
	format, err := ParseFormat(string(opt.Format))
	if err != nil {
		return nil, err
	}
	if !format.IsSequence() {
		return nil, fmt.Errorf("format %s holds records; use NewWriter", format)
	}
	return &SentenceWriter{w: bufio.NewWriterSize(w, bufSize), chars: format == Chars}, nil
}

// Write writes one sentence. Its columns are Cols when set, else Tokens and
// Tags (Tokens alone when Tags is nil). Every token line of a file must have
// the same number of columns, and no field may be empty or hold whitespace.
func (w *SentenceWriter) Write(s Sentence) error {
	w.n++
	if len(s.Tokens) == 0 && len(s.Cols) == 0 {
		return fmt.Errorf("sentence %d: no tokens", w.n)
	}
	if s.Cols == nil && s.Tags != nil && len(s.Tags) != len(s.Tokens) {
		return fmt.Errorf("sentence %d: %d tokens but %d tags", w.n, len(s.Tokens), len(s.Tags))
	}
	if !w.chars && w.n > 1 && s.Doc != w.doc {
		if err := w.docStart(); err != nil {
			return err
		}
	}
	w.doc = s.Doc
	nt := len(s.Cols)
	if s.Cols == nil {
		nt = len(s.Tokens)
	}
	for i := range nt {
		w.fields = w.fields[:0]
		if s.Cols != nil {
			w.fields = append(w.fields, s.Cols[i]...)
		} else {
			w.fields = append(w.fields, s.Tokens[i])
			if s.Tags != nil {
				w.fields = append(w.fields, s.Tags[i])
			}
		}
		if w.ncols == 0 {
			w.ncols = len(w.fields)
			if w.chars && w.ncols != 2 {
				return fmt.Errorf("sentence %d: chars format needs 2 columns, got %d", w.n, w.ncols)
			}
		}
		if len(w.fields) != w.ncols {
			return fmt.Errorf("sentence %d token %d: %d columns, file has %d", w.n, i+1, len(w.fields), w.ncols)
		}
		for j, f := range w.fields {
			if f == "" || strings.ContainsAny(f, " \t\n\r") || !utf8.ValidString(f) ||
				j == 0 && !w.chars && f == docStart || w.n == 1 && i == 0 && j == 0 && strings.HasPrefix(f, "\ufeff") {
				return fmt.Errorf("sentence %d token %d: field %q cannot be written", w.n, i+1, f)
			}
			if j > 0 {
				w.w.WriteByte(' ')
			}
			w.w.WriteString(f)
		}
		w.w.WriteByte('\n')
	}
	return w.w.WriteByte('\n')
}

func (w *SentenceWriter) docStart() error {
	w.w.WriteString(docStart)
	for j := 1; j < w.ncols; j++ {
		if j == w.ncols-1 {
			w.w.WriteString(" O")
		} else {
			w.w.WriteString(" -X-")
		}
	}
	_, err := w.w.WriteString("\n\n")
	return err
}

// Flush writes buffered data to the underlying writer.
func (w *SentenceWriter) Flush() error { return w.w.Flush() }
