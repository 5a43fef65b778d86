package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/serve"
)

func init() {
	var (
		model  string
		k      int
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "predict --model MODEL [--k N] [--json] < texts.txt",
		Short: "Classify texts (label and probability) or tag sentences (tags or entity spans), one per line of stdin",
		Long: `Predict reads standard input line by line and writes, for every line, the
model's most probable label and its probability separated by a tab; with
--k N the N most probable labels as label<TAB>prob pairs on that line (--k 0:
every label). Every input line, empty ones included, gives one output line.

With --json each output line is a JSON object {"text": ..., "predictions":
[{"label": ..., "prob": ...}, ...]}.

The model is any classifier file mulan writes: a linear classifier
('mulan finetune --arch linear'), a neural one ('mulan finetune --arch lstm',
with or without --base), an ensemble ('mulan ensemble') or a language router
('mulan route'); it tokenizes the text as in training.

A named-entity tagger (from 'mulan finetune --task ner' or 'mulan ner train')
tags as 'mulan ner predict' does: each line is a sentence (space-separated
tokens for English, every non-space character a token for Chinese); the
output is the tags, space separated, or with --json one object per line with
"tokens", "tags" and "entities" ({"start", "end", "type", "text"}, end
exclusive).`,
		Example: `  echo "a gorgeous , witty , seductive movie ." | mulan predict --model sst2.lin
  mulan predict --model trec.lin --k 3 < questions.txt
  mulan predict --model chnsenticorp.lin --json < reviews.txt
  echo "EU rejects German call to boycott British lamb ." | mulan predict --model en.ner --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" {
				return fmt.Errorf("predict needs --model")
			}
			m, tg, err := loadModel(model)
			if err != nil {
				return err
			}
			if tg != nil {
				if cmd.Flags().Changed("k") {
					return fmt.Errorf("%s: --k is not used by tagger models", model)
				}
				return runNERPredict(tg, nerPredictOptions{Model: model, JSON: asJSON}, cmd.InOrStdin(), cmd.OutOrStdout())
			}
			labels := m.Labels()
			in := bufio.NewReaderSize(cmd.InOrStdin(), 1<<16)
			out := bufio.NewWriter(cmd.OutOrStdout())
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			var probs []float64
			var buf []byte
			for n := 1; ; n++ {
				line, rerr := in.ReadString('\n')
				if rerr != nil && rerr != io.EOF {
					return fmt.Errorf("stdin:%d: %w", n, rerr)
				}
				if line == "" && rerr == io.EOF {
					break
				}
				line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
				if n == 1 {
					line = strings.TrimPrefix(line, "\uFEFF")
				}
				probs = m.Probs(probs[:0], line)
				ps := serve.TopK(labels, probs, k)
				if asJSON {
					err = enc.Encode(struct {
						Text        string            `json:"text"`
						Predictions []serve.LabelProb `json:"predictions"`
					}{line, ps})
				} else {
					buf = buf[:0]
					for i, p := range ps {
						if i > 0 {
							buf = append(buf, '\t')
						}
						buf = append(buf, p.Label...)
						buf = append(buf, '\t')
						buf = strconv.AppendFloat(buf, p.Prob, 'f', 5, 64)
					}
					buf = append(buf, '\n')
					_, err = out.Write(buf)
				}
				if err != nil {
					return err
				}
				if rerr == io.EOF {
					break
				}
			}
			return out.Flush()
		},
	}
	f := c.Flags()
	f.StringVar(&model, "model", "", "classifier model file")
	f.IntVar(&k, "k", 1, "labels to print per line, most probable first (0: all)")
	f.BoolVar(&asJSON, "json", false, "one JSON object per line")
	register(c)
}
