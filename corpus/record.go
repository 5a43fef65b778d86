package corpus

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"unicode/utf8"
)

// Record is one classification example.
type Record struct {
	ID    string // "" when the file has no id column
	Text  string
	Label string // "" when unlabelled; the first label in FastText format
	// Labels holds every label of a FastText line (Label is Labels[0]); nil in
	// other formats.
	Labels []string
	Line   int // 1-based line where the record starts
}

// Records streams the records of the file at path (gzip or not). Errors,
// including the failure to open the file, are yielded once as the last pair.
// Each call of the returned iterator reads the file anew.
func Records(path string, opt Options) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		f, err := Open(path)
		if err != nil {
			yield(Record{}, err)
			return
		}
		defer f.Close()
		ReadRecords(path, f, opt)(yield)
	}
}

// ReadRecords streams the records read from r; name labels error messages and,
// when opt.Format is empty, gives the format by its extension. The iterator
// consumes r and is meant to be ranged over once.
func ReadRecords(name string, r io.Reader, opt Options) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		rr, err := newRecordReader(name, r, opt)
		if err != nil {
			yield(Record{}, err)
			return
		}
		n := 0
		for {
			rec, err := rr.next()
			if err == io.EOF {
				if n == 0 {
					yield(Record{}, &Error{File: name, Err: ErrNoRecords})
				}
				return
			}
			if err != nil {
				yield(Record{}, err)
				return
			}
			n++
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// ReadAllRecords reads every record of the file at path.
func ReadAllRecords(path string, opt Options) ([]Record, error) {
	var out []Record
	for rec, err := range Records(path, opt) {
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

type recordReader interface {
	next() (Record, error) // io.EOF after the last record
}

func newRecordReader(name string, r io.Reader, opt Options) (recordReader, error) {
	format, err := opt.format(name)
	if err != nil {
		return nil, err
	}
	if format.IsSequence() {
		return nil, fmt.Errorf("%s: format %s holds tagged sentences, not records (read it with Sentences)", name, format)
	}
	br, err := stream(name, r, opt.Encoding)
	if err != nil {
		return nil, err
	}
	lr := &lineReader{name: name, br: br}
	switch format {
	case Lines:
		return &linesReader{lr: lr, skipBlank: opt.SkipBlank}, nil
	case TSV:
		return newTSVReader(lr, opt)
	case CSV:
		return newCSVReader(name, br, opt)
	case JSONL:
		return &jsonlReader{lr: lr, opt: opt}, nil
	case FastText:
		return &fastTextReader{lr: lr, prefix: opt.labelPrefix()}, nil
	case LabelText:
		return &labelTextReader{lr: lr}, nil
	}
	return nil, fmt.Errorf("%s: format %q cannot be read as records", name, format)
}

// ---- lines

type linesReader struct {
	lr        *lineReader
	skipBlank bool
}

func (l *linesReader) next() (Record, error) {
	for {
		b, err := l.lr.next()
		if err != nil {
			return Record{}, err
		}
		if l.skipBlank && isBlank(b) {
			continue
		}
		return Record{Text: string(b), Line: l.lr.line}, nil
	}
}

// ---- tables (TSV, CSV)

type columns struct{ text, label, id int }

// pickColumn finds the column named want, or else the first present of
// defaults; -1 when absent and not required.
func pickColumn(name string, line int, header []string, want string, defaults []string, what string, required bool) (int, error) {
	if want != "" {
		for i, h := range header {
			if h == want {
				return i, nil
			}
		}
		return -1, errorf(name, line, ErrMissingColumn, "no %s column %q in header (columns: %s)", what, want, strings.Join(header, ", "))
	}
	for _, d := range defaults {
		for i, h := range header {
			if h == d {
				return i, nil
			}
		}
	}
	if required {
		return -1, errorf(name, line, ErrMissingColumn, "no %s column: none of %s in header (columns: %s); name the column",
			what, strings.Join(defaults, ", "), strings.Join(header, ", "))
	}
	return -1, nil
}

func resolveColumns(name string, line int, header []string, opt Options) (columns, error) {
	var c columns
	var err error
	if c.text, err = pickColumn(name, line, header, opt.TextCol, defaultTextCols, "text", true); err != nil {
		return c, err
	}
	if c.label, err = pickColumn(name, line, header, opt.LabelCol, defaultLabelCols, "label", false); err != nil {
		return c, err
	}
	if c.id, err = pickColumn(name, line, header, opt.IDCol, defaultIDCols, "id", false); err != nil {
		return c, err
	}
	return c, nil
}

func (c columns) record(fields []string, line int) Record {
	rec := Record{Text: fields[c.text], Line: line}
	if c.label >= 0 {
		rec.Label = fields[c.label]
	}
	if c.id >= 0 {
		rec.ID = fields[c.id]
	}
	return rec
}

type tsvReader struct {
	lr     *lineReader
	cols   columns
	ncols  int
	fields []string
}

func newTSVReader(lr *lineReader, opt Options) (*tsvReader, error) {
	b, err := lr.next()
	if err == io.EOF {
		return nil, &Error{File: lr.name, Err: fmt.Errorf("empty file, no header row: %w", ErrNoRecords)}
	}
	if err != nil {
		return nil, err
	}
	header := strings.Split(string(b), "\t")
	cols, err := resolveColumns(lr.name, lr.line, header, opt)
	if err != nil {
		return nil, err
	}
	return &tsvReader{lr: lr, cols: cols, ncols: len(header)}, nil
}

func (t *tsvReader) next() (Record, error) {
	for {
		b, err := t.lr.next()
		if err != nil {
			return Record{}, err
		}
		if len(b) == 0 {
			continue
		}
		if n := bytes.Count(b, []byte{'\t'}) + 1; n != t.ncols {
			return Record{}, errorf(t.lr.name, t.lr.line, ErrFieldCount, "row has %d fields, header has %d", n, t.ncols)
		}
		s := string(b) // one allocation; fields are substrings
		t.fields = t.fields[:0]
		for {
			i := strings.IndexByte(s, '\t')
			if i < 0 {
				t.fields = append(t.fields, s)
				break
			}
			t.fields = append(t.fields, s[:i])
			s = s[i+1:]
		}
		return t.cols.record(t.fields, t.lr.line), nil
	}
}

type csvReader struct {
	name  string
	r     *csv.Reader
	cols  columns
	ncols int
}

func newCSVReader(name string, br *bufio.Reader, opt Options) (*csvReader, error) {
	c := &csvReader{name: name, r: csv.NewReader(br)}
	c.r.FieldsPerRecord = -1
	c.r.ReuseRecord = true
	header, err := c.r.Read()
	if err == io.EOF {
		return nil, &Error{File: name, Err: fmt.Errorf("empty file, no header row: %w", ErrNoRecords)}
	}
	if err != nil {
		return nil, c.wrap(err)
	}
	if err := c.checkUTF8(header); err != nil {
		return nil, err
	}
	header = append([]string(nil), header...)
	line, _ := c.r.FieldPos(0)
	if c.cols, err = resolveColumns(name, line, header, opt); err != nil {
		return nil, err
	}
	c.ncols = len(header)
	return c, nil
}

func (c *csvReader) wrap(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errorf(c.name, pe.Line, ErrSyntax, "column %d: %v", pe.Column, pe.Err)
	}
	return &Error{File: c.name, Err: err}
}

func (c *csvReader) checkUTF8(fields []string) error {
	for i, f := range fields {
		if !utf8.ValidString(f) {
			line, _ := c.r.FieldPos(i)
			return utf8Error(c.name, line, []byte(f))
		}
	}
	return nil
}

func (c *csvReader) next() (Record, error) {
	fields, err := c.r.Read()
	if err == io.EOF {
		return Record{}, io.EOF
	}
	if err != nil {
		return Record{}, c.wrap(err)
	}
	line, _ := c.r.FieldPos(0)
	if len(fields) != c.ncols {
		return Record{}, errorf(c.name, line, ErrFieldCount, "row has %d fields, header has %d", len(fields), c.ncols)
	}
	if err := c.checkUTF8(fields); err != nil {
		return Record{}, err
	}
	return c.cols.record(fields, line), nil
}

// ---- JSON lines

type jsonlReader struct {
	lr  *lineReader
	opt Options
	obj map[string]json.RawMessage
}

func (j *jsonlReader) next() (Record, error) {
	for {
		b, err := j.lr.next()
		if err != nil {
			return Record{}, err
		}
		if isBlank(b) {
			continue
		}
		if j.obj == nil {
			j.obj = make(map[string]json.RawMessage, 4)
		}
		clear(j.obj)
		if err := json.Unmarshal(b, &j.obj); err != nil {
			return Record{}, errorf(j.lr.name, j.lr.line, ErrSyntax, "bad JSON: %v", err)
		}
		rec := Record{Line: j.lr.line}
		if rec.Text, err = j.field(j.opt.TextCol, defaultTextCols, "text", true); err != nil {
			return Record{}, err
		}
		if rec.Label, err = j.field(j.opt.LabelCol, defaultLabelCols, "label", false); err != nil {
			return Record{}, err
		}
		if rec.ID, err = j.field(j.opt.IDCol, defaultIDCols, "id", false); err != nil {
			return Record{}, err
		}
		return rec, nil
	}
}

func (j *jsonlReader) field(want string, defaults []string, what string, required bool) (string, error) {
	key := want
	raw, ok := j.obj[want]
	if want == "" {
		for _, d := range defaults {
			if raw, ok = j.obj[d]; ok {
				key = d
				break
			}
		}
	}
	if !ok {
		if want == "" && !required {
			return "", nil
		}
		if want == "" {
			want = strings.Join(defaults, ", ")
		}
		return "", errorf(j.lr.name, j.lr.line, ErrMissingColumn, "no %s field (%s) in object", what, want)
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", errorf(j.lr.name, j.lr.line, ErrSyntax, "field %q: %v", key, err)
		}
		return s, nil
	case string(raw) == "null":
		return "", nil
	case len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), nil // numbers keep their JSON spelling
	}
	return "", errorf(j.lr.name, j.lr.line, ErrSyntax, "field %q is neither a string nor a number", key)
}

// ---- fastText

type fastTextReader struct {
	lr     *lineReader
	prefix string
}

func (f *fastTextReader) next() (Record, error) {
	for {
		b, err := f.lr.next()
		if err != nil {
			return Record{}, err
		}
		if isBlank(b) {
			continue
		}
		s := string(b)
		rec := Record{Line: f.lr.line}
		rest := strings.TrimLeft(s, " \t")
		for strings.HasPrefix(rest, f.prefix) {
			end := strings.IndexAny(rest, " \t")
			if end < 0 {
				end = len(rest)
			}
			label := rest[len(f.prefix):end]
			if label == "" {
				return Record{}, errorf(f.lr.name, f.lr.line, ErrNoLabel, "empty label after %q", f.prefix)
			}
			rec.Labels = append(rec.Labels, label)
			rest = strings.TrimLeft(rest[end:], " \t")
		}
		if len(rec.Labels) == 0 {
			return Record{}, errorf(f.lr.name, f.lr.line, ErrNoLabel, "line does not start with a %q label", f.prefix)
		}
		rec.Label = rec.Labels[0]
		rec.Text = rest
		return rec, nil
	}
}

// ---- label text

type labelTextReader struct{ lr *lineReader }

func (l *labelTextReader) next() (Record, error) {
	for {
		b, err := l.lr.next()
		if err != nil {
			return Record{}, err
		}
		if isBlank(b) {
			continue
		}
		i := bytes.IndexAny(b, " \t")
		if i <= 0 {
			return Record{}, errorf(l.lr.name, l.lr.line, ErrNoLabel, "want `label text`, found no separator after a label")
		}
		s := string(b)
		return Record{Label: s[:i], Text: s[i+1:], Line: l.lr.line}, nil
	}
}
