package ngram

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/edsrzf/mmap-go"
	"github.com/mulan-nlp/mulan/modelfile"
)

// Binary format. A binary model is a modelfile container of kind BinaryKind
// whose payload holds the Model's flat arrays as they lie in memory, so that
// loading maps the file and points the tables at the mapping without copying
// or parsing. Integers and floats are little-endian; every array starts at a
// file offset that is a multiple of 8.
//
//	order     uint32
//	vocab     uint32            number of words V
//	counts    [order]uint64     entries per order
//	lengths   [V]uint32         byte length of each word, in id order   (aligned)
//	words     bytes             the words back to back
//	per order n = 1..order:
//	  Words   [n*count]uint32                                         (aligned)
//	  Prob    [count]float32                                          (aligned)
//	  Backoff [count]float32    n < order                             (aligned)
//	  Ext     [count+1]uint32   n < order                             (aligned)
//
// The container's CRC-32C covers the whole payload, so any corruption is
// caught on load; structural checks (sizes, unigram ids, Ext offsets
// monotonic and in range, word ids in the vocabulary) then guarantee that no
// lookup reads outside the arrays even for a file with a forged checksum.
const (
	BinaryKind    = "ngram-binary"
	BinaryVersion = 1
)

// payloadBase is the file offset of a container's payload for BinaryKind.
func payloadBase() int { return len(modelfile.Magic) + 2 + len(BinaryKind) + 4 + 8 + 4 }

func align8(off, base int) int { return off + (8-(base+off)%8)%8 }

var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// WriteBinary writes m in the binary format.
func WriteBinary(w io.Writer, m *Model) error {
	p, err := encodeBinary(m, payloadBase())
	if err != nil {
		return err
	}
	return modelfile.Encode(w, modelfile.Header{Kind: BinaryKind, Version: BinaryVersion}, p)
}

// SaveBinary writes m to path in the binary format, atomically.
func SaveBinary(path string, m *Model) error {
	return modelfile.WriteAtomic(path, func(w io.Writer) error { return WriteBinary(w, m) })
}

func encodeBinary(m *Model, base int) ([]byte, error) {
	N := len(m.Tables)
	if N == 0 || N > MaxOrder {
		return nil, fmt.Errorf("ngram: model order %d out of range 1..%d", N, MaxOrder)
	}
	words := m.Vocab.Words()
	size := 8 + 8*N
	size = align8(size, base) + 4*len(words)
	for _, w := range words {
		size += len(w)
	}
	for n, t := range m.Tables {
		size = align8(size, base) + 4*len(t.Words)
		size = align8(size, base) + 4*len(t.Prob)
		if n+1 < N {
			if len(t.Backoff) != t.Len() || len(t.Ext) != t.Len()+1 {
				return nil, fmt.Errorf("ngram: table of order %d is not linked", n+1)
			}
			size = align8(size, base) + 4*len(t.Backoff)
			size = align8(size, base) + 4*len(t.Ext)
		}
	}
	p := make([]byte, 0, size)
	le := binary.LittleEndian
	p = le.AppendUint32(p, uint32(N))
	p = le.AppendUint32(p, uint32(len(words)))
	for _, t := range m.Tables {
		p = le.AppendUint64(p, uint64(t.Len()))
	}
	pad := func() {
		for len(p) < align8(len(p), base) {
			p = append(p, 0)
		}
	}
	u32 := func(a []uint32) {
		pad()
		for _, x := range a {
			p = le.AppendUint32(p, x)
		}
	}
	f32 := func(a []float32) {
		pad()
		for _, x := range a {
			p = le.AppendUint32(p, math.Float32bits(x))
		}
	}
	pad()
	for _, w := range words {
		p = le.AppendUint32(p, uint32(len(w)))
	}
	for _, w := range words {
		p = append(p, w...)
	}
	for n := range m.Tables {
		t := &m.Tables[n]
		u32(t.Words)
		f32(t.Prob)
		if n+1 < N {
			f32(t.Backoff)
			u32(t.Ext)
		}
	}
	return p, nil
}

// binReader hands out aligned arrays from a payload.
type binReader struct {
	name string
	p    []byte
	off  int
	base int
	err  error
}

func (r *binReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s: "+format+": %w", append([]any{r.name}, append(args, modelfile.ErrCorrupt)...)...)
	}
}

func (r *binReader) take(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.p)-r.off) {
		r.fail("%s needs %d bytes at offset %d, payload has %d (truncated file?)", what, n, r.off, len(r.p))
		return nil
	}
	b := r.p[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

func (r *binReader) u32(what string) uint32 {
	b := r.take(4, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *binReader) u64(what string) uint64 {
	b := r.take(8, what)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (r *binReader) align() {
	if r.err != nil {
		return
	}
	a := align8(r.off, r.base)
	if a > len(r.p) {
		r.fail("truncated before offset %d", a)
		return
	}
	r.off = a
}

// uint32s returns n uint32s at the next aligned offset, aliasing the payload
// when the host is little-endian and the address is 4-byte aligned.
func (r *binReader) uint32s(n uint64, what string) []uint32 {
	r.align()
	if n > math.MaxInt/4 {
		r.fail("%s: %d entries", what, n)
		return nil
	}
	b := r.take(4*n, what)
	if r.err != nil {
		return nil
	}
	if n == 0 {
		return []uint32{}
	}
	if littleEndianHost && uintptr(unsafe.Pointer(&b[0]))%4 == 0 {
		return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]uint32, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return out
}

func (r *binReader) float32s(n uint64, what string) []float32 {
	u := r.uint32s(n, what)
	if u == nil {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(u))), len(u))
}

// decodeBinary builds a Model over payload p, which starts at file offset
// base. The tables alias p.
func decodeBinary(name string, p []byte, base int) (*Model, error) {
	r := &binReader{name: name, p: p, base: base}
	N := r.u32("order")
	V := r.u32("vocabulary size")
	if r.err != nil {
		return nil, r.err
	}
	if N == 0 || N > MaxOrder {
		return nil, fmt.Errorf("%s: order %d out of range 1..%d: %w", name, N, MaxOrder, modelfile.ErrCorrupt)
	}
	if V < 3 {
		return nil, fmt.Errorf("%s: vocabulary of %d words lacks <unk>, <s>, </s>: %w", name, V, modelfile.ErrCorrupt)
	}
	counts := make([]uint64, N)
	for n := range counts {
		counts[n] = r.u64("n-gram count")
		if counts[n] > uint64(len(p)) {
			r.fail("%d-gram count %d exceeds the file size", n+1, counts[n])
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if counts[0] != uint64(V) {
		return nil, fmt.Errorf("%s: %d unigrams for %d words: %w", name, counts[0], V, modelfile.ErrCorrupt)
	}
	lens := r.uint32s(uint64(V), "word lengths")
	if r.err != nil {
		return nil, r.err
	}
	v := &Vocab{words: make([]string, V), index: make(map[string]uint32, V)}
	for i, l := range lens {
		b := r.take(uint64(l), "word")
		if r.err != nil {
			return nil, r.err
		}
		w := string(b)
		if _, dup := v.index[w]; dup {
			return nil, fmt.Errorf("%s: word %q appears twice in the vocabulary: %w", name, w, modelfile.ErrCorrupt)
		}
		v.words[i] = w
		v.index[w] = uint32(i)
	}
	if v.words[Unk] != UnkWord || v.words[BOS] != BOSWord || v.words[EOS] != EOSWord {
		return nil, fmt.Errorf("%s: vocabulary does not start with <unk> <s> </s>: %w", name, modelfile.ErrCorrupt)
	}
	m := &Model{Vocab: v, Tables: make([]Table, N)}
	for n := 1; n <= int(N); n++ {
		t := &m.Tables[n-1]
		c := counts[n-1]
		t.N = n
		t.Words = r.uint32s(uint64(n)*c, fmt.Sprintf("%d-gram words", n))
		t.Prob = r.float32s(c, fmt.Sprintf("%d-gram probabilities", n))
		if n < int(N) {
			t.Backoff = r.float32s(c, fmt.Sprintf("%d-gram back-offs", n))
			t.Ext = r.uint32s(c+1, fmt.Sprintf("%d-gram links", n))
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if r.off != len(p) {
		return nil, fmt.Errorf("%s: %d bytes after the last table: %w", name, len(p)-r.off, modelfile.ErrCorrupt)
	}
	for i, w := range m.Tables[0].Words {
		if w != uint32(i) {
			return nil, fmt.Errorf("%s: unigram %d is word %d: %w", name, i, w, modelfile.ErrCorrupt)
		}
	}
	for n := 1; n <= int(N); n++ {
		t := &m.Tables[n-1]
		for _, w := range t.Words {
			if w >= V {
				return nil, fmt.Errorf("%s: %d-gram word id %d outside the vocabulary of %d: %w", name, n, w, V, modelfile.ErrCorrupt)
			}
		}
		if n == int(N) {
			continue
		}
		ext := t.Ext
		if ext[0] != 0 || uint64(ext[len(ext)-1]) != counts[n] {
			return nil, fmt.Errorf("%s: %d-gram links do not span the %d-grams: %w", name, n, n+1, modelfile.ErrCorrupt)
		}
		for i := 1; i < len(ext); i++ {
			if ext[i] < ext[i-1] {
				return nil, fmt.Errorf("%s: %d-gram links decrease at entry %d: %w", name, n, i, modelfile.ErrCorrupt)
			}
		}
	}
	return m, nil
}

// DecodeBinary parses a whole binary model file held in data (checksum
// included). The model's tables alias data, which must stay unchanged while
// the model is used.
func DecodeBinary(name string, data []byte) (*Model, error) {
	h, p, err := modelfile.Decode(name, data)
	if err != nil {
		return nil, err
	}
	if err := h.Expect(name, BinaryKind, BinaryVersion); err != nil {
		return nil, err
	}
	return decodeBinary(name, p, len(data)-len(p))
}

// OpenBinary maps a binary model file into memory and returns the model,
// whose tables point into the mapping, and a Closer that unmaps it; the model
// must not be used after Close.
func OpenBinary(path string) (*Model, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() < int64(payloadBase()) {
		return nil, nil, fmt.Errorf("%s: %d bytes is too short for a binary model: %w", path, st.Size(), modelfile.ErrCorrupt)
	}
	data, err := mmap.Map(f, mmap.RDONLY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	m, err := DecodeBinary(path, data)
	if err != nil {
		data.Unmap()
		return nil, nil, err
	}
	return m, unmapper{data}, nil
}

type unmapper struct{ m mmap.MMap }

func (u unmapper) Close() error { return u.m.Unmap() }

// IsBinary reports whether the file at path starts like a mulan model
// container (the binary format) rather than ARPA text.
func IsBinary(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [len(modelfile.Magic)]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	return bytes.Equal(head[:n], []byte(modelfile.Magic)), nil
}

// Load reads a model in either format: a binary model (detected by its magic
// bytes) is mapped into memory and stays mapped for the life of the process
// (use OpenBinary to unmap it), anything else is read as ARPA text, gzipped
// or not.
func Load(path string) (*Model, error) {
	bin, err := IsBinary(path)
	if err != nil {
		return nil, err
	}
	if bin {
		m, _, err := OpenBinary(path)
		return m, err
	}
	return LoadARPA(path)
}
