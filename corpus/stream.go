package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

const bufSize = 64 << 10

// gzipMagic starts every gzip member (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// Encoding names accepted in Options.Encoding.
const (
	UTF8   = "utf-8"
	Latin1 = "latin1"
)

func normEncoding(name, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8":
		return UTF8, nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
		return Latin1, nil
	}
	return "", &Error{File: name, Err: fmt.Errorf("unknown encoding %q (want utf-8 or latin1)", enc)}
}

// File is an opened data file, decompressed if it was gzip.
type File struct {
	io.Reader
	closers []io.Closer
}

// Close closes the decompressor and the underlying file.
func (f *File) Close() error {
	var err error
	for i := len(f.closers) - 1; i >= 0; i-- {
		if e := f.closers[i].Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

// Open opens path for reading and, if its first bytes are the gzip magic,
// decompresses it transparently (whatever the file name says).
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := Decompress(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	out := &File{Reader: r, closers: []io.Closer{f}}
	if c, ok := r.(io.Closer); ok {
		out.closers = append(out.closers, c)
	}
	return out, nil
}

// Decompress returns a reader of r's content, gunzipped when r starts with the
// gzip magic bytes. name is used in error messages only. The returned reader
// is buffered; when it is an io.Closer, closing it releases the decompressor
// (not r).
func Decompress(name string, r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, &Error{File: name, Err: err}
	}
	if !bytes.Equal(magic, gzipMagic) {
		return br, nil
	}
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, &Error{File: name, Err: fmt.Errorf("gzip: %w", err)}
	}
	return &gzipReader{Reader: bufio.NewReaderSize(gz, bufSize), gz: gz}, nil
}

type gzipReader struct {
	*bufio.Reader
	gz *gzip.Reader
}

func (g *gzipReader) Close() error { return g.gz.Close() }

// stream turns r into a buffered UTF-8 byte stream: gunzipped if needed,
// Latin-1 decoded if asked, with a leading byte-order mark removed.
func stream(name string, r io.Reader, encoding string) (*bufio.Reader, error) {
	enc, err := normEncoding(name, encoding)
	if err != nil {
		return nil, err
	}
	d, err := Decompress(name, r)
	if err != nil {
		return nil, err
	}
	br, ok := d.(*bufio.Reader)
	if g, isGz := d.(*gzipReader); isGz {
		br, ok = g.Reader, true
	}
	if !ok {
		br = bufio.NewReaderSize(d, bufSize)
	}
	if enc == Latin1 {
		br = bufio.NewReaderSize(&latin1Reader{r: br}, bufSize)
	}
	if p, _ := br.Peek(3); bytes.Equal(p, utf8BOM) {
		br.Discard(3)
	}
	return br, nil
}

// latin1Reader decodes ISO-8859-1 bytes to UTF-8.
type latin1Reader struct {
	r   io.Reader
	in  []byte
	out []byte // decoded bytes not yet returned
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		if cap(l.in) == 0 {
			l.in = make([]byte, bufSize/2)
		}
		n, err := l.r.Read(l.in[:cap(l.in)])
		if n == 0 {
			return 0, err
		}
		l.out = l.out[:0]
		for _, b := range l.in[:n] {
			if b < utf8.RuneSelf {
				l.out = append(l.out, b)
			} else {
				l.out = utf8.AppendRune(l.out, rune(b))
			}
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}

// lineReader yields lines without their "\n" or "\r\n", counting them from 1
// and checking UTF-8.
type lineReader struct {
	name string
	br   *bufio.Reader
	line int
	long []byte // assembles lines longer than the buffer
}

// next returns the next line (valid until the following call) or io.EOF.
// Other errors are *Error values naming the line.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		l.long = append(l.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = l.br.ReadSlice('\n')
			l.long = append(l.long, b...)
		}
		b = l.long
	}
	if err != nil && err != io.EOF {
		return nil, &Error{File: l.name, Line: l.line + 1, Err: err}
	}
	if len(b) == 0 { // err == io.EOF
		return nil, io.EOF
	}
	l.line++
	if b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if !utf8.Valid(b) {
		return nil, utf8Error(l.name, l.line, b)
	}
	return b, nil
}

func utf8Error(name string, line int, b []byte) *Error {
	off := 0
	for off < len(b) {
		r, size := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	return errorf(name, line, ErrInvalidUTF8, "invalid UTF-8 at byte %d of the line (use encoding latin1 for Latin-1 files)", off+1)
}

// isBlank reports whether b holds only spaces and tabs.
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
