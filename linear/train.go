package linear

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/progress"
)

// Config holds the hyper-parameters of a model. The defaults are fastText's
// supervised defaults.
type Config struct {
	Dim        int           `json:"dim"`         // embedding size (fastText -dim, 100)
	Epoch      int           `json:"epoch"`       // passes over the data (-epoch, 5)
	LR         float64       `json:"lr"`          // initial learning rate, decayed linearly to 0 (-lr, 0.1)
	WordNgrams int           `json:"word_ngrams"` // longest word n-gram, 1 = words only (-wordNgrams, 1)
	Bucket     int           `json:"bucket"`      // hash buckets for n-grams (-bucket, 2000000)
	MinCount   int           `json:"min_count"`   // least training count of a word (-minCount, 1)
	Threads    int           `json:"threads"`     // training goroutines (-thread); 1 is deterministic
	Tokenizer  TokenizerSpec `json:"tokenizer"`
}

// DefaultConfig returns fastText's supervised defaults (dim 100, lr 0.1,
// 5 epochs, unigrams, 2M buckets, minCount 1) with one goroutine per CPU and
// the auto tokenizer.
func DefaultConfig() Config {
	return Config{Dim: 100, Epoch: 5, LR: 0.1, WordNgrams: 1, Bucket: 2000000, MinCount: 1,
		Threads: runtime.GOMAXPROCS(0), Tokenizer: TokenizerSpec{Lang: "auto"}}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch {
	case c.Dim < 1 || c.Dim > 1<<16:
		return fmt.Errorf("dim %d out of range 1..65536", c.Dim)
	case c.Epoch < 1:
		return fmt.Errorf("epoch %d < 1", c.Epoch)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("learning rate %g must be positive", c.LR)
	case c.WordNgrams < 1 || c.WordNgrams > 16:
		return fmt.Errorf("word n-grams %d out of range 1..16", c.WordNgrams)
	case c.Bucket < 0 || c.Bucket > 1<<30:
		return fmt.Errorf("bucket %d out of range 0..%d", c.Bucket, 1<<30)
	case c.WordNgrams > 1 && c.Bucket == 0:
		return errors.New("word n-grams > 1 need bucket > 0")
	case c.MinCount < 1:
		return fmt.Errorf("min count %d < 1", c.MinCount)
	case c.Threads < 1:
		return fmt.Errorf("threads %d < 1", c.Threads)
	}
	_, err := c.Tokenizer.New()
	return err
}

// Stats describe a training run.
type Stats struct {
	Examples  int           // training examples
	Tokens    int64         // tokens per epoch (words + "</s>" + labels, as fastText counts)
	Steps     int64         // SGD steps taken (examples × epochs, about)
	Loss      float64       // mean log-loss over all steps
	Words     int           // vocabulary size (including "</s>")
	NgramRows int           // distinct n-gram buckets seen
	Duration  time.Duration // whole call, tokenization included
}

// dataset is the training set as flat ids.
type dataset struct {
	rows    []int32 // rows of all examples, concatenated
	off     []int32 // example i has rows[off[i]:off[i+1]]
	targets []int32 // labels of all examples, concatenated
	toff    []int32
	ntok    []int32 // tokens of example i for the learning-rate schedule
}

// Train fits a model on recs (text and label(s) each; a FastText record's
// Labels are all used, one drawn at random per step, as fastText does).
// name labels error messages. rng seeds the initial weights and the label
// draws; log, when not nil, receives progress lines or a bar.
func Train(name string, recs []corpus.Record, cfg Config, rng *rand.Rand, log io.Writer) (*Model, *Stats, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("linear: %w", err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: no training examples", name)
	}
	tok, err := cfg.Tokenizer.New()
	if err != nil {
		return nil, nil, err
	}
	m := &Model{cfg: cfg, dim: cfg.Dim, tok: tok, initSeed: rng.Uint64()}

	// Labels.
	labelSet := map[string]bool{}
	for _, r := range recs {
		ls := recLabels(r)
		if len(ls) == 0 {
			return nil, nil, fmt.Errorf("%s:%d: record has no label", name, r.Line)
		}
		for _, l := range ls {
			labelSet[l] = true
		}
	}
	if len(labelSet) < 2 {
		return nil, nil, fmt.Errorf("%s: need at least 2 labels, found %d", name, len(labelSet))
	}
	for l := range labelSet {
		m.labels = append(m.labels, l)
	}
	slices.Sort(m.labels)
	m.labelID = make(map[string]int, len(m.labels))
	for i, l := range m.labels {
		m.labelID[l] = i
	}

	// Tokenize in parallel.
	toks := make([][]string, len(recs))
	var wg sync.WaitGroup
	for t := range cfg.Threads {
		wg.Go(func() {
			for i := t; i < len(recs); i += cfg.Threads {
				toks[i] = append(tok.Append(nil, recs[i].Text), EOS)
			}
		})
	}
	wg.Wait()

	// Vocabulary: words seen at least MinCount times, by count then bytes.
	counts := map[string]int{}
	for _, ts := range toks {
		for _, t := range ts {
			counts[t]++
		}
	}
	for w, c := range counts {
		if c >= cfg.MinCount {
			m.words = append(m.words, w)
		}
	}
	slices.SortFunc(m.words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	m.wordID = make(map[string]int32, len(m.words))
	for i, w := range m.words {
		m.wordID[w] = int32(i)
	}

	// Rows of every example; n-gram buckets get rows in order of first use.
	data := dataset{off: make([]int32, 1, len(recs)+1), toff: make([]int32, 1, len(recs)+1)}
	m.bucketID = map[uint32]int32{}
	var hashes, ngrams []uint32
	var total int64
	nw := int32(len(m.words))
	for i, ts := range toks {
		hashes = hashes[:0]
		for _, t := range ts {
			if id, ok := m.wordID[t]; ok {
				data.rows = append(data.rows, id)
			}
			hashes = append(hashes, HashToken(t))
		}
		ngrams = appendNgramBuckets(ngrams[:0], hashes, cfg.WordNgrams, uint64(cfg.Bucket))
		for _, b := range ngrams {
			r, ok := m.bucketID[b]
			if !ok {
				r = nw + int32(len(m.buckets))
				m.bucketID[b] = r
				m.buckets = append(m.buckets, b)
			}
			data.rows = append(data.rows, r)
		}
		data.off = append(data.off, int32(len(data.rows)))
		ls := recLabels(recs[i])
		for _, l := range ls {
			data.targets = append(data.targets, int32(m.labelID[l]))
		}
		data.toff = append(data.toff, int32(len(data.targets)))
		n := int32(len(ts) + len(ls))
		data.ntok = append(data.ntok, n)
		total += int64(n)
		toks[i] = nil
	}

	// Weights: stored rows get their initial values; the output layer starts at 0.
	d := cfg.Dim
	nrows := len(m.words) + len(m.buckets)
	m.in = make([]float32, nrows*d)
	for r := range nrows {
		initRow(m.in[r*d:r*d+d], m.initSeed, m.globalID(r))
	}
	m.out = make([]float32, len(m.labels)*d)

	loss, steps := m.fit(&data, total, rng, log)
	st := &Stats{Examples: len(recs), Tokens: total, Steps: steps, Loss: loss,
		Words: len(m.words), NgramRows: len(m.buckets), Duration: time.Since(start)}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return nil, st, fmt.Errorf("%s: training diverged (loss %v); lower the learning rate", name, loss)
	}
	return m, st, nil
}

// globalID returns the id whose initial value row r holds: its word id, or
// nwords + bucket for an n-gram row.
func (m *Model) globalID(r int) uint64 {
	if r < len(m.words) {
		return uint64(r)
	}
	return uint64(len(m.words)) + uint64(m.buckets[r-len(m.words)])
}

// recLabels returns every label of r.
func recLabels(r corpus.Record) []string {
	if len(r.Labels) > 0 {
		return r.Labels
	}
	if r.Label == "" {
		return nil
	}
	return []string{r.Label}
}

// lrUpdateRate is how many tokens a worker processes between publications of
// its count (fastText's -lrUpdateRate).
const lrUpdateRate = 100

// fit runs cfg.Epoch × tokens worth of SGD steps over data with cfg.Threads
// Hogwild workers and returns the mean loss and the number of steps.
func (m *Model) fit(data *dataset, tokens int64, rng *rand.Rand, log io.Writer) (float64, int64) {
	cfg := m.cfg
	budget := int64(cfg.Epoch) * tokens
	var rep *progress.Reporter
	if log != nil {
		rep = progress.New(log, "train", "tokens", budget)
	}
	var done atomic.Int64
	n := len(data.ntok)
	lossSum := make([]float64, cfg.Threads)
	stepCount := make([]int64, cfg.Threads)
	seeds := make([]uint64, 2*cfg.Threads)
	for i := range seeds {
		seeds[i] = rng.Uint64()
	}
	var wg sync.WaitGroup
	for t := range cfg.Threads {
		wg.Go(func() {
			w := newWorker(m)
			r := rand.New(rand.NewPCG(seeds[2*t], seeds[2*t+1]))
			i := t * n / cfg.Threads
			var local, unreported int64
			var lsum float64
			var steps int64
			for {
				seen := done.Load() + local
				if seen >= budget {
					break
				}
				lr := float32(cfg.LR * (1 - float64(seen)/float64(budget)))
				ts := data.targets[data.toff[i]:data.toff[i+1]]
				target := ts[0]
				if len(ts) > 1 {
					target = ts[r.IntN(len(ts))]
				}
				if rows := data.rows[data.off[i]:data.off[i+1]]; len(rows) > 0 {
					lsum += float64(w.step(rows, int(target), lr))
					steps++
				}
				local += int64(data.ntok[i])
				if local >= lrUpdateRate {
					done.Add(local)
					unreported += local
					local = 0
					if unreported >= 1<<16 {
						rep.Add(unreported)
						unreported = 0
					}
				}
				if i++; i == n {
					i = 0
				}
			}
			done.Add(local)
			rep.Add(unreported + local)
			lossSum[t], stepCount[t] = lsum, steps
		})
	}
	wg.Wait()
	rep.Finish()
	var ls float64
	var st int64
	for t := range lossSum {
		ls += lossSum[t]
		st += stepCount[t]
	}
	if st == 0 {
		return 0, 0
	}
	return ls / float64(st), st
}

// worker holds one training goroutine's buffers.
type worker struct {
	m                    *Model
	hidden, grad, output []float32
}

func newWorker(m *Model) *worker {
	return &worker{m: m, hidden: make([]float32, m.dim), grad: make([]float32, m.dim),
		output: make([]float32, len(m.labels))}
}

// step does one SGD step on an example whose stored rows are rows (non-empty)
// and whose label is target, with learning rate lr, and returns its log-loss
// before the update. As in fastText: h = mean of the rows, p = softmax(W h);
// for every label l, alpha = lr·([l = target] − p_l), the input gradient
// accumulates alpha·W_l (with W_l before its update) and W_l += alpha·h; then
// every row (once per occurrence) moves by the gradient / len(rows).
func (w *worker) step(rows []int32, target int, lr float32) float32 {
	m, d := w.m, w.m.dim
	h := w.hidden
	clear(h)
	for _, r := range rows {
		add(m.in[int(r)*d:int(r)*d+d], h)
	}
	inv := 1 / float32(len(rows))
	for i := range h {
		h[i] *= inv
	}
	for l := range w.output {
		w.output[l] = dot(m.out[l*d:l*d+d], h)
	}
	softmax(w.output)
	loss := -float32(math.Log(float64(w.output[target]) + 1e-5))
	g := w.grad
	clear(g)
	for l, p := range w.output {
		var y float32
		if l == target {
			y = 1
		}
		alpha := lr * (y - p)
		wl := m.out[l*d : l*d+d]
		axpy(alpha, wl, g)
		axpy(alpha, h, wl)
	}
	for i := range g {
		g[i] *= inv
	}
	for _, r := range rows {
		add(g, m.in[int(r)*d:int(r)*d+d])
	}
	return loss
}
