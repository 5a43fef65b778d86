package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/langid"
	"github.com/mulan-nlp/mulan/linear"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/tagger"
	"github.com/mulan-nlp/mulan/transfer"
)

// classifier is what evaluate and predict need from a classifier model file
// of any kind: its label set and the probability of each label for a text.
type classifier interface {
	Labels() []string
	Probs(dst []float64, text string) []float64
}

// classifierKinds maps a model file's kind to its decoder. Later kinds
// (neural classifiers, ensembles) slot in here.
var classifierKinds = map[string]func(name string, h modelfile.Header, payload []byte) (classifier, error){
	linear.Kind: func(name string, h modelfile.Header, p []byte) (classifier, error) {
		return linear.Decode(name, h, p)
	},
	transfer.Kind: func(name string, h modelfile.Header, p []byte) (classifier, error) {
		return transfer.Decode(name, h, p)
	},
}

// modelKinds says in words what each kind of model file is and which
// commands read it, for errors about a file given to the wrong command.
var modelKinds = map[string]string{
	lm.Kind:               "a neural language model (read by 'mulan perplexity', 'mulan generate', 'mulan pretrain --init' and 'mulan finetune --base')",
	lm.CheckpointKind:     "a language-model training checkpoint (read by 'mulan pretrain --resume')",
	transfer.Kind:         "a neural text classifier (read by 'mulan evaluate' and 'mulan predict')",
	linear.Kind:           "a linear text classifier (read by 'mulan evaluate' and 'mulan predict')",
	ensemble.EnsembleKind: "a classifier ensemble (read by 'mulan evaluate' and 'mulan predict')",
	ensemble.RouterKind:   "a language router (read by 'mulan evaluate' and 'mulan predict')",
	tagger.Kind:           "a named-entity tagger (read by 'mulan evaluate', 'mulan predict' and 'mulan ner')",
	ngram.BinaryKind:      "a binary n-gram model (read by 'mulan ngram query')",
	subword.Kind:          "a subword (BPE) model (read by 'mulan subword' and as a subword:MODEL tokenizer)",
	langid.Kind:           "a language-identification profile",
}

// whatIsFile says what the file at path is when it is a mulan model file of
// a kind in modelKinds, an ARPA n-gram model or a mixture manifest, and ""
// otherwise (unreadable, damaged, or of another kind). It reads only the
// file's start.
func whatIsFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if bytes.HasPrefix(head, []byte(modelfile.Magic)) && len(head) >= len(modelfile.Magic)+2 {
		p := head[len(modelfile.Magic):]
		kl := int(p[0]) | int(p[1])<<8
		if len(p) >= 2+kl {
			return modelKinds[string(p[2:2+kl])]
		}
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		switch line := strings.TrimSpace(sc.Text()); {
		case line == "":
			continue
		case line == `\data\`:
			return "an ARPA n-gram model (read by 'mulan ngram query')"
		}
		break
	}
	if st, err := f.Stat(); err == nil && st.Size() < 1<<20 && ensemble.IsManifest(path) {
		if _, err := ensemble.ReadManifest(path); err != nil {
			return ""
		}
		return "a language-model mixture manifest (read by 'mulan perplexity' and 'mulan mix perplexity')"
	}
	return ""
}

// explainModelFile returns err, or, when the file at path is a model of a
// known kind (see whatIsFile) that the command cannot use, an error saying
// what the file is, that want was expected, and what reads it.
func explainModelFile(path, want string, err error) error {
	if what := whatIsFile(path); what != "" {
		return fmt.Errorf("%s is %s, not %s: %w", path, what, want, err)
	}
	return err
}

// loadModel opens a model file for evaluate and predict: a classifier of a
// kind in classifierKinds, or a named-entity tagger (kind tagger.Kind).
// Exactly one of the two results is non-nil when err is nil.
func loadModel(path string) (classifier, *tagger.Tagger, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	h, payload, err := modelfile.Decode(path, data)
	if err != nil {
		return nil, nil, explainModelFile(path, "a classifier or tagger", err)
	}
	if h.Kind == tagger.Kind {
		t, err := tagger.Read(path, data)
		return nil, t, err
	}
	dec, ok := classifierKinds[h.Kind]
	if !ok {
		kinds := make([]string, 0, len(classifierKinds))
		for k := range classifierKinds {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		msg := fmt.Sprintf("%s: a %q model file is not a classifier (%s) or a tagger (%s)", path, h.Kind, strings.Join(kinds, ", "), tagger.Kind)
		if what := modelKinds[h.Kind]; what != "" {
			msg += "; it is " + what
		}
		return nil, nil, fmt.Errorf("%s", msg)
	}
	c, err := dec(path, h, payload)
	return c, nil, err
}

// argmax returns the index of the largest value (the first of ties).
func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// dataFlags are the flags that say how to read a labelled or unlabelled file.
type dataFlags struct {
	format, textCol, labelCol, encoding string
}

func (d *dataFlags) add(c *cobra.Command) {
	f := c.Flags()
	f.StringVar(&d.format, "format", "", "file format: "+formatList()+" (default: from the file extension)")
	f.StringVar(&d.textCol, "text-col", "", "column or JSON field holding the text (default: text, sentence, text_a, review, question or content)")
	f.StringVar(&d.labelCol, "label-col", "", "column or JSON field holding the label (default: label)")
	f.StringVar(&d.encoding, "encoding", "", "input encoding: utf-8 (default, validated) or latin1")
}

func formatList() string {
	var fs []string
	for _, f := range corpus.Formats() {
		if !f.IsSequence() {
			fs = append(fs, string(f))
		}
	}
	return strings.Join(fs, ", ")
}

// options returns the corpus options for these flags.
func (d *dataFlags) options() (corpus.Options, error) {
	opt := corpus.Options{TextCol: d.textCol, LabelCol: d.labelCol, Encoding: d.encoding}
	if d.format != "" {
		f, err := corpus.ParseFormat(d.format)
		if err != nil {
			return opt, err
		}
		if f.IsSequence() {
			return opt, fmt.Errorf("--format %s holds tagged sentences, not classification records", f)
		}
		opt.Format = f
	}
	return opt, nil
}

// readLabelled reads every record of path and checks that each has a label.
func readLabelled(path string, d *dataFlags) ([]corpus.Record, error) {
	opt, err := d.options()
	if err != nil {
		return nil, err
	}
	recs, err := corpus.ReadAllRecords(path, opt)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.Label == "" {
			return nil, fmt.Errorf("%s:%d: record has no label (use --label-col to name the label column)", path, r.Line)
		}
	}
	return recs, nil
}

// classify predicts the most probable label of every record and returns the
// classification report. A gold label the model does not know is an error.
func classify(m classifier, path string, recs []corpus.Record) (*metrics.Report, error) {
	labels := m.Labels()
	id := make(map[string]int, len(labels))
	for i, l := range labels {
		id[l] = i
	}
	conf := metrics.NewConfusion(labels)
	var probs []float64
	for _, r := range recs {
		t, ok := id[r.Label]
		if !ok {
			return nil, fmt.Errorf("%s:%d: label %q is not one of the model's labels (%s)", path, r.Line, r.Label, strings.Join(labels, ", "))
		}
		probs = m.Probs(probs[:0], r.Text)
		conf.Add(t, argmax(probs))
	}
	return conf.Report(), nil
}

func init() {
	var (
		model, test, output string
		data                dataFlags
		asJSON              bool
		digits              int
	)
	c := &cobra.Command{
		Use:   "evaluate --model MODEL --test FILE [--format F] [--text-col C --label-col C] [--output PRED] [--json]",
		Short: "Score a classifier (accuracy, report, confusion matrix) or a tagger (conlleval) on a test file",
		Long: `Evaluate predicts the most probable label of every record of a labelled file
and prints the accuracy, the classification report in the layout of
scikit-learn's classification_report (precision, recall, F1 and support per
label, then accuracy, macro and weighted averages) and the confusion matrix
(rows: true label, columns: predicted label).

The model is any classifier file mulan writes: a linear classifier
('mulan finetune --arch linear'), a neural one ('mulan finetune --arch lstm',
with or without --base), an ensemble ('mulan ensemble') or a language router
('mulan route'); it re-tokenizes the text as in training.
The file is read as 'mulan finetune' reads it (--format, --text-col,
--label-col); in fastText files with several labels per line the first is the
gold label. A label in the file that the model does not know is an error
naming the file and line.

With --json the output is one JSON object: model, test, examples, accuracy and
the report (per-label scores, averages, labels and confusion matrix).

A named-entity tagger (from 'mulan finetune --task ner' or 'mulan ner train')
is scored as 'mulan ner evaluate' scores it: the test file is a gold-tagged
CoNLL or character-per-line file (--format conll or chars; default by the
model's language), the output is conlleval's report (--json: as JSON), and
--output writes the "token gold predicted" lines to a file.`,
		Example: `  mulan evaluate --model sst2.lin --test sst2/dev.tsv
  mulan evaluate --model sst2.lin --test sst2/stsa.binary.test --format label-text
  mulan evaluate --model trec.lin --test trec/test.tsv --label-col coarse --json
  mulan evaluate --model en.ner --test conll2003_en/test.txt --output pred.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if model == "" || test == "" {
				return fmt.Errorf("evaluate needs --model and --test")
			}
			m, tg, err := loadModel(model)
			if err != nil {
				return err
			}
			set := cmd.Flags().Changed
			if tg != nil {
				if err := refuseFlags(set, "with tagger models", []string{"text-col", "label-col", "encoding", "digits"}); err != nil {
					return fmt.Errorf("%s: %w", model, err)
				}
				if f, err := corpus.DetectFormat(test); data.format == "" && err == nil && !f.IsSequence() {
					return fmt.Errorf("%s is a named-entity tagger, scored on a tagged CoNLL or character file (--format conll or chars), but %s is a %s file of classification records", model, test, f)
				}
				o := nerEvaluateOptions{Model: model, Test: test, Format: data.format, Output: output, JSON: asJSON}
				return runNEREvaluate(tg, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			if err := refuseFlags(set, "with classifier models", []string{"output"}); err != nil {
				return fmt.Errorf("%s: %w", model, err)
			}
			if f, err := corpus.DetectFormat(test); data.format == "" && err == nil && f.IsSequence() {
				return fmt.Errorf("%s is a text classifier, scored on a file of labelled texts (%s), but %s is a %s file of tagged sentences", model, formatList(), test, f)
			}
			recs, err := readLabelled(test, &data)
			if err != nil {
				return err
			}
			rep, err := classify(m, test, recs)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Model    string          `json:"model"`
					Test     string          `json:"test"`
					Examples int             `json:"examples"`
					Accuracy float64         `json:"accuracy"`
					Report   *metrics.Report `json:"report"`
				}{model, test, len(recs), rep.Accuracy, rep})
			}
			fmt.Fprintf(w, "model:    %s\ntest:     %s (%d examples)\naccuracy: %.4f\n\n", model, test, len(recs), rep.Accuracy)
			fmt.Fprint(w, rep.Text(digits))
			fmt.Fprintln(w)
			return rep.Confusion.WriteConfusion(w)
		},
	}
	f := c.Flags()
	f.StringVar(&model, "model", "", "classifier model file")
	f.StringVar(&test, "test", "", "labelled file to score")
	data.add(c)
	f.BoolVar(&asJSON, "json", false, "print one JSON object instead of text")
	f.IntVar(&digits, "digits", 4, "digits of the report's scores")
	f.StringVar(&output, "output", "", "taggers: write the conlleval input lines (token gold predicted) here")
	register(c)
}
