package ngram

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// tiny is a hand-written suffix-closed trigram model.
const tiny = `\data\
ngram 1=5
ngram 2=3
ngram 3=1

\1-grams:
-1.5	<unk>	0
0	<s>	-0.5
-0.6	</s>	0
-0.7	a	-0.25
-0.8	b	-0.125

\2-grams:
-0.3	<s> a	-0.1
-0.2	a b	0
-0.4	b </s>	0

\3-grams:
-0.05	<s> a b

\end\
`

// TestRoundTripKenLM reads KenLM's files and writes them back byte for byte:
// same layout, same n-gram order, same number formatting.
func TestRoundTripKenLM(t *testing.T) {
	ref := sharedDir(t, "reference/kenlm")
	for _, name := range []string{"ptb10k.o2.arpa.gz", "ptb10k.o3.nointerp.arpa.gz", "pku.o3.arpa.gz"} {
		rc, err := OpenText(filepath.Join(ref, name))
		if err != nil {
			t.Fatal(err)
		}
		var orig bytes.Buffer
		orig.ReadFrom(rc)
		rc.Close()
		m, err := ReadARPA(bytes.NewReader(orig.Bytes()), name)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := WriteARPA(&out, m); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), orig.Bytes()) {
			t.Errorf("%s: written ARPA (%d bytes) differs from KenLM's (%d bytes)", name, out.Len(), orig.Len())
		}
	}
}

// TestRoundTripShuffled reads a model with sections in another order, spaces
// instead of tabs and gzip, and checks write -> read -> write is stable.
func TestRoundTripShuffled(t *testing.T) {
	shuffled := strings.NewReplacer("-0.3\t<s> a\t-0.1\n-0.2\ta b\t0\n", "-0.2 a b 0\n-0.3\t<s>  a\t-0.1\n",
		"-1.5\t<unk>\t0\n0\t<s>\t-0.5\n", "0\t<s>\t-0.5\n", "ngram 1=5", "ngram 1=4").Replace("junk before\n" + tiny)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(shuffled))
	zw.Close()
	r, err := MaybeGunzip(&gz)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadARPA(r, "shuffled")
	if err != nil {
		t.Fatal(err)
	}
	var w1, w2 bytes.Buffer
	if err := WriteARPA(&w1, m); err != nil {
		t.Fatal(err)
	}
	// <unk> was missing: KenLM's -100 is substituted.
	// n-grams come out in suffix order (</s> = 2 sorts before a and b).
	want := strings.NewReplacer("-1.5\t<unk>", "-100\t<unk>",
		"-0.3\t<s> a\t-0.1\n-0.2\ta b\t0\n-0.4\tb </s>\t0\n", "-0.4\tb </s>\t0\n-0.3\t<s> a\t-0.1\n-0.2\ta b\t0\n").Replace(tiny)
	if w1.String() != want {
		t.Errorf("got\n%s\nwant\n%s", w1.String(), want)
	}
	m2, err := ReadARPA(bytes.NewReader(w1.Bytes()), "w1")
	if err != nil {
		t.Fatal(err)
	}
	WriteARPA(&w2, m2)
	if !bytes.Equal(w1.Bytes(), w2.Bytes()) {
		t.Error("write -> read -> write is not stable")
	}
}

func TestReadARPAErrors(t *testing.T) {
	cases := []struct {
		name, from, to, want string
	}{
		{"no data", "\\data\\", "\\dat\\", "t.arpa:21: no \\data\\ section"},
		{"count too high", "ngram 2=3", "ngram 2=4", "t.arpa:17: \\2-grams: section has 3 entries, \\data\\ announced 4"},
		{"count too low", "ngram 2=3", "ngram 2=2", "t.arpa:16: more 2-grams than the 2 announced"},
		{"bad number", "-0.2\ta b", "-0.2x\ta b", "t.arpa:15: bad probability \"-0.2x\""},
		{"nan", "-0.2\ta b", "nan\ta b", "t.arpa:15: bad probability"},
		{"bad backoff", "-0.25\n", "-0.2.5\n", "t.arpa:10: bad back-off \"-0.2.5\""},
		{"positive", "-0.2\ta b", "0.2\ta b", "t.arpa:15: positive log10 probability"},
		{"fields", "-0.2\ta b\t0", "-0.2\ta b c d", "t.arpa:15: 2-gram line has 5 fields"},
		{"unknown word", "-0.2\ta b", "-0.2\ta c", "t.arpa:15: word \"c\" of a 2-gram is not a unigram"},
		{"duplicate", "-0.4\tb </s>", "-0.2\ta b", "t.arpa:16: duplicate 2-gram \"a b\" (first at line 15)"},
		{"duplicate unigram", "-0.8\tb", "-0.8\ta", "t.arpa:11: duplicate unigram \"a\""},
		{"missing section", "\\3-grams:", "\\4-grams:", "t.arpa:18: expected \\3-grams:"},
		{"missing end", "\\end\\", "", "t.arpa:21: unexpected end of file, expected \\end\\"},
		{"backoff at top", "-0.05\t<s> a b", "-0.05\t<s> a b\t-1", "t.arpa:19: back-off on a 3-gram"},
		{"not suffix closed", "-0.2\ta b\t0", "-0.2\ta a\t0", "t.arpa:19: 3-gram \"<s> a b\" has no 2-gram \"a b\""},
		{"order gap", "ngram 3=1", "ngram 4=1", "t.arpa:4: count line for order 4, expected order 3"},
		{"no eos", "-0.6\t</s>\t0", "-0.6\tc\t0", "t.arpa: the 1-grams lack </s>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(tiny, c.from, c.to, 1)
			if src == tiny {
				t.Fatalf("replacement %q not applied", c.from)
			}
			_, err := ReadARPA(strings.NewReader(src), "t.arpa")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestReadARPATruncated(t *testing.T) {
	for cut := 0; cut < len(tiny)-8; cut += 7 {
		if _, err := ReadARPA(strings.NewReader(tiny[:cut]), "t.arpa"); err == nil {
			t.Errorf("truncated at %d: no error", cut)
		} else if !strings.HasPrefix(err.Error(), "t.arpa:") {
			t.Errorf("truncated at %d: error %q does not name the file", cut, err)
		}
	}
}

func FuzzReadARPA(f *testing.F) {
	f.Add([]byte(tiny))
	f.Add([]byte(strings.Replace(tiny, "-0.4\tb </s>", "-0.4\tb a", 1)))
	f.Add([]byte("\\data\\\nngram 1=1\n\n\\1-grams:\n-1\t<s>\n\n\\end\\\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadARPA(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteARPA(&out, m); err != nil {
			t.Fatal(err)
		}
		m2, err := ReadARPA(bytes.NewReader(out.Bytes()), "again")
		if err != nil {
			t.Fatalf("rereading written model: %v", err)
		}
		var out2 bytes.Buffer
		WriteARPA(&out2, m2)
		if !bytes.Equal(out.Bytes(), out2.Bytes()) {
			t.Fatal("write -> read -> write differs")
		}
		s := m.BeginSentence()
		for id := range uint32(m.Vocab.Size() + 1) {
			m.Score(&s, id, &s)
		}
	})
}

func TestFormatFloat(t *testing.T) {
	cases := []struct {
		x    float32
		want string
	}{
		{-4.7843637, "-4.7843637"}, {0, "0"}, {-0.11651125, "-0.11651125"}, {-99, "-99"},
		{-1.5e-7, "-1.5e-7"}, {-0.000001, "-0.000001"}, {3e25, "3e+25"}, {-100, "-100"},
	}
	for _, c := range cases {
		if got := FormatFloat32(c.x); got != c.want {
			t.Errorf("FormatFloat32(%v) = %q, want %q", c.x, got, c.want)
		}
	}
	if got := FormatFloat64(291.98423186768827); got != "291.98423186768827" {
		t.Errorf("FormatFloat64 = %q", got)
	}
}

func TestQueryTiny(t *testing.T) {
	m, err := ReadARPA(strings.NewReader(tiny), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := Query(m, strings.NewReader("a b\nb zz\n"), &out, VerboseWord)
	if err != nil {
		t.Fatal(err)
	}
	// "a b": p(a|<s>) = -0.3; p(b|<s> a) = -0.05 (trigram); p(</s>|a b): no "a b </s>",
	// back-off b(a b) = 0, then "b </s>" = -0.4: total -0.75.
	// "b zz": b after <s>: no "<s> b", b(<s>) -0.5 + p(b) -0.8 = -1.3; zz is <unk>:
	// b(b) -0.125 + -1.5 = -1.625; </s> after <unk>: b(<unk>) 0 + -0.6: total -3.525.
	want := "a=3 2 -0.3\tb=4 3 -0.05\t</s>=2 2 -0.4\tTotal: -0.75 OOV: 0\n" +
		"b=4 1 -1.3\tzz=0 1 -1.625\t</s>=2 1 -0.6\tTotal: -3.525 OOV: 1\n"
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("got\n%s\nwant prefix\n%s", out.String(), want)
	}
	if st.Tokens != 6 || st.OOVs != 1 || st.OOVTotal != float64(float32(-1.625)) {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(out.String(), "OOVs:\t1\nTokens:\t6\n") {
		t.Errorf("summary missing: %s", out.String())
	}
}

func TestLoadARPAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.arpa")
	os.WriteFile(p, []byte(tiny), 0o644)
	m, err := LoadARPA(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Counts(); len(got) != 3 || got[2] != 1 {
		t.Errorf("counts %v", got)
	}
	if _, err := LoadARPA(p + ".missing"); err == nil {
		t.Error("no error for a missing file")
	}
}

// BenchmarkReadARPA loads KenLM's order-5 PTB model (633k lines).
func BenchmarkReadARPA(b *testing.B) {
	ref := sharedDir(b, "reference/kenlm")
	rc, err := OpenText(filepath.Join(ref, "ptb10k.o5.arpa.gz"))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(rc)
	rc.Close()
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := ReadARPA(bytes.NewReader(buf.Bytes()), "o5"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuery scores 1000 PTB validation sentences with KenLM's order-5
// model: by binary search (as loaded from ARPA), through the probe tables,
// and through them on one goroutine.
func BenchmarkQuery(b *testing.B) {
	ref := sharedDir(b, "reference/kenlm")
	m, err := LoadARPA(filepath.Join(ref, "ptb10k.o5.arpa.gz"))
	if err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(ref, "ptb1k.valid.txt"))
	if err != nil {
		b.Fatal(err)
	}
	idx := &Model{Vocab: m.Vocab, Tables: m.Tables}
	if err := idx.BuildIndex(); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		m       *Model
		workers int
	}{{"search", m, 1}, {"probe", idx, 1}, {"probe-parallel", idx, runtime.GOMAXPROCS(0)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if _, err := QueryParallel(c.m, bytes.NewReader(text), &out, VerboseSentence, c.workers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestExp10Exact(t *testing.T) {
	for _, c := range []struct{ y, want float64 }{
		{2, 100}, {-1, 0.1}, {0.5, 3.1622776601683795}, {0, 1}, {-3, 0.001},
		{2.3354042451447097, 216.47325384421984}, // glibc pow(10, y) prints this
	} {
		if got := exp10Exact(c.y); got != c.want {
			t.Errorf("exp10Exact(%v) = %v, want %v", c.y, got, c.want)
		}
	}
}
