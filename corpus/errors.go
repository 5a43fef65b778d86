package corpus

import (
	"errors"
	"fmt"
)

// Sentinel errors; test with errors.Is. Every error about the input is wrapped
// in an *Error that names the file and line.
var (
	// ErrNoRecords: the file holds no record (empty, only blank lines, only a header).
	ErrNoRecords = errors.New("no records")
	// ErrInvalidUTF8: a line is not valid UTF-8 (use Encoding "latin1" for Latin-1 files).
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrFieldCount: a row or token line has a different number of fields than the header or the file.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrMissingColumn: a named column or JSON field is absent.
	ErrMissingColumn = errors.New("missing column")
	// ErrNoLabel: a line that must carry a label carries none.
	ErrNoLabel = errors.New("no label")
	// ErrSyntax: a line does not parse (bad JSON, bad CSV quoting).
	ErrSyntax = errors.New("syntax error")
)

// Error is a problem with the input at File:Line (Line is 1-based; 0 when the
// problem concerns the whole file).
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error whose message is format wrapped around kind (a
// sentinel), so that both errors.Is(err, kind) and a clear message hold.
func errorf(file string, line int, kind error, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Err: &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}}
}

type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }
