package main

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/ngram/builder"
	"github.com/mulan-nlp/mulan/progress"
	"github.com/spf13/cobra"
)

func init() {
	ng := &cobra.Command{
		Use:   "ngram",
		Short: "N-gram language models: train (Kneser-Ney as lmplz, Katz as SRILM), query, binarize, mix",
		Long: `N-gram language models compatible with KenLM and SRILM.

  mulan ngram train     estimates an interpolated modified Kneser-Ney model (same
                        numbers as lmplz) or a Katz/Good-Turing model (as SRILM's
                        ngram-count) from tokenized text and writes it as ARPA
  mulan ngram query     scores text with an ARPA or binary model and prints KenLM's lines
  mulan ngram binarize  converts an ARPA model to the memory-mapped binary format
  mulan ngram mix       tunes interpolation weights by EM on held-out text and
                        writes the mixture as one back-off ARPA model`,
	}
	ng.AddCommand(ngramTrainCmd(), ngramQueryCmd(), ngramBinarizeCmd(), ngramMixCmd())
	register(ng)
}

func ngramTrainCmd() *cobra.Command {
	var (
		order       int
		text, arpa  string
		interpolate bool
		fallback    bool
		quiet       bool
		smoothing   string
		prune       []uint
		memory      string
		tempDir     string
		binaryOut   string
		lang        string
		lower       bool
	)
	cmd := &cobra.Command{
		Use:   "train --order N --text FILE[.gz] --arpa OUT.arpa [--smoothing kn|katz] [--prune C2 C3 ...] [--memory 1G]",
		Short: "Estimate a Kneser-Ney (as lmplz) or Katz (as SRILM) model and write it as ARPA",
		Long: `Estimate an interpolated modified Kneser-Ney n-gram model exactly as KenLM's lmplz
does (--smoothing kn, the default) or a Katz back-off model with Good-Turing
discounting as SRILM's ngram-count does by default (--smoothing katz: counts up
to 1 for unigrams and 7 above discounted, trigrams and longer seen once
dropped; <unk> kept as a word), and write it in the ARPA format.

The text is tokenized already: one sentence a line, words separated by spaces
or tabs; gzipped input is detected. Each line is padded with <s> and </s>.
With --lang en|zh|auto mulan tokenizes every line itself first, exactly as
'mulan tokenize --lang L [--lower]' would (English rules, gse segmentation of
Chinese, or routing by script), so raw text can be given; query, mix --tune
and every later use of the model must then tokenize the same way.
A literal <unk> in the text is the unknown word (lmplz would refuse it);
literal <s> and </s> are dropped with a warning. Discounts D1, D2, D3+ per
order come from the count-of-counts; on tiny or artificial data where they are
undefined, --discount-fallback substitutes lmplz's 0.5 1 1.5.

--prune 0 C2 C3 ... (Kneser-Ney only) drops n-grams of order n seen at most
Cn times, exactly as lmplz --prune: one value per order starting with the
unigrams, which cannot be pruned (so the first value is 0), non-decreasing,
the last one applying to the remaining orders. Counts are raw occurrence
counts; the pruned mass goes to the back-off, so the model still sums to one.

--memory 1G counts by external sort: batches of n-grams are sorted in that
much memory, written as sorted runs to --temp-dir and merged, so text larger
than memory can be counted (only the distinct n-grams must fit). Without it
counting happens in memory (4 bytes a token). Temporary files are removed,
also on errors.

The ARPA file (and with --binary the binary model) is written atomically
(a temporary file renamed into place).`,
		Example: `  mulan ngram train --order 5 --text ptb.train.txt --arpa ptb.o5.arpa
  mulan ngram train --order 3 --text corpus.txt.gz --arpa lm.arpa --interpolate-unigrams=false
  mulan ngram train --order 3 --text ptb.train.txt --arpa katz.arpa --smoothing katz
  mulan ngram train --order 3 --text raw_chinese.txt --lang zh --arpa zh.arpa
  mulan ngram train --order 5 --text big.txt.gz --arpa big.arpa --prune 0 0 1 --memory 2G --temp-dir /scratch`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if text == "" || (arpa == "" && binaryOut == "") {
				return fmt.Errorf("--text and --arpa (or --binary) are required")
			}
			if smoothing != "kn" && smoothing != "katz" {
				return fmt.Errorf("--smoothing %q: want kn or katz", smoothing)
			}
			var thresholds []uint64
			for _, p := range prune {
				thresholds = append(thresholds, uint64(p))
			}
			// lmplz's syntax: --prune 0 1 1, the values after the first
			// arrive as arguments.
			for _, a := range args {
				if !cmd.Flags().Changed("prune") {
					return fmt.Errorf("unexpected argument %q", a)
				}
				v, err := strconv.ParseUint(a, 10, 64)
				if err != nil {
					return fmt.Errorf("--prune value %q: %w", a, err)
				}
				thresholds = append(thresholds, v)
			}
			if len(thresholds) > 0 && smoothing != "kn" {
				return fmt.Errorf("--prune applies to Kneser-Ney; Katz drops rare n-grams by its minimum counts")
			}
			var memBytes int64
			if memory != "" {
				var err error
				if memBytes, err = builder.ParseMemory(memory); err != nil {
					return fmt.Errorf("--memory: %w", err)
				}
			}
			logw := cmd.ErrOrStderr()
			if quiet {
				logw = io.Discard
			}
			warn := func(msg string) { fmt.Fprintln(logw, "warning:", msg) }
			start := time.Now()
			rc, err := ngram.OpenText(text)
			if err != nil {
				return err
			}
			defer rc.Close()
			in, err := ngramTokenized(rc, lang, lower)
			if err != nil {
				return err
			}
			defer in.Close()
			var rep *progress.Reporter
			if !quiet {
				rep = progress.New(logw, "counting", "lines", 0)
			}
			counts, err := builder.CountText(in, text, builder.CountOptions{Order: order, Progress: rep, Warn: warn,
				Memory: memBytes, TempDir: tempDir})
			rep.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(logw, "Unigram tokens %d types %d\n", counts.Tokens+counts.Lines, counts.Vocab.Size())
			var m *ngram.Model
			if smoothing == "katz" {
				kopt := builder.DefaultKatzOptions()
				kopt.Warn = warn
				var gts []builder.GoodTuring
				if m, gts, err = builder.EstimateKatz(counts, kopt); err != nil {
					return err
				}
				for _, g := range gts {
					fmt.Fprintf(logw, "%d %d min %d max %d GT", g.N, g.Count, g.MinCount, g.MaxCount)
					for r := 1; r < len(g.Coeff); r++ {
						fmt.Fprintf(logw, " d%d=%.6g", r, g.Coeff[r])
					}
					fmt.Fprintln(logw)
				}
			} else {
				opt := builder.DefaultKNOptions()
				opt.InterpolateUnigrams = interpolate
				opt.DiscountFallback = fallback
				opt.Prune = thresholds
				opt.Warn = warn
				var stats []builder.OrderStats
				if m, stats, err = builder.EstimateKN(counts, opt); err != nil {
					return err
				}
				for _, s := range stats {
					fmt.Fprintf(logw, "%d %d D1=%s D2=%s D3+=%s\n", s.N, s.Count,
						ngram.FormatFloat32(s.Discount[1]), ngram.FormatFloat32(s.Discount[2]), ngram.FormatFloat32(s.Discount[3]))
				}
			}
			if arpa != "" {
				if err := modelfile.WriteAtomic(arpa, func(w io.Writer) error { return ngram.WriteARPA(w, m) }); err != nil {
					return err
				}
				fmt.Fprintf(logw, "wrote %s in %s\n", arpa, time.Since(start).Round(time.Millisecond))
			}
			if binaryOut != "" {
				if err := ngram.SaveBinary(binaryOut, m); err != nil {
					return err
				}
				fmt.Fprintf(logw, "wrote %s in %s\n", binaryOut, time.Since(start).Round(time.Millisecond))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&order, "order", "o", 0, "n-gram order (1..16)")
	f.StringVar(&text, "text", "", "training text, one tokenized sentence a line (gzip detected)")
	f.StringVar(&arpa, "arpa", "", "output ARPA file")
	f.BoolVar(&interpolate, "interpolate-unigrams", true, "interpolate unigrams with the uniform distribution (false: give the mass to <unk>, as SRILM)")
	f.BoolVar(&fallback, "discount-fallback", false, "substitute D1=0.5 D2=1 D3+=1.5 when discounts are undefined or out of range")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing but errors")
	f.StringVar(&smoothing, "smoothing", "kn", "kn (interpolated modified Kneser-Ney, as lmplz) or katz (Good-Turing + Katz back-off, as SRILM)")
	f.UintSliceVar(&prune, "prune", nil, "lmplz pruning thresholds per order from unigrams (0) on, e.g. --prune 0 0 1 (Kneser-Ney only)")
	f.StringVar(&memory, "memory", "", "count by external sort within this much memory, e.g. 1G or 200M (default: in memory)")
	f.StringVar(&tempDir, "temp-dir", "", "directory for external-sort runs (default: the system temporary directory)")
	f.StringVar(&binaryOut, "binary", "", "also (or instead of --arpa) write the model in the binary format")
	addLangFlags(f, &lang, &lower)
	cmd.MarkFlagRequired("order")
	return cmd
}

func ngramQueryCmd() *cobra.Command {
	var (
		model     string
		verbosity string
		verify    bool
		lang      string
		lower     bool
	)
	cmd := &cobra.Command{
		Use:   "query --model M.arpa[.gz]|M.bin [--verbose summary|sentence|word] < TEXT",
		Short: "Score text with an n-gram model and print KenLM's query lines",
		Long: `Score tokenized text (one sentence a line, from standard input or --text) with
an ARPA or binary model (the format is detected; a binary model is mapped
into memory, not parsed), as KenLM's query does in sentence context: every line is scored
after <s>, </s> is scored at its end and counted as a token, and words outside
the vocabulary (a literal <unk> too) score as <unk>, are counted as OOVs and
left out of the second perplexity.

The text is tokenized already unless --lang en|zh|auto asks mulan to tokenize
each line first (as 'mulan tokenize --lang L [--lower]' does); use the same
tokenization the model was trained with.

A binary model is opened lazily: the header, the vocabulary and the size of
every table are checked, and the tables themselves are read only where
scoring touches them, so loading costs little more than reading the
vocabulary. A corrupted table then goes unnoticed (wrong scores, never a
crash); --verify checks the whole file's checksum and the tables' structure
first (about 30 ms of CPU for a 100 MB model). Lines are scored in parallel
batches on every core; the output is the same as a sequential scan's.

--verbose sentence (the default) prints "Total: <log10> OOV: <n>" per line;
word also prints each word as word=id order log10prob before it; every level
ends with the summary:
  Perplexity including OOVs:	<float>
  Perplexity excluding OOVs:	<float>
  OOVs:	<n>
  Tokens:	<n>`,
		Example: `  mulan ngram query --model ptb.o5.arpa < ptb.test.txt
  mulan ngram query --model lm.arpa.gz --verbose summary --text test.txt
  mulan ngram query --model zh.bin --lang zh --verify < raw_chinese_test.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := ngram.ParseVerbosity(verbosity)
			if err != nil {
				return err
			}
			if model == "" {
				return fmt.Errorf("--model is required")
			}
			load := ngram.LoadLazy
			if verify {
				load = ngram.Load
			}
			m, err := load(model)
			if err != nil {
				return err
			}
			in := cmd.InOrStdin()
			if textFlag := cmd.Flag("text").Value.String(); textFlag != "" && textFlag != "-" {
				rc, err := ngram.OpenText(textFlag)
				if err != nil {
					return err
				}
				defer rc.Close()
				in = rc
			}
			tin, err := ngramTokenized(in, lang, lower)
			if err != nil {
				return err
			}
			defer tin.Close()
			_, err = ngram.Query(m, tin, cmd.OutOrStdout(), v)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&model, "model", "m", "", "ARPA model (gzip detected) or binary model (mulan ngram binarize)")
	f.StringVarP(&verbosity, "verbose", "v", "sentence", "summary, sentence or word")
	f.String("text", "", "text to score instead of standard input (gzip detected)")
	f.BoolVar(&verify, "verify", false, "check a binary model's checksum and tables in full before scoring (slower to load)")
	addLangFlags(f, &lang, &lower)
	return cmd
}
