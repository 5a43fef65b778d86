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
	"github.com/mulan-nlp/mulan/vocab"
)

// synthetic returns n texts of random filler words; label 1 iff "good"
// appears.
func synthetic(n int, rng *rand.Rand) []Example {
	words := strings.Fields("the a film was is very quite plot actor scene movie story and but")
	exs := make([]Example, n)
	for i := range exs {
		k := 3 + rng.Intn(8)
		ws := make([]string, k)
		for j := range ws {
			ws[j] = words[rng.Intn(len(words))]
		}
		lab := rng.Intn(2)
		if lab == 1 {
			ws[rng.Intn(k)] = "good"
		}
		exs[i] = Example{Text: strings.Join(ws, " "), Label: lab}
	}
	return exs
}

func texts(exs []Example) []string {
	var ts []string
	for _, e := range exs {
		ts = append(ts, e.Text)
	}
	return ts
}

func tinyLM(t testing.TB, arch string, lines []string, seed int64) *lm.LM {
	t.Helper()
	cfg := lm.Config{Arch: arch, Emb: 16, Hidden: 24, Layers: 2}
	if arch == lm.ArchTransformer {
		cfg.Heads, cfg.Context, cfg.Hidden = 2, 32, 32
	}
	m, err := lm.NewFromLines(cfg, "space", lines, vocab.Options{}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFromScratchLearnsKeyword(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	train, dev := synthetic(600, rng), synthetic(200, rng)
	for _, arch := range []string{lm.ArchLSTM, lm.ArchRNN, lm.ArchTransformer} {
		t.Run(arch, func(t *testing.T) {
			c, err := New(tinyLM(t, arch, texts(train), 1), []string{"neg", "pos"}, HeadConfig{Hidden: 20, Drop1: 0.1, Drop2: 0.1}, rand.New(rand.NewSource(2)))
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultTrainOptions()
			o.Epochs, o.Batch, o.LR = 6, 16, 0.01
			o.Unfreeze = false // from scratch: train everything from the start
			stats, err := Train(c, train, dev, o, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			last := stats[len(stats)-1]
			for _, s := range stats {
				t.Logf("epoch %d loss %.4f train %.3f dev %.3f %v", s.Epoch, s.Loss, s.TrainAcc, s.DevAcc, s.Duration)
			}
			if last.DevAcc < 0.95 {
				t.Errorf("dev accuracy %.3f < 0.95 (epochs %+v)", last.DevAcc, stats)
			}
		})
	}
}

func TestSaveLoadProbsIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	train := synthetic(100, rng)
	c, err := New(tinyLM(t, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultTrainOptions()
	o.Epochs = 1
	if _, err := Train(c, train, nil, o, nil, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.clf")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Labels(), c.Labels()) {
		t.Fatalf("labels %v, want %v", d.Labels(), c.Labels())
	}
	for _, text := range append(texts(train[:20]), "", "never seen words good") {
		p, q := c.Probs(nil, text), d.Probs(nil, text)
		if !slices.Equal(p, q) {
			t.Fatalf("%q: probs %v after load, %v before", text, q, p)
		}
		if s := p[0] + p[1]; math.Abs(s-1) > 1e-9 {
			t.Fatalf("%q: probs sum to %v", text, s)
		}
	}
	// Batched prediction agrees with Probs.
	pred := d.PredictBatch(texts(train), 7)
	for i, text := range texts(train) {
		p := d.Probs(nil, text)
		want := 0
		if p[1] > p[0] {
			want = 1
		}
		if pred[i] != want && math.Abs(p[1]-p[0]) > 1e-5 {
			t.Fatalf("%q: batched prediction %d, Probs %v", text, pred[i], p)
		}
	}
	// Damaged and foreign files are refused.
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	h, p, err := modelfile.Decode("x", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("x", h, p[:len(p)-3]); err == nil {
		t.Error("truncated payload accepted")
	}
	if _, err := Decode("x", modelfile.Header{Kind: "lm", Version: 1}, p); err == nil {
		t.Error("wrong kind accepted")
	}
}

func TestGroupsDiscriminativeAndUnfreezing(t *testing.T) {
	c, err := New(tinyLM(t, lm.ArchLSTM, []string{"a b c"}, 1), []string{"x", "y", "z"}, DefaultHead(), rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	gs := c.Groups()
	var names []string
	for _, g := range gs {
		names = append(names, g.Name)
	}
	if want := []string{"embedding", "layer1", "layer2", "head"}; !slices.Equal(names, want) {
		t.Fatalf("groups %v, want %v", names, want)
	}
	o := DefaultTrainOptions()
	cases := []struct {
		disc, unfreeze bool
		epoch          int
		mults          []float64
		trained        []bool
	}{
		{true, true, 1, []float64{1 / (2.6 * 2.6 * 2.6), 1 / (2.6 * 2.6), 1 / 2.6, 1}, []bool{false, false, false, true}},
		{true, true, 2, []float64{1 / (2.6 * 2.6 * 2.6), 1 / (2.6 * 2.6), 1 / 2.6, 1}, []bool{false, false, true, true}},
		{true, true, 3, nil, []bool{false, true, true, true}},
		{true, true, 4, nil, []bool{true, true, true, true}},
		{true, true, 9, nil, []bool{true, true, true, true}},
		{false, true, 1, []float64{1, 1, 1, 1}, []bool{false, false, false, true}},
		{true, false, 1, nil, []bool{true, true, true, true}},
	}
	for _, tc := range cases {
		o.Discriminative, o.Unfreeze = tc.disc, tc.unfreeze
		SetupGroups(gs, o, tc.epoch)
		for i, g := range gs {
			if tc.mults != nil && math.Abs(g.LRMult-tc.mults[i]) > 1e-12 {
				t.Errorf("%+v: group %s LRMult %v, want %v", tc, g.Name, g.LRMult, tc.mults[i])
			}
			for _, p := range g.Params {
				if p.Frozen() == tc.trained[i] {
					t.Errorf("%+v: group %s param %s frozen=%v", tc, g.Name, p.Name, p.Frozen())
				}
			}
		}
	}
}

// TestGradualUnfreezingTrainsOnlyTop checks that with unfreezing an epoch-1
// run changes the head but no encoder weight.
func TestGradualUnfreezingTrainsOnlyTop(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	train := synthetic(64, rng)
	base := tinyLM(t, lm.ArchLSTM, texts(train), 1)
	before := snapshot(base)
	c, err := New(base, []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprint(c.HeadParams()[0].Data()[:5])
	o := DefaultTrainOptions()
	o.Epochs = 1
	stats, err := Train(c, train, nil, o, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stats[0].Trained, []string{"head"}) {
		t.Errorf("epoch 1 trained %v, want [head]", stats[0].Trained)
	}
	if !slices.EqualFunc(before, snapshot(base), slices.Equal) {
		t.Error("encoder weights changed while frozen")
	}
	if head == fmt.Sprint(c.HeadParams()[0].Data()[:5]) {
		t.Error("head weights did not change")
	}
	o.Epochs = 2
	if _, err := Train(c, train, nil, o, nil, nil); err != nil {
		t.Fatal(err)
	}
	after := snapshot(base)
	ps := base.Encoder().LayerGroups()
	// Epoch 2 trains layer2 (the top group below the head); the embedding
	// and layer1 stay.
	if !slices.Equal(before[0], after[0]) {
		t.Error("embedding changed in two epochs of gradual unfreezing")
	}
	n0 := len(ps[0])
	changed := false
	for i := range ps[2] {
		if !slices.Equal(before[n0+len(ps[1])+i], after[n0+len(ps[1])+i]) {
			changed = true
		}
	}
	if !changed {
		t.Error("layer2 did not change in epoch 2")
	}
}

func snapshot(m *lm.LM) [][]float32 {
	var out [][]float32
	for _, g := range m.Encoder().LayerGroups() {
		for _, p := range g {
			out = append(out, slices.Clone(p.Data()))
		}
	}
	return out
}

func TestPretrainedBaseWeightsCarried(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	train := synthetic(50, rng)
	base := tinyLM(t, lm.ArchLSTM, texts(train), 5)
	path := filepath.Join(t.TempDir(), "base.lm")
	if err := base.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := lm.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(loaded, []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Groups()
	want := base.Encoder().LayerGroups()
	for i, ps := range want {
		for j, p := range ps {
			if !slices.Equal(got[i].Params[j].Data(), p.Data()) {
				t.Errorf("group %d param %s differs from the pretrained LM", i, p.Name)
			}
		}
	}
}

func TestTrainIsSeeded(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	train := synthetic(64, rng)
	run := func() []float64 {
		c, err := New(tinyLM(t, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
		if err != nil {
			t.Fatal(err)
		}
		o := DefaultTrainOptions()
		o.Epochs, o.Unfreeze = 1, false
		if _, err := Train(c, train, nil, o, nil, nil); err != nil {
			t.Fatal(err)
		}
		return c.Probs(nil, train[0].Text)
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Errorf("two seeded runs differ: %v vs %v", a, b)
	}
}

// TestSelectBestRestoresBestEpoch trains against a dev set whose labels are
// the opposite of the training rule, so dev accuracy falls as the model
// learns and the best epoch is an early one: with SelectBest the returned
// classifier scores on dev exactly what that epoch scored; without it, what
// the last epoch scored. With a batch-norm head that needs the best epoch's
// running statistics too.
func TestSelectBestRestoresBestEpoch(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	train, dev := synthetic(400, rng), synthetic(100, rng)
	for i := range dev {
		dev[i].Label = 1 - dev[i].Label
	}
	for _, tc := range []struct{ selectBest, bn bool }{{true, false}, {false, false}, {true, true}} {
		selectBest := tc.selectBest
		t.Run(fmt.Sprint("select=", selectBest, ",batchnorm=", tc.bn), func(t *testing.T) {
			c, err := New(tinyLM(t, lm.ArchLSTM, texts(train), 1), []string{"neg", "pos"}, HeadConfig{Hidden: 20, Drop1: 0.1, Drop2: 0.1, BatchNorm: tc.bn}, rand.New(rand.NewSource(2)))
			if err != nil {
				t.Fatal(err)
			}
			o := DefaultTrainOptions()
			o.Epochs, o.Batch, o.LR, o.Unfreeze, o.SelectBest = 4, 16, 0.03, false, selectBest
			var seen []bool
			stats, err := Train(c, train, dev, o, nil, func(st EpochStats) { seen = append(seen, st.Kept) })
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(seen, true) {
				t.Error("onEpoch saw Kept set")
			}
			kept, best := -1, 0
			for i, s := range stats {
				t.Logf("epoch %d: dev acc %.3f loss %.4f kept %v", s.Epoch, s.DevAcc, s.DevLoss, s.Kept)
				if s.Kept {
					if kept >= 0 {
						t.Fatal("two epochs kept")
					}
					kept = i
				}
				if s.DevAcc > stats[best].DevAcc || s.DevAcc == stats[best].DevAcc && s.DevLoss < stats[best].DevLoss {
					best = i
				}
			}
			want := len(stats) - 1
			if selectBest {
				want = best
				if best == len(stats)-1 {
					t.Fatalf("the last epoch is the best on inverted dev labels; the test cannot tell selection from none")
				}
			}
			if kept != want {
				t.Fatalf("kept epoch %d, want %d", kept+1, want+1)
			}
			acc, loss := c.Score(dev, 7)
			if acc != stats[kept].DevAcc || math.Abs(loss-stats[kept].DevLoss) > 1e-9 {
				t.Errorf("returned classifier scores acc %v loss %v on dev; epoch %d scored %v %v", acc, loss, kept+1, stats[kept].DevAcc, stats[kept].DevLoss)
			}
			if acc != c.Accuracy(dev, 64) {
				t.Errorf("Score accuracy %v, Accuracy %v", acc, c.Accuracy(dev, 64))
			}
		})
	}
}

func TestScoreLossAndDevLabels(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	exs := synthetic(30, rng)
	c, err := New(tinyLM(t, lm.ArchLSTM, texts(exs), 1), []string{"neg", "pos"}, DefaultHead(), rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	acc, loss := c.Score(exs, 4)
	var want float64
	ok := 0
	for _, e := range exs {
		p := c.Probs(nil, e.Text)
		want -= math.Log(p[e.Label])
		if p[e.Label] > p[1-e.Label] {
			ok++
		}
	}
	want /= float64(len(exs))
	if math.Abs(loss-want) > 1e-5 || acc != float64(ok)/float64(len(exs)) {
		t.Errorf("Score = %v, %v; from Probs %v, %v", acc, loss, float64(ok)/float64(len(exs)), want)
	}
	if a, l := c.Score(nil, 4); !math.IsNaN(a) || !math.IsNaN(l) {
		t.Errorf("Score of no examples = %v, %v, want NaN", a, l)
	}
	bad := []Example{{Text: "a", Label: 2}}
	if _, err := Train(c, exs, bad, DefaultTrainOptions(), nil, nil); err == nil || !strings.Contains(err.Error(), "dev example 1 has label id 2") {
		t.Errorf("dev label outside the labels: error %v", err)
	}
}

// TestBackwardLMReadsReversed checks that a classifier on a backward LM
// reads each text from its end: with the same weights, it gives a text the
// probabilities a forward classifier gives the reversed text, batched or
// not, before and after a save and load; the length cap keeps the first
// tokens in reading order, i.e. the end of the text.
func TestBackwardLMReadsReversed(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	exs := synthetic(60, rng)
	fwd := tinyLM(t, lm.ArchLSTM, texts(exs), 1)
	cfg := fwd.Cfg
	cfg.Backward = true
	bwd, err := lm.NewFromLines(cfg, "space", texts(exs), vocab.Options{}, 9)
	if err != nil {
		t.Fatal(err)
	}
	fg, bg := fwd.Encoder().LayerGroups(), bwd.Encoder().LayerGroups()
	for i := range fg {
		for j := range fg[i] {
			copy(bg[i][j].Data(), fg[i][j].Data())
		}
	}
	head := HeadConfig{Hidden: 8}
	cf, err := New(fwd, []string{"neg", "pos"}, head, rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	cb, err := New(bwd, []string{"neg", "pos"}, head, rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	if !cb.enc.Backward() || cf.enc.Backward() {
		t.Fatal("encoders' directions are not backward and forward")
	}
	reversed := func(s string) string {
		ws := strings.Fields(s)
		slices.Reverse(ws)
		return strings.Join(ws, " ")
	}
	path := filepath.Join(t.TempDir(), "b.clf")
	if err := cb.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.LM().Cfg.Backward {
		t.Fatal("loaded classifier's LM is not backward")
	}
	differ := false
	var ts []string
	for _, e := range exs[:20] {
		ts = append(ts, e.Text)
		pb, pr := cb.Probs(nil, e.Text), cf.Probs(nil, reversed(e.Text))
		if !slices.Equal(pb, pr) {
			t.Fatalf("%q: backward probs %v, forward on the reversed text %v", e.Text, pb, pr)
		}
		if pl := loaded.Probs(nil, e.Text); !slices.Equal(pl, pb) {
			t.Fatalf("%q: probs %v after load, %v before", e.Text, pl, pb)
		}
		if e.Text != reversed(e.Text) && !slices.Equal(pb, cf.Probs(nil, e.Text)) {
			differ = true
		}
	}
	if !differ {
		t.Fatal("backward and forward classifiers agree on unreversed texts; the test cannot see the direction")
	}
	// Batched (padded) prediction reads the same reversed rows.
	var rev []string
	for _, s := range ts {
		rev = append(rev, reversed(s))
	}
	if pb, pf := cb.PredictBatch(ts, 6), cf.PredictBatch(rev, 6); !slices.Equal(pb, pf) {
		t.Errorf("batched: backward %v, forward on reversed %v", pb, pf)
	}
	// The cap keeps the first tokens in reading order: the text's end.
	cb.Head.MaxLen, cf.Head.MaxLen = 3, 3
	text := "the film was very good"
	if got, want := cb.encode(text), cf.encode("good very was"); !slices.Equal(got, want) {
		t.Errorf("capped backward ids %v, want those of %q: %v", got, "good very was", want)
	}
}

func TestStartMarkerReadsLineMarkerFirst(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	exs := synthetic(40, rng)
	base := tinyLM(t, lm.ArchLSTM, texts(exs), 1)
	plain, err := New(base, []string{"neg", "pos"}, HeadConfig{Hidden: 8}, rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	marked, err := New(base, []string{"neg", "pos"}, HeadConfig{Hidden: 8, StartMarker: true}, rand.New(rand.NewSource(2)))
	if err != nil {
		t.Fatal(err)
	}
	text := exs[0].Text
	if got, want := marked.encode(text), append([]int32{vocab.EOSID}, plain.encode(text)...); !slices.Equal(got, want) {
		t.Fatalf("ids with the start marker %v, want %v", got, want)
	}
	if slices.Equal(marked.Probs(nil, text), plain.Probs(nil, text)) {
		t.Fatal("the start marker does not change what the encoder reads")
	}
	// The marker survives a save and load; an empty text reads as the marker alone.
	path := filepath.Join(t.TempDir(), "m.clf")
	if err := marked.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Head.StartMarker {
		t.Fatal("start marker lost in the file")
	}
	for _, s := range []string{text, ""} {
		if p, q := marked.Probs(nil, s), loaded.Probs(nil, s); !slices.Equal(p, q) {
			t.Fatalf("%q: probs %v after load, %v before", s, q, p)
		}
	}
	if got := loaded.encode(""); !slices.Equal(got, []int32{vocab.EOSID}) {
		t.Errorf("empty text with the marker reads %v, want [</s>]", got)
	}
}
