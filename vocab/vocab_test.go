package vocab

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/tokenize"
)

func counterOf(text string) *Counter {
	c := NewCounter()
	c.Add(strings.Fields(text)...)
	return c
}

// tokensOf lists the regular tokens of v in id order.
func tokensOf(v *Vocabulary) []string {
	var out []string
	for id := int32(NumSpecial); int(id) < v.Len(); id++ {
		out = append(out, v.Token(id))
	}
	return out
}

func TestCounter(t *testing.T) {
	c := counterOf("a b a c a b")
	if c.Count("a") != 3 || c.Count("b") != 2 || c.Count("c") != 1 || c.Count("z") != 0 {
		t.Errorf("counts a=%d b=%d c=%d z=%d, want 3 2 1 0", c.Count("a"), c.Count("b"), c.Count("c"), c.Count("z"))
	}
	if c.Len() != 3 || c.Total() != 6 {
		t.Errorf("Len=%d Total=%d, want 3 6", c.Len(), c.Total())
	}
	d := counterOf("a d")
	d.AddN("c", 5)
	c.Merge(d)
	if c.Count("a") != 4 || c.Count("c") != 6 || c.Count("d") != 1 || c.Total() != 13 {
		t.Errorf("after merge a=%d c=%d d=%d total=%d, want 4 6 1 13", c.Count("a"), c.Count("c"), c.Count("d"), c.Total())
	}
}

func TestBuild(t *testing.T) {
	// counts: the 5, cat 3, dog 3, a 3, on 2, mat 1, <unk> 1 (literal, ignored)
	c := counterOf("the the the the the cat cat cat dog dog dog a a a on on mat <unk>")
	tests := []struct {
		name string
		opt  Options
		want []string
	}{
		{"all, ties by token", Options{}, []string{"the", "a", "cat", "dog", "on", "mat"}},
		{"min count 2", Options{MinCount: 2}, []string{"the", "a", "cat", "dog", "on"}},
		{"min count 3", Options{MinCount: 3}, []string{"the", "a", "cat", "dog"}},
		{"max size cuts inside a tie", Options{MaxSize: NumSpecial + 3}, []string{"the", "a", "cat"}},
		{"max size and min count", Options{MinCount: 4, MaxSize: 100}, []string{"the"}},
		{"min count above all", Options{MinCount: 6}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Build(c, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := tokensOf(v); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("tokens = %q, want %q", got, tt.want)
			}
			if v.Len() != NumSpecial+len(tt.want) {
				t.Errorf("Len = %d, want %d", v.Len(), NumSpecial+len(tt.want))
			}
		})
	}
	if _, err := Build(c, Options{MaxSize: NumSpecial}); err == nil {
		t.Error("Build with MaxSize = NumSpecial: no error")
	}
	bad := NewCounter()
	bad.Add("ok", "tab\there")
	if _, err := Build(bad, Options{}); !errors.Is(err, errBadToken) {
		t.Errorf("Build with a tab in a token: err = %v, want errBadToken", err)
	}
}

func TestLookups(t *testing.T) {
	v, err := Build(counterOf("b a b c b a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Specials at fixed ids, then b (3), a (2), c (1).
	for id, tok := range []string{Pad, Unk, BOS, EOS, "b", "a", "c"} {
		if got := v.Token(int32(id)); got != tok {
			t.Errorf("Token(%d) = %q, want %q", id, got, tok)
		}
		if got := v.ID(tok); got != int32(id) {
			t.Errorf("ID(%q) = %d, want %d", tok, got, id)
		}
	}
	if v.ID("zzz") != UnkID || v.Has("zzz") || !v.Has("a") {
		t.Error("unknown token lookups wrong")
	}
	if v.Token(-1) != Unk || v.Token(99) != Unk {
		t.Error("Token of a bad id is not <unk>")
	}
	if v.Count(4) != 3 || v.Count(PadID) != 0 || v.Covered() != 6 {
		t.Errorf("Count(4)=%d Count(pad)=%d Covered=%d, want 3 0 6", v.Count(4), v.Count(PadID), v.Covered())
	}
	ids := v.Encode([]string{"<s>", "a", "x", "c", "</s>"})
	if want := []int32{BOSID, 5, UnkID, 6, EOSID}; !reflect.DeepEqual(ids, want) {
		t.Errorf("Encode = %v, want %v", ids, want)
	}
	if got, want := v.Decode([]int32{4, 5, 1, 42}), []string{"b", "a", Unk, Unk}; !reflect.DeepEqual(got, want) {
		t.Errorf("Decode = %q, want %q", got, want)
	}
}

func TestSaveLoad(t *testing.T) {
	v, err := Build(counterOf("我 爱 北京 我 Go's x y y"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v.vocab")
	if err := v.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "mulan-vocab\t1\n<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\ny\t2\n我\t2\nGo's\t1\nx\t1\n北京\t1\n爱\t1\n"
	if string(data) != want {
		t.Errorf("file =\n%s\nwant\n%s", data, want)
	}
	w, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v, w) {
		t.Errorf("round trip differs:\n%+v\n%+v", v, w)
	}
}

func TestLoadErrors(t *testing.T) {
	specials := "<pad>\t0\n<unk>\t0\n<s>\t0\n</s>\t0\n"
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "v.txt:1:"},
		{"bad header", "vocab\t1\n", "v.txt:1:"},
		{"future version", "mulan-vocab\t2\n" + specials, "v.txt:1: malformed vocabulary: unsupported format version"},
		{"no tab", "mulan-vocab\t1\n" + specials + "a 1\n", "v.txt:6: malformed vocabulary: want token<TAB>count"},
		{"bad count", "mulan-vocab\t1\n" + specials + "a\tx\n", "v.txt:6:"},
		{"negative count", "mulan-vocab\t1\n" + specials + "a\t-1\n", "v.txt:6:"},
		{"empty token", "mulan-vocab\t1\n" + specials + "\t1\n", "v.txt:6:"},
		{"tab in token", "mulan-vocab\t1\n" + specials + "a\tb\t1\n", "v.txt:6:"},
		{"duplicate", "mulan-vocab\t1\n" + specials + "a\t2\nb\t1\na\t1\n", "v.txt:8: malformed vocabulary: duplicate token \"a\" (first at line 6)"},
		{"specials out of order", "mulan-vocab\t1\n<unk>\t0\n", "v.txt:2: malformed vocabulary: id 0 must be the special token \"<pad>\""},
		{"special later", "mulan-vocab\t1\n" + specials + "<s>\t3\n", "v.txt:6:"},
		{"missing specials", "mulan-vocab\t1\n<pad>\t0\n<unk>\t0\n", "v.txt:3: malformed vocabulary: file ends after 2 of the 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read("v.txt", strings.NewReader(tt.data))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Read error = %v, want prefix %q", err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing file: no error")
	}
	// CRLF files (edited on Windows) load.
	v, err := Read("crlf", strings.NewReader("mulan-vocab\t1\r\n<pad>\t0\r\n<unk>\t0\r\n<s>\t0\r\n</s>\t0\r\na\t7\r\n"))
	if err != nil || v.Len() != 5 || v.ID("a") != 4 || v.Count(4) != 7 {
		t.Errorf("CRLF file: err=%v, want 5 entries with a=4 counted 7", err)
	}
}

func TestCountText(t *testing.T) {
	var text strings.Builder
	for i := 0; i < 20000; i++ { // several batches
		text.WriteString("I don't like 北京天安门, do you?\r\n")
	}
	c := NewCounter()
	if err := c.CountText("in", strings.NewReader(text.String()), tokenize.Auto{}, 2, nil); err != nil {
		t.Fatal(err)
	}
	// I do n't like 北京 天安门 , do you ? = 10 tokens per line.
	for tok, want := range map[string]int64{"I": 20000, "do": 40000, "n't": 20000, "北京": 20000, "天安门": 20000, ",": 20000, "?": 20000} {
		if got := c.Count(tok); got != want {
			t.Errorf("Count(%q) = %d, want %d", tok, got, want)
		}
	}
	if c.Total() != 200000 || c.Len() != 9 {
		t.Errorf("Total=%d Len=%d, want 200000 9", c.Total(), c.Len())
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	v, _ := Build(counterOf("a b b 我"), Options{})
	v.Write(&buf)
	f.Add(buf.String())
	f.Add("mulan-vocab\t1\n<pad>\t0\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		v, err := Read("fuzz", strings.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		// A vocabulary that loads writes out and loads back identically.
		var out bytes.Buffer
		if err := v.Write(&out); err != nil {
			t.Fatal(err)
		}
		w, err := Read("again", &out)
		if err != nil {
			t.Fatalf("reloading: %v", err)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatal("round trip differs")
		}
		for id := int32(0); int(id) < v.Len(); id++ {
			if v.ID(v.Token(id)) != id {
				t.Fatalf("ID(Token(%d)) = %d", id, v.ID(v.Token(id)))
			}
		}
	})
}
