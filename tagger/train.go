package tagger

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"slices"
	"time"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/progress"
	"github.com/mulan-nlp/mulan/tags"
)

// TrainOptions control a training run beyond the model's Config.
type TrainOptions struct {
	// TrainName and DevName name the data in error messages.
	TrainName, DevName string
	// FileScheme is the scheme of the data's tags; 0 detects it (see
	// DetectScheme).
	FileScheme tags.Scheme
	// Progress receives a progress bar per epoch (nil: none).
	Progress io.Writer
	// Log is called after every epoch.
	Log func(EpochStats)
	// Checkpoint is called with the model whenever the dev F1 improves (or
	// after every epoch without dev data), e.g. to save it.
	Checkpoint func(*Tagger) error
	// Context supplies contextual features (nil: none); its Name and Dim are
	// recorded in the model's Config. A TrainableContext whose ParamGroups
	// are not empty is trained with the tagger (see Config.ContextFactor and
	// ContextUnfreeze); the best epoch's weights of its parameters are kept
	// as the tagger's are. An *LMContext is stored in the model file.
	Context Context
}

// EpochStats describes one training epoch.
type EpochStats struct {
	Epoch        int     `json:"epoch"` // from 1
	LR           float64 `json:"lr"`
	Loss         float64 `json:"loss"` // mean CRF negative log-likelihood per sentence
	DevF1        float64 `json:"dev_f1"`
	Best         bool    `json:"best"`
	Seconds      float64 `json:"seconds"`
	SentencesSec float64 `json:"sentences_per_second"` // training throughput
	// ContextGroups is the number of the context's layer groups trained in
	// the epoch (0 unless the context is fine-tuned).
	ContextGroups int `json:"context_groups,omitempty"`
}

// History is the record of a training run.
type History struct {
	Epochs     []EpochStats `json:"epochs"`
	BestEpoch  int          `json:"best_epoch"`
	BestDevF1  float64      `json:"best_dev_f1"`
	FileScheme string       `json:"file_scheme"`
	// Repaired counts training sentences whose tags were invalid under the
	// file's scheme (a chunk starting with I-) and were read leniently.
	Repaired int `json:"repaired"`
}

// DetectScheme guesses the scheme of tag sequences like tags.Detect, except
// that BIO data in which some chunks start with I- (cut sentences, as in
// MSRA) is taken as IOB2 rather than IOB1 when B- tags also start chunks
// after O or another type, which IOB1 forbids.
func DetectScheme(seqs [][]string) tags.Scheme {
	s := tags.Detect(seqs...)
	if s != tags.IOB1 {
		return s
	}
	for _, seq := range seqs {
		for i, t := range seq {
			p, typ := tags.Split(t)
			if p != 'B' {
				continue
			}
			if i == 0 {
				return tags.IOB2
			}
			if _, pt := tags.Split(seq[i-1]); pt != typ {
				return tags.IOB2
			}
		}
	}
	return s
}

// prefixes lists the tag prefixes a scheme uses.
func prefixes(s tags.Scheme) string {
	switch s {
	case tags.IOBES:
		return "BIESO"
	case tags.BMES:
		return "BMESO"
	}
	return "BIO"
}

// toInternal converts one gold sequence from the file scheme to the internal
// one; it reports whether the sequence had to be read leniently.
func toInternal(seq []string, from, to tags.Scheme) ([]string, bool, error) {
	if from.Validate(seq) == nil {
		out, err := tags.Convert(seq, from, to)
		return out, false, err
	}
	out, err := to.Encode(tags.Decode(seq), len(seq))
	return out, true, err
}

// checkTags verifies that every tag uses a prefix of scheme s.
func checkTags(name string, st corpus.Sentence, s tags.Scheme) error {
	if st.Tags == nil {
		return fmt.Errorf("%s:%d: sentence has no tag column", name, st.Line)
	}
	ps := prefixes(s)
	for i, t := range st.Tags {
		p, typ := tags.Split(t)
		ok := false
		for j := 0; j < len(ps); j++ {
			if p == ps[j] {
				ok = true
			}
		}
		if !ok || (p == 'O') != (typ == "" && t == "O") {
			return fmt.Errorf("%s:%d: tag %q is not valid in scheme %s", name, st.Line+i, t, s)
		}
	}
	return nil
}

// lookupTables returns the large embedding tables, read only through
// Embed, whose gradient rows training tracks.
func (m *Tagger) lookupTables() []*nn.Param {
	var out []*nn.Param
	for _, e := range []*nn.Embedding{m.wordEmb, m.charEmb, m.bigramEmb} {
		if e != nil {
			out = append(out, e.W)
		}
	}
	return out
}

// trackRows lets tests train with dense optimizer steps.
var trackRows = true

// Train trains a tagger on train, choosing the epoch with the best conlleval
// F1 on dev (when dev is not empty). The returned tagger holds the best
// weights.
func Train(train, dev []corpus.Sentence, cfg Config, opt TrainOptions) (*Tagger, *History, error) {
	var ctxGroups [][]*nn.Param
	if opt.Context != nil {
		cfg.ContextDim, cfg.ContextName = opt.Context.Dim(), opt.Context.Name()
		if tc, ok := opt.Context.(TrainableContext); ok {
			ctxGroups = tc.ParamGroups()
		}
	} else {
		cfg.ContextDim, cfg.ContextName = 0, ""
	}
	cfg.ContextFineTune = len(ctxGroups) > 0
	if !cfg.ContextFineTune {
		cfg.ContextFactor, cfg.ContextUnfreeze = 0, false
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if len(train) == 0 {
		return nil, nil, fmt.Errorf("tagger: %s: no training sentences", opt.TrainName)
	}
	internal, _ := cfg.internalScheme()
	fileScheme := opt.FileScheme
	seqs := make([][]string, 0, len(train))
	for _, s := range train {
		if s.Tags == nil {
			return nil, nil, fmt.Errorf("%s:%d: sentence has no tag column", opt.TrainName, s.Line)
		}
		seqs = append(seqs, s.Tags)
	}
	if fileScheme == 0 {
		fileScheme = DetectScheme(seqs)
	}
	for _, s := range train {
		if err := checkTags(opt.TrainName, s, fileScheme); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range dev {
		if err := checkTags(opt.DevName, s, fileScheme); err != nil {
			return nil, nil, err
		}
	}
	m := &Tagger{cfg: cfg, fileScheme: fileScheme, scheme: internal, ctx: opt.Context}
	hist := &History{FileScheme: fileScheme.String()}

	// Gold tags in the internal scheme, and the tag set.
	gold := make([][]string, len(train))
	tagSet := map[string]bool{tags.Outside: true}
	for i, s := range train {
		g, repaired, err := toInternal(s.Tags, fileScheme, internal)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w", opt.TrainName, s.Line, err)
		}
		if repaired {
			hist.Repaired++
		}
		gold[i] = g
		for _, t := range g {
			tagSet[t] = true
		}
	}
	m.tagList = []string{tags.Outside}
	for t := range tagSet {
		if t != tags.Outside {
			m.tagList = append(m.tagList, t)
		}
	}
	slices.Sort(m.tagList[1:])
	m.tagID = make(map[string]int32, len(m.tagList))
	for i, t := range m.tagList {
		m.tagID[t] = int32(i)
	}

	// Vocabularies, in order of first occurrence (deterministic).
	lower := cfg.Lang == "en"
	wc := map[string]int32{}
	bc := map[string]int32{}
	for _, s := range train {
		for i, t := range s.Tokens {
			wc[normWord(t, lower)]++
			if cfg.BigramDim > 0 {
				bc[bigramKey(s.Tokens, i)]++
			}
		}
	}
	m.words, m.chars, m.bigrams = newIndex(), newIndex(), newIndex()
	count := []int32{0, 0}
	for _, s := range train {
		for i, t := range s.Tokens {
			w := normWord(t, lower)
			if n := wc[w]; n >= int32(cfg.MinCount) {
				if _, ok := m.words.ids[w]; !ok {
					m.words.add(w)
					count = append(count, n)
				}
			}
			if cfg.CharDim > 0 {
				for _, r := range t {
					m.chars.add(string(r))
				}
			}
			if cfg.BigramDim > 0 {
				if k := bigramKey(s.Tokens, i); bc[k] >= int32(cfg.MinCount) {
					m.bigrams.add(k)
				}
			}
		}
	}

	rng := rand.New(rand.NewSource(cfg.Seed))
	m.build(rng)
	// A step touches few rows of the embedding tables (MSRA: 300k
	// character bigrams); the optimizer visits only those.
	if trackRows {
		for _, w := range m.lookupTables() {
			w.TrackRows()
		}
	}

	enc := make([]encoded, len(train))
	for i, s := range train {
		enc[i] = m.encode(s.Tokens)
		enc[i].gold = make([]int32, len(gold[i]))
		for j, t := range gold[i] {
			enc[i].gold[j] = m.tagID[t]
		}
	}
	var devEnc []encoded
	if len(dev) > 0 {
		devEnc = make([]encoded, len(dev))
		for i, s := range dev {
			devEnc[i] = m.encode(s.Tokens)
		}
	}

	// The context's layer groups (bottom-up) below the tagger's: the
	// top-most group is the tagger.
	var groups []*optim.Group
	for i, ps := range ctxGroups {
		groups = append(groups, optim.NewGroup(fmt.Sprintf("context%d", i), ps))
	}
	groups = append(groups, optim.NewGroup("tagger", m.params))
	if cfg.ContextFineTune {
		optim.Discriminative(groups, cfg.ContextFactor)
	}
	var all []*nn.Param // every trained parameter: clipped, snapshot
	for _, g := range groups {
		all = append(all, g.Params...)
	}
	defer optim.UnfreezeTop(groups, len(groups))
	var op optim.Optimizer
	var err error
	if cfg.Optimizer == "adam" {
		op, err = optim.NewAdam(groups, optim.DefaultAdam(cfg.LR))
	} else {
		op, err = optim.NewSGD(groups, optim.SGDConfig{LR: cfg.LR, Momentum: cfg.Momentum})
	}
	if err != nil {
		return nil, nil, err
	}

	tp := nn.NewTape(rng)
	var bt batch
	best := snapshot(all, nil)
	hist.BestDevF1 = -1
	stale := 0
	idx := make([]int, len(enc))
	sents := make([]*encoded, 0, cfg.Batch)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		lr := cfg.LR / (1 + cfg.Decay*float64(epoch-1))
		op.SetLR(lr)
		trained := len(ctxGroups)
		if cfg.ContextUnfreeze {
			trained = min(epoch-1, len(ctxGroups))
		}
		optim.UnfreezeTop(groups, trained+1)
		batches := makeBatches(idx, enc, cfg.Batch, rng)
		bar := progress.New(opt.Progress, fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs), "sentences", int64(len(enc)))
		if opt.Progress == nil {
			bar = nil
		}
		tp.Training = true
		total := 0.0
		for _, br := range batches {
			sents = sents[:0]
			for _, i := range idx[br[0]:br[1]] {
				sents = append(sents, &enc[i])
			}
			m.fill(&bt, sents, rng, count, cfg.WordUnkProb)
			tp.Reset()
			em, err := m.emissions(tp, &bt)
			if err != nil {
				return nil, nil, err
			}
			loss := tp.Scale(m.crf.NLL(tp, em, bt.gold, bt.lengths), float32(bt.B))
			total += float64(loss.Data()[0])
			op.ZeroGrad()
			tp.Backward(loss)
			if cfg.Clip > 0 {
				optim.ClipGradNorm(all, cfg.Clip)
			}
			op.Step()
			m.pinConstraints()
			bar.Add(int64(bt.B))
		}
		bar.Finish()
		op.Sync() // the embedding rows' pending momentum steps
		secs := time.Since(start).Seconds()
		st := EpochStats{Epoch: epoch, LR: lr, Loss: total / float64(len(enc)), Seconds: secs, SentencesSec: float64(len(enc)) / secs,
			ContextGroups: trained}
		improved := true
		if devEnc != nil {
			pred, err := m.predictEncoded(devEnc)
			if err != nil {
				return nil, nil, err
			}
			res, err := scoreTags(dev, pred)
			if err != nil {
				return nil, nil, err
			}
			st.DevF1 = res.FB1
			improved = res.FB1 > hist.BestDevF1
		}
		if improved {
			st.Best = true
			hist.BestEpoch, hist.BestDevF1 = epoch, st.DevF1
			best = snapshot(all, best)
			stale = 0
			if opt.Checkpoint != nil {
				if err := opt.Checkpoint(m); err != nil {
					return nil, nil, err
				}
			}
		} else {
			stale++
		}
		hist.Epochs = append(hist.Epochs, st)
		if opt.Log != nil {
			opt.Log(st)
		}
		if cfg.Patience > 0 && stale >= cfg.Patience {
			break
		}
	}
	restore(all, best)
	for _, w := range m.lookupTables() {
		w.OnRowRead(nil) // let the optimizer's state go with it
	}
	tp.Reset()
	return m, hist, nil
}

// makeBatches shuffles the sentences, sorts pools of 50 batches by length so
// that a batch holds sentences of similar length (little padding), and
// returns the batches' [start, end) ranges in idx in random order.
func makeBatches(idx []int, enc []encoded, size int, rng *rand.Rand) [][2]int {
	for i := range idx {
		idx[i] = i
	}
	rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	pool := 50 * size
	for s := 0; s < len(idx); s += pool {
		part := idx[s:min(s+pool, len(idx))]
		slices.SortStableFunc(part, func(a, b int) int { return cmp.Compare(len(enc[a].words), len(enc[b].words)) })
	}
	var out [][2]int
	for s := 0; s < len(idx); s += size {
		out = append(out, [2]int{s, min(s+size, len(idx))})
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func snapshot(params []*nn.Param, dst [][]float32) [][]float32 {
	if dst == nil {
		dst = make([][]float32, len(params))
	}
	for i, p := range params {
		dst[i] = append(dst[i][:0], p.Value.Data...)
	}
	return dst
}

func restore(params []*nn.Param, src [][]float32) {
	for i, p := range params {
		copy(p.Value.Data, src[i])
	}
}

// scoreTags runs conlleval over gold sentences and predicted tags.
func scoreTags(gold []corpus.Sentence, pred [][]string) (*metrics.ConllResult, error) {
	c, err := metrics.NewConll(metrics.ConllOptions{})
	if err != nil {
		return nil, err
	}
	for i, s := range gold {
		if len(pred[i]) != len(s.Tags) {
			return nil, errors.New("tagger: prediction length mismatch")
		}
		for j, g := range s.Tags {
			if err := c.Add(g, pred[i][j]); err != nil {
				return nil, err
			}
		}
		c.EndSentence()
	}
	return c.Result(), nil
}
