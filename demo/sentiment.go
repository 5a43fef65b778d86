package demo

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/transfer"
	"github.com/mulan-nlp/mulan/vocab"
)

// Labels are the sentiment labels of the built-in reviews, in id order.
var Labels = []string{"neg", "pos"}

// Langs are the languages of the built-in corpora.
var Langs = []string{"en", "zh"}

// Review is one labelled review of the built-in sentiment corpus.
type Review struct {
	Text  string
	Label string // "pos" or "neg"
	Line  int    // 1-based line in its file (the header is line 1)
}

// ReviewFile returns the name of a built-in sentiment file (inside the
// embedded data, and in the repository under demo/): lang is "en" or "zh",
// split "train" or "test".
func ReviewFile(lang, split string) string {
	return "data/sentiment_" + lang + "." + split + ".tsv"
}

// Reviews reads the built-in labelled reviews of one language ("en" or "zh")
// and split ("train" or "test"): TSV files with a header and the columns text
// and label, as 'mulan finetune' and 'mulan evaluate' read them.
func Reviews(lang, split string) ([]Review, error) {
	name := ReviewFile(lang, split)
	b, err := data.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("demo: no built-in %q sentiment split %q", lang, split)
	}
	var out []Review
	for r, err := range corpus.ReadRecords(name, bytes.NewReader(b), corpus.Options{}) {
		if err != nil {
			return nil, err
		}
		if !slices.Contains(Labels, r.Label) {
			return nil, fmt.Errorf("%s:%d: label %q is not one of %s", name, r.Line, r.Label, strings.Join(Labels, ", "))
		}
		out = append(out, Review{Text: r.Text, Label: r.Label, Line: r.Line})
	}
	return out, nil
}

// sentimentConfig sizes the sentiment part of the demo.
type sentimentConfig struct {
	SubwordVocab   int
	Emb            int        // the LM is one tied LSTM layer of Emb units
	Drop           [5]float32 // the LM's dropouts: embedding, input, hidden, output, weight
	PretrainEpochs int
	PretrainLR     float64
	Train          transfer.TrainOptions // both the fine-tuned and the scratch classifiers
	Head           transfer.HeadConfig
	Seeds          int   // fine-tuning runs per classifier, seeds 1..Seeds
	Seed           int64 // the LM's initial weights
}

// sentimentConfigFor returns the full-size configuration, or the reduced
// one of Options.Quick.
func sentimentConfigFor(o Options) sentimentConfig {
	tr := transfer.DefaultTrainOptions()
	// The same recipe for both encoders, so that the comparison is about
	// the initial weights alone. On a few hundred texts gradual unfreezing
	// and discriminative rates leave the head stuck on the pretrained
	// features (the README's SST-2 figures show the same for unfreezing).
	tr.Epochs, tr.Batch, tr.Discriminative, tr.Unfreeze = 25, 16, false, false
	c := sentimentConfig{SubwordVocab: 1600, Emb: 64, Drop: [5]float32{0.05, 0.2, 0.1, 0.2, 0.2},
		PretrainEpochs: 15, PretrainLR: 0.005, Train: tr, Head: transfer.DefaultHead(), Seeds: 3, Seed: 1}
	if o.Quick {
		c.PretrainEpochs, c.Train.Epochs, c.Seeds = 5, 12, 1
	}
	return c
}

// LangSentiment holds one language's sentiment results.
type LangSentiment struct {
	Train, Test int
	// Reports of the classifiers of seed 1 on the test reviews.
	Pretrained *metrics.Report // fine-tuned from the pretrained LM
	Scratch    *metrics.Report // the same classifier on the untrained LM
	// Test accuracy of each seed's classifier.
	PretrainedAcc, ScratchAcc []float64
}

// Sentiment holds the figures of the sentiment part of the demo.
type Sentiment struct {
	Vocab                   int     // shared subword vocabulary size
	LMPPLBefore, LMPPLAfter float64 // per-token perplexity of the LM on the test reviews' texts
	Langs                   map[string]*LangSentiment
}

// sentimentData is the text of the sentiment part of the demo.
type sentimentData struct {
	train, test map[string][]Review
	unlabelled  []string // built-in sentences and training reviews, without labels
	heldOut     []string // test reviews without labels, to score the LM
}

func loadSentiment() (*sentimentData, error) {
	d := &sentimentData{train: map[string][]Review{}, test: map[string][]Review{}}
	for _, lang := range Langs {
		lines, err := Corpus(lang)
		if err != nil {
			return nil, err
		}
		d.unlabelled = append(d.unlabelled, lines...)
		if d.train[lang], err = Reviews(lang, "train"); err != nil {
			return nil, err
		}
		if d.test[lang], err = Reviews(lang, "test"); err != nil {
			return nil, err
		}
		for _, r := range d.train[lang] {
			d.unlabelled = append(d.unlabelled, r.Text)
		}
		for _, r := range d.test[lang] {
			d.heldOut = append(d.heldOut, r.Text)
		}
	}
	return d, nil
}

// newBilingualLM returns an untrained LSTM LM over a subword vocabulary
// trained on lines and shared by both languages.
func newBilingualLM(cfg sentimentConfig, lines []string) (*lm.LM, error) {
	sw, err := subword.TrainLines(slices.Values(lines), subword.Options{VocabSize: cfg.SubwordVocab})
	if err != nil {
		return nil, fmt.Errorf("demo: subword: %w", err)
	}
	// lm takes its subword model from a file and keeps a copy of it.
	dir, err := os.MkdirTemp("", "mulan-demo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "enzh.bpe")
	if err := sw.Save(path); err != nil {
		return nil, err
	}
	c := lm.Config{Arch: lm.ArchLSTM, Emb: cfg.Emb, Hidden: cfg.Emb, Layers: 1, Tied: true,
		DropEmb: cfg.Drop[0], DropIn: cfg.Drop[1], DropHidden: cfg.Drop[2], DropOut: cfg.Drop[3], DropWeight: cfg.Drop[4]}
	return lm.NewFromLines(c, lm.TokSubword+":"+path, nil, vocab.Options{}, cfg.Seed)
}

// everyNth passes on the first line, every n-th line and nothing else, each
// indented; the lm trainer's epoch lines go through it. A line may arrive in
// several writes.
type everyNth struct {
	w       io.Writer
	n, i    int
	pending []byte
}

func (e *everyNth) Write(p []byte) (int, error) {
	e.pending = append(e.pending, p...)
	for {
		j := bytes.IndexByte(e.pending, '\n')
		if j < 0 {
			return len(p), nil
		}
		line := string(e.pending[:j+1])
		e.pending = e.pending[j+1:]
		e.i++
		if e.i == 1 || e.i%e.n == 0 {
			if _, err := io.WriteString(e.w, "  "+line); err != nil {
				return 0, err
			}
		}
	}
}

// runSentiment pretrains a bilingual LM on the unlabelled text (the built-in
// sentences and the training reviews without their labels), fine-tunes it
// into an English and a Chinese sentiment classifier, trains the same
// classifiers on the untrained LM (from scratch), scores all of them on the
// test reviews and prints the comparison and the reports.
func runSentiment(w io.Writer, cfg sentimentConfig) (*Sentiment, error) {
	res := &Sentiment{Langs: map[string]*LangSentiment{}}
	d, err := loadSentiment()
	if err != nil {
		return nil, err
	}
	for _, lang := range Langs {
		fmt.Fprintf(w, "%s reviews: %d training, %d test (pos/neg balanced)\n", lang, len(d.train[lang]), len(d.test[lang]))
	}
	base, err := newBilingualLM(cfg, d.unlabelled)
	if err != nil {
		return nil, err
	}
	var untrained, pretrained bytes.Buffer
	if _, err := base.WriteTo(&untrained); err != nil {
		return nil, err
	}
	res.Vocab = base.VocabSize()
	tr, te := base.EncodeLines(d.unlabelled), base.EncodeLines(d.heldOut)
	before, err := base.Evaluate(te, 1, 64, nil)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "pretraining an LSTM LM (1x%d, shared subword vocabulary of %d pieces) on %d unlabelled lines\n"+
		"(the built-in sentences and the training reviews without labels): %d tokens, %d epochs\n",
		cfg.Emb, res.Vocab, len(d.unlabelled), tr.Targets(), cfg.PretrainEpochs)
	start := time.Now()
	t, err := lm.NewTrainer(base, tr, te, lm.TrainOptions{Batch: 16, BPTT: 48, Epochs: cfg.PretrainEpochs,
		Optimizer: "adam", LR: cfg.PretrainLR, Clip: 1, Schedule: "cosine", Warmup: 20, Seed: cfg.Seed,
		Log: &everyNth{w: w, n: max(cfg.PretrainEpochs/3, 1)}})
	if err != nil {
		return nil, err
	}
	if _, err := t.Run(); err != nil {
		return nil, fmt.Errorf("demo: pretraining: %w", err)
	}
	after, err := base.Evaluate(te, 1, 64, nil)
	if err != nil {
		return nil, err
	}
	res.LMPPLBefore, res.LMPPLAfter = before.Perplexity(), after.Perplexity()
	fmt.Fprintf(w, "perplexity per token on the test reviews' text: %.1f untrained -> %.1f pretrained (%s)\n",
		res.LMPPLBefore, res.LMPPLAfter, time.Since(start).Round(100*time.Millisecond))
	if _, err := base.WriteTo(&pretrained); err != nil {
		return nil, err
	}

	seeds := "seed 1"
	if cfg.Seeds > 1 {
		seeds = fmt.Sprintf("seeds 1..%d", cfg.Seeds)
	}
	fmt.Fprintf(w, "\nfine-tuning classifiers (concat pooling + dense head, Adam, slanted triangular LR, %d epochs, %s),\n"+
		"each on the pretrained LM and on the same LM untrained (from scratch):\n", cfg.Train.Epochs, seeds)
	for _, lang := range Langs {
		ls := &LangSentiment{Train: len(d.train[lang]), Test: len(d.test[lang])}
		res.Langs[lang] = ls
		for _, init := range []string{"pretrained", "scratch"} {
			src := pretrained.Bytes()
			if init == "scratch" {
				src = untrained.Bytes()
			}
			start := time.Now()
			var accs []string
			for seed := int64(1); seed <= int64(cfg.Seeds); seed++ {
				m, err := lm.Parse("demo LM", src)
				if err != nil {
					return nil, err
				}
				o := cfg.Train
				o.Seed = seed
				rep, err := fineTune(m, d.train[lang], d.test[lang], o, cfg.Head)
				if err != nil {
					return nil, fmt.Errorf("demo: %s %s classifier: %w", lang, init, err)
				}
				accs = append(accs, fmt.Sprintf("%.3f", rep.Accuracy))
				if init == "pretrained" {
					ls.PretrainedAcc = append(ls.PretrainedAcc, rep.Accuracy)
					if seed == 1 {
						ls.Pretrained = rep
					}
				} else {
					ls.ScratchAcc = append(ls.ScratchAcc, rep.Accuracy)
					if seed == 1 {
						ls.Scratch = rep
					}
				}
			}
			fmt.Fprintf(w, "  %s %-10s test accuracy %s (%s)\n", lang, init, strings.Join(accs, " "),
				time.Since(start).Round(100*time.Millisecond))
		}
	}

	what := "test accuracy"
	if cfg.Seeds > 1 {
		what += fmt.Sprintf(", mean of %d seeds", cfg.Seeds)
	}
	fmt.Fprintf(w, "\n%s:\n%-4s %6s %5s %11s %8s %7s\n", what, "lang", "train", "test", "pretrained", "scratch", "gain")
	for _, lang := range Langs {
		ls := res.Langs[lang]
		p, s := mean(ls.PretrainedAcc), mean(ls.ScratchAcc)
		fmt.Fprintf(w, "%-4s %6d %5d %11.3f %8.3f %+7.3f\n", lang, ls.Train, ls.Test, p, s, p-s)
	}
	for _, lang := range Langs {
		ls := res.Langs[lang]
		fmt.Fprintf(w, "\n%s sentiment classifier fine-tuned from the pretrained LM (seed 1), %d test reviews\n%s\n",
			lang, ls.Test, ls.Pretrained.Text(4))
		if err := ls.Pretrained.Confusion.WriteConfusion(w); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// fineTune trains a classifier on m's encoder with train and returns its
// classification report on test.
func fineTune(m *lm.LM, train, test []Review, o transfer.TrainOptions, head transfer.HeadConfig) (*metrics.Report, error) {
	c, err := transfer.New(m, Labels, head, rand.New(rand.NewSource(o.Seed)))
	if err != nil {
		return nil, err
	}
	exs := make([]transfer.Example, len(train))
	for i, r := range train {
		exs[i] = transfer.Example{Text: r.Text, Label: slices.Index(Labels, r.Label)}
	}
	if _, err := transfer.Train(c, exs, nil, o, nil, nil); err != nil {
		return nil, err
	}
	texts := make([]string, len(test))
	for i, r := range test {
		texts[i] = r.Text
	}
	conf := metrics.NewConfusion(Labels)
	for i, p := range c.PredictBatch(texts, 32) {
		conf.Add(slices.Index(Labels, test[i].Label), p)
	}
	return conf.Report(), nil
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
