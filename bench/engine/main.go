// Command engine times one training workload of issue 4 on mulan's neural
// engine (package nn, optimizers from package optim) and prints one line of
// JSON: tokens per second for forward + backward + optimizer step, and the
// process's peak resident set size. bench/engine.sh runs it beside
// bench/engine/torch_engine.py, which builds the identical models in PyTorch.
//
// Workloads (no dropout anywhere, so both engines do the same arithmetic;
// random token ids and targets from a fixed seed):
//
//	w1  LSTM LM: Embedding(10000, 200), 2-layer LSTM(200) with state carried
//	    between steps (truncated BPTT), Linear(200, 10000), full softmax
//	    cross-entropy, batch 20, BPTT 35, SGD lr 1.
//	w2  classifier: Embedding(20000, 64, padding 0), SimpleRNN(64) returning
//	    sequences, SimpleRNN(64) returning the last state, Dense(1) with
//	    sigmoid binary cross-entropy, batch 32, length 200, Adam lr 1e-3.
//	w3  Transformer LM: Embedding(8000, 256) + learned positions, 4 pre-LN
//	    causal blocks (4 heads, MLP 1024, GELU), final LayerNorm,
//	    Linear(256, 8000), cross-entropy, context 128, batch 16, Adam lr 3e-4.
//
// usage: engine -w w1|w2|w3 [-warmup 2] [-steps 50] [-time 4s]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/optim"
	"github.com/mulan-nlp/mulan/tensor"
)

var profile string // -cpuprofile

type workload struct {
	tokens int            // tokens per step
	step   func() float32 // one forward+backward+update; returns the loss
}

func main() {
	w := flag.String("w", "w1", "workload: w1 (LSTM LM), w2 (RNN classifier), w3 (Transformer LM)")
	warm := flag.Int("warmup", 2, "untimed steps first")
	steps := flag.Int("steps", 50, "timed steps at most")
	limit := flag.Duration("time", 4*time.Second, "stop timing after this long (at least 2 steps)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the timed steps to this file")
	flag.Parse()
	profile = *prof
	if err := run(*w, *warm, *steps, *limit); err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		os.Exit(1)
	}
}

func run(name string, warm, steps int, limit time.Duration) error {
	rng := rand.New(rand.NewSource(1))
	var wl workload
	var err error
	switch name {
	case "w1":
		wl, err = lstmLM(rng)
	case "w2":
		wl, err = rnnClassifier(rng)
	case "w3":
		wl, err = transformerLM(rng)
	default:
		return fmt.Errorf("unknown workload %q (want w1, w2 or w3)", name)
	}
	if err != nil {
		return err
	}
	var first, last float32
	for i := 0; i < warm; i++ {
		l := wl.step()
		if i == 0 {
			first = l
		}
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0 := cpuSeconds()
	t0 := time.Now()
	n := 0
	for n < steps && (n < 2 || time.Since(t0) < limit) {
		last = wl.step()
		n++
	}
	el := time.Since(t0).Seconds()
	cpu := cpuSeconds() - cpu0
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out := map[string]any{
		"engine":      "mulan",
		"workload":    name,
		"backend":     tensor.BackendName(),
		"tokens_s":    float64(wl.tokens*n) / el,
		"steps":       n,
		"cpu_s_step":  cpu / float64(n),
		"seconds":     el,
		"peak_rss_mb": float64(ru.Maxrss) / 1024, // Linux reports KiB
		"loss_first":  first,
		"loss_last":   last,
		"gomaxprocs":  runtime.GOMAXPROCS(0),
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// cpuSeconds is the user+system CPU time of the process so far: on a shared
// machine, CPU time per step is steadier than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func randIDs(rng *rand.Rand, n, lo, hi int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(lo + rng.Intn(hi-lo))
	}
	return ids
}

// lstmLM is W1.
func lstmLM(rng *rand.Rand) (workload, error) {
	const V, D, L, B, T = 10000, 200, 2, 20, 35
	emb := nn.NewEmbedding("emb", V, D, -1, rng)
	var layers []*nn.RNN
	var h, c []*tensor.Tensor
	for l := 0; l < L; l++ {
		layers = append(layers, nn.NewRNN(fmt.Sprintf("lstm.%d", l), nn.LSTM, D, D, rng))
		h = append(h, tensor.New(B, D))
		c = append(c, tensor.New(B, D))
	}
	out := nn.NewDense("out", D, V, true, rng)
	params := nn.CollectParams(emb)
	for _, r := range layers {
		params = append(params, r.Params()...)
	}
	params = append(params, out.Params()...)
	opt, err := optim.NewSGD(optim.OneGroup(params), optim.SGDConfig{LR: 1})
	if err != nil {
		return workload{}, err
	}
	ids, tgt := randIDs(rng, B*T, 0, V), randIDs(rng, B*T, 0, V)
	tp := nn.NewTape(rng)
	step := func() float32 {
		tp.Reset()
		x := emb.Forward(tp, ids, B, T)
		for l, r := range layers {
			seq, hT, cT := r.Forward(tp, x, tp.Const(h[l]), tp.Const(c[l]))
			copy(h[l].Data, hT.Data())
			copy(c[l].Data, cT.Data())
			x = seq
		}
		loss := tp.CrossEntropy(out.Forward(tp, x), tgt, -1, 0)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		return loss.Data()[0]
	}
	return workload{tokens: B * T, step: step}, nil
}

// rnnClassifier is W2.
func rnnClassifier(rng *rand.Rand) (workload, error) {
	const V, D, B, T = 20000, 64, 32, 200
	emb := nn.NewEmbedding("emb", V, D, 0, rng)
	r1 := nn.NewRNN("rnn.0", nn.Elman, D, D, rng)
	r2 := nn.NewRNN("rnn.1", nn.Elman, D, D, rng)
	out := nn.NewDense("out", D, 1, true, rng)
	params := nn.CollectParams(emb, r1, r2, out)
	opt, err := optim.NewAdam(optim.OneGroup(params), optim.DefaultAdam(1e-3))
	if err != nil {
		return workload{}, err
	}
	ids := randIDs(rng, B*T, 1, V)
	y := make([]float32, B)
	for i := range y {
		y[i] = float32(rng.Intn(2))
	}
	tp := nn.NewTape(rng)
	step := func() float32 {
		tp.Reset()
		s1, _, _ := r1.Forward(tp, emb.Forward(tp, ids, B, T), nil, nil)
		_, hT, _ := r2.Forward(tp, s1, nil, nil)
		loss := tp.BCEWithLogits(out.Forward(tp, hT), y)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		return loss.Data()[0]
	}
	return workload{tokens: B * T, step: step}, nil
}

// transformerLM is W3.
func transformerLM(rng *rand.Rand) (workload, error) {
	const V, D, L, H, T, B = 8000, 256, 4, 4, 128, 16
	emb := nn.NewEmbedding("emb", V, D, -1, rng)
	pos := nn.NewPositionalEmbedding("pos", T, D, rng)
	var blocks []*nn.TransformerBlock
	for l := 0; l < L; l++ {
		blocks = append(blocks, nn.NewTransformerBlock(fmt.Sprintf("blk.%d", l), D, H, 4*D, true, 0, rng))
	}
	ln := nn.NewLayerNorm("ln_f", D)
	out := nn.NewDense("out", D, V, true, rng)
	params := nn.CollectParams(emb, pos, ln, out)
	for _, b := range blocks {
		params = append(params, b.Params()...)
	}
	opt, err := optim.NewAdam(optim.OneGroup(params), optim.DefaultAdam(3e-4))
	if err != nil {
		return workload{}, err
	}
	ids, tgt := randIDs(rng, B*T, 0, V), randIDs(rng, B*T, 0, V)
	tp := nn.NewTape(rng)
	step := func() float32 {
		tp.Reset()
		x := pos.Forward(tp, emb.Forward(tp, ids, B, T))
		for _, b := range blocks {
			x = b.Forward(tp, x, nil)
		}
		loss := tp.CrossEntropy(out.Forward(tp, ln.Forward(tp, x)), tgt, -1, 0)
		opt.ZeroGrad()
		tp.Backward(loss)
		opt.Step()
		return loss.Data()[0]
	}
	return workload{tokens: B * T, step: step}, nil
}
