package transfer

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/vocab"
)

// offsetLM returns a one-layer LSTM LM whose states are mostly a constant
// offset: the input, forget and output gates are saturated (i, o ≈ 1,
// f ≈ 0, no recurrence), so each state is tanh(tanh(0.5 + scale·W_g·x)),
// about 0.43 plus a small token-dependent part, like the pooled features of
// a pretrained LM.
func offsetLM(t testing.TB, lines []string, scale float32) *lm.LM {
	t.Helper()
	m, err := lm.NewFromLines(lm.Config{Arch: lm.ArchLSTM, Emb: 16, Hidden: 24, Layers: 1}, "space", lines, vocab.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	gs := m.Encoder().LayerGroups()
	wih, whh, bih, bhh := gs[1][0].Data(), gs[1][1].Data(), gs[1][2].Data(), gs[1][3].Data()
	const H, in = 24, 16
	clear(whh)
	clear(bhh)
	for gate, bias := range []float32{6, -6, 0.5, 6} { // i, f, g, o
		for r := gate * H; r < (gate+1)*H; r++ {
			bih[r] = bias
			row := wih[r*in : (r+1)*in]
			for j := range row {
				if gate == 2 {
					row[j] *= scale
				} else {
					row[j] = 0
				}
			}
		}
	}
	return m
}

// pooledStats returns the mean absolute pooled feature and the mean (over
// features) standard deviation across texts.
func pooledStats(c *Classifier, texts []string) (meanAbs, spread float64) {
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	seqs := make([][]int32, len(texts))
	for i, s := range texts {
		seqs[i] = c.encode(s)
	}
	ids, lens, T := batch(seqs)
	outs := c.enc.Forward(tp, ids, len(seqs), T, nil)
	x := tp.ConcatPool(outs[len(outs)-1], lens)
	B, F := x.Shape()[0], x.Shape()[1]
	d := x.Data()
	for j := 0; j < F; j++ {
		var m, v float64
		for b := 0; b < B; b++ {
			m += float64(d[b*F+j])
			meanAbs += math.Abs(float64(d[b*F+j]))
		}
		m /= float64(B)
		for b := 0; b < B; b++ {
			v += (float64(d[b*F+j]) - m) * (float64(d[b*F+j]) - m)
		}
		spread += math.Sqrt(v / float64(B))
	}
	return meanAbs / float64(B*F), spread / float64(F)
}

// With the encoder frozen (the first epoch of gradual unfreezing) and pooled
// features that are a large offset with a small spread (as measured on a
// pretrained LM: mean |f| 0.43, spread 0.07), the batch-norm head learns the
// keyword task, while the plain head stays near chance (loss ≈ ln 2). Both
// outcomes held for data seeds 21-25 (batch norm: dev accuracy 0.85-0.91,
// loss ≈ 0.48; without: dev 0.45-0.66, loss 0.693-0.697).
func TestBatchNormHeadLearnsOffsetFeatures(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	train, dev := synthetic(2000, rng), synthetic(300, rng)
	got := map[bool]EpochStats{}
	for _, bn := range []bool{true, false} {
		base := offsetLM(t, texts(train), 8)
		before := snapshot(base)
		head := DefaultHead()
		head.BatchNorm = bn
		c, err := New(base, []string{"neg", "pos"}, head, rand.New(rand.NewSource(2)))
		if err != nil {
			t.Fatal(err)
		}
		ma, sp := pooledStats(c, texts(dev))
		if ma < 0.35 || sp > 0.1 {
			t.Fatalf("pooled features mean |f| %.3f spread %.3f: not a large offset with a small spread", ma, sp)
		}
		o := DefaultTrainOptions()
		o.Epochs = 1 // gradual unfreezing: the head alone
		stats, err := Train(c, train, dev, o, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(before, snapshot(base), slices.Equal) {
			t.Fatal("encoder changed; the test needs it frozen")
		}
		got[bn] = stats[0]
		t.Logf("pooled mean |f| %.3f, spread %.3f; batch norm %v: loss %.4f, train acc %.3f, dev acc %.3f",
			ma, sp, bn, stats[0].Loss, stats[0].TrainAcc, stats[0].DevAcc)
	}
	if got[true].DevAcc < 0.8 {
		t.Errorf("batch-norm head on offset features: dev accuracy %.3f < 0.8", got[true].DevAcc)
	}
	if got[true].Loss > got[false].Loss-0.1 {
		t.Errorf("training loss with batch norm %.4f, without %.4f: want the batch-norm head clearly lower", got[true].Loss, got[false].Loss)
	}
}

// The head's layout with and without batch norm, and its parameters and
// buffers.
func TestHeadLayout(t *testing.T) {
	base := tinyLM(t, lm.ArchLSTM, []string{"a b c"}, 1)
	for _, c := range []struct {
		bn            bool
		params, bufs  string
		headGroupSize int
	}{
		{true, "head.bn1.weight[72] head.bn1.bias[72] head.fc1.weight[50 72] head.fc1.bias[50] head.bn2.weight[50] head.bn2.bias[50] head.fc2.weight[2 50] head.fc2.bias[2]",
			"head.bn1.running_mean[72] head.bn1.running_var[72] head.bn1.num_batches_tracked[1] head.bn2.running_mean[50] head.bn2.running_var[50] head.bn2.num_batches_tracked[1]", 8},
		{false, "head.fc1.weight[50 72] head.fc1.bias[50] head.fc2.weight[2 50] head.fc2.bias[2]", "", 4},
	} {
		head := DefaultHead()
		head.BatchNorm = c.bn
		clf, err := New(base, []string{"neg", "pos"}, head, rand.New(rand.NewSource(1)))
		if err != nil {
			t.Fatal(err)
		}
		names := func(ps []*nn.Param) string {
			var s []string
			for _, p := range ps {
				s = append(s, fmt.Sprintf("%s%v", p.Name, p.Shape()))
			}
			return strings.Join(s, " ")
		}
		if got := names(clf.HeadParams()); got != c.params {
			t.Errorf("bn=%v: params %s, want %s", c.bn, got, c.params)
		}
		if got := names(clf.HeadBuffers()); got != c.bufs {
			t.Errorf("bn=%v: buffers %s, want %s", c.bn, got, c.bufs)
		}
		gs := clf.Groups()
		if g := gs[len(gs)-1]; g.Name != "head" || len(g.Params) != c.headGroupSize {
			t.Errorf("bn=%v: last group %s has %d params, want head with %d", c.bn, g.Name, len(g.Params), c.headGroupSize)
		}
	}
	if DefaultHead().BatchNorm {
		t.Error("DefaultHead has batch norms (off by default)")
	}
}

// A trained batch-norm classifier predicts from its running statistics: a
// text's probabilities do not depend on the batch it is scored in, they
// survive a save and load exactly (running statistics included), and they
// change when the running statistics do.
func TestBatchNormInferenceAndSaveLoad(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	train, dev := synthetic(150, rng), synthetic(40, rng)
	c, err := New(tinyLM(t, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, bnHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultTrainOptions()
	o.Epochs, o.Unfreeze = 2, false
	if _, err := Train(c, train, nil, o, nil, nil); err != nil {
		t.Fatal(err)
	}
	// The running statistics moved away from their initial 0 and 1 and
	// count the updates (5 batches of ≤32 per epoch).
	for _, p := range c.HeadBuffers() {
		switch d := p.Data(); {
		case strings.HasSuffix(p.Name, "num_batches_tracked"):
			if d[0] != 10 {
				t.Errorf("%s = %v, want 10", p.Name, d[0])
			}
		case slices.ContainsFunc(d, func(v float32) bool { return v != 0 && v != 1 }):
		default:
			t.Errorf("%s still holds its initial values", p.Name)
		}
	}
	acc1, loss1 := c.Score(dev, 1)
	acc64, loss64 := c.Score(dev, 64)
	if acc1 != acc64 || math.Abs(loss1-loss64) > 1e-6 {
		t.Errorf("dev scored in batches of 1: %v %v; of 64: %v %v", acc1, loss1, acc64, loss64)
	}
	path := filepath.Join(t.TempDir(), "bn.clf")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Head.BatchNorm {
		t.Fatal("loaded head has no batch norm")
	}
	for i, p := range c.HeadBuffers() {
		if !slices.Equal(p.Data(), d.HeadBuffers()[i].Data()) {
			t.Errorf("%s differs after load", p.Name)
		}
	}
	for _, text := range append(texts(dev), "", "good good good") {
		if p, q := c.Probs(nil, text), d.Probs(nil, text); !slices.Equal(p, q) {
			t.Fatalf("%q: probs %v after load, %v before", text, q, p)
		}
	}
	pred := d.PredictBatch(texts(dev), 7)
	for i, text := range texts(dev) {
		p := d.Probs(nil, text)
		if want := argmax64(p); pred[i] != want && math.Abs(p[1]-p[0]) > 1e-5 {
			t.Fatalf("%q: batched prediction %d, Probs %v", text, pred[i], p)
		}
	}
	before := d.Probs(nil, dev[0].Text)
	for i := range d.bn1.RunningMean.Data() {
		d.bn1.RunningMean.Data()[i] += 1
	}
	if slices.Equal(before, d.Probs(nil, dev[0].Text)) {
		t.Error("changing the running mean did not change the prediction")
	}
	// The file is version 2.
	h, _, err := modelfile.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != Version || Version != 2 {
		t.Errorf("file version %d, Version %d, want 2", h.Version, Version)
	}
}

func argmax64(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// testdata/v1.clf was written by the version-1 code (commit 65e2282,
// before batch norm) with:
//
//	base, _ := lm.NewFromLines(lm.Config{Arch: lm.ArchLSTM, Emb: 4, Hidden: 4, Layers: 1}, "space",
//		[]string{"a good film", "a bad film", "very good", "very bad plot"}, vocab.Options{}, 3)
//	c, _ := transfer.New(base, []string{"neg", "pos"}, transfer.HeadConfig{Hidden: 3, Drop1: 0.2, Drop2: 0.1, MaxLen: 10}, rand.New(rand.NewSource(4)))
//	c.Save("v1.clf")
//
// and these are the probabilities it gave.
var v1Probs = map[string][]float64{
	"a good film":   {0.5166134674835224, 0.4833865325164777},
	"very bad plot": {0.5165647719975628, 0.48343522800243727},
	"unknown words": {0.5168553326659269, 0.4831446673340731},
}

func TestLoadVersion1(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "v1.clf"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Head.BatchNorm || c.HeadBuffers() != nil || c.Head.Hidden != 3 || c.Head.Drop1 != 0.2 {
		t.Fatalf("head %+v, buffers %v", c.Head, c.HeadBuffers())
	}
	check := func(c *Classifier, when string) {
		for text, want := range v1Probs {
			got := c.Probs(nil, text)
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-7 {
					t.Errorf("%s: %q: probs %v, version-1 code gave %v", when, text, got, want)
					break
				}
			}
		}
	}
	check(c, "loaded")
	// Saved again, it is a version-2 file that loads to the same model.
	path := filepath.Join(t.TempDir(), "v2.clf")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	check(d, "re-saved as version 2")
}

// A version-1 header cannot describe a batch-norm head, and a file whose
// stored tensors do not match its head is refused.
func TestDecodeRefusesMismatchedHeads(t *testing.T) {
	c, err := New(tinyLM(t, lm.ArchLSTM, []string{"a b c"}, 1), []string{"neg", "pos"}, bnHead(), rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	h, p, err := modelfile.Decode("x", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("x", h, p); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	h1 := h
	h1.Version = 1
	if _, err := Decode("x", h1, p); err == nil || !strings.Contains(err.Error(), "version 1 file with a batch-norm head") {
		t.Errorf("version-1 header on a batch-norm head: error %v", err)
	}
	h3 := h
	h3.Version = Version + 1
	if _, err := Decode("x", h3, p); err == nil {
		t.Error("a newer version was accepted")
	}
	// Drop the running statistics' bytes: the header still lists them.
	nbuf := 0
	for _, b := range c.HeadBuffers() {
		nbuf += 4 * len(b.Data())
	}
	if _, err := Decode("x", h, p[:len(p)-nbuf]); err == nil {
		t.Error("a file without its running statistics was accepted")
	}
}

// Batch norm needs two texts per batch: Train refuses a batch size of 1 or a
// single example, and a last batch of one joins the batch before it.
func TestBatchNormBatchSizes(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	exs := synthetic(33, rng)
	base := tinyLM(t, lm.ArchLSTM, texts(exs), 1)
	c, err := New(base, []string{"neg", "pos"}, bnHead(), rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		batch int
		exs   []Example
	}{{1, exs}, {32, exs[:1]}} {
		o := DefaultTrainOptions()
		o.Batch, o.Epochs = tc.batch, 1
		if _, err := Train(c, tc.exs, nil, o, nil, nil); err == nil || !strings.Contains(err.Error(), "at least 2 texts") {
			t.Errorf("batch %d, %d examples: error %v", tc.batch, len(tc.exs), err)
		}
	}
	// 33 examples in batches of 32: one batch of 33, no panic.
	o := DefaultTrainOptions()
	o.Epochs = 1
	st, err := Train(c, exs, nil, o, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Updates != 1 {
		t.Errorf("%d updates, want 1", st[0].Updates)
	}
	// Without batch norm, batches are as before.
	plain, err := New(base, []string{"neg", "pos"}, HeadConfig{Hidden: 5}, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := Train(plain, exs, nil, o, nil, nil); err != nil || st[0].Updates != 2 {
		t.Errorf("plain head: %v updates, error %v; want 2", st, err)
	}
	for _, n := range []int{2, 5, 31, 32, 33, 64, 65, 97} {
		lens := make([]int, n)
		for i := range lens {
			lens[i] = rng.Intn(10)
		}
		for _, noSingle := range []bool{false, true} {
			seen := make([]int, n)
			var sizes []int
			for _, b := range batches(lens, 32, noSingle, rand.New(rand.NewSource(int64(n)))) {
				sizes = append(sizes, len(b))
				for _, i := range b {
					seen[i]++
				}
			}
			if slices.ContainsFunc(seen, func(k int) bool { return k != 1 }) {
				t.Errorf("n=%d noSingle=%v: indices seen %v", n, noSingle, seen)
			}
			single := slices.Contains(sizes, 1)
			if want := !noSingle && n%32 == 1; single != want {
				t.Errorf("n=%d noSingle=%v: batch sizes %v", n, noSingle, sizes)
			}
		}
	}
}

// bnHead is the default head with its batch norms on.
func bnHead() HeadConfig {
	h := DefaultHead()
	h.BatchNorm = true
	return h
}
