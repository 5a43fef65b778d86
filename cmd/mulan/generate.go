package main

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/lm"
)

func init() {
	var (
		model, prompt string
		o             lm.GenOptions
		seed          int64
		n             int
	)
	c := &cobra.Command{
		Use:   "generate --model LM|MIX|NGRAM --prompt TEXT [--temperature T] [--top-k K] [--max-tokens N] [--seed S]",
		Short: "Sample text from a language model or a mixture of language models",
		Long: `Generate continues --prompt (read as the start of a line) with tokens sampled
from a model written by 'mulan pretrain': the logits are divided by
--temperature (0 always picks the most probable token) and, with --top-k K,
only the K most probable tokens are candidates. Generation stops after
--max-tokens tokens or at the end of the line (</s>) unless --no-stop. The
same --seed gives the same text. A backward LM generates the text that
precedes the prompt. Prints the prompt and its continuation.

--model may also be a mixture manifest written by 'mulan mix' or an n-gram
model (ARPA, possibly gzipped, or binary): words are then sampled from the
interpolated distribution p(w|h) = Σ λ_i p_i(w|h) of the members over their
shared vocabulary, the prompt being whitespace-separated words (unknown ones
read as <unk>), with the same --temperature, --top-k and --seed semantics; a
mixture with all its weight on one neural member gives exactly that LM's
text. Past </s> (--no-stop) a new line starts.`,
		Example: `  mulan generate --model ptb.lm --prompt "the company said" --temperature 0.8 --top-k 40
  mulan generate --model zh-char.lm --prompt 宝玉 --max-tokens 100 --seed 7 --samples 3
  mulan generate --model ptb.mix --prompt "the company said" --top-k 40 --samples 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return fmt.Errorf("--model is required")
			}
			stop, _ := cmd.Flags().GetBool("no-stop")
			o.StopAtEOS = !stop
			rng := rand.New(rand.NewSource(seed))
			if ensemble.IsManifest(model) {
				mix, _, err := ensemble.Load(model)
				if err != nil {
					return err
				}
				return generateWords(cmd, mix, prompt, o, rng, n)
			}
			m, err := lm.Load(model)
			if err != nil {
				// Not a neural LM: an n-gram model generates too.
				if g, gerr := ensemble.Open(model, false); gerr == nil {
					if ng, ok := g.(*ensemble.Ngram); ok {
						return generateWords(cmd, ng, prompt, o, rng, n)
					}
				}
				return err
			}
			sep := " "
			if m.Cfg.Tokenizer == lm.TokChar || m.Cfg.Tokenizer == lm.TokZhWord || m.Cfg.Tokenizer == lm.TokSubword || prompt == "" {
				sep = ""
			}
			for i := 0; i < n; i++ {
				text, _, err := m.Generate(prompt, o, rng)
				if err != nil {
					return err
				}
				sp := sep
				if text == "" {
					sp = ""
				}
				if m.Cfg.Backward {
					fmt.Fprintln(cmd.OutOrStdout(), text+sp+prompt)
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), prompt+sp+text)
				}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&model, "model", "", "language model file")
	f.StringVar(&prompt, "prompt", "", "text to continue")
	f.Float64Var(&o.Temperature, "temperature", 1, "sampling temperature (0: greedy)")
	f.IntVar(&o.TopK, "top-k", 0, "sample among the K most probable tokens (0: all)")
	f.IntVar(&o.MaxTokens, "max-tokens", 50, "maximum tokens to generate")
	f.Int64Var(&seed, "seed", 1, "random seed")
	f.IntVar(&n, "samples", 1, "number of samples")
	f.Bool("no-stop", false, "keep generating past the end of a line")
	register(c)
}

// generateWords prints n samples of g (a mixture or an n-gram model): the
// prompt and its continuation, words separated by spaces.
func generateWords(cmd *cobra.Command, g ensemble.Generator, prompt string, o lm.GenOptions, rng *rand.Rand, n int) error {
	for range n {
		text, _, err := ensemble.Generate(g, prompt, o, rng)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), strings.Join(append(strings.Fields(prompt), strings.Fields(text)...), " "))
	}
	return nil
}
