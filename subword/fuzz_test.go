package subword

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

var (
	fuzzOnce  sync.Once
	fuzzModel *Model
)

func fuzzTrained(t testing.TB) *Model {
	fuzzOnce.Do(func() {
		text := classic + strings.Repeat("中文文本，中文。这是一个测试。 It's 3.14 — déjà vu\n", 5)
		m, err := Train(strings.NewReader(text), Options{VocabSize: 330, CharacterCoverage: 0.99})
		if err != nil {
			t.Fatal(err)
		}
		fuzzModel = m
	})
	return fuzzModel
}

// FuzzRoundTrip: every string, valid UTF-8 or not, round-trips through ids
// and through pieces, and every piece is in the vocabulary.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range roundTripCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := fuzzTrained(t)
		ids := m.EncodeIDs(s)
		if got := m.Decode(ids); got != s {
			t.Fatalf("Decode(EncodeIDs(%q)) = %q (ids %v)", s, got, ids)
		}
		pieces := m.Encode(s)
		if got := m.DecodePieces(pieces); got != s {
			t.Fatalf("DecodePieces(Encode(%q)) = %q", s, got)
		}
		for i, p := range pieces {
			if id, ok := m.ID(p); !ok || id != ids[i] {
				t.Fatalf("piece %q has id %d/%v, EncodeIDs gave %d", p, id, ok, ids[i])
			}
		}
		if utf8.ValidString(s) && s != "" && len(ids) == 0 {
			t.Fatalf("no ids for %q", s)
		}
	})
}

// FuzzLoad: arbitrary bytes never panic; a model that parses encodes and
// round-trips text.
func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	m, err := Train(strings.NewReader(classic+"中文\n"), Options{VocabSize: 290})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := m.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Add([]byte("MULANMF\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz", data)
		if err != nil {
			if m != nil {
				t.Fatal("model and error")
			}
			return
		}
		for _, s := range []string{"low lower 中文", " \t▁x", "\xff"} {
			if got := m.Decode(m.EncodeIDs(s)); got != s {
				t.Fatalf("loaded model: round trip of %q gave %q", s, got)
			}
		}
	})
}
