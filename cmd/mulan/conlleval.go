package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/tags"
)

func init() {
	var (
		opt    metrics.ConllOptions
		latex  bool
		asJSON bool
		scheme string
		digits int
	)
	c := &cobra.Command{
		Use:   "conlleval [-r] [-d DELIM] [-o OTAG] [-l] [--strict [--scheme iob2|iobes|iob1|bmes]] [--json] [FILE]",
		Short: "Score chunking/NER output exactly as the CoNLL conlleval script does",
		Long: `Conlleval reads lines "token ... gold-tag predicted-tag" (the last two fields
are the tags; blank lines or lines starting with -X- separate sentences) from
FILE, or standard input when FILE is absent or "-" (gzip is detected and
decompressed), and prints what the CoNLL-2000 conlleval perl script (version
2004-01-26) prints: tokens, phrases, accuracy, precision, recall and FB1 overall
and per chunk type, each per-type line ending with the number of predicted
chunks. The script's chunking rules are reproduced exactly, including its
quirks: a stray I- tag starts a chunk, a type change starts one, IOBES E-/S-
tags are read by its B/I/E rules, '[' and ']' are one-token chunks, and
-DOCSTART- lines count as ordinary tokens.

Options as in the script: -r (raw tags without B-/I-, each non-outside tag a
one-token chunk), -d DELIM (field separator, a regular expression; default a
single space; -d '\t' for tabs), -o OTAG (outside tag in raw mode), -l (LaTeX
table).

--strict adds seqeval's strict-mode entity report (only well-formed chunks of
--scheme count), laid out as scikit-learn's classification report with micro,
macro and weighted averages. --json prints everything as JSON instead
(conlleval figures in percent, strict-mode figures as fractions).`,
		Example: `  mulan conlleval < output.txt
  mulan conlleval -d '\t' predictions.tsv.gz
  mulan conlleval -r -o NOEXIST < pos-tagged.txt
  mulan conlleval --strict --scheme iobes --json < output.txt`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opt.Strict {
				s, err := tags.ParseScheme(scheme)
				if err != nil {
					return err
				}
				opt.Scheme = s
			} else if cmd.Flags().Changed("scheme") {
				return fmt.Errorf("--scheme needs --strict")
			}
			name, in := "stdin", io.Reader(cmd.InOrStdin())
			if len(args) == 1 && args[0] != "-" {
				f, err := corpus.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				name, in = args[0], f
			} else {
				r, err := corpus.Decompress(name, in)
				if err != nil {
					return err
				}
				in = r
			}
			res, err := metrics.Conlleval(in, name, opt)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch {
			case asJSON:
				return res.WriteJSON(w)
			case latex:
				err = res.WriteLatex(w)
			default:
				err = res.WriteText(w)
			}
			if err != nil || res.Strict == nil {
				return err
			}
			_, err = fmt.Fprintf(w, "\nseqeval strict mode (%s):\n%s", res.StrictScheme, res.Strict.Text(digits))
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&opt.Raw, "raw", "r", false, "raw tags: no B-/I- prefixes, every non-outside tag is a one-token chunk")
	f.StringVarP(&opt.Delimiter, "delimiter", "d", " ", "field delimiter (a regular expression, as in the perl script)")
	f.StringVarP(&opt.OTag, "otag", "o", "O", "outside tag in raw mode")
	f.BoolVarP(&latex, "latex", "l", false, "print a LaTeX table as the script's -l does")
	f.BoolVar(&opt.Strict, "strict", false, "also score with seqeval's strict mode")
	f.StringVar(&scheme, "scheme", "iob2", "tag scheme for --strict: iob2 (bio), iobes (bioes), iob1 or bmes")
	f.IntVar(&digits, "digits", 2, "digits after the point in the strict-mode report")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	register(c)
}
