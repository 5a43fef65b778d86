package keras

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/modelfile"
)

// containsTask makes n random sequences over ids 1..vocab-1 of length 3..maxLen
// padded (pre) to maxLen with 0; the label is 1 when the sequence contains
// token 3. About half the examples are positive.
func containsTask(n, vocab, maxLen int, seed int64) ([][]int32, []float32) {
	rng := rand.New(rand.NewSource(seed))
	seqs := make([][]int32, n)
	y := make([]float32, n)
	for i := range seqs {
		L := 3 + rng.Intn(maxLen-2)
		s := make([]int32, L)
		for j := range s {
			s[j] = int32(1 + rng.Intn(vocab-1))
			if s[j] == 3 {
				s[j] = 4
			}
		}
		if rng.Intn(2) == 0 {
			s[rng.Intn(L)] = 3
			y[i] = 1
		}
		seqs[i] = s
	}
	return PadSequences(seqs, maxLen), y
}

func TestFitLearnsTask(t *testing.T) {
	const vocab = 12
	x, y := containsTask(1200, vocab, 12, 1)
	xv, yv := containsTask(300, vocab, 12, 2)
	yc := make([]float32, len(y)) // class ids for the categorical variant
	copy(yc, y)
	tests := []struct {
		name   string
		layers []Layer
		loss   Loss
	}{
		{"seed example", []Layer{Embedding(vocab, 16), SimpleRNN(16, ReturnSequences()), SimpleRNN(16), Dense(1, Sigmoid)}, BinaryCrossentropy},
		{"lstm masked", []Layer{Embedding(vocab, 16, MaskZero()), LSTM(16), Dense(1, Sigmoid)}, BinaryCrossentropy},
		{"bi-gru max-pool", []Layer{Embedding(vocab, 16), GRU(12, ReturnSequences(), Bidirectional()), GlobalMaxPool(), Dense(1)}, BinaryCrossentropy},
		{"mlp on mean", []Layer{Embedding(vocab, 16, MaskZero()), Dense(32, ReLU), GlobalMaxPool(), LayerNorm(), Dropout(0.1), Dense(16, Tanh), Dense(2, Softmax)}, SparseCategoricalCrossentropy},
		{"bi-lstm avg-pool", []Layer{Embedding(vocab, 16, MaskZero()), LSTM(16, ReturnSequences(), Bidirectional()), GlobalAvgPool(), Dense(2)}, SparseCategoricalCrossentropy},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Sequential(tc.layers...)
			if err := m.Compile(Adam(1e-2), tc.loss, Accuracy, Seed(7)); err != nil {
				t.Fatal(err)
			}
			hist, err := m.Fit(x, y, Epochs(12), BatchSize(32), ValidationData(xv, yv))
			if err != nil {
				t.Fatal(err)
			}
			loss := hist.Metrics["loss"]
			if len(loss) != 12 || !(loss[len(loss)-1] < 0.5*loss[0]) {
				t.Errorf("training loss did not halve: %v", loss)
			}
			if acc := hist.Last("val_accuracy"); acc < 0.95 {
				t.Errorf("validation accuracy %.3f < 0.95 (history %v)", acc, hist.Metrics["val_accuracy"])
			}
			// Evaluate agrees with the history's last validation figures.
			logs, err := m.Evaluate(xv, yv, 64)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(logs["loss"]-hist.Last("val_loss")) > 1e-5 || logs["accuracy"] != hist.Last("val_accuracy") {
				t.Errorf("Evaluate %v, history val_loss %v val_accuracy %v", logs, hist.Last("val_loss"), hist.Last("val_accuracy"))
			}
			// Predict's probabilities give the same accuracy.
			pred, err := m.Predict(xv, 0)
			if err != nil {
				t.Fatal(err)
			}
			right := 0
			for i := range xv {
				var p float32
				if tc.loss == BinaryCrossentropy {
					p = pred.Data[i]
					if tc.layers[len(tc.layers)-1].(*denseLayer).act == Linear {
						p = float32(1 / (1 + math.Exp(-float64(p))))
					}
				} else {
					p = pred.Data[2*i+1]
					if s := pred.Data[2*i] + pred.Data[2*i+1]; tc.layers[len(tc.layers)-1].(*denseLayer).act == Softmax && math.Abs(float64(s)-1) > 1e-5 {
						t.Fatalf("softmax row %d sums to %v", i, s)
					}
					if tc.layers[len(tc.layers)-1].(*denseLayer).act == Linear {
						p = float32(1 / (1 + math.Exp(float64(pred.Data[2*i]-pred.Data[2*i+1]))))
					}
				}
				if (p >= 0.5) == (yv[i] == 1) {
					right++
				}
			}
			if got := float64(right) / float64(len(xv)); math.Abs(got-logs["accuracy"]) > 1.5/float64(len(xv)) {
				t.Errorf("Predict accuracy %.4f, Evaluate %.4f", got, logs["accuracy"])
			}
		})
	}
}

// TestMaskZeroIgnoresPadding checks that with MaskZero the prediction does
// not depend on where or how much padding there is.
func TestMaskZeroIgnoresPadding(t *testing.T) {
	for _, l := range []Layer{SimpleRNN(8), LSTM(8, Bidirectional()), GRU(8)} {
		m := Sequential(Embedding(10, 8, MaskZero()), l, Dense(1, Sigmoid))
		if err := m.Compile(Adam(1e-3), BinaryCrossentropy); err != nil {
			t.Fatal(err)
		}
		seq := []int32{5, 2, 7, 1}
		xs := [][]int32{
			PadSequences([][]int32{seq}, 4)[0],
			PadSequences([][]int32{seq}, 9)[0],
			PadSequences([][]int32{seq}, 9, PadPost())[0],
			{0, 5, 0, 2, 7, 0, 0, 1, 0},
		}
		var got []float32
		for _, x := range xs {
			p, err := m.Predict([][]int32{x}, 0)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Data[0])
		}
		for i := range got {
			if math.Abs(float64(got[i]-got[0])) > 1e-6 {
				t.Errorf("%s: padding changed the output: %v", l.Kind(), got)
				break
			}
		}
		// Without the mask, padding is an ordinary token and changes it.
		m2 := Sequential(Embedding(10, 8), SimpleRNN(8), Dense(1, Sigmoid))
		m2.Compile(Adam(1e-3), BinaryCrossentropy)
		a, _ := m2.Predict(xs[:1], 0)
		b, _ := m2.Predict(xs[2:3], 0)
		if a.Data[0] == b.Data[0] {
			t.Error("unmasked model ignores padding; the masked test proves nothing")
		}
	}
}

func TestDeterministic(t *testing.T) {
	x, y := containsTask(300, 10, 10, 3)
	train := func(seed int64) []float32 {
		m := Sequential(Embedding(10, 8), SimpleRNN(8, ReturnSequences()), Dropout(0.2), SimpleRNN(8), Dense(1, Sigmoid))
		if err := m.Compile(Adam(1e-2), BinaryCrossentropy, Seed(seed)); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Fit(x, y, Epochs(2), BatchSize(16)); err != nil {
			t.Fatal(err)
		}
		var w []float32
		for _, p := range m.Params() {
			w = append(w, p.Value.Data...)
		}
		return w
	}
	a, b, c := train(5), train(5), train(6)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("weight %d differs between runs with the same seed: %v vs %v", i, a[i], b[i])
		}
	}
	if slices.Equal(a, c) {
		t.Error("different seeds gave identical weights")
	}
}

func TestSaveLoad(t *testing.T) {
	x, y := containsTask(200, 10, 8, 4)
	m := Sequential(Embedding(10, 8, MaskZero()), LSTM(8, ReturnSequences(), Bidirectional()), GlobalMaxPool(), Dense(8, ReLU), LayerNorm(), Dropout(0.1), Dense(1, Sigmoid))
	if err := m.Compile(Adam(1e-2), BinaryCrossentropy, Accuracy, Seed(3)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Fit(x, y, Epochs(2)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := m.Predict(x, 0)
	p2, err := m2.Predict(x, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1.Data {
		if p1.Data[i] != p2.Data[i] {
			t.Fatalf("prediction %d: %v before save, %v after load", i, p1.Data[i], p2.Data[i])
		}
	}
	l1, _ := m.Evaluate(x, y, 0)
	l2, err := m2.Evaluate(x, y, 0)
	if err != nil || l1.String() != l2.String() {
		t.Errorf("Evaluate %v before, %v after load (err %v)", l1, l2, err)
	}
	// The loaded model trains on after Compile, keeping its weights.
	if err := m2.Compile(Adam(1e-3), BinaryCrossentropy, Accuracy); err != nil {
		t.Fatal(err)
	}
	p3, _ := m2.Predict(x, 0)
	if !slices.Equal(p3.Data, p1.Data) {
		t.Error("Compile on a loaded model changed its weights")
	}
	if _, err := m2.Fit(x, y, Epochs(1)); err != nil {
		t.Fatal(err)
	}

	// Damaged or foreign files are refused with clear errors.
	wpath := filepath.Join(dir, WeightsFile)
	orig, _ := os.ReadFile(wpath)
	bad := slices.Clone(orig)
	bad[len(bad)-1] ^= 1
	os.WriteFile(wpath, bad, 0o644)
	if _, err := Load(dir); !errors.Is(err, modelfile.ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("flipped weight bit: err = %v", err)
	}
	os.WriteFile(wpath, orig[:len(orig)-4], 0o644)
	if _, err := Load(dir); !errors.Is(err, modelfile.ErrCorrupt) {
		t.Errorf("truncated weights: err = %v", err)
	}
	os.WriteFile(wpath, orig, 0o644)
	cpath := filepath.Join(dir, ConfigFile)
	cfg, _ := os.ReadFile(cpath)
	os.WriteFile(cpath, []byte(strings.Replace(string(cfg), `"format_version": 1`, `"format_version": 99`, 1)), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("future version: err = %v", err)
	}
	os.WriteFile(cpath, []byte(strings.Replace(string(cfg), `"units": 8`, `"units": 9`, 1)), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("architecture not matching the weights: err = %v", err)
	}
}

func TestEarlyStopping(t *testing.T) {
	x, y := containsTask(100, 10, 6, 5)
	newModel := func(opt Optimizer) *Model {
		m := Sequential(Embedding(10, 4), SimpleRNN(4), Dense(1, Sigmoid))
		if err := m.Compile(opt, BinaryCrossentropy, Accuracy); err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Learning rate 0 and a fixed order: the loss never changes, so with
	// patience 2 training stops after epochs 0 (best), 1 and 2.
	es := EarlyStopping(Monitor("loss"), Patience(2))
	hist, err := newModel(SGD(0, 0)).Fit(x, y, Epochs(10), NoShuffle(), Callbacks(es))
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Epochs) != 3 || es.StoppedEpoch != 2 || es.BestEpoch != 0 {
		t.Errorf("ran %d epochs, stopped at %d, best %d; want 3, 2, 0", len(hist.Epochs), es.StoppedEpoch, es.BestEpoch)
	}
	// A steadily improving loss never stops.
	es = EarlyStopping(Monitor("loss"))
	hist, err = newModel(Adam(1e-2)).Fit(x, y, Epochs(4), Callbacks(es))
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.Epochs) != 4 || es.StoppedEpoch != -1 {
		t.Errorf("improving run stopped: %d epochs, stopped at %d, loss %v", len(hist.Epochs), es.StoppedEpoch, hist.Metrics["loss"])
	}
	// "Higher loss is better" makes epoch 0 the best; RestoreBestWeights
	// puts its weights back when training stops.
	var after0 []float32
	grab := &funcCallback{epochEnd: func(m *Model, epoch int, _ Logs) error {
		if epoch == 0 {
			after0 = nil
			for _, p := range m.Params() {
				after0 = append(after0, p.Value.Data...)
			}
		}
		return nil
	}}
	es = EarlyStopping(Monitor("loss"), Mode("max"), Patience(2), RestoreBestWeights())
	m := newModel(Adam(1e-2))
	hist, err = m.Fit(x, y, Epochs(10), Callbacks(grab, es))
	if err != nil {
		t.Fatal(err)
	}
	var final []float32
	for _, p := range m.Params() {
		final = append(final, p.Value.Data...)
	}
	if len(hist.Epochs) != 3 || !slices.Equal(final, after0) {
		t.Errorf("restore best: %d epochs, weights restored %v", len(hist.Epochs), slices.Equal(final, after0))
	}
	// Monitoring a quantity that is not logged is an error, not a silent no-op.
	_, err = newModel(Adam(1e-2)).Fit(x, y, Callbacks(EarlyStopping()))
	if err == nil || !strings.Contains(err.Error(), "val_loss") {
		t.Errorf("missing val_loss: err = %v", err)
	}
}

func TestModelCheckpoint(t *testing.T) {
	x, y := containsTask(100, 10, 6, 6)
	m := Sequential(Embedding(10, 4), GRU(4), Dense(1, Sigmoid))
	if err := m.Compile(Adam(1e-2), BinaryCrossentropy, Accuracy); err != nil {
		t.Fatal(err)
	}
	var epoch1 []float32
	grab := &funcCallback{epochEnd: func(m *Model, epoch int, _ Logs) error {
		if epoch == 1 {
			p, _ := m.Predict(x, 0)
			epoch1 = p.Data
		}
		return nil
	}}
	dirAll, dirBest := filepath.Join(t.TempDir(), "all"), filepath.Join(t.TempDir(), "best")
	all := ModelCheckpoint(dirAll, Monitor("loss"))
	// Best-only in "max" mode on the training loss: it saves exactly after
	// the epochs whose loss exceeds every earlier one, computed below from
	// the history.
	best := ModelCheckpoint(dirBest, Monitor("loss"), Mode("max"), SaveBestOnly())
	hist, err := m.Fit(x, y, Epochs(4), Callbacks(grab, all, best))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(all.Saved, []int{0, 1, 2, 3}) {
		t.Errorf("checkpoint every epoch saved after %v", all.Saved)
	}
	// Expected best-only saves: each epoch whose loss exceeds all before it.
	var want []int
	top := math.Inf(-1)
	for e, l := range hist.Metrics["loss"] {
		if l > top {
			top = l
			want = append(want, e)
		}
	}
	if !slices.Equal(best.Saved, want) {
		t.Errorf("best-only saved after %v, want %v (losses %v)", best.Saved, want, hist.Metrics["loss"])
	}
	// The every-epoch directory holds the last epoch; the best-only one the
	// last improving epoch. Check the latter against a recorded prediction
	// when that epoch is 1, and the former against the final model.
	final, _ := m.Predict(x, 0)
	la, err := Load(dirAll)
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := la.Predict(x, 0)
	if !slices.Equal(pa.Data, final.Data) {
		t.Error("every-epoch checkpoint does not hold the final weights")
	}
	lb, err := Load(dirBest)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := lb.Predict(x, 0)
	if want[len(want)-1] == 1 && !slices.Equal(pb.Data, epoch1) {
		t.Error("best-only checkpoint does not hold epoch 1's weights")
	}
	if want[len(want)-1] == 3 && !slices.Equal(pb.Data, final.Data) {
		t.Error("best-only checkpoint does not hold the best (last) weights")
	}
}

// funcCallback adapts functions to Callback and records every event.
type funcCallback struct {
	BaseCallback
	name     string
	events   *[]string
	epochEnd func(*Model, int, Logs) error
}

func (f *funcCallback) log(s string) {
	if f.events != nil {
		*f.events = append(*f.events, f.name+":"+s)
	}
}
func (f *funcCallback) OnTrainBegin(*Model) error { f.log("train-begin"); return nil }
func (f *funcCallback) OnEpochBegin(_ *Model, e int) error {
	f.log(fmt.Sprint("epoch-begin ", e))
	return nil
}
func (f *funcCallback) OnBatchBegin(_ *Model, b int) error {
	f.log(fmt.Sprint("batch-begin ", b))
	return nil
}
func (f *funcCallback) OnBatchEnd(_ *Model, b int, _ Logs) error {
	f.log(fmt.Sprint("batch-end ", b))
	return nil
}
func (f *funcCallback) OnEpochEnd(m *Model, e int, l Logs) error {
	f.log(fmt.Sprint("epoch-end ", e))
	if f.epochEnd != nil {
		return f.epochEnd(m, e, l)
	}
	return nil
}
func (f *funcCallback) OnTrainEnd(*Model, Logs) error { f.log("train-end"); return nil }

func TestCallbackOrder(t *testing.T) {
	x, y := containsTask(5, 10, 6, 7)
	m := Sequential(Embedding(10, 4), SimpleRNN(4), Dense(1, Sigmoid))
	if err := m.Compile(Adam(1e-2), BinaryCrossentropy); err != nil {
		t.Fatal(err)
	}
	var ev []string
	a := &funcCallback{name: "a", events: &ev}
	b := &funcCallback{name: "b", events: &ev}
	// The History always runs first: a callback sees the epoch already in it.
	var hist *History
	var seen []int
	peek := &funcCallback{epochEnd: func(_ *Model, e int, _ Logs) error {
		seen = append(seen, len(hist.Epochs))
		return nil
	}}
	hist = &History{Metrics: map[string][]float64{}}
	got, err := m.Fit(x, y, Epochs(2), BatchSize(3), NoShuffle(), Callbacks(a, b, hist, peek))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []int{1, 2}) || len(got.Epochs) != 2 {
		t.Errorf("callbacks saw history lengths %v, returned history has %d epochs", seen, len(got.Epochs))
	}
	var want []string
	add := func(s string) { want = append(want, "a:"+s, "b:"+s) }
	add("train-begin")
	for e := 0; e < 2; e++ {
		add(fmt.Sprint("epoch-begin ", e))
		for bt := 0; bt < 2; bt++ { // 5 examples in batches of 3
			add(fmt.Sprint("batch-begin ", bt))
			add(fmt.Sprint("batch-end ", bt))
		}
		add(fmt.Sprint("epoch-end ", e))
	}
	add("train-end")
	if !slices.Equal(ev, want) {
		t.Errorf("events\n%v\nwant\n%v", ev, want)
	}
	// A callback error aborts Fit and is returned.
	boom := &funcCallback{epochEnd: func(*Model, int, Logs) error { return errors.New("boom") }}
	h, err := m.Fit(x, y, Epochs(5), Callbacks(boom))
	if err == nil || !strings.Contains(err.Error(), "boom") || len(h.Epochs) != 1 {
		t.Errorf("callback error: err %v after %d epochs", err, len(h.Epochs))
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name   string
		layers []Layer
		loss   Loss
		want   string
	}{
		{"empty", nil, BinaryCrossentropy, "no layers"},
		{"dense first", []Layer{Dense(4), Dense(1, Sigmoid)}, BinaryCrossentropy, "layer 1 (Dense): cannot read token ids"},
		{"embedding second", []Layer{Embedding(5, 4), Embedding(5, 4), SimpleRNN(3), Dense(1)}, BinaryCrossentropy, "layer 2 (Embedding): must be the first layer"},
		{"rnn after last-state rnn", []Layer{Embedding(5, 4), SimpleRNN(3), SimpleRNN(3), Dense(1, Sigmoid)}, BinaryCrossentropy, "layer 3 (SimpleRNN): needs a sequence input [T, D], got [3] (did the recurrent layer before it miss ReturnSequences()?)"},
		{"pool on vector", []Layer{Embedding(5, 4), LSTM(3), GlobalMaxPool(), Dense(1)}, BinaryCrossentropy, "layer 3 (GlobalMaxPooling1D): needs a sequence input"},
		{"sequence output", []Layer{Embedding(5, 4), GRU(3, ReturnSequences()), Dense(1, Sigmoid)}, BinaryCrossentropy, "output is a sequence [T, 1]"},
		{"bce two units", []Layer{Embedding(5, 4), SimpleRNN(3), Dense(2, Sigmoid)}, BinaryCrossentropy, "needs a Dense(1, Sigmoid) output"},
		{"bce relu", []Layer{Embedding(5, 4), SimpleRNN(3), Dense(1, ReLU)}, BinaryCrossentropy, "got Dense(1, relu)"},
		{"sparse one unit", []Layer{Embedding(5, 4), SimpleRNN(3), Dense(1, Softmax)}, SparseCategoricalCrossentropy, "Dense(C ≥ 2, Softmax)"},
		{"no dense output", []Layer{Embedding(5, 4), SimpleRNN(3), LayerNorm()}, BinaryCrossentropy, "needs a Dense output layer"},
		{"zero units", []Layer{Embedding(5, 4), SimpleRNN(0), Dense(1)}, BinaryCrossentropy, "units 0 must be positive"},
		{"bad dropout", []Layer{Embedding(5, 4), SimpleRNN(3), Dropout(1), Dense(1)}, BinaryCrossentropy, "rate 1 outside [0, 1)"},
	}
	for _, tc := range tests {
		err := Sequential(tc.layers...).Compile(Adam(1e-3), tc.loss)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestDataErrors(t *testing.T) {
	m := Sequential(Embedding(5, 4), SimpleRNN(3), Dense(1, Sigmoid))
	if _, err := m.Fit([][]int32{{1}}, []float32{1}); err == nil || !strings.Contains(err.Error(), "Compile") {
		t.Errorf("Fit before Compile: %v", err)
	}
	if err := m.Compile(Adam(1e-3), BinaryCrossentropy); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		x    [][]int32
		y    []float32
		want string
	}{
		{"ragged", [][]int32{{1, 2}, {1}}, []float32{0, 1}, "example 1 has length 1, example 0 has 2"},
		{"id too large", [][]int32{{1, 5}}, []float32{0}, "position 1: token id 5 outside the embedding's vocabulary [0, 5)"},
		{"negative id", [][]int32{{-1, 2}}, []float32{0}, "token id -1"},
		{"target", [][]int32{{1, 2}}, []float32{2}, "target 0 is 2"},
		{"count", [][]int32{{1, 2}}, []float32{0, 1}, "1 inputs but 2 targets"},
		{"empty", nil, nil, "no examples"},
	}
	for _, tc := range tests {
		if _, err := m.Fit(tc.x, tc.y); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := m.Fit([][]int32{{1}}, []float32{1}, Epochs(0)); err == nil {
		t.Error("Epochs(0) accepted")
	}
	if _, err := m.Fit([][]int32{{1}}, []float32{1}, ValidationData([][]int32{{9}}, []float32{1})); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Errorf("bad validation data: %v", err)
	}
	sc := Sequential(Embedding(5, 4), SimpleRNN(3), Dense(3, Softmax))
	sc.Compile(Adam(1e-3), SparseCategoricalCrossentropy)
	if _, err := sc.Fit([][]int32{{1}}, []float32{1.5}); err == nil || !strings.Contains(err.Error(), "class id in 0..2") {
		t.Errorf("fractional class: %v", err)
	}
}

func TestPadSequences(t *testing.T) {
	seqs := [][]int32{{1, 2, 3, 4}, {5}, {}}
	tests := []struct {
		name string
		max  int
		opts []PadOption
		want [][]int32
	}{
		{"pre/pre", 3, nil, [][]int32{{2, 3, 4}, {0, 0, 5}, {0, 0, 0}}},
		{"post pad", 3, []PadOption{PadPost()}, [][]int32{{2, 3, 4}, {5, 0, 0}, {0, 0, 0}}},
		{"post truncate", 3, []PadOption{TruncatePost()}, [][]int32{{1, 2, 3}, {0, 0, 5}, {0, 0, 0}}},
		{"longest, value", 0, []PadOption{PadValue(9), PadPost()}, [][]int32{{1, 2, 3, 4}, {5, 9, 9, 9}, {9, 9, 9, 9}}},
	}
	for _, tc := range tests {
		got := PadSequences(seqs, tc.max, tc.opts...)
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d rows", tc.name, len(got))
		}
		for i := range got {
			if !slices.Equal(got[i], tc.want[i]) {
				t.Errorf("%s: row %d = %v, want %v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestSummaryAndProgress(t *testing.T) {
	m := Sequential(Embedding(100, 8), SimpleRNN(16, ReturnSequences()), SimpleRNN(16), Dense(1, Sigmoid))
	if err := m.Compile(Adam(1e-3), BinaryCrossentropy, Accuracy); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	m.Summary(&sb)
	// Embedding 800; rnn 16·8+16·16+32 = 416; rnn_1 16·16+16·16+32 = 544; dense 17.
	for _, want := range []string{"embedding (Embedding)", "[T, 8]", "simple_rnn_1 (SimpleRNN)", "[16]", "416", "544", "Total params: 1777"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sb.String())
		}
	}
	x, y := containsTask(50, 10, 5, 8)
	var out strings.Builder
	if _, err := m.Fit(x, y, Epochs(2), ValidationData(x, y), Callbacks(Progress(&out))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"epoch 1/2: accuracy", "epoch 2/2: accuracy", "val_loss"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLearningRateSchedule(t *testing.T) {
	x, y := containsTask(64, 10, 5, 9)
	m := Sequential(Embedding(10, 4), SimpleRNN(4), Dense(1, Sigmoid))
	m.Compile(SGD(0.1, 0), BinaryCrossentropy)
	var scales []float64
	rec := &funcCallback{}
	rec.epochEnd = func(m *Model, _ int, _ Logs) error { scales = append(scales, m.Optimizer().Scale()); return nil }
	sched := func(t int) float64 { return float64(t) }
	if _, err := m.Fit(x, y, Epochs(2), BatchSize(16), Callbacks(LearningRateSchedule(sched), rec)); err != nil {
		t.Fatal(err)
	}
	// 4 updates per epoch: the last update of epoch 0 is t=3, of epoch 1 t=7.
	if !slices.Equal(scales, []float64{3, 7}) {
		t.Errorf("scales at epoch ends %v, want [3 7]", scales)
	}
}

func BenchmarkFitOverhead(b *testing.B) {
	// Batching and shuffling alone: a model whose compute is tiny.
	x, y := containsTask(4096, 50, 40, 10)
	m := Sequential(Embedding(50, 2, MaskZero()), GlobalAvgPool(), Dense(1, Sigmoid))
	m.Compile(SGD(0.01, 0), BinaryCrossentropy, Accuracy)
	b.ResetTimer()
	for b.Loop() {
		m.Fit(x, y, Epochs(1), BatchSize(32))
	}
	b.ReportMetric(float64(len(x)*b.N)/b.Elapsed().Seconds(), "examples/s")
}
