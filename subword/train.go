package subword

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/progress"
)

// Options control training. The zero value of each field selects its default.
type Options struct {
	// VocabSize is the total number of pieces: 4 control tokens, 256 bytes,
	// the kept characters and the merged pieces. Default 8000; at least 261.
	// Training stops earlier when no pair is left to merge.
	VocabSize int
	// CharacterCoverage is the share of character occurrences that the kept
	// characters must cover, most frequent first (as in SentencePiece);
	// the rest are encoded as bytes. Default 0.9995; must be in (0, 1].
	// The space is always kept. If the covering set does not fit in the
	// vocabulary, only the most frequent characters that fit are kept.
	CharacterCoverage float64
	// MaxSentenceLength skips training lines longer than this many bytes.
	// Default 65536.
	MaxSentenceLength int
	// MaxPieceLength is the longest piece a merge may build, in characters.
	// Default 16.
	MaxPieceLength int
	// MaxChunkLength cuts a chunk after this many characters. Default 64.
	MaxChunkLength int
	// NoDummyPrefix turns off prepending a space to every text.
	NoDummyPrefix bool
	// Progress receives progress lines (nil: silent).
	Progress io.Writer
}

func (o *Options) setDefaults() error {
	if o.VocabSize == 0 {
		o.VocabSize = 8000
	}
	if o.CharacterCoverage == 0 {
		o.CharacterCoverage = 0.9995
	}
	if o.MaxSentenceLength == 0 {
		o.MaxSentenceLength = 1 << 16
	}
	if o.MaxPieceLength == 0 {
		o.MaxPieceLength = 16
	}
	if o.MaxChunkLength == 0 {
		o.MaxChunkLength = 64
	}
	switch {
	case o.VocabSize <= FirstCharID:
		return fmt.Errorf("vocabulary size %d too small: need more than %d (control tokens and bytes) plus characters", o.VocabSize, FirstCharID)
	case math.IsNaN(o.CharacterCoverage) || o.CharacterCoverage <= 0 || o.CharacterCoverage > 1:
		return fmt.Errorf("character coverage %v not in (0, 1]", o.CharacterCoverage)
	case o.MaxSentenceLength < 0 || o.MaxPieceLength < 1 || o.MaxChunkLength < 1:
		return errors.New("MaxSentenceLength, MaxPieceLength and MaxChunkLength must be positive")
	}
	return nil
}

// Train learns a model from the lines of r (split at '\n'; each line is one
// text, so a trailing '\r' is part of it).
func Train(r io.Reader, opt Options) (*Model, error) {
	var readErr error
	lines := func(yield func(string) bool) {
		br := bufio.NewReaderSize(r, 1<<20)
		for {
			line, err := br.ReadString('\n')
			line = strings.TrimSuffix(line, "\n")
			if line != "" || err == nil {
				if !yield(line) {
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					readErr = err
				}
				return
			}
		}
	}
	m, err := TrainLines(lines, opt)
	if readErr != nil {
		return nil, fmt.Errorf("subword: reading training text: %w", readErr)
	}
	return m, err
}

// wordCounter counts distinct chunks and characters.
type wordCounter struct {
	words  map[string]int64
	bmp    []int64
	astral map[rune]int64
	chars  int64
}

// TrainLines learns a model from a sequence of texts.
func TrainLines(lines iter.Seq[string], opt Options) (*Model, error) {
	if err := opt.setDefaults(); err != nil {
		return nil, fmt.Errorf("subword: %w", err)
	}
	var st TrainStats
	wc := wordCounter{words: map[string]int64{}, bmp: make([]int64, 0x10000), astral: map[rune]int64{}}
	rep := newReporter(opt.Progress, "subword: counting", "lines", 0)
	dummy := !opt.NoDummyPrefix
	for line := range lines {
		st.Lines++
		rep.Add(1)
		if len(line) > opt.MaxSentenceLength {
			st.SkippedLines++
			continue
		}
		if line == "" {
			continue
		}
		if dummy {
			line = " " + line
		}
		wc.add(line, opt.MaxChunkLength)
	}
	rep.Finish()
	st.Chars = wc.chars
	st.Words = len(wc.words)

	chars := wc.keptChars(opt, &st)
	t := newTrainer(chars, opt)
	t.load(wc.words, chars)
	wc = wordCounter{}
	rep = newReporter(opt.Progress, "subword: merging", "pieces", int64(opt.VocabSize-len(t.texts)))
	t.run(opt.VocabSize, rep)
	rep.Finish()
	m, msg := newModel(dummy, opt.MaxChunkLength, opt.MaxPieceLength, chars, t.pairs)
	if m == nil {
		return nil, fmt.Errorf("subword: internal error building model: %s", msg)
	}
	st.Merges = len(t.pairs)
	m.stats = st
	return m, nil
}

func newReporter(w io.Writer, label, unit string, total int64) *progress.Reporter {
	if w == nil {
		return nil
	}
	return progress.New(w, label, unit, total)
}

func (wc *wordCounter) add(line string, maxChunk int) {
	for i := 0; i < len(line); {
		r, size := rune(line[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(line[i:])
			if r == utf8.RuneError && size == 1 {
				i++
				continue // invalid byte: always a byte piece, not counted
			}
		}
		if r < 0x10000 {
			wc.bmp[r]++
		} else {
			wc.astral[r]++
		}
		wc.chars++
		i += size
	}
	chunks(line, maxChunk, func(start, end int) {
		w := line[start:end]
		if c, ok := wc.words[w]; ok {
			wc.words[w] = c + 1
		} else {
			wc.words[strings.Clone(w)] = 1
		}
	})
}

// keptChars applies the coverage rule: the space, then characters by
// descending count (ties by code point) until the coverage is reached.
func (wc *wordCounter) keptChars(opt Options, st *TrainStats) []rune {
	type rc struct {
		r rune
		n int64
	}
	var all []rc
	for r, n := range wc.bmp {
		if n > 0 {
			all = append(all, rc{rune(r), n})
		}
	}
	for r, n := range wc.astral {
		all = append(all, rc{r, n})
	}
	st.DistinctChar = len(all)
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].r < all[j].r
	})
	room := opt.VocabSize - FirstCharID
	chars := []rune{' '}
	covered := wc.bmp[' ']
	need := opt.CharacterCoverage * float64(wc.chars)
	for _, c := range all {
		if float64(covered) >= need || len(chars) >= room {
			break
		}
		if c.r == ' ' || c.r == '\u2581' {
			continue
		}
		chars = append(chars, c.r)
		covered += c.n
	}
	// Keep frequency order in the vocabulary, the space in its rank.
	sort.SliceStable(chars, func(i, j int) bool {
		ni, nj := wc.count(chars[i]), wc.count(chars[j])
		if ni != nj {
			return ni > nj
		}
		return chars[i] < chars[j]
	})
	st.KeptChars = len(chars)
	if wc.chars > 0 {
		st.Coverage = float64(covered) / float64(wc.chars)
	}
	return chars
}

func (wc *wordCounter) count(r rune) int64 {
	if r < 0x10000 {
		return wc.bmp[r]
	}
	return wc.astral[r]
}

// trainer holds the incremental BPE state. Symbols of all distinct words lie
// in flat arrays linked by next/prev (-1 at word ends); a merged-away symbol
// has sym -1.
type trainer struct {
	maxPiece int
	texts    []string // raw text of each id (index = id; ids < FirstCharID unused)
	runes    []int    // length in characters of each id
	byText   map[string]int32

	sym   []int32
	next  []int32
	prev  []int32
	word  []int32
	count []int64 // per word

	pairID    map[uint64]int32
	pairLeft  []int32
	pairRight []int32
	pairCount []int64
	pairPos   [][]int32
	pairBad   []bool // merged already, or skipped (too long or reserved)
	inHeapMax []int64
	heap      []heapEntry
	touched   []int32

	pairs [][2]int32 // learned merges in rank order
}

type heapEntry struct {
	count int64
	pair  int32
}

func newTrainer(chars []rune, opt Options) *trainer {
	t := &trainer{
		maxPiece: opt.MaxPieceLength,
		texts:    make([]string, FirstCharID, opt.VocabSize),
		runes:    make([]int, FirstCharID, opt.VocabSize),
		byText:   map[string]int32{},
		pairID:   map[uint64]int32{},
	}
	for b := 0; b < 256; b++ {
		// Byte texts only matter for reservedness checks; never merged.
		t.texts[ByteBase+b] = bytePiece(b)
	}
	for _, r := range chars {
		t.newSymbol(string(r))
	}
	return t
}

func (t *trainer) newSymbol(s string) int32 {
	id := int32(len(t.texts))
	t.texts = append(t.texts, s)
	t.runes = append(t.runes, utf8.RuneCountInString(s))
	t.byText[s] = id
	return id
}

// load lays out the words, split at characters outside the kept set, and
// counts the initial pairs.
func (t *trainer) load(words map[string]int64, chars []rune) {
	id := make(map[rune]int32, len(chars))
	for i, r := range chars {
		id[r] = int32(FirstCharID + i)
	}
	// Deterministic layout: sort the words.
	keys := make([]string, 0, len(words))
	for w := range words {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	var seg []int32
	flush := func(c int64) {
		if len(seg) >= 2 {
			w := int32(len(t.count))
			t.count = append(t.count, c)
			base := int32(len(t.sym))
			for i, s := range seg {
				t.sym = append(t.sym, s)
				t.word = append(t.word, w)
				t.prev = append(t.prev, base+int32(i)-1)
				t.next = append(t.next, base+int32(i)+1)
			}
			t.prev[base] = -1
			t.next[len(t.next)-1] = -1
		}
		seg = seg[:0]
	}
	for _, w := range keys {
		c := words[w]
		for i := 0; i < len(w); {
			r, size := utf8.DecodeRuneInString(w[i:])
			if s, ok := id[r]; ok && (size > 1 || r != utf8.RuneError) {
				seg = append(seg, s)
			} else {
				flush(c) // barrier: byte-fallback character or invalid byte
			}
			i += size
		}
		flush(c)
	}
	for p := range t.sym {
		if q := t.next[p]; q >= 0 {
			t.add(t.sym[p], t.sym[q], int32(p), t.count[t.word[p]])
		}
	}
	t.heap = make([]heapEntry, 0, len(t.pairCount))
	for pid, c := range t.pairCount {
		t.push(int32(pid), c)
	}
	t.touched = t.touched[:0]
}

// add records one more occurrence (weight c) of pair (a,b) at position pos.
func (t *trainer) add(a, b, pos int32, c int64) {
	k := pairKey(a, b)
	pid, ok := t.pairID[k]
	if !ok {
		pid = int32(len(t.pairCount))
		t.pairID[k] = pid
		t.pairLeft = append(t.pairLeft, a)
		t.pairRight = append(t.pairRight, b)
		t.pairCount = append(t.pairCount, 0)
		t.pairPos = append(t.pairPos, nil)
		t.pairBad = append(t.pairBad, false)
		t.inHeapMax = append(t.inHeapMax, 0)
	}
	t.pairCount[pid] += c
	t.pairPos[pid] = append(t.pairPos[pid], pos)
	if t.pairCount[pid] > t.inHeapMax[pid] {
		t.touched = append(t.touched, pid)
	}
}

func (t *trainer) sub(a, b int32, c int64) {
	if pid, ok := t.pairID[pairKey(a, b)]; ok {
		t.pairCount[pid] -= c
	}
}

// better orders heap entries: higher count, then smaller merged string, then
// smaller left piece.
func (t *trainer) better(x, y heapEntry) bool {
	if x.count != y.count {
		return x.count > y.count
	}
	xl, xr := t.texts[t.pairLeft[x.pair]], t.texts[t.pairRight[x.pair]]
	yl, yr := t.texts[t.pairLeft[y.pair]], t.texts[t.pairRight[y.pair]]
	if c := compareConcat(xl, xr, yl, yr); c != 0 {
		return c < 0
	}
	return xl < yl
}

// compareConcat compares a1+b1 with a2+b2 without building them.
func compareConcat(a1, b1, a2, b2 string) int {
	n1, n2 := len(a1)+len(b1), len(a2)+len(b2)
	for i := 0; i < n1 && i < n2; i++ {
		var c1, c2 byte
		if i < len(a1) {
			c1 = a1[i]
		} else {
			c1 = b1[i-len(a1)]
		}
		if i < len(a2) {
			c2 = a2[i]
		} else {
			c2 = b2[i-len(a2)]
		}
		if c1 != c2 {
			if c1 < c2 {
				return -1
			}
			return 1
		}
	}
	switch {
	case n1 < n2:
		return -1
	case n1 > n2:
		return 1
	}
	return 0
}

func (t *trainer) push(pid int32, c int64) {
	if c <= 0 || t.pairBad[pid] {
		return
	}
	if c > t.inHeapMax[pid] {
		t.inHeapMax[pid] = c
	}
	h := append(t.heap, heapEntry{c, pid})
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !t.better(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	t.heap = h
}

func (t *trainer) pop() heapEntry {
	h := t.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		s := l
		if r := l + 1; r < n && t.better(h[r], h[l]) {
			s = r
		}
		if !t.better(h[s], h[i]) {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	t.heap = h
	return top
}

// run merges until the vocabulary has vocabSize pieces or no pair is left.
func (t *trainer) run(vocabSize int, rep *progress.Reporter) {
	for len(t.texts) < vocabSize && len(t.heap) > 0 {
		e := t.pop()
		pid := e.pair
		if t.pairBad[pid] {
			continue
		}
		if cur := t.pairCount[pid]; e.count != cur {
			// Stale entry: the count fell since it was pushed. Every rise
			// is pushed (see merge), and entries of one pair pop in
			// descending order, so make sure one entry holds the current
			// count. inHeapMax is the count of an entry known to be in the
			// heap (0: none known).
			if e.count == t.inHeapMax[pid] {
				t.inHeapMax[pid] = 0
			}
			if cur > t.inHeapMax[pid] {
				t.push(pid, cur)
			}
			continue
		}
		t.pairBad[pid] = true // merged (or skipped): never again
		a, b := t.pairLeft[pid], t.pairRight[pid]
		s := t.texts[a] + t.texts[b]
		if t.runes[a]+t.runes[b] > t.maxPiece || reservedPiece(display(s)) {
			continue
		}
		z, ok := t.byText[s]
		if !ok {
			z = t.newSymbol(s)
			rep.Add(1)
		}
		t.pairs = append(t.pairs, [2]int32{a, b})
		t.merge(pid, a, b, z)
	}
}

// merge replaces every occurrence of pair pid = (a,b) by z, left to right.
func (t *trainer) merge(pid, a, b, z int32) {
	positions := t.pairPos[pid]
	t.pairPos[pid] = nil
	// Left to right, as the encoder does, for overlapping pairs like (a,a).
	slices.Sort(positions)
	t.touched = t.touched[:0]
	for _, p := range positions {
		if t.sym[p] != a {
			continue
		}
		q := t.next[p]
		if q < 0 || t.sym[q] != b {
			continue
		}
		c := t.count[t.word[p]]
		pp, nq := t.prev[p], t.next[q]
		if pp >= 0 {
			t.sub(t.sym[pp], a, c)
			t.add(t.sym[pp], z, pp, c)
		}
		if nq >= 0 {
			t.sub(b, t.sym[nq], c)
			t.add(z, t.sym[nq], p, c)
			t.prev[nq] = p
		}
		t.sym[p] = z
		t.sym[q] = -1
		t.next[p] = nq
	}
	t.pairCount[pid] = 0
	for _, q := range t.touched {
		if c := t.pairCount[q]; c > t.inHeapMax[q] {
			t.push(q, c)
		}
	}
	t.touched = t.touched[:0]
}
