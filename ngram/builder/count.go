package builder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/progress"
)

// Grams is a list of distinct n-grams of one order in suffix order with counts.
type Grams struct {
	N      int
	Words  []uint32 // N ids per entry
	Counts []uint64
}

// Len is the number of n-grams.
func (g *Grams) Len() int { return len(g.Counts) }

// Gram returns entry i.
func (g *Grams) Gram(i int) []uint32 { return g.Words[i*g.N : (i+1)*g.N : (i+1)*g.N] }

// Counts is what counting hands to estimation: the raw counts of the n-grams
// ending at each position of the padded sentences. Full[N-1] holds the
// N-grams; Full[n-1] for n < N holds the n-grams that start with <s> because
// the sentence is shorter than N-1 words at that point (empty for n = 1 unless
// N = 1).
type Counts struct {
	Order  int
	Vocab  *ngram.Vocab
	Full   []Grams
	Tokens uint64 // words counted, without <s> and </s>
	Lines  uint64 // sentences counted
}

// Counter accumulates sentences of word ids (without <s> and </s>) and turns
// them into Counts. The in-memory counter of NewCounter is one implementation;
// a disk-backed external sort is another.
type Counter interface {
	Add(sentence []uint32) error
	Counts() (*Counts, error)
}

// memCounter keeps the padded token stream and sorts its windows at the end.
type memCounter struct {
	order  int
	vocab  *ngram.Vocab
	toks   []uint32 // <s> w1 .. wk </s> per sentence, back to back
	starts []uint32 // start of each sentence in toks
	words  uint64
}

// NewCounter returns an in-memory Counter of n-grams up to order (1..ngram.MaxOrder)
// over ids of vocab. It holds 4 bytes per token while adding and 12 while sorting.
func NewCounter(order int, vocab *ngram.Vocab) (Counter, error) {
	if order < 1 || order > ngram.MaxOrder {
		return nil, fmt.Errorf("order %d out of range 1..%d", order, ngram.MaxOrder)
	}
	return &memCounter{order: order, vocab: vocab}, nil
}

func (c *memCounter) Add(s []uint32) error {
	if uint64(len(c.toks))+uint64(len(s))+2 > 1<<32-1 {
		return errors.New("in-memory counter holds at most 2^32 tokens")
	}
	c.starts = append(c.starts, uint32(len(c.toks)))
	c.toks = append(c.toks, ngram.BOS)
	c.toks = append(c.toks, s...)
	c.toks = append(c.toks, ngram.EOS)
	c.words += uint64(len(s))
	return nil
}

func (c *memCounter) Counts() (*Counts, error) {
	N := c.order
	out := &Counts{Order: N, Vocab: c.vocab, Full: make([]Grams, N), Tokens: c.words, Lines: uint64(len(c.starts))}
	for n := range out.Full {
		out.Full[n].N = n + 1
	}
	toks := c.toks
	// Window starts: a full window of N words lies inside one sentence.
	var pos []uint32
	prefix := make([][]uint32, N) // sentence starts whose <s>-prefix of length n is an entry
	for si, st := range c.starts {
		end := uint32(len(toks))
		if si+1 < len(c.starts) {
			end = c.starts[si+1]
		}
		L := int(end - st)
		if N == 1 {
			for p := st + 1; p < end; p++ {
				pos = append(pos, p)
			}
			continue
		}
		for p := int(st); p+N <= int(end); p++ {
			pos = append(pos, uint32(p))
		}
		for n := 2; n <= min(N-1, L); n++ {
			prefix[n-1] = append(prefix[n-1], st)
		}
	}
	out.Full[N-1] = sortCount(toks, pos, N, c.vocab.Size())
	for n := 2; n < N; n++ {
		out.Full[n-1] = sortCountSmall(toks, prefix[n-1], n)
	}
	return out, nil
}

// sortCount radix-sorts the windows toks[p:p+n] for p in pos into suffix
// order and returns the distinct windows with their counts. pos is reused.
func sortCount(toks, pos []uint32, n, vocabSize int) Grams {
	tmp := make([]uint32, len(pos))
	hist := make([]uint32, vocabSize+1)
	for d := 0; d < n; d++ { // least significant digit first: the first word
		clear(hist)
		for _, p := range pos {
			hist[toks[p+uint32(d)]+1]++
		}
		for i := 1; i < len(hist); i++ {
			hist[i] += hist[i-1]
		}
		for _, p := range pos {
			k := toks[p+uint32(d)]
			tmp[hist[k]] = p
			hist[k]++
		}
		pos, tmp = tmp, pos
	}
	return dedupe(toks, pos, n)
}

// sortCountSmall sorts few windows by comparison.
func sortCountSmall(toks, pos []uint32, n int) Grams {
	slices.SortFunc(pos, func(a, b uint32) int {
		return ngram.CompareSuffix(toks[a:a+uint32(n)], toks[b:b+uint32(n)])
	})
	return dedupe(toks, pos, n)
}

func dedupe(toks, pos []uint32, n int) Grams {
	g := Grams{N: n}
	distinct := 0
	for i := range pos {
		if i == 0 || !slices.Equal(toks[pos[i]:pos[i]+uint32(n)], toks[pos[i-1]:pos[i-1]+uint32(n)]) {
			distinct++
		}
	}
	g.Words = make([]uint32, 0, distinct*n)
	g.Counts = make([]uint64, 0, distinct)
	for i, p := range pos {
		w := toks[p : p+uint32(n)]
		if i > 0 && slices.Equal(w, toks[pos[i-1]:pos[i-1]+uint32(n)]) {
			g.Counts[len(g.Counts)-1]++
			continue
		}
		g.Words = append(g.Words, w...)
		g.Counts = append(g.Counts, 1)
	}
	return g
}

// CountOptions configures CountText.
type CountOptions struct {
	Order int
	// Memory, when positive, counts with the disk-backed external sort of
	// NewExternalCounter under this many bytes, spilling runs to TempDir
	// ("" means os.TempDir()); zero counts in memory.
	Memory   int64
	TempDir  string
	Progress *progress.Reporter // may be nil
	// Warn receives one message per kind of odd input (a literal <s> or </s>,
	// which are dropped); may be nil.
	Warn func(msg string)
}

// CountText reads tokenized text, one sentence a line with words separated by
// spaces or tabs, into a fresh vocabulary (ids in first-seen order, as lmplz
// assigns them) and counts it (in memory, or by external sort when opt.Memory > 0). A literal <unk> is
// the unknown word; literal <s> and </s> are dropped with a warning. name is
// used in error messages.
func CountText(r io.Reader, name string, opt CountOptions) (_ *Counts, err error) {
	vocab := ngram.NewVocab()
	var c Counter
	if opt.Memory > 0 {
		c, err = NewExternalCounter(opt.Order, vocab, ExternalOptions{Memory: opt.Memory, TempDir: opt.TempDir})
	} else {
		c, err = NewCounter(opt.Order, vocab)
	}
	if err != nil {
		return nil, err
	}
	if cl, ok := c.(io.Closer); ok {
		defer func() {
			if err != nil {
				cl.Close()
			}
		}()
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var sent []uint32
	var long []byte
	warned := false
	lineNo := 0
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
		}
		if err == io.EOF && len(line) == 0 {
			break
		}
		lineNo++
		sent = sent[:0]
		for i := 0; i < len(line); {
			for i < len(line) && isTextSpace(line[i]) {
				i++
			}
			j := i
			for j < len(line) && !isTextSpace(line[j]) {
				j++
			}
			if j == i {
				break
			}
			id := vocab.AddBytes(line[i:j])
			if id == ngram.BOS || id == ngram.EOS {
				if !warned && opt.Warn != nil {
					opt.Warn(fmt.Sprintf("%s:%d: %s appears in the input; <s> and </s> are dropped wherever they appear", name, lineNo, line[i:j]))
				}
				warned = true
			} else {
				sent = append(sent, id)
			}
			i = j
		}
		if err := c.Add(sent); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if lineNo%4096 == 0 {
			opt.Progress.Add(4096)
		}
		if err == io.EOF {
			break
		}
	}
	opt.Progress.Add(int64(lineNo % 4096))
	return c.Counts()
}

func isTextSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v' || c == '\f'
}
