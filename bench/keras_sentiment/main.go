// Command keras_sentiment trains the seed's Keras example — Embedding(vocab,
// 64), SimpleRNN(64, return sequences), SimpleRNN(64), Dense(1, sigmoid),
// Adam, binary cross-entropy, accuracy — with package keras on English SST-2
// (words as tokens) and Chinese ChnSentiCorp (characters as tokens), with the
// dev set as validation data, and reports dev accuracy and training time.
//
//	go run ./bench/keras_sentiment -data ../shared/data
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/keras"
	"github.com/mulan-nlp/mulan/tensor"
)

var (
	clip      *float64
	truncPost *bool
)

func main() {
	data := flag.String("data", "../shared/data", "folder holding sst2/ and chnsenticorp_12k/")
	tasks := flag.String("tasks", "sst2,chnsenticorp", "comma-separated tasks")
	epochs := flag.Int("epochs", 3, "training epochs")
	batch := flag.Int("batch", 32, "batch size")
	lr := flag.Float64("lr", 1e-3, "Adam learning rate")
	mask := flag.Bool("mask", true, "Embedding(mask_zero): skip padding (faster: batches shrink to their longest row)")
	seed := flag.Int64("seed", 1, "seed")
	progress := flag.Bool("progress", false, "report progress on stderr")
	maxEN := flag.Int("maxlen-en", 64, "SST-2 padded length")
	maxZH := flag.Int("maxlen-zh", 256, "ChnSentiCorp padded length")
	clip = flag.Float64("clip", 0, "clip the global gradient norm (0: no clipping)")
	truncPost = flag.Bool("trunc-post", false, "truncate long texts at the end (default: at the start, as Keras)")
	flag.Parse()
	fmt.Printf("GEMM backend %s, %d threads\n", tensor.BackendName(), tensor.Threads())
	for _, task := range strings.Split(*tasks, ",") {
		var err error
		switch task {
		case "sst2":
			err = run("SST-2", filepath.Join(*data, "sst2"), false, *maxEN, *epochs, *batch, *lr, *mask, *seed, *progress)
		case "chnsenticorp":
			err = run("ChnSentiCorp", filepath.Join(*data, "chnsenticorp_12k"), true, *maxZH, *epochs, *batch, *lr, *mask, *seed, *progress)
		default:
			err = fmt.Errorf("unknown task %q", task)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "keras_sentiment:", err)
			os.Exit(1)
		}
	}
}

// tokens splits text into words (English, already tokenised) or characters.
func tokens(text string, chars bool) []string {
	if !chars {
		return strings.Fields(text)
	}
	var out []string
	for _, r := range text {
		if r != ' ' && r != '\t' && r != '\u3000' {
			out = append(out, string(r))
		}
	}
	return out
}

// load reads a labelled TSV and encodes it with ids (0 = padding, 1 = unknown),
// adding new tokens when grow is set.
func load(path string, chars bool, ids map[string]int32, grow bool, maxLen int) ([][]int32, []float32, error) {
	recs, err := corpus.ReadAllRecords(path, corpus.Options{Format: corpus.TSV})
	if err != nil {
		return nil, nil, err
	}
	seqs := make([][]int32, len(recs))
	y := make([]float32, len(recs))
	for i, r := range recs {
		switch r.Label {
		case "0":
		case "1":
			y[i] = 1
		default:
			return nil, nil, fmt.Errorf("%s:%d: label %q, want 0 or 1", path, r.Line, r.Label)
		}
		for _, tok := range tokens(r.Text, chars) {
			id, ok := ids[tok]
			if !ok {
				id = 1
				if grow {
					id = int32(len(ids) + 2)
					ids[tok] = id
				}
			}
			seqs[i] = append(seqs[i], id)
		}
	}
	var opts []keras.PadOption
	if *truncPost {
		opts = append(opts, keras.TruncatePost())
	}
	return keras.PadSequences(seqs, maxLen, opts...), y, nil
}

func run(name, dir string, chars bool, maxLen, epochs, batch int, lr float64, mask bool, seed int64, prog bool) error {
	ids := map[string]int32{}
	x, y, err := load(filepath.Join(dir, "train.tsv"), chars, ids, true, maxLen)
	if err != nil {
		return err
	}
	xv, yv, err := load(filepath.Join(dir, "dev.tsv"), chars, ids, false, maxLen)
	if err != nil {
		return err
	}
	vocab := len(ids) + 2
	var emb []keras.EmbeddingOption
	if mask {
		emb = append(emb, keras.MaskZero())
	}
	m := keras.Sequential(
		keras.Embedding(vocab, 64, emb...),
		keras.SimpleRNN(64, keras.ReturnSequences()),
		keras.SimpleRNN(64),
		keras.Dense(1, keras.Sigmoid),
	)
	copts := []keras.CompileOption{keras.Accuracy, keras.Seed(seed)}
	if *clip > 0 {
		copts = append(copts, keras.ClipNorm(*clip))
	}
	if err := m.Compile(keras.Adam(lr), keras.BinaryCrossentropy, copts...); err != nil {
		return err
	}
	var cbs []keras.Callback
	if prog {
		cbs = append(cbs, keras.Progress(os.Stderr))
	}
	fmt.Printf("%s: %d train, %d dev, vocabulary %d, max length %d, mask %v, clip %v, truncate-post %v, lr %g\n",
		name, len(x), len(xv), vocab, maxLen, mask, *clip, *truncPost, lr)
	start := time.Now()
	hist, err := m.Fit(x, y, keras.Epochs(epochs), keras.BatchSize(batch), keras.ValidationData(xv, yv),
		keras.Shuffle(seed), keras.Callbacks(cbs...))
	if err != nil {
		return err
	}
	el := time.Since(start)
	for i := range hist.Epochs {
		fmt.Printf("  epoch %d: loss %.4f accuracy %.4f val_loss %.4f val_accuracy %.4f\n", i+1,
			hist.Metrics["loss"][i], hist.Metrics["accuracy"][i], hist.Metrics["val_loss"][i], hist.Metrics["val_accuracy"][i])
	}
	fmt.Printf("%s dev accuracy %.4f (best epoch %.4f), training %.1fs (%.1fs/epoch)\n", name,
		hist.Last("val_accuracy"), maxOf(hist.Metrics["val_accuracy"]), el.Seconds(), el.Seconds()/float64(len(hist.Epochs)))
	return nil
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}
