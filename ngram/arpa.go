package ngram

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// WriteARPA writes m in the ARPA text format exactly as KenLM's lmplz lays it
// out: the \data\ header with one "ngram N=count" line per order, then one
// section per order with "prob<TAB>w1 w2 ...[<TAB>backoff]" lines (every order
// but the highest carries a back-off, 0 when the n-gram is no context), and
// \end\. Numbers use KenLM's shortest float format. Entries are written in
// table (suffix) order. Formatting runs in parallel; writing stays in order.
func WriteARPA(w io.Writer, m *Model) error {
	if err := m.Verify(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var hdr []byte
	hdr = append(hdr, "\\data\\\n"...)
	for n, t := range m.Tables {
		hdr = fmt.Appendf(hdr, "ngram %d=%d\n", n+1, t.Len())
	}
	if _, err := bw.Write(hdr); err != nil {
		return err
	}
	const chunk = 1 << 14
	type job struct {
		t      *Table
		lo, hi int
		out    chan []byte
	}
	// Few chunks in flight: enough to keep every core busy, little memory.
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan job, workers)
	order := make(chan chan []byte, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- m.appendEntries(make([]byte, 0, (j.hi-j.lo)*(24+8*j.t.N)), j.t, j.lo, j.hi)
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(order)
		for n := range m.Tables {
			t := &m.Tables[n]
			head := make(chan []byte, 1)
			head <- fmt.Appendf(nil, "\n\\%d-grams:\n", n+1)
			order <- head
			for lo := 0; lo < t.Len(); lo += chunk {
				out := make(chan []byte, 1)
				order <- out
				jobs <- job{t, lo, min(lo+chunk, t.Len()), out}
			}
		}
	}()
	var err error
	for out := range order {
		b := <-out
		if err == nil {
			_, err = bw.Write(b)
		}
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if _, err := bw.WriteString("\n\\end\\\n"); err != nil {
		return err
	}
	return bw.Flush()
}

func (m *Model) appendEntries(b []byte, t *Table, lo, hi int) []byte {
	words := m.Vocab.words
	for i := lo; i < hi; i++ {
		b = AppendFloat(b, float64(t.Prob[i]), 32)
		b = append(b, '\t')
		for k, id := range t.Gram(i) {
			if k > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[id]...)
		}
		if t.Backoff != nil {
			b = append(b, '\t')
			b = AppendFloat(b, float64(t.Backoff[i]), 32)
		}
		b = append(b, '\n')
	}
	return b
}

// OpenText opens path for reading and decompresses it when it starts with the
// gzip magic bytes.
func OpenText(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := MaybeGunzip(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{r, f}, nil
}

// MaybeGunzip returns a reader of r's content, gunzipped when it starts with
// the gzip magic bytes.
func MaybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		return bufio.NewReaderSize(zr, 1<<16), nil
	}
	return br, nil
}

// LoadARPA reads an ARPA file, gzipped or not.
func LoadARPA(path string) (*Model, error) {
	rc, err := OpenText(path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return ReadARPA(rc, path)
}

// ReadARPA parses an ARPA model from r; name is used in error messages, which
// have the form "name:line: what". The reader accepts n-grams in any order
// within a section, tabs or spaces between fields, text before \data\, and a
// missing back-off (taken as 0) below the highest order. It refuses a wrong
// count, a bad or positive number, a missing or misplaced section, an unknown
// word in a higher order, a duplicate n-gram and an n-gram whose last n-1 words
// are not in the order below. A missing <unk> is added with log10 probability
// -100 as KenLM does; -99 is kept as is (it stands for log 0).
func ReadARPA(r io.Reader, name string) (*Model, error) {
	p := &arpaParser{br: bufio.NewReaderSize(r, 1<<16), name: name}
	m, err := p.parse()
	if err != nil {
		return nil, err
	}
	return m, nil
}

type arpaParser struct {
	br   *bufio.Reader
	name string
	line int
	buf  []byte
	eof  bool

	lineOf [][]uint32 // source line of each entry, per order, while parsing
}

func (p *arpaParser) errf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, p.line, fmt.Sprintf(format, args...))
}

// next returns the next line without its end of line; ok is false at end of input.
func (p *arpaParser) next() (line []byte, ok bool, err error) {
	if p.eof {
		return nil, false, nil
	}
	b, err := p.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		p.buf = append(p.buf[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = p.br.ReadSlice('\n')
			p.buf = append(p.buf, b...)
		}
		b = p.buf
	}
	if err == io.EOF {
		p.eof = true
		if len(b) == 0 {
			return nil, false, nil
		}
	} else if err != nil {
		return nil, false, fmt.Errorf("%s:%d: %w", p.name, p.line+1, err)
	}
	p.line++
	b = bytes.TrimRight(b, "\r\n")
	return b, true, nil
}

// nextNonBlank skips blank lines.
func (p *arpaParser) nextNonBlank() ([]byte, bool, error) {
	for {
		b, ok, err := p.next()
		if err != nil || !ok {
			return nil, ok, err
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return bytes.TrimSpace(b), true, nil
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// fields splits b at runs of spaces and tabs into dst.
func fields(dst [][]byte, b []byte) [][]byte {
	dst = dst[:0]
	i := 0
	for i < len(b) {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		if j > i {
			dst = append(dst, b[i:j])
		}
		i = j
	}
	return dst
}

func (p *arpaParser) number(b []byte, what string) (float32, error) {
	x, err := strconv.ParseFloat(string(b), 32)
	if err != nil || math.IsNaN(x) {
		return 0, p.errf("bad %s %q", what, b)
	}
	return float32(x), nil
}

func (p *arpaParser) parse() (*Model, error) {
	// Header.
	for {
		b, ok, err := p.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s:%d: no \\data\\ section", p.name, p.line)
		}
		if string(bytes.TrimSpace(b)) == "\\data\\" {
			break
		}
	}
	var counts []int
	var b []byte
	for {
		var ok bool
		var err error
		b, ok, err = p.nextNonBlank()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errf("unexpected end of file in \\data\\ section")
		}
		if !bytes.HasPrefix(b, []byte("ngram ")) {
			break
		}
		rest := bytes.TrimSpace(b[len("ngram "):])
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 {
			return nil, p.errf("bad count line %q", b)
		}
		n, err1 := strconv.Atoi(string(bytes.TrimSpace(rest[:eq])))
		c, err2 := strconv.Atoi(string(bytes.TrimSpace(rest[eq+1:])))
		if err1 != nil || err2 != nil || c < 0 {
			return nil, p.errf("bad count line %q", b)
		}
		if n != len(counts)+1 {
			return nil, p.errf("count line for order %d, expected order %d", n, len(counts)+1)
		}
		if n > MaxOrder {
			return nil, p.errf("order %d exceeds the maximum %d", n, MaxOrder)
		}
		counts = append(counts, c)
	}
	if len(counts) == 0 {
		return nil, p.errf("no \"ngram N=count\" lines after \\data\\")
	}
	N := len(counts)
	m := &Model{Vocab: &Vocab{index: make(map[string]uint32, counts[0])}, Tables: make([]Table, N)}
	p.lineOf = make([][]uint32, N)
	var fs [][]byte
	for n := 1; n <= N; n++ {
		if b == nil {
			var ok bool
			var err error
			if b, ok, err = p.nextNonBlank(); err != nil {
				return nil, err
			} else if !ok {
				return nil, p.errf("unexpected end of file, expected \\%d-grams:", n)
			}
		}
		if string(b) != fmt.Sprintf("\\%d-grams:", n) {
			return nil, p.errf("expected \\%d-grams:, found %q", n, b)
		}
		b = nil
		t := &m.Tables[n-1]
		t.N = n
		t.Words = make([]uint32, 0, n*counts[n-1])
		t.Prob = make([]float32, 0, counts[n-1])
		if n < N {
			t.Backoff = make([]float32, 0, counts[n-1])
		}
		lines := make([]uint32, 0, counts[n-1])
		var uniWords []string
		for {
			line, ok, err := p.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, p.errf("unexpected end of file in \\%d-grams: section", n)
			}
			fs = fields(fs, line)
			if len(fs) == 0 {
				break
			}
			if fs[0][0] == '\\' {
				b = bytes.TrimSpace(line)
				break
			}
			if t.Len() == counts[n-1] {
				return nil, p.errf("more %d-grams than the %d announced in \\data\\", n, counts[n-1])
			}
			if len(fs) != n+1 && len(fs) != n+2 {
				return nil, p.errf("%d-gram line has %d fields, want %d or %d", n, len(fs), n+1, n+2)
			}
			prob, err := p.number(fs[0], "probability")
			if err != nil {
				return nil, err
			}
			if prob > 0 {
				return nil, p.errf("positive log10 probability %s", fs[0])
			}
			var bo float32
			if len(fs) == n+2 {
				if n == N {
					return nil, p.errf("back-off on a %d-gram of the highest order", n)
				}
				if bo, err = p.number(fs[n+1], "back-off"); err != nil {
					return nil, err
				}
			}
			if n == 1 {
				uniWords = append(uniWords, string(fs[1]))
			} else {
				for _, w := range fs[1 : n+1] {
					id, ok := m.Vocab.index[string(w)]
					if !ok {
						return nil, p.errf("word %q of a %d-gram is not a unigram", w, n)
					}
					t.Words = append(t.Words, id)
				}
			}
			lines = append(lines, uint32(p.line))
			t.Prob = append(t.Prob, prob)
			if n < N {
				t.Backoff = append(t.Backoff, bo)
			}
		}
		if t.Len() != counts[n-1] {
			return nil, p.errf("\\%d-grams: section has %d entries, \\data\\ announced %d", n, t.Len(), counts[n-1])
		}
		var err error
		if n == 1 {
			err = p.unigrams(m, uniWords, lines)
		} else {
			err = p.sortTable(m, t, lines)
		}
		if err != nil {
			return nil, err
		}
	}
	if b == nil {
		var err error
		if b, _, err = p.nextNonBlank(); err != nil {
			return nil, err
		}
	}
	if string(b) != "\\end\\" {
		if b == nil {
			return nil, p.errf("unexpected end of file, expected \\end\\")
		}
		return nil, p.errf("expected \\end\\, found %q", b)
	}
	if n, j, err := m.link(); err != nil {
		if n > 0 {
			return nil, fmt.Errorf("%s:%d: %w", p.name, p.lineOf[n-1][j], err)
		}
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	p.lineOf = nil
	return m, nil
}

// unigrams assigns ids (<unk>, <s>, </s> first, then file order) and puts the
// unigram table in id order.
func (p *arpaParser) unigrams(m *Model, words []string, lines []uint32) error {
	t := &m.Tables[0]
	v := NewVocab()
	seen := make([]bool, 3, len(words)+3)
	ids := make([]uint32, len(words))
	for i, w := range words {
		id := v.Add(w)
		if int(id) == len(seen) {
			seen = append(seen, false)
		}
		if seen[id] {
			return fmt.Errorf("%s:%d: duplicate unigram %q", p.name, lines[i], w)
		}
		seen[id] = true
		ids[i] = id
	}
	has := seen[:3]
	for _, id := range []uint32{BOS, EOS} {
		if !has[id] {
			return fmt.Errorf("%s: the 1-grams lack %s", p.name, v.Word(id))
		}
	}
	size := v.Size()
	prob := make([]float32, size)
	var bo []float32
	if t.Backoff != nil {
		bo = make([]float32, size)
	}
	ln := make([]uint32, size)
	if !has[Unk] {
		prob[Unk] = -100
	}
	for i, id := range ids {
		prob[id] = t.Prob[i]
		if bo != nil {
			bo[id] = t.Backoff[i]
		}
		ln[id] = lines[i]
	}
	t.Prob, t.Backoff = prob, bo
	t.Words = make([]uint32, size)
	for i := range t.Words {
		t.Words[i] = uint32(i)
	}
	m.Vocab = v
	p.lineOf[0] = ln
	return nil
}

// sortTable puts t in suffix order, refusing duplicates.
func (p *arpaParser) sortTable(m *Model, t *Table, lines []uint32) error {
	n := t.N
	sorted := true
	for i := 1; i < t.Len(); i++ {
		if CompareSuffix(t.Gram(i-1), t.Gram(i)) >= 0 {
			sorted = false
			break
		}
	}
	if !sorted {
		perm := make([]uint32, t.Len())
		for i := range perm {
			perm[i] = uint32(i)
		}
		slices.SortFunc(perm, func(a, b uint32) int {
			if c := CompareSuffix(t.Gram(int(a)), t.Gram(int(b))); c != 0 {
				return c
			}
			return int(a) - int(b)
		})
		words := make([]uint32, len(t.Words))
		prob := make([]float32, len(t.Prob))
		var bo []float32
		if t.Backoff != nil {
			bo = make([]float32, len(t.Backoff))
		}
		ln := make([]uint32, len(lines))
		for i, j := range perm {
			copy(words[i*n:(i+1)*n], t.Gram(int(j)))
			prob[i] = t.Prob[j]
			if bo != nil {
				bo[i] = t.Backoff[j]
			}
			ln[i] = lines[j]
		}
		t.Words, t.Prob, t.Backoff, lines = words, prob, bo, ln
		for i := 1; i < t.Len(); i++ {
			if CompareSuffix(t.Gram(i-1), t.Gram(i)) == 0 {
				return fmt.Errorf("%s:%d: duplicate %d-gram %q (first at line %d)", p.name, lines[i], n, m.Phrase(t.Gram(i)), lines[i-1])
			}
		}
	}
	p.lineOf[n-1] = lines
	return nil
}
