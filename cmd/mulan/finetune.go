package main

import (
	"fmt"
	"io"
	"math"
	mathrand "math/rand"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/linear"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/transfer"
	"github.com/mulan-nlp/mulan/vocab"
)

// finetuneClassifyOnly are the finetune flags that only --task classify uses.
var finetuneClassifyOnly = append([]string{"arch", "dim", "word-ngrams", "bucket", "threads", "text-col", "label-col", "encoding", "lower", "train-size"}, finetuneNeuralOnly...)

// finetuneNeuralOnly are the flags only the neural classifiers (--arch rnn,
// lstm, transformer) use.
var finetuneNeuralOnly = []string{"base", "tokenizer", "emb", "layers", "heads", "context", "max-len", "head-hidden",
	"factor", "no-discriminative", "no-unfreeze", "no-stlr", "batchnorm", "start-marker", "drop-mult", "select", "dev-fraction"}

// finetuneLinearOnly are the --task classify flags the neural classifiers
// refuse.
var finetuneLinearOnly = []string{"dim", "word-ngrams", "bucket", "threads", "lang", "lower"}

// finetuneSharedWithNER are tagger flags the neural classifiers also read.
var finetuneSharedWithNER = []string{"batch", "clip", "hidden"}

// refuseFlags returns an error naming the first of flags that was given
// (set reports that) although it is not used in this case (why: "by --task
// ner", "with tagger models").
func refuseFlags(set func(string) bool, why string, flags []string) error {
	for _, f := range flags {
		if set(f) {
			return fmt.Errorf("--%s is not used %s", f, why)
		}
	}
	return nil
}

func init() {
	var (
		arch, train, valid, out string
		data                    dataFlags
		lang                    string
		lower, quiet            bool
		seed                    uint64
		task                    string
		trainSize               int
		ner                     nerTrainFlags
		nf                      neuralFlags
	)
	cfg := linear.DefaultConfig()
	c := &cobra.Command{
		Use:   "finetune [--task classify|ner] --train FILE [--valid FILE] --out MODEL [options]",
		Short: "Train a text classifier (fastText-style linear model or fine-tuned neural LM) or a named-entity tagger (BiLSTM-CRF)",
		Long: `Finetune trains a text classifier on a labelled file and writes it as a model
file that 'mulan evaluate' and 'mulan predict' read.

--arch linear is a fastText-style supervised classifier: the embeddings of the
words and of hashed word n-grams (--word-ngrams, --bucket) are averaged and fed
to a softmax layer, trained by SGD whose learning rate decays linearly to 0,
by --threads goroutines updating shared weights without locks (Hogwild), as
fastText does. The defaults are fastText's supervised defaults (dim 100, lr
0.1, 5 epochs, unigrams, 2M buckets, min count 1). With --threads 1 a run is
reproducible bit for bit given --seed; with several threads it is not, as
with fastText.

--arch rnn, lstm or transformer is ULMFiT-style transfer learning: the
encoder of a neural language model (--base, written by 'mulan pretrain'; or,
without --base, a fresh one of that architecture trained from scratch on the
task, sized by --emb, --hidden, --layers, --heads, --context, with the
--tokenizer vocabulary of the training texts) is followed by concat pooling
([last, max, mean] of the top layer over each text) and a head (dropout 0.4,
dense --head-hidden units with ReLU, dropout 0.1, dense to the labels;
--batchnorm adds ULMFiT's batch norm before each dropout; --drop-mult scales
the head's and the encoder's dropouts, as fastai's drop_mult; --start-marker
reads each text after the line marker </s>, as pretraining read every line). Training
uses Adam with three techniques, each switchable off: discriminative learning
rates (the head at --lr, each layer group below at the one above divided by
--factor; --no-discriminative), gradual unfreezing (epoch e trains the top e
groups: the head, then also the top layer, ...; --no-unfreeze) and the
slanted triangular schedule (--no-stlr). Batches (--batch, default 32) hold
texts of similar length, padded; texts are cut at --max-len tokens. Defaults:
--epoch 4, --lr 0.01 (transformer: 0.001), no --clip. Dev accuracy is printed after every epoch.
The dev data is --valid or, without it, --dev-fraction F: a stratified random
fraction F of the training examples held out (seeded by --seed; every label
keeps a training example). With dev data the weights of the epoch with the
best dev accuracy (ties: the lower dev loss, then the earlier epoch) are kept
and written (--select best, the default); --select last keeps the last
epoch's. The kept epoch is printed. A dev label that the training data
lacks is an error. The model file holds the fine-tuned LM with its tokenizer
and vocabulary.

The training file holds one example per record: TSV/CSV with a header (text
and label columns found by name, or --text-col/--label-col), JSON lines,
fastText lines (__label__x text; several labels per line are all used) or
'label text' lines. --format is taken from the extension when omitted.

Texts are tokenized by --lang: en (English rules), zh (Chinese word
segmentation, other text by the English rules), auto (both, by script), chars
(characters) or space (split at whitespace only, as fastText does, for data
that is tokenized already); --lower lowercases. The model file records the
tokenizer and the label set, so evaluate and predict tokenize identically.

With --valid the accuracy on that file is printed at the end.

--train-size N (--arch linear and the neural architectures) trains on a
stratified random sample of N of the training examples, for learning curves:
each label's share of the sample is its share of the file (rounded), every
label is present when N is at least the number of labels, and the sample
depends only on the file, N and --seed (with one seed a larger sample holds
a smaller one as long as no label's share shrinks). It is an error when the
file holds fewer than N examples. --dev-fraction is then taken out of the N.

--task ner trains a BiLSTM-CRF named-entity tagger, exactly as 'mulan ner
train' does (same flags and defaults; --epoch sets the maximum number of
epochs, --valid is the dev file that selects the best epoch, --lang is en or
zh, --format conll or chars). Flags of one task are refused with the other.

` + nerTrainLong + `

'mulan evaluate' and 'mulan predict' accept the tagger files it writes.`,
		Example: `  mulan finetune --arch linear --train sst2/train.tsv --valid sst2/dev.tsv --word-ngrams 2 --out sst2.lin
  mulan finetune --arch linear --train chnsenticorp/train.tsv --valid chnsenticorp/dev.tsv --lang zh --out zh.lin
  mulan finetune --arch linear --train trec/train.tsv --label-col coarse --text-col question --lang en --out trec.lin
  mulan finetune --arch lstm --base wiki.lm --train sst2/train.tsv --valid sst2/dev.tsv --out sst2.clf
  mulan finetune --arch lstm --tokenizer word --emb 100 --hidden 100 --layers 1 --train sst2/train.tsv --valid sst2/dev.tsv --out scratch.clf
  mulan finetune --arch lstm --base wiki.lm --train trec/train.tsv --label-col coarse --text-col question --dev-fraction 0.1 --out trec.clf
  mulan finetune --arch linear --train sst2/train.tsv --valid sst2/dev.tsv --train-size 500 --seed 3 --out sst2-500.lin
  mulan finetune --task ner --train conll2003_en/train.txt --valid conll2003_en/valid.txt --out en.ner
  mulan finetune --task ner --lang zh --scheme bio --train resume_ner_zh/train.char.bmes --valid resume_ner_zh/dev.char.bmes --out resume.ner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set := cmd.Flags().Changed
			switch task {
			case "classify":
				if arch == "rnn" || arch == "lstm" || arch == "transformer" {
					own := slices.DeleteFunc(slices.Clone(ner.own), func(f string) bool { return slices.Contains(finetuneSharedWithNER, f) })
					if err := refuseFlags(set, "by --task classify", own); err != nil {
						return err
					}
					if err := refuseFlags(set, "with --arch "+arch, finetuneLinearOnly); err != nil {
						return err
					}
					nf.arch, nf.train, nf.valid, nf.out, nf.quiet, nf.seed = arch, train, valid, out, quiet, seed
					nf.trainSize = -1
					if set("train-size") {
						nf.trainSize = trainSize
					}
					nf.epochs, nf.lr, nf.minCount = 4, 0.01, 1
					if set("epoch") {
						nf.epochs = cfg.Epoch
					}
					if set("lr") {
						nf.lr = cfg.LR
					} else if arch == "transformer" {
						nf.lr = 0.001 // 0.01 drives a Transformer encoder to a constant prediction
					}
					if set("min-count") {
						nf.minCount = cfg.MinCount
					}
					nf.batch, nf.clip, nf.hidden = 32, 0, 0
					if set("batch") {
						nf.batch = ner.opts.Config.Batch
					}
					if set("clip") {
						nf.clip = ner.opts.Config.Clip
					}
					if set("hidden") {
						nf.hidden = ner.opts.Config.Hidden
					}
					return runTransferClassify(&nf, &data, set, cmd.OutOrStdout(), cmd.ErrOrStderr())
				}
				if err := refuseFlags(set, "by --task classify", ner.own); err != nil {
					return err
				}
				if err := refuseFlags(set, "with --arch "+arch, finetuneNeuralOnly); err != nil {
					return err
				}
			case "ner":
				classifyOnly := slices.DeleteFunc(slices.Clone(finetuneClassifyOnly), func(f string) bool { return f == "base" })
				if err := refuseFlags(set, "by --task ner", classifyOnly); err != nil {
					return err
				}
				n := ner
				if set("lang") {
					n.lang = lang
				} else {
					n.lang = "en"
				}
				n.opts.Train, n.opts.Valid, n.opts.Out, n.opts.Base = train, valid, out, nf.base
				n.opts.Format, n.opts.Quiet = data.format, quiet
				c := &n.opts.Config
				if set("min-count") {
					c.MinCount = cfg.MinCount
				}
				if set("lr") {
					c.LR = cfg.LR
				}
				if set("epoch") {
					c.Epochs = cfg.Epoch
				}
				if set("seed") {
					if seed > math.MaxInt64 {
						return fmt.Errorf("--seed %d: too large for a tagger (at most %d)", seed, int64(math.MaxInt64))
					}
					c.Seed = int64(seed)
				}
				o, err := n.options(set)
				if err != nil {
					return err
				}
				return runNERTrain(o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			default:
				return fmt.Errorf("unknown --task %q (available: classify, ner)", task)
			}
			switch arch {
			case "linear":
			case "":
				return fmt.Errorf("finetune needs --arch (linear, rnn, lstm or transformer)")
			default:
				return fmt.Errorf("unknown --arch %q (available: linear, rnn, lstm, transformer)", arch)
			}
			if train == "" || out == "" {
				return fmt.Errorf("finetune needs --train and --out")
			}
			if cfg.Threads == 0 {
				cfg.Threads = runtime.GOMAXPROCS(0)
			}
			cfg.Tokenizer = linear.TokenizerSpec{Lang: lang, Lower: lower}
			if err := cfg.Validate(); err != nil {
				return err
			}
			recs, err := readLabelled(train, &data)
			if err != nil {
				return err
			}
			if set("train-size") {
				all := len(recs)
				if recs, err = sampleTraining(train, recs, trainSize, seed); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "using a stratified sample of %d of the %d training examples (--seed %d)\n", len(recs), all, seed)
			}
			log := cmd.ErrOrStderr()
			if quiet {
				log = nil
			}
			m, st, err := linear.Train(train, recs, cfg, rand.New(rand.NewPCG(seed, 0x6d756c616e)), log)
			if err != nil {
				return err
			}
			if err := m.Save(out); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "trained %s on %d examples (%d tokens/epoch, %d words, %d n-gram rows, %d labels: %s) in %v, mean loss %.4f\n",
				arch, st.Examples, st.Tokens, st.Words, st.NgramRows, len(m.Labels()), strings.Join(m.Labels(), " "),
				st.Duration.Round(time.Millisecond), st.Loss)
			fmt.Fprintf(w, "wrote %s\n", out)
			if valid != "" {
				vrecs, err := readLabelled(valid, &data)
				if err != nil {
					return err
				}
				rep, err := classify(m, valid, vrecs)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "validation accuracy: %.4f (%d examples, %s)\n", rep.Accuracy, len(vrecs), valid)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&task, "task", "classify", "classify (text classifier) or ner (named-entity tagger)")
	f.StringVar(&arch, "arch", "", "model architecture: linear, rnn, lstm or transformer")
	f.StringVar(&train, "train", "", "labelled training file")
	f.StringVar(&valid, "valid", "", "labelled validation file (accuracy printed at the end)")
	f.StringVar(&out, "out", "", "model file to write")
	data.add(c)
	f.StringVar(&lang, "lang", "auto", "tokenizer: "+strings.Join(linear.Langs, ", "))
	f.BoolVar(&lower, "lower", false, "lowercase tokens")
	f.IntVar(&cfg.Dim, "dim", cfg.Dim, "embedding size")
	f.IntVar(&cfg.Epoch, "epoch", cfg.Epoch, "passes over the training data")
	f.Float64Var(&cfg.LR, "lr", cfg.LR, "initial learning rate (decays linearly to 0)")
	f.IntVar(&cfg.WordNgrams, "word-ngrams", cfg.WordNgrams, "longest word n-gram used as a feature (1: words only)")
	f.IntVar(&cfg.Bucket, "bucket", cfg.Bucket, "hash buckets for word n-grams")
	f.IntVar(&cfg.MinCount, "min-count", cfg.MinCount, "least number of occurrences of a word in the training data")
	f.IntVar(&cfg.Threads, "threads", 0, "training goroutines (0: one per CPU; 1: reproducible)")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	f.IntVar(&trainSize, "train-size", 0, "train on a stratified random sample of N training examples (seeded by --seed; default: all)")
	f.BoolVar(&quiet, "quiet", false, "no progress output")
	ner.add(f, false)
	nf.add(c)
	register(c)
}

// sampleTraining returns a stratified random sample of n of the training
// records read from path (corpus.SampleRecords), for --train-size.
func sampleTraining(path string, recs []corpus.Record, n int, seed uint64) ([]corpus.Record, error) {
	if n <= 0 {
		return nil, fmt.Errorf("--train-size %d: must be positive (omit it to train on every example)", n)
	}
	if n > len(recs) {
		return nil, fmt.Errorf("--train-size %d: %s holds only %d examples", n, path, len(recs))
	}
	return corpus.SampleRecords(recs, n, seed)
}

// neuralFlags are the settings of a neural (LM-based) classifier.
type neuralFlags struct {
	arch, train, valid, out, base, tokenizer string
	quiet                                    bool
	seed                                     uint64
	epochs, batch, minCount, hidden          int
	trainSize                                int // -1: all examples
	lr, clip, factor, devFraction, dropMult  float64
	selectEpoch                              string
	lmCfg                                    lm.Config
	head                                     transfer.HeadConfig
	noDisc, noUnfreeze, noSTLR, batchNorm    bool
}

func (n *neuralFlags) add(c *cobra.Command) {
	f := c.Flags()
	d := transfer.DefaultHead()
	n.head = d // dropouts and batch norm; the flags below set the rest
	f.StringVar(&n.base, "base", "", "pretrained language model (mulan pretrain): neural classifiers fine-tune its encoder (default: train one from scratch); --task ner uses its states as features (forward LM; see --base-backward)")
	f.StringVar(&n.tokenizer, "tokenizer", "word", "neural, from scratch: space, word, zh-word, char or subword:MODEL")
	f.IntVar(&n.lmCfg.Emb, "emb", 0, "neural, from scratch: embedding width (default: the architecture's, as in pretrain)")
	f.IntVar(&n.lmCfg.Layers, "layers", 0, "neural, from scratch: recurrent layers or transformer blocks")
	f.IntVar(&n.lmCfg.Heads, "heads", 0, "neural, from scratch: attention heads (transformer)")
	f.IntVar(&n.lmCfg.Context, "context", 0, "neural, from scratch: transformer positions")
	f.IntVar(&n.head.MaxLen, "max-len", d.MaxLen, "neural: tokens read per text (0: all; a transformer reads at most its context)")
	f.IntVar(&n.head.Hidden, "head-hidden", d.Hidden, "neural: hidden units of the classifier head")
	f.Float64Var(&n.factor, "factor", 2.6, "neural: learning-rate divisor from one layer group to the one below")
	f.BoolVar(&n.noDisc, "no-discriminative", false, "neural: one learning rate for all layer groups")
	f.BoolVar(&n.noUnfreeze, "no-unfreeze", false, "neural: train all layer groups from the first epoch")
	f.BoolVar(&n.noSTLR, "no-stlr", false, "neural: constant learning rate instead of the slanted triangular schedule")
	f.BoolVar(&n.batchNorm, "batchnorm", false, "neural: batch norm before each dropout of the classifier head (ULMFiT's head)")
	f.Float64Var(&n.dropMult, "drop-mult", 1, "neural: multiply every dropout rate (the encoder's and the head's) by this factor, as fastai's drop_mult")
	f.BoolVar(&n.head.StartMarker, "start-marker", false, "neural: read every text after the line marker </s>, as the LM read each line in pretraining")
	f.StringVar(&n.selectEpoch, "select", "best", "neural: epoch whose weights are written: best (best dev accuracy; needs dev data) or last")
	f.Float64Var(&n.devFraction, "dev-fraction", 0, "neural, without --valid: hold out this stratified random fraction of the training examples as dev data (seeded by --seed)")
}

// runTransferClassify trains an LM-based classifier (package transfer).
func runTransferClassify(n *neuralFlags, data *dataFlags, set func(string) bool, stdout, stderr io.Writer) error {
	if n.train == "" || n.out == "" {
		return fmt.Errorf("finetune needs --train and --out")
	}
	if n.base != "" {
		for _, fl := range []string{"tokenizer", "emb", "layers", "heads", "context", "hidden", "min-count"} {
			if set(fl) {
				return fmt.Errorf("--%s is not used with --base (the encoder is the pretrained LM's)", fl)
			}
		}
	}
	if n.seed > math.MaxInt64 {
		return fmt.Errorf("--seed %d: too large (at most %d)", n.seed, int64(math.MaxInt64))
	}
	if n.selectEpoch != "best" && n.selectEpoch != "last" {
		return fmt.Errorf("--select %q: want best or last", n.selectEpoch)
	}
	if set("dev-fraction") {
		if n.valid != "" {
			return fmt.Errorf("--dev-fraction is not used with --valid (the dev data is the --valid file)")
		}
		if !(n.devFraction > 0 && n.devFraction < 1) {
			return fmt.Errorf("--dev-fraction %v: want a fraction between 0 and 1 (e.g. 0.1)", n.devFraction)
		}
	}
	if set("select") && n.selectEpoch == "best" && n.valid == "" && !set("dev-fraction") {
		return fmt.Errorf("--select best needs dev data: give --valid FILE or --dev-fraction F")
	}
	recs, err := readLabelled(n.train, data)
	if err != nil {
		return err
	}
	if n.trainSize >= 0 {
		all := len(recs)
		if recs, err = sampleTraining(n.train, recs, n.trainSize, n.seed); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "using a stratified sample of %d of the %d training examples (--seed %d)\n", len(recs), all, n.seed)
	}
	var vrecs []corpus.Record
	devName := n.valid
	if n.valid != "" {
		if vrecs, err = readLabelled(n.valid, data); err != nil {
			return err
		}
	} else if n.devFraction > 0 {
		all := len(recs)
		if recs, vrecs, err = corpus.SplitRecords(recs, n.devFraction, n.seed); err != nil {
			return err
		}
		if len(vrecs) == 0 {
			return fmt.Errorf("--dev-fraction %v of %d training examples holds out none: give a larger fraction or --valid", n.devFraction, all)
		}
		devName = fmt.Sprintf("%s (held out)", n.train)
		fmt.Fprintf(stdout, "holding out %d of the %d training examples as dev data (--dev-fraction %v, stratified, --seed %d)\n", len(vrecs), all, n.devFraction, n.seed)
	}
	var labels []string
	for _, r := range recs {
		labels = append(labels, r.Label)
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	if len(labels) < 2 {
		return fmt.Errorf("%s: need at least 2 labels, found %d", n.train, len(labels))
	}
	id := make(map[string]int, len(labels))
	for i, l := range labels {
		id[l] = i
	}
	examples := func(name string, rs []corpus.Record) ([]transfer.Example, error) {
		exs := make([]transfer.Example, len(rs))
		for i, r := range rs {
			lab, ok := id[r.Label]
			if !ok {
				return nil, fmt.Errorf("%s:%d: label %q does not occur in the training data (labels: %s)", name, r.Line, r.Label, strings.Join(labels, ", "))
			}
			exs[i] = transfer.Example{Text: r.Text, Label: lab}
		}
		return exs, nil
	}
	trainEx, err := examples(n.train, recs)
	if err != nil {
		return err
	}
	devEx, err := examples(devName, vrecs)
	if err != nil {
		return err
	}
	var base *lm.LM
	if n.base != "" {
		if base, err = lm.Load(n.base); err != nil {
			return fmt.Errorf("--base: %w", explainModelFile(n.base, "a language model ('mulan pretrain')", err))
		}
		if base.Cfg.Arch != n.arch {
			return fmt.Errorf("--arch %s but %s is a %s language model", n.arch, n.base, base.Cfg.Arch)
		}
	} else {
		cfg, err := lm.DefaultConfig(n.arch)
		if err != nil {
			return err
		}
		for _, v := range []struct {
			dst *int
			val int
		}{{&cfg.Emb, n.lmCfg.Emb}, {&cfg.Hidden, n.hidden}, {&cfg.Layers, n.lmCfg.Layers}, {&cfg.Heads, n.lmCfg.Heads}, {&cfg.Context, n.lmCfg.Context}} {
			if v.val != 0 {
				*v.dst = v.val
			}
		}
		texts := make([]string, len(recs))
		for i, r := range recs {
			texts[i] = r.Text
		}
		if base, err = lm.NewFromLines(cfg, n.tokenizer, texts, vocab.Options{MinCount: int64(n.minCount)}, int64(n.seed)); err != nil {
			return fmt.Errorf("%s: a fresh %s encoder from the training texts (--tokenizer %s, --min-count %d): %w", n.train, n.arch, n.tokenizer, n.minCount, err)
		}
	}
	n.head.BatchNorm = n.batchNorm
	if n.dropMult != 1 {
		if !(n.dropMult >= 0) {
			return fmt.Errorf("--drop-mult %v: want a number ≥ 0", n.dropMult)
		}
		d, m := base.Cfg, float32(n.dropMult)
		d.DropEmb, d.DropIn, d.DropHidden, d.DropOut, d.DropWeight = m*d.DropEmb, m*d.DropIn, m*d.DropHidden, m*d.DropOut, m*d.DropWeight
		if err := base.SetDropouts(d); err != nil {
			return fmt.Errorf("--drop-mult %v: encoder %w", n.dropMult, err)
		}
		n.head.Drop1, n.head.Drop2 = m*n.head.Drop1, m*n.head.Drop2
		if n.head.Drop1 >= 1 || n.head.Drop2 >= 1 {
			return fmt.Errorf("--drop-mult %v: head dropout %v or %v is not below 1", n.dropMult, n.head.Drop1, n.head.Drop2)
		}
	}
	clf, err := transfer.New(base, labels, n.head, mathrand.New(mathrand.NewSource(int64(n.seed))))
	if err != nil {
		return err
	}
	o := transfer.TrainOptions{Epochs: n.epochs, Batch: n.batch, LR: n.lr, Clip: n.clip, Factor: n.factor,
		Discriminative: !n.noDisc, Unfreeze: !n.noUnfreeze, STLR: !n.noSTLR, SelectBest: n.selectEpoch == "best", Seed: int64(n.seed)}
	log := stderr
	if n.quiet {
		log = nil
	}
	from := "from scratch"
	if n.base != "" {
		from = "from " + n.base
	}
	fmt.Fprintf(stdout, "fine-tuning a %s classifier %s (%d layer groups + head, %d labels: %s) on %d examples\n",
		n.arch, from, len(clf.Groups())-1, len(labels), strings.Join(labels, " "), len(recs))
	stats, err := transfer.Train(clf, trainEx, devEx, o, log, func(st transfer.EpochStats) {
		fmt.Fprintf(stdout, "epoch %d: trained %s, loss %.4f, train accuracy %.4f", st.Epoch, strings.Join(st.Trained, "+"), st.Loss, st.TrainAcc)
		if len(vrecs) > 0 {
			fmt.Fprintf(stdout, ", dev accuracy %.4f", st.DevAcc)
		}
		fmt.Fprintf(stdout, " (%v)\n", st.Duration.Round(time.Millisecond))
	})
	if err != nil {
		return err
	}
	for _, st := range stats {
		if !st.Kept {
			continue
		}
		switch {
		case len(vrecs) == 0:
			fmt.Fprintf(stdout, "kept the last epoch (%d; no dev data to select by)\n", st.Epoch)
		case o.SelectBest:
			fmt.Fprintf(stdout, "kept epoch %d of %d: best dev accuracy %.4f (dev loss %.4f)\n", st.Epoch, len(stats), st.DevAcc, st.DevLoss)
		default:
			fmt.Fprintf(stdout, "kept the last epoch (%d, --select last): dev accuracy %.4f\n", st.Epoch, st.DevAcc)
		}
	}
	if err := clf.Save(n.out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", n.out)
	return nil
}
