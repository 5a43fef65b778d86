package main

import (
	"fmt"
	"io"
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
		Short: "N-gram language models: train (modified Kneser-Ney, as KenLM's lmplz) and query (as KenLM's query)",
		Long: `N-gram language models compatible with KenLM.

  mulan ngram train   estimates an interpolated modified Kneser-Ney model from
                      tokenized text and writes it as ARPA (same numbers as lmplz)
  mulan ngram query   scores text with an ARPA model and prints KenLM's lines`,
	}
	ng.AddCommand(ngramTrainCmd(), ngramQueryCmd())
	register(ng)
}

func ngramTrainCmd() *cobra.Command {
	var (
		order       int
		text, arpa  string
		interpolate bool
		fallback    bool
		quiet       bool
	)
	cmd := &cobra.Command{
		Use:   "train --order N --text FILE[.gz] --arpa OUT.arpa",
		Short: "Estimate an interpolated modified Kneser-Ney model (as lmplz) and write it as ARPA",
		Long: `Estimate an interpolated modified Kneser-Ney n-gram model exactly as KenLM's lmplz
does and write it in the ARPA format.

The text is tokenized already: one sentence a line, words separated by spaces
or tabs; gzipped input is detected. Each line is padded with <s> and </s>.
A literal <unk> in the text is the unknown word (lmplz would refuse it);
literal <s> and </s> are dropped with a warning. Discounts D1, D2, D3+ per
order come from the count-of-counts; on tiny or artificial data where they are
undefined, --discount-fallback substitutes lmplz's 0.5 1 1.5. The ARPA file is
written atomically (a temporary file renamed into place).`,
		Example: `  mulan ngram train --order 5 --text ptb.train.txt --arpa ptb.o5.arpa
  mulan ngram train --order 3 --text corpus.txt.gz --arpa lm.arpa --interpolate-unigrams=false`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if text == "" || arpa == "" {
				return fmt.Errorf("--text and --arpa are required")
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
			var rep *progress.Reporter
			if !quiet {
				rep = progress.New(logw, "counting", "lines", 0)
			}
			counts, err := builder.CountText(rc, text, builder.CountOptions{Order: order, Progress: rep, Warn: warn})
			rep.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(logw, "Unigram tokens %d types %d\n", counts.Tokens+counts.Lines, counts.Vocab.Size())
			opt := builder.DefaultKNOptions()
			opt.InterpolateUnigrams = interpolate
			opt.DiscountFallback = fallback
			opt.Warn = warn
			m, stats, err := builder.EstimateKN(counts, opt)
			if err != nil {
				return err
			}
			for _, s := range stats {
				fmt.Fprintf(logw, "%d %d D1=%s D2=%s D3+=%s\n", s.N, s.Count,
					ngram.FormatFloat32(s.Discount[1]), ngram.FormatFloat32(s.Discount[2]), ngram.FormatFloat32(s.Discount[3]))
			}
			if err := modelfile.WriteAtomic(arpa, func(w io.Writer) error { return ngram.WriteARPA(w, m) }); err != nil {
				return err
			}
			fmt.Fprintf(logw, "wrote %s in %s\n", arpa, time.Since(start).Round(time.Millisecond))
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
	cmd.MarkFlagRequired("order")
	return cmd
}

func ngramQueryCmd() *cobra.Command {
	var (
		model     string
		verbosity string
	)
	cmd := &cobra.Command{
		Use:   "query --model M.arpa[.gz] [--verbose summary|sentence|word] < TEXT",
		Short: "Score text with an n-gram model and print KenLM's query lines",
		Long: `Score tokenized text (one sentence a line, from standard input or --text) with
an ARPA model, as KenLM's query does in sentence context: every line is scored
after <s>, </s> is scored at its end and counted as a token, and words outside
the vocabulary (a literal <unk> too) score as <unk>, are counted as OOVs and
left out of the second perplexity.

--verbose sentence (the default) prints "Total: <log10> OOV: <n>" per line;
word also prints each word as word=id order log10prob before it; every level
ends with the summary:
  Perplexity including OOVs:	<float>
  Perplexity excluding OOVs:	<float>
  OOVs:	<n>
  Tokens:	<n>`,
		Example: `  mulan ngram query --model ptb.o5.arpa < ptb.test.txt
  mulan ngram query --model lm.arpa.gz --verbose summary --text test.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v, err := ngram.ParseVerbosity(verbosity)
			if err != nil {
				return err
			}
			if model == "" {
				return fmt.Errorf("--model is required")
			}
			m, err := ngram.LoadARPA(model)
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
			_, err = ngram.Query(m, in, cmd.OutOrStdout(), v)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVarP(&model, "model", "m", "", "ARPA model (gzip detected)")
	f.StringVarP(&verbosity, "verbose", "v", "sentence", "summary, sentence or word")
	f.String("text", "", "text to score instead of standard input (gzip detected)")
	return cmd
}
