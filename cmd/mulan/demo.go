package main

import (
	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/demo"
)

func init() {
	register(&cobra.Command{
		Use:   "demo",
		Short: "Run mulan's pipeline end to end on its built-in bilingual corpus",
		Long: `demo runs everything mulan can do so far on a small English and Chinese corpus
built into the binary: tokenization and word segmentation, script detection,
a shared subword vocabulary with a lossless round trip, and Kneser-Ney n-gram
language models scored on held-out sentences. It needs no data and no network.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := demo.Run(cmd.OutOrStdout())
			return err
		},
	})
}
