package ngram

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"unsafe"

	"github.com/edsrzf/mmap-go"
	"github.com/mulan-nlp/mulan/modelfile"
)

// Binary format. A binary model is a modelfile container of kind BinaryKind
// whose payload holds the Model's flat arrays as they lie in memory, and the
// probe tables Score uses, so that loading maps the file and points the
// tables at the mapping without copying or parsing. Integers and floats are
// little-endian; every array starts at a file offset that is a multiple of 8.
//
//	headCRC   uint32            CRC-32C of the head after this field and headLen
//	headLen   uint32            bytes from the payload start to the end of the words
//	order     uint32
//	vocab     uint32            number of words V
//	counts    [order]uint64     entries per order
//	slots     [order]uint64     probe slots per order: 0 for unigrams, else
//	                            count + count/2 + 1
//	lengths   [V]uint32         byte length of each word, in id order   (aligned)
//	words     bytes             the words back to back (end of the head)
//	per order n = 1..order:
//	  Words   [n*count]uint32                                         (aligned)
//	  Prob    [count]float32                                          (aligned)
//	  Backoff [count]float32    n < order                             (aligned)
//	  Ext     [count+1]uint32   n < order                             (aligned)
//	per order n = 2..order:
//	  Slots   [slots]{parent, word uint32; prob, backoff float32}     (aligned)
//
// See probe.go for the probe tables (the hash functions are part of the
// format). Version 1 had no head checksum and no probe tables; it is refused
// with a message to binarize the ARPA model again.
//
// Checking. The container's CRC-32C covers the whole payload. OpenBinary,
// DecodeBinary and Load check it and the structure (sizes, unigram ids, word
// ids in the vocabulary, Ext offsets monotonic and in range) before they
// return, which reads the whole file: about 30 ms of CPU for the 108 MB
// order-5 PTB model, more than scoring its 82k-token test set takes. OpenBinaryLazy and LoadLazy,
// which mulan ngram query uses unless --verify is given, check only the
// container header, the head checksum and the sizes of every array, and
// leave the tables unread until a lookup touches them; Model.Verify does the
// rest on demand. The trade-off: a corrupted table of a lazily opened model
// goes unnoticed and gives wrong scores, but never a panic or a read outside
// the mapping, because scoring bounds-checks every offset it follows (a
// probe slot is compared, never followed, and probing ends after one lap),
// and every other use of the tables (WriteARPA, Mix, RecomputeBackoffs,
// SaveBinary, BuildIndex) verifies the model first and fails with the
// checksum error.
const (
	BinaryKind    = "ngram-binary"
	BinaryVersion = 2
)

// payloadBase is the file offset of a container's payload for BinaryKind.
func payloadBase() int { return len(modelfile.Magic) + 2 + len(BinaryKind) + 4 + 8 + 4 }

func align8(off, base int) int { return off + (8-(base+off)%8)%8 }

var littleEndianHost = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// slotBytes is the size of a probe slot in the file and in memory.
const slotBytes = 16

func errNotLinked(n int) error { return fmt.Errorf("ngram: table of order %d is not linked", n) }

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
	if err := m.Verify(); err != nil {
		return nil, err
	}
	N := len(m.Tables)
	if N == 0 || N > MaxOrder {
		return nil, fmt.Errorf("ngram: model order %d out of range 1..%d", N, MaxOrder)
	}
	for n, t := range m.Tables {
		if n+1 < N && (len(t.Backoff) != t.Len() || len(t.Ext) != t.Len()+1) {
			return nil, errNotLinked(n + 1)
		}
	}
	probes := m.probes
	if probes == nil {
		probes = buildProbes(m)
	}
	words := m.Vocab.Words()
	size := 16 + 16*N
	size = align8(size, base) + 4*len(words)
	for _, w := range words {
		size += len(w)
	}
	for n, t := range m.Tables {
		size = align8(size, base) + 4*len(t.Words)
		size = align8(size, base) + 4*len(t.Prob)
		if n+1 < N {
			size = align8(size, base) + 4*len(t.Backoff)
			size = align8(size, base) + 4*len(t.Ext)
		}
		size = align8(size, base) + slotBytes*len(probes[n])
	}
	p := make([]byte, 0, size)
	le := binary.LittleEndian
	p = le.AppendUint32(p, 0) // head checksum, set below
	p = le.AppendUint32(p, 0) // head length, set below
	p = le.AppendUint32(p, uint32(N))
	p = le.AppendUint32(p, uint32(len(words)))
	for _, t := range m.Tables {
		p = le.AppendUint64(p, uint64(t.Len()))
	}
	for _, s := range probes {
		p = le.AppendUint64(p, uint64(len(s)))
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
	if len(p) > math.MaxUint32 {
		return nil, fmt.Errorf("ngram: vocabulary of %d bytes too large for the binary format", len(p))
	}
	le.PutUint32(p[4:], uint32(len(p)))
	le.PutUint32(p[0:], crc32.Checksum(p[8:], castagnoli))
	for n := range m.Tables {
		t := &m.Tables[n]
		u32(t.Words)
		f32(t.Prob)
		if n+1 < N {
			f32(t.Backoff)
			u32(t.Ext)
		}
	}
	for _, slots := range probes[1:] {
		pad()
		for _, s := range slots {
			p = le.AppendUint32(p, s.parent)
			p = le.AppendUint32(p, s.word)
			p = le.AppendUint32(p, math.Float32bits(s.prob))
			p = le.AppendUint32(p, math.Float32bits(s.backoff))
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

// array returns n elements of size bytes each at the next aligned offset;
// b is nil on error.
func (r *binReader) array(n, size uint64, what string) []byte {
	r.align()
	if n > math.MaxInt/size {
		r.fail("%s: %d entries", what, n)
		return nil
	}
	return r.take(size*n, what)
}

// aliasable reports whether b can be viewed as an array of 4-byte words in place.
func aliasable(b []byte) bool {
	return littleEndianHost && uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4 == 0
}

// uint32s returns n uint32s at the next aligned offset, aliasing the payload
// when the host is little-endian and the address is 4-byte aligned.
func (r *binReader) uint32s(n uint64, what string) []uint32 {
	b := r.array(n, 4, what)
	if r.err != nil {
		return nil
	}
	if n == 0 {
		return []uint32{}
	}
	if aliasable(b) {
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

// slots returns n probe slots at the next aligned offset, aliasing the
// payload where it can.
func (r *binReader) slots(n uint64, what string) []slot {
	b := r.array(n, slotBytes, what)
	if r.err != nil {
		return nil
	}
	if n == 0 {
		return []slot{}
	}
	if aliasable(b) {
		return unsafe.Slice((*slot)(unsafe.Pointer(&b[0])), n)
	}
	out := make([]slot, n)
	le := binary.LittleEndian
	for i := range out {
		e := b[slotBytes*i:]
		out[i] = slot{le.Uint32(e), le.Uint32(e[4:]), math.Float32frombits(le.Uint32(e[8:])), math.Float32frombits(le.Uint32(e[12:]))}
	}
	return out
}

// decodeBinary builds a Model over payload p, which starts at file offset
// base; the tables alias p. It checks the head checksum, the sizes of every
// array and the cheap invariants (unigram ids, the ends of the Ext links);
// checkTables does the rest.
func decodeBinary(name string, p []byte, base int) (*Model, error) {
	r := &binReader{name: name, p: p, base: base}
	headCRC := r.u32("head checksum")
	headLen := r.u32("head length")
	if r.err != nil {
		return nil, r.err
	}
	if headLen < 8 || uint64(headLen) > uint64(len(p)) {
		return nil, fmt.Errorf("%s: head of %d bytes does not fit the payload of %d (truncated file?): %w", name, headLen, len(p), modelfile.ErrCorrupt)
	}
	if crc32.Checksum(p[8:headLen], castagnoli) != headCRC {
		return nil, fmt.Errorf("%s: head checksum mismatch: %w", name, modelfile.ErrCorrupt)
	}
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
	slotCounts := make([]uint64, N)
	for n := range slotCounts {
		slotCounts[n] = r.u64("probe table size")
		want := uint64(0)
		if n > 0 {
			want = uint64(slotsFor(int(min(counts[n], uint64(len(p))))))
		}
		if r.err == nil && slotCounts[n] != want {
			r.fail("%d-gram probe table of %d slots, want %d", n+1, slotCounts[n], want)
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
	if r.off != int(headLen) {
		return nil, fmt.Errorf("%s: head length %d, its contents end at %d: %w", name, headLen, r.off, modelfile.ErrCorrupt)
	}
	if v.words[Unk] != UnkWord || v.words[BOS] != BOSWord || v.words[EOS] != EOSWord {
		return nil, fmt.Errorf("%s: vocabulary does not start with <unk> <s> </s>: %w", name, modelfile.ErrCorrupt)
	}
	m := &Model{Vocab: v, Tables: make([]Table, N), probes: make([][]slot, N)}
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
	for n := 2; n <= int(N); n++ {
		m.probes[n-1] = r.slots(slotCounts[n-1], fmt.Sprintf("%d-gram probe table", n))
		if r.err != nil {
			return nil, r.err
		}
	}
	if N == 1 {
		m.probes = nil
	}
	if r.off != len(p) {
		return nil, fmt.Errorf("%s: %d bytes after the last table: %w", name, len(p)-r.off, modelfile.ErrCorrupt)
	}
	for i, w := range m.Tables[0].Words {
		if w != uint32(i) {
			return nil, fmt.Errorf("%s: unigram %d is word %d: %w", name, i, w, modelfile.ErrCorrupt)
		}
	}
	for n := 1; n < int(N); n++ {
		ext := m.Tables[n-1].Ext
		if ext[0] != 0 || uint64(ext[len(ext)-1]) != counts[n] {
			return nil, fmt.Errorf("%s: %d-gram links do not span the %d-grams: %w", name, n, n+1, modelfile.ErrCorrupt)
		}
	}
	return m, nil
}

// checkTables checks what decodeBinary leaves unread: every word id in the
// vocabulary and the Ext links monotonic, so that every use of the tables
// stays inside them.
func checkTables(name string, m *Model) error {
	V := uint32(m.Vocab.Size())
	for n := 1; n <= len(m.Tables); n++ {
		t := &m.Tables[n-1]
		for _, w := range t.Words {
			if w >= V {
				return fmt.Errorf("%s: %d-gram word id %d outside the vocabulary of %d: %w", name, n, w, V, modelfile.ErrCorrupt)
			}
		}
		ext := t.Ext
		for i := 1; i < len(ext); i++ {
			if ext[i] < ext[i-1] {
				return fmt.Errorf("%s: %d-gram links decrease at entry %d: %w", name, n, i, modelfile.ErrCorrupt)
			}
		}
	}
	return nil
}

// checkVersion refuses other kinds and versions, version 1 with advice.
func checkVersion(name string, h modelfile.Header) error {
	if h.Kind == BinaryKind && h.Version < BinaryVersion {
		return fmt.Errorf("%s: %s format version %d is from an older mulan and lacks the probe tables; "+
			"convert the ARPA model again with mulan ngram binarize", name, BinaryKind, h.Version)
	}
	return h.Expect(name, BinaryKind, BinaryVersion)
}

// splitContainer parses the modelfile container header in data without
// checking the payload's checksum (modelfile.Decode does that, reading the
// whole payload) and returns the header, the payload and its checksum.
func splitContainer(name string, data []byte) (modelfile.Header, []byte, error) {
	var h modelfile.Header
	m := len(modelfile.Magic)
	if len(data) < m+2 || string(data[:m]) != modelfile.Magic {
		return h, nil, fmt.Errorf("%s: not a mulan model file (bad magic): %w", name, modelfile.ErrCorrupt)
	}
	kl := int(binary.LittleEndian.Uint16(data[m:]))
	p := data[m+2:]
	if len(p) < kl+4+8+4 {
		return h, nil, fmt.Errorf("%s: truncated header: %w", name, modelfile.ErrCorrupt)
	}
	h.Kind = string(p[:kl])
	h.Version = binary.LittleEndian.Uint32(p[kl:])
	size := binary.LittleEndian.Uint64(p[kl+4:])
	p = p[kl+16:]
	if err := checkVersion(name, h); err != nil {
		return h, nil, err
	}
	if uint64(len(p)) != size {
		return h, nil, fmt.Errorf("%s: payload is %d bytes, header says %d (truncated or padded file): %w", name, len(p), size, modelfile.ErrCorrupt)
	}
	return h, p, nil
}

// DecodeBinary parses a whole binary model file held in data and checks it
// in full (checksum and structure). The model's tables alias data, which
// must stay unchanged while the model is used.
func DecodeBinary(name string, data []byte) (*Model, error) {
	m, err := decodeBinaryLazy(name, data)
	if err != nil {
		return nil, err
	}
	if err := m.Verify(); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeBinaryLazy is DecodeBinary without the checksum of the payload and
// the table checks, which Model.Verify does on demand.
func decodeBinaryLazy(name string, data []byte) (*Model, error) {
	_, p, err := splitContainer(name, data)
	if err != nil {
		return nil, err
	}
	m, err := decodeBinary(name, p, len(data)-len(p))
	if err != nil {
		return nil, err
	}
	m.lazy = &lazyCheck{verify: func() error {
		h, _, err := modelfile.Decode(name, data)
		if err != nil {
			return err
		}
		if err := checkVersion(name, h); err != nil {
			return err
		}
		return checkTables(name, m)
	}}
	return m, nil
}

// OpenBinary maps a binary model file into memory, checks it in full and
// returns the model, whose tables point into the mapping, and a Closer that
// unmaps it; the model must not be used after Close.
func OpenBinary(path string) (*Model, io.Closer, error) {
	m, c, err := OpenBinaryLazy(path)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Verify(); err != nil {
		c.Close()
		return nil, nil, err
	}
	return m, c, nil
}

// OpenBinaryLazy is OpenBinary without reading the tables: it checks the
// container header, the head checksum (vocabulary and sizes) and that every
// array lies inside the file, and leaves the payload's checksum and the table
// checks to Model.Verify. Scoring never reads outside the mapping nor panics
// even when the tables are corrupted; see the format description for the
// trade-off.
func OpenBinaryLazy(path string) (*Model, io.Closer, error) {
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
	m, err := decodeBinaryLazy(path, data)
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
// bytes) is mapped into memory, checked in full and stays mapped for the life
// of the process (use OpenBinary to unmap it), anything else is read as ARPA
// text, gzipped or not.
func Load(path string) (*Model, error) {
	return load(path, false)
}

// LoadLazy is Load opening a binary model with OpenBinaryLazy: fast for
// scoring, with the tables checked only by Model.Verify.
func LoadLazy(path string) (*Model, error) {
	return load(path, true)
}

func load(path string, lazy bool) (*Model, error) {
	bin, err := IsBinary(path)
	if err != nil {
		return nil, err
	}
	if !bin {
		return LoadARPA(path)
	}
	open := OpenBinary
	if lazy {
		open = OpenBinaryLazy
	}
	m, _, err := open(path)
	return m, err
}
