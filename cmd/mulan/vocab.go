package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/progress"
	"github.com/mulan-nlp/mulan/vocab"
)

func init() {
	var (
		inputs    []string
		out       string
		lang      string
		lower     bool
		chars     bool
		algorithm string
		opt       vocab.Options
		workers   int
	)
	c := &cobra.Command{
		Use:   "vocab --input FILE... [--min-count N] [--max-size N] [--lang en|zh|auto] --out VOCAB",
		Short: "Count tokens in text files and write a vocabulary",
		Long: `Vocab tokenizes every line of the input files (as 'mulan tokenize' does with the
same --lang, --lower and --chars), counts the tokens and writes a vocabulary:
the special tokens <pad> <unk> <s> </s> at ids 0-3, then every token seen at
least --min-count times, most frequent first (ties by token), cut to
--max-size entries in all. The file is text: a header line, then
"token<TAB>count" per id. A summary goes to stderr.`,
		Example: `  mulan vocab --input ptb.train.txt --lang en --min-count 2 --out ptb.vocab
  mulan vocab --input a.txt,b.txt.gz --lang auto --max-size 30000 --out enzh.vocab`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(inputs) == 0 {
				return fmt.Errorf("--input is required")
			}
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			tok, err := newTokenizer(lang, lower, chars, algorithm)
			if err != nil {
				return err
			}
			counts := vocab.NewCounter()
			for _, name := range inputs {
				if err := countFile(counts, name, tok, workers, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			v, err := vocab.Build(counts, opt)
			if err != nil {
				return err
			}
			if err := v.Save(out); err != nil {
				return err
			}
			cov := 0.0
			if counts.Total() > 0 {
				cov = float64(v.Covered()) / float64(counts.Total())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "vocab: %d tokens, %d distinct; kept %d (+%d special) with min count %d; coverage %.4f of token occurrences → %s\n",
				counts.Total(), counts.Len(), v.Len()-vocab.NumSpecial, vocab.NumSpecial, max(opt.MinCount, 1), cov, out)
			return nil
		},
	}
	f := c.Flags()
	f.StringSliceVar(&inputs, "input", nil, "text files, one text per line (repeat or comma-separate; .gz is decompressed)")
	f.StringVar(&out, "out", "", "vocabulary file to write")
	f.Int64Var(&opt.MinCount, "min-count", 1, "keep tokens seen at least this many times")
	f.IntVar(&opt.MaxSize, "max-size", 0, "maximum vocabulary size including the 4 special tokens (0: no limit)")
	f.StringVar(&lang, "lang", "auto", "language rules: en, zh or auto")
	f.BoolVar(&lower, "lower", false, "lowercase tokens")
	f.BoolVar(&chars, "chars", false, "character tokens instead of words")
	f.StringVar(&algorithm, "zh-algorithm", "shortest", "Chinese segmentation: shortest, dag or dag-hmm")
	f.IntVar(&workers, "workers", 0, "tokenizing goroutines (0: one per CPU)")
	register(c)
}

// countFile adds the tokens of one input file (gzip-compressed if it ends in .gz) to counts.
func countFile(counts *vocab.Counter, name string, tok interface{ Tokenize(string) []string }, workers int, log io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	var size int64 = -1
	if st, err := f.Stat(); err == nil && !strings.HasSuffix(name, ".gz") {
		size = st.Size()
	}
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	prog := progress.New(log, "counting "+name, "bytes", size)
	defer prog.Finish()
	return counts.CountText(name, r, tok, workers, prog)
}
