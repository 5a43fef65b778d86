package keras

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/corpus"
)

// sharedData returns ../shared/data beside the repository root, skipping the
// test when it is absent.
func sharedData(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("shared data not found at %s", data)
	}
	return data
}

func loadSentiment(t *testing.T, path string, chars bool, ids map[string]int32, grow bool, maxLen int) ([][]int32, []float32) {
	t.Helper()
	recs, err := corpus.ReadAllRecords(path, corpus.Options{Format: corpus.TSV})
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([][]int32, len(recs))
	y := make([]float32, len(recs))
	for i, r := range recs {
		if r.Label == "1" {
			y[i] = 1
		}
		var toks []string
		if chars {
			for _, c := range r.Text {
				if c != ' ' {
					toks = append(toks, string(c))
				}
			}
		} else {
			toks = strings.Fields(r.Text)
		}
		for _, tok := range toks {
			id, ok := ids[tok]
			if !ok {
				id = 1 // unknown
				if grow {
					id = int32(len(ids) + 2)
					ids[tok] = id
				}
			}
			seqs[i] = append(seqs[i], id)
		}
	}
	return PadSequences(seqs, maxLen), y
}

// TestSentimentSeedExample trains the seed's Keras example on SST-2 and
// ChnSentiCorp and checks the dev accuracy bars of issue 4. It takes minutes,
// so it runs only with MULAN_FULL_DATA=1.
func TestSentimentSeedExample(t *testing.T) {
	if os.Getenv("MULAN_FULL_DATA") == "" {
		t.Skip("set MULAN_FULL_DATA=1 to train on SST-2 and ChnSentiCorp (minutes)")
	}
	data := sharedData(t)
	tests := []struct {
		name   string
		dir    string
		chars  bool
		maxLen int
		epochs int
		lr     float64
		want   float64
	}{
		{"SST-2", "sst2", false, 64, 3, 1e-3, 0.78},
		{"ChnSentiCorp", "chnsenticorp_12k", true, 200, 6, 1e-3, 0.85},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ids := map[string]int32{}
			x, y := loadSentiment(t, filepath.Join(data, tc.dir, "train.tsv"), tc.chars, ids, true, tc.maxLen)
			xv, yv := loadSentiment(t, filepath.Join(data, tc.dir, "dev.tsv"), tc.chars, ids, false, tc.maxLen)
			m := Sequential(
				Embedding(len(ids)+2, 64, MaskZero()),
				SimpleRNN(64, ReturnSequences()),
				SimpleRNN(64),
				Dense(1, Sigmoid),
			)
			if err := m.Compile(Adam(tc.lr), BinaryCrossentropy, Accuracy, ClipNorm(1)); err != nil {
				t.Fatal(err)
			}
			es := EarlyStopping(Monitor("val_accuracy"), Patience(2), RestoreBestWeights())
			hist, err := m.Fit(x, y, Epochs(tc.epochs), BatchSize(32), ValidationData(xv, yv), Callbacks(es))
			if err != nil {
				t.Fatal(err)
			}
			logs, err := m.Evaluate(xv, yv, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: val_accuracy per epoch %v; final dev accuracy %.4f", tc.name, hist.Metrics["val_accuracy"], logs["accuracy"])
			if logs["accuracy"] < tc.want {
				t.Errorf("%s dev accuracy %.4f < %.2f", tc.name, logs["accuracy"], tc.want)
			}
		})
	}
}
