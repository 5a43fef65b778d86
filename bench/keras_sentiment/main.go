// Command keras_sentiment trains the seed's Keras example — Embedding(vocab,
// 64), SimpleRNN(64, return sequences), SimpleRNN(64), Dense(1, sigmoid),
// Adam, binary cross-entropy, accuracy — with package keras on English SST-2
// (words as tokens) and Chinese ChnSentiCorp (gse words or characters as
// tokens), and reports dev accuracy and training time.
//
// Defaults (both tasks): a Dropout(0.3) between the Embedding and the first
// SimpleRNN, tokens seen once in train mapped to the unknown id, gradient
// norm clipped at 1, Adam(1e-3) with the learning rate halved after every
// epoch, batch 32, Keras's pre-truncation.
//
// ChnSentiCorp: gse words as tokens (a SimpleRNN reads 69 words per review
// on average instead of 108 characters; 95% have at most 159 words, so
// length 200 rarely truncates) and at most 8 epochs; the validation data that steers training
// (EarlyStopping on val_accuracy, patience 2, best weights restored) is a
// seeded 10% slice held out from train. The dev set is scored after every
// epoch for the log only and selects nothing.
//
// SST-2: its train set holds every phrase of the treebank's training
// sentences, so a random slice of it shares sub-phrases with the rest and
// says little about dev; it trains on all of train for 3 epochs with dev as
// the validation data (reported, never used to select), as the seed example
// does (-val-split 0).
//
//	go run ./bench/keras_sentiment -data ../shared/data
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/keras"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/tensor"
	"github.com/mulan-nlp/mulan/tokenize"
)

// settings are one task's training choices.
type settings struct {
	name, dir string
	tok       func(string) []string
	maxLen    int
	epochs    int
	lr        float64
	minCount  int
	dropout   float64
	valSplit  float64
	decay     float64
	monitor   string
}

var (
	batch     = flag.Int("batch", 32, "batch size")
	mask      = flag.Bool("mask", true, "Embedding(mask_zero): skip padding (faster: batches shrink to their longest row)")
	seed      = flag.Int64("seed", 1, "seed")
	prog      = flag.Bool("progress", false, "report progress on stderr")
	clip      = flag.Float64("clip", 1, "clip the global gradient norm (0: no clipping)")
	truncPost = flag.Bool("trunc-post", false, "truncate long texts at the end (default: at the start, as Keras)")
	patience  = flag.Int("patience", 2, "EarlyStopping patience (epochs without improvement)")
)

func main() {
	data := flag.String("data", "../shared/data", "folder holding sst2/ and chnsenticorp_12k/")
	tasks := flag.String("tasks", "sst2,chnsenticorp", "comma-separated tasks")
	epochs := flag.Int("epochs", 0, "training epochs for every task (0: each task's default)")
	lr := flag.Float64("lr", 0, "Adam learning rate for every task (0: each task's default)")
	dropout := flag.Float64("dropout", -1, "rate of a Dropout after the Embedding for every task (-1: each task's default)")
	minCount := flag.Int("min-count", 0, "keep train tokens seen at least this often, others are unknown (0: each task's default)")
	maxEN := flag.Int("maxlen-en", 64, "SST-2 padded length")
	maxZH := flag.Int("maxlen-zh", 200, "ChnSentiCorp padded length")
	zh := flag.String("zh", "words", "ChnSentiCorp tokens: words (gse) or chars")
	decay := flag.Float64("decay", 0, "multiply the learning rate by this after every epoch, for every task (1: constant; 0: each task's default)")
	monitor := flag.String("monitor", "", "quantity EarlyStopping watches on the held-out slice, val_accuracy or val_loss (empty: each task's default)")
	valSplit := flag.Float64("val-split", -1, "fraction of train held out as validation data for EarlyStopping, for every task (0: validate on dev, no early stopping; -1: each task's default)")
	flag.Parse()
	fmt.Printf("GEMM backend %s, %d threads\n", tensor.BackendName(), tensor.Threads())
	for _, task := range strings.Split(*tasks, ",") {
		var s settings
		switch task {
		case "sst2":
			s = settings{name: "SST-2", dir: "sst2", tok: strings.Fields, maxLen: *maxEN,
				epochs: 3, lr: 1e-3, minCount: 2, dropout: 0.3, valSplit: 0, decay: 0.5}
		case "chnsenticorp":
			s = settings{name: "ChnSentiCorp", dir: "chnsenticorp_12k", maxLen: *maxZH,
				epochs: 8, lr: 1e-3, minCount: 2, dropout: 0.3, valSplit: 0.1, decay: 0.5, monitor: "val_accuracy"}
			switch *zh {
			case "words":
				s.tok = tokenize.Chinese{Lower: true}.Tokenize
			case "chars":
				s.tok = tokenize.Chinese{Chars: true, Lower: true}.Tokenize
			default:
				fmt.Fprintf(os.Stderr, "keras_sentiment: -zh %q: want words or chars\n", *zh)
				os.Exit(2)
			}
		default:
			fmt.Fprintf(os.Stderr, "keras_sentiment: unknown task %q\n", task)
			os.Exit(2)
		}
		if *epochs > 0 {
			s.epochs = *epochs
		}
		if *lr > 0 {
			s.lr = *lr
		}
		if *dropout >= 0 {
			s.dropout = *dropout
		}
		if *decay > 0 {
			s.decay = *decay
		}
		if *monitor != "" {
			s.monitor = *monitor
		}
		if *valSplit >= 0 {
			s.valSplit = *valSplit
		}
		if *minCount > 0 {
			s.minCount = *minCount
		}
		if err := run(filepath.Join(*data, s.dir), s); err != nil {
			fmt.Fprintln(os.Stderr, "keras_sentiment:", err)
			os.Exit(1)
		}
	}
}

// read returns the token lists and 0/1 labels of a labelled TSV.
func read(path string, tok func(string) []string) ([][]string, []float32, error) {
	recs, err := corpus.ReadAllRecords(path, corpus.Options{Format: corpus.TSV})
	if err != nil {
		return nil, nil, err
	}
	toks := make([][]string, len(recs))
	y := make([]float32, len(recs))
	for i, r := range recs {
		switch r.Label {
		case "0":
		case "1":
			y[i] = 1
		default:
			return nil, nil, fmt.Errorf("%s:%d: label %q, want 0 or 1", path, r.Line, r.Label)
		}
		toks[i] = tok(r.Text)
	}
	return toks, y, nil
}

// encode maps docs to ids padded (and truncated) to maxLen.
func encode(docs [][]string, ids keras.Vocabulary, maxLen int) [][]int32 {
	seqs := ids.Sequences(docs)
	var opts []keras.PadOption
	if *truncPost {
		opts = append(opts, keras.TruncatePost())
	}
	return keras.PadSequences(seqs, maxLen, opts...)
}

// devLog scores the dev set after every epoch, for the log only.
type devLog struct {
	keras.BaseCallback
	x   [][]int32
	y   []float32
	acc []float64
}

func (d *devLog) OnEpochEnd(m *keras.Model, _ int, _ keras.Logs) error {
	logs, err := m.Evaluate(d.x, d.y, 0)
	if err != nil {
		return err
	}
	d.acc = append(d.acc, logs["accuracy"])
	return nil
}

func run(dir string, s settings) error {
	docs, y, err := read(filepath.Join(dir, "train.tsv"), s.tok)
	if err != nil {
		return err
	}
	devDocs, yv, err := read(filepath.Join(dir, "dev.tsv"), s.tok)
	if err != nil {
		return err
	}
	// Hold out a seeded random slice of train as validation data.
	var valDocs [][]string
	var yval []float32
	if s.valSplit > 0 {
		perm := rand.New(rand.NewSource(*seed)).Perm(len(docs))
		nv := int(s.valSplit * float64(len(docs)))
		var td [][]string
		var ty []float32
		for k, i := range perm {
			if k < nv {
				valDocs, yval = append(valDocs, docs[i]), append(yval, y[i])
			} else {
				td, ty = append(td, docs[i]), append(ty, y[i])
			}
		}
		docs, y = td, ty
	}
	ids := keras.FitVocabulary(docs, s.minCount)
	x, xv := encode(docs, ids, s.maxLen), encode(devDocs, ids, s.maxLen)
	layers := []keras.Layer{keras.Embedding(ids.Size(), 64, embOpts()...)}
	if s.dropout > 0 {
		layers = append(layers, keras.Dropout(s.dropout))
	}
	layers = append(layers,
		keras.SimpleRNN(64, keras.ReturnSequences()),
		keras.SimpleRNN(64),
		keras.Dense(1, keras.Sigmoid))
	m := keras.Sequential(layers...)
	copts := []keras.CompileOption{keras.Accuracy, keras.Seed(*seed)}
	if *clip > 0 {
		copts = append(copts, keras.ClipNorm(*clip))
	}
	if err := m.Compile(keras.Adam(s.lr), keras.BinaryCrossentropy, copts...); err != nil {
		return err
	}
	dev := &devLog{x: xv, y: yv}
	cbs := []keras.Callback{dev}
	var es *keras.EarlyStoppingCallback
	fopts := []keras.FitOption{keras.Epochs(s.epochs), keras.BatchSize(*batch), keras.Shuffle(*seed)}
	if s.valSplit > 0 {
		es = keras.EarlyStopping(keras.Monitor(s.monitor), keras.Patience(*patience), keras.RestoreBestWeights())
		cbs = append(cbs, es)
		fopts = append(fopts, keras.ValidationData(encode(valDocs, ids, s.maxLen), yval))
	} else {
		fopts = append(fopts, keras.ValidationData(xv, yv))
	}
	if s.decay != 1 {
		steps := (len(x) + *batch - 1) / *batch
		cbs = append(cbs, keras.LearningRateSchedule(optim.StepDecay(steps, s.decay)))
	}
	if *prog {
		cbs = append(cbs, keras.Progress(os.Stderr))
	}
	fopts = append(fopts, keras.Callbacks(cbs...))
	mean, p95 := lengths(docs)
	fmt.Printf("%s: %d train, %d validation, %d dev; vocabulary %d (min count %d); tokens/text mean %.1f, p95 %d; max length %d, truncate-post %v; dropout %g, clip %g, lr %g (x%g per epoch), batch %d\n",
		s.name, len(x), len(valDocs), len(xv), len(ids)+2, s.minCount, mean, p95, s.maxLen, *truncPost, s.dropout, *clip, s.lr, s.decay, *batch)
	start := time.Now()
	hist, err := m.Fit(x, y, fopts...)
	if err != nil {
		return err
	}
	el := time.Since(start)
	for i := range hist.Epochs {
		fmt.Printf("  epoch %d: loss %.4f accuracy %.4f val_loss %.4f val_accuracy %.4f dev_accuracy %.4f\n", i+1,
			hist.Metrics["loss"][i], hist.Metrics["accuracy"][i], hist.Metrics["val_loss"][i], hist.Metrics["val_accuracy"][i], dev.acc[i])
	}
	logs, err := m.Evaluate(xv, yv, 0)
	if err != nil {
		return err
	}
	chosen := fmt.Sprintf("after epoch %d", len(hist.Epochs))
	if es != nil {
		chosen = fmt.Sprintf("weights of epoch %d, chosen by %s on the held-out train slice", es.BestEpoch+1, s.monitor)
	}
	fmt.Printf("%s dev accuracy %.4f (%s), training %.1fs (%d epochs, %.1fs/epoch)\n", s.name,
		logs["accuracy"], chosen, el.Seconds(), len(hist.Epochs), el.Seconds()/float64(len(hist.Epochs)))
	return nil
}

func embOpts() []keras.EmbeddingOption {
	if *mask {
		return []keras.EmbeddingOption{keras.MaskZero()}
	}
	return nil
}

// lengths returns the mean and 95th-percentile token count of docs.
func lengths(docs [][]string) (float64, int) {
	n := make([]int, len(docs))
	total := 0
	for i, d := range docs {
		n[i] = len(d)
		total += len(d)
	}
	if len(n) == 0 {
		return 0, 0
	}
	hist := map[int]int{}
	for _, v := range n {
		hist[v]++
	}
	// 95th percentile by counting.
	target, seen := int(0.95*float64(len(n))), 0
	for l := 0; ; l++ {
		seen += hist[l]
		if seen > target {
			return float64(total) / float64(len(n)), l
		}
	}
}
