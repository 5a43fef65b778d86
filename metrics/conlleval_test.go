package metrics

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"github.com/mulan-nlp/mulan/internal/shared"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/tags"
)

// referenceDir finds ../shared/reference/conlleval next to the module root.
func referenceDir(t testing.TB) string {
	t.Helper()
	return shared.Reference(t, "conlleval")
}

func openGz(t testing.TB, path string) io.Reader {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("reference file absent (%v); skipping", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}

func runText(t testing.TB, in string, opt ConllOptions) string {
	t.Helper()
	res, err := Conlleval(strings.NewReader(in), "input", opt)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := res.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReferenceOutputs: the perl script's outputs on two prediction files,
// byte for byte, and the two -r lines quoted in the reference README.
func TestReferenceOutputs(t *testing.T) {
	ref := referenceDir(t)
	for _, name := range []string{"conll2003_test", "msra_test"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(ref, name+".conlleval.txt"))
			if err != nil {
				t.Skipf("reference output absent: %v", err)
			}
			res, err := Conlleval(openGz(t, filepath.Join(ref, name+".pred.txt.gz")), name, ConllOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			res.WriteText(&got)
			if got.String() != string(want) {
				t.Errorf("output differs from conlleval:\n%s\nwant:\n%s", got.String(), want)
			}
		})
	}
	res, err := Conlleval(openGz(t, filepath.Join(ref, "conll2003_test.pred.txt.gz")), "conll2003", ConllOptions{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	res.WriteText(&got)
	want := "processed 46435 tokens with 8112 phrases; found: 9348 phrases; correct: 6170.\n" +
		"accuracy:  92.25%; precision:  66.00%; recall:  76.06%; FB1:  70.68\n"
	if !strings.HasPrefix(got.String(), want) {
		t.Errorf("-r output:\n%s\nwant it to start with:\n%s", got.String(), want)
	}
}

// Hand-made cases, one per chunking rule. The expected outputs were derived
// from the script's startOfChunk/endOfChunk rules as commented (and agree
// with the perl script itself).
var conllCases = []struct {
	name string
	opt  ConllOptions
	in   string
	want string
}{
	{
		// Gold PER[a,b]. The prediction's I-PER after O starts a chunk (rule
		// O→I), so the predicted chunk has the same span: correct. Tags agree
		// on b and c only: 2/3 = 66.67%.
		name: "stray I starts a chunk",
		in:   "a B-PER I-PER\nb I-PER I-PER\nc O O\n",
		want: "processed 3 tokens with 1 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy:  66.67%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		// Gold PER[a,c]; predicted PER[a] and LOC[b,c], because a type change
		// ends and starts a chunk. At b the gold chunk goes on while the
		// predicted one ends, so the candidate match is dropped: 0 correct.
		// Per-type lines are sorted and end with the predicted count.
		name: "type change",
		in:   "a B-PER B-PER\nb I-PER I-LOC\nc I-PER I-LOC\n",
		want: "processed 3 tokens with 1 phrases; found: 2 phrases; correct: 0.\n" +
			"accuracy:  33.33%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n" +
			"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n",
	},
	{
		// IOBES as the script reads it: no rule starts a chunk at S after S
		// or at B/S after E of the same type, so gold is [a,b] [d,g] and the
		// prediction (S B | B E S S) is [a,b] [d,g] too: 2 correct of 2,
		// although only a, c, d, e carry identical tags (4/7 = 57.14%).
		name: "IOBES E and S",
		in:   "a S-A S-A\nb S-A B-A\nc O O\nd B-A B-A\ne E-A E-A\nf B-A S-A\ng E-A S-A\n",
		want: "processed 7 tokens with 2 phrases; found: 2 phrases; correct: 2.\n" +
			"accuracy:  57.14%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"                A: precision: 100.00%; recall: 100.00%; FB1: 100.00  2\n",
	},
	{
		// '[' and ']' are one-token chunks: gold has two (a, b). The
		// prediction's I-NP after '[' starts nothing, so it has one (a),
		// which matches because both chunks end at b. '.' never starts a
		// chunk, not even on a type change (d). Tags agree on a: 25%.
		name: "brackets and dot",
		in:   "a [-NP [-NP\nb ]-NP I-NP\nc .-NP O\nd O .-VP\n",
		want: "processed 4 tokens with 2 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy:  25.00%; precision: 100.00%; recall:  50.00%; FB1:  66.67\n" +
			"               NP: precision: 100.00%; recall:  50.00%; FB1:  66.67  1\n",
	},
	{
		// -DOCSTART- is an ordinary token (counted, O/O agree); blank lines
		// and a -X- line (whatever its tags) are boundaries, not tokens, and
		// end open chunks: b's I-PER starts a new chunk in both columns.
		// Gold PER PER LOC, predicted PER PER: 3 tokens of 4 agree. LOC has
		// no predicted chunk: trailing count 0.
		name: "boundaries and DOCSTART",
		in:   "-DOCSTART- O O\n\na B-PER B-PER\n\nb I-PER I-PER\n-X- B-X I-X\nc B-LOC O\n",
		want: "processed 4 tokens with 3 phrases; found: 2 phrases; correct: 2.\n" +
			"accuracy:  75.00%; precision: 100.00%; recall:  66.67%; FB1:  80.00\n" +
			"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n" +
			"              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  2\n",
	},
	{
		// -r -o NONE: NONE is outside, every other tag X reads as B-X, so
		// gold is PER PER (two chunks: B after B), predicted PER . LOC.
		name: "raw with outside tag",
		opt:  ConllOptions{Raw: true, OTag: "NONE"},
		in:   "a PER PER\nb PER NONE\nc NONE LOC\n",
		want: "processed 3 tokens with 2 phrases; found: 2 phrases; correct: 1.\n" +
			"accuracy:  33.33%; precision:  50.00%; recall:  50.00%; FB1:  50.00\n" +
			"              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n" +
			"              PER: precision: 100.00%; recall:  50.00%; FB1:  66.67  1\n",
	},
	{
		// -d '\t' (a regular expression, as in perl): "New York" is one field.
		name: "tab delimiter",
		opt:  ConllOptions{Delimiter: `\t`},
		in:   "New York\tB-LOC\tB-LOC\nis\tO\tO",
		want: "processed 2 tokens with 1 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		// Perl truthiness: the type "0" is false, hence "", the same as the
		// untyped "B". The empty type is in both the gold and the found
		// lists, and the de-duplication treats a previous "" as false, so
		// its line is printed twice.
		name: "type 0 and the empty type",
		in:   "a B-0 B\n",
		want: "processed 1 tokens with 1 phrases; found: 1 phrases; correct: 1.\n" +
			"accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n" +
			"                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n",
	},
	{
		// No tokens: only the first line.
		name: "empty",
		in:   "\n\n",
		want: "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n",
	},
	{
		// A '\r' stays in the last field as in perl: "O\r" is not O, so the
		// tags disagree (accuracy 0), but as a tag that is neither B, I, E,
		// '[' nor ']' and keeps the (empty) type, it starts no chunk.
		name: "carriage return kept",
		in:   "a O O\r\n",
		want: "processed 1 tokens with 0 phrases; found: 0 phrases; correct: 0.\n" +
			"accuracy:   0.00%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n",
	},
}

func TestConllHandCases(t *testing.T) {
	for _, c := range conllCases {
		t.Run(c.name, func(t *testing.T) {
			if got := runText(t, c.in, c.opt); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestConllIncremental feeds tags through Add/EndSentence instead of text.
func TestConllIncremental(t *testing.T) {
	c, err := NewConll(ConllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]string{{"O", "O"}, {"", ""}, {"B-PER", "B-PER"}, {"", ""}, {"I-PER", "I-PER"}, {"", ""}, {"B-LOC", "O"}} {
		if p[0] == "" {
			c.EndSentence()
		} else if err := c.Add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	c.Result().WriteText(&b)
	if want := conllCases[4].want; b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestConllLatex(t *testing.T) {
	res, err := Conlleval(strings.NewReader(conllCases[1].in), "input", ConllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	res.WriteLatex(&b)
	want := "        & Precision &  Recall  & F$_{\\beta=1} \\\\\\hline\n" +
		"LOC     &    0.00\\% &   0.00\\% &   0.00 \\\\\n" +
		"PER     &    0.00\\% &   0.00\\% &   0.00 \\\\\\hline\n" +
		"Overall &    0.00\\% &   0.00\\% &   0.00 \\\\\\hline\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestConllErrors(t *testing.T) {
	cases := []struct {
		in, msg string
		opt     ConllOptions
	}{
		{"a B-PER B-PER\nb O\n", "input:2: unexpected number of features: 2 (3)", ConllOptions{}},
		{"a\n", "input:1: unexpected number of features in line \"a\"", ConllOptions{}},
		{"a O O\n", "bad delimiter pattern", ConllOptions{Delimiter: "(["}},
		{"a O O\n", "cannot be combined with raw", ConllOptions{Raw: true, Strict: true}},
		{"a O O\nb E-PER O\n", "input:2: strict iob2: gold invalid tag \"E-PER\"", ConllOptions{Strict: true, Scheme: tags.IOB2}},
	}
	for _, c := range cases {
		_, err := Conlleval(strings.NewReader(c.in), "input", c.opt)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %v; want %q", c.in, err, c.msg)
		}
	}
	// Blank lines do not count as lines with a different number of fields.
	if _, err := Conlleval(strings.NewReader("\na O O\n\nb O O\n"), "input", ConllOptions{}); err != nil {
		t.Error(err)
	}
}

// Entity extraction in strict mode: cases from seqeval's test suite
// (tests/test_scheme.py), written as (tags, entities).
func TestStrictSpansSeqevalCases(t *testing.T) {
	type ent struct {
		start, end int
		typ        string
	}
	cases := []struct {
		s    tags.Scheme
		tags string
		want []ent
	}{
		{tags.IOB2, "B-PER", []ent{{0, 1, "PER"}}},
		{tags.IOB2, "I-PER", nil},
		{tags.IOB2, "O I-PER", nil},
		{tags.IOB2, "I-PER B-ORG", []ent{{1, 2, "ORG"}}},
		{tags.IOB2, "B-PER I-PER", []ent{{0, 2, "PER"}}},
		{tags.IOB2, "B-PER I-ORG", []ent{{0, 1, "PER"}}},
		{tags.IOB2, "B-PER B-PER", []ent{{0, 1, "PER"}, {1, 2, "PER"}}},
		{tags.IOB2, "B I", []ent{{0, 2, "_"}}},
		{tags.IOB1, "I-PER B-PER", []ent{{0, 1, "PER"}, {1, 2, "PER"}}},
		{tags.IOB1, "B-PER I-PER", []ent{{1, 2, "PER"}}},
		{tags.IOB1, "I-PER B-ORG", []ent{{0, 1, "PER"}}},
		{tags.IOB1, "B-PER B-ORG", nil},
		{tags.IOBES, "S-PER", []ent{{0, 1, "PER"}}},
		{tags.IOBES, "B-PER", nil},
		{tags.IOBES, "B-PER E-PER", []ent{{0, 2, "PER"}}},
		{tags.IOBES, "B-PER E-ORG", nil},
		{tags.IOBES, "B-PER S-PER", []ent{{1, 2, "PER"}}},
		{tags.IOBES, "I-PER S-PER", []ent{{1, 2, "PER"}}},
		{tags.IOBES, "S-PER E-PER", []ent{{0, 1, "PER"}}},
		{tags.IOBES, "S-PER S-PER", []ent{{0, 1, "PER"}, {1, 2, "PER"}}},
		{tags.IOBES, "E-PER E-PER", nil},
		{tags.IOBES, "B I E", []ent{{0, 3, "_"}}},
		{tags.BMES, "B-NAME M-NAME E-NAME S-ORG", []ent{{0, 3, "NAME"}, {3, 4, "ORG"}}},
	}
	for _, c := range cases {
		got, err := StrictSpans(strings.Fields(c.tags), c.s)
		if err != nil {
			t.Fatalf("%v %s: %v", c.s, c.tags, err)
		}
		var want []tags.Span
		for _, e := range c.want {
			want = append(want, tags.Span{Start: e.start, End: e.end, Type: e.typ})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v %s: %v; want %v", c.s, c.tags, got, c.want)
		}
	}
	// seqeval raises on an IOBES tag under IOB2.
	if _, err := StrictSpans([]string{"B-PER", "E-PER", "S-PER"}, tags.IOB2); err == nil {
		t.Error("IOBES tags accepted under IOB2")
	}
}

// TestStrictReport reproduces seqeval's README example report; the strict
// mode drops the prediction's ill-formed chunk that conlleval would repair.
func TestStrictReport(t *testing.T) {
	// y_true = [[O O O B-MISC I-MISC I-MISC O] [B-PER I-PER O]]
	// y_pred = [[O O B-MISC I-MISC I-MISC I-MISC O] [B-PER I-PER O]]
	in := "w O O\nw O O\nw O B-MISC\nw B-MISC I-MISC\nw I-MISC I-MISC\nw I-MISC I-MISC\nw O O\n\n" +
		"w B-PER B-PER\nw I-PER I-PER\nw O O\n"
	res, err := Conlleval(strings.NewReader(in), "input", ConllOptions{Strict: true, Scheme: tags.IOB2})
	if err != nil {
		t.Fatal(err)
	}
	want := "              precision    recall  f1-score   support\n\n" +
		"        MISC       0.00      0.00      0.00         1\n" +
		"         PER       1.00      1.00      1.00         1\n\n" +
		"   micro avg       0.50      0.50      0.50         2\n" +
		"   macro avg       0.50      0.50      0.50         2\n" +
		"weighted avg       0.50      0.50      0.50         2\n"
	if got := res.Strict.Text(2); got != want {
		t.Errorf("strict report:\n%s\nwant:\n%s", got, want)
	}
	// seqeval README, strict mode: [B-NP I-NP O] vs [I-NP I-NP O] finds no
	// entity in the prediction (default mode, like conlleval, would give 1.00).
	res, err = Conlleval(strings.NewReader("w B-NP I-NP\nw I-NP I-NP\nw O O\n"), "input", ConllOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	np := res.Strict.Classes[0]
	if np.Label != "NP" || np.F1 != 0 || np.Support != 1 || res.FB1 != 100 {
		t.Errorf("strict %+v, conlleval FB1 %v", np, res.FB1)
	}
	if res.StrictScheme != "iob2" {
		t.Errorf("default strict scheme %q", res.StrictScheme)
	}
}

func TestConllJSON(t *testing.T) {
	res, err := Conlleval(strings.NewReader(conllCases[5].in), "input", conllCases[5].opt)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back ConllResult
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	want := ConllResult{Tokens: 3, CorrectTags: 1, Gold: 2, Found: 2, Correct: 1,
		Accuracy: 100.0 / 3, Precision: 50, Recall: 50, FB1: 50,
		Types: []ConllType{{"LOC", 0, 1, 0, 0, 0, 0}, {"PER", 2, 1, 1, 100, 50, 200.0 / 3}}}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("JSON round trip:\n%+v\nwant\n%+v", back, want)
	}
}

// TestAgainstPerl compares with the original script on random inputs when
// MULAN_CONLLEVAL_PL names a copy of conlleval (perl must be installed).
// The script is not part of the repository; without it the test is skipped.
func TestAgainstPerl(t *testing.T) {
	script := os.Getenv("MULAN_CONLLEVAL_PL")
	if script == "" {
		t.Skip("set MULAN_CONLLEVAL_PL to the conlleval perl script to compare with it")
	}
	r := rand.New(rand.NewPCG(11, 12))
	pool := []string{"O", "B-A", "I-A", "E-A", "S-A", "B-B", "I-B", "B", "I", "E", "S", "[", "]", ".", "]-A", "B-A-C", "I-A-C", "0", "B-0", "X", "-A", "B-"}
	for trial := 0; trial < 300; trial++ {
		var in strings.Builder
		for i := r.IntN(30); i > 0; i-- {
			switch r.IntN(12) {
			case 0:
				in.WriteString("\n")
			case 1:
				in.WriteString("-X- O O\n")
			default:
				fmt.Fprintf(&in, "w%d %s %s\n", r.IntN(5), pool[r.IntN(len(pool))], pool[r.IntN(len(pool))])
			}
		}
		args := []string{script}
		opt := ConllOptions{}
		if r.IntN(4) == 0 {
			args = append(args, "-r", "-o", "A")
			opt.Raw, opt.OTag = true, "A"
		}
		cmd := exec.Command("perl", args...)
		cmd.Stdin = strings.NewReader(in.String())
		want, err := cmd.Output()
		if err != nil {
			t.Fatalf("perl: %v", err)
		}
		if got := runText(t, in.String(), opt); got != string(want) {
			t.Fatalf("input %q (%v):\ngot:\n%s\nperl:\n%s", in.String(), args[1:], got, want)
		}
	}
}

// FuzzConlleval: no input makes the reader panic, in any mode.
func FuzzConlleval(f *testing.F) {
	for _, c := range conllCases {
		f.Add([]byte(c.in), uint8(0))
	}
	f.Add([]byte("a B-PER B-PER\nb O\n"), uint8(1))
	f.Add([]byte("x\ty\tz\n\n"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opt := ConllOptions{Raw: mode&1 != 0}
		if mode&2 != 0 {
			opt.Delimiter = `\s+`
		}
		if mode&4 != 0 && !opt.Raw {
			opt.Strict, opt.Scheme = true, tags.Schemes[int(mode>>3)%len(tags.Schemes)]
		}
		res, err := Conlleval(bytes.NewReader(data), "fuzz", opt)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := res.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		res.WriteLatex(&b)
		if err := res.WriteJSON(&b); err != nil {
			t.Fatal(err)
		}
		if res.Strict != nil {
			_ = res.Strict.Text(4)
		}
		if res.Correct > res.Found || res.Correct > res.Gold || res.CorrectTags > res.Tokens {
			t.Fatalf("inconsistent counts %+v", res)
		}
	})
}

func BenchmarkConlleval(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	spans := []string{"O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG"}
	var in strings.Builder
	for i := 0; i < 10000; i++ {
		if i%15 == 14 {
			in.WriteString("\n")
			continue
		}
		fmt.Fprintf(&in, "tok%d %s %s\n", i%100, spans[r.IntN(len(spans))], spans[r.IntN(len(spans))])
	}
	data := in.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Conlleval(strings.NewReader(data), "bench", ConllOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
