package tokenize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "Hello, world!", "I don't know. It's John's.", "3.14 1,000 10% $5 .5",
	"see https://example.com/a?b=(1). mail ann@example.org.", "state-of-the-art -- U.S. e.g. Mr.",
	"我爱NLP和Go 1.26!", "中国人民进入了新的历史时期。", "İSTANBUL \u2019s n\u2019t", "\xff\xfe a\xe2\x80 b",
	"e\u0301\u0301 \u200b\ufeff x\u0085y\u00a0z", "''``--!!??...", "ǅ ß ﬁ Ω K Å",
}

// units returns the characters of s that are not whitespace, as decoded by
// utf8.DecodeRuneInString (an invalid byte is a unit of its own). Removing the
// whitespace can join invalid bytes into a valid rune, so the units, not the
// runes of the joined string, are what the tokenizers see.
func units(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !(size > 1 || r < utf8.RuneSelf) || !unicode.IsSpace(r) {
			out = append(out, s[i:i+size])
		}
		i += size
	}
	return out
}

// removeSpace returns s without its whitespace runes (invalid bytes are kept).
func removeSpace(s string) string { return strings.Join(units(s), "") }

// lowerUnits lowercases s unit by unit, dropping whitespace.
func lowerUnits(s string) string {
	var b strings.Builder
	for _, u := range units(s) {
		b.WriteString(strings.ToLower(u))
	}
	return b.String()
}

// checkTokens asserts the invariants every tokenizer of this package keeps.
func checkTokens(t *testing.T, name, in string, toks []string, wantConcat string) {
	t.Helper()
	for i, tok := range toks {
		if tok == "" {
			t.Fatalf("%s(%q): token %d is empty", name, in, i)
		}
		for j := 0; j < len(tok); {
			r, size := utf8.DecodeRuneInString(tok[j:])
			if (size > 1 || r < utf8.RuneSelf) && unicode.IsSpace(r) {
				t.Fatalf("%s(%q): token %d %q contains whitespace", name, in, i, tok)
			}
			j += size
		}
	}
	if got := strings.Join(toks, ""); got != wantConcat {
		t.Fatalf("%s(%q): tokens %q concatenate to %q, want %q", name, in, toks, got, wantConcat)
	}
}

func FuzzEnglish(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		bare := removeSpace(in)
		checkTokens(t, "English", in, English{}.Tokenize(in), bare)
		// Lowercasing is a per-rune mapping, so it commutes with splitting.
		checkTokens(t, "English{Lower}", in, English{Lower: true}.Tokenize(in), lowerUnits(in))
	})
}

func FuzzChinese(f *testing.F) {
	// Load the dictionary before fuzzing: with coverage instrumentation it
	// takes longer than the fuzzer allows one input.
	if err := LoadChinese(); err != nil {
		f.Fatal(err)
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		bare := removeSpace(in)
		checkTokens(t, "Chinese", in, Chinese{}.Tokenize(in), bare)
		checkTokens(t, "Chinese{DAGHMM}", in, Chinese{Algorithm: DAGHMM}.Tokenize(in), bare)
		checkTokens(t, "Chinese{Chars}", in, Chinese{Chars: true}.Tokenize(in), bare)
	})
}

func FuzzAuto(f *testing.F) {
	// Load the dictionary before fuzzing: with coverage instrumentation it
	// takes longer than the fuzzer allows one input.
	if err := LoadChinese(); err != nil {
		f.Fatal(err)
	}
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		bare := removeSpace(in)
		checkTokens(t, "Auto", in, Auto{}.Tokenize(in), bare)
		checkTokens(t, "Chars", in, Chars{}.Tokenize(in), bare)
		toks := Chars{}.Tokenize(in)
		if n := len(units(in)); len(toks) != n {
			t.Fatalf("Chars(%q): %d tokens, want %d", in, len(toks), n)
		}
		// Spans cover the text without whitespace, in order, and adjacent
		// spans differ in script.
		var b strings.Builder
		spans := Spans(in)
		for i, s := range spans {
			if s.Start >= s.End || (i > 0 && s.Start < spans[i-1].End) {
				t.Fatalf("Spans(%q): bad span %d %+v", in, i, s)
			}
			b.WriteString(in[s.Start:s.End])
		}
		if b.String() != bare {
			t.Fatalf("Spans(%q) cover %q, want %q", in, b.String(), bare)
		}
	})
}
