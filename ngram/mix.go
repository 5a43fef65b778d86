package ngram

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
)

// MixOptions configures TuneMix and MixWeights.
type MixOptions struct {
	MaxIter int       // EM iterations at most; 0 means 1000
	Tol     float64   // stop when no weight moves more than this; 0 means 1e-5
	Init    []float64 // starting weights; nil means uniform
}

// MixResult reports EM mixture weights tuned on held-out text.
type MixResult struct {
	Weights         []float64 // one per model, summing to 1
	Perplexity      float64   // of the mixture on the tokens used
	ModelPerplexity []float64 // of each model alone on the same tokens
	Tokens          int       // tokens used (</s> included, words unknown to every model left out)
	Skipped         int       // tokens left out
	Iterations      int
}

// DevProbs scores held-out text (one tokenized sentence a line, as Query
// reads it: <s> context, </s> scored and counted) with every model and
// returns the probabilities row by row, probs[t*k+i] = p_i(token t), k =
// len(models). A word that no model has in its vocabulary is left out (SRILM's
// ppl output, which compute-best-mix reads, skips OOVs too) but still moves
// the contexts on (as <unk>); a word only some models know has probability 0
// in the others, as in the model Mix writes, so that each model's
// distribution over the union vocabulary still sums to one.
func DevProbs(models []*Model, r io.Reader) (probs []float64, skipped int, err error) {
	k := len(models)
	if k == 0 {
		return nil, 0, errors.New("no models to mix")
	}
	states := make([]State, k)
	row := make([]float64, k)
	br := bufio.NewReaderSize(r, 1<<16)
	score := func(word []byte, eos bool) {
		known := false
		for i, m := range models {
			id, ok := EOS, true
			if !eos {
				id, ok = m.Vocab.index[string(word)]
				if !ok {
					id = Unk
				}
			}
			p, _ := m.Score(&states[i], id, &states[i])
			row[i] = 0
			if ok {
				row[i] = pow10(p)
				known = true
			}
		}
		if !known {
			skipped++
			return
		}
		probs = append(probs, row...)
	}
	var long []byte
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if err == io.EOF && len(line) == 0 {
			break
		}
		for i, m := range models {
			states[i] = m.BeginSentence()
		}
		for i := 0; i < len(line); {
			for i < len(line) && isQuerySpace(line[i]) {
				i++
			}
			j := i
			for j < len(line) && !isQuerySpace(line[j]) {
				j++
			}
			if j == i {
				break
			}
			score(line[i:j], false)
			i = j
		}
		score(nil, true)
		if err == io.EOF {
			break
		}
	}
	return probs, skipped, nil
}

// MixWeights runs EM for the weights of a linear interpolation of k models
// given their probabilities of each held-out token (probs as DevProbs returns
// them), as SRILM's compute-best-mix does:
//
//	λ_i ← (1/T) Σ_t λ_i p_i(t) / Σ_j λ_j p_j(t)
//
// which never lowers the held-out likelihood, until no weight moves more than
// opt.Tol.
func MixWeights(probs []float64, k int, opt MixOptions) (MixResult, error) {
	if k == 0 || len(probs) == 0 || len(probs)%k != 0 {
		return MixResult{}, fmt.Errorf("mixing %d models over %d probabilities", k, len(probs))
	}
	if opt.MaxIter == 0 {
		opt.MaxIter = 1000
	}
	if opt.Tol == 0 {
		opt.Tol = 1e-5
	}
	T := len(probs) / k
	lam := make([]float64, k)
	if opt.Init != nil {
		if len(opt.Init) != k {
			return MixResult{}, fmt.Errorf("%d initial weights for %d models", len(opt.Init), k)
		}
		var s float64
		for _, x := range opt.Init {
			if !(x > 0) {
				return MixResult{}, fmt.Errorf("initial weights must be positive, got %v", opt.Init)
			}
			s += x
		}
		for i := range lam {
			lam[i] = opt.Init[i] / s
		}
	} else {
		for i := range lam {
			lam[i] = 1 / float64(k)
		}
	}
	res := MixResult{Tokens: T}
	acc := make([]float64, k)
	for res.Iterations < opt.MaxIter {
		res.Iterations++
		clear(acc)
		for t := range T {
			row := probs[t*k : (t+1)*k]
			var den float64
			for i, p := range row {
				den += lam[i] * p
			}
			if den == 0 {
				continue
			}
			for i, p := range row {
				acc[i] += lam[i] * p / den
			}
		}
		var sum, delta float64
		for _, a := range acc {
			sum += a
		}
		for i := range lam {
			nl := acc[i] / sum
			delta = max(delta, math.Abs(nl-lam[i]))
			lam[i] = nl
		}
		if delta < opt.Tol {
			break
		}
	}
	res.Weights = lam
	res.Perplexity = MixPerplexity(probs, lam)
	res.ModelPerplexity = make([]float64, k)
	for i := range k {
		w := make([]float64, k)
		w[i] = 1
		res.ModelPerplexity[i] = MixPerplexity(probs, w)
	}
	return res, nil
}

// MixPerplexity is the perplexity of the mixture with the given weights on
// the tokens of probs (k = len(weights) probabilities per token).
func MixPerplexity(probs []float64, weights []float64) float64 {
	k := len(weights)
	T := len(probs) / k
	var ll float64
	for t := range T {
		var p float64
		for i, x := range probs[t*k : (t+1)*k] {
			p += weights[i] * x
		}
		ll += math.Log(p)
	}
	return math.Exp(-ll / float64(T))
}

// TuneMix scores dev with every model and runs MixWeights.
func TuneMix(models []*Model, dev io.Reader, opt MixOptions) (MixResult, error) {
	probs, skipped, err := DevProbs(models, dev)
	if err != nil {
		return MixResult{}, err
	}
	if len(probs) == 0 {
		return MixResult{}, errors.New("no held-out tokens to tune on")
	}
	res, err := MixWeights(probs, len(models), opt)
	res.Skipped = skipped
	return res, err
}

// Mix writes the linear interpolation of models with the given weights as
// one back-off model, as SRILM's ngram -mix-lm -write-lm does: the n-grams
// are the union of the models' n-grams (the vocabulary the union of theirs,
// first model's words first), each with probability log10 Σ_i λ_i p_i(w | h)
// where p_i is model i's back-off probability of w after the whole context
// h (0 when w is outside model i's vocabulary; context words outside it are
// read as <unk>), and the back-off weights are then recomputed so every context
// normalises (RecomputeBackoffs). On the union's n-grams the result scores
// exactly as the mixture; elsewhere it backs off, which approximates it.
func Mix(models []*Model, weights []float64, warn func(string)) (*Model, error) {
	k := len(models)
	if k == 0 || len(weights) != k {
		return nil, fmt.Errorf("%d weights for %d models", len(weights), k)
	}
	v := NewVocab()
	N := 0
	for _, m := range models {
		if err := m.Verify(); err != nil {
			return nil, err
		}
		for _, w := range m.Vocab.Words() {
			v.Add(w)
		}
		N = max(N, m.Order())
	}
	V := v.Size()
	// Map union ids to each model's ids; unknown words map past its vocabulary (<unk>).
	toModel := make([][]uint32, k)
	for i, m := range models {
		mp := make([]uint32, V)
		for id, w := range v.Words() {
			if j, ok := m.Vocab.ID(w); ok {
				mp[id] = j
			} else {
				mp[id] = uint32(m.Vocab.Size())
			}
		}
		toModel[i] = mp
	}
	mixed := &Model{Vocab: v, Tables: make([]Table, N)}
	for n := 1; n <= N; n++ {
		t := &mixed.Tables[n-1]
		t.N = n
		if n == 1 {
			t.Words = make([]uint32, V)
			for i := range t.Words {
				t.Words[i] = uint32(i)
			}
		} else {
			var all []uint32
			for _, m := range models {
				if m.Order() < n {
					continue
				}
				mt := &m.Tables[n-1]
				for _, id := range mt.Words {
					u, _ := v.ID(m.Vocab.Word(id))
					all = append(all, u)
				}
			}
			t.Words = sortUnique(all, n, V)
		}
		t.Prob = make([]float32, len(t.Words)/n)
		if n < N {
			t.Backoff = make([]float32, len(t.Prob))
		}
	}
	if err := mixed.Link(); err != nil {
		return nil, fmt.Errorf("ngram: mixing: %w", err)
	}
	for n := 1; n <= N; n++ {
		t := &mixed.Tables[n-1]
		parallelChunks(t.Len(), func(a, b int) {
			ids := make([]uint32, n)
			for j := a; j < b; j++ {
				g := t.Gram(j)
				var p float64
				for i, m := range models {
					mp := toModel[i]
					if int(mp[g[n-1]]) >= m.Vocab.Size() {
						continue // a word outside model i's vocabulary has probability 0 there
					}
					for x, u := range g {
						ids[x] = mp[u]
					}
					var s State
					for _, w := range ids[:n-1] {
						m.Score(&s, w, &s)
					}
					lp, _ := m.Score(&s, ids[n-1], &s)
					p += weights[i] * pow10(lp)
				}
				if p > 0 {
					t.Prob[j] = float32(math.Log10(p))
				} else {
					t.Prob[j] = logZero
				}
			}
		})
	}
	// <s> is never predicted: keep the models' convention (0 as KenLM, -99 as SRILM).
	bos := float32(logZero)
	for _, m := range models {
		bos = max(bos, m.Tables[0].Prob[BOS])
	}
	mixed.Tables[0].Prob[BOS] = bos
	if err := RecomputeBackoffs(mixed, warn); err != nil {
		return nil, err
	}
	return mixed, nil
}

// sortUnique sorts the n-grams of words (n ids each, ids < V) in suffix
// order by an LSD radix sort and drops duplicates.
func sortUnique(words []uint32, n, V int) []uint32 {
	cnt := len(words) / n
	idx := make([]uint32, cnt)
	tmp := make([]uint32, cnt)
	for i := range idx {
		idx[i] = uint32(i)
	}
	hist := make([]int, V+1)
	for d := 0; d < n; d++ {
		clear(hist)
		for _, e := range idx {
			hist[words[int(e)*n+d]+1]++
		}
		for i := 1; i < len(hist); i++ {
			hist[i] += hist[i-1]
		}
		for _, e := range idx {
			w := words[int(e)*n+d]
			tmp[hist[w]] = e
			hist[w]++
		}
		idx, tmp = tmp, idx
	}
	out := make([]uint32, 0, len(words))
	for x, e := range idx {
		g := words[int(e)*n : int(e)*n+n]
		if x > 0 && CompareSuffix(g, out[len(out)-n:]) == 0 {
			continue
		}
		out = append(out, g...)
	}
	return out
}

// parallelChunks runs f over [0, n) split among the CPUs.
func parallelChunks(n int, f func(a, b int)) {
	k := runtime.GOMAXPROCS(0)
	if n < 4096 || k == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for p := range k {
		wg.Add(1)
		go func() { defer wg.Done(); f(n*p/k, n*(p+1)/k) }()
	}
	wg.Wait()
}
