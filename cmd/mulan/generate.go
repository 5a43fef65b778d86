package main

import (
	"fmt"
	"math/rand"

	"github.com/spf13/cobra"

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
		Use:   "generate --model LM --prompt TEXT [--temperature T] [--top-k K] [--max-tokens N] [--seed S]",
		Short: "Sample text from a neural language model",
		Long: `Generate continues --prompt (read as the start of a line) with tokens sampled
from a model written by 'mulan pretrain': the logits are divided by
--temperature (0 always picks the most probable token) and, with --top-k K,
only the K most probable tokens are candidates. Generation stops after
--max-tokens tokens or at the end of the line (</s>) unless --no-stop. The
same --seed gives the same text. A backward LM generates the text that
precedes the prompt. Prints the prompt and its continuation.`,
		Example: `  mulan generate --model ptb.lm --prompt "the company said" --temperature 0.8 --top-k 40
  mulan generate --model zh-char.lm --prompt 宝玉 --max-tokens 100 --seed 7 --samples 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return fmt.Errorf("--model is required")
			}
			m, err := lm.Load(model)
			if err != nil {
				return err
			}
			stop, _ := cmd.Flags().GetBool("no-stop")
			o.StopAtEOS = !stop
			rng := rand.New(rand.NewSource(seed))
			sep := " "
			if m.Cfg.Tokenizer == lm.TokChar || m.Cfg.Tokenizer == lm.TokZhWord || m.Cfg.Tokenizer == lm.TokSubword || prompt == "" {
				sep = ""
			}
			for i := 0; i < n; i++ {
				text, _, err := m.Generate(prompt, o, rng)
				if err != nil {
					return err
				}
				if m.Cfg.Backward {
					fmt.Fprintln(cmd.OutOrStdout(), text+sep+prompt)
				} else {
					fmt.Fprintln(cmd.OutOrStdout(), prompt+sep+text)
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
