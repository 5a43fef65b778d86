package modelfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestRoundTripAndCorruption(t *testing.T) {
	var buf bytes.Buffer
	payload := []byte("hello model")
	if err := Encode(&buf, Header{Kind: "test", Version: 2}, payload); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if n, err := WriteTo(&again, Header{Kind: "test", Version: 2}, payload); err != nil || n != int64(buf.Len()) || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Fatalf("WriteTo wrote %d bytes (%v), Encode %d", n, err, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "m.bin")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if h, p, err := ReadFile(path); err != nil || h.Kind != "test" || string(p) != string(payload) {
		t.Fatalf("ReadFile: %v %+v %q", err, h, p)
	}
	if _, _, err := ReadFile(path + ".missing"); err == nil {
		t.Fatal("ReadFile of a missing file succeeded")
	}
	h, p, err := Decode("m", buf.Bytes())
	if err != nil || h.Kind != "test" || h.Version != 2 || string(p) != string(payload) {
		t.Fatalf("decode: %v %+v %q", err, h, p)
	}
	if err := h.Expect("m", "test", 2); err != nil {
		t.Fatal(err)
	}
	if err := h.Expect("m", "test", 1); err == nil {
		t.Fatal("newer version accepted")
	}
	if err := h.Expect("m", "other", 2); err == nil {
		t.Fatal("wrong kind accepted")
	}
	data := buf.Bytes()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", data[:len(data)-1]},
		{"short", data[:5]},
		{"flipped", append(append([]byte{}, data[:len(data)-1]...), data[len(data)-1]^1)},
		{"empty", nil},
	} {
		if _, _, err := Decode(tc.name, tc.data); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", tc.name, err)
		}
	}
}

func TestWriteAtomicLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteAtomic(path, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Fatalf("file changed to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp file left behind: %v", entries)
	}
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if string(got) != "new" {
		t.Fatalf("got %q", got)
	}
}
