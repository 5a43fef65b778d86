package linear

import (
	"github.com/mulan-nlp/mulan/internal/shared"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
)

// sharedData is the shared data directory, next to the repository root.
var sharedData, _ = shared.Path("data") // "" when absent: the tests that need it skip

func readOrSkip(t testing.TB, path string, opt corpus.Options) []corpus.Record {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("data set not found at %s (shared data is not part of the repository)", path)
	}
	recs, err := corpus.ReadAllRecords(path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func accuracy(m *Model, recs []corpus.Record) float64 {
	ok := 0
	for _, r := range recs {
		if m.Predict(r.Text, 1)[0].Label == r.Label {
			ok++
		}
	}
	return float64(ok) / float64(len(recs))
}

// TestSST2 trains with bigrams on the SST-2 phrases and checks dev and test
// accuracy against fastText's with the same settings, measured here with
// Debian's fasttext 0.9.2 (-wordNgrams 2, other settings default, 2 threads):
// 81.7% dev, 83.5% test (the issue quotes 81.1% / 83.6%). Goal: within 1 point.
func TestSST2(t *testing.T) {
	if raceEnabled {
		t.Skip("too slow under the race detector")
	}
	dir := filepath.Join(sharedData, "sst2")
	train := readOrSkip(t, filepath.Join(dir, "train.tsv"), corpus.Options{})
	dev := readOrSkip(t, filepath.Join(dir, "dev.tsv"), corpus.Options{})
	test := readOrSkip(t, filepath.Join(dir, "stsa.binary.test"), corpus.Options{Format: corpus.LabelText})
	cfg := DefaultConfig()
	cfg.WordNgrams = 2
	cfg.Threads = 1
	cfg.Tokenizer = TokenizerSpec{Lang: "space"}
	t0 := time.Now()
	m, st, err := Train("train.tsv", train, cfg, rand.New(rand.NewPCG(1, 2)), nil)
	if err != nil {
		t.Fatal(err)
	}
	dacc, tacc := accuracy(m, dev), accuracy(m, test)
	t.Logf("SST-2: train %v (%d words, %d n-gram rows, loss %.4f), dev %.2f%%, test %.2f%%",
		time.Since(t0).Round(time.Millisecond), st.Words, st.NgramRows, st.Loss, 100*dacc, 100*tacc)
	if dacc < 0.801 || tacc < 0.826 {
		t.Errorf("accuracy dev %.2f%% test %.2f%%, want within 1 point of fastText (81.1%%, 83.6%%)", 100*dacc, 100*tacc)
	}
}
