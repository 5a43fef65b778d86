package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/linear"
)

// finetuneClassifyOnly are the finetune flags that only --task classify uses.
var finetuneClassifyOnly = []string{"arch", "dim", "word-ngrams", "bucket", "threads", "text-col", "label-col", "encoding", "lower"}

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
		ner                     nerTrainFlags
	)
	cfg := linear.DefaultConfig()
	c := &cobra.Command{
		Use:   "finetune [--task classify|ner] --train FILE [--valid FILE] --out MODEL [options]",
		Short: "Train a text classifier (fastText-style linear model) or a named-entity tagger (BiLSTM-CRF)",
		Long: `Finetune trains a text classifier on a labelled file and writes it as a model
file that 'mulan evaluate' and 'mulan predict' read.

--arch linear is a fastText-style supervised classifier: the embeddings of the
words and of hashed word n-grams (--word-ngrams, --bucket) are averaged and fed
to a softmax layer, trained by SGD whose learning rate decays linearly to 0,
by --threads goroutines updating shared weights without locks (Hogwild), as
fastText does. The defaults are fastText's supervised defaults (dim 100, lr
0.1, 5 epochs, unigrams, 2M buckets, min count 1). With --threads 1 a run is
reproducible bit for bit given --seed; with several threads it is not, as
with fastText. Neural architectures (fine-tuning a pretrained language model)
are not built yet.

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

--task ner trains a BiLSTM-CRF named-entity tagger, exactly as 'mulan ner
train' does (same flags and defaults; --epoch sets the maximum number of
epochs, --valid is the dev file that selects the best epoch, --lang is en or
zh, --format conll or chars). Flags of one task are refused with the other.

` + nerTrainLong + `

'mulan evaluate' and 'mulan predict' accept the tagger files it writes.`,
		Example: `  mulan finetune --arch linear --train sst2/train.tsv --valid sst2/dev.tsv --word-ngrams 2 --out sst2.lin
  mulan finetune --arch linear --train chnsenticorp/train.tsv --valid chnsenticorp/dev.tsv --lang zh --out zh.lin
  mulan finetune --arch linear --train trec/train.tsv --label-col coarse --text-col question --lang en --out trec.lin
  mulan finetune --task ner --train conll2003_en/train.txt --valid conll2003_en/valid.txt --out en.ner
  mulan finetune --task ner --lang zh --scheme bio --train resume_ner_zh/train.char.bmes --valid resume_ner_zh/dev.char.bmes --out resume.ner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set := cmd.Flags().Changed
			switch task {
			case "classify":
				if err := refuseFlags(set, "by --task classify", ner.own); err != nil {
					return err
				}
			case "ner":
				if err := refuseFlags(set, "by --task ner", finetuneClassifyOnly); err != nil {
					return err
				}
				n := ner
				if set("lang") {
					n.lang = lang
				} else {
					n.lang = "en"
				}
				n.opts.Train, n.opts.Valid, n.opts.Out = train, valid, out
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
				return fmt.Errorf("finetune needs --arch (linear)")
			case "rnn", "lstm", "transformer", "awd-lstm":
				return fmt.Errorf("--arch %s: fine-tuning neural classifiers is not built yet (available: linear)", arch)
			default:
				return fmt.Errorf("unknown --arch %q (available: linear)", arch)
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
	f.StringVar(&arch, "arch", "", "model architecture: linear (neural ones are not built yet)")
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
	f.BoolVar(&quiet, "quiet", false, "no progress output")
	ner.add(f, false)
	register(c)
}
