package tagger

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tags"
)

// predictBatch is the number of sentences decoded together.
const predictBatch = 64

// predictEncoded tags encoded sentences and returns tags in the file scheme.
func (m *Tagger) predictEncoded(sents []encoded) ([][]string, error) {
	out := make([][]string, len(sents))
	order := make([]int, 0, len(sents))
	for i := range sents {
		if len(sents[i].words) == 0 {
			out[i] = []string{}
			continue
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(sents[a].words), len(sents[b].words)) })
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	var bt batch
	var batchSents []*encoded
	internal := make([]string, 0, 64)
	for s := 0; s < len(order); s += predictBatch {
		ids := order[s:min(s+predictBatch, len(order))]
		batchSents = batchSents[:0]
		for _, i := range ids {
			batchSents = append(batchSents, &sents[i])
		}
		m.fill(&bt, batchSents, nil, nil, 0)
		tp.Reset()
		em, err := m.emissions(tp, &bt)
		if err != nil {
			return nil, err
		}
		paths := m.crf.Decode(em, bt.lengths)
		for k, i := range ids {
			internal = internal[:0]
			for _, id := range paths[k] {
				internal = append(internal, m.tagList[id])
			}
			// Through spans into the output scheme: valid by construction.
			t, err := m.fileScheme.Encode(tags.Decode(internal), len(internal))
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
	}
	return out, nil
}

// Predict tags token sequences; the tags are in the scheme of the training
// data (Scheme).
func (m *Tagger) Predict(sents [][]string) ([][]string, error) {
	enc := make([]encoded, len(sents))
	for i, s := range sents {
		enc[i] = m.encode(s)
	}
	return m.predictEncoded(enc)
}

// Entity is a predicted chunk with its text.
type Entity struct {
	tags.Span
	Text string `json:"text"`
}

// Entities returns the chunks of a predicted tag sequence with their text,
// the tokens joined by sep (" " for English, "" for Chinese).
func (m *Tagger) Entities(tokens, predicted []string, sep string) ([]Entity, error) {
	spans, err := m.fileScheme.Spans(predicted)
	if err != nil {
		return nil, err
	}
	out := make([]Entity, len(spans))
	for i, s := range spans {
		var b bytes.Buffer
		for j := s.Start; j < s.End; j++ {
			if j > s.Start {
				b.WriteString(sep)
			}
			b.WriteString(tokens[j])
		}
		out[i] = Entity{Span: s, Text: b.String()}
	}
	return out, nil
}

// Evaluate tags the test sentences and scores them with conlleval. When w is
// not nil it receives conlleval's input, one "token gold predicted" line per
// token and a blank line after each sentence; the result is exactly what
// metrics.Conlleval (and so `mulan conlleval`) computes from those lines.
func (m *Tagger) Evaluate(test []corpus.Sentence, name string, w io.Writer) (*metrics.ConllResult, error) {
	toks := make([][]string, len(test))
	for i, s := range test {
		if s.Tags == nil {
			return nil, fmt.Errorf("%s:%d: sentence has no tag column", name, s.Line)
		}
		toks[i] = s.Tokens
	}
	pred, err := m.Predict(toks)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for i, s := range test {
		for j, t := range s.Tokens {
			buf.WriteString(t)
			buf.WriteByte(' ')
			buf.WriteString(s.Tags[j])
			buf.WriteByte(' ')
			buf.WriteString(pred[i][j])
			buf.WriteByte('\n')
		}
		buf.WriteByte('\n')
	}
	if w != nil {
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil, err
		}
	}
	return metrics.Conlleval(&buf, name, metrics.ConllOptions{})
}
