package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/linear"
)

func init() {
	var (
		arch, train, valid, out string
		data                    dataFlags
		lang                    string
		lower, quiet            bool
		seed                    uint64
	)
	cfg := linear.DefaultConfig()
	c := &cobra.Command{
		Use:   "finetune --arch linear --train FILE [--valid FILE] --out MODEL [options]",
		Short: "Train a text classifier on labelled data (today: the fastText-style linear model)",
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

With --valid the accuracy on that file is printed at the end.`,
		Example: `  mulan finetune --arch linear --train sst2/train.tsv --valid sst2/dev.tsv --word-ngrams 2 --out sst2.lin
  mulan finetune --arch linear --train chnsenticorp/train.tsv --valid chnsenticorp/dev.tsv --lang zh --out zh.lin
  mulan finetune --arch linear --train trec/train.tsv --label-col coarse --text-col question --lang en --out trec.lin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
	register(c)
}
