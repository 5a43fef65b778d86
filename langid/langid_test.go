package langid

import (
	"strings"
	"testing"
)

// TestDetectTable checks decisions on hand-written inputs: scripts other
// than Latin and Han, kana-heavy Japanese, symbols, URLs, short text.
func TestDetectTable(t *testing.T) {
	id := mustDefault(t)
	tests := []struct {
		text string
		want Lang
	}{
		{"The committee will publish its final report next week.", English},
		{"I don't think we should leave before the rain stops.", English},
		{"今天天气很好，我们去公园散步吧。", Chinese},
		{"這間酒店環境和服務態度亦算不錯", Chinese}, // traditional characters
		{"Привет, как у тебя дела сегодня?", Unknown},
		{"مرحبا كيف حالك اليوم", Unknown},
		{"안녕하세요, 만나서 반갑습니다.", Unknown},
		{"私は毎朝コーヒーを飲みます。", Unknown},
		{"Καλημέρα, τι κάνεις;", Unknown},
		{"12345 67.89 -- !!! ???", Unknown},
		{"https://example.com/path?q=1 user@example.org", Unknown},
		{"", Unknown},
		{"   \t ", Unknown},
		{"ok", Unknown}, // too short
		{"好", Unknown},  // one Han character is too short
		{"Nadim Ladki", Unknown},
	}
	for _, tc := range tests {
		r := id.Detect(tc.text)
		if r.Lang != tc.want {
			t.Errorf("Detect(%q) = %s (%.3f), want %s", tc.text, r.Lang, r.Confidence, tc.want)
		}
		if !(r.Confidence >= 0 && r.Confidence <= 1) {
			t.Errorf("Detect(%q): confidence %v not in [0,1]", tc.text, r.Confidence)
		}
	}
}

// TestConfidenceOrders: a plain English sentence is more confidently English
// than the same sentence with a Chinese clause appended, and more than a
// borderline one; a mixed line is led by its larger part.
func TestConfidenceOrders(t *testing.T) {
	id := mustDefault(t)
	pure := id.Detect("She walked to the station and waited for the last train home.")
	mixed := id.Detect("She walked to the station and waited for the last train home. 然后她回家了")
	if pure.Lang != English || mixed.Lang != English {
		t.Fatalf("got %v and %v, want en", pure, mixed)
	}
	if !(pure.Confidence > mixed.Confidence) || pure.Confidence < 0.9 {
		t.Errorf("confidence pure %.3f, mixed %.3f: want pure > mixed and pure >= 0.9", pure.Confidence, mixed.Confidence)
	}
	if r := id.Detect("我今天下午要去图书馆借几本书，然后和朋友一起吃饭 ok"); r.Lang != Chinese {
		t.Errorf("Chinese-led mixed line: got %v", r)
	}
}

// TestSegments checks the runs of mixed lines: labels, exact cover, and that
// short Latin words inside Chinese stay with the Chinese run.
func TestSegments(t *testing.T) {
	id := mustDefault(t)
	type seg struct {
		lang Lang
		text string
	}
	tests := []struct {
		text string
		want []seg
	}{
		{"The weather is lovely today. 今天天气很好，我们去公园吧。",
			[]seg{{English, "The weather is lovely today. "}, {Chinese, "今天天气很好，我们去公园吧。"}}},
		{"我昨天看了一部电影, it was really a wonderful story about friendship.",
			[]seg{{Chinese, "我昨天看了一部电影, "}, {English, "it was really a wonderful story about friendship."}}},
		{"我用Python写了一个程序", []seg{{Chinese, "我用Python写了一个程序"}}},
		{"Hello there, my friend. Привет, мой друг! 你好，我的朋友。",
			[]seg{{English, "Hello there, my friend. "}, {Unknown, "Привет, мой друг! "}, {Chinese, "你好，我的朋友。"}}},
		{"Je ne sais pas pourquoi il est parti si tôt. But I know where he went after that.",
			[]seg{{Unknown, "Je ne sais pas pourquoi il est parti si tôt. But I know where he went after that."}}},
		{"!!!", []seg{{Unknown, "!!!"}}},
		{"", nil},
	}
	for _, tc := range tests {
		got := id.Segments(tc.text)
		var g []seg
		for _, s := range got {
			g = append(g, seg{s.Lang, s.Text})
		}
		if len(g) != len(tc.want) {
			t.Errorf("Segments(%q) = %v, want %v", tc.text, g, tc.want)
			continue
		}
		for i := range g {
			if g[i] != tc.want[i] {
				t.Errorf("Segments(%q)[%d] = %v, want %v", tc.text, i, g[i], tc.want[i])
			}
		}
		checkCover(t, tc.text, got)
	}
}

// checkCover asserts that segs are non-empty, contiguous and cover text.
func checkCover(t *testing.T, text string, segs []Segment) {
	t.Helper()
	if text == "" {
		if len(segs) != 0 {
			t.Errorf("empty text has %d segments", len(segs))
		}
		return
	}
	pos := 0
	var b strings.Builder
	for i, s := range segs {
		if s.Start != pos || s.End <= s.Start || s.Text != text[s.Start:s.End] {
			t.Fatalf("segment %d of %q: %+v does not continue at %d", i, text, s, pos)
		}
		if i > 0 && segs[i-1].Lang == s.Lang {
			t.Errorf("segments %d and %d of %q have the same language %s", i-1, i, text, s.Lang)
		}
		b.WriteString(s.Text)
		pos = s.End
	}
	if pos != len(text) || b.String() != text {
		t.Fatalf("segments of %q cover %d of %d bytes", text, pos, len(text))
	}
}

// TestRoundTrip writes the embedded profile and loads it back: same bytes,
// same answers; corrupt and foreign files are refused.
func TestRoundTrip(t *testing.T) {
	id := mustDefault(t)
	var b strings.Builder
	if _, err := id.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(embedded) {
		t.Fatalf("rewritten profile differs from the embedded one (%d vs %d bytes)", b.Len(), len(embedded))
	}
	id2, err := Load("copy", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"The cat sat on the mat.", "我们走吧", "Le chat est sur la table."} {
		if a, c := id.Detect(s), id2.Detect(s); a != c {
			t.Errorf("%q: %v vs %v after reload", s, a, c)
		}
	}
	bad := []byte(b.String())
	bad[len(bad)/2] ^= 0xFF
	if _, err := Load("bad", bad); err == nil {
		t.Error("corrupt profile loaded")
	}
	if _, err := Load("empty", nil); err == nil {
		t.Error("empty profile loaded")
	}
}

// TestWittenBell checks the smoothing against hand-computed values on a toy
// corpus "ab": stream _ a b _ .
func TestWittenBell(t *testing.T) {
	c := newCounts(2, latinBits)
	c.addStream([]rune{boundary, 'a', 'b', boundary})
	c.finish([]uint64{1, 1})
	m := c.compile()
	// unigrams: a, b, _ once each: C0=3, T0=3, V=4.
	// P(a) = (1 + 3/4) / 6 = 0.291666...
	// P(b|a) = (1 + 1*P(b)) / 2 with P(b)=P(a)
	pa := (1 + 3.0/4) / 6
	want := map[[2]rune]float64{
		{'a', 'b'}: (1 + pa) / 2,
		{'a', 'a'}: pa / 2, // unseen after a: T/(C+T) * P(a)
		{'z', 'a'}: pa,     // unseen history: lower order
	}
	for k, w := range want {
		got := m.logProb(pack(latinBits, k[0], k[1]), 2)
		if d := float64(got) - log2(w); d > 1e-5 || d < -1e-5 {
			t.Errorf("log2 P(%c|%c) = %.6f, want %.6f", k[1], k[0], got, log2(w))
		}
	}
	if got, w := float64(m.lpUnk), log2(3.0/6/4); got-w > 1e-5 || w-got > 1e-5 {
		t.Errorf("unseen symbol log2 P = %.6f, want %.6f", got, w)
	}
}
