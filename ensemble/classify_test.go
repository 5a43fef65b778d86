package ensemble

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/modelfile"
)

// fake is a classifier with fixed probabilities per text (default: def).
type fake struct {
	labels []string
	probs  map[string][]float64
	def    []float64
	calls  []string
}

func (f *fake) Labels() []string { return f.labels }
func (f *fake) Probs(dst []float64, text string) []float64 {
	f.calls = append(f.calls, text)
	p, ok := f.probs[text]
	if !ok {
		p = f.def
	}
	return append(dst[:0], p...)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestEnsembleProbsAligned(t *testing.T) {
	a := &fake{labels: []string{"neg", "pos"}, def: []float64{0.8, 0.2}}
	// b lists its labels in the other order: p(pos) = 0.6, p(neg) = 0.4.
	b := &fake{labels: []string{"pos", "neg"}, def: []float64{0.6, 0.4}}
	tests := []struct {
		weights []float64
		want    []float64 // neg, pos
	}{
		{nil, []float64{0.6, 0.4}},                   // (0.8+0.4)/2, (0.2+0.6)/2
		{[]float64{1, 3}, []float64{0.5, 0.5}},       // 0.25*0.8+0.75*0.4, 0.25*0.2+0.75*0.6
		{[]float64{0, 2}, []float64{0.4, 0.6}},       // b alone
		{[]float64{0.9, 0.1}, []float64{0.76, 0.24}}, // 0.72+0.04, 0.18+0.06
	}
	for _, tc := range tests {
		e, err := NewEnsemble([]Classifier{a, b}, nil, tc.weights)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Labels(); strings.Join(got, ",") != "neg,pos" {
			t.Fatalf("labels %v", got)
		}
		got := e.Probs(nil, "x")
		for k := range got {
			if !near(got[k], tc.want[k], 1e-12) {
				t.Errorf("weights %v: probs %v, want %v", tc.weights, got, tc.want)
			}
		}
	}
}

func TestEnsembleRefusesBadMembers(t *testing.T) {
	ab := &fake{labels: []string{"a", "b"}}
	tests := []struct {
		name    string
		members []Classifier
		weights []float64
		want    string
	}{
		{"none", nil, nil, "no member"},
		{"missing", []Classifier{ab, &fake{labels: []string{"a"}}}, nil, "lacks b"},
		{"extra", []Classifier{ab, &fake{labels: []string{"a", "b", "c"}}}, nil, "has c"},
		{"renamed", []Classifier{ab, &fake{labels: []string{"a", "B"}}}, nil, "lacks b"},
		{"repeated", []Classifier{ab, &fake{labels: []string{"a", "a"}}}, nil, "lacks b"},
		{"dup first", []Classifier{&fake{labels: []string{"a", "a"}}, ab}, nil, "twice"},
		{"negative weight", []Classifier{ab, ab}, []float64{1, -1}, "non-negative"},
		{"zero weights", []Classifier{ab, ab}, []float64{0, 0}, "zero"},
		{"weight count", []Classifier{ab, ab}, []float64{1}, "1 weights for 2"},
	}
	for _, tc := range tests {
		_, err := NewEnsemble(tc.members, nil, tc.weights)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// devSet builds two members and a dev set in which member a gives the gold
// label probabilities ga and member b gb (two labels, gold always "y").
func devSet(ga, gb []float64) (*Ensemble, []string, []string) {
	a := &fake{labels: []string{"y", "n"}, probs: map[string][]float64{}}
	b := &fake{labels: []string{"n", "y"}, probs: map[string][]float64{}}
	var texts, gold []string
	for i := range ga {
		x := fmt.Sprint("t", i)
		a.probs[x] = []float64{ga[i], 1 - ga[i]}
		b.probs[x] = []float64{1 - gb[i], gb[i]}
		texts = append(texts, x)
		gold = append(gold, "y")
	}
	e, _ := NewEnsemble([]Classifier{a, b}, nil, nil)
	return e, texts, gold
}

func TestTuneHandComputed(t *testing.T) {
	// LL(λ) = log(λ·1 + (1-λ)·0.5) + log(λ·0.2 + (1-λ)·0.5); setting the
	// derivative 0.5/(0.5+0.5λ) - 0.3/(0.5-0.3λ) to zero gives λ = 1/3.
	e, texts, gold := devSet([]float64{1, 0.2}, []float64{0.5, 0.5})
	d, err := e.Score(texts, gold, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := d.Tune(TuneOptions{Tol: 1e-10, MaxIter: 100000})
	if !near(res.Weights[0], 1.0/3, 1e-6) || !near(res.Weights[1], 2.0/3, 1e-6) {
		t.Fatalf("weights %v, want [1/3 2/3]", res.Weights)
	}
	want := (math.Log(1.0/3+2.0/3*0.5) + math.Log(0.2/3+2.0/3*0.5)) / 2
	if !near(res.LogLik, want, 1e-9) {
		t.Errorf("loglik %v, want %v", res.LogLik, want)
	}
	// member accuracies: a is right on t0 (1 vs 0) and wrong on t1 (0.2 vs
	// 0.8); b ties 0.5/0.5, and ties go to the first label of the shared
	// order (a's: y), not b's own first label n, so b is right both times.
	acc := d.MemberAccuracy()
	if acc[0] != 0.5 || acc[1] != 1 {
		t.Errorf("member accuracy %v, want [0.5 1]", acc)
	}
}

func TestTuneMatchesGrid(t *testing.T) {
	// Three members; the EM optimum must match the best point of a fine grid
	// on the simplex (an independent search), up to the grid's resolution.
	ga := []float64{0.9, 0.3, 0.8, 0.6, 0.05, 0.7}
	gb := []float64{0.6, 0.6, 0.5, 0.7, 0.4, 0.3}
	gc := []float64{0.2, 0.9, 0.4, 0.5, 0.9, 0.2}
	mk := func(order []string, g []float64) *fake {
		f := &fake{labels: order, probs: map[string][]float64{}}
		for i, p := range g {
			if order[0] == "y" {
				f.probs[fmt.Sprint(i)] = []float64{p, 1 - p}
			} else {
				f.probs[fmt.Sprint(i)] = []float64{1 - p, p}
			}
		}
		return f
	}
	var texts, gold []string
	for i := range ga {
		texts, gold = append(texts, fmt.Sprint(i)), append(gold, "y")
	}
	e, err := NewEnsemble([]Classifier{mk([]string{"y", "n"}, ga), mk([]string{"n", "y"}, gb), mk([]string{"y", "n"}, gc)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Score(texts, gold, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := d.Tune(TuneOptions{Tol: 1e-12, MaxIter: 1000000})
	const n = 400
	best, bw := math.Inf(-1), []float64{}
	for i := 0; i <= n; i++ {
		for j := 0; i+j <= n; j++ {
			w := []float64{float64(i) / n, float64(j) / n, float64(n-i-j) / n}
			var ll float64
			for t := range ga {
				ll += math.Log(w[0]*ga[t] + w[1]*gb[t] + w[2]*gc[t])
			}
			if ll/float64(len(ga)) > best {
				best, bw = ll/float64(len(ga)), w
			}
		}
	}
	if res.LogLik < best-1e-9 {
		t.Errorf("EM loglik %v below grid's %v", res.LogLik, best)
	}
	for i := range bw {
		if !near(res.Weights[i], bw[i], 0.01) {
			t.Errorf("EM weights %v, grid optimum %v", res.Weights, bw)
			break
		}
	}
}

func TestScoreRefusesUnknownGold(t *testing.T) {
	e, texts, _ := devSet([]float64{0.5}, []float64{0.5})
	_, err := e.Score(texts, []string{"maybe"}, []string{"dev.tsv:2"})
	if err == nil || !strings.Contains(err.Error(), "dev.tsv:2") || !strings.Contains(err.Error(), "maybe") {
		t.Fatalf("err %v", err)
	}
}

func TestEnsembleAccuracy(t *testing.T) {
	// a right on t0,t1; b right on t2 only (confidently); the 50/50 ensemble
	// averages: t0 (0.7+0.4)/2>.5 right, t1 (0.6+0.45)/2>.5 right,
	// t2 (0.4+0.9)/2 = 0.65 right, t3 (0.3+0.2)/2 wrong.
	e, texts, gold := devSet([]float64{0.7, 0.6, 0.4, 0.3}, []float64{0.4, 0.45, 0.9, 0.2})
	d, err := e.Score(texts, gold, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc := d.MemberAccuracy(); acc[0] != 0.5 || acc[1] != 0.25 {
		t.Errorf("member accuracy %v", acc)
	}
	if got := d.Accuracy([]float64{0.5, 0.5}); got != 0.75 {
		t.Errorf("ensemble accuracy %v, want 0.75", got)
	}
}

// loader returns a Loader that opens the fakes registered by file name.
func loader(m map[string]Classifier) Loader {
	return func(path string) (Classifier, error) {
		c, ok := m[filepath.Base(path)]
		if !ok {
			return nil, fmt.Errorf("%s: no such fake", path)
		}
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		return c, nil
	}
}

func touch(t *testing.T, paths ...string) {
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEnsembleSaveLoad(t *testing.T) {
	dir := t.TempDir()
	a := &fake{labels: []string{"neg", "pos"}, def: []float64{0.8, 0.2}}
	b := &fake{labels: []string{"pos", "neg"}, def: []float64{0.6, 0.4}}
	pa, pb := filepath.Join(dir, "models", "a.lin"), filepath.Join(dir, "b.lin")
	touch(t, pa, pb)
	e, err := NewEnsemble([]Classifier{a, b}, []string{pa, pb}, []float64{0.25, 0.75})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "models", "ens")
	if err := e.Save(out); err != nil {
		t.Fatal(err)
	}
	h, payload, err := modelfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != EnsembleKind || h.Version != EnsembleVersion {
		t.Fatalf("header %+v", h)
	}
	if !strings.Contains(string(payload), `"a.lin"`) || !strings.Contains(string(payload), `"../b.lin"`) {
		t.Errorf("member paths not relative: %s", payload)
	}
	fakes := map[string]Classifier{"a.lin": a, "b.lin": b}
	got, err := LoadEnsemble(out, loader(fakes))
	if err != nil {
		t.Fatal(err)
	}
	p := got.Probs(nil, "x")
	if !near(p[0], 0.5, 1e-12) || !near(p[1], 0.5, 1e-12) || got.Weights[1] != 0.75 {
		t.Errorf("loaded ensemble probs %v weights %v", p, got.Weights)
	}
	// A member whose labels changed since saving is refused.
	fakes["b.lin"] = &fake{labels: []string{"pos", "neg", "mixed"}}
	if _, err := LoadEnsemble(out, loader(fakes)); err == nil || !strings.Contains(err.Error(), "mixed") {
		t.Errorf("changed member: err %v", err)
	}
	// A router file is not an ensemble.
	if err := writeJSON(out, RouterKind, RouterVersion, struct{}{}); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadEnsemble(out, loader(fakes)); err == nil || !strings.Contains(err.Error(), RouterKind) {
		t.Errorf("wrong kind: err %v", err)
	}
}

func BenchmarkEnsembleProbs(b *testing.B) {
	x := &fake{labels: []string{"a", "b", "c"}, def: []float64{0.2, 0.3, 0.5}}
	y := &fake{labels: []string{"c", "b", "a"}, def: []float64{0.1, 0.1, 0.8}}
	e, _ := NewEnsemble([]Classifier{x, y}, nil, nil)
	var p []float64
	for b.Loop() {
		x.calls, y.calls = x.calls[:0], y.calls[:0]
		p = e.Probs(p, "text")
	}
}

// Two classifiers that list their labels in different orders are averaged
// label by label, with weights tuned on two dev examples: the dev
// log-likelihood log(λ + (1-λ)/2) + log(0.2λ + (1-λ)/2) peaks at λ = 1/3.
// (b's ties go to the first shared label, neg, so b is wrong on both.)
func ExampleEnsemble() {
	a := &fake{labels: []string{"neg", "pos"}, probs: map[string][]float64{
		"fine": {0, 1}, "meh": {0.8, 0.2}}}
	b := &fake{labels: []string{"pos", "neg"}, probs: map[string][]float64{
		"fine": {0.5, 0.5}, "meh": {0.5, 0.5}}}
	e, err := NewEnsemble([]Classifier{a, b}, []string{"a.lin", "b.lin"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Labels(), e.Probs(nil, "fine"))
	d, err := e.Score([]string{"fine", "meh"}, []string{"pos", "pos"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	res := d.Tune(TuneOptions{Tol: 1e-9, MaxIter: 100000})
	fmt.Printf("weights %.3f, dev accuracy: members %v, ensemble %.2f\n",
		res.Weights, d.MemberAccuracy(), d.Accuracy(res.Weights))
	// Output:
	// [neg pos] [0.25 0.75]
	// weights [0.333 0.667], dev accuracy: members [0.5 0], ensemble 0.50
}
