package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/subword"
)

func init() {
	cmd := &cobra.Command{
		Use:   "subword",
		Short: "Train and apply a byte-fallback BPE subword model (SentencePiece style)",
		Long: `Subword tokenisation shared by English and Chinese: byte-pair encoding on raw
text with spaces as the symbol ▁ and byte fallback, so every string round-trips
exactly (decode(encode(x)) == x) and nothing is ever unknown.`,
	}
	cmd.AddCommand(subwordTrainCmd(), subwordEncodeCmd(), subwordDecodeCmd())
	register(cmd)
}

func subwordTrainCmd() *cobra.Command {
	var (
		inputs []string
		out    string
		opt    subword.Options
	)
	c := &cobra.Command{
		Use:   "train --input FILE... --vocab-size N --out MODEL",
		Short: "Learn a subword vocabulary from text files (one text per line; .gz allowed)",
		Long: `Train counts characters and whitespace/script-delimited chunks of every input
line, keeps the characters that cover --character-coverage of all character
occurrences (the rest are encoded as UTF-8 bytes <0xNN>), and learns BPE merges
until the vocabulary has --vocab-size pieces (4 control tokens, 256 bytes, the
characters, the merged pieces).`,
		Example: `  mulan subword train --input ptb.train.txt --input novels.txt.gz --vocab-size 8000 --out enzh.bpe
  mulan subword train --input a.txt,b.txt --vocab-size 16000 --character-coverage 0.9999 --out m.bpe`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(inputs) == 0 {
				return fmt.Errorf("--input is required")
			}
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			for _, p := range inputs {
				if _, err := os.Stat(p); err != nil {
					return err
				}
			}
			opt.Progress = cmd.ErrOrStderr()
			var readErr error
			start := time.Now()
			m, err := subword.TrainLines(subwordFileLines(inputs, &readErr), opt)
			if readErr != nil {
				return readErr
			}
			if err != nil {
				return err
			}
			if err := m.Save(out); err != nil {
				return err
			}
			st := m.TrainStats()
			fmt.Fprintf(cmd.ErrOrStderr(), "subword: %d lines (%d skipped), %d characters (%d distinct, %d kept, coverage %.5f), %d distinct chunks, %d merges, vocabulary %d, %s → %s\n",
				st.Lines, st.SkippedLines, st.Chars, st.DistinctChar, st.KeptChars, st.Coverage, st.Words, st.Merges, m.Len(),
				time.Since(start).Round(time.Millisecond), out)
			return nil
		},
	}
	f := c.Flags()
	f.StringSliceVar(&inputs, "input", nil, "training text files (repeat or comma-separate; .gz is decompressed)")
	f.StringVar(&out, "out", "", "model file to write")
	f.IntVar(&opt.VocabSize, "vocab-size", 8000, "vocabulary size including control tokens, bytes and characters")
	f.Float64Var(&opt.CharacterCoverage, "character-coverage", 0.9995, "share of character occurrences covered by character pieces")
	f.IntVar(&opt.MaxSentenceLength, "max-sentence-length", 1<<16, "skip training lines longer than this many bytes")
	f.IntVar(&opt.MaxPieceLength, "max-piece-length", 16, "longest piece in characters")
	f.BoolVar(&opt.NoDummyPrefix, "no-dummy-prefix", false, "do not prepend a space to every text")
	return c
}

// subwordFileLines yields the lines of the files in order, without the '\n'.
// The first error is stored in *errp and ends the sequence.
func subwordFileLines(paths []string, errp *error) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				*errp = err
				return
			}
			var r io.Reader = f
			if strings.HasSuffix(p, ".gz") {
				gz, err := gzip.NewReader(f)
				if err != nil {
					f.Close()
					*errp = fmt.Errorf("%s: %w", p, err)
					return
				}
				r = gz
			}
			br := bufio.NewReaderSize(r, 1<<20)
			for n := 1; ; n++ {
				line, err := br.ReadString('\n')
				if line != "" {
					if !yield(strings.TrimSuffix(line, "\n")) {
						f.Close()
						return
					}
				}
				if err != nil {
					f.Close()
					if err != io.EOF {
						*errp = fmt.Errorf("%s:%d: %w", p, n, err)
						return
					}
					break
				}
			}
		}
	}
}

func subwordEncodeCmd() *cobra.Command {
	var (
		model string
		ids   bool
	)
	c := &cobra.Command{
		Use:   "encode --model MODEL [--ids]",
		Short: "Encode stdin line by line into pieces (or ids), space-separated",
		Example: `  echo 'Hello 世界' | mulan subword encode --model enzh.bpe
  mulan subword encode --model enzh.bpe --ids < text.txt | mulan subword decode --model enzh.bpe --ids`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := subword.Load(model)
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			err = subwordEachLine(cmd.InOrStdin(), func(line string) {
				if ids {
					for i, id := range m.EncodeIDs(line) {
						if i > 0 {
							w.WriteByte(' ')
						}
						w.WriteString(strconv.Itoa(id))
					}
				} else {
					w.WriteString(strings.Join(m.Encode(line), " "))
				}
				w.WriteByte('\n')
			})
			if err != nil {
				return err
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&model, "model", "", "subword model file")
	c.Flags().BoolVar(&ids, "ids", false, "print piece ids instead of pieces")
	c.MarkFlagRequired("model")
	return c
}

func subwordDecodeCmd() *cobra.Command {
	var (
		model string
		ids   bool
	)
	c := &cobra.Command{
		Use:   "decode --model MODEL [--ids]",
		Short: "Decode space-separated pieces (or ids) from stdin back to text, line by line",
		Example: `  echo '▁Hello ▁ <0xE4> <0xB8> <0x96> 界' | mulan subword decode --model enzh.bpe
  mulan subword encode --model m.bpe < a.txt | mulan subword decode --model m.bpe | cmp - a.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := subword.Load(model)
			if err != nil {
				return err
			}
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			n := 0
			var bad error
			err = subwordEachLine(cmd.InOrStdin(), func(line string) {
				n++
				fields := strings.Split(line, " ")
				if line == "" {
					fields = nil
				}
				if ids {
					v := make([]int, len(fields))
					for i, f := range fields {
						id, err := strconv.Atoi(f)
						if err != nil && bad == nil {
							bad = fmt.Errorf("stdin:%d: bad id %q: %w", n, f, err)
						}
						v[i] = id
					}
					w.WriteString(m.Decode(v))
				} else {
					w.WriteString(m.DecodePieces(fields))
				}
				w.WriteByte('\n')
			})
			if err == nil {
				err = bad
			}
			if err != nil {
				return err
			}
			return w.Flush()
		},
	}
	c.Flags().StringVar(&model, "model", "", "subword model file")
	c.Flags().BoolVar(&ids, "ids", false, "read piece ids instead of pieces")
	c.MarkFlagRequired("model")
	return c
}

// subwordEachLine calls fn with each line of r without its '\n' (a final line
// without '\n' included).
func subwordEachLine(r io.Reader, fn func(string)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			fn(strings.TrimSuffix(line, "\n"))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("stdin: %w", err)
		}
	}
}
