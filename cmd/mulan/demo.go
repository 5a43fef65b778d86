package main

import (
	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/demo"
)

func init() {
	var o demo.Options
	c := &cobra.Command{
		Use:   "demo [--quick]",
		Short: "Run mulan's pipeline end to end on its built-in bilingual corpus",
		Long: `demo runs everything mulan can do so far on a small English and Chinese corpus
built into the binary: tokenization and word segmentation, script detection,
a shared subword vocabulary with a lossless round trip, Kneser-Ney n-gram
language models scored on held-out sentences, a character-level LSTM language
model, and ULMFiT-style transfer: an LSTM language model over a shared subword
vocabulary is pretrained on unlabelled English and Chinese text, fine-tuned
into an English and a Chinese sentiment classifier (positive/negative reviews
of products, restaurants, films, hotels and books) and compared with the same
classifiers trained from scratch; the classification report and confusion
matrix of each fine-tuned classifier are printed. Every step is seeded.
It needs no data and no network and takes about a minute on 2 cores;
--quick trains the sentiment models less (fewer epochs, one seed instead of
three) and takes about 15 seconds.`,
		Example: `  mulan demo
  mulan demo --quick`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := demo.RunWith(cmd.OutOrStdout(), o)
			return err
		},
	}
	c.Flags().BoolVar(&o.Quick, "quick", false, "train the sentiment models less (one seed, fewer epochs)")
	register(c)
}
