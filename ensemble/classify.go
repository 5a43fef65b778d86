package ensemble

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mulan-nlp/mulan/modelfile"
)

// Classifier is what an ensemble or a router needs from a member: its label
// set and the probability of each label (in the order of Labels) for a text.
// Probs appends to dst[:0] and returns it.
type Classifier interface {
	Labels() []string
	Probs(dst []float64, text string) []float64
}

// Loader opens the classifier file at path (of any kind the caller knows,
// ensembles and routers included). Ensembles and routers are saved as the
// names of their member files; the caller injects the loader when reading
// them back, so this package depends on no particular classifier package.
type Loader func(path string) (Classifier, error)

// EnsembleKind and EnsembleVersion identify a classifier ensemble file in
// the modelfile container.
const (
	EnsembleKind    = "classifier-ensemble"
	EnsembleVersion = 1
)

// alignment maps the label order of a reference label set onto each member:
// perm[i][k] is the index in member i's Probs of label k of labels.
type alignment struct {
	labels []string
	perm   [][]int
}

// align checks that every member has the same label set (in any order) and
// returns the shared labels in the first member's order. names (optional,
// same length) name the members in errors.
func align(members []Classifier, names []string) (alignment, error) {
	if len(members) == 0 {
		return alignment{}, fmt.Errorf("no member classifiers")
	}
	name := func(i int) string {
		if i < len(names) && names[i] != "" {
			return names[i]
		}
		return fmt.Sprintf("member %d", i+1)
	}
	ref := members[0].Labels()
	if len(ref) == 0 {
		return alignment{}, fmt.Errorf("%s has no labels", name(0))
	}
	pos := make(map[string]int, len(ref))
	for k, l := range ref {
		if _, dup := pos[l]; dup {
			return alignment{}, fmt.Errorf("%s lists label %q twice", name(0), l)
		}
		pos[l] = k
	}
	a := alignment{labels: slices.Clone(ref), perm: make([][]int, len(members))}
	for i, m := range members {
		ls := m.Labels()
		p := make([]int, len(ref))
		for k := range p {
			p[k] = -1
		}
		var extra []string
		for j, l := range ls {
			k, ok := pos[l]
			if !ok || p[k] >= 0 {
				extra = append(extra, l)
				continue
			}
			p[k] = j
		}
		var missing []string
		for k, j := range p {
			if j < 0 {
				missing = append(missing, ref[k])
			}
		}
		if len(extra) > 0 || len(missing) > 0 {
			msg := fmt.Sprintf("%s and %s have different label sets", name(0), name(i))
			if len(missing) > 0 {
				msg += fmt.Sprintf("; %s lacks %s", name(i), strings.Join(missing, ", "))
			}
			if len(extra) > 0 {
				msg += fmt.Sprintf("; %s has %s (unknown or repeated)", name(i), strings.Join(extra, ", "))
			}
			return alignment{}, fmt.Errorf("%s", msg)
		}
		a.perm[i] = p
	}
	return a, nil
}

// addAligned adds w times member i's probabilities (scratch, in member order)
// to acc, in the shared order.
func (a *alignment) addAligned(acc []float64, i int, w float64, scratch []float64) {
	for k, j := range a.perm[i] {
		acc[k] += w * scratch[j]
	}
}

// Ensemble averages the label probabilities of several classifiers:
// p(y | x) = Σ_i λ_i p_i(y | x), the weights λ summing to one. Members may
// list their labels in different orders; they are aligned by name, and
// Labels is the first member's order.
type Ensemble struct {
	Members []Classifier
	Files   []string  // member file names (for Save and messages); may be nil
	Weights []float64 // λ_i, sum 1
	al      alignment
	scratch []float64
}

// NewEnsemble builds an ensemble. files names the members (used in errors
// and by Save; may be nil); weights nil means uniform, otherwise they must be
// non-negative with a positive sum and are normalised. Members whose label
// sets differ are refused with a message naming the labels.
func NewEnsemble(members []Classifier, files []string, weights []float64) (*Ensemble, error) {
	if files != nil && len(files) != len(members) {
		return nil, fmt.Errorf("%d member files for %d members", len(files), len(members))
	}
	al, err := align(members, files)
	if err != nil {
		return nil, err
	}
	w, err := normWeights(weights, len(members))
	if err != nil {
		return nil, err
	}
	return &Ensemble{Members: members, Files: files, Weights: w, al: al}, nil
}

func normWeights(weights []float64, n int) ([]float64, error) {
	w := make([]float64, n)
	if weights == nil {
		for i := range w {
			w[i] = 1 / float64(n)
		}
		return w, nil
	}
	if len(weights) != n {
		return nil, fmt.Errorf("%d weights for %d members", len(weights), n)
	}
	var sum float64
	for i, x := range weights {
		if !(x >= 0) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("weight %d is %g; weights must be finite and non-negative", i+1, x)
		}
		sum += x
	}
	if sum <= 0 {
		return nil, fmt.Errorf("weights sum to zero")
	}
	for i, x := range weights {
		w[i] = x / sum
	}
	return w, nil
}

// Labels returns the shared label set, in the first member's order.
func (e *Ensemble) Labels() []string { return slices.Clone(e.al.labels) }

// Probs returns Σ_i λ_i p_i(y | text) for every label y. It reuses a scratch
// buffer, so an Ensemble must not be used by several goroutines at once.
func (e *Ensemble) Probs(dst []float64, text string) []float64 {
	dst = zeroed(dst, len(e.al.labels))
	for i, m := range e.Members {
		if e.Weights[i] == 0 {
			continue
		}
		e.scratch = m.Probs(e.scratch[:0], text)
		e.al.addAligned(dst, i, e.Weights[i], e.scratch)
	}
	return dst
}

func zeroed(dst []float64, n int) []float64 {
	dst = slices.Grow(dst[:0], n)[:n]
	clear(dst)
	return dst
}

// DevProbs holds, for every dev example, each member's probability of the
// gold label, and whether each member's most probable label was the gold one.
type DevProbs struct {
	N       int       // examples
	Members int       // members
	Gold    []float64 // Gold[t*Members+i] = p_i(gold_t | x_t)
	Correct []bool    // Correct[t*Members+i]: member i's argmax is gold_t
	Probs   []float64 // Probs[(t*Members+i)*L+k]: member i's p of label k (shared order)
	GoldID  []int     // gold label index of example t
}

// Score runs every member on the dev texts and collects what Tune and
// Accuracy need. A gold label outside the label set is an error naming the
// example (names[t] if given, else its index).
func (e *Ensemble) Score(texts, gold []string, names []string) (*DevProbs, error) {
	if len(texts) != len(gold) {
		return nil, fmt.Errorf("%d texts for %d labels", len(texts), len(gold))
	}
	L := len(e.al.labels)
	id := make(map[string]int, L)
	for k, l := range e.al.labels {
		id[l] = k
	}
	M := len(e.Members)
	d := &DevProbs{N: len(texts), Members: M, Gold: make([]float64, len(texts)*M),
		Correct: make([]bool, len(texts)*M), Probs: make([]float64, len(texts)*M*L), GoldID: make([]int, len(texts))}
	for t, text := range texts {
		g, ok := id[gold[t]]
		if !ok {
			where := fmt.Sprintf("example %d", t+1)
			if t < len(names) {
				where = names[t]
			}
			return nil, fmt.Errorf("%s: label %q is not one of the members' labels (%s)", where, gold[t], strings.Join(e.al.labels, ", "))
		}
		d.GoldID[t] = g
		for i, m := range e.Members {
			e.scratch = m.Probs(e.scratch[:0], text)
			p := d.Probs[(t*M+i)*L : (t*M+i+1)*L]
			e.al.addAligned(p, i, 1, e.scratch)
			d.Gold[t*M+i] = p[g]
			d.Correct[t*M+i] = argmax(p) == g
		}
	}
	return d, nil
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

// MemberAccuracy returns the accuracy of each member on the dev examples.
func (d *DevProbs) MemberAccuracy() []float64 {
	acc := make([]float64, d.Members)
	for t := range d.N {
		for i := range d.Members {
			if d.Correct[t*d.Members+i] {
				acc[i]++
			}
		}
	}
	for i := range acc {
		acc[i] /= float64(max(d.N, 1))
	}
	return acc
}

// Accuracy returns the accuracy on the dev examples of the ensemble with the
// given weights (argmax of the weighted average; first label of ties).
func (d *DevProbs) Accuracy(weights []float64) float64 {
	L := len(d.Probs) / max(d.N*d.Members, 1)
	p := make([]float64, L)
	var ok int
	for t := range d.N {
		clear(p)
		for i, w := range weights {
			q := d.Probs[(t*d.Members+i)*L : (t*d.Members+i+1)*L]
			for k := range p {
				p[k] += w * q[k]
			}
		}
		if argmax(p) == d.GoldID[t] {
			ok++
		}
	}
	return float64(ok) / float64(max(d.N, 1))
}

// minProb floors a mixture probability in the log-likelihood, so that an
// example every member gives zero probability does not make it -Inf.
const minProb = 1e-300

// LogLik returns the mean log-likelihood (natural log) of the gold labels
// under the ensemble with the given weights.
func (d *DevProbs) LogLik(weights []float64) float64 {
	var s float64
	for t := range d.N {
		var p float64
		for i, w := range weights {
			p += w * d.Gold[t*d.Members+i]
		}
		s += math.Log(max(p, minProb))
	}
	return s / float64(max(d.N, 1))
}

// TuneOptions bound the EM run of Tune.
type TuneOptions struct {
	Tol     float64 // stop when no weight moves more than Tol (default 1e-6)
	MaxIter int     // at most this many iterations (default 1000)
}

// TuneResult reports a weight tuning.
type TuneResult struct {
	Weights    []float64
	Iterations int
	LogLik     float64 // mean dev log-likelihood with Weights
}

// Tune sets the weights that maximise the dev log-likelihood of the gold
// labels, Σ_t log Σ_i λ_i p_i(gold_t | x_t), by EM from uniform weights:
// λ_i ← (1/T) Σ_t λ_i p_i(t) / Σ_j λ_j p_j(t). The objective is concave in λ
// on the simplex and every EM step increases it, so the run converges to the
// global maximum (ties aside). Examples that every member gives probability
// zero carry no information about the weights and are skipped by the update.
func (d *DevProbs) Tune(opt TuneOptions) TuneResult {
	if opt.Tol <= 0 {
		opt.Tol = 1e-6
	}
	if opt.MaxIter <= 0 {
		opt.MaxIter = 1000
	}
	M := d.Members
	w := make([]float64, M)
	for i := range w {
		w[i] = 1 / float64(M)
	}
	next := make([]float64, M)
	it := 0
	for it < opt.MaxIter {
		it++
		clear(next)
		var used int
		for t := range d.N {
			g := d.Gold[t*M : (t+1)*M]
			var p float64
			for i := range M {
				p += w[i] * g[i]
			}
			if p <= 0 {
				continue
			}
			used++
			for i := range M {
				next[i] += w[i] * g[i] / p
			}
		}
		if used == 0 {
			break
		}
		var delta float64
		for i := range M {
			next[i] /= float64(used)
			delta = max(delta, math.Abs(next[i]-w[i]))
		}
		w, next = next, w
		if delta <= opt.Tol {
			break
		}
	}
	return TuneResult{Weights: w, Iterations: it, LogLik: d.LogLik(w)}
}

// ensembleFile is the JSON payload of a classifier-ensemble file.
type ensembleFile struct {
	Members []ensembleMember `json:"members"`
	Labels  []string         `json:"labels"`
}

type ensembleMember struct {
	Path   string  `json:"path"` // relative to the ensemble file's directory unless absolute
	Weight float64 `json:"weight"`
}

// relPath returns file relative to dir when it can be, else its absolute path.
func relPath(dir, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	if r, err := filepath.Rel(dir, abs); err == nil {
		return filepath.ToSlash(r), nil
	}
	return abs, nil
}

// Save writes the ensemble to path atomically as a framed modelfile
// container of kind EnsembleKind whose payload is JSON naming the member
// files (relative to path's directory) and their weights. The members
// themselves are not copied: they must stay where they are, relative to the
// ensemble file. Files must be set.
func (e *Ensemble) Save(path string) error {
	if len(e.Files) != len(e.Members) {
		return fmt.Errorf("%s: every member needs a file name to save an ensemble", path)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return err
	}
	f := ensembleFile{Labels: e.al.labels}
	for i, file := range e.Files {
		r, err := relPath(dir, file)
		if err != nil {
			return err
		}
		f.Members = append(f.Members, ensembleMember{Path: r, Weight: e.Weights[i]})
	}
	return writeJSON(path, EnsembleKind, EnsembleVersion, f)
}

func writeJSON(path, kind string, version uint32, v any) error {
	p, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return modelfile.WriteAtomic(path, func(w io.Writer) error {
		_, err := modelfile.WriteTo(w, modelfile.Header{Kind: kind, Version: version}, p)
		return err
	})
}

func readJSON(name string, h modelfile.Header, payload []byte, kind string, version uint32, v any) error {
	if err := h.Expect(name, kind, version); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %s payload: %w", name, kind, err)
	}
	return nil
}

// memberPath resolves a stored member path against the directory of the
// file that names it.
func memberPath(name, p string) string {
	p = filepath.FromSlash(p)
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(name), p)
}

// DecodeEnsemble reads an ensemble from the payload of a container read from
// the file name, opening each member with load. The label set recorded at
// save time must still be the members' label set.
func DecodeEnsemble(name string, h modelfile.Header, payload []byte, load Loader) (*Ensemble, error) {
	var f ensembleFile
	if err := readJSON(name, h, payload, EnsembleKind, EnsembleVersion, &f); err != nil {
		return nil, err
	}
	if len(f.Members) == 0 {
		return nil, fmt.Errorf("%s: ensemble has no members", name)
	}
	var members []Classifier
	var ws []float64
	var paths []string
	for _, m := range f.Members {
		p := memberPath(name, m.Path)
		c, err := load(p)
		if err != nil {
			return nil, fmt.Errorf("%s: member %s: %w", name, m.Path, err)
		}
		members = append(members, c)
		paths = append(paths, p)
		ws = append(ws, m.Weight)
	}
	e, err := NewEnsemble(members, paths, ws)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !sameSet(e.al.labels, f.Labels) {
		return nil, fmt.Errorf("%s: members now have labels %s, the ensemble was saved with %s", name, strings.Join(e.al.labels, ", "), strings.Join(f.Labels, ", "))
	}
	return e, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// LoadEnsemble reads the ensemble file at path, opening members with load.
func LoadEnsemble(path string, load Loader) (*Ensemble, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, p, err := modelfile.Decode(path, data)
	if err != nil {
		return nil, err
	}
	return DecodeEnsemble(path, h, p, load)
}
