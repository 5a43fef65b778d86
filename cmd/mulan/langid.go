package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/langid"
)

func init() {
	var asJSON bool
	c := &cobra.Command{
		Use:   "langid [--json]",
		Short: "Identify the language (en, zh or und) of each line of stdin",
		Long: `Langid reads standard input line by line and writes, for every line,
its language, a confidence in [0,1] and the line:

  en<TAB>0.987<TAB>The weather is lovely today.

Languages are en (English), zh (Chinese) and und: another language or script
(French, Russian, Japanese with kana, ...), or too little text to judge
(numbers, punctuation, URLs, a single word). The identifier uses character
n-gram models built from the shared corpora (embedded in the binary); see
'go doc github.com/mulan-nlp/mulan/langid' for the method and its limits.

With --json every line becomes one JSON object with the whole-line answer and
the segments (runs of one language covering the line, byte offsets) that a
language router sends to its per-language models.`,
		Example: `  echo "The weather is lovely today." | mulan langid
  printf 'Bonjour tout le monde\n我今天很高兴\n' | mulan langid
  echo "我昨天看了一部电影, it was a wonderful story." | mulan langid --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			id, err := langid.Default()
			if err != nil {
				return err
			}
			sc := bufio.NewScanner(cmd.InOrStdin())
			sc.Buffer(make([]byte, 1<<16), 1<<26)
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 1<<16)
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			type segment struct {
				Lang       langid.Lang `json:"lang"`
				Start      int         `json:"start"`
				End        int         `json:"end"`
				Text       string      `json:"text"`
				Confidence float64     `json:"confidence"`
			}
			type line struct {
				Lang       langid.Lang `json:"lang"`
				Confidence float64     `json:"confidence"`
				Text       string      `json:"text"`
				Segments   []segment   `json:"segments"`
			}
			var segs []langid.Segment
			for n := 1; sc.Scan(); n++ {
				text := strings.TrimSuffix(sc.Text(), "\r")
				r := id.Detect(text)
				if !asJSON {
					fmt.Fprintf(w, "%s\t%.3f\t%s\n", r.Lang, r.Confidence, text)
					continue
				}
				segs = id.AppendSegments(segs[:0], text)
				l := line{Lang: r.Lang, Confidence: r.Confidence, Text: text, Segments: make([]segment, len(segs))}
				for i, s := range segs {
					l.Segments[i] = segment{s.Lang, s.Start, s.End, s.Text, s.Confidence}
				}
				if err := enc.Encode(l); err != nil {
					return fmt.Errorf("stdin:%d: %w", n, err)
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("langid: reading stdin: %w", err)
			}
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "write one JSON object per line, with segments")
	register(c)
}
