package keras

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"slices"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/progress"
)

// Logs maps a quantity's name ("loss", "accuracy", "val_loss",
// "val_accuracy") to its value.
type Logs map[string]float64

// String lists the entries in name order.
func (l Logs) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s %.4f", k, l[k])
	}
	return b.String()
}

// FitInfo describes the Fit call in progress, for callbacks.
type FitInfo struct {
	Epochs, BatchSize int
	Samples           int // training examples
	StepsPerEpoch     int
	Epoch             int // current epoch, from 0
	Step              int // updates done so far, over all epochs
	Start             time.Time
}

// FitInfo returns the state of the current (or last) Fit.
func (m *Model) FitInfo() FitInfo { return m.fit }

// FitOption configures Fit.
type FitOption func(*fitConfig) error

type fitConfig struct {
	epochs, batch int
	xv            [][]int32
	yv            []float32
	shuffle       bool
	shuffleSeed   int64
	seedSet       bool
	callbacks     []Callback
}

// Epochs sets the number of passes over the data (default 1).
func Epochs(n int) FitOption {
	return func(c *fitConfig) error {
		if n < 1 {
			return fmt.Errorf("Epochs(%d): must be at least 1", n)
		}
		c.epochs = n
		return nil
	}
}

// BatchSize sets the mini-batch size (default 32).
func BatchSize(n int) FitOption {
	return func(c *fitConfig) error {
		if n < 1 {
			return fmt.Errorf("BatchSize(%d): must be at least 1", n)
		}
		c.batch = n
		return nil
	}
}

// ValidationData evaluates the model on xv, yv after every epoch, reported
// as "val_loss" and "val_accuracy".
func ValidationData(xv [][]int32, yv []float32) FitOption {
	return func(c *fitConfig) error { c.xv, c.yv = xv, yv; return nil }
}

// Shuffle shuffles the training examples before every epoch with a source
// seeded by seed. Fit shuffles by default, seeded from the Compile seed.
func Shuffle(seed int64) FitOption {
	return func(c *fitConfig) error { c.shuffle, c.shuffleSeed, c.seedSet = true, seed, true; return nil }
}

// NoShuffle keeps the examples in their given order.
func NoShuffle() FitOption { return func(c *fitConfig) error { c.shuffle = false; return nil } }

// Callbacks adds callbacks, called in the order given (after the History).
func Callbacks(cbs ...Callback) FitOption {
	return func(c *fitConfig) error { c.callbacks = append(c.callbacks, cbs...); return nil }
}

// Fit trains the model on x (token-id sequences of one common length, see
// PadSequences) and targets y, and returns the per-epoch history of the
// loss and metrics. A callback error stops training and is returned with the
// history so far.
func (m *Model) Fit(x [][]int32, y []float32, opts ...FitOption) (*History, error) {
	cfg := fitConfig{epochs: 1, batch: 32, shuffle: true}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("keras: Fit: %w", err)
		}
	}
	if m.opt == nil {
		return nil, errors.New("keras: Fit: the model has no optimizer; call Compile first")
	}
	T, err := m.validate("Fit", x, y)
	if err != nil {
		return nil, err
	}
	Tv := 0
	if cfg.xv != nil {
		if Tv, err = m.validate("Fit: validation data", cfg.xv, cfg.yv); err != nil {
			return nil, err
		}
	}
	if !cfg.seedSet {
		cfg.shuffleSeed = m.cfg.seed + 2
	}
	n := len(x)
	hist := &History{Metrics: map[string][]float64{}}
	cbs := append([]Callback{hist}, cfg.callbacks...)
	m.StopTraining = false
	m.fit = FitInfo{Epochs: cfg.epochs, BatchSize: cfg.batch, Samples: n,
		StepsPerEpoch: (n + cfg.batch - 1) / cfg.batch, Start: time.Now()}
	call := func(f func(Callback) error) error {
		for _, cb := range cbs {
			if err := f(cb); err != nil {
				return fmt.Errorf("keras: Fit: callback: %w", err)
			}
		}
		return nil
	}
	if err := call(func(cb Callback) error { return cb.OnTrainBegin(m) }); err != nil {
		return hist, err
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	rng := rand.New(rand.NewSource(cfg.shuffleSeed))
	batchLogs := Logs{}
	var logs Logs
	tp := m.train
	for epoch := 0; epoch < cfg.epochs && !m.StopTraining; epoch++ {
		m.fit.Epoch = epoch
		if err := call(func(cb Callback) error { return cb.OnEpochBegin(m, epoch) }); err != nil {
			return hist, err
		}
		if cfg.shuffle {
			rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		}
		var total float64
		right := 0
		for b, s := 0, 0; s < n; b, s = b+1, s+cfg.batch {
			if err := call(func(cb Callback) error { return cb.OnBatchBegin(m, b) }); err != nil {
				return hist, err
			}
			idx := perm[s:min(s+cfg.batch, n)]
			f := m.fill(x, y, idx, T)
			tp.Reset()
			logits := m.forward(tp, f)
			loss := m.lossOf(tp, logits)
			m.opt.ZeroGrad()
			tp.Backward(loss)
			if m.cfg.clipNorm > 0 {
				optim.ClipGradNorm(m.ps, m.cfg.clipNorm)
			}
			m.opt.Step()
			m.fit.Step++
			lv := float64(loss.Data()[0])
			if math.IsNaN(lv) || math.IsInf(lv, 0) {
				return hist, fmt.Errorf("keras: Fit: epoch %d batch %d: loss is %v (lower the learning rate or clip gradients)", epoch+1, b+1, lv)
			}
			total += lv * float64(len(idx))
			batchLogs["loss"] = lv
			if m.cfg.accuracy {
				c := m.correct(logits)
				right += c
				batchLogs["accuracy"] = float64(c) / float64(len(idx))
			}
			if err := call(func(cb Callback) error { return cb.OnBatchEnd(m, b, batchLogs) }); err != nil {
				return hist, err
			}
		}
		tp.Reset()
		logs = Logs{"loss": total / float64(n)}
		if m.cfg.accuracy {
			logs["accuracy"] = float64(right) / float64(n)
		}
		if cfg.xv != nil {
			m.evaluate(cfg.xv, cfg.yv, Tv, max(cfg.batch, 256), logs, "val_")
		}
		if err := call(func(cb Callback) error { return cb.OnEpochEnd(m, epoch, logs) }); err != nil {
			return hist, err
		}
	}
	if err := call(func(cb Callback) error { return cb.OnTrainEnd(m, logs) }); err != nil {
		return hist, err
	}
	return hist, nil
}

// Callback observes (and may steer) training. Embed BaseCallback to
// implement only some methods. A returned error aborts Fit.
type Callback interface {
	OnTrainBegin(m *Model) error
	OnEpochBegin(m *Model, epoch int) error
	OnBatchBegin(m *Model, batch int) error
	// OnBatchEnd receives the batch's loss (and accuracy); logs is reused.
	OnBatchEnd(m *Model, batch int, logs Logs) error
	// OnEpochEnd receives the epoch's mean loss and metrics, and the
	// validation ones ("val_" prefix) when there is validation data.
	OnEpochEnd(m *Model, epoch int, logs Logs) error
	// OnTrainEnd receives the last epoch's logs.
	OnTrainEnd(m *Model, logs Logs) error
}

// BaseCallback implements every Callback method as a no-op.
type BaseCallback struct{}

func (BaseCallback) OnTrainBegin(*Model) error          { return nil }
func (BaseCallback) OnEpochBegin(*Model, int) error     { return nil }
func (BaseCallback) OnBatchBegin(*Model, int) error     { return nil }
func (BaseCallback) OnBatchEnd(*Model, int, Logs) error { return nil }
func (BaseCallback) OnEpochEnd(*Model, int, Logs) error { return nil }
func (BaseCallback) OnTrainEnd(*Model, Logs) error      { return nil }

// History records the logs of every epoch; Fit returns it.
type History struct {
	BaseCallback
	// Epochs lists the completed epochs (from 0).
	Epochs []int
	// Metrics maps a name ("loss", "val_accuracy", ...) to its value per epoch.
	Metrics map[string][]float64
}

// OnEpochEnd appends the epoch's logs.
func (h *History) OnEpochEnd(_ *Model, epoch int, logs Logs) error {
	h.Epochs = append(h.Epochs, epoch)
	for k, v := range logs {
		h.Metrics[k] = append(h.Metrics[k], v)
	}
	return nil
}

// Last returns the last recorded value of name (NaN if none).
func (h *History) Last(name string) float64 {
	v := h.Metrics[name]
	if len(v) == 0 {
		return math.NaN()
	}
	return v[len(v)-1]
}

// ---------------------------------------------------------------- monitors

// MonitorOption configures EarlyStopping and ModelCheckpoint.
type MonitorOption func(*monitor)

type monitor struct {
	name     string
	mode     string // "min", "max" or "auto"
	minDelta float64
	best     float64
	// early stopping
	patience    int
	restoreBest bool
	// checkpoint
	bestOnly bool
}

// Monitor sets the quantity watched (default "val_loss").
func Monitor(name string) MonitorOption { return func(m *monitor) { m.name = name } }

// Mode sets whether lower ("min") or higher ("max") is better; the default
// "auto" picks max for accuracies and min otherwise.
func Mode(mode string) MonitorOption { return func(m *monitor) { m.mode = mode } }

// MinDelta is the smallest change that counts as an improvement.
func MinDelta(d float64) MonitorOption { return func(m *monitor) { m.minDelta = math.Abs(d) } }

// Patience is the number of epochs without improvement after which
// EarlyStopping stops training (default 0: the first such epoch).
func Patience(n int) MonitorOption { return func(m *monitor) { m.patience = n } }

// RestoreBestWeights makes EarlyStopping restore, when training ends, the
// weights of the best epoch.
func RestoreBestWeights() MonitorOption { return func(m *monitor) { m.restoreBest = true } }

// SaveBestOnly makes ModelCheckpoint save only when the monitored quantity
// improves.
func SaveBestOnly() MonitorOption { return func(m *monitor) { m.bestOnly = true } }

func newMonitor(opts []MonitorOption) monitor {
	m := monitor{name: "val_loss", mode: "auto"}
	for _, o := range opts {
		o(&m)
	}
	if m.mode == "auto" {
		if strings.Contains(m.name, "acc") {
			m.mode = "max"
		} else {
			m.mode = "min"
		}
	}
	return m
}

func (m *monitor) reset() {
	if m.mode == "max" {
		m.best = math.Inf(-1)
	} else {
		m.best = math.Inf(1)
	}
}

// check reads the monitored value from logs and reports whether it improved
// on the best so far (updating it).
func (m *monitor) check(who string, logs Logs) (bool, error) {
	v, ok := logs[m.name]
	if !ok {
		return false, fmt.Errorf("%s: %q is not in the epoch logs (%v); pass ValidationData to monitor val_ quantities", who, m.name, logs)
	}
	var better bool
	if m.mode == "max" {
		better = v > m.best+m.minDelta
	} else {
		better = v < m.best-m.minDelta
	}
	if better {
		m.best = v
	}
	return better, nil
}

// EarlyStoppingCallback stops training when the monitored quantity stops
// improving.
type EarlyStoppingCallback struct {
	BaseCallback
	mon  monitor
	wait int
	best [][]float32
	// StoppedEpoch is the epoch after which training stopped (-1: it did not).
	StoppedEpoch int
	// BestEpoch is the epoch with the best monitored value.
	BestEpoch int
}

// EarlyStopping stops training once the monitored quantity (default
// "val_loss") has not improved for Patience epochs, like Keras's
// EarlyStopping.
func EarlyStopping(opts ...MonitorOption) *EarlyStoppingCallback {
	return &EarlyStoppingCallback{mon: newMonitor(opts)}
}

func (e *EarlyStoppingCallback) OnTrainBegin(*Model) error {
	e.mon.reset()
	e.wait, e.StoppedEpoch, e.BestEpoch, e.best = 0, -1, -1, nil
	return nil
}

func (e *EarlyStoppingCallback) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	better, err := e.mon.check("EarlyStopping", logs)
	if err != nil {
		return err
	}
	if better {
		e.wait, e.BestEpoch = 0, epoch
		if e.mon.restoreBest {
			e.best = snapshot(m, e.best)
		}
		return nil
	}
	e.wait++
	if e.wait >= max(e.mon.patience, 1) {
		e.StoppedEpoch = epoch
		m.StopTraining = true
	}
	return nil
}

func (e *EarlyStoppingCallback) OnTrainEnd(m *Model, _ Logs) error {
	if e.mon.restoreBest && e.best != nil {
		for i, p := range m.ps {
			copy(p.Value.Data, e.best[i])
		}
	}
	return nil
}

func snapshot(m *Model, dst [][]float32) [][]float32 {
	if dst == nil {
		dst = make([][]float32, len(m.ps))
	}
	for i, p := range m.ps {
		dst[i] = append(dst[i][:0], p.Value.Data...)
	}
	return dst
}

// ModelCheckpointCallback saves the model after epochs.
type ModelCheckpointCallback struct {
	BaseCallback
	dir string
	mon monitor
	// Saved lists the epochs after which the model was saved.
	Saved []int
}

// ModelCheckpoint saves the model (see Model.Save) to the directory dir after
// every epoch, or with SaveBestOnly only when the monitored quantity
// (default "val_loss") improves, so dir holds the best model.
func ModelCheckpoint(dir string, opts ...MonitorOption) *ModelCheckpointCallback {
	return &ModelCheckpointCallback{dir: dir, mon: newMonitor(opts)}
}

func (c *ModelCheckpointCallback) OnTrainBegin(*Model) error {
	c.mon.reset()
	c.Saved = nil
	return nil
}

func (c *ModelCheckpointCallback) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	if c.mon.bestOnly {
		better, err := c.mon.check("ModelCheckpoint", logs)
		if err != nil || !better {
			return err
		}
	}
	if err := m.Save(c.dir); err != nil {
		return fmt.Errorf("ModelCheckpoint: %w", err)
	}
	c.Saved = append(c.Saved, epoch)
	return nil
}

// ProgressCallback reports training progress.
type ProgressCallback struct {
	BaseCallback
	w   io.Writer
	rep *progress.Reporter
	t0  time.Time
}

// Progress reports each epoch's progress to w (a bar on a terminal, periodic
// lines otherwise) and a summary line with the epoch's logs and time.
func Progress(w io.Writer) *ProgressCallback { return &ProgressCallback{w: w} }

func (p *ProgressCallback) OnEpochBegin(m *Model, epoch int) error {
	f := m.FitInfo()
	p.t0 = time.Now()
	p.rep = progress.New(p.w, fmt.Sprintf("epoch %d/%d", epoch+1, f.Epochs), "examples", int64(f.Samples))
	return nil
}

func (p *ProgressCallback) OnBatchEnd(m *Model, batch int, _ Logs) error {
	f := m.FitInfo()
	p.rep.Add(int64(min(f.BatchSize, f.Samples-batch*f.BatchSize)))
	return nil
}

func (p *ProgressCallback) OnEpochEnd(m *Model, epoch int, logs Logs) error {
	p.rep.Finish()
	_, err := fmt.Fprintf(p.w, "epoch %d/%d: %v (%.1fs)\n", epoch+1, m.FitInfo().Epochs, logs, time.Since(p.t0).Seconds())
	return err
}

// LearningRateScheduleCallback sets the optimizer's schedule multiplier
// before every update.
type LearningRateScheduleCallback struct {
	BaseCallback
	s optim.Schedule
}

// LearningRateSchedule applies s (update index over all epochs →
// multiplier of the optimizer's learning rate) before every update.
func LearningRateSchedule(s optim.Schedule) *LearningRateScheduleCallback {
	return &LearningRateScheduleCallback{s: s}
}

func (l *LearningRateScheduleCallback) OnBatchBegin(m *Model, _ int) error {
	m.opt.SetScale(l.s(m.fit.Step))
	return nil
}
