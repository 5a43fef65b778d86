package tags

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func seq(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}

func TestSplitJoin(t *testing.T) {
	cases := []struct {
		tag    string
		prefix byte
		typ    string
	}{
		{"B-PER", 'B', "PER"},
		{"I-GPE-ORG", 'I', "GPE-ORG"},
		{"O", 'O', ""},
		{"S", 'S', ""},
		{"-PER", 0, "PER"},
		{"", 0, ""},
		{"BB-PER", 0, "PER"},
	}
	for _, c := range cases {
		p, typ := Split(c.tag)
		if p != c.prefix || typ != c.typ {
			t.Errorf("Split(%q) = %q,%q; want %q,%q", c.tag, p, typ, c.prefix, c.typ)
		}
		if p != 0 && Join(p, typ) != c.tag {
			t.Errorf("Join(%q,%q) = %q; want %q", p, typ, Join(p, typ), c.tag)
		}
	}
}

func TestParseScheme(t *testing.T) {
	for name, want := range map[string]Scheme{"iob1": IOB1, "IOB": IOB1, "bio": IOB2, "iob2": IOB2, "BIOES": IOBES, "iobes": IOBES, "bmes": BMES} {
		got, err := ParseScheme(name)
		if err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %v, %v; want %v", name, got, err, want)
		}
		if back, _ := ParseScheme(got.String()); back != got {
			t.Errorf("String/Parse round trip of %v gave %v", got, back)
		}
	}
	if _, err := ParseScheme("ioe2"); err == nil {
		t.Error("ParseScheme(ioe2) succeeded")
	}
}

// The same three chunks — PER[0,2) PER[2,3) LOC[4,5) — in every scheme. Two
// adjacent chunks of one type are the case that distinguishes IOB1 from IOB2.
var sameChunks = map[Scheme]string{
	IOB1:  "I-PER I-PER B-PER O I-LOC",
	IOB2:  "B-PER I-PER B-PER O B-LOC",
	IOBES: "B-PER E-PER S-PER O S-LOC",
	BMES:  "B-PER E-PER S-PER O S-LOC",
}

func TestSpansEveryScheme(t *testing.T) {
	want := []Span{{0, 2, "PER"}, {2, 3, "PER"}, {4, 5, "LOC"}}
	for s, text := range sameChunks {
		got, err := s.Spans(seq(text))
		if err != nil {
			t.Fatalf("%v: %v", s, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v.Spans(%s) = %v; want %v", s, text, got, want)
		}
		enc, err := s.Encode(want, 5)
		if err != nil || strings.Join(enc, " ") != text {
			t.Errorf("%v.Encode = %v, %v; want %s", s, enc, err, text)
		}
	}
	// A longer BMES chunk uses M inside, IOBES uses I.
	got, _ := BMES.Encode([]Span{{1, 4, "ORG"}}, 5)
	if strings.Join(got, " ") != "O B-ORG M-ORG E-ORG O" {
		t.Errorf("BMES.Encode = %v", got)
	}
	got, _ = IOBES.Encode([]Span{{1, 4, "ORG"}}, 5)
	if strings.Join(got, " ") != "O B-ORG I-ORG E-ORG O" {
		t.Errorf("IOBES.Encode = %v", got)
	}
	// Untyped chunks (word segmentation): bare prefixes.
	sp, err := BMES.Spans(seq("B E S B M E"))
	if err != nil || !reflect.DeepEqual(sp, []Span{{0, 2, ""}, {2, 3, ""}, {3, 6, ""}}) {
		t.Errorf("untyped BMES: %v, %v", sp, err)
	}
}

// randomSpans draws non-overlapping spans over n tokens with types from a
// small set, so that adjacent chunks of the same type occur often.
func randomSpans(r *rand.Rand, n int) []Span {
	types := []string{"PER", "LOC", "B-X", ""}
	var out []Span
	for i := 0; i < n; {
		if r.IntN(3) == 0 {
			i++
			continue
		}
		l := 1 + r.IntN(4)
		if i+l > n {
			l = n - i
		}
		out = append(out, Span{i, i + l, types[r.IntN(len(types))]})
		i += l
	}
	return out
}

func TestRoundTripAllPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 500; trial++ {
		n := r.IntN(20)
		spans := randomSpans(r, n)
		for _, from := range Schemes {
			src, err := from.Encode(spans, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := from.Validate(src); err != nil {
				t.Fatalf("%v encoding %v is invalid: %v", from, spans, err)
			}
			for _, to := range Schemes {
				dst, err := Convert(src, from, to)
				if err != nil {
					t.Fatalf("Convert %v→%v of %v: %v", from, to, src, err)
				}
				got, err := to.Spans(dst)
				if err != nil {
					t.Fatalf("%v: %v", to, err)
				}
				if len(got) != len(spans) || (len(got) > 0 && !reflect.DeepEqual(got, spans)) {
					t.Fatalf("%v→%v: spans %v became %v (%v)", from, to, spans, got, dst)
				}
				back, err := Convert(dst, to, from)
				if err != nil || !reflect.DeepEqual(back, src) {
					t.Fatalf("%v→%v→%v: %v became %v (%v)", from, to, from, src, back, err)
				}
			}
		}
	}
}

func TestValidateErrors(t *testing.T) {
	cases := []struct {
		s     Scheme
		tags  string
		index int
		msg   string
	}{
		{IOB2, "O I-PER", 1, `tag 1 "I-PER" after "O": I- must continue`},
		{IOB2, "I-PER", 0, `tag 0 "I-PER" at the start`},
		{IOB2, "B-PER I-LOC", 1, "I- must continue a chunk of the same type"},
		{IOB2, "B-PER E-PER", 1, "not a iob2 tag"},
		{IOB2, "B-PER X", 1, "not a iob2 tag"},
		{IOB2, "O-PER", 0, "not a iob2 tag"},
		{IOB1, "O B-PER", 1, "B- may only start a chunk directly after a chunk of the same type"},
		{IOB1, "I-LOC B-PER", 1, "B- may only start"},
		{IOBES, "B-PER O", 1, "not closed with E-PER"},
		{IOBES, "B-PER S-PER", 1, "not closed"},
		{IOBES, "O E-PER", 1, "E- must continue"},
		{IOBES, "B-PER I-LOC E-LOC", 1, "I- must continue"},
		{IOBES, "S-PER I-PER", 1, "I- must continue"},
		{IOBES, "B-PER I-PER", 2, `sequence ends after "I-PER" at position 1: the last chunk is not closed`},
		{IOBES, "B-PER M-PER E-PER", 1, "not a iobes tag"},
		{BMES, "B-PER I-PER E-PER", 1, "not a bmes tag"},
		{BMES, "M-PER E-PER", 0, "M- must continue"},
		{BMES, "B-NAME M-NAME", 2, "not closed with E-NAME"},
	}
	for _, c := range cases {
		err := c.s.Validate(seq(c.tags))
		var se *SequenceError
		if !errors.As(err, &se) {
			t.Errorf("%v.Validate(%s) = %v; want a SequenceError", c.s, c.tags, err)
			continue
		}
		if se.Index != c.index || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v.Validate(%s) = %v (index %d); want index %d and %q", c.s, c.tags, err, se.Index, c.index, c.msg)
		}
		if _, err := c.s.Spans(seq(c.tags)); err == nil {
			t.Errorf("%v.Spans(%s) accepted an invalid sequence", c.s, c.tags)
		}
	}
	if err := Scheme(99).Validate(nil); err == nil {
		t.Error("unknown scheme validated")
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, spans := range [][]Span{
		{{0, 0, "A"}},
		{{-1, 1, "A"}},
		{{2, 6, "A"}},
		{{0, 2, "A"}, {1, 3, "B"}},
	} {
		if _, err := IOB2.Encode(spans, 5); err == nil {
			t.Errorf("Encode(%v) succeeded", spans)
		}
	}
	// Unsorted input is accepted and sorted.
	got, err := IOB2.Encode([]Span{{3, 4, "B"}, {0, 2, "A"}}, 4)
	if err != nil || strings.Join(got, " ") != "B-A I-A O B-B" {
		t.Errorf("unsorted Encode = %v, %v", got, err)
	}
}

func TestDecodeLenient(t *testing.T) {
	cases := []struct {
		tags string
		want []Span
	}{
		// A stray I- starts a chunk; a type change starts a chunk.
		{"O I-PER I-PER I-LOC", []Span{{1, 3, "PER"}, {3, 4, "LOC"}}},
		// E closes, the next I starts anew; S is one token.
		{"B-A E-A I-A S-A S-A", []Span{{0, 2, "A"}, {2, 3, "A"}, {3, 4, "A"}, {4, 5, "A"}}},
		// An unclosed IOBES chunk still yields a span; unknown prefixes act as O.
		{"B-A I-A X-A B-B", []Span{{0, 2, "A"}, {3, 4, "B"}}},
		{"", nil},
	}
	for _, c := range cases {
		if got := Decode(seq(c.tags)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Decode(%s) = %v; want %v", c.tags, got, c.want)
		}
	}
}

func TestDetect(t *testing.T) {
	for s, text := range sameChunks {
		want := s
		if s == IOBES || s == BMES {
			// The sample has no inside tag: IOBES and BMES look alike.
			want = IOBES
		}
		if got := Detect(seq(text)); got != want {
			t.Errorf("Detect(%s) = %v; want %v", text, got, want)
		}
	}
	if got := Detect(seq("B-A M-A E-A")); got != BMES {
		t.Errorf("Detect(BMES) = %v", got)
	}
}

// readColumnTags reads the last column of a CoNLL-style file, one tag
// sequence per sentence.
func readColumnTags(t testing.TB, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("shared data absent (%v); skipping", err)
	}
	defer f.Close()
	var out [][]string
	var cur []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, fields[len(fields)-1])
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sharedData(elem ...string) string {
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(append([]string{d, "..", "shared", "data"}, elem...)...)
		}
	}
	return filepath.Join(append([]string{"..", "..", "shared", "data"}, elem...)...)
}

// TestResumeBMES converts the Resume NER test set (BMES) to IOBES and back:
// the text must come back identically, the IOBES form must differ only in
// M→I, and every scheme must carry the same entities.
func TestResumeBMES(t *testing.T) {
	sents := readColumnTags(t, sharedData("resume_ner_zh", "test.char.bmes"))
	entities := 0
	for i, tags := range sents {
		spans, err := BMES.Spans(tags)
		if err != nil {
			t.Fatalf("sentence %d: %v", i, err)
		}
		entities += len(spans)
		iobes, err := Convert(tags, BMES, IOBES)
		if err != nil {
			t.Fatal(err)
		}
		for j := range tags {
			if want := strings.Replace(tags[j], "M-", "I-", 1); iobes[j] != want {
				t.Fatalf("sentence %d token %d: %s became %s", i, j, tags[j], iobes[j])
			}
		}
		back, err := Convert(iobes, IOBES, BMES)
		if err != nil || !reflect.DeepEqual(back, tags) {
			t.Fatalf("sentence %d: BMES→IOBES→BMES changed the tags (%v)", i, err)
		}
		for _, s := range []Scheme{IOB1, IOB2} {
			other, err := Convert(tags, BMES, s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Spans(other)
			if err != nil || !reflect.DeepEqual(got, spans) {
				t.Fatalf("sentence %d via %v: %v != %v (%v)", i, s, got, spans, err)
			}
		}
	}
	// SOURCE.md: 477 test sentences. Count entities to pin the decoding.
	if len(sents) != 477 {
		t.Errorf("read %d sentences; SOURCE.md says 477", len(sents))
	}
	// Zhang & Yang (2018), Table 1: the Resume test set has 1.63K entities.
	if entities != 1630 {
		t.Errorf("decoded %d entities; want 1630", entities)
	}
}

func BenchmarkDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	spans := randomSpans(r, 1000)
	tg, _ := IOB2.Encode(spans, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IOB2.Spans(tg); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleConvert() {
	bio := []string{"B-PER", "I-PER", "O", "B-LOC"}
	bioes, _ := Convert(bio, IOB2, IOBES)
	spans, _ := IOBES.Spans(bioes)
	fmt.Println(bioes)
	fmt.Println(spans)
	// Output:
	// [B-PER E-PER O S-LOC]
	// [PER[0,2) LOC[3,4)]
}

// TestSharedIOB2Data validates the CoNLL-2003 and MSRA test sets as IOB2 and
// round-trips them through every scheme. The entity counts (lenient decoding,
// which like conlleval lets a stray I- start a chunk) must equal the gold
// phrase counts conlleval reports for the same files
// (../shared/reference/conlleval: 5648 and 6192). MSRA's SOURCE.md says 11
// test chunks start with I- (sentences cut inside an entity): exactly those
// must fail validation, at position 0.
func TestSharedIOB2Data(t *testing.T) {
	for _, c := range []struct {
		dir          string
		want, broken int
	}{{"conll2003_en", 5648, 0}, {"msra_ner_zh", 6192, 11}} {
		sents := readColumnTags(t, sharedData(c.dir, "test.txt"))
		n, broken := 0, 0
		for i, tg := range sents {
			n += len(Decode(tg))
			if err := IOB2.Validate(tg); err != nil {
				var se *SequenceError
				if !errors.As(err, &se) || se.Index != 0 || !strings.HasPrefix(tg[0], "I-") {
					t.Fatalf("%s sentence %d: %v", c.dir, i, err)
				}
				broken++
				continue
			}
			for _, s := range Schemes {
				back, err := Convert(tg, IOB2, s)
				if err == nil {
					back, err = Convert(back, s, IOB2)
				}
				if err != nil || !reflect.DeepEqual(back, tg) {
					t.Fatalf("%s sentence %d: IOB2→%v→IOB2 changed the tags (%v)", c.dir, i, s, err)
				}
			}
		}
		if n != c.want || broken != c.broken {
			t.Errorf("%s: %d entities, %d invalid sentences; want %d and %d", c.dir, n, broken, c.want, c.broken)
		}
	}
}
