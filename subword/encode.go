package subword

import (
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

const (
	maxCachedChunk = 64      // bytes; longer chunks are not cached
	maxCacheSize   = 1 << 16 // entries; the cache is emptied when full
)

// encoder holds the scratch space of one Encode call.
type encoder struct {
	ids  []int32
	next []int32
	prev []int32
	heap []candidate
	out  []int32
	text []byte
}

// candidate is a possible merge of the symbols at pos and next[pos].
type candidate struct {
	rank int32
	pos  int32
}

func (a candidate) less(b candidate) bool {
	return a.rank < b.rank || a.rank == b.rank && a.pos < b.pos
}

var encoderPool = sync.Pool{New: func() any { return new(encoder) }}

// Encode returns the pieces of text (display strings, spaces shown as ▁, bytes
// as <0xNN>). DecodePieces(Encode(x)) == x for every string x.
func (m *Model) Encode(text string) []string {
	e := encoderPool.Get().(*encoder)
	ids := m.encode(e, text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.pieces[id]
	}
	encoderPool.Put(e)
	return out
}

// EncodeIDs returns the piece ids of text. Decode(EncodeIDs(x)) == x for every
// string x.
func (m *Model) EncodeIDs(text string) []int {
	e := encoderPool.Get().(*encoder)
	ids := m.encode(e, text)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	encoderPool.Put(e)
	return out
}

// AppendIDs appends the piece ids of text to dst as int32 and returns it; it
// allocates nothing beyond growing dst.
func (m *Model) AppendIDs(dst []int32, text string) []int32 {
	e := encoderPool.Get().(*encoder)
	dst = append(dst, m.encode(e, text)...)
	encoderPool.Put(e)
	return dst
}

// encode returns the ids of text in e.out (valid until e is reused).
func (m *Model) encode(e *encoder, text string) []int32 {
	e.out = e.out[:0]
	if text == "" {
		return e.out
	}
	if m.dummyPrefix {
		// " " + text in a reused buffer; the string aliases e.text only
		// during this call (the cache stores copies).
		e.text = append(append(e.text[:0], ' '), text...)
		text = unsafe.String(&e.text[0], len(e.text))
	}
	chunks(text, m.maxChunk, func(start, end int) {
		e.out = m.encodeChunk(e, text[start:end], e.out)
	})
	return e.out
}

func (m *Model) encodeChunk(e *encoder, s string, out []int32) []int32 {
	if len(s) == 1 || len(s) <= 4 && utf8.RuneCountInString(s) == 1 {
		// One character: no merges apply.
		r, size := utf8.DecodeRuneInString(s)
		if id := m.charID(r); id >= 0 && (size > 1 || r != utf8.RuneError) {
			return append(out, id)
		}
		for i := 0; i < len(s); i++ {
			out = append(out, ByteBase+int32(s[i]))
		}
		return out
	}
	cacheable := len(s) <= maxCachedChunk && !m.noCache
	if cacheable {
		m.cacheMu.Lock()
		c, ok := m.cache[s]
		m.cacheMu.Unlock()
		if ok {
			return append(out, c...)
		}
	}
	ids := e.ids[:0]
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		var id int32 = -1
		if size > 1 || r != utf8.RuneError {
			id = m.charID(r)
		}
		if id >= 0 {
			ids = append(ids, id)
		} else {
			for j := i; j < i+size; j++ {
				ids = append(ids, ByteBase+int32(s[j]))
			}
		}
		i += size
	}
	e.ids = ids
	start := len(out)
	if len(ids) == 1 {
		out = append(out, ids[0])
	} else {
		out = m.applyMerges(e, out)
	}
	if cacheable {
		c := make([]int32, len(out)-start)
		copy(c, out[start:])
		m.cacheMu.Lock()
		if len(m.cache) >= maxCacheSize {
			clear(m.cache)
		}
		m.cache[strings.Clone(s)] = c
		m.cacheMu.Unlock()
	}
	return out
}

// applyMerges merges e.ids by rank and appends the result to out.
func (m *Model) applyMerges(e *encoder, out []int32) []int32 {
	ids := e.ids
	n := len(ids)
	next, prev := e.next[:0], e.prev[:0]
	for i := 0; i < n; i++ {
		next = append(next, int32(i+1))
		prev = append(prev, int32(i-1))
	}
	next[n-1] = -1
	e.next, e.prev = next, prev
	h := e.heap[:0]
	for i := 0; i+1 < n; i++ {
		if rank, ok := m.mergeOf[pairKey(ids[i], ids[i+1])]; ok {
			h = heapPush(h, candidate{rank, int32(i)})
		}
	}
	for len(h) > 0 {
		c := h[0]
		h = heapPop(h)
		p := c.pos
		q := next[p]
		mg := m.merges[c.rank]
		if ids[p] != mg.left || q < 0 || ids[q] != mg.right {
			continue // stale: one side was merged since this was pushed
		}
		ids[p] = mg.result
		ids[q] = -1
		nq := next[q]
		next[p] = nq
		if nq >= 0 {
			prev[nq] = p
			if rank, ok := m.mergeOf[pairKey(mg.result, ids[nq])]; ok {
				h = heapPush(h, candidate{rank, p})
			}
		}
		if pp := prev[p]; pp >= 0 {
			if rank, ok := m.mergeOf[pairKey(ids[pp], mg.result)]; ok {
				h = heapPush(h, candidate{rank, pp})
			}
		}
	}
	e.heap = h
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, ids[i])
	}
	return out
}

func heapPush(h []candidate, c candidate) []candidate {
	h = append(h, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func heapPop(h []candidate) []candidate {
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
		if r := l + 1; r < n && h[r].less(h[l]) {
			s = r
		}
		if !h[s].less(h[i]) {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	return h
}

// Decode returns the text of ids: byte pieces become raw bytes, ▁ in other
// pieces a space, control ids (<pad> <unk> <s> </s>) nothing, and an id out of
// range U+FFFD. With the dummy prefix, the space it added is removed.
func (m *Model) Decode(ids []int) string {
	var b strings.Builder
	first := true
	for _, id := range ids {
		if id >= 0 && id < ByteBase {
			continue
		}
		if id < 0 || id >= len(m.texts) {
			b.WriteRune(utf8.RuneError)
			first = false
			continue
		}
		t := m.texts[id]
		if first && m.dummyPrefix && id >= FirstCharID && t != "" && t[0] == ' ' {
			t = t[1:]
		}
		first = false
		b.WriteString(t)
	}
	return b.String()
}

// DecodePieces returns the text of pieces as Decode does for their ids. A
// string that is not a piece of the vocabulary is taken as text (▁ as space).
func (m *Model) DecodePieces(pieces []string) string {
	var b strings.Builder
	first := true
	for _, p := range pieces {
		var t string
		if id, ok := m.pieceID[p]; ok {
			if id < ByteBase {
				continue
			}
			t = m.texts[id]
			if id < FirstCharID {
				first = false
				b.WriteString(t)
				continue
			}
		} else {
			t = strings.ReplaceAll(p, SpaceMarker, " ")
		}
		if first && m.dummyPrefix && t != "" && t[0] == ' ' {
			t = t[1:]
		}
		first = false
		b.WriteString(t)
	}
	return b.String()
}
