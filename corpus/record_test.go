package corpus

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readString(t *testing.T, name, in string, opt Options) ([]Record, error) {
	t.Helper()
	var out []Record
	for r, err := range ReadRecords(name, strings.NewReader(in), opt) {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func TestRecordFormats(t *testing.T) {
	for _, c := range []struct {
		name, in string
		opt      Options
		want     []Record
	}{
		{"crlf.txt", "a b\r\n\r\n  \nc\r\n", Options{Format: Lines},
			[]Record{{Text: "a b", Line: 1}, {Text: "", Line: 2}, {Text: "  ", Line: 3}, {Text: "c", Line: 4}}},
		{"skip.txt", "a b\r\n\r\n  \nc", Options{Format: Lines, SkipBlank: true},
			[]Record{{Text: "a b", Line: 1}, {Text: "c", Line: 4}}},
		{"bom.tsv", "\ufeffsentence\tlabel\r\nit 's good \t1\r\n\nbad\t0\n", Options{},
			[]Record{{Text: "it 's good ", Label: "1", Line: 2}, {Text: "bad", Label: "0", Line: 4}}},
		{"named.tsv", "qid\tlabel\ttext_a\n7\tpos\t好\n", Options{IDCol: "qid", LabelCol: "label", TextCol: "text_a"},
			[]Record{{ID: "7", Text: "好", Label: "pos", Line: 2}}},
		{"unlabelled.tsv", "index\tsentence\n0\tx y\n", Options{},
			[]Record{{ID: "0", Text: "x y", Line: 2}}},
		{"quotes.tsv", "text\tlabel\n\"a\" b\t1\n", Options{}, // TSV does no quoting
			[]Record{{Text: `"a" b`, Label: "1", Line: 2}}},
		{"rfc.csv", "label,review\r\n1,\"a, \"\"b\"\"\r\nc\"\n\n0,\"\"\n1,plain\n", Options{},
			[]Record{{Text: "a, \"b\"\nc", Label: "1", Line: 2}, {Text: "", Label: "0", Line: 5}, {Text: "plain", Label: "1", Line: 6}}},
		{"a.jsonl", `{"label": "x", "id": "g/1", "text": "l1\nl2 \u4e2d", "extra": [1, {"a": 2}]}` + "\n\n" +
			`{"label": 3, "text": "t", "id": null}` + "\n", Options{},
			[]Record{{ID: "g/1", Label: "x", Text: "l1\nl2 中", Line: 1}, {Label: "3", Text: "t", Line: 3}}},
		{"b.jsonl", `{"body": "t", "topic": "s"}`, Options{TextCol: "body", LabelCol: "topic"},
			[]Record{{Label: "s", Text: "t", Line: 1}}},
		{"ft.txt", "__label__a __label__b  some text \n\n__label__c\n", Options{Format: FastText},
			[]Record{{Label: "a", Labels: []string{"a", "b"}, Text: "some text ", Line: 1}, {Label: "c", Labels: []string{"c"}, Line: 3}}},
		{"ft2.txt", "#pos hi", Options{Format: FastText, LabelPrefix: "#"},
			[]Record{{Label: "pos", Labels: []string{"pos"}, Text: "hi", Line: 1}}},
		{"TREC.label", "NUM:dist How far ?\nHUM:desc\tWho ?\n", Options{},
			[]Record{{Label: "NUM:dist", Text: "How far ?", Line: 1}, {Label: "HUM:desc", Text: "Who ?", Line: 2}}},
		{"latin.txt", "caf\xe9\n", Options{Format: Lines, Encoding: "ISO-8859-1"},
			[]Record{{Text: "café", Line: 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := readString(t, c.name, c.in, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	gzBytes := func(s string) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write([]byte(s))
		w.Close()
		return b.String()
	}
	full := gzBytes("line one\nline two\nline three\n")
	for _, c := range []struct {
		name, in string
		opt      Options
		want     string
		kind     error
	}{
		{"in.txt", "ok\nbad \xff x\n", Options{Format: Lines}, "in.txt:2: invalid UTF-8 at byte 5", ErrInvalidUTF8},
		{"dev.tsv", "sentence\tlabel\na\t1\nb\t1\textra\n", Options{}, "dev.tsv:3: row has 3 fields, header has 2", ErrFieldCount},
		{"short.tsv", "sentence\tlabel\na\n", Options{}, "short.tsv:2: row has 1 fields, header has 2", ErrFieldCount},
		{"utf.tsv", "sentence\tlabel\na\t1\n\xc3(\t1\n", Options{}, "utf.tsv:3: invalid UTF-8", ErrInvalidUTF8},
		{"miss.tsv", "sentence\tlabel\n", Options{TextCol: "text"}, `miss.tsv:1: no text column "text" in header (columns: sentence, label)`, ErrMissingColumn},
		{"miss2.tsv", "sentence\tlabel\n", Options{LabelCol: "y"}, `miss2.tsv:1: no label column "y"`, ErrMissingColumn},
		{"nodefault.tsv", "a\tb\nx\ty\n", Options{}, "nodefault.tsv:1: no text column: none of text, sentence", ErrMissingColumn},
		{"empty.tsv", "", Options{}, "empty.tsv: empty file, no header row", ErrNoRecords},
		{"header.tsv", "text\tlabel\n\n", Options{}, "header.tsv: no records", ErrNoRecords},
		{"rag.csv", "label,review\n1,a\n1,b,c\n", Options{}, "rag.csv:3: row has 3 fields, header has 2", ErrFieldCount},
		{"quote.csv", "label,review\n1,\"a\nb\"\n0,x\"y\n", Options{}, "quote.csv:4: column 4: bare \" in non-quoted-field", ErrSyntax},
		{"open.csv", "label,review\n1,\"abc\n", Options{}, "open.csv:2: column 8: extraneous or missing \" in quoted-field", ErrSyntax},
		{"utf.csv", "label,review\n1,\"a\nb\"\n0,\xff\n", Options{}, "utf.csv:4: invalid UTF-8", ErrInvalidUTF8},
		{"miss.csv", "label,text\n", Options{TextCol: "review"}, `miss.csv:1: no text column "review"`, ErrMissingColumn},
		{"empty.csv", "", Options{}, "empty.csv: empty file, no header row", ErrNoRecords},
		{"bad.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\",}\n", Options{}, "bad.jsonl:2: bad JSON", ErrSyntax},
		{"arr.jsonl", "[1]\n", Options{}, "arr.jsonl:1: bad JSON", ErrSyntax},
		{"nofield.jsonl", "{\"text\": \"a\"}\n{\"txt\": \"b\"}\n", Options{}, "nofield.jsonl:2: no text field (text, sentence", ErrMissingColumn},
		{"named.jsonl", "{\"text\": \"a\"}\n", Options{LabelCol: "label"}, `named.jsonl:1: no label field (label)`, ErrMissingColumn},
		{"obj.jsonl", "{\"text\": {\"a\": 1}}\n", Options{}, `obj.jsonl:1: field "text" is neither a string nor a number`, ErrSyntax},
		{"utf.jsonl", "{\"text\": \"\xff\"}\n", Options{}, "utf.jsonl:1: invalid UTF-8", ErrInvalidUTF8},
		{"blank.jsonl", "\n \n", Options{}, "blank.jsonl: no records", ErrNoRecords},
		{"ft.txt", "__label__a x\nno label here\n", Options{Format: FastText}, `ft.txt:2: line does not start with a "__label__" label`, ErrNoLabel},
		{"ft2.txt", "__label__ x\n", Options{Format: FastText}, `ft2.txt:1: empty label after "__label__"`, ErrNoLabel},
		{"x.label", "A:b text\nnolabel\n", Options{}, "x.label:2: want `label text`", ErrNoLabel},
		{"x.label", " leading\n", Options{}, "x.label:1: want `label text`", ErrNoLabel},
		{"empty.txt", "", Options{Format: Lines}, "empty.txt: no records", ErrNoRecords},
		{"blank.txt", "\n\r\n \n", Options{Format: Lines, SkipBlank: true}, "blank.txt: no records", ErrNoRecords},
		{"trunc.txt", full[:len(full)-6], Options{Format: Lines}, "trunc.txt:", nil},
		{"garbage.txt", "\x1f\x8bnot gzip at all", Options{Format: Lines}, "garbage.txt: gzip:", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readString(t, c.name, c.in, c.opt)
			wantFileLine(t, err, c.want, c.kind)
		})
	}
}

func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  Options
		want string
	}{
		{"a.txt", Options{}, "cannot tell the format"},
		{"a.tsv", Options{Format: "yaml"}, `unknown format "yaml"`},
		{"a.tsv", Options{Encoding: "koi8-r"}, `unknown encoding "koi8-r"`},
		{"a.conll", Options{}, "holds tagged sentences, not records"},
	} {
		_, err := readString(t, c.name, "text\n", c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: error %v, want %q", c.name, c.opt, err, c.want)
		}
	}
	for _, err := range ReadSentences("a.tsv", strings.NewReader("a b\n"), Options{}) {
		if err == nil || !strings.Contains(err.Error(), "holds records, not tagged sentences") {
			t.Errorf("sentences of a TSV: %v", err)
		}
	}
	if _, err := ReadAllRecords(filepath.Join(t.TempDir(), "missing.tsv"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestGzipTransparent(t *testing.T) {
	dir := t.TempDir()
	plain := "sentence\tlabel\nfirst one \t1\nsecond\t0\n"
	var gz bytes.Buffer
	// two gzip members: readers must see their concatenation
	for _, part := range []string{plain[:20], plain[20:]} {
		w := gzip.NewWriter(&gz)
		w.Write([]byte(part))
		w.Close()
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := readRecs(t, write("plain.tsv", []byte(plain)), Options{})
	if len(want) != 2 {
		t.Fatalf("plain: %v", want)
	}
	// detection is by content: a gzip file without .gz and a plain file with .gz
	for _, p := range []string{write("packed.tsv", gz.Bytes()), write("packed.tsv.gz", gz.Bytes()), write("notpacked.tsv.gz", []byte(plain))} {
		if got := readRecs(t, p, Options{}); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", p, got, want)
		}
	}
	f, err := Open(write("c.txt.gz", gz.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(f)
	if err := f.Close(); err != nil || out.String() != plain {
		t.Errorf("Open: %q, close %v", out.String(), err)
	}
}

func TestLongLinesAndEarlyStop(t *testing.T) {
	long := strings.Repeat("é", 100_000) // 200 kB, longer than the read buffer
	in := "x\n" + long + "\r\ny"
	got, err := readString(t, "long.txt", in, Options{Format: Lines})
	if err != nil || len(got) != 3 || got[1].Text != long || got[2].Text != "y" || got[2].Line != 3 {
		t.Fatalf("long lines: %v, %d records", err, len(got))
	}
	n := 0
	for range ReadRecords("stop.txt", strings.NewReader("a\nb\nc\n"), Options{Format: Lines}) {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("early stop: %d", n)
	}
}

func TestDetectFormat(t *testing.T) {
	for name, want := range map[string]Format{
		"train.tsv": TSV, "x.TSV.gz": TSV, "htl.csv": CSV, "train.jsonl.gz": JSONL, "a.ndjson": JSONL,
		"a.conll": CoNLL, "train.char.bmes": Chars, "b.bio": Chars, "TREC_10.label": LabelText, "x.ft": FastText,
	} {
		if got, err := DetectFormat(name); err != nil || got != want {
			t.Errorf("DetectFormat(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"train.txt", "stsa.binary.test", "x.gz", "noext"} {
		if f, err := DetectFormat(name); err == nil {
			t.Errorf("DetectFormat(%q) = %q, want an error", name, f)
		}
	}
	for _, f := range Formats() {
		if g, err := ParseFormat(strings.ToUpper(string(f))); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, g, err)
		}
	}
}
