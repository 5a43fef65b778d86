package subword

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mulan-nlp/mulan/modelfile"
)

func train(t testing.TB, text string, opt Options) *Model {
	t.Helper()
	m, err := Train(strings.NewReader(text), opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// classic is the textbook BPE example (Sennrich et al. 2016): low×5,
// lower×2, newest×6, widest×3.
const classic = "low low low low low lower lower\nnewest newest newest newest newest newest\nwidest widest widest\n"

func TestTrainClassicMerges(t *testing.T) {
	// Worked by hand. With the dummy prefix every word starts with a space
	// (▁), which sorts before letters in byte order. Pair counts at each step:
	//  1 e+s 9, s+t 9          → "es" < "st"
	//  2 es+t 9                → est
	//  3 ▁+l 7, l+o 7, o+w 7   → "▁l" (space sorts first)
	//  4 ▁l+o 7, o+w 7         → ▁lo
	//  5 ▁lo+w 7               → ▁low
	//  6 ▁+n 6, n+e 6, e+w 6, w+est 6 → ▁n
	//  7 ▁n+e 6, e+w 6, w+est 6 → ▁ne
	//  8 ▁ne+w 6, w+est 6      → ▁new
	//  9 ▁new+est 6            → ▁newest
	// 10 ▁+w 3, w+i 3, i+d 3, d+est 3 → ▁w
	// 11..13                   → ▁wi, ▁wid, ▁widest
	// 14 ▁low+e 2, e+r 2       → ▁lowe
	// 15 ▁lowe+r 2             → ▁lower; then every word is one piece.
	want := [][2]string{
		{"e", "s"}, {"es", "t"}, {"▁", "l"}, {"▁l", "o"}, {"▁lo", "w"},
		{"▁", "n"}, {"▁n", "e"}, {"▁ne", "w"}, {"▁new", "est"},
		{"▁", "w"}, {"▁w", "i"}, {"▁wi", "d"}, {"▁wid", "est"},
		{"▁low", "e"}, {"▁lowe", "r"},
	}
	m := train(t, classic, Options{VocabSize: 1000, CharacterCoverage: 1})
	if got := m.Merges(); !slices.Equal(got, want) {
		t.Errorf("merges\n got %v\nwant %v", got, want)
	}
	// Characters: ▁ 16, e 17, w 16, s 9, t 9, o 7, l 7, n 6, i 3, d 3, r 2.
	wantChars := "e ▁ w s t l o n d i r"
	var chars []string
	for id := FirstCharID; id < FirstCharID+m.NumChars(); id++ {
		chars = append(chars, m.Piece(id))
	}
	if got := strings.Join(chars, " "); got != wantChars {
		t.Errorf("characters %q, want %q", got, wantChars)
	}
	if m.Len() != FirstCharID+11+15 {
		t.Errorf("Len = %d, want %d", m.Len(), FirstCharID+11+15)
	}
	got := m.Encode("lower newest  widest")
	wantPieces := []string{"▁lower", "▁newest", "▁", "▁widest"}
	if !slices.Equal(got, wantPieces) {
		t.Errorf("Encode = %q, want %q", got, wantPieces)
	}
	// A vocabulary limit stops training after the first merges.
	m = train(t, classic, Options{VocabSize: FirstCharID + 11 + 4, CharacterCoverage: 1})
	if got := m.Merges(); !slices.Equal(got, want[:4]) {
		t.Errorf("limited merges %v, want %v", got, want[:4])
	}
	if got := m.Encode("lowest"); !slices.Equal(got, []string{"▁lo", "w", "est"}) {
		t.Errorf("limited Encode(lowest) = %q", got)
	}
}

func TestByteFallback(t *testing.T) {
	m := train(t, classic, Options{VocabSize: 1000, CharacterCoverage: 1})
	tests := []struct {
		in   string
		want []string
	}{
		{"low😀", []string{"▁low", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"}},
		{"é", []string{"▁", "<0xC3>", "<0xA9>"}},
		{"中", []string{"▁", "<0xE4>", "<0xB8>", "<0xAD>"}},
		// A literal ▁ is always bytes, so it cannot be confused with a space.
		{"▁low", []string{"▁", "<0xE2>", "<0x96>", "<0x81>", "l", "o", "w"}},
		{"\xff", []string{"▁", "<0xFF>"}},
		{"\t", []string{"▁", "<0x09>"}},
	}
	for _, tt := range tests {
		got := m.Encode(tt.in)
		if !slices.Equal(got, tt.want) {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back := m.DecodePieces(got); back != tt.in {
			t.Errorf("DecodePieces(Encode(%q)) = %q", tt.in, back)
		}
		ids := m.EncodeIDs(tt.in)
		if len(ids) != len(tt.want) {
			t.Errorf("EncodeIDs(%q) = %v, want %d ids", tt.in, ids, len(tt.want))
			continue
		}
		for i, id := range ids {
			if m.Piece(id) != tt.want[i] {
				t.Errorf("EncodeIDs(%q)[%d] = %d (%q), want piece %q", tt.in, i, id, m.Piece(id), tt.want[i])
			}
		}
		if back := m.Decode(ids); back != tt.in {
			t.Errorf("Decode(EncodeIDs(%q)) = %q", tt.in, back)
		}
	}
	if id, _ := m.ID("<0x41>"); id != ByteBase+0x41 {
		t.Errorf("ID(<0x41>) = %d, want %d", id, ByteBase+0x41)
	}
	for i, want := range []string{"<pad>", "<unk>", "<s>", "</s>"} {
		if m.Piece(i) != want {
			t.Errorf("Piece(%d) = %q, want %q", i, m.Piece(i), want)
		}
	}
}

var roundTripCases = []string{
	"", " ", "   ", "a", " a", "a ", "a  b", "  leading and trailing  ",
	"\t\tx\r\n", "\r", "▁", "▁▁ ▁", " ▁", "<s>", "</s> <pad> <unk>", "<0x41>", "<0x",
	"😀👍🏽", "\xff\xfe", "a\x00b", "\uFFFD", "中文 English 混合", "\u3000全角空格　",
	"It's 3.14 — déjà vu", "𠮷野家", "Ünïcödé", "ｆｕｌｌｗｉｄｔｈ",
}

func TestRoundTripEdgeCases(t *testing.T) {
	text := classic + "中文文本，中文。\n这是一个测试。< s > 0x41\n"
	for _, dummy := range []bool{true, false} {
		m := train(t, text, Options{VocabSize: 400, NoDummyPrefix: !dummy})
		for _, s := range roundTripCases {
			if got := m.Decode(m.EncodeIDs(s)); got != s {
				t.Errorf("dummy=%v: Decode(EncodeIDs(%q)) = %q", dummy, s, got)
			}
			if got := m.DecodePieces(m.Encode(s)); got != s {
				t.Errorf("dummy=%v: DecodePieces(Encode(%q)) = %q", dummy, s, got)
			}
		}
		// Reserved names are never built by a merge.
		for id := FirstCharID; id < m.Len(); id++ {
			if p := m.Piece(id); utf8.RuneCountInString(p) > 1 && reservedPiece(p) {
				t.Errorf("piece %d is reserved name %q", id, p)
			}
		}
	}
}

func TestReservedNames(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"<s>", true}, {"</s>", true}, {"<pad>", true}, {"<unk>", true},
		{"<0x41>", true}, {"<0xFF>", true}, {"<0xff>", false}, {"<0x4G>", false},
		{"<0x411>", false}, {"▁<s>", false}, {"<s", false}, {"s>", false},
	}
	for _, tt := range tests {
		if got := reservedPiece(tt.s); got != tt.want {
			t.Errorf("reservedPiece(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
	// Frequent reserved names in the text never become pieces, and
	// round-trip as text.
	text := strings.Repeat("<s> <0x41> </s> <s><0x41>\n", 50)
	m := train(t, text, Options{VocabSize: 1000, CharacterCoverage: 1, NoDummyPrefix: true})
	for _, p := range []string{"<s>", "<0x41>", "</s>"} {
		if id, _ := m.ID(p); id >= FirstCharID {
			t.Errorf("%q is a merged piece (id %d)", p, id)
		}
	}
	for _, s := range []string{"<s><0x41>", "</s>"} {
		pieces := m.Encode(s)
		if got := m.DecodePieces(pieces); got != s {
			t.Errorf("DecodePieces(%q) = %q, want %q", pieces, got, s)
		}
	}
}

func TestCharacterCoverage(t *testing.T) {
	// 1000 a, 100 b, 10 c, 1 d, plus the spaces (one per line, dummy prefix).
	var b strings.Builder
	for _, c := range []struct {
		s string
		n int
	}{{"a", 1000}, {"b", 100}, {"c", 10}, {"d", 1}} {
		for i := 0; i < c.n; i++ {
			b.WriteString(c.s + "\n")
		}
	}
	total := 1111.0 * 2 // each line "x" becomes " x"
	tests := []struct {
		cov  float64
		want string
	}{
		{1, "▁ a b c d"},
		{(1111 + 1110) / total, "▁ a b c"},         // exactly reaching the sum without d
		{(1111 + 1110) / total * 0.999, "▁ a b c"}, // just below needs c
		{(1111 + 1100) / total, "▁ a b"},
		{0.5, "▁"}, // the space alone covers half
		{0.6, "▁ a"},
	}
	for _, tt := range tests {
		m := train(t, b.String(), Options{VocabSize: 300, CharacterCoverage: tt.cov})
		var got []string
		for id := FirstCharID; id < FirstCharID+m.NumChars(); id++ {
			got = append(got, m.Piece(id))
		}
		slices.Sort(got)
		want := strings.Fields(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("coverage %.6f: chars %q, want %q", tt.cov, got, want)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, opt := range []Options{
		{VocabSize: FirstCharID},
		{CharacterCoverage: 1.5},
		{CharacterCoverage: -0.1},
		{MaxPieceLength: -1},
	} {
		if _, err := Train(strings.NewReader("x\n"), opt); err == nil {
			t.Errorf("Train with %+v: no error", opt)
		}
	}
}

func TestMaxSentenceLengthAndPieceLength(t *testing.T) {
	text := strings.Repeat("abcdefgh\n", 20) + strings.Repeat("x", 100) + "\n"
	m := train(t, text, Options{VocabSize: 1000, CharacterCoverage: 1, MaxSentenceLength: 50, MaxPieceLength: 4})
	st := m.TrainStats()
	if st.Lines != 21 || st.SkippedLines != 1 {
		t.Errorf("lines %d skipped %d, want 21 and 1", st.Lines, st.SkippedLines)
	}
	if _, ok := m.ID("x"); ok {
		t.Error("character of a skipped line is in the vocabulary")
	}
	for id := FirstCharID; id < m.Len(); id++ {
		if n := utf8.RuneCountInString(m.Piece(id)); n > 4 {
			t.Errorf("piece %q longer than 4", m.Piece(id))
		}
	}
	if got := m.Encode("abcdefgh"); !slices.Equal(got, []string{"▁abc", "defg", "h"}) && !slices.Equal(got, []string{"▁abc", "defgh"}) {
		t.Logf("Encode(abcdefgh) = %q", got)
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string // chunks joined by |
	}{
		{" hello world", 64, " hello| world"},
		{"a  b", 64, "a| | b"},
		{"中文，English混合123。", 64, "中文|，|English|混合|123|。"},
		{" 中文 ok", 64, " 中文| ok"},
		{"\t\tx\r\n", 64, "\t\t|x|\r\n"},
		{"abcdefg", 3, "abc|def|g"},
		{" abcdef", 3, " ab|cde|f"},
		{"ひらがなカタカナ한국어", 64, "ひらがなカタカナ|한국어"},
		{"it's", 64, "it|'|s"},
		{"\xff\xfeab", 64, "\xff\xfe|ab"},
	}
	for _, tt := range tests {
		var parts []string
		chunks(tt.in, tt.max, func(s, e int) { parts = append(parts, tt.in[s:e]) })
		if got := strings.Join(parts, "|"); got != tt.want {
			t.Errorf("chunks(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// naiveTrain is an independent oracle: textbook BPE that recounts all pairs at
// every step. words maps a word (chunk) to its count; kept is the character set.
func naiveTrain(words map[string]int64, kept map[rune]bool, vocab, maxPiece int, nChars int) [][2]string {
	type word struct {
		syms []string
		n    int64
	}
	var ws []word
	for w, n := range words {
		var seg []string
		for _, r := range w {
			if kept[r] {
				seg = append(seg, string(r))
				continue
			}
			if len(seg) > 1 {
				ws = append(ws, word{seg, n})
			}
			seg = nil
		}
		if len(seg) > 1 {
			ws = append(ws, word{seg, n})
		}
	}
	have := map[string]bool{}
	for r := range kept {
		have[string(r)] = true
	}
	size := FirstCharID + nChars
	skip := map[[2]string]bool{}
	var merges [][2]string
	for size < vocab {
		counts := map[[2]string]int64{}
		for _, w := range ws {
			for i := 0; i+1 < len(w.syms); i++ {
				counts[[2]string{w.syms[i], w.syms[i+1]}] += w.n
			}
		}
		var best [2]string
		var bestN int64
		for p, n := range counts {
			if skip[p] {
				continue
			}
			if utf8.RuneCountInString(p[0]+p[1]) > maxPiece || reservedPiece(display(p[0]+p[1])) {
				continue
			}
			if n > bestN || n == bestN && (p[0]+p[1] < best[0]+best[1] || p[0]+p[1] == best[0]+best[1] && p[0] < best[0]) {
				best, bestN = p, n
			}
		}
		if bestN == 0 {
			break
		}
		skip[best] = true
		merges = append(merges, [2]string{display(best[0]), display(best[1])})
		z := best[0] + best[1]
		if !have[z] {
			have[z] = true
			size++
		}
		for i := range ws {
			s := ws[i].syms
			var out []string
			for j := 0; j < len(s); j++ {
				if j+1 < len(s) && s[j] == best[0] && s[j+1] == best[1] {
					out = append(out, z)
					j++
				} else {
					out = append(out, s[j])
				}
			}
			ws[i].syms = out
		}
	}
	return merges
}

// naiveEncode applies ranked merges the textbook way: repeatedly merge the
// leftmost occurrence of the lowest-ranked pair.
func naiveEncode(m *Model, text string) []string {
	rank := map[[2]string]int{}
	for i, mg := range m.Merges() {
		if _, ok := rank[mg]; !ok {
			rank[mg] = i
		}
	}
	if text == "" {
		return nil
	}
	if m.DummyPrefix() {
		text = " " + text
	}
	var out []string
	chunks(text, m.maxChunk, func(start, end int) {
		var syms []string
		for _, r := range text[start:end] {
			if _, ok := m.ID(display(string(r))); ok && r != '\u2581' && r != utf8.RuneError {
				syms = append(syms, display(string(r)))
				continue
			}
			for _, b := range []byte(string(r)) {
				syms = append(syms, bytePiece(int(b)))
			}
		}
		for {
			bi, br := -1, 0
			for i := 0; i+1 < len(syms); i++ {
				if r, ok := rank[[2]string{syms[i], syms[i+1]}]; ok && (bi < 0 || r < br) {
					bi, br = i, r
				}
			}
			if bi < 0 {
				break
			}
			syms = slices.Replace(syms, bi, bi+2, syms[bi]+syms[bi+1])
		}
		out = append(out, syms...)
	})
	return out
}

func randomCorpus(rng *rand.Rand, lines int, alphabet []rune) string {
	var b strings.Builder
	for i := 0; i < lines; i++ {
		nw := 1 + rng.Intn(6)
		for w := 0; w < nw; w++ {
			if w > 0 {
				b.WriteByte(' ')
			}
			n := 1 + rng.Intn(7)
			for k := 0; k < n; k++ {
				// Skewed: early letters are more frequent.
				b.WriteRune(alphabet[rng.Intn(1+rng.Intn(len(alphabet)))])
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestTrainMatchesNaiveOracle(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabets := [][]rune{[]rune("ab"), []rune("abc"), []rune("abcdefghij"), []rune("的一是了我不人在他有这个上们来到")}
	reused, barriers, skipped := 0, 0, 0
	for trial := 0; trial < 24; trial++ {
		alpha := alphabets[trial%len(alphabets)]
		text := randomCorpus(rng, 20+rng.Intn(200), alpha)
		opt := Options{
			VocabSize:         FirstCharID + len(alpha) + 1 + rng.Intn(300),
			CharacterCoverage: []float64{1, 0.98, 0.9}[trial%3],
			MaxPieceLength:    2 + rng.Intn(8),
		}
		m := train(t, text, opt)
		// Words and kept characters as the oracle sees them.
		words := map[string]int64{}
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			for _, w := range strings.Split(line, " ") {
				words[" "+w]++
			}
		}
		kept := map[rune]bool{}
		for id := FirstCharID; id < FirstCharID+m.NumChars(); id++ {
			r, _ := utf8.DecodeRuneInString(strings.ReplaceAll(m.Piece(id), "▁", " "))
			kept[r] = true
		}
		want := naiveTrain(words, kept, opt.VocabSize, opt.MaxPieceLength, m.NumChars())
		reused += m.NumMerges() - (m.Len() - FirstCharID - m.NumChars())
		if m.NumChars() < len(alpha)+1 {
			barriers++
		}
		if m.Len() < opt.VocabSize && len(words) > 0 {
			skipped++ // ran out of pairs: long pieces were refused
		}
		if got := m.Merges(); !slices.Equal(got, want) {
			t.Fatalf("trial %d (alphabet %q, %+v):\n got %v\nwant %v", trial, string(alpha), opt, got, want)
		}
		// The encoder agrees with textbook ranked BPE, on training text and
		// on new text with unseen characters.
		probe := strings.Split(randomCorpus(rng, 30, append(slices.Clone(alpha), 'Z', '中', ' ')), "\n")
		for _, s := range append(strings.Split(text, "\n")[:20], probe...) {
			if got, want := m.Encode(s), naiveEncode(m, s); !slices.Equal(got, want) {
				t.Fatalf("trial %d: Encode(%q) = %q, oracle %q", trial, s, got, want)
			}
		}
	}
	// The trials must exercise characters outside the coverage and the
	// length limit. (A merge rebuilding an existing string did not occur in
	// any random corpus tried; TestMergeReusesPiece covers it.)
	t.Logf("merges reusing a piece %d, trials with barrier characters %d, trials ending early %d", reused, barriers, skipped)
	if barriers == 0 || skipped == 0 {
		t.Error("random trials did not exercise barriers and early stop")
	}
}

func TestSaveLoad(t *testing.T) {
	m := train(t, classic+"中文，测试。😀\n", Options{VocabSize: 320})
	path := filepath.Join(t.TempDir(), "m.spm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != m.Len() || !slices.Equal(l.Merges(), m.Merges()) || l.DummyPrefix() != m.DummyPrefix() {
		t.Fatalf("loaded model differs: len %d/%d", l.Len(), m.Len())
	}
	for id := 0; id < m.Len(); id++ {
		if l.Piece(id) != m.Piece(id) {
			t.Fatalf("piece %d: %q vs %q", id, l.Piece(id), m.Piece(id))
		}
	}
	for _, s := range roundTripCases {
		if !slices.Equal(l.EncodeIDs(s), m.EncodeIDs(s)) {
			t.Errorf("loaded model encodes %q differently", s)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation and every single-byte corruption is refused.
	for n := 0; n < len(data); n++ {
		if _, err := Parse("trunc", data[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", n)
		}
	}
	for i := 0; i < len(data); i++ {
		bad := bytes.Clone(data)
		bad[i] ^= 0x20
		_, err := Parse("corrupt", bad)
		if err == nil {
			t.Fatalf("byte %d flipped: no error", i)
		}
	}
	_, err = Parse("x", data[:len(data)-1])
	if !errors.Is(err, modelfile.ErrCorrupt) || !strings.Contains(err.Error(), "x:") {
		t.Errorf("truncated file error %v, want ErrCorrupt naming the file", err)
	}
	// A valid container of another kind.
	var other bytes.Buffer
	modelfile.Encode(&other, modelfile.Header{Kind: "ngram-binary", Version: 1}, []byte{1})
	if _, err := Parse("o", other.Bytes()); err == nil || !strings.Contains(err.Error(), "ngram-binary") {
		t.Errorf("wrong kind: %v", err)
	}
	// Well-framed but inconsistent payloads.
	for _, payload := range [][]byte{
		{1, 64, 16, 0, 0},                   // no space character
		{1, 64, 16, 1, 32, 1, 4, 4},         // merge of byte pieces
		{1, 64, 16, 1, 32, 1, 0xff, 1, 4},   // id out of range
		{1, 64, 16, 2, 32, 32, 0},           // duplicate character
		{1, 64, 16, 1, 0x81, 0xcb, 0x02, 0}, // U+2581 as a character
		{1, 64, 16, 1, 32, 0, 7},            // trailing byte
		{1, 0, 16, 1, 32, 0},                // zero chunk length
	} {
		var buf bytes.Buffer
		modelfile.Encode(&buf, modelfile.Header{Kind: Kind, Version: Version}, payload)
		if _, err := Parse("p", buf.Bytes()); !errors.Is(err, modelfile.ErrCorrupt) {
			t.Errorf("payload %v: error %v, want ErrCorrupt", payload, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load of a missing file: no error")
	}
}

func TestMergeReusesPiece(t *testing.T) {
	// Characters ' ' a b c (ids 260..263); merges a+b → ab (264), b+c → bc
	// (265), ab+c → abc (266), a+bc → abc again (no new id).
	var payload []byte
	for _, v := range []uint64{0, 64, 16, 4, ' ', 'a', 'b', 'c', 4, 261, 262, 262, 263, 264, 263, 261, 265} {
		payload = binary.AppendUvarint(payload, v)
	}
	var buf bytes.Buffer
	modelfile.Encode(&buf, modelfile.Header{Kind: Kind, Version: Version}, payload)
	m, err := Parse("reuse", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 267 || m.NumMerges() != 4 {
		t.Fatalf("Len %d merges %d, want 267 and 4", m.Len(), m.NumMerges())
	}
	if m.merges[2].result != 266 || m.merges[3].result != 266 {
		t.Errorf("merge results %v, want both 266", m.merges)
	}
	// "abc": a+b has the lowest rank → ab c → abc. "xbc": b+c → x bc, and
	// a+bc does not apply. "abcbc": ab c bc → abc bc.
	for in, want := range map[string]string{"abc": "abc", "bbc": "b bc", "abcbc": "abc bc", "aabc": "a abc"} {
		if got := strings.Join(m.Encode(in), " "); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConcurrentEncode(t *testing.T) {
	m := train(t, classic, Options{VocabSize: 300})
	done := make(chan string)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := 0; i < 2000; i++ {
				s := fmt.Sprintf("low%d newest %d widest", i%50, g)
				if back := m.Decode(m.EncodeIDs(s)); back != s {
					done <- back
					return
				}
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 4; g++ {
		if s := <-done; s != "" {
			t.Errorf("concurrent round trip gave %q", s)
		}
	}
}

func TestDecodeOddIDs(t *testing.T) {
	m := train(t, classic, Options{VocabSize: 300})
	low, _ := m.ID("▁low")
	tests := []struct {
		ids  []int
		want string
	}{
		{[]int{BOSID, low, EOSID, PadID}, "low"},
		{[]int{-1, low}, "\uFFFD low"},
		{[]int{m.Len()}, "\uFFFD"},
		{[]int{ByteBase + ' ', low}, "  low"}, // a byte space is not the dummy prefix
		{[]int{low, low}, "low low"},
	}
	for _, tt := range tests {
		if got := m.Decode(tt.ids); got != tt.want {
			t.Errorf("Decode(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
	if got := m.DecodePieces([]string{"<s>", "▁low", "▁not▁a▁piece"}); got != "low not a piece" {
		t.Errorf("DecodePieces = %q", got)
	}
}

func Example() {
	text := "low low low low low lower lower\nnewest newest newest newest newest newest\nwidest widest widest\n"
	m, err := Train(strings.NewReader(text), Options{VocabSize: 280, CharacterCoverage: 1})
	if err != nil {
		panic(err)
	}
	pieces := m.Encode("lowest  newer 😀")
	fmt.Println(strings.Join(pieces, " "))
	fmt.Printf("%q\n", m.DecodePieces(pieces))
	// Output:
	// ▁low est ▁ ▁new e r ▁ <0xF0> <0x9F> <0x98> <0x80>
	// "lowest  newer 😀"
}
