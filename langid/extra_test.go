package langid

import (
	"fmt"
	"math"
	"testing"
	"unicode/utf8"
)

func log2(x float64) float64 { return math.Log2(x) }

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"Hello, 世界!", "我用Python写程序", "Привет мир", "e\u0301te\u0301 ", "\xff\xfe", "http://x.y 你好", "A. B. C.", "私はコーヒー"} {
		f.Add(s)
	}
	id, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs := id.Segments(s)
		checkCover(t, s, segs)
		r := id.Detect(s)
		if !(r.Confidence >= 0 && r.Confidence <= 1) {
			t.Fatalf("confidence %v", r.Confidence)
		}
		if utf8.ValidString(s) && len(segs) == 1 && segs[0].Lang != r.Lang {
			t.Fatalf("one segment %s but Detect %s for %q", segs[0].Lang, r.Lang, s)
		}
	})
}

var benchLines = []string{
	"The committee will publish its final report next week after the hearings.",
	"今天天气很好，我们去公园散步吧，顺便买点水果回家。",
	"我昨天看了一部电影, it was really a wonderful story about friendship.",
	"Je ne sais pas pourquoi il est parti si tôt ce matin.",
}

func BenchmarkDetect(b *testing.B) {
	id, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, l := range benchLines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, l := range benchLines {
			id.Detect(l)
		}
	}
	b.ReportMetric(float64(b.N*len(benchLines))/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkSegments(b *testing.B) {
	id, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	var dst []Segment
	for b.Loop() {
		for _, l := range benchLines {
			dst = id.AppendSegments(dst[:0], l)
		}
	}
	b.ReportMetric(float64(b.N*len(benchLines))/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load("p", embedded); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleIdentifier_Segments() {
	id, err := Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range id.Segments("The weather is lovely today. 今天天气很好。") {
		fmt.Printf("%s %q\n", s.Lang, s.Text)
	}
	fmt.Println(id.Detect("Привет, как дела?").Lang)
	// Output:
	// en "The weather is lovely today. "
	// zh "今天天气很好。"
	// und
}
