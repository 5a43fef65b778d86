package subword

import (
	"bufio"
	"github.com/mulan-nlp/mulan/internal/shared"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// dataDir is the shared data collection, outside the repository.
var dataDir, _ = shared.Path("data") // "" when absent: the tests that need it skip

func dataFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(dataDir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s absent (%v); skipping", p, err)
	}
	return p
}

// readLines returns the lines of path split at '\n' (a '\r' stays in the line).
func readLines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	return strings.Split(s, "\n")
}

// every returns every k-th line.
func every(lines []string, k int) []string {
	var out []string
	for i := 0; i < len(lines); i += k {
		out = append(out, lines[i])
	}
	return out
}

var (
	mixOnce  sync.Once
	mixModel *Model
	mixErr   error
)

// mixedModel trains one English+Chinese model (vocabulary 8000) on a sample: every 4th line of
// PTB train and every 4th line of the three novels.
func mixedModel(t testing.TB) *Model {
	t.Helper()
	ptb := dataFile(t, "ptb_mikolov/ptb.train.txt")
	novels, _ := filepath.Glob(filepath.Join(dataDir, "zh_lm_corpus/classic_novels/*.txt"))
	if len(novels) == 0 {
		t.Skip("shared data zh_lm_corpus/classic_novels absent; skipping")
	}
	mixOnce.Do(func() {
		var sample []string
		sample = append(sample, every(readLines(t, ptb), 4)...)
		for _, n := range novels {
			sample = append(sample, every(readLines(t, n), 4)...)
		}
		mixModel, mixErr = TrainLines(func(yield func(string) bool) {
			for _, s := range sample {
				if !yield(s) {
					return
				}
			}
		}, Options{VocabSize: 8000})
	})
	if mixErr != nil {
		t.Fatal(mixErr)
	}
	return mixModel
}

// TestRoundTripSharedCorpora checks Decode(EncodeIDs(line)) == line and
// DecodePieces(Encode(line)) == line for every line of the shared English and
// Chinese corpora, with one model trained on a mixed sample.
func TestRoundTripSharedCorpora(t *testing.T) {
	m := mixedModel(t)
	var files []string
	for _, pat := range []string{
		"ptb_mikolov/*.txt", "tiny_shakespeare/input.txt", "zh_lm_corpus/*/*",
		"sst2/*.tsv", "sst2/stsa.binary.test", "chnsenticorp_12k/*.tsv", "tatoeba_cmn_eng/cmn.txt",
	} {
		fs, _ := filepath.Glob(filepath.Join(dataDir, pat))
		for _, f := range fs {
			if !strings.HasSuffix(f, "SOURCE.md") {
				files = append(files, f)
			}
		}
	}
	if len(files) < 10 {
		t.Skipf("shared corpora absent under %s (found %d files); skipping", dataDir, len(files))
	}
	var nLines, nBytes, nBytePieces, nPieces int
	start := time.Now()
	for _, f := range files {
		lines := readLines(t, f)
		for i, line := range lines {
			ids := m.EncodeIDs(line)
			if got := m.Decode(ids); got != line {
				t.Fatalf("%s:%d: Decode(EncodeIDs(line)) differs:\n got %q\nwant %q", f, i+1, got, line)
			}
			for _, id := range ids {
				if id < FirstCharID {
					nBytePieces++
				}
			}
			nPieces += len(ids)
			nLines++
			nBytes += len(line)
		}
		// The piece path too, on a sample.
		for i := 0; i < len(lines); i += 7 {
			if got := m.DecodePieces(m.Encode(lines[i])); got != lines[i] {
				t.Fatalf("%s:%d: DecodePieces(Encode(line)) = %q, want %q", f, i+1, got, lines[i])
			}
		}
	}
	el := time.Since(start)
	t.Logf("%d files, %d lines, %.1f MB round-tripped in %s (wall, machine shared); %d pieces, %.3f%% byte pieces",
		len(files), nLines, float64(nBytes)/1e6, el.Round(time.Millisecond), nPieces, 100*float64(nBytePieces)/float64(nPieces))
}

// TestSharedVocabulary measures, on held-out text, how many pieces the mixed
// model needs per English word (PTB test) and per Chinese character (SIGHAN
// PKU test, modern news, a different register from the training novels).
func TestSharedVocabulary(t *testing.T) {
	m := mixedModel(t)
	en := readLines(t, dataFile(t, "ptb_mikolov/ptb.test.txt"))
	zh := readLines(t, dataFile(t, "zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8"))
	var words, enPieces int
	for _, l := range en {
		words += len(strings.Fields(l))
		enPieces += len(m.Encode(l))
	}
	var han, zhPieces, zhBytes int
	for _, l := range zh {
		l = strings.TrimSuffix(l, "\r")
		for _, r := range l {
			if unicode.Is(unicode.Han, r) {
				han++
			}
		}
		for _, p := range m.Encode(l) {
			zhPieces++
			if strings.HasPrefix(p, "<0x") {
				zhBytes++
			}
		}
	}
	// Control: how often English and Chinese pieces come from each other's
	// part of the vocabulary: none of the English pieces contain Han.
	perWord := float64(enPieces) / float64(words)
	perHan := float64(zhPieces) / float64(han)
	t.Logf("vocabulary %d (%d characters, %d merges)", m.Len(), m.NumChars(), m.NumMerges())
	t.Logf("English (PTB test): %d words → %d pieces, %.3f pieces/word", words, enPieces, perWord)
	t.Logf("Chinese (PKU test): %d Han characters → %d pieces (%d byte pieces), %.3f pieces/Han character", han, zhPieces, zhBytes, perHan)
	// Regression bounds around the measured values (see the log): most of
	// the vocabulary is Chinese characters, so English keeps only a few
	// thousand merges; characters alone would give ~5 pieces per word.
	// Chinese pieces include punctuation, digits, spaces and the bytes of
	// modern characters absent from the novels.
	if perWord < 1 || perWord > 2 {
		t.Errorf("pieces per English word %.3f outside [1, 2]", perWord)
	}
	if perHan < 0.5 || perHan > 1.3 {
		t.Errorf("pieces per Chinese character %.3f outside [0.5, 1.3]", perHan)
	}
	// Both languages use the one vocabulary: frequent words of each are
	// single pieces.
	for _, tt := range []struct{ in, want string }{
		{"the company said", "▁the ▁company ▁said"},
		{"他笑道：“你们", "▁ 他 笑道 ：“ 你们"},
	} {
		if got := strings.Join(m.Encode(tt.in), " "); got != tt.want {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// loadText reads the lines of shared data files for benchmarks.
func loadText(b *testing.B, rels ...string) []string {
	var out []string
	for _, rel := range rels {
		f, err := os.Open(dataFile(b, rel))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		f.Close()
	}
	return out
}

// BenchmarkTrain trains vocabulary 8000 on PTB train plus the three novels
// (about 5 MB English and 7 MB Chinese).
func BenchmarkTrain(b *testing.B) {
	lines := loadText(b, "ptb_mikolov/ptb.train.txt",
		"zh_lm_corpus/classic_novels/红楼梦.txt", "zh_lm_corpus/classic_novels/水浒传.txt", "zh_lm_corpus/classic_novels/三国演义.txt")
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		_, err := TrainLines(func(yield func(string) bool) {
			for _, s := range lines {
				if !yield(s) {
					return
				}
			}
		}, Options{VocabSize: 8000})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchmarkEncode(b *testing.B, cached bool, rels ...string) {
	m := mixedModel(b)
	lines := loadText(b, rels...)
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	b.SetBytes(int64(n))
	m.noCache = !cached
	defer func() { m.noCache = false }()
	var ids []int32
	for b.Loop() {
		for _, l := range lines {
			ids = m.AppendIDs(ids[:0], l)
		}
	}
}

func BenchmarkEncodeEnglish(b *testing.B) { benchmarkEncode(b, true, "ptb_mikolov/ptb.valid.txt") }
func BenchmarkEncodeChinese(b *testing.B) {
	benchmarkEncode(b, true, "zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8")
}
func BenchmarkEncodeEnglishCold(b *testing.B) { benchmarkEncode(b, false, "ptb_mikolov/ptb.valid.txt") }
func BenchmarkEncodeChineseCold(b *testing.B) {
	benchmarkEncode(b, false, "zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8")
}
