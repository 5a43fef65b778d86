package corpus

import (
	"bytes"
	"strings"
	"testing"
)

func writeRecords(opt Options, recs []Record) (string, error) {
	var b bytes.Buffer
	w, err := NewWriter(&b, opt)
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			return "", err
		}
	}
	err = w.Flush()
	return b.String(), err
}

// sameRecords compares records ignoring Line.
func sameRecords(a, b []Record) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ID != y.ID || x.Text != y.Text || x.Label != y.Label || strings.Join(x.Labels, "\x00") != strings.Join(y.Labels, "\x00") {
			return false
		}
	}
	return true
}

func TestWriterRoundTrip(t *testing.T) {
	recs := []Record{
		{ID: "1", Label: "pos", Text: "it 's \"good\", really "},
		{ID: "2", Label: "neg", Text: ""},
		{ID: "3", Label: "0", Text: "中文，评论"},
	}
	multi := []Record{{Label: "a", Labels: []string{"a", "b"}, Text: "x y"}, {Label: "c", Labels: []string{"c"}}}
	for _, c := range []struct {
		opt  Options
		recs []Record
		want string // exact output where pinned
	}{
		{Options{Format: TSV, IDCol: "qid", TextCol: "text_a"}, recs,
			"qid\tlabel\ttext_a\n1\tpos\tit 's \"good\", really \n2\tneg\t\n3\t0\t中文，评论\n"},
		{Options{Format: CSV, TextCol: "review"}, recs,
			"label,review\npos,\"it 's \"\"good\"\", really \"\nneg,\n0,中文，评论\n"},
		{Options{Format: CSV}, []Record{{Label: "1", Text: "two\nlines, \"quoted\""}}, ""},
		{Options{Format: JSONL, IDCol: "id"}, recs,
			`{"id":"1","label":"pos","text":"it 's \"good\", really "}` + "\n" + `{"id":"2","label":"neg","text":""}` + "\n" +
				`{"id":"3","label":"0","text":"中文，评论"}` + "\n"},
		{Options{Format: JSONL}, []Record{{Label: "x", Text: "tab\there\r\nnew line"}}, ""},
		{Options{Format: LabelText}, []Record{{Label: "NUM:dist", Text: "How far ?"}, {Label: "0", Text: " lead"}},
			"NUM:dist How far ?\n0  lead\n"},
		{Options{Format: FastText}, multi, "__label__a __label__b x y\n__label__c \n"},
		{Options{Format: Lines}, []Record{{Text: "one"}, {Text: ""}, {Text: " two "}}, "one\n\n two \n"},
	} {
		out, err := writeRecords(c.opt, c.recs)
		if err != nil {
			t.Errorf("%s: %v", c.opt.Format, err)
			continue
		}
		if c.want != "" && out != c.want {
			t.Errorf("%s: wrote %q, want %q", c.opt.Format, out, c.want)
		}
		back, err := readString(t, "out", out, c.opt)
		if err != nil {
			t.Errorf("%s: reading back: %v", c.opt.Format, err)
			continue
		}
		want := c.recs
		if c.opt.IDCol == "" && c.opt.Format != Lines {
			want = nil
			for _, r := range c.recs {
				r.ID = ""
				want = append(want, r)
			}
		}
		if !sameRecords(back, want) {
			t.Errorf("%s: read back %+v, want %+v", c.opt.Format, back, want)
		}
	}
}

func TestWriterRefuses(t *testing.T) {
	for _, c := range []struct {
		opt Options
		rec Record
	}{
		{Options{Format: TSV}, Record{Text: "a\tb"}},
		{Options{Format: TSV}, Record{Text: "a\nb"}},
		{Options{Format: CSV}, Record{Text: "a\rb"}},
		{Options{Format: Lines}, Record{Text: "a\nb"}},
		{Options{Format: Lines}, Record{Text: "\ufeffbom"}},
		{Options{Format: Lines, SkipBlank: true}, Record{Text: "  "}},
		{Options{Format: JSONL}, Record{Text: "\xff"}},
		{Options{Format: FastText}, Record{Text: "no label"}},
		{Options{Format: FastText}, Record{Label: "a b", Text: "x"}},
		{Options{Format: FastText}, Record{Label: "a", Text: " lead"}},
		{Options{Format: FastText}, Record{Label: "a", Text: "__label__b"}},
		{Options{Format: LabelText}, Record{Label: "", Text: "x"}},
		{Options{Format: LabelText}, Record{Label: "a b", Text: "x"}},
	} {
		if out, err := writeRecords(c.opt, []Record{c.rec}); err == nil {
			t.Errorf("%s wrote %+v as %q", c.opt.Format, c.rec, out)
		}
	}
	for _, opt := range []Options{{}, {Format: CoNLL}, {Format: TSV, Encoding: "latin1"}, {Format: TSV, TextCol: "label"}} {
		if _, err := NewWriter(&bytes.Buffer{}, opt); err == nil {
			t.Errorf("NewWriter(%+v) accepted", opt)
		}
	}
}

func TestSentenceWriterRoundTrip(t *testing.T) {
	sents := []Sentence{
		{Cols: [][]string{{"EU", "NNP", "B-ORG"}, {"rejects", "VBZ", "O"}}, Doc: 0},
		{Cols: [][]string{{"Peter", "NNP", "B-PER"}}, Doc: 0},
		{Cols: [][]string{{"Bonn", "NNP", "B-LOC"}}, Doc: 1},
	}
	var b bytes.Buffer
	w, err := NewSentenceWriter(&b, Options{Format: CoNLL})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sents {
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	want := "EU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n\n-DOCSTART- -X- O\n\nBonn NNP B-LOC\n\n"
	if b.String() != want {
		t.Fatalf("wrote %q, want %q", b.String(), want)
	}
	back, err := readSents("x.conll", b.String(), Options{})
	if err != nil || len(back) != 3 || back[2].Doc != 1 || back[1].Doc != 0 || back[2].Tokens[0] != "Bonn" {
		t.Errorf("read back %v %+v", err, back)
	}

	b.Reset()
	w, _ = NewSentenceWriter(&b, Options{Format: Chars})
	if err := w.Write(Sentence{Tokens: []string{"吴", "重"}, Tags: []string{"B-NAME", "E-NAME"}}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if b.String() != "吴 B-NAME\n重 E-NAME\n\n" {
		t.Errorf("chars wrote %q", b.String())
	}
	for _, s := range []Sentence{
		{},
		{Tokens: []string{"a b"}, Tags: []string{"O"}},
		{Tokens: []string{"a"}, Tags: []string{""}},
		{Tokens: []string{"a", "b"}, Tags: []string{"O"}},
		{Tokens: []string{"a"}},                         // chars needs a tag
		{Cols: [][]string{{"a", "O"}, {"b", "O", "x"}}}, // ragged
	} {
		w, _ := NewSentenceWriter(&bytes.Buffer{}, Options{Format: Chars})
		if err := w.Write(s); err == nil {
			t.Errorf("wrote %+v", s)
		}
	}
	w, _ = NewSentenceWriter(&bytes.Buffer{}, Options{Format: CoNLL})
	if err := w.Write(Sentence{Tokens: []string{"-DOCSTART-"}, Tags: []string{"O"}}); err == nil {
		t.Error("wrote a -DOCSTART- token in CoNLL")
	}
}
