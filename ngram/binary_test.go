package ngram

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/mulan-nlp/mulan/modelfile"
)

func tinyModel(t testing.TB) *Model {
	t.Helper()
	m, err := ReadARPA(strings.NewReader(tiny), "tiny.arpa")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameModel asserts bit-identical vocabularies and tables.
func sameModel(t *testing.T, got, want *Model) {
	t.Helper()
	if !slices.Equal(got.Vocab.Words(), want.Vocab.Words()) {
		t.Fatal("vocabularies differ")
	}
	if got.Order() != want.Order() {
		t.Fatalf("order %d, want %d", got.Order(), want.Order())
	}
	bits := func(a []float32) []uint32 {
		out := make([]uint32, len(a))
		for i, x := range a {
			out[i] = math.Float32bits(x)
		}
		return out
	}
	for n := range want.Tables {
		g, w := &got.Tables[n], &want.Tables[n]
		if g.N != w.N || !slices.Equal(g.Words, w.Words) || !slices.Equal(bits(g.Prob), bits(w.Prob)) ||
			!slices.Equal(bits(g.Backoff), bits(w.Backoff)) || !slices.Equal(g.Ext, w.Ext) {
			t.Errorf("table of order %d differs", n+1)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	models := map[string]*Model{"tiny": tinyModel(t)}
	if ref := sharedDirOrEmpty(t, "reference/kenlm"); ref != "" {
		m, err := LoadARPA(filepath.Join(ref, "ptb10k.o5.arpa.gz"))
		if err != nil {
			t.Fatal(err)
		}
		models["ptb10k.o5"] = m
	}
	dir := t.TempDir()
	for name, want := range models {
		path := filepath.Join(dir, name+".bin")
		if err := SaveBinary(path, want); err != nil {
			t.Fatal(err)
		}
		got, closer, err := OpenBinary(path)
		if err != nil {
			t.Fatal(err)
		}
		sameModel(t, got, want)
		// Query output must be byte-identical to the ARPA-loaded model's.
		text := "a b\n<s> a b c\nb a </s>\n\n"
		if ref := sharedDirOrEmpty(t, "reference/kenlm"); ref != "" && name != "tiny" {
			b, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		var a, b bytes.Buffer
		if _, err := Query(want, strings.NewReader(text), &a, VerboseWord); err != nil {
			t.Fatal(err)
		}
		if _, err := Query(got, strings.NewReader(text), &b, VerboseWord); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: query output from the binary model differs", name)
		}
		lazy, lc, err := OpenBinaryLazy(path)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if _, err := Query(lazy, strings.NewReader(text), &c, VerboseWord); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), c.Bytes()) {
			t.Errorf("%s: query output from the lazily opened binary model differs", name)
		}
		if err := lazy.Verify(); err != nil {
			t.Errorf("%s: a freshly written model fails Verify: %v", name, err)
		}
		lc.Close()
		if err := closer.Close(); err != nil {
			t.Fatal(err)
		}
		// Load detects both formats.
		if m, err := Load(path); err != nil {
			t.Fatal(err)
		} else {
			sameModel(t, m, want)
		}
		arpa := filepath.Join(dir, name+".arpa")
		if err := modelfile.WriteAtomic(arpa, func(w io.Writer) error { return WriteARPA(w, want) }); err != nil {
			t.Fatal(err)
		}
		if m, err := Load(arpa); err != nil {
			t.Fatal(err)
		} else {
			sameModel(t, m, want)
		}
	}
}

func sharedDirOrEmpty(t *testing.T, sub string) (dir string) {
	t.Helper()
	ok := false
	t.Run("shared", func(t *testing.T) { dir = sharedDir(t, sub); ok = true })
	if !ok {
		return ""
	}
	return dir
}

// TestBinaryNoCopy checks that decoding points the tables into the buffer.
func TestBinaryNoCopy(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBinary(&buf, tinyModel(t)); err != nil {
		t.Fatal(err)
	}
	// An 8-aligned copy of the file, as a mapping would be.
	words := make([]uint64, (buf.Len()+7)/8)
	data := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)[:buf.Len()]
	copy(data, buf.Bytes())
	m, err := DecodeBinary("tiny.bin", data)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&data[len(data)-1]))
	for n := range m.Tables {
		tb := &m.Tables[n]
		for _, p := range []uintptr{uintptr(unsafe.Pointer(&tb.Words[0])), uintptr(unsafe.Pointer(&tb.Prob[0]))} {
			if p < lo || p > hi {
				t.Errorf("order %d: table copied instead of aliasing the file", n+1)
			}
			if p%4 != 0 {
				t.Errorf("order %d: misaligned array", n+1)
			}
		}
	}
	sameModel(t, m, tinyModel(t))
}

func TestBinaryCorrupt(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBinary(&buf, tinyModel(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	dir := t.TempDir()
	check := func(what string, data []byte, wantMsg string) {
		t.Helper()
		path := filepath.Join(dir, "m.bin")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := OpenBinary(path)
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if !strings.Contains(err.Error(), wantMsg) || !strings.Contains(err.Error(), "m.bin") {
			t.Errorf("%s: error %q does not say %q and name the file", what, err, wantMsg)
		}
	}
	for _, n := range []int{0, 5, 20, payloadBase(), payloadBase() + 3, len(good) / 2, len(good) - 1} {
		check("truncated", good[:n], "")
	}
	check("truncated payload", good[:len(good)-1], "truncated")
	flipped := slices.Clone(good)
	flipped[len(flipped)-10] ^= 0x40
	check("flipped byte", flipped, "checksum")
	check("trailing", append(slices.Clone(good), 0), "truncated or padded")
	// A wrong kind.
	var other bytes.Buffer
	modelfile.Encode(&other, modelfile.Header{Kind: "subword-bpe", Version: 1}, []byte("x"))
	check("other kind", other.Bytes(), "want \"ngram-binary\"")
	// Structural errors behind valid checksums.
	p, err := encodeBinary(tinyModel(t), payloadBase())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(p []byte)
		want string
	}{
		{"bad order", func(p []byte) { p[8] = 99 }, "order 99"},
		{"bad probe size", func(p []byte) { p[16+8*tinyOrder+8]++ }, "probe table"},
		{"head length", func(p []byte) { binary.LittleEndian.PutUint32(p[4:], uint32(len(p)+1)) }, "does not fit"},
	} {
		bad := slices.Clone(p)
		c.edit(bad)
		fixHead(bad)
		var w bytes.Buffer
		modelfile.Encode(&w, modelfile.Header{Kind: BinaryKind, Version: BinaryVersion}, bad)
		check(c.name, w.Bytes(), c.want)
	}
	// Every truncation of the payload is refused without a panic.
	for n := 0; n < len(p); n++ {
		if _, err := decodeBinary("p", p[:n], payloadBase()); err == nil {
			t.Errorf("payload truncated to %d bytes accepted", n)
		} else if !errors.Is(err, modelfile.ErrCorrupt) {
			t.Errorf("payload truncated to %d bytes: %v does not wrap ErrCorrupt", n, err)
		}
	}
}

// tinyOrder is the order of the tiny ARPA model.
const tinyOrder = 3

// fixHead recomputes the head checksum of payload p, so that edits behind it
// reach the structural checks.
func fixHead(p []byte) {
	if len(p) < 8 {
		return
	}
	n := binary.LittleEndian.Uint32(p[4:])
	if n >= 8 && int64(n) <= int64(len(p)) {
		binary.LittleEndian.PutUint32(p, crc32.Checksum(p[8:n], castagnoli))
	}
}

// TestBinaryVersion1 checks that a file of the previous format is refused
// with advice, by OpenBinary and OpenBinaryLazy alike.
func TestBinaryVersion1(t *testing.T) {
	var w bytes.Buffer
	modelfile.Encode(&w, modelfile.Header{Kind: BinaryKind, Version: 1}, []byte("old layout"))
	path := filepath.Join(t.TempDir(), "old.bin")
	if err := os.WriteFile(path, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, open := range map[string]func(string) (*Model, io.Closer, error){"OpenBinary": OpenBinary, "OpenBinaryLazy": OpenBinaryLazy} {
		_, _, err := open(path)
		if err == nil || !strings.Contains(err.Error(), "version 1") || !strings.Contains(err.Error(), "binarize") ||
			!strings.Contains(err.Error(), "old.bin") {
			t.Errorf("%s: %v, want a version-1 error naming the file and advising binarize", name, err)
		}
	}
}

// TestBinaryLazy checks what a lazily opened model defers: a flipped byte in
// the tables passes the open and is caught by Verify and by every use of the
// tables other than scoring; scoring a model whose tables are garbage behind
// forged checksums neither panics nor reads outside them.
func TestBinaryLazy(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBinary(&buf, tinyModel(t)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	dir := t.TempDir()
	path := filepath.Join(dir, "flip.bin")
	flipped := slices.Clone(good)
	flipped[len(flipped)-10] ^= 0x40
	if err := os.WriteFile(path, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	m, c, err := OpenBinaryLazy(path)
	if err != nil {
		t.Fatalf("lazy open read the tables: %v", err)
	}
	defer c.Close()
	m.ScoreSentence([]string{"a", "b"})
	for what, err := range map[string]error{
		"Verify":            m.Verify(),
		"WriteARPA":         WriteARPA(io.Discard, m),
		"WriteBinary":       WriteBinary(io.Discard, m),
		"RecomputeBackoffs": RecomputeBackoffs(m, nil),
		"BuildIndex":        m.BuildIndex(),
	} {
		if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "flip.bin") {
			t.Errorf("%s: %v, want the checksum error naming the file", what, err)
		}
	}
	if _, err := Mix([]*Model{m, tinyModel(t)}, []float64{0.5, 0.5}, nil); err == nil {
		t.Error("Mix accepted a corrupted model")
	}
	if _, _, err := OpenBinary(path); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("OpenBinary: %v, want the checksum error", err)
	}

	// Garbage tables behind valid checksums: every byte after the head set
	// from a seeded generator (all of them, or one in eight), then the few
	// invariants the open checks (unigram ids, ends of the links) restored.
	p, err := encodeBinary(tinyModel(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	headLen := int(binary.LittleEndian.Uint32(p[4:]))
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 400 {
		bad := slices.Clone(p)
		m, err := decodeBinary("garbage.bin", bad, 0)
		if err != nil {
			t.Fatal(err)
		}
		if at, lo := uintptr(unsafe.Pointer(&m.probes[1][0])), uintptr(unsafe.Pointer(&bad[0])); at < lo || at >= lo+uintptr(len(bad)) {
			t.Fatal("tables do not alias the payload")
		}
		for i := headLen; i < len(bad); i++ {
			if trial%2 == 0 || rng.IntN(8) == 0 {
				bad[i] = byte(rng.Uint32())
			}
		}
		for i := range m.Tables[0].Words {
			m.Tables[0].Words[i] = uint32(i)
		}
		for n := 1; n < m.Order(); n++ {
			ext := m.Tables[n-1].Ext
			ext[0], ext[len(ext)-1] = 0, uint32(m.Tables[n].Len())
		}
		m.lazy = &lazyCheck{verify: func() error { return checkTables("garbage.bin", m) }}
		var s State
		for range 50 {
			m.Score(&s, uint32(rng.IntN(m.Vocab.Size()+2)), &s)
		}
		for n := 1; n < m.Order(); n++ {
			for i := range m.Tables[n-1].Len() {
				m.Child(n, i, uint32(rng.IntN(m.Vocab.Size())))
			}
		}
		m.Find([]uint32{0, 1, 2})
		if _, err := Query(m, strings.NewReader("a b c\nb a </s> zz\n"), io.Discard, VerboseWord); err != nil {
			t.Fatal(err)
		}
		if err, want := WriteARPA(io.Discard, m), checkTables("garbage.bin", m); (err == nil) != (want == nil) {
			t.Fatalf("WriteARPA: %v, table check: %v", err, want)
		}
	}
}

// TestProbeMatchesSearch checks that scoring through the probe tables gives
// bit for bit what the binary search over the tables gives, word by word,
// state by state, on KenLM's order-5 model and the tiny one, and that every
// n-gram of the model is found at its own order.
func TestProbeMatchesSearch(t *testing.T) {
	models := []*Model{tinyModel(t)}
	texts := []string{"a b c\n<s> a b c\nb a </s> zz\nc c c c c c a\n"}
	if ref := sharedDirOrEmpty(t, "reference/kenlm"); ref != "" {
		m, err := LoadARPA(filepath.Join(ref, "ptb10k.o5.arpa.gz"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
		if err != nil {
			t.Fatal(err)
		}
		models, texts = append(models, m), append(texts, string(b))
	}
	for k, m := range models {
		idx := &Model{Vocab: m.Vocab, Tables: m.Tables}
		if err := idx.BuildIndex(); err != nil {
			t.Fatal(err)
		}
		words := 0
		for _, line := range strings.Split(texts[k], "\n") {
			a, b := m.BeginSentence(), idx.BeginSentence()
			var ids []uint32
			for _, w := range strings.Fields(line) {
				ids = append(ids, m.Vocab.IDBytes([]byte(w)))
			}
			for _, id := range append(ids, EOS) {
				pa, na := m.Score(&a, id, &a)
				pb, nb := idx.Score(&b, id, &b)
				if math.Float32bits(pa) != math.Float32bits(pb) || na != nb || a != b {
					t.Fatalf("word %d of %q: probe %v %d %+v, search %v %d %+v", id, line, pb, nb, b, pa, na, a)
				}
				words++
			}
		}
		for n := 2; n <= m.Order(); n++ {
			tb := &m.Tables[n-1]
			for i := range tb.Len() {
				g := tb.Gram(i)
				var s State
				for _, w := range g[:n-1] {
					idx.Score(&s, w, &s)
				}
				if p, l := idx.Score(&s, g[n-1], &s); l < n || (l == n && p != tb.Prob[i]) {
					t.Fatalf("%d-gram %q: length %d prob %v, want %d %v", n, m.Phrase(g), l, p, n, tb.Prob[i])
				}
			}
		}
		t.Logf("order %d: %d words scored identically", m.Order(), words)
	}
}

// FuzzDecodeBinary feeds payloads to the decoder with the head checksum
// fixed up, so that the fuzzer reaches the structural checks: whatever is
// accepted must score without a panic (as a lazily opened model is used),
// and whatever passes the table checks too must also write as ARPA.
func FuzzDecodeBinary(f *testing.F) {
	p, err := encodeBinary(tinyModel(f), 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add(p[:len(p)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		fixHead(data)
		m, err := decodeBinary("fuzz", data, 0)
		if err != nil {
			return
		}
		var s State
		for w := uint32(0); w < uint32(m.Vocab.Size())+2; w++ {
			m.Score(&s, w, &s)
		}
		m.ScoreSentence([]string{"a", "b", "zzz"})
		m.Find([]uint32{1, 3})
		if checkTables("fuzz", m) == nil {
			WriteARPA(io.Discard, m)
		}
	})
}

// BenchmarkOpenBinaryQuery maps KenLM's order-5 model (ptb10k) from its
// binary file and scores 1000 sentences: checked in full at open, and lazily.
func BenchmarkOpenBinaryQuery(b *testing.B) {
	ref := sharedDir(b, "reference/kenlm")
	m, err := LoadARPA(filepath.Join(ref, "ptb10k.o5.arpa.gz"))
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "m.bin")
	if err := SaveBinary(path, m); err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		open func(string) (*Model, io.Closer, error)
	}{{"verify", OpenBinary}, {"lazy", OpenBinaryLazy}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				m, cl, err := c.open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Query(m, bytes.NewReader(text), io.Discard, VerboseSummary); err != nil {
					b.Fatal(err)
				}
				cl.Close()
			}
		})
	}
}
