package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// LabelCounts are the tallies behind one row of a classification report.
type LabelCounts struct {
	Label string
	TP    int // predicted as Label and truly Label
	Pred  int // predicted as Label
	True  int // truly Label (the support)
}

// Scores are precision, recall and F1 (fractions in [0, 1]) with the support
// (number of true instances) they were computed over.
type Scores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1-score"`
	Support   int     `json:"support"`
}

// ClassScores are the scores of one label.
type ClassScores struct {
	Label string `json:"label"`
	Scores
}

// Report is a classification report: per-label scores and their averages.
// Zero divisions give 0, as scikit-learn's default zero_division="warn" does
// (without the warning).
type Report struct {
	Classes []ClassScores
	// HasAccuracy is true for single-label classification over all labels,
	// where the micro average equals accuracy and is shown as an "accuracy"
	// row; otherwise (entity-level reports) a "micro avg" row is shown.
	HasAccuracy bool
	Accuracy    float64 // correct/total; the text's accuracy row shows Micro.F1, as scikit-learn does

	Micro    Scores
	Macro    Scores
	Weighted Scores
	// Confusion is the matrix the report was computed from, or nil.
	Confusion *Confusion
}

func clsDiv(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// scoresOf computes precision, recall and F1 from counts. F1 is computed as
// 2·p·r/(p+r) in this operation order, as scikit-learn 1.2 and seqeval do,
// so that rounding ties print identically.
func scoresOf(tp, pred, true_ int) Scores {
	s := Scores{Precision: clsDiv(tp, pred), Recall: clsDiv(tp, true_), Support: true_}
	if d := s.Precision + s.Recall; d != 0 {
		s.F1 = 2 * s.Precision * s.Recall / d
	}
	return s
}

// NewReport computes a report from per-label counts, in the given order.
// microIsAccuracy selects the "accuracy" row (see Report.HasAccuracy).
func NewReport(counts []LabelCounts, microIsAccuracy bool) *Report {
	r := &Report{HasAccuracy: microIsAccuracy}
	var tp, pred, tru int
	var sumP, sumR, sumF, wP, wR, wF float64
	for _, c := range counts {
		s := scoresOf(c.TP, c.Pred, c.True)
		r.Classes = append(r.Classes, ClassScores{c.Label, s})
		tp += c.TP
		pred += c.Pred
		tru += c.True
		sumP += s.Precision
		sumR += s.Recall
		sumF += s.F1
		w := float64(c.True)
		wP += s.Precision * w
		wR += s.Recall * w
		wF += s.F1 * w
	}
	r.Micro = scoresOf(tp, pred, tru)
	if n := float64(len(counts)); n > 0 {
		r.Macro = Scores{sumP / n, sumR / n, sumF / n, tru}
	}
	r.Macro.Support = tru
	if tru > 0 {
		t := float64(tru)
		r.Weighted = Scores{wP / t, wR / t, wF / t, tru}
	}
	r.Weighted.Support = tru
	if microIsAccuracy {
		r.Accuracy = clsDiv(tp, tru)
	}
	return r
}

// Confusion is a confusion matrix over a fixed label set: Counts[t*N+p] is
// the number of items of true label t predicted as p.
type Confusion struct {
	Labels []string
	N      int
	Counts []int
}

// NewConfusion returns an empty matrix over labels (ids are indices).
func NewConfusion(labels []string) *Confusion {
	n := len(labels)
	return &Confusion{Labels: append([]string(nil), labels...), N: n, Counts: make([]int, n*n)}
}

// Add counts one item of true label id t predicted as p. Ids must be in
// [0, N).
func (c *Confusion) Add(t, p int) { c.Counts[t*c.N+p]++ }

// At returns the count of true t predicted as p.
func (c *Confusion) At(t, p int) int { return c.Counts[t*c.N+p] }

// Total returns the number of items counted.
func (c *Confusion) Total() int {
	s := 0
	for _, v := range c.Counts {
		s += v
	}
	return s
}

// Accuracy returns the fraction of items on the diagonal (0 when empty).
func (c *Confusion) Accuracy() float64 {
	d := 0
	for i := 0; i < c.N; i++ {
		d += c.Counts[i*c.N+i]
	}
	return clsDiv(d, c.Total())
}

// LabelCounts derives per-label tallies: TP on the diagonal, Pred from the
// column sums, True from the row sums.
func (c *Confusion) LabelCounts() []LabelCounts {
	out := make([]LabelCounts, c.N)
	for i := range out {
		out[i].Label = c.Labels[i]
	}
	for t := 0; t < c.N; t++ {
		row := c.Counts[t*c.N : (t+1)*c.N]
		for p, v := range row {
			out[t].True += v
			out[p].Pred += v
		}
		out[t].TP = row[t]
	}
	return out
}

// Report computes the classification report of the matrix. As in
// scikit-learn, the micro average is shown as accuracy only when every label
// of the matrix occurs (as truth or prediction); a listed label that never
// occurs turns it into a "micro avg" row.
func (c *Confusion) Report() *Report {
	counts := c.LabelCounts()
	all := true
	for _, lc := range counts {
		if lc.True+lc.Pred == 0 {
			all = false
		}
	}
	r := NewReport(counts, all)
	r.Confusion = c
	return r
}

// ConfusionFromStrings builds a matrix from parallel label sequences. With
// labels nil the label set is the sorted union of gold and pred (as
// scikit-learn does); otherwise a label outside the given set is an error.
func ConfusionFromStrings(gold, pred []string, labels []string) (*Confusion, error) {
	if len(gold) != len(pred) {
		return nil, fmt.Errorf("metrics: %d gold labels but %d predictions", len(gold), len(pred))
	}
	if labels == nil {
		seen := map[string]bool{}
		for _, s := range [2][]string{gold, pred} {
			for _, l := range s {
				if !seen[l] {
					seen[l] = true
					labels = append(labels, l)
				}
			}
		}
		sort.Strings(labels)
	}
	id := make(map[string]int, len(labels))
	for i, l := range labels {
		if _, dup := id[l]; dup {
			return nil, fmt.Errorf("metrics: label %q listed twice", l)
		}
		id[l] = i
	}
	c := NewConfusion(labels)
	for i := range gold {
		t, ok := id[gold[i]]
		if !ok {
			return nil, fmt.Errorf("metrics: item %d: unknown gold label %q", i, gold[i])
		}
		p, ok := id[pred[i]]
		if !ok {
			return nil, fmt.Errorf("metrics: item %d: unknown predicted label %q", i, pred[i])
		}
		c.Add(t, p)
	}
	return c, nil
}

// ClassificationReport is a shortcut for ConfusionFromStrings(...).Report().
func ClassificationReport(gold, pred []string, labels []string) (*Report, error) {
	c, err := ConfusionFromStrings(gold, pred, labels)
	if err != nil {
		return nil, err
	}
	return c.Report(), nil
}

func runeWidth(s string) int { return utf8.RuneCountInString(s) }

// padLeft right-aligns s in width characters (code points, as Python's
// str.format counts).
func padLeft(s string, width int) string {
	if n := runeWidth(s); n < width {
		return strings.Repeat(" ", width-n) + s
	}
	return s
}

// Text returns the report in the layout of scikit-learn's
// classification_report(digits=digits): a header line, a blank line, one
// line per label, a blank line and the accuracy (or micro avg), macro avg
// and weighted avg lines. The output ends with a newline.
func (r *Report) Text(digits int) string {
	if digits < 0 {
		digits = 0
	}
	width := len("weighted avg")
	for _, c := range r.Classes {
		width = max(width, runeWidth(c.Label))
	}
	width = max(width, digits)
	var b strings.Builder
	b.WriteString(padLeft("", width) + " ")
	for _, h := range []string{"precision", "recall", "f1-score", "support"} {
		fmt.Fprintf(&b, " %9s", h)
	}
	b.WriteString("\n\n")
	row := func(name string, s Scores) {
		fmt.Fprintf(&b, "%s  %9.*f %9.*f %9.*f %9d\n", padLeft(name, width), digits, s.Precision, digits, s.Recall, digits, s.F1, s.Support)
	}
	for _, c := range r.Classes {
		row(c.Label, c.Scores)
	}
	b.WriteString("\n")
	if r.HasAccuracy {
		fmt.Fprintf(&b, "%s  %9s %9s %9.*f %9d\n", padLeft("accuracy", width), "", "", digits, r.Micro.F1, r.Micro.Support)
	} else {
		row("micro avg", r.Micro)
	}
	row("macro avg", r.Macro)
	row("weighted avg", r.Weighted)
	return b.String()
}

// WriteConfusion prints the confusion matrix with its labels: one row per
// true label, one column per predicted label, right-aligned.
func (c *Confusion) WriteConfusion(w io.Writer) error {
	const corner = `true\pred`
	first := runeWidth(corner)
	for _, l := range c.Labels {
		first = max(first, runeWidth(l))
	}
	cols := make([]int, c.N)
	for p := range cols {
		cols[p] = runeWidth(c.Labels[p])
		for t := 0; t < c.N; t++ {
			cols[p] = max(cols[p], len(fmt.Sprint(c.At(t, p))))
		}
	}
	var b strings.Builder
	b.WriteString(corner + strings.Repeat(" ", first-runeWidth(corner)))
	for p, l := range c.Labels {
		b.WriteString("  " + padLeft(l, cols[p]))
	}
	b.WriteString("\n")
	for t, l := range c.Labels {
		b.WriteString(l + strings.Repeat(" ", first-runeWidth(l)))
		for p := range c.Labels {
			b.WriteString("  " + padLeft(fmt.Sprint(c.At(t, p)), cols[p]))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// reportJSON is the JSON form of a Report; keys follow scikit-learn's
// output_dict names.
type reportJSON struct {
	Classes   []ClassScores `json:"classes"`
	Accuracy  *float64      `json:"accuracy,omitempty"`
	Micro     *Scores       `json:"micro avg,omitempty"`
	Macro     Scores        `json:"macro avg"`
	Weighted  Scores        `json:"weighted avg"`
	Labels    []string      `json:"labels,omitempty"`
	Confusion [][]int       `json:"confusion_matrix,omitempty"`
}

// MarshalJSON writes {"classes":[{label,precision,recall,f1-score,support}],
// "accuracy" or "micro avg", "macro avg", "weighted avg", and, when known,
// "labels" and "confusion_matrix" (rows true, columns predicted)}.
func (r *Report) MarshalJSON() ([]byte, error) {
	j := reportJSON{Classes: r.Classes, Macro: r.Macro, Weighted: r.Weighted}
	if j.Classes == nil {
		j.Classes = []ClassScores{}
	}
	if r.HasAccuracy {
		a := r.Accuracy
		j.Accuracy = &a
	} else {
		m := r.Micro
		j.Micro = &m
	}
	if c := r.Confusion; c != nil {
		j.Labels = c.Labels
		j.Confusion = make([][]int, c.N)
		for t := range j.Confusion {
			j.Confusion[t] = c.Counts[t*c.N : (t+1)*c.N]
		}
	}
	return json.Marshal(j)
}
