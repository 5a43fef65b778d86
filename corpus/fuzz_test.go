package corpus

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets: on any input a reader must not panic, must fail only with an
// *Error, must yield valid UTF-8 with increasing line numbers, and what it
// reads must survive a write and a second read unchanged (when the writer
// accepts it).

func fuzzRead(t *testing.T, name string, data []byte, opt Options) []Record {
	var recs []Record
	last := 0
	for r, err := range ReadRecords(name, bytes.NewReader(data), opt) {
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *corpus.Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), name) {
				t.Fatalf("error %q does not name the file", err)
			}
			return nil
		}
		if r.Line <= last {
			t.Fatalf("line %d after line %d", r.Line, last)
		}
		last = r.Line
		for _, s := range append([]string{r.ID, r.Text, r.Label}, r.Labels...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %+v", r)
			}
		}
		recs = append(recs, r)
	}
	return recs
}

func fuzzRoundTrip(t *testing.T, recs []Record, opt Options) {
	if len(recs) == 0 {
		return
	}
	out, err := writeRecords(opt, recs)
	if err != nil {
		return // the writer refuses what the format cannot hold
	}
	back := fuzzRead(t, "again", []byte(out), opt)
	if !sameRecords(back, recs) {
		t.Fatalf("round trip through %q:\n got %+v\nwant %+v", out, back, recs)
	}
}

func FuzzLines(f *testing.F) {
	for _, s := range []string{"a\nb\r\n\nc", "\ufeffx\r\n", "  \n\t\n", "é\xff\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		opt := Options{Format: Lines, SkipBlank: skip}
		recs := fuzzRead(t, "f.txt", data, opt)
		// oracle: split on LF, drop one CR before each LF
		if recs != nil && !skip && !bytes.HasPrefix(data, gzipMagic) && !bytes.HasPrefix(data, utf8BOM) {
			lines := strings.Split(string(data), "\n")
			if lines[len(lines)-1] == "" {
				lines = lines[:len(lines)-1]
			}
			if len(lines) != len(recs) {
				t.Fatalf("%d records for %d lines", len(recs), len(lines))
			}
			for i, l := range lines {
				if want := strings.TrimSuffix(l, "\r"); recs[i].Text != want || recs[i].Line != i+1 {
					t.Fatalf("line %d: %+v, want %q", i+1, recs[i], want)
				}
			}
		}
		fuzzRoundTrip(t, recs, opt)
	})
}

func FuzzTSV(f *testing.F) {
	for _, s := range []string{"id\tlabel\ttext\n1\tpos\tgood\n", "text\tlabel\nx\t1\n\ny\t0\textra\n", "id\tlabel\ttext\r\n\t\t\r\n"} {
		f.Add([]byte(s))
	}
	opt := Options{Format: TSV, IDCol: "id", LabelCol: "label", TextCol: "text"}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.tsv", data, opt)
		fuzzRoundTrip(t, recs, opt)
	})
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{"id,label,text\n1,pos,\"a, \"\"b\"\"\nc\"\n", "id,label,text\r\n2,,\r\n", "id,label,text\n1,\"x\n"} {
		f.Add([]byte(s))
	}
	opt := Options{Format: CSV, IDCol: "id", LabelCol: "label", TextCol: "text"}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.csv", data, opt)
		fuzzRoundTrip(t, recs, opt)
	})
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{`{"id":"1","label":"x","text":"a\nb"}` + "\n", `{"label":3,"text":"t","id":null}`, `{"text":[1]}`, "{\"text\":\"\\ud800\"}"} {
		f.Add([]byte(s))
	}
	opt := Options{Format: JSONL, IDCol: "id", LabelCol: "label", TextCol: "text"}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.jsonl", data, opt)
		fuzzRoundTrip(t, recs, opt)
	})
}

func FuzzFastText(f *testing.F) {
	for _, s := range []string{"__label__a __label__b text here\n", "__label__x\n\nno label\n", "__label__ \t__label__y  z "} {
		f.Add([]byte(s))
	}
	opt := Options{Format: FastText}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.ft", data, opt)
		for _, r := range recs {
			if len(r.Labels) == 0 || r.Label != r.Labels[0] {
				t.Fatalf("record without labels: %+v", r)
			}
		}
		fuzzRoundTrip(t, recs, opt)
	})
}

func FuzzLabelText(f *testing.F) {
	for _, s := range []string{"NUM:dist How far ?\n", "0 a\n1\tb\n", "nolabel\n", " x\n"} {
		f.Add([]byte(s))
	}
	opt := Options{Format: LabelText}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.label", data, opt)
		fuzzRoundTrip(t, recs, opt)
	})
}

func fuzzSentences(t *testing.T, data []byte, opt Options) {
	var sents []Sentence
	lastLine, lastDoc := 0, 0
	for s, err := range ReadSentences("f", bytes.NewReader(data), opt) {
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *corpus.Error", err, err)
			}
			return
		}
		if s.Line <= lastLine || s.Doc < lastDoc || s.Doc > lastDoc+1 || len(s.Tokens) == 0 || len(s.Cols) != len(s.Tokens) {
			t.Fatalf("bad sentence %+v after line %d doc %d", s, lastLine, lastDoc)
		}
		if s.Tags != nil && len(s.Tags) != len(s.Tokens) {
			t.Fatalf("tokens and tags differ in length: %+v", s)
		}
		lastLine, lastDoc = s.Line, s.Doc
		sents = append(sents, s)
	}
	var b bytes.Buffer
	w, err := NewSentenceWriter(&b, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sents {
		if err := w.Write(Sentence{Cols: s.Cols, Doc: s.Doc}); err != nil {
			return
		}
	}
	w.Flush()
	var back []Sentence
	for s, err := range ReadSentences("again", bytes.NewReader(b.Bytes()), opt) {
		if err != nil {
			t.Fatalf("reading back %q: %v", b.String(), err)
		}
		back = append(back, s)
	}
	if len(back) != len(sents) {
		t.Fatalf("round trip: %d sentences, want %d", len(back), len(sents))
	}
	for i := range back {
		if back[i].Doc != sents[i].Doc || !slices.EqualFunc(back[i].Cols, sents[i].Cols, slices.Equal) ||
			!slices.Equal(back[i].Tokens, sents[i].Tokens) || !slices.Equal(back[i].Tags, sents[i].Tags) {
			t.Fatalf("round trip sentence %d: %+v, want %+v", i, back[i], sents[i])
		}
	}
}

func FuzzCoNLL(f *testing.F) {
	for _, s := range []string{"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n", "a\tO\r\n\n\n b  O \n-DOCSTART-\nc O", "a B\nc\n"} {
		f.Add([]byte(s), 0, 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, tok, tag int) {
		fuzzSentences(t, data, Options{Format: CoNLL, TokenCol: tok % 6, TagCol: tag % 6})
	})
}

func FuzzChars(f *testing.F) {
	for _, s := range []string{"吴 B-NAME\n重\tE-NAME\n\n中 S-CONT\n", "中 O\n\n\n国 O", "a b c\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzSentences(t, data, Options{Format: Chars})
	})
}
