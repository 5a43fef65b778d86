package tokenize

import (
	"os"
	"strings"
	"testing"
)

const benchEnglish = `The U.S. economy grew 3.5% in the third quarter, officials said on Tuesday. "We don't expect it'll last," said Dr. Smith of https://example.com/econ -- a state-of-the-art think tank with 1,200 employees. `

// benchText returns about 1 MB of text: a SIGHAN test file when the shared
// data is present (for Chinese), otherwise the sample repeated.
func benchText(b *testing.B, sample, shared string) string {
	if shared != "" {
		if data, err := os.ReadFile(shared); err == nil {
			return string(data)
		}
	}
	return strings.Repeat(sample, 1<<20/len(sample))
}

func benchTokenizer(b *testing.B, tok Appender, text string) {
	lines := strings.Split(text, "\n")
	var dst []string
	dst = tok.Append(dst, lines[0]) // load dictionaries outside the timing
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			dst = tok.Append(dst[:0], l)
		}
	}
}

func BenchmarkEnglish(b *testing.B) {
	benchTokenizer(b, English{}, benchText(b, benchEnglish+"\n", ""))
}

func BenchmarkEnglishLower(b *testing.B) {
	benchTokenizer(b, English{Lower: true}, benchText(b, benchEnglish+"\n", ""))
}

const sighanPKU = "../../shared/data/zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8"
const benchChinese = "共同创造美好的新世纪——二○○一年新年贺词。2001年新年钟声即将敲响，人类社会前进的航船就要驶入21世纪的新航程。\n"

func BenchmarkChinese(b *testing.B) {
	benchTokenizer(b, Chinese{}, benchText(b, benchChinese, sighanPKU))
}

func BenchmarkChineseDAGHMM(b *testing.B) {
	benchTokenizer(b, Chinese{Algorithm: DAGHMM}, benchText(b, benchChinese, sighanPKU))
}

func BenchmarkChineseChars(b *testing.B) {
	benchTokenizer(b, Chinese{Chars: true}, benchText(b, benchChinese, sighanPKU))
}

func BenchmarkAutoMixed(b *testing.B) {
	benchTokenizer(b, Auto{}, benchText(b, benchEnglish+benchChinese, ""))
}
