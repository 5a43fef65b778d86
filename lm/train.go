package lm

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand"
	"os"
	"time"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/progress"
	"github.com/mulan-nlp/mulan/vocab"
)

// TrainOptions control Train. They are stored in checkpoints, so a resumed
// run continues with the same settings.
type TrainOptions struct {
	Batch  int `json:"batch"`  // parallel streams B
	BPTT   int `json:"bptt"`   // tokens per truncated-BPTT window (Transformer: ≤ context)
	Epochs int `json:"epochs"` // passes over the training stream
	// Optimizer is "sgd" or "adam" (AdamW when WeightDecay > 0).
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Clip        float64 `json:"clip"` // max global gradient norm; 0: none
	// Schedule is "plateau" (divide the LR by Decay when validation
	// perplexity does not improve), "decay" (divide by Decay after every epoch
	// from DecayStart on, Zaremba et al.), "cosine" (linear warm-up over
	// Warmup updates, then cosine to 1/10) or "constant".
	Schedule   string  `json:"schedule"`
	Decay      float64 `json:"decay"`
	DecayStart int     `json:"decay_start"`
	Warmup     int     `json:"warmup"`
	Seed       int64   `json:"seed"`
	// CheckpointEvery writes a checkpoint every N updates (0: only at epoch
	// ends) to CheckpointPath (no checkpoints when empty).
	CheckpointEvery int    `json:"checkpoint_every"`
	CheckpointPath  string `json:"-"`
	// Out receives the model at every epoch end whose validation perplexity
	// is the best so far (every epoch end without validation text).
	Out string `json:"-"`
	// MaxSteps stops after this many updates in total (0: no limit).
	MaxSteps int `json:"-"`
	// Log receives one line per epoch; Progress the progress reporting.
	Log      io.Writer `json:"-"`
	Progress io.Writer `json:"-"`
}

// DefaultTrainOptions returns per-architecture defaults: SGD with LR 20
// (Elman RNN: 5), clipping 0.25 and plateau decay by 4 for recurrent LMs
// (the PyTorch word language model recipe), Adam 5e-4 with warm-up and cosine decay for
// Transformers.
func DefaultTrainOptions(arch string) TrainOptions {
	o := TrainOptions{Batch: 20, BPTT: 35, Epochs: 10, Optimizer: "sgd", LR: 20, Clip: 0.25,
		Schedule: "plateau", Decay: 4, Seed: 1}
	if arch == ArchRNN {
		o.LR = 5 // Elman RNNs diverge at 20
	}
	if arch == ArchTransformer {
		o = TrainOptions{Batch: 16, BPTT: 128, Epochs: 10, Optimizer: "adam", LR: 5e-4, Clip: 1,
			Schedule: "cosine", Warmup: 200, Decay: 4, Seed: 1}
	}
	return o
}

// EpochResult records one finished epoch.
type EpochResult struct {
	Epoch      int     `json:"epoch"`
	TrainLoss  float64 `json:"train_loss"` // mean training cross-entropy (nats)
	ValidPPL   float64 `json:"valid_ppl"`  // 0 without validation text
	LR         float64 `json:"lr"`
	Seconds    float64 `json:"seconds"`
	TokensPerS float64 `json:"tokens_per_s"`
}

// Trainer trains an LM on a stream with truncated BPTT. Create it with
// NewTrainer or Resume, then call Run.
type Trainer struct {
	M          *LM
	Opt        TrainOptions
	optim      optim.Optimizer
	src        *pcgSource
	rng        *rand.Rand
	tp         *nn.Tape
	train      *Stream
	valid      *Stream
	state      *State
	ids        []int32
	tgt        []int32
	hash       uint32
	Epoch      int // current epoch (0-based)
	Batch      int // next window within the epoch
	Step       int // updates done
	Best       float64
	History    []EpochResult
	lossSum    float64
	lossN      int
	epochStart time.Time
	epochSecs  float64 // seconds already spent in this epoch before a resume
}

// ErrNonFinite is wrapped by the error Train returns when the loss becomes
// NaN or infinite.
var ErrNonFinite = errors.New("loss is not finite")

// New builds an untrained LM for cfg whose tokenizer is described by
// spec (space, word, zh-word, char or subword:MODEL); the vocabulary is
// built from the training files with vo. Weights are drawn from seed.
func New(cfg Config, spec string, trainFiles []string, vo vocab.Options, seed int64) (*LM, error) {
	c, err := buildCodec(spec, trainFiles, vo)
	if err != nil {
		return nil, err
	}
	return newLM(cfg, c, rand.New(newPCGSource(seed)))
}

// NewFromLines is New for texts held in memory.
func NewFromLines(cfg Config, spec string, lines []string, vo vocab.Options, seed int64) (*LM, error) {
	kind, _, err := ParseTokenizer(spec)
	if err != nil {
		return nil, err
	}
	if kind == TokSubword {
		return New(cfg, spec, nil, vo, seed)
	}
	tok, _ := tokenizerFor(kind)
	cnt := vocab.NewCounter()
	for _, l := range lines {
		cnt.Add(tok.Tokenize(l)...)
	}
	v, err := vocab.Build(cnt, vo)
	if err != nil {
		return nil, err
	}
	return newLM(cfg, &codec{spec: kind, tok: tok, voc: v}, rand.New(newPCGSource(seed)))
}

func streamHash(s *Stream) uint32 {
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	var b [4]byte
	for _, id := range s.IDs {
		binary.LittleEndian.PutUint32(b[:], uint32(id))
		h.Write(b[:])
	}
	return h.Sum32()
}

// NewTrainer prepares training of m on train (valid may be nil).
func NewTrainer(m *LM, train, valid *Stream, o TrainOptions) (*Trainer, error) {
	if o.Batch <= 0 || o.BPTT <= 0 || o.Epochs <= 0 {
		return nil, fmt.Errorf("batch, bptt and epochs must be positive (got %d, %d, %d)", o.Batch, o.BPTT, o.Epochs)
	}
	if m.Cfg.Arch == ArchTransformer && o.BPTT > m.Cfg.Context {
		return nil, fmt.Errorf("bptt %d exceeds the transformer context %d", o.BPTT, m.Cfg.Context)
	}
	if train.Targets() < o.Batch*2 {
		return nil, fmt.Errorf("training text too short: %d tokens for %d streams", train.Targets(), o.Batch)
	}
	if !(o.LR > 0) {
		return nil, fmt.Errorf("learning rate must be positive (got %v)", o.LR)
	}
	if o.Decay <= 0 {
		o.Decay = 1
	}
	groups := optim.OneGroup(m.Params())
	var err error
	var op optim.Optimizer
	switch o.Optimizer {
	case "sgd":
		op, err = optim.NewSGD(groups, optim.SGDConfig{LR: o.LR, Momentum: o.Momentum, WeightDecay: o.WeightDecay})
	case "adam":
		cfg := optim.DefaultAdam(o.LR)
		cfg.WeightDecay = o.WeightDecay
		if o.WeightDecay > 0 {
			op, err = optim.NewAdamW(groups, cfg)
		} else {
			op, err = optim.NewAdam(groups, cfg)
		}
	default:
		err = fmt.Errorf("unknown optimizer %q (want sgd or adam)", o.Optimizer)
	}
	if err != nil {
		return nil, err
	}
	switch o.Schedule {
	case "plateau", "decay", "cosine", "constant":
	default:
		return nil, fmt.Errorf("unknown schedule %q (want plateau, decay, cosine or constant)", o.Schedule)
	}
	t := &Trainer{M: m, Opt: o, optim: op, src: newPCGSource(o.Seed ^ 0x5eed), train: train, valid: valid,
		Best: math.Inf(1), hash: streamHash(train)}
	t.rng = rand.New(t.src)
	t.tp = nn.NewTape(t.rng)
	t.state = m.NewState(o.Batch)
	t.ids = make([]int32, o.Batch*o.BPTT)
	t.tgt = make([]int32, o.Batch*o.BPTT)
	return t, nil
}

// StepsPerEpoch is the number of updates in one epoch.
func (t *Trainer) StepsPerEpoch() int {
	L, _ := batchLayout(t.train.Targets(), t.Opt.Batch)
	return (L + t.Opt.BPTT - 1) / t.Opt.BPTT
}

func (t *Trainer) scheduleScale() float64 {
	if t.Opt.Schedule != "cosine" {
		return 1
	}
	total := t.StepsPerEpoch() * t.Opt.Epochs
	w := min(t.Opt.Warmup, total/2)
	return optim.WarmupCosine(w, total, 0.1)(t.Step)
}

// step runs one update on window t.Batch of the current epoch and returns
// the mean loss.
func (t *Trainer) step() (float64, int, error) {
	B, bptt := t.Opt.Batch, t.Opt.BPTT
	L, _ := batchLayout(t.train.Targets(), B)
	pos := t.Batch * bptt
	T := min(bptt, L-pos)
	ids, tgt := t.ids[:B*T], t.tgt[:B*T]
	for b := 0; b < B; b++ {
		o := b*L + pos
		copy(ids[b*T:(b+1)*T], t.train.IDs[o:o+T])
		copy(tgt[b*T:(b+1)*T], t.train.IDs[o+1:o+T+1])
	}
	tp := t.tp
	tp.Reset()
	tp.Training = true
	var st *State
	if t.M.Cfg.Arch != ArchTransformer {
		st = t.state
	}
	lg := t.M.logits(tp, ids, B, T, st, t.rng)
	loss := tp.CrossEntropy(lg, tgt, -1, 0)
	v := float64(loss.Data()[0])
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v, T, fmt.Errorf("step %d (epoch %d, window %d): %w (%v); try a lower learning rate or stronger clipping", t.Step+1, t.Epoch+1, t.Batch, ErrNonFinite, v)
	}
	t.optim.ZeroGrad()
	tp.Backward(loss)
	if t.Opt.Clip > 0 {
		// The norm is a second check: a non-finite gradient means the
		// weights would be poisoned even if the loss came out finite.
		if g := optim.ClipGradNorm(t.M.params, t.Opt.Clip); math.IsNaN(g) || math.IsInf(g, 0) {
			return v, T, fmt.Errorf("step %d (epoch %d, window %d): %w (gradient norm %v); try a lower learning rate or stronger clipping", t.Step+1, t.Epoch+1, t.Batch, ErrNonFinite, g)
		}
	}
	t.optim.SetScale(t.scheduleScale())
	t.optim.Step()
	// Scanning the weights (about 1% of a step) catches divergence even where
	// the engine's kernels would not carry a NaN through to the loss.
	if name := firstNonFinite(t.M.params); name != "" {
		return v, T, fmt.Errorf("step %d (epoch %d, window %d): %w: parameter %s has NaN or infinite values after the update; try a lower learning rate or stronger clipping", t.Step+1, t.Epoch+1, t.Batch, ErrNonFinite, name)
	}
	return v, T, nil
}

// firstNonFinite returns the name of the first parameter holding a NaN or
// an infinity, or "".
func firstNonFinite(params []*nn.Param) string {
	for _, p := range params {
		var acc float32
		for _, x := range p.Data() {
			acc += x * 0 // NaN for NaN and ±Inf, 0 otherwise
		}
		if acc != 0 {
			return p.Name
		}
	}
	return ""
}

// Run trains until the last epoch ends (or MaxSteps updates are done),
// validating, saving and checkpointing as the options say. It returns the
// history of finished epochs.
func (t *Trainer) Run() ([]EpochResult, error) {
	o := t.Opt
	spe := t.StepsPerEpoch()
	for t.Epoch < o.Epochs {
		if t.Batch == 0 {
			t.state.Zero()
			t.lossSum, t.lossN, t.epochSecs = 0, 0, 0
		}
		t.epochStart = time.Now()
		prog := progress.New(progressWriter(o.Progress), fmt.Sprintf("epoch %d/%d", t.Epoch+1, o.Epochs), "tokens",
			int64(spe-t.Batch)*int64(o.Batch*o.BPTT))
		for t.Batch < spe {
			if o.MaxSteps > 0 && t.Step >= o.MaxSteps {
				prog.Finish()
				return t.History, nil
			}
			v, T, err := t.step()
			if err != nil {
				prog.Finish()
				return t.History, err
			}
			t.lossSum += v
			t.lossN++
			t.Batch++
			t.Step++
			prog.Add(int64(o.Batch * T))
			if o.CheckpointEvery > 0 && t.Step%o.CheckpointEvery == 0 && o.CheckpointPath != "" && t.Batch < spe {
				if err := t.SaveCheckpoint(o.CheckpointPath); err != nil {
					prog.Finish()
					return t.History, err
				}
			}
		}
		prog.Finish()
		if err := t.endEpoch(); err != nil {
			return t.History, err
		}
	}
	return t.History, nil
}

func progressWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func (t *Trainer) endEpoch() error {
	o := t.Opt
	secs := t.epochSecs + time.Since(t.epochStart).Seconds()
	L, _ := batchLayout(t.train.Targets(), o.Batch)
	r := EpochResult{Epoch: t.Epoch + 1, LR: t.optim.LR() * t.optim.Scale(), Seconds: secs,
		TokensPerS: float64(L*o.Batch) / secs}
	if t.lossN > 0 {
		r.TrainLoss = t.lossSum / float64(t.lossN)
	}
	improved := true
	if t.valid != nil {
		sc, err := t.M.Evaluate(t.valid, 10, o.BPTT, nil)
		if err != nil {
			return fmt.Errorf("validation after epoch %d: %w", t.Epoch+1, err)
		}
		r.ValidPPL = sc.Perplexity()
		improved = r.ValidPPL < t.Best
		if improved {
			t.Best = r.ValidPPL
		}
	}
	switch o.Schedule {
	case "plateau":
		if !improved {
			t.optim.SetLR(t.optim.LR() / o.Decay)
		}
	case "decay":
		if t.Epoch+1 >= o.DecayStart {
			t.optim.SetLR(t.optim.LR() / o.Decay)
		}
	}
	t.History = append(t.History, r)
	if o.Log != nil {
		fmt.Fprintf(o.Log, "epoch %d: train loss %.4f (ppl %.2f), valid ppl %.2f, lr %.4g, %.0f s, %.0f tokens/s\n",
			r.Epoch, r.TrainLoss, math.Exp(r.TrainLoss), r.ValidPPL, r.LR, r.Seconds, r.TokensPerS)
	}
	if improved && o.Out != "" {
		if err := t.M.Save(o.Out); err != nil {
			return err
		}
	}
	t.Epoch++
	t.Batch = 0
	t.state.Zero()
	if o.CheckpointPath != "" {
		return t.SaveCheckpoint(o.CheckpointPath)
	}
	return nil
}

type ckptMeta struct {
	Options   TrainOptions  `json:"options"`
	Epoch     int           `json:"epoch"`
	Batch     int           `json:"batch"`
	Step      int           `json:"step"`
	Best      float64       `json:"best"`
	History   []EpochResult `json:"history"`
	LossSum   float64       `json:"loss_sum"`
	LossN     int           `json:"loss_n"`
	EpochSecs float64       `json:"epoch_secs"`
	DataLen   int           `json:"data_len"`
	DataHash  uint32        `json:"data_hash"`
}

// SaveCheckpoint writes everything needed to continue training bit-exactly:
// the model, the optimizer state, the random generator, the carried
// recurrent state and the position in the data.
func (t *Trainer) SaveCheckpoint(path string) error {
	meta := ckptMeta{Options: t.Opt, Epoch: t.Epoch, Batch: t.Batch, Step: t.Step, Best: t.Best,
		History: t.History, LossSum: t.lossSum, LossN: t.lossN,
		EpochSecs: t.epochSecs + time.Since(t.epochStart).Seconds(),
		DataLen:   len(t.train.IDs), DataHash: t.hash}
	if math.IsInf(meta.Best, 1) {
		meta.Best = -1
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	model, err := t.M.payload()
	if err != nil {
		return err
	}
	ob, err := t.optim.MarshalBinary()
	if err != nil {
		return err
	}
	rb, err := t.src.MarshalBinary()
	if err != nil {
		return err
	}
	var sb []byte
	for l := range t.state.H {
		sb = floatsBytes(sb, t.state.H[l].Data)
		if t.state.C[l] != nil {
			sb = floatsBytes(sb, t.state.C[l].Data)
		}
	}
	p := appendSection(nil, "meta", mj)
	p = appendSection(p, "model", model)
	p = appendSection(p, "optimizer", ob)
	p = appendSection(p, "rng", rb)
	p = appendSection(p, "state", sb)
	return modelfile.WriteAtomic(path, func(w io.Writer) error {
		return modelfile.Encode(w, modelfile.Header{Kind: CheckpointKind, Version: CheckpointVersion}, p)
	})
}

// LoadCheckpoint reads a checkpoint's model (to encode the training text
// with its vocabulary before Resume).
func LoadCheckpoint(path string) (*LM, error) {
	_, s, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return parseModel(path, s["model"])
}

func readCheckpoint(path string) (ckptMeta, sections, error) {
	var meta ckptMeta
	data, err := os.ReadFile(path)
	if err != nil {
		return meta, nil, err
	}
	h, p, err := modelfile.Decode(path, data)
	if err != nil {
		return meta, nil, err
	}
	if h.Kind == Kind {
		return meta, nil, fmt.Errorf("%s is a finished language model, not a training checkpoint", path)
	}
	if err := h.Expect(path, CheckpointKind, CheckpointVersion); err != nil {
		return meta, nil, err
	}
	s, err := parseSections(path, p)
	if err != nil {
		return meta, nil, err
	}
	if err := s.need(path, "meta", "model", "optimizer", "rng", "state"); err != nil {
		return meta, nil, err
	}
	if err := json.Unmarshal(s["meta"], &meta); err != nil {
		return meta, nil, fmt.Errorf("%s: checkpoint metadata: %v: %w", path, err, modelfile.ErrCorrupt)
	}
	return meta, s, nil
}

// Resume restores a trainer from a checkpoint written by SaveCheckpoint.
// m must be the checkpoint's model (LoadCheckpoint) and train the same
// training stream (checked by length and checksum). The stored options are
// used except CheckpointPath, Out, MaxSteps, Log and Progress, taken from o,
// and Epochs, taken from o when positive.
func Resume(path string, m *LM, train, valid *Stream, o TrainOptions) (*Trainer, error) {
	meta, s, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	so := meta.Options
	so.CheckpointPath, so.Out, so.MaxSteps, so.Log, so.Progress = o.CheckpointPath, o.Out, o.MaxSteps, o.Log, o.Progress
	if o.Epochs > 0 {
		so.Epochs = o.Epochs
	}
	if len(train.IDs) != meta.DataLen || streamHash(train) != meta.DataHash {
		return nil, fmt.Errorf("%s: the training text differs from the one the checkpoint was trained on (%d ids now, %d then)", path, len(train.IDs), meta.DataLen)
	}
	t, err := NewTrainer(m, train, valid, so)
	if err != nil {
		return nil, err
	}
	if err := t.optim.UnmarshalBinary(s["optimizer"]); err != nil {
		return nil, fmt.Errorf("%s: optimizer state: %w", path, err)
	}
	if err := t.src.UnmarshalBinary(s["rng"]); err != nil {
		return nil, fmt.Errorf("%s: random state: %w", path, err)
	}
	b := s["state"]
	for l := range t.state.H {
		if b, err = readFloats(path, b, t.state.H[l].Data); err != nil {
			return nil, err
		}
		if t.state.C[l] != nil {
			if b, err = readFloats(path, b, t.state.C[l].Data); err != nil {
				return nil, err
			}
		}
	}
	t.Epoch, t.Batch, t.Step, t.Best, t.History = meta.Epoch, meta.Batch, meta.Step, meta.Best, meta.History
	if t.Best < 0 {
		t.Best = math.Inf(1)
	}
	t.lossSum, t.lossN, t.epochSecs = meta.LossSum, meta.LossN, meta.EpochSecs
	return t, nil
}
