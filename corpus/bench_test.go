package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// synthetic inputs, so that the benchmarks run without the shared data
func benchTSV() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("sentence\tlabel\n")
	for range 50_000 {
		for w := range 5 + r.IntN(20) {
			if w > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "w%d", r.IntN(5000))
		}
		fmt.Fprintf(&b, " \t%d\n", r.IntN(2))
	}
	return b.Bytes()
}

func benchCoNLL() []byte {
	r := rand.New(rand.NewPCG(3, 4))
	tags := []string{"O", "O", "O", "O", "B-PER", "I-PER", "B-LOC", "B-ORG", "I-ORG", "B-MISC"}
	var b bytes.Buffer
	b.WriteString("-DOCSTART- -X- -X- O\n\n")
	for range 15_000 {
		for range 1 + r.IntN(25) {
			fmt.Fprintf(&b, "Word%d NNP I-NP %s\n", r.IntN(20000), tags[r.IntN(len(tags))])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func benchRecords(b *testing.B, name string, data []byte, opt Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range ReadRecords(name, bytes.NewReader(data), opt) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
}

func benchSentences(b *testing.B, name string, data []byte, opt Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range ReadSentences(name, bytes.NewReader(data), opt) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkTSV(b *testing.B) { benchRecords(b, "b.tsv", benchTSV(), Options{}) }

func BenchmarkCoNLL(b *testing.B) { benchSentences(b, "b.conll", benchCoNLL(), Options{}) }

// The real files, when the shared data is present.
func BenchmarkSST2Train(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(dataDir(b, "sst2"), "train.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	benchRecords(b, "train.tsv", data, Options{})
}

func BenchmarkCoNLL2003Train(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(dataDir(b, "conll2003_en"), "train.txt"))
	if err != nil {
		b.Fatal(err)
	}
	benchSentences(b, "train.txt", data, Options{Format: CoNLL})
}

func BenchmarkCSVHtl(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(dataDir(b, "chnsenticorp_htl"), "ChnSentiCorp_htl_all.csv"))
	if err != nil {
		b.Fatal(err)
	}
	benchRecords(b, "htl.csv", data, Options{})
}

func BenchmarkJSONL20News(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(dataDir(b, "20newsgroups_bydate"), "test.jsonl.gz"))
	if err != nil {
		b.Fatal(err)
	}
	benchRecords(b, "test.jsonl.gz", data, Options{}) // MB/s of the compressed input
}

func BenchmarkMSRAChars(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(dataDir(b, "msra_ner_zh"), "test.txt"))
	if err != nil {
		b.Fatal(err)
	}
	benchSentences(b, "test.txt", data, Options{Format: Chars})
}
