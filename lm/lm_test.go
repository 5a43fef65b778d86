package lm

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/mulan-nlp/mulan/internal/shared"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/vocab"
)

// tinyConfig returns a small model of each architecture.
func tinyConfig(arch string) Config {
	c, _ := DefaultConfig(arch)
	c.Emb, c.Hidden, c.Layers = 16, 24, 2
	if arch == ArchTransformer {
		c.Hidden, c.Heads, c.Context = 32, 2, 8
	}
	return c
}

func noDropout(c Config) Config {
	c.DropEmb, c.DropIn, c.DropHidden, c.DropOut, c.DropWeight = 0, 0, 0, 0, 0
	return c
}

func tinyOptions(arch string) TrainOptions {
	o := TrainOptions{Batch: 4, BPTT: 6, Epochs: 1, Optimizer: "adam", LR: 1e-2, Clip: 1, Schedule: "constant", Seed: 3}
	if arch == ArchTransformer {
		o.BPTT = 8
	}
	return o
}

var repeated = func() []string {
	var ls []string
	for i := 0; i < 60; i++ {
		ls = append(ls, "the cat sat on the mat", "a dog ate my homework today")
	}
	return ls
}()

func mustLM(t testing.TB, cfg Config, spec string, lines []string) *LM {
	t.Helper()
	m, err := NewFromLines(cfg, spec, lines, vocab.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func train(t testing.TB, m *LM, s, valid *Stream, o TrainOptions) *Trainer {
	t.Helper()
	tr, err := NewTrainer(m, s, valid, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	return tr
}

// A tiny LM memorises a repeated two-line text: every token but the first of
// each line is determined by its history, so perplexity approaches 1 (at
// most 2^(lines starts / tokens) ≈ 1.1 for a model that only guesses which
// line comes next).
func TestOverfitRepeatedText(t *testing.T) {
	for _, arch := range []string{ArchRNN, ArchLSTM, ArchTransformer} {
		t.Run(arch, func(t *testing.T) {
			m := mustLM(t, noDropout(tinyConfig(arch)), TokSpace, repeated)
			s := m.EncodeLines(repeated)
			before, err := m.Evaluate(s, 1, 8, nil)
			if err != nil {
				t.Fatal(err)
			}
			o := tinyOptions(arch)
			o.Epochs = 15
			train(t, m, s, nil, o)
			after, err := m.Evaluate(s, 1, 8, nil)
			if err != nil {
				t.Fatal(err)
			}
			if before.Perplexity() < 8 || after.Perplexity() > 1.2 {
				t.Errorf("perplexity %.3f before, %.3f after training; want ≥ 8 then ≤ 1.2", before.Perplexity(), after.Perplexity())
			}
			// Greedy generation reproduces a memorised line.
			got, _, err := m.Generate("the cat", GenOptions{MaxTokens: 20, StopAtEOS: true}, rand.New(rand.NewSource(1)))
			if err != nil {
				t.Fatal(err)
			}
			if got != "sat on the mat" {
				t.Errorf("greedy continuation of %q = %q, want %q", "the cat", got, "sat on the mat")
			}
		})
	}
}

func repoData(t *testing.T, rel string) string {
	t.Helper()
	return shared.Data(t, rel)
}

// Training a character LSTM briefly on real text lowers the validation
// perplexity far below that of the untrained model (≈ the number of
// characters).
func TestLossDecreasesOnRealText(t *testing.T) {
	data, err := os.ReadFile(repoData(t, "tiny_shakespeare/input.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	tr, va := lines[:3000], lines[3000:3400]
	cfg := noDropout(tinyConfig(ArchLSTM))
	cfg.Emb, cfg.Hidden = 32, 64
	m := mustLM(t, cfg, TokChar, tr)
	// Oracle: perplexity of the training text's character unigram model on
	// the validation text (add-one smoothed).
	counts := map[int32]float64{}
	for _, id := range m.EncodeLines(tr).IDs[1:] {
		counts[id]++
	}
	var total, nll float64
	for _, c := range counts {
		total += c
	}
	vIDs := m.EncodeLines(va).IDs[1:]
	for _, id := range vIDs {
		nll -= math.Log((counts[id] + 1) / (total + float64(m.VocabSize())))
	}
	unigram := math.Exp(nll / float64(len(vIDs)))
	ts, vs := m.EncodeLines(tr), m.EncodeLines(va)
	before, _ := m.Evaluate(vs, 4, 32, nil)
	o := TrainOptions{Batch: 16, BPTT: 32, Epochs: 3, Optimizer: "adam", LR: 1e-2, Clip: 1, Schedule: "constant", Seed: 1}
	tn := train(t, m, ts, vs, o)
	after, _ := m.Evaluate(vs, 4, 32, nil)
	t.Logf("char LSTM: %d chars, valid ppl %.2f -> %.2f (%.3f bits/char; unigram %.2f), history %+v", m.VocabSize(), before.Perplexity(), after.Perplexity(), after.BitsPerChar(), unigram, tn.History)
	if !(after.Perplexity() < before.Perplexity()/3) || after.Perplexity() > 0.75*unigram {
		t.Errorf("valid perplexity %.2f -> %.2f (unigram %.2f): not learning", before.Perplexity(), after.Perplexity(), unigram)
	}
	if math.Abs(tn.History[2].ValidPPL-after.Perplexity()) > 1e-3*after.Perplexity() {
		t.Errorf("epoch history valid ppl %v, evaluation %v", tn.History[2].ValidPPL, after.Perplexity())
	}
	// Char model: bits per char equals bits per token.
	if math.Abs(after.BitsPerChar()-after.BitsPerToken()) > 1e-9 {
		t.Errorf("char model: %v bits/char vs %v bits/token", after.BitsPerChar(), after.BitsPerToken())
	}
}

func paramsEqual(t *testing.T, a, b *LM) {
	t.Helper()
	for i, p := range a.params {
		q := b.params[i]
		for j, v := range p.Data() {
			if math.Float32bits(v) != math.Float32bits(q.Data()[j]) {
				t.Fatalf("%s[%d]: %v vs %v", p.Name, j, v, q.Data()[j])
			}
		}
	}
}

// Training k steps, checkpointing and resuming to 2k steps gives bitwise the
// same weights as 2k steps straight, across an epoch boundary, with every
// dropout on.
func TestResumeBitExact(t *testing.T) {
	for _, tc := range []struct {
		arch, opt, sched string
	}{{ArchLSTM, "sgd", "plateau"}, {ArchRNN, "sgd", "decay"}, {ArchTransformer, "adam", "cosine"}} {
		t.Run(tc.arch, func(t *testing.T) {
			cfg := tinyConfig(tc.arch)
			cfg.DropEmb, cfg.DropIn, cfg.DropHidden, cfg.DropOut = 0.1, 0.2, 0.2, 0.2
			if tc.arch != ArchTransformer {
				cfg.DropWeight = 0.3
			}
			lines, valid := repeated[:40], repeated[40:50]
			o := tinyOptions(tc.arch)
			o.Optimizer, o.Schedule, o.LR, o.Decay, o.DecayStart, o.Epochs, o.Warmup = tc.opt, tc.sched, 0.5, 2, 1, 4, 3
			if tc.opt == "adam" {
				o.LR = 3e-3
			}
			m1 := mustLM(t, cfg, TokSpace, lines)
			s, vs := m1.EncodeLines(lines), m1.EncodeLines(valid)
			straight := train(t, m1, s, vs, o)
			total := straight.Step
			k := total/2 + 1 // mid-epoch
			if k%straight.StepsPerEpoch() == 0 {
				k++
			}
			ckpt := filepath.Join(t.TempDir(), "c.ckpt")
			m2 := mustLM(t, cfg, TokSpace, lines)
			o2 := o
			o2.MaxSteps, o2.CheckpointEvery, o2.CheckpointPath = k, k, ckpt
			first := train(t, m2, s, vs, o2)
			if first.Step != k {
				t.Fatalf("stopped at step %d, want %d", first.Step, k)
			}
			m3, err := LoadCheckpoint(ckpt)
			if err != nil {
				t.Fatal(err)
			}
			tr3, err := Resume(ckpt, m3, s, vs, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tr3.Step != k {
				t.Fatalf("resumed at step %d, want %d", tr3.Step, k)
			}
			if _, err := tr3.Run(); err != nil {
				t.Fatal(err)
			}
			if tr3.Step != total {
				t.Fatalf("resumed run ended at step %d, straight at %d", tr3.Step, total)
			}
			paramsEqual(t, m1, m3)
			for i := range straight.History {
				a, b := straight.History[i], tr3.History[i]
				if a.ValidPPL != b.ValidPPL || a.LR != b.LR || a.TrainLoss != b.TrainLoss {
					t.Errorf("epoch %d: straight %+v, resumed %+v", i+1, a, b)
				}
			}
			// A different training text is refused.
			if _, err := Resume(ckpt, m3, vs, vs, TrainOptions{}); err == nil {
				t.Error("resume with a different training text: no error")
			}
		})
	}
}

// A backward LM on a text is a forward LM on the text with every line
// reversed: same ids, and bitwise the same training.
func TestBackwardReverses(t *testing.T) {
	cfg := tinyConfig(ArchLSTM)
	lines := repeated[:20]
	rev := make([]string, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		for a, b := 0, len(f)-1; a < b; a, b = a+1, b-1 {
			f[a], f[b] = f[b], f[a]
		}
		rev[i] = strings.Join(f, " ")
	}
	fwd := mustLM(t, cfg, TokSpace, rev)
	bcfg := cfg
	bcfg.Backward = true
	bwd := mustLM(t, bcfg, TokSpace, lines)
	s := bwd.EncodeLines(lines)
	want := fwd.EncodeLines(rev)
	if !equalIDs(s.IDs, want.IDs) {
		t.Fatalf("backward ids %v, want %v", s.IDs[:12], want.IDs[:12])
	}
	tok := func(m *LM, ids []int32) string { return m.Decode(ids) }
	if got := tok(bwd, s.IDs[1:7]); got != "mat the on sat cat the" {
		t.Errorf("backward stream starts %q", got)
	}
	o := tinyOptions(ArchLSTM)
	o.Epochs = 2
	train(t, fwd, want, nil, o)
	train(t, bwd, s, nil, o)
	paramsEqual(t, fwd, bwd)
	if got := bwd.Encoder().Encode("the cat sat"); bwd.Decode(got) != "sat cat the" {
		t.Errorf("encoder of backward LM gives %q", bwd.Decode(got))
	}
	// Generation with a backward LM returns text in reading order, before the prompt.
	bcfg = noDropout(bcfg)
	bwd = mustLM(t, bcfg, TokSpace, repeated)
	train(t, bwd, bwd.EncodeLines(repeated), nil, TrainOptions{Batch: 4, BPTT: 6, Epochs: 15, Optimizer: "adam", LR: 1e-2, Clip: 1, Schedule: "constant", Seed: 3})
	got, _, err := bwd.Generate("on the mat", GenOptions{MaxTokens: 10, StopAtEOS: true}, rand.New(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	if got != "the cat sat" {
		t.Errorf("backward generation before %q = %q, want %q", "on the mat", got, "the cat sat")
	}
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Evaluate with B streams equals the sum of single-stream evaluations of the
// segments it cuts the text into (streams overlap by one id, the remainder
// continues the last stream), and single-stream evaluation equals a
// token-by-token oracle that computes log-softmax by hand.
func TestEvaluateLayout(t *testing.T) {
	m := mustLM(t, tinyConfig(ArchLSTM), TokSpace, repeated)
	s := m.EncodeLines(repeated[:7])
	n := s.Targets()
	B := 3
	L, rem := batchLayout(n, B)
	if rem == 0 {
		t.Fatalf("want a remainder for this test (n=%d)", n)
	}
	got, err := m.Evaluate(s, B, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for b := 0; b < B; b++ {
		end := b*L + L + 1
		if b == B-1 {
			end = len(s.IDs)
		}
		sc, err := m.Evaluate(&Stream{IDs: s.IDs[b*L : end]}, 1, 5, nil)
		if err != nil {
			t.Fatal(err)
		}
		sum += sc.NLL
	}
	if got.Tokens != n || math.Abs(got.NLL-sum) > 1e-4*sum {
		t.Errorf("B=3: %d tokens NLL %v; segments: %d tokens NLL %v", got.Tokens, got.NLL, n, sum)
	}
	// Oracle: one token at a time, log-softmax in float64.
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	st := m.NewState(1)
	var oracle float64
	for i := 0; i+1 < len(s.IDs); i++ {
		tp.Reset()
		row := m.logits(tp, s.IDs[i:i+1], 1, 1, st, nil).Data()
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		z := 0.0
		for _, v := range row {
			z += math.Exp(float64(v) - mx)
		}
		oracle -= float64(row[s.IDs[i+1]]) - mx - math.Log(z)
	}
	one, _ := m.Evaluate(s, 1, 4, nil)
	if math.Abs(one.NLL-oracle) > 1e-4*oracle {
		t.Errorf("Evaluate NLL %v, oracle %v", one.NLL, oracle)
	}
}

func TestSaveLoadSamePerplexity(t *testing.T) {
	for _, arch := range []string{ArchRNN, ArchLSTM, ArchTransformer} {
		t.Run(arch, func(t *testing.T) {
			m := mustLM(t, tinyConfig(arch), TokSpace, repeated)
			s := m.EncodeLines(repeated)
			o := tinyOptions(arch)
			o.MaxSteps = 10
			train(t, m, s, nil, o)
			path := filepath.Join(t.TempDir(), "m.lm")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			paramsEqual(t, m, m2)
			a, _ := m.Evaluate(s, 2, 7, nil)
			b, _ := m2.Evaluate(m2.EncodeLines(repeated), 2, 7, nil)
			if a != b {
				t.Errorf("before save %+v, after load %+v", a, b)
			}
			if m2.Cfg != m.Cfg {
				t.Errorf("config %+v, loaded %+v", m.Cfg, m2.Cfg)
			}
		})
	}
}

func TestGenerateSeedAndTopK(t *testing.T) {
	m := mustLM(t, tinyConfig(ArchLSTM), TokSpace, repeated)
	o := GenOptions{Temperature: 1, TopK: 3, MaxTokens: 15}
	a, ia, _ := m.Generate("the", o, rand.New(rand.NewSource(5)))
	b, ib, _ := m.Generate("the", o, rand.New(rand.NewSource(5)))
	if a != b || !equalIDs(ia, ib) || len(ia) != 15 {
		t.Errorf("same seed: %q vs %q (%d tokens)", a, b, len(ia))
	}
	c, _, _ := m.Generate("the", GenOptions{Temperature: 1, MaxTokens: 15}, rand.New(rand.NewSource(6)))
	if c == a {
		t.Errorf("different seeds and top-k gave the same text %q", a)
	}
	// sample: only the top-k logits are ever drawn, never <pad> or <s>;
	// k=1 and temperature 0 are the argmax.
	rng := rand.New(rand.NewSource(1))
	logits := []float32{9, 1, 8, 2, 0.5, 3, 2.5, -1} // pad and bos (ids 0, 2) highest
	probs := make([]float64, len(logits))
	seen := map[int32]int{}
	for i := 0; i < 3000; i++ {
		seen[sample(logits, probs, GenOptions{Temperature: 2, TopK: 3}, rng)]++
	}
	for id := range seen {
		if id != 5 && id != 6 && id != 3 {
			t.Errorf("top-3 sampling drew id %d (counts %v)", id, seen)
		}
	}
	if len(seen) != 3 {
		t.Errorf("top-3 sampling drew %v", seen)
	}
	// Oracle frequencies: softmax of (3, 2.5, 2)/2.
	z := math.Exp(1.5) + math.Exp(1.25) + math.Exp(1)
	if f := float64(seen[5]) / 3000; math.Abs(f-math.Exp(1.5)/z) > 0.03 {
		t.Errorf("id 5 drawn with frequency %.3f, want %.3f", f, math.Exp(1.5)/z)
	}
	for _, o := range []GenOptions{{Temperature: 0}, {Temperature: 1, TopK: 1}} {
		if id := sample(logits, probs, o, rng); id != 5 {
			t.Errorf("%+v drew %d, want 5", o, id)
		}
	}
}

func TestNaNGuard(t *testing.T) {
	m := mustLM(t, noDropout(tinyConfig(ArchLSTM)), TokSpace, repeated)
	s := m.EncodeLines(repeated)
	m.params[3].Data()[0] = float32(math.NaN()) // w_hh of layer 0
	tr, err := NewTrainer(m, s, nil, tinyOptions(ArchLSTM))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Run()
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "step 1 ") {
		t.Errorf("error %v, want ErrNonFinite at step 1", err)
	}
	// A learning rate that blows the weights up is caught at the update that
	// does it, and the error names that update.
	m = mustLM(t, noDropout(tinyConfig(ArchLSTM)), TokSpace, repeated)
	o := tinyOptions(ArchLSTM)
	o.Optimizer, o.LR, o.Clip, o.Epochs = "sgd", 1e38, 0, 5
	tr, _ = NewTrainer(m, s, nil, o)
	_, err = tr.Run()
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), fmt.Sprintf("step %d ", tr.Step+1)) {
		t.Errorf("lr 1e38: error %v after %d steps, want ErrNonFinite naming step %d", err, tr.Step, tr.Step+1)
	}
	// The weight scan on its own.
	m = mustLM(t, tinyConfig(ArchLSTM), TokSpace, repeated)
	if got := firstNonFinite(m.params); got != "" {
		t.Errorf("fresh embedding reported non-finite (%s)", got)
	}
	m.params[2].Data()[5] = float32(math.Inf(-1))
	if got := firstNonFinite(m.params); got != m.params[2].Name {
		t.Errorf("firstNonFinite = %q, want %q", got, m.params[2].Name)
	}
}

// Every tokenizer spec survives the model file: the loaded model encodes
// text to the same ids and decodes them back.
func TestTokenizerSpecsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	lines := []string{"I can't believe it's 3.14, Mr. Smith!", "我用Go 1.26写代码。", "the cat sat on the mat"}
	sw, err := subword.TrainLines(func(yield func(string) bool) {
		for i := 0; i < 20; i++ {
			for _, l := range lines {
				if !yield(l) {
					return
				}
			}
		}
	}, subword.Options{VocabSize: 300})
	if err != nil {
		t.Fatal(err)
	}
	swPath := filepath.Join(dir, "sw.model")
	if err := sw.Save(swPath); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{TokSpace, TokWord, TokZhWord, TokChar, "subword:" + swPath} {
		t.Run(strings.SplitN(spec, ":", 2)[0], func(t *testing.T) {
			m := mustLM(t, tinyConfig(ArchLSTM), spec, lines)
			path := filepath.Join(dir, "m.lm")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			a, b := m.EncodeLines(lines), m2.EncodeLines(lines)
			if !equalIDs(a.IDs, b.IDs) || a.Chars != b.Chars {
				t.Errorf("ids differ after load: %v vs %v", a.IDs, b.IDs)
			}
			for _, id := range a.IDs {
				if id == vocab.UnkID {
					t.Errorf("training text has unknown tokens: %v", a.IDs)
					break
				}
			}
			if m2.Cfg.Tokenizer != strings.SplitN(spec, ":", 2)[0] {
				t.Errorf("tokenizer %q stored for %q", m2.Cfg.Tokenizer, spec)
			}
			// Decode inverts encode up to the tokenizer's spacing.
			ids := m2.Encoder().Encode(lines[2])
			if got := m2.Decode(ids); strings.ReplaceAll(got, " ", "") != "thecatsatonthemat" {
				t.Errorf("decode(encode) = %q", got)
			}
		})
	}
	if _, err := NewFromLines(tinyConfig(ArchLSTM), "bpe", lines, vocab.Options{}, 1); err == nil {
		t.Error("unknown tokenizer accepted")
	}
}

func TestCorruptFiles(t *testing.T) {
	m := mustLM(t, tinyConfig(ArchLSTM), TokSpace, repeated)
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x40
	if _, err := Parse("flip.lm", flip); !errors.Is(err, modelfile.ErrCorrupt) {
		t.Errorf("flipped byte: %v", err)
	}
	if _, err := Parse("cut.lm", good[:len(good)-100]); err == nil || !strings.Contains(err.Error(), "cut.lm") {
		t.Errorf("truncated: %v", err)
	}
	var other bytes.Buffer
	modelfile.Encode(&other, modelfile.Header{Kind: "ngram-binary", Version: 1}, []byte("x"))
	if _, err := Parse("other.bin", other.Bytes()); err == nil || !strings.Contains(err.Error(), "ngram-binary") {
		t.Errorf("other kind: %v", err)
	}
	// A checkpoint is not a model and vice versa.
	dir := t.TempDir()
	s := m.EncodeLines(repeated)
	o := tinyOptions(ArchLSTM)
	o.MaxSteps, o.CheckpointEvery, o.CheckpointPath = 2, 2, filepath.Join(dir, "c.ckpt")
	train(t, m, s, nil, o)
	if _, err := Load(o.CheckpointPath); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("checkpoint loaded as model: %v", err)
	}
	lmPath := filepath.Join(dir, "m.lm")
	os.WriteFile(lmPath, good, 0o644)
	if _, err := LoadCheckpoint(lmPath); err == nil || !strings.Contains(err.Error(), "not a training checkpoint") {
		t.Errorf("model loaded as checkpoint: %v", err)
	}
	ck, _ := os.ReadFile(o.CheckpointPath)
	os.WriteFile(o.CheckpointPath, ck[:len(ck)/2], 0o644)
	if _, err := LoadCheckpoint(o.CheckpointPath); !errors.Is(err, modelfile.ErrCorrupt) {
		t.Errorf("truncated checkpoint: %v", err)
	}
}

// The encoder's top layer, through the tied decoder, gives the LM's logits.
func TestEncoderMatchesLM(t *testing.T) {
	for _, arch := range []string{ArchLSTM, ArchTransformer} {
		m := mustLM(t, tinyConfig(arch), TokSpace, repeated)
		e := m.Encoder()
		ids := m.EncodeLines(repeated[:2]).IDs[:8]
		tp := nn.NewTape(nil)
		tp.Training = false
		outs := e.Forward(tp, ids, 2, 4, nil)
		if want := map[string]int{ArchLSTM: 2, ArchTransformer: 1}[arch]; len(outs) != want {
			t.Fatalf("%s: %d layer outputs", arch, len(outs))
		}
		top := outs[len(outs)-1]
		if sh := top.Shape(); sh[0] != 2 || sh[1] != 4 || sh[2] != e.Dim() {
			t.Errorf("%s: top shape %v, dim %d", arch, sh, e.Dim())
		}
		lg := tp.Linear(top, &m.emb.W.Var, &m.outB.Var).Data()
		tp2 := nn.NewTape(nil)
		tp2.Training = false
		want := m.logits(tp2, ids, 2, 4, m.NewState(2), nil).Data()
		for i := range want {
			if lg[i] != want[i] {
				t.Fatalf("%s: logit %d: encoder %v, LM %v", arch, i, lg[i], want[i])
			}
		}
		n := 0
		for _, g := range e.LayerGroups() {
			n += len(g)
		}
		if n != len(m.params)-1 { // all but the decoder bias
			t.Errorf("%s: layer groups hold %d params, LM has %d", arch, n, len(m.params))
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n  \n"), 0o644)
	cfg := tinyConfig(ArchLSTM)
	for _, tc := range []struct {
		spec  string
		files []string
		want  string
	}{
		{TokSpace, []string{empty}, "no tokens"},
		{TokSpace, []string{filepath.Join(dir, "missing.txt")}, "missing.txt"},
		{"subword:", nil, "model path"},
		{"subword:" + empty, nil, "empty.txt"},
		{"words", nil, "unknown tokenizer"},
	} {
		if _, err := New(cfg, tc.spec, tc.files, vocab.Options{}, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %v): error %v, want one mentioning %q", tc.spec, tc.files, err, tc.want)
		}
	}
	m := mustLM(t, cfg, TokSpace, repeated)
	if _, err := m.EncodeFiles(empty); err == nil || !strings.Contains(err.Error(), "no text") {
		t.Errorf("encoding an empty file: %v", err)
	}
	bad := cfg
	bad.Arch = "gru"
	if _, err := NewFromLines(bad, TokSpace, repeated, vocab.Options{}, 1); err == nil {
		t.Error("unknown architecture accepted")
	}
	s := m.EncodeLines(repeated)
	for _, o := range []TrainOptions{
		{Batch: 0, BPTT: 5, Epochs: 1, Optimizer: "sgd", LR: 1, Schedule: "constant"},
		{Batch: 2, BPTT: 5, Epochs: 1, Optimizer: "rmsprop", LR: 1, Schedule: "constant"},
		{Batch: 2, BPTT: 5, Epochs: 1, Optimizer: "sgd", LR: 1, Schedule: "linear"},
		{Batch: 2, BPTT: 5, Epochs: 1, Optimizer: "sgd", LR: 0, Schedule: "constant"},
		{Batch: 10000, BPTT: 5, Epochs: 1, Optimizer: "sgd", LR: 1, Schedule: "constant"},
	} {
		if _, err := NewTrainer(m, s, nil, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
}
