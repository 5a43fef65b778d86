package corpus

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format names a file layout. Its string form is what a --format flag takes.
type Format string

// Record formats (read with Records) and sentence formats (read with Sentences).
const (
	// Lines: one text per line; Record.Text is the line. Options.SkipBlank drops blank lines.
	Lines Format = "lines"
	// TSV: tab-separated table with a header row, no quoting (GLUE style).
	TSV Format = "tsv"
	// CSV: comma-separated table with a header row, quoting per RFC 4180.
	CSV Format = "csv"
	// JSONL: one JSON object per line with named fields.
	JSONL Format = "jsonl"
	// FastText: `__label__a __label__b text` lines.
	FastText Format = "fasttext"
	// LabelText: `label text` lines, label first and separated by one space or
	// tab (SST stsa.binary.*, TREC *.label with `COARSE:fine` labels).
	LabelText Format = "label-text"
	// CoNLL: one token per line in space/tab separated columns, blank line
	// between sentences, `-DOCSTART-` lines between documents.
	CoNLL Format = "conll"
	// Chars: one character per line, `char TAG` (BIO, BMES), blank line between sentences.
	Chars Format = "chars"
)

var formats = []Format{Lines, TSV, CSV, JSONL, FastText, LabelText, CoNLL, Chars}

// Formats lists every format name.
func Formats() []Format { return append([]Format(nil), formats...) }

// IsSequence reports whether f holds sentences of tagged tokens (CoNLL, Chars)
// rather than records.
func (f Format) IsSequence() bool { return f == CoNLL || f == Chars }

// ParseFormat checks a format name as given on a command line.
func ParseFormat(s string) (Format, error) {
	for _, f := range formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, formatList())
}

func formatList() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// DetectFormat guesses a format from the file name where the extension is
// unambiguous (a trailing .gz is ignored): .tsv, .csv, .jsonl/.ndjson, .conll,
// .bmes/.bio/.bioes (chars), .label (label-text), .ft/.fasttext. Other names,
// .txt included, are an error asking for an explicit format.
func DetectFormat(path string) (Format, error) {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, ".gz")
	switch filepath.Ext(base) {
	case ".tsv":
		return TSV, nil
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson":
		return JSONL, nil
	case ".conll":
		return CoNLL, nil
	case ".bmes", ".bio", ".bioes":
		return Chars, nil
	case ".label":
		return LabelText, nil
	case ".ft", ".fasttext":
		return FastText, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the file name; name one of %s", path, formatList())
}

// Options say how to read (or write) a file. The zero value reads a format
// detected from the file name with default columns.
type Options struct {
	// Format of the file; "" detects it from the file name (DetectFormat).
	Format Format

	// TextCol, LabelCol and IDCol name the header columns (TSV, CSV) or
	// object fields (JSONL) holding the text, label and id. A named column
	// must exist. When empty, the first present of these is used:
	//   text:  text, sentence, text_a, review, question, content
	//   label: label
	//   id:    id, qid, index
	// a missing text column is an error; a missing label or id leaves that
	// field empty (unlabelled data).
	TextCol, LabelCol, IDCol string

	// SkipBlank drops blank (empty or whitespace-only) lines in Lines format.
	SkipBlank bool

	// Encoding of the file: "" or "utf-8" (validated), or "latin1".
	Encoding string

	// LabelPrefix marks labels in FastText format; "" means "__label__".
	LabelPrefix string

	// TokenCol and TagCol pick CoNLL columns, counted from 1; negative counts
	// from the end (-1 is the last). 0 means the default: token = first
	// column, tag = last column (no tags when a line has a single column).
	TokenCol, TagCol int
}

var (
	defaultTextCols  = []string{"text", "sentence", "text_a", "review", "question", "content"}
	defaultLabelCols = []string{"label"}
	defaultIDCols    = []string{"id", "qid", "index"}
)

func (o Options) format(name string) (Format, error) {
	if o.Format == "" {
		return DetectFormat(name)
	}
	return ParseFormat(string(o.Format))
}

func (o Options) labelPrefix() string {
	if o.LabelPrefix == "" {
		return "__label__"
	}
	return o.LabelPrefix
}
