package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/progress"
)

func init() {
	var (
		models  []string
		weights []float64
		tune    string
		out     string
		carry   bool
		tol     float64
		maxIter int
	)
	c := &cobra.Command{
		Use:   "mix --model A --model B ... (--tune DEV | --weights a,b,...) --out MIX",
		Short: "Mix language models of any kind (n-gram and neural) by linear interpolation",
		Long: `Mix combines language models that share a word vocabulary, n-gram models
(ARPA or binary) and neural LMs (lm files with the "space" tokenizer) alike,
as p(w|h) = Σ λ_i p_i(w|h). With --tune the weights are estimated by EM on
held-out text (λ_i ← mean over tokens of λ_i p_i / Σ_j λ_j p_j, from uniform
weights until no weight moves more than --tol); each iteration is printed,
then the perplexity of every member and of the mixture on DEV. --weights
sets them instead. The mixture is written as a small JSON manifest naming
the member files (relative to the manifest) and their weights; it is read by
'mulan mix perplexity' and by ensemble.Load.

Scoring is sentence-level, as KenLM's query: one whitespace-tokenized sentence
a line (blank lines skipped), every word predicted from the earlier words of
its line, then </s>, which counts as a token; words outside the vocabulary
are scored as <unk> by every member and counted. A neural member starts each
line from a zero state, or with --carry continues the state of the previous
line as lm's streaming evaluation does. Models whose vocabularies differ,
neural LMs with another tokenizer, and backward LMs are refused.`,
		Example: `  mulan ngram train --order 5 --text ptb.train.txt --arpa kn5.arpa
  mulan mix --model kn5.arpa --model ptb.lm --tune ptb.valid.txt --out ptb.mix
  mulan mix perplexity --model ptb.mix --text ptb.test.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(models) == 0 || out == "" {
				return fmt.Errorf("--model (at least one) and --out are required")
			}
			if (tune == "") == (weights == nil) {
				return fmt.Errorf("give exactly one of --tune DEV and --weights")
			}
			var members []ensemble.LM
			for _, p := range models {
				m, err := ensemble.Open(p, carry)
				if err != nil {
					return err
				}
				members = append(members, m)
			}
			mix, err := ensemble.NewMixture(members, weights)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			var tuned *ensemble.Tuning
			if tune != "" {
				text, probs, err := scoreFile(cmd, members, tune)
				if err != nil {
					return err
				}
				res, err := mix.Tune(probs, ngram.MixOptions{Tol: tol, MaxIter: maxIter}, func(it ensemble.Iteration) {
					fmt.Fprintf(w, "iteration %d: weights %s perplexity %.4f change %.3g\n", it.N, fmtWeights(it.Weights), it.Perplexity, it.Delta)
				})
				if err != nil {
					return err
				}
				memb, ppl := ensemble.Perplexities(probs, mix.Weights)
				tuned = &ensemble.Tuning{Dev: tune, Tokens: text.Tokens, Iterations: res.Iterations, Perplexity: ppl, MemberPerplexity: memb}
				fmt.Fprintf(w, "EM converged after %d iterations on %s (%d lines, %d tokens)\n", res.Iterations, tune, len(text.Lines), text.Tokens)
				printTable(w, members, mix.Weights, memb, ppl)
			}
			if err := mix.Save(out, tuned); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s\n", out)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&models, "model", nil, "member model file (repeat): n-gram ARPA/binary or neural LM")
	f.Float64SliceVar(&weights, "weights", nil, "fixed weights, one per model, instead of --tune")
	f.StringVar(&tune, "tune", "", "held-out text to tune the weights on by EM")
	f.StringVar(&out, "out", "", "mixture manifest to write (JSON)")
	f.BoolVar(&carry, "carry", false, "neural members carry their state from line to line")
	f.Float64Var(&tol, "tol", 1e-5, "EM stops when no weight moves more than this")
	f.IntVar(&maxIter, "max-iter", 1000, "EM iterations at most")

	var model, textFile string
	p := &cobra.Command{
		Use:   "perplexity --model MIX --text FILE",
		Short: "Perplexity of a text under a mixture and under each of its members",
		Long: `Perplexity scores FILE (one whitespace-tokenized sentence a line, blank lines
skipped) with every member of the mixture MIX written by 'mulan mix', as
'mulan mix' scores (sentence-level, </s> counted, unknown words as <unk>),
and prints each member's perplexity and weight and the mixture's.`,
		Example: `  mulan mix perplexity --model ptb.mix --text ptb.test.txt`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" || textFile == "" {
				return fmt.Errorf("--model and --text are required")
			}
			return mixPerplexity(cmd, model, textFile)
		},
	}
	p.Flags().StringVar(&model, "model", "", "mixture manifest written by mulan mix")
	p.Flags().StringVar(&textFile, "text", "", "text file to score")
	c.AddCommand(p)
	register(c)
}

// mixPerplexity prints the perplexity of a text under the mixture saved in
// manifest and under each member ('mulan mix perplexity', and 'mulan
// perplexity' given a manifest).
func mixPerplexity(cmd *cobra.Command, manifest, textFile string) error {
	mix, _, err := ensemble.Load(manifest)
	if err != nil {
		return err
	}
	text, probs, err := scoreFile(cmd, mix.Members, textFile)
	if err != nil {
		return err
	}
	memb, ppl := ensemble.Perplexities(probs, mix.Weights)
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "perplexity %.4f\ntokens %d\nlines %d\n", ppl, text.Tokens, len(text.Lines))
	printTable(w, mix.Members, mix.Weights, memb, ppl)
	return nil
}

// scoreFile reads a text file and scores it with every member.
func scoreFile(cmd *cobra.Command, members []ensemble.LM, name string) (*ensemble.Text, []float64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	text, err := ensemble.ReadText(name, f)
	if err != nil {
		return nil, nil, err
	}
	prog := progress.New(cmd.ErrOrStderr(), "scoring "+name, "tokens", int64(text.Tokens*len(members)))
	probs, err := ensemble.Probs(members, text, prog)
	prog.Finish()
	return text, probs, err
}

func fmtWeights(w []float64) string {
	s := make([]string, len(w))
	for i, x := range w {
		s[i] = fmt.Sprintf("%.6f", x)
	}
	return strings.Join(s, " ")
}

func printTable(w io.Writer, members []ensemble.LM, weights, memb []float64, ppl float64) {
	for i, m := range members {
		fmt.Fprintf(w, "member %d  weight %.6f  perplexity %10.4f  %s\n", i+1, weights[i], memb[i], m.Name())
	}
	fmt.Fprintf(w, "mixture           perplexity %10.4f\n", ppl)
}
