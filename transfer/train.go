package transfer

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"slices"
	"time"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/progress"
)

// Example is one labelled text; Label indexes the classifier's labels.
type Example struct {
	Text  string
	Label int
}

// TrainOptions configure Train.
type TrainOptions struct {
	Epochs int
	Batch  int
	LR     float64 // peak learning rate of the top group (Adam)
	Clip   float64 // maximum global gradient norm (0: none)
	// Factor divides the learning rate from one group to the one below
	// (ULMFiT: 2.6) when Discriminative is set.
	Factor         float64
	Discriminative bool
	Unfreeze       bool // gradual unfreezing, one more group per epoch
	STLR           bool // slanted triangular schedule (else constant)
	// SelectBest keeps the weights of the epoch with the best dev accuracy
	// (ties: the lower dev loss, then the earlier epoch) and restores them
	// when training ends. Without dev examples it has no effect: the last
	// epoch's weights are kept.
	SelectBest bool
	Seed       int64
}

// DefaultTrainOptions are ULMFiT's choices with a small batch for CPU
// training: all three techniques on, factor 2.6, lr 0.01, batch 32, 4
// epochs, no clipping, best-epoch selection on dev data. Adam uses fastai's
// betas (0.8, 0.99).
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Epochs: 4, Batch: 32, LR: 0.01, Factor: 2.6,
		Discriminative: true, Unfreeze: true, STLR: true, SelectBest: true, Seed: 1}
}

// EpochStats reports one epoch of training.
type EpochStats struct {
	Epoch     int
	Trained   []string // names of the groups trained in this epoch
	Loss      float64  // mean training loss
	TrainAcc  float64
	DevAcc    float64 // NaN without dev data
	DevLoss   float64 // mean cross-entropy on dev; NaN without dev data
	Duration  time.Duration
	Updates   int
	LastLRMul float64 // schedule multiplier at the last update
	// Kept marks the epoch whose weights the classifier holds when Train
	// returns (the best one with SelectBest and dev data, else the last).
	// It is set after the last epoch, so onEpoch always sees false.
	Kept bool
}

// SetupGroups applies the options' discriminative factors to groups (bottom
// up, head last) and freezes all but the groups trained in epoch (from 1):
// the top epoch groups with Unfreeze, all of them otherwise.
func SetupGroups(groups []*optim.Group, o TrainOptions, epoch int) {
	if o.Discriminative {
		optim.Discriminative(groups, o.Factor)
	} else {
		for _, g := range groups {
			g.LRMult = 1
		}
	}
	if o.Unfreeze {
		optim.UnfreezeTop(groups, epoch)
	} else {
		optim.UnfreezeTop(groups, len(groups))
	}
}

// batches cuts example indices into batches of similar length: shuffled,
// sorted by length within windows of 50 batches, and the batches shuffled.
// With noSingle, a last batch of one example joins the one before it (batch
// norm needs two examples).
func batches(lens []int, size int, noSingle bool, rng *rand.Rand) [][]int {
	idx := rng.Perm(len(lens))
	win := 50 * size
	for lo := 0; lo < len(idx); lo += win {
		w := idx[lo:min(lo+win, len(idx))]
		slices.SortStableFunc(w, func(a, b int) int { return lens[b] - lens[a] })
	}
	var out [][]int
	for lo := 0; lo < len(idx); lo += size {
		out = append(out, idx[lo:min(lo+size, len(idx))])
	}
	if k := len(out); noSingle && k > 1 && len(out[k-1]) == 1 {
		out[k-2] = idx[len(idx)-1-len(out[k-2]):]
		out = out[:k-1]
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sortedByLen returns the indices of seqs by length, longest first.
func sortedByLen(seqs [][]int32) []int {
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(seqs[b]) - len(seqs[a]) })
	return order
}

// Accuracy is the fraction of examples whose most probable label is theirs.
func (c *Classifier) Accuracy(exs []Example, batchSize int) float64 {
	acc, _ := c.Score(exs, batchSize)
	return acc
}

// Score returns the accuracy and the mean cross-entropy (nats) of the
// classifier on exs, evaluated in length-sorted batches of batchSize; both
// are NaN when exs is empty. Every label must index the classifier's labels.
func (c *Classifier) Score(exs []Example, batchSize int) (acc, loss float64) {
	if len(exs) == 0 {
		return math.NaN(), math.NaN()
	}
	seqs := make([][]int32, len(exs))
	for i, e := range exs {
		seqs[i] = c.encode(e.Text)
	}
	probs := make([]float64, len(c.labels))
	ok := 0
	c.eachRow(seqs, batchSize, func(i int, row []float32) {
		if argmaxRow(row) == exs[i].Label {
			ok++
		}
		softmaxRow(probs, row)
		loss -= math.Log(max(probs[exs[i].Label], math.SmallestNonzeroFloat64))
	})
	return float64(ok) / float64(len(exs)), loss / float64(len(exs))
}

// argmaxRow is the index of the largest value of row (the first of ties).
func argmaxRow(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// better reports whether epoch statistics a beat b for best-epoch
// selection: higher dev accuracy, then lower dev loss.
func better(a, b EpochStats) bool {
	if a.DevAcc != b.DevAcc {
		return a.DevAcc > b.DevAcc
	}
	return a.DevLoss < b.DevLoss
}

// copyWeights copies the data of params into dst (allocated when nil) and
// returns it.
func copyWeights(dst [][]float32, params []*nn.Param) [][]float32 {
	if dst == nil {
		dst = make([][]float32, len(params))
	}
	for i, p := range params {
		dst[i] = append(dst[i][:0], p.Data()...)
	}
	return dst
}

// Train fine-tunes c (encoder and head) on train, reporting each epoch to
// onEpoch (which may be nil) with the accuracy on dev (may be empty). log,
// when not nil, receives progress. A batch-norm head (HeadConfig.BatchNorm)
// needs a batch size and a training set of at least 2; a last batch of one
// text joins the batch before it. Best-epoch selection keeps the batch
// norms' running statistics with the weights.
func Train(c *Classifier, train, dev []Example, o TrainOptions, log io.Writer, onEpoch func(EpochStats)) ([]EpochStats, error) {
	if o.Epochs <= 0 || o.Batch <= 0 || !(o.LR > 0) {
		return nil, fmt.Errorf("transfer: epochs, batch and learning rate must be positive (got %d, %d, %v)", o.Epochs, o.Batch, o.LR)
	}
	if o.Discriminative && !(o.Factor >= 1) {
		return nil, fmt.Errorf("transfer: discriminative factor %v must be at least 1", o.Factor)
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("transfer: no training examples")
	}
	bn := c.bn1 != nil
	if bn && (o.Batch < 2 || len(train) < 2) {
		return nil, fmt.Errorf("transfer: a batch-norm head needs batches of at least 2 texts (batch size %d, %d training examples); use a head without batch norm", o.Batch, len(train))
	}
	for _, set := range []struct {
		what string
		exs  []Example
	}{{"training", train}, {"dev", dev}} {
		for i, e := range set.exs {
			if e.Label < 0 || e.Label >= len(c.labels) {
				return nil, fmt.Errorf("transfer: %s example %d has label id %d outside %d labels", set.what, i+1, e.Label, len(c.labels))
			}
		}
	}
	seqs := make([][]int32, len(train))
	lens := make([]int, len(train))
	for i, e := range train {
		seqs[i] = c.encode(e.Text)
		lens[i] = len(seqs[i])
	}
	rng := rand.New(rand.NewSource(o.Seed))
	groups := c.Groups()
	SetupGroups(groups, o, 1)
	opt, err := optim.NewAdam(groups, optim.AdamConfig{LR: o.LR, Beta1: 0.8, Beta2: 0.99, Eps: 1e-8})
	if err != nil {
		return nil, err
	}
	perEpoch := (len(train) + o.Batch - 1) / o.Batch
	sched := optim.Constant()
	if o.STLR {
		sched = optim.SlantedTriangular(perEpoch*o.Epochs, 0.1, 32)
	}
	var all []*nn.Param
	for _, g := range groups {
		all = append(all, g.Params...)
	}
	// The best epoch's snapshot includes the batch norms' running
	// statistics, which belong with its weights.
	kept := append(slices.Clone(all), c.HeadBuffers()...)
	tp := nn.NewTape(rng)
	var stats []EpochStats
	selecting := o.SelectBest && len(dev) > 0
	var best [][]float32 // weights of the best epoch so far
	bestAt := -1         // its index in stats
	step := 0
	var bs [][]int32
	var targets []int32
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		SetupGroups(groups, o, epoch)
		st := EpochStats{Epoch: epoch}
		for _, g := range groups {
			if len(g.Params) > 0 && !g.Params[0].Frozen() {
				st.Trained = append(st.Trained, g.Name)
			}
		}
		start := time.Now()
		var pr *progress.Reporter
		if log != nil {
			pr = progress.New(log, fmt.Sprintf("epoch %d", epoch), "texts", int64(len(train)))
		}
		var lossSum float64
		correct := 0
		for _, b := range batches(lens, o.Batch, bn, rng) {
			bs, targets = bs[:0], targets[:0]
			for _, i := range b {
				bs = append(bs, seqs[i])
				targets = append(targets, int32(train[i].Label))
			}
			tp.Reset()
			tp.Training = true
			opt.ZeroGrad()
			logits := c.logits(tp, bs, rng)
			loss := tp.CrossEntropy(logits, targets, -1, 0)
			lv := float64(loss.Data()[0])
			if math.IsNaN(lv) || math.IsInf(lv, 0) {
				return stats, fmt.Errorf("transfer: loss is not finite at update %d", step+1)
			}
			C := len(c.labels)
			d := logits.Data()
			for k, y := range targets {
				if argmaxRow(d[k*C:(k+1)*C]) == int(y) {
					correct++
				}
			}
			tp.Backward(loss)
			if o.Clip > 0 {
				optim.ClipGradNorm(all, o.Clip)
			}
			st.LastLRMul = sched(step)
			opt.SetScale(st.LastLRMul)
			opt.Step()
			step++
			st.Updates++
			lossSum += lv * float64(len(b))
			pr.Add(int64(len(b)))
		}
		pr.Finish()
		st.Loss = lossSum / float64(len(train))
		st.TrainAcc = float64(correct) / float64(len(train))
		st.DevAcc, st.DevLoss = c.Score(dev, o.Batch)
		st.Duration = time.Since(start)
		stats = append(stats, st)
		if selecting && (bestAt < 0 || better(st, stats[bestAt])) {
			best, bestAt = copyWeights(best, kept), len(stats)-1
		}
		if onEpoch != nil {
			onEpoch(st)
		}
	}
	optim.UnfreezeTop(groups, len(groups))
	if selecting && bestAt != len(stats)-1 {
		for i, p := range kept {
			copy(p.Data(), best[i])
		}
	}
	if bestAt < 0 {
		bestAt = len(stats) - 1
	}
	stats[bestAt].Kept = true
	return stats, nil
}
