package builder

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mulan-nlp/mulan/ngram"
)

// ParseMemory reads a memory size such as "1G", "200M", "64k", "1.5g" or a
// plain number of bytes (suffixes are powers of 1024, case-insensitive, an
// optional trailing B is ignored).
func ParseMemory(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "B"), "b")
	mult := 1.0
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		case 't', 'T':
			mult = 1 << 40
		}
		if mult != 1 {
			t = t[:len(t)-1]
		}
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || x <= 0 || x*mult > 1<<62 {
		return 0, fmt.Errorf("memory size %q: want a positive number with an optional K, M, G or T suffix", s)
	}
	return int64(x * mult), nil
}

// ExternalOptions configures NewExternalCounter.
type ExternalOptions struct {
	// Memory bounds the bytes the counter's buffer of n-gram records uses
	// (each record costs 4*order+8 bytes while buffered and sorted). When
	// the buffer is full it is sorted, collapsed into counts and written to
	// a run file. Values below 1 KiB are raised to 1 KiB.
	Memory int64
	// TempDir is where the run files go (a fresh subdirectory, removed by
	// Counts or Close); "" means os.TempDir().
	TempDir string
}

// MergeFanIn is how many run files one merge pass reads at once.
const MergeFanIn = 64

// extCounter is a Counter that sorts bounded batches of n-gram records in
// memory, spills them as sorted runs of (n-gram, count) records and k-way
// merges the runs, so the token stream never has to fit in memory (only the
// distinct n-grams that Counts returns do). Records are KenLM's: every
// position after <s> contributes the n-gram of length min(N, position+1)
// ending there, padded on the left with <s> to N words, so one sort in
// suffix order serves all lengths.
type extCounter struct {
	order int
	vocab *ngram.Vocab
	opt   ExternalOptions
	dir   string
	cap   int      // records per buffer
	buf   []uint32 // N ids per record
	runs  []string
	words uint64
	lines uint64
	err   error
}

// NewExternalCounter returns a disk-backed Counter of n-grams up to order
// over ids of vocab. It must be finished with Counts or Close, which remove
// its temporary files; it removes them itself when it fails.
func NewExternalCounter(order int, vocab *ngram.Vocab, opt ExternalOptions) (Counter, error) {
	if order < 1 || order > ngram.MaxOrder {
		return nil, fmt.Errorf("order %d out of range 1..%d", order, ngram.MaxOrder)
	}
	opt.Memory = max(opt.Memory, 1<<10)
	c := &extCounter{order: order, vocab: vocab, opt: opt}
	c.cap = int(opt.Memory / int64(4*order+8))
	return c, nil
}

func (c *extCounter) Add(s []uint32) error {
	if c.err != nil {
		return c.err
	}
	N := c.order
	// <s> w1 .. wk </s>: positions 1..k+1, the n-gram ending at position p
	// has length min(N, p+1).
	L := len(s) + 2
	tok := func(p int) uint32 {
		switch {
		case p <= 0:
			return ngram.BOS
		case p == L-1:
			return ngram.EOS
		}
		return s[p-1]
	}
	for p := 1; p < L; p++ {
		for k := N - 1; k >= 0; k-- {
			c.buf = append(c.buf, tok(p-k))
		}
		if len(c.buf) >= c.cap*N {
			if err := c.spill(); err != nil {
				return err
			}
		}
	}
	c.words += uint64(len(s))
	c.lines++
	return nil
}

// fail records err, removes the temporary files and returns err.
func (c *extCounter) fail(err error) error {
	c.err = err
	c.Close()
	return err
}

// Close removes the temporary files; the counter cannot be used afterwards.
func (c *extCounter) Close() error {
	c.buf = nil
	if c.dir == "" {
		return nil
	}
	err := os.RemoveAll(c.dir)
	c.dir = ""
	c.runs = nil
	if c.err == nil {
		c.err = errors.New("counter closed")
	}
	return err
}

// sortBuffer sorts the buffered records in suffix order and collapses equal
// ones, returning the distinct records and their counts.
func (c *extCounter) sortBuffer() ([]uint32, []uint64) {
	N := c.order
	n := len(c.buf) / N
	pos := make([]uint32, n)
	for i := range pos {
		pos[i] = uint32(i * N)
	}
	g := sortCount(c.buf, pos, N, c.vocab.Size())
	c.buf = c.buf[:0]
	return g.Words, g.Counts
}

func (c *extCounter) spill() error {
	if c.dir == "" {
		dir, err := os.MkdirTemp(c.opt.TempDir, "mulan-ngram-*")
		if err != nil {
			return c.fail(fmt.Errorf("external counter: %w", err))
		}
		c.dir = dir
	}
	words, counts := c.sortBuffer()
	path := filepath.Join(c.dir, fmt.Sprintf("run%06d", len(c.runs)))
	if err := writeRun(path, c.order, words, counts); err != nil {
		return c.fail(fmt.Errorf("external counter: %w", err))
	}
	c.runs = append(c.runs, path)
	return nil
}

func writeRun(path string, N int, words []uint32, counts []uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rec := make([]byte, 4*N+8)
	for i, cnt := range counts {
		for k, id := range words[i*N : (i+1)*N] {
			binary.LittleEndian.PutUint32(rec[4*k:], id)
		}
		binary.LittleEndian.PutUint64(rec[4*N:], cnt)
		if _, err := w.Write(rec); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runReader streams the records of one run file.
type runReader struct {
	f     *os.File
	r     *bufio.Reader
	rec   []byte
	gram  []uint32
	count uint64
}

func openRun(path string, N int) (*runReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &runReader{f: f, r: bufio.NewReaderSize(f, 1<<16), rec: make([]byte, 4*N+8), gram: make([]uint32, N)}, nil
}

// next reads the next record; it returns false at the end of the run.
func (r *runReader) next() (bool, error) {
	if _, err := io.ReadFull(r.r, r.rec); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("%s: %w", r.f.Name(), err)
	}
	for k := range r.gram {
		r.gram[k] = binary.LittleEndian.Uint32(r.rec[4*k:])
	}
	r.count = binary.LittleEndian.Uint64(r.rec[4*len(r.gram):])
	return true, nil
}

type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return ngram.CompareSuffix(h[i].gram, h[j].gram) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns merges sorted runs, summing the counts of equal records, and
// hands each distinct record to emit in suffix order.
func mergeRuns(paths []string, N int, emit func(gram []uint32, count uint64) error) error {
	h := make(runHeap, 0, len(paths))
	defer func() {
		for _, r := range h {
			r.f.Close()
		}
	}()
	for _, p := range paths {
		r, err := openRun(p, N)
		if err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil || !ok {
			r.f.Close()
			if err != nil {
				return err
			}
			continue
		}
		h = append(h, r)
	}
	heap.Init(&h)
	cur := make([]uint32, N)
	var count uint64
	have := false
	for len(h) > 0 {
		r := h[0]
		if have && ngram.CompareSuffix(cur, r.gram) == 0 {
			count += r.count
		} else {
			if have {
				if err := emit(cur, count); err != nil {
					return err
				}
			}
			copy(cur, r.gram)
			count, have = r.count, true
		}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			r.f.Close()
			heap.Pop(&h)
		}
	}
	if have {
		return emit(cur, count)
	}
	return nil
}

func (c *extCounter) Counts() (*Counts, error) {
	if c.err != nil {
		return nil, c.err
	}
	defer c.Close()
	N := c.order
	out := &Counts{Order: N, Vocab: c.vocab, Full: make([]Grams, N), Tokens: c.words, Lines: c.lines}
	for n := range out.Full {
		out.Full[n].N = n + 1
	}
	// A padded record is an n-gram of length N - (leading <s>) + 1 when it
	// starts with <s>, else a full N-gram.
	emit := func(gram []uint32, count uint64) error {
		n := N
		if N > 1 && gram[0] == ngram.BOS {
			k := 1
			for k < N && gram[k] == ngram.BOS {
				k++
			}
			n = N - k + 1
		}
		g := &out.Full[n-1]
		g.Words = append(g.Words, gram[N-n:]...)
		g.Counts = append(g.Counts, count)
		return nil
	}
	if len(c.runs) == 0 {
		words, counts := c.sortBuffer()
		for i, cnt := range counts {
			emit(words[i*N:(i+1)*N], cnt)
		}
		c.buf = nil
		return out, nil
	}
	if len(c.buf) > 0 {
		if err := c.spill(); err != nil {
			return nil, err
		}
	}
	c.buf = nil
	// Merge passes until at most MergeFanIn runs are left.
	for pass := 0; len(c.runs) > MergeFanIn; pass++ {
		var next []string
		for i := 0; i < len(c.runs); i += MergeFanIn {
			group := c.runs[i:min(i+MergeFanIn, len(c.runs))]
			path := filepath.Join(c.dir, fmt.Sprintf("merge%d-%06d", pass, len(next)))
			if err := mergeToRun(group, path, N); err != nil {
				return nil, c.fail(fmt.Errorf("external counter: %w", err))
			}
			for _, p := range group {
				os.Remove(p)
			}
			next = append(next, path)
		}
		c.runs = next
	}
	if err := mergeRuns(c.runs, N, emit); err != nil {
		return nil, c.fail(fmt.Errorf("external counter: %w", err))
	}
	return out, nil
}

func mergeToRun(paths []string, out string, N int) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rec := make([]byte, 4*N+8)
	err = mergeRuns(paths, N, func(gram []uint32, count uint64) error {
		for k, id := range gram {
			binary.LittleEndian.PutUint32(rec[4*k:], id)
		}
		binary.LittleEndian.PutUint64(rec[4*N:], count)
		_, err := w.Write(rec)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
