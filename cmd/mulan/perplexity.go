package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/progress"
)

func init() {
	var (
		model, text string
		batch, bptt int
	)
	c := &cobra.Command{
		Use:   "perplexity --model LM --text FILE [--batch B] [--bptt N]",
		Short: "Score a text file with a neural language model",
		Long: `Perplexity reads FILE (one text per line, blank lines skipped) with the
tokenizer and vocabulary stored in the model, streams it as training does
(--batch parallel streams, windows of --bptt tokens, recurrent state carried;
every token is scored once, --batch 1 giving each token its full history)
and prints the perplexity over all tokens including one </s> per line, the
token count, and the cross-entropy in bits per token and bits per character
(non-space characters plus one per line end; for a char model the two agree).
A mixture manifest written by 'mulan mix' is scored as 'mulan mix perplexity'
does (sentence by sentence; the mixture's and every member's perplexity).`,
		Example: `  mulan perplexity --model ptb.lm --text ptb.test.txt
  mulan perplexity --model zh-char.lm --text held-out.txt
  mulan perplexity --model ptb.mix --text ptb.test.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" || text == "" {
				return fmt.Errorf("--model and --text are required")
			}
			if ensemble.IsManifest(model) {
				return mixPerplexity(cmd, model, text)
			}
			m, err := lm.Load(model)
			if err != nil {
				return err
			}
			s, err := m.EncodeFiles(text)
			if err != nil {
				return err
			}
			sc, err := m.Evaluate(s, batch, bptt, progress.New(cmd.ErrOrStderr(), "perplexity", "tokens", int64(s.Targets())))
			if err != nil {
				return fmt.Errorf("%s: %w", text, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "perplexity %.4f\ntokens %d\nlines %d\nbits/token %.4f\nbits/char %.4f\n",
				sc.Perplexity(), sc.Tokens, s.Lines, sc.BitsPerToken(), sc.BitsPerChar())
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&model, "model", "", "language model file")
	f.StringVar(&text, "text", "", "text file to score")
	f.IntVar(&batch, "batch", 1, "parallel streams")
	f.IntVar(&bptt, "bptt", 35, "tokens per window (transformer: at most its context)")
	register(c)
}
