package ngram

import (
	"fmt"
	"strings"
	"sync"
)

// MaxOrder is the highest order a Model may have (KenLM's default build allows 6).
const MaxOrder = 16

// Table holds the n-grams of one order; see the package documentation for the layout.
type Table struct {
	N       int       // order
	Words   []uint32  // N ids per entry, in suffix order
	Prob    []float32 // log10 probability per entry
	Backoff []float32 // log10 back-off per entry; nil for the highest order
	Ext     []uint32  // Len()+1 offsets into the next order; nil for the highest order
}

// Len is the number of entries.
func (t *Table) Len() int { return len(t.Prob) }

// Gram returns the ids of entry i in text order; the caller must not modify it.
func (t *Table) Gram(i int) []uint32 { return t.Words[i*t.N : (i+1)*t.N : (i+1)*t.N] }

// Model is a back-off n-gram language model.
type Model struct {
	Vocab  *Vocab
	Tables []Table // Tables[n-1] holds order n

	probes [][]slot   // probe tables per order (nil for unigrams), or nil; see probe.go
	lazy   *lazyCheck // checks left to Verify by OpenBinaryLazy, or nil
}

// lazyCheck holds the checks of a lazily opened binary model.
type lazyCheck struct {
	once   sync.Once
	err    error
	verify func() error
}

// Verify finishes the checks that OpenBinaryLazy left out (the checksum of
// the whole file and the table structure) and returns their error, computed
// once. It returns nil at once for every other model.
func (m *Model) Verify() error {
	if m.lazy == nil {
		return nil
	}
	m.lazy.once.Do(func() { m.lazy.err = m.lazy.verify() })
	return m.lazy.err
}

// Order is the highest n-gram order.
func (m *Model) Order() int { return len(m.Tables) }

// Counts returns the number of n-grams per order.
func (m *Model) Counts() []int {
	c := make([]int, len(m.Tables))
	for i := range m.Tables {
		c[i] = m.Tables[i].Len()
	}
	return c
}

// CompareSuffix orders two n-grams of the same length by their last word, then
// the one before it, and so on: the order of every Table.
func CompareSuffix(a, b []uint32) int {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Link checks the model's invariants (unigram i is word i, every table sorted
// in suffix order without duplicates, every n-gram's last n-1 words present in
// the order below) and computes the Ext offsets. Builders call it once after
// filling Words, Prob and Backoff.
func (m *Model) Link() error {
	_, _, err := m.link()
	return err
}

// link is Link; on a suffix-closure failure it also returns the order and index
// of the offending n-gram.
func (m *Model) link() (order, index int, err error) {
	if len(m.Tables) == 0 || len(m.Tables) > MaxOrder {
		return 0, 0, fmt.Errorf("ngram: model order %d out of range 1..%d", len(m.Tables), MaxOrder)
	}
	uni := &m.Tables[0]
	if uni.Len() != m.Vocab.Size() {
		return 0, 0, fmt.Errorf("ngram: %d unigrams for a vocabulary of %d words", uni.Len(), m.Vocab.Size())
	}
	for i, w := range uni.Words {
		if w != uint32(i) {
			return 0, 0, fmt.Errorf("ngram: unigram %d is word %d, want %d", i, w, i)
		}
	}
	for n := 1; n <= len(m.Tables); n++ {
		t := &m.Tables[n-1]
		if t.N != n || len(t.Words) != n*t.Len() {
			return 0, 0, fmt.Errorf("ngram: table of order %d is malformed", n)
		}
		if n < len(m.Tables) && len(t.Backoff) != t.Len() {
			return 0, 0, fmt.Errorf("ngram: table of order %d has %d back-offs for %d entries", n, len(t.Backoff), t.Len())
		}
		for i := 1; i < t.Len(); i++ {
			if CompareSuffix(t.Gram(i-1), t.Gram(i)) >= 0 {
				return 0, 0, fmt.Errorf("ngram: %d-grams not sorted or duplicated at %q", n, m.Phrase(t.Gram(i)))
			}
		}
	}
	for n := 1; n < len(m.Tables); n++ {
		lo, hi := &m.Tables[n-1], &m.Tables[n]
		ext := make([]uint32, lo.Len()+1)
		i := 0
		for j := 0; j < hi.Len(); j++ {
			suf := hi.Gram(j)[1:]
			for i < lo.Len() && CompareSuffix(lo.Gram(i), suf) < 0 {
				i++
				ext[i] = uint32(j)
			}
			if i == lo.Len() || CompareSuffix(lo.Gram(i), suf) != 0 {
				return n + 1, j, fmt.Errorf("%d-gram %q has no %d-gram %q (model is not suffix-closed)",
					n+1, m.Phrase(hi.Gram(j)), n, m.Phrase(suf))
			}
		}
		for i < lo.Len() {
			i++
			ext[i] = uint32(hi.Len())
		}
		lo.Ext = ext
	}
	m.Tables[len(m.Tables)-1].Ext = nil
	return 0, 0, nil
}

// Phrase spells ids as space-separated words.
func (m *Model) Phrase(ids []uint32) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		if int(id) < m.Vocab.Size() {
			b.WriteString(m.Vocab.Word(id))
		} else {
			fmt.Fprintf(&b, "#%d", id)
		}
	}
	return b.String()
}

// Child finds, among the left extensions of entry i of order n (n < Order),
// the n+1-gram whose first word is w, and returns its index in order n+1.
// Links outside the next table (possible in a corrupted, lazily opened
// binary model) find nothing.
func (m *Model) Child(n int, i int, w uint32) (int, bool) {
	t := &m.Tables[n-1]
	next := &m.Tables[n]
	lo, hi := int(t.Ext[i]), int(t.Ext[i+1])
	if hi > next.Len() || lo > hi {
		return 0, false
	}
	end := hi
	words, nn := next.Words, n+1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if words[mid*nn] < w {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < end && words[lo*nn] == w {
		return lo, true
	}
	return 0, false
}

// Find returns the index of the n-gram gram (text order) in Tables[len(gram)-1].
func (m *Model) Find(gram []uint32) (int, bool) {
	n := len(gram)
	if n == 0 || n > len(m.Tables) {
		return 0, false
	}
	last := gram[n-1]
	if int(last) >= m.Tables[0].Len() {
		return 0, false
	}
	i := int(last)
	for k := 1; k < n; k++ {
		j, ok := m.Child(k, i, gram[n-1-k])
		if !ok {
			return 0, false
		}
		i = j
	}
	return i, true
}
