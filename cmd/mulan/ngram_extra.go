package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func ngramBinarizeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "binarize IN.arpa[.gz] OUT.bin",
		Short: "Convert an ARPA model to mulan's binary format, which loads by mmap",
		Long: `Convert an ARPA model (gzip detected) to mulan's binary n-gram format: the
model's flat arrays written contiguously and aligned in a checksummed
container, so that loading maps the file into memory and points the tables at
it without parsing or copying, and a hash table per order (KenLM's probing
layout with exact keys) that finds each n-gram with one lookup. mulan ngram
query (and ngram.Load) detect the format. The output is written atomically.
A truncated binary file, or one from an older mulan, is refused with an error
naming the file; a corrupted one by every command that reads the whole model
(mix, binarize) and by query --verify (plain query checks the header and
vocabulary only, to load fast).`,
		Example: `  mulan ngram binarize ptb.o5.arpa ptb.o5.bin
  mulan ngram query --model ptb.o5.bin --verbose summary < ptb.test.txt`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			m, err := ngram.Load(args[0])
			if err != nil {
				return err
			}
			if err := ngram.SaveBinary(args[1], m); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%v n-grams) in %s\n", args[1], m.Counts(), time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

func ngramMixCmd() *cobra.Command {
	var (
		models  []string
		weights []float64
		tune    string
		arpa    string
		binOut  string
		tol     float64
		quiet   bool
		lang    string
		lower   bool
	)
	cmd := &cobra.Command{
		Use:   "mix --model A --model B ... (--tune DEV | --weights a,b,...) [--arpa OUT.arpa]",
		Short: "Interpolate n-gram models with EM-tuned weights (as SRILM compute-best-mix) and write one ARPA",
		Long: `Linearly interpolate back-off n-gram models (ARPA or binary).

With --tune DEV the weights are estimated by EM on the held-out text DEV (one
tokenized sentence a line, scored with <s> context and </s> counted, as
query does), as SRILM's compute-best-mix does: each step sets every weight to
the mean over tokens of its model's share of the mixture probability, until
no weight moves more than --tol. Words that no model knows are left out; a
word outside one model's vocabulary has probability 0 in it. The weights and
the dev perplexity of the mixture and of each model alone are printed.
--weights gives the weights directly instead. With --lang en|zh|auto the
held-out text is raw and mulan tokenizes it first, as 'mulan tokenize' does.

With --arpa (or --binary) the mixture is written as one back-off model as
SRILM's ngram -mix-lm -write-lm does: the union of the models' n-grams, each
with the interpolated probability computed through every model's back-off,
and back-off weights recomputed so that every context sums to one.`,
		Example: `  mulan ngram mix --model kn3.arpa --model katz3.arpa --tune ptb.valid.txt
  mulan ngram mix --model a.bin --model b.arpa --tune dev.txt --arpa mixed.arpa
  mulan ngram mix --model a.arpa --model b.arpa --weights 0.7,0.3 --arpa mixed.arpa`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(models) < 2 {
				return fmt.Errorf("give at least two --model")
			}
			if (tune == "") == (len(weights) == 0) {
				return fmt.Errorf("give either --tune DEV or --weights")
			}
			logw := cmd.ErrOrStderr()
			if quiet {
				logw = io.Discard
			}
			var ms []*ngram.Model
			for _, path := range models {
				m, err := ngram.Load(path)
				if err != nil {
					return err
				}
				ms = append(ms, m)
			}
			out := cmd.OutOrStdout()
			if tune != "" {
				rc, err := ngram.OpenText(tune)
				if err != nil {
					return err
				}
				in, err := ngramTokenized(rc, lang, lower)
				if err != nil {
					rc.Close()
					return err
				}
				res, err := ngram.TuneMix(ms, in, ngram.MixOptions{Tol: tol})
				in.Close()
				rc.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", tune, err)
				}
				weights = res.Weights
				var b strings.Builder
				for i, path := range models {
					fmt.Fprintf(&b, "model %d %s\tweight %.6f\tperplexity %.4f\n", i+1, path, res.Weights[i], res.ModelPerplexity[i])
				}
				fmt.Fprintf(&b, "mixture perplexity %.4f on %d tokens of %s (%d unknown to every model left out), %d EM iterations\n",
					res.Perplexity, res.Tokens, tune, res.Skipped, res.Iterations)
				if _, err := io.WriteString(out, b.String()); err != nil {
					return err
				}
			} else if len(weights) != len(models) {
				return fmt.Errorf("%d weights for %d models", len(weights), len(models))
			}
			if arpa == "" && binOut == "" {
				return nil
			}
			var sum float64
			for _, w := range weights {
				if w < 0 {
					return fmt.Errorf("negative weight %v", w)
				}
				sum += w
			}
			if sum <= 0 {
				return fmt.Errorf("weights sum to %v", sum)
			}
			norm := make([]float64, len(weights))
			for i, w := range weights {
				norm[i] = w / sum
			}
			start := time.Now()
			mixed, err := ngram.Mix(ms, norm, func(msg string) { fmt.Fprintln(logw, "warning:", msg) })
			if err != nil {
				return err
			}
			if arpa != "" {
				if err := modelfile.WriteAtomic(arpa, func(w io.Writer) error { return ngram.WriteARPA(w, mixed) }); err != nil {
					return err
				}
				fmt.Fprintf(logw, "wrote %s (%v n-grams) in %s\n", arpa, mixed.Counts(), time.Since(start).Round(time.Millisecond))
			}
			if binOut != "" {
				if err := ngram.SaveBinary(binOut, mixed); err != nil {
					return err
				}
				fmt.Fprintf(logw, "wrote %s in %s\n", binOut, time.Since(start).Round(time.Millisecond))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&models, "model", "m", nil, "model to mix, ARPA or binary (repeat)")
	f.StringVar(&tune, "tune", "", "held-out text to tune the weights on by EM (gzip detected)")
	f.Float64SliceVar(&weights, "weights", nil, "fixed weights instead of --tune, one per model (normalised)")
	f.StringVar(&arpa, "arpa", "", "write the mixture as one back-off ARPA model")
	f.StringVar(&binOut, "binary", "", "write the mixture in the binary format")
	f.Float64Var(&tol, "tol", 1e-5, "EM stops when no weight moves more than this")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing but results and errors")
	addLangFlags(f, &lang, &lower)
	return cmd
}

// addLangFlags adds --lang and --lower, which make the ngram commands
// tokenize their text themselves.
func addLangFlags(f *pflag.FlagSet, lang *string, lower *bool) {
	f.StringVar(lang, "lang", "", "tokenize each line first: en (English rules), zh (gse Chinese segmentation) or auto (by script); default: the text is tokenized already")
	f.BoolVar(lower, "lower", false, "with --lang, lowercase the tokens")
}

// ngramTokenized returns r as it is when lang is empty, else a reader of its
// lines tokenized for lang as 'mulan tokenize --lang' does: one line of
// tokens separated by single spaces per input line (empty lines kept), so
// line numbers in errors still point into the input. Lines are tokenized in
// parallel batches by package tokenize; Close stops them.
func ngramTokenized(r io.Reader, lang string, lower bool) (io.ReadCloser, error) {
	if lang == "" {
		if lower {
			return nil, fmt.Errorf("--lower needs --lang")
		}
		return io.NopCloser(r), nil
	}
	tok, err := newTokenizer(lang, lower, false, "shortest")
	if err != nil {
		return nil, fmt.Errorf("--lang: %w", err)
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := tokenize.Lines(pw, r, tok, 0)
		pw.CloseWithError(err)
	}()
	return pr, nil
}
