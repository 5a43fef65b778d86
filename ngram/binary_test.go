package ngram

import (
	"bytes"
	"errors"
	"io"
	"math"
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
	// Structural errors behind a valid checksum.
	p, err := encodeBinary(tinyModel(t), payloadBase())
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(p)
	bad[0] = 99 // order
	var w bytes.Buffer
	modelfile.Encode(&w, modelfile.Header{Kind: BinaryKind, Version: BinaryVersion}, bad)
	check("bad order", w.Bytes(), "order 99")
	// Every truncation of the payload is refused without a panic.
	for n := 0; n < len(p); n++ {
		if _, err := decodeBinary("p", p[:n], payloadBase()); err == nil {
			t.Errorf("payload truncated to %d bytes accepted", n)
		} else if !errors.Is(err, modelfile.ErrCorrupt) {
			t.Errorf("payload truncated to %d bytes: %v does not wrap ErrCorrupt", n, err)
		}
	}
}

func FuzzDecodeBinary(f *testing.F) {
	p, err := encodeBinary(tinyModel(f), 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add(p[:len(p)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeBinary("fuzz", data, 0)
		if err != nil {
			return
		}
		// Whatever was accepted must be safe to query and write.
		var s State
		for w := uint32(0); w < uint32(m.Vocab.Size())+2; w++ {
			m.Score(&s, w, &s)
		}
		m.ScoreSentence([]string{"a", "b", "zzz"})
		WriteARPA(io.Discard, m)
	})
}

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
	b.ResetTimer()
	for range b.N {
		m, c, err := OpenBinary(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Query(m, bytes.NewReader(text), io.Discard, VerboseSummary); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
