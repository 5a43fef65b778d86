package corpus

import (
	"reflect"
	"strings"
	"testing"
)

func readSents(name, in string, opt Options) ([]Sentence, error) {
	var out []Sentence
	for s, err := range ReadSentences(name, strings.NewReader(in), opt) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}

func TestCoNLL(t *testing.T) {
	in := "-DOCSTART- -X- -X- O\n\nEU NNP B-ORG\nrejects\tVBZ  O\r\n\n\n\nPeter NNP B-PER\n" +
		"-DOCSTART- -X- -X- O\n-DOCSTART- -X- -X- O\n\n  Bonn NNP B-LOC  \n\nx X O"
	got, err := readSents("a.conll", in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Sentence{
		{Tokens: []string{"EU", "rejects"}, Tags: []string{"B-ORG", "O"},
			Cols: [][]string{{"EU", "NNP", "B-ORG"}, {"rejects", "VBZ", "O"}}, Doc: 0, Line: 3},
		{Tokens: []string{"Peter"}, Tags: []string{"B-PER"}, Cols: [][]string{{"Peter", "NNP", "B-PER"}}, Doc: 0, Line: 8},
		// two -DOCSTART- lines in a row make one break
		{Tokens: []string{"Bonn"}, Tags: []string{"B-LOC"}, Cols: [][]string{{"Bonn", "NNP", "B-LOC"}}, Doc: 1, Line: 12},
		{Tokens: []string{"x"}, Tags: []string{"O"}, Cols: [][]string{{"x", "X", "O"}}, Doc: 1, Line: 14},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	// column choice: 1-based, negative from the end
	got, err = readSents("a.conll", in, Options{TokenCol: -1, TagCol: 2})
	if err != nil || got[0].Tokens[0] != "B-ORG" || got[0].Tags[1] != "VBZ" {
		t.Errorf("TokenCol -1 TagCol 2: %v %+v", err, got[0])
	}
	// a single column: tokens without tags
	got, err = readSents("one.conll", "a\nb\n\nc\n", Options{})
	if err != nil || len(got) != 2 || got[0].Tags != nil || strings.Join(got[0].Tokens, "") != "ab" {
		t.Errorf("single column: %v %+v", err, got)
	}
	// no -DOCSTART- at all: everything in document 0
	got, err = readSents("nodoc.conll", "a O\n\nb O\n", Options{})
	if err != nil || len(got) != 2 || got[1].Doc != 0 {
		t.Errorf("no docstart: %v %+v", err, got)
	}
}

func TestChars(t *testing.T) {
	in := "\ufeff吴 B-NAME\n重\tE-NAME\n， O\n\n中 S-CONT\n"
	got, err := readSents("r.char.bmes", in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Sentence{
		{Tokens: []string{"吴", "重", "，"}, Tags: []string{"B-NAME", "E-NAME", "O"},
			Cols: [][]string{{"吴", "B-NAME"}, {"重", "E-NAME"}, {"，", "O"}}, Line: 1},
		{Tokens: []string{"中"}, Tags: []string{"S-CONT"}, Cols: [][]string{{"中", "S-CONT"}}, Line: 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// -DOCSTART- is an ordinary token in chars files
	got, err = readSents("d.bio", "-DOCSTART- O\n", Options{})
	if err != nil || len(got) != 1 || got[0].Tokens[0] != "-DOCSTART-" {
		t.Errorf("docstart in chars: %v %+v", err, got)
	}
}

func TestSentenceMalformed(t *testing.T) {
	for _, c := range []struct {
		name, in string
		opt      Options
		want     string
		kind     error
	}{
		{"a.conll", "EU NNP B-ORG\nrejects VBZ\n", Options{}, "a.conll:2: line has 2 columns, expected 3 (as on line 1)", ErrFieldCount},
		{"b.conll", "a O\n\n\nb X O\n", Options{}, "b.conll:4: line has 3 columns, expected 2 (as on line 1)", ErrFieldCount},
		{"c.conll", "a O\n\xfe O\n", Options{}, "c.conll:2: invalid UTF-8", ErrInvalidUTF8},
		{"d.conll", "\n\na B C\n", Options{TagCol: 4}, "d.conll:3: tag column 4 out of range: line has 3 columns", ErrMissingColumn},
		{"e.conll", "a B C\n", Options{TokenCol: -4}, "e.conll:1: token column -4 out of range", ErrMissingColumn},
		{"f.conll", "", Options{}, "f.conll: no records", ErrNoRecords},
		{"g.conll", "-DOCSTART- -X- O\n\n\n", Options{}, "g.conll: no records", ErrNoRecords},
		{"x.char.bmes", "吴 B-NAME\n重 E NAME\n", Options{}, "x.char.bmes:2: line has 3 columns, expected 2", ErrFieldCount},
		{"y.char.bmes", "吴\n", Options{}, "y.char.bmes:1: line has 1 fields, want `char TAG`", ErrFieldCount},
		{"z.txt", "a O\n", Options{Format: Chars, Encoding: "latin1"}, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := readSents(c.name, c.in, c.opt)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantFileLine(t, err, c.want, c.kind)
		})
	}
}
