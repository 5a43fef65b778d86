package tagger

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/mulan-nlp/mulan/vocab"
)

// lmText is running text for the tiny test LMs.
var lmText = []string{
	"John Smith went to Paris with Mary .",
	"the meeting in New York was long .",
	"NASA and IBM said they would go to Berlin .",
	"北京大学的王小明去了上海。",
	"张三毕业于清华大学，现在在深圳工作。",
}

// tinyLM returns an untrained (randomly initialised) LM over lmText.
func tinyLM(t *testing.T, arch, spec string, backward bool) *lm.LM {
	t.Helper()
	cfg, err := lm.DefaultConfig(arch)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Emb, cfg.Hidden, cfg.Layers, cfg.Backward = 8, 12, 2, backward
	if arch == lm.ArchTransformer {
		cfg.Heads, cfg.Context, cfg.Hidden = 2, 6, 16
	}
	m, err := lm.NewFromLines(cfg, spec, lmText, vocab.Options{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// subwordSpec trains a small subword model on lmText and returns its spec.
func subwordSpec(t *testing.T) string {
	t.Helper()
	sw, err := subword.TrainLines(slices.Values(lmText), subword.Options{VocabSize: 320})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sw.model")
	if err := sw.Save(p); err != nil {
		t.Fatal(err)
	}
	return "subword:" + p
}

// stateAfter runs m's encoder alone over </s> followed by ids (in reading
// order) and returns the top layer's last state.
func stateAfter(m *lm.LM, ids []int32) []float32 {
	enc := m.Encoder()
	seq := append([]int32{vocab.EOSID}, ids...)
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	outs := enc.Forward(tp, seq, 1, len(seq), nil)
	H := enc.Dim()
	top := outs[len(outs)-1].Data()
	return slices.Clone(top[(len(seq)-1)*H : len(seq)*H])
}

// textState is stateAfter for the LM's own encoding of text.
func textState(m *lm.LM, text string) []float32 {
	return stateAfter(m, m.Encoder().Encode(text))
}

func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

// features runs c on a batch (no gradient) and returns the data and T.
func features(t *testing.T, c Context, batch [][]string, pad int) ([]float32, int) {
	t.Helper()
	T := 0
	for _, s := range batch {
		T = max(T, len(s))
	}
	T += pad
	tp := nn.NewTape(nil)
	tp.Training, tp.NoGrad = false, true
	f, err := c.Features(tp, batch, T)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Shape(); !slices.Equal(s, []int{len(batch), T, c.Dim()}) {
		t.Fatalf("features shape %v, want [%d %d %d]", s, len(batch), T, c.Dim())
	}
	return slices.Clone(f.Data()), T
}

// The features of token i are the forward LM's state after reading tokens
// 0..i and the backward LM's state after reading tokens n-1..i, each LM
// starting after </s>, as the LM computes them for those texts alone; rows
// past a sentence's end are zero.
func TestLMContextFeaturesAreLMStates(t *testing.T) {
	sw := subwordSpec(t)
	en := [][]string{
		strings.Fields("John Smith went to Paris ."),
		strings.Fields("Mary said Zebedee went to New York"), // Zebedee, said: not in the LM
		strings.Fields("IBM ."),
	}
	zh := [][]string{
		strings.Split("王小明去了上海。", ""),
		strings.Split("张三毕业于北京大学，在深圳工作", ""),
	}
	for _, tc := range []struct {
		name, arch, spec, sep string
		batch                 [][]string
		// check reports whether token i of s is compared with the LM run
		// over the prefix (forward) or suffix (backward) text: always
		// (nil) when the pieces of those texts are those of the whole.
		check func(s []string, i int, backward bool) bool
	}{
		{"space lstm", lm.ArchLSTM, lm.TokSpace, " ", en, nil},
		{"word lstm", lm.ArchLSTM, lm.TokWord, " ", append(en, []string{"they", "don't", "go", "."}), nil},
		{"char lstm", lm.ArchLSTM, lm.TokChar, "", zh, nil},
		{"char rnn", lm.ArchRNN, lm.TokChar, "", zh, nil},
		{"subword lstm en", lm.ArchLSTM, sw, " ", en, nil},
		{"subword lstm zh", lm.ArchLSTM, sw, "", zh, func(s []string, i int, backward bool) bool {
			if backward {
				// A suffix text would get the dummy-prefix space that
				// the middle of the sentence lacks.
				return i == 0
			}
			// The prefix ends before punctuation or at the end.
			return i+1 == len(s) || strings.ContainsAny(s[i+1], "，。")
		}},
		{"transformer space", lm.ArchTransformer, lm.TokSpace, " ", [][]string{{"John", "went", "to", "Paris"}, {"IBM"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fwd, bwd := tinyLM(t, tc.arch, tc.spec, false), tinyLM(t, tc.arch, tc.spec, true)
			c, err := NewLMContext(fwd, bwd, LMContextOptions{Sep: tc.sep, CacheBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			H := fwd.Encoder().Dim()
			if c.Dim() != 2*H {
				t.Fatalf("Dim %d, want %d", c.Dim(), 2*H)
			}
			f, T := features(t, c, tc.batch, 2)
			D := c.Dim()
			checked := 0
			for b, s := range tc.batch {
				for i := range T {
					got := f[(b*T+i)*D : (b*T+i+1)*D]
					if i >= len(s) {
						if slices.ContainsFunc(got, func(v float32) bool { return v != 0 }) {
							t.Fatalf("sentence %d: padding step %d is not zero", b, i)
						}
						continue
					}
					if tc.check == nil || tc.check(s, i, false) {
						want := textState(fwd, strings.Join(s[:i+1], tc.sep))
						if d := maxDiff(got[:H], want); d > 1e-5 {
							t.Errorf("sentence %d token %d %q: forward feature differs by %g from the LM's state after %q", b, i, s[i], d, strings.Join(s[:i+1], tc.sep))
						}
						checked++
					}
					if tc.check == nil || tc.check(s, i, true) {
						want := textState(bwd, strings.Join(s[i:], tc.sep))
						if d := maxDiff(got[H:], want); d > 1e-5 {
							t.Errorf("sentence %d token %d %q: backward feature differs by %g from the backward LM's state after %q", b, i, s[i], d, strings.Join(s[i:], tc.sep))
						}
						checked++
					}
				}
			}
			if checked < 4 {
				t.Fatalf("only %d features checked", checked)
			}
		})
	}
}

// With a zh-word LM the characters of a word share its states: the forward
// LM's after reading the words up to it, the backward LM's after reading the
// words from the end down to it (segmented as the LM segments the text).
func TestLMContextZhWord(t *testing.T) {
	fwd, bwd := tinyLM(t, lm.ArchLSTM, lm.TokZhWord, false), tinyLM(t, lm.ArchLSTM, lm.TokZhWord, true)
	c, err := NewLMContext(fwd, bwd, LMContextOptions{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	text := "张三毕业于北京大学，在深圳工作"
	words := tokenize.Chinese{}.Tokenize(text)
	fids, bids := fwd.Encoder().Encode(text), bwd.Encoder().Encode(text) // bids: reversed
	if len(fids) != len(words) || len(words) < 4 {
		t.Fatalf("words %q, ids %v", words, fids)
	}
	chars := strings.Split(text, "")
	f, _ := features(t, c, [][]string{chars}, 0)
	H := fwd.Encoder().Dim()
	i := 0
	for k, w := range words {
		wantF := stateAfter(fwd, fids[:k+1])
		wantB := stateAfter(bwd, bids[:len(words)-k])
		for range strings.Split(w, "") {
			got := f[i*2*H : (i+1)*2*H]
			if d := max(maxDiff(got[:H], wantF), maxDiff(got[H:], wantB)); d > 1e-5 {
				t.Errorf("char %d %q of word %q: features differ by %g", i, chars[i], w, d)
			}
			i++
		}
	}
}

// A Transformer reads a sentence longer than its context (6 here) in
// consecutive windows: </s> and the first 5 tokens, then 6 tokens at a time.
func TestLMContextTransformerWindows(t *testing.T) {
	fwd, bwd := tinyLM(t, lm.ArchTransformer, lm.TokSpace, false), tinyLM(t, lm.ArchTransformer, lm.TokSpace, true)
	c, err := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Fields("John Smith went to Paris with Mary . the meeting in New York")
	f, _ := features(t, c, [][]string{s}, 0)
	H := fwd.Encoder().Dim()
	for _, side := range []struct {
		m   *lm.LM
		off int
	}{{fwd, 0}, {bwd, H}} {
		enc := side.m.Encoder()
		seq := append([]int32{vocab.EOSID}, enc.Encode(strings.Join(s, " "))...)
		for i := range s {
			step := i + 1
			if side.m.Cfg.Backward {
				step = len(s) - i
			}
			lo := step / 6 * 6
			var want []float32
			if lo == 0 {
				want = stateAfter(side.m, seq[1:step+1])
			} else { // a later window starts without </s>
				tp := nn.NewTape(nil)
				tp.Training, tp.NoGrad = false, true
				win := seq[lo : step+1]
				top := enc.Forward(tp, win, 1, len(win), nil)
				want = top[len(top)-1].Data()[(len(win)-1)*H:]
			}
			if d := maxDiff(f[i*2*H+side.off:i*2*H+side.off+H], want); d > 1e-5 {
				t.Errorf("backward %v token %d: feature differs by %g", side.m.Cfg.Backward, i, d)
			}
		}
	}
}

// The backward half of token i's feature is the backward LM's state after
// reading exactly tokens n-1, n-2, ..., i (ids given explicitly, so the check
// does not rely on Encode), and differs from the states at i-1 and i+1.
func TestLMContextBackwardAlignment(t *testing.T) {
	bwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, true)
	c, err := NewLMContext(nil, bwd, LMContextOptions{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Fields("John Smith went to Paris")
	ids := make([]int32, len(s)) // token i's id
	for i, w := range s {
		e := bwd.Encoder().Encode(w)
		if len(e) != 1 || e[0] < vocab.NumSpecial {
			t.Fatalf("%q encodes as %v", w, e)
		}
		ids[i] = e[0]
	}
	f, T := features(t, c, [][]string{s}, 0)
	H := c.Dim()
	for i := range s {
		var read []int32 // n-1 down to i
		for j := len(s) - 1; j >= i; j-- {
			read = append(read, ids[j])
		}
		want := stateAfter(bwd, read)
		for j := range T {
			d := maxDiff(f[j*H:(j+1)*H], want)
			if (d <= 1e-5) != (j == i) {
				t.Errorf("token %d: backward state after reading tokens %d..%d matches feature %d: %v (diff %g)", i, len(s)-1, i, j, j == i, d)
			}
		}
	}
}

// A frozen context caches each sentence's features: a second call, in a
// different batch with different padding, returns exactly what a context
// without a cache computes, and a fine-tuned context (no cache, recorded on
// the caller's tape) computes the same values when not training.
func TestLMContextCache(t *testing.T) {
	fwd, bwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, false), tinyLM(t, lm.ArchLSTM, lm.TokSpace, true)
	sents := tokensOf(synthetic(12, 5))
	cached, err := NewLMContext(fwd, bwd, LMContextOptions{Sep: " "})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", CacheBytes: -1})
	tuned, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", FineTune: true})
	features(t, cached, sents[:8], 0)
	if len(cached.cache) != 8 {
		t.Fatalf("%d sentences cached, want 8", len(cached.cache))
	}
	batch := [][]string{sents[7], sents[10], sents[2]}
	a, _ := features(t, cached, batch, 3)
	b, _ := features(t, plain, batch, 3)
	c, _ := features(t, tuned, batch, 3)
	if !slices.Equal(a, b) {
		t.Errorf("cached features differ from recomputed ones (max diff %g)", maxDiff(a, b))
	}
	if d := maxDiff(a, c); d > 1e-6 {
		t.Errorf("fine-tuned context computes different features (max diff %g)", d)
	}
	if len(cached.cache) != 9 {
		t.Errorf("%d sentences cached, want 9", len(cached.cache))
	}
	// A cached sentence is not recomputed: change the LM, and only the
	// sentence that was not cached (sents[11]) follows it.
	batch = [][]string{sents[7], sents[11], sents[2]}
	before, T := features(t, plain, batch, 3)
	fwd.Encoder().LayerGroups()[0][0].Value.Data[vocab.EOSID*8] += 1
	d, _ := features(t, cached, batch, 3)
	D := cached.Dim()
	if !slices.Equal(d[:T*D], before[:T*D]) || slices.Equal(d[T*D:2*T*D], before[T*D:2*T*D]) || !slices.Equal(d[2*T*D:], before[2*T*D:]) {
		t.Errorf("cache not used as expected after the LM changed")
	}
	cached.ClearCache()
	if len(cached.cache) != 0 {
		t.Errorf("ClearCache left %d entries", len(cached.cache))
	}
	// Repeated and empty sentences: equal rows, cached once; zero rows.
	dup, T2 := features(t, cached, [][]string{sents[3], {}, sents[3]}, 0)
	if n := len(sents[3]) * D; !slices.Equal(dup[:n], dup[2*T2*D:2*T2*D+n]) || slices.ContainsFunc(dup[T2*D:2*T2*D], func(v float32) bool { return v != 0 }) {
		t.Errorf("repeated or empty sentence features wrong")
	}
	if len(cached.cache) != 2 || cached.cacheLen != int64(4*len(sents[3])*D) { // sents[3] and the empty one
		t.Errorf("cache holds %d sentences, %d bytes after a repeated one", len(cached.cache), cached.cacheLen)
	}
	if f, err := cached.Features(nn.NewTape(nil), [][]string{{}}, 0); err != nil || len(f.Data()) != 0 {
		t.Errorf("empty batch: %v", err)
	}
	// A tiny cap caches nothing but still computes.
	capped, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", CacheBytes: 16})
	features(t, capped, batch, 0)
	if len(capped.cache) != 0 {
		t.Errorf("cache over its cap: %d entries", len(capped.cache))
	}
	want := int64(0)
	for _, s := range batch {
		want += int64(4 * len(s) * D)
	}
	if held, over := capped.CacheUse(); held != 0 || over != want {
		t.Errorf("capped CacheUse = %d, %d; want 0, %d", held, over, want)
	}
	if held, over := cached.CacheUse(); held != cached.cacheLen || held == 0 || over != 0 {
		t.Errorf("CacheUse = %d, %d; want %d, 0", held, over, cached.cacheLen)
	}
}

func TestLMContextErrors(t *testing.T) {
	fwd, bwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, false), tinyLM(t, lm.ArchLSTM, lm.TokSpace, true)
	for _, tc := range []struct {
		name     string
		fwd, bwd *lm.LM
		want     string
	}{
		{"none", nil, nil, "needs a forward or a backward"},
		{"forward reads backward", bwd, nil, "forward language model reads text backward"},
		{"backward reads forward", fwd, fwd, "backward language model reads text forward"},
	} {
		if _, err := NewLMContext(tc.fwd, tc.bwd, LMContextOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	c, _ := NewLMContext(fwd, bwd, LMContextOptions{})
	if got, want := c.Name(), "lm:fwd-lstm-space-8+bwd-lstm-space-8"; got != want {
		t.Errorf("Name %q, want %q", got, want)
	}
	tp := nn.NewTape(nil)
	if _, err := c.Features(tp, [][]string{{"a", "b", "c"}}, 2); err == nil {
		t.Errorf("features with T shorter than a sentence: no error")
	}
}

// lmTagger trains a small tagger with LM features on the synthetic task.
func lmTagger(t *testing.T, o LMContextOptions, epochs int, mod func(*Config)) (*Tagger, *LMContext) {
	t.Helper()
	fwd, bwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, false), tinyLM(t, lm.ArchLSTM, lm.TokSpace, true)
	c, err := NewLMContext(fwd, bwd, o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig("en")
	cfg.Epochs = epochs
	if mod != nil {
		mod(&cfg)
	}
	m, _, err := Train(synthetic(60, 1), synthetic(20, 2), cfg, TrainOptions{Context: c})
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

// A tagger trained with LM features is one self-contained file: it loads
// with its LMs attached and predicts exactly as before saving; the file is
// version 2 (a tagger without LMs stays version 1); damage is an error.
func TestLMContextSaveLoad(t *testing.T) {
	for _, tune := range []bool{false, true} {
		t.Run(fmt.Sprintf("finetune=%v", tune), func(t *testing.T) {
			m, c := lmTagger(t, LMContextOptions{Sep: " ", FineTune: tune}, 3, nil)
			if cfg := m.Config(); cfg.ContextName != c.Name() || cfg.ContextDim != 16 || cfg.ContextFineTune != tune {
				t.Fatalf("config records context %q/%d fine-tuned %v", cfg.ContextName, cfg.ContextDim, cfg.ContextFineTune)
			}
			path := filepath.Join(t.TempDir(), "lm.ner")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := modelfile.Decode(path, data)
			if err != nil || h.Version != 2 {
				t.Fatalf("header %+v, %v; want version 2", h, err)
			}
			m2, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			toks := tokensOf(synthetic(30, 3))
			p1, err1 := m.Predict(toks)
			p2, err2 := m2.Predict(toks)
			if err1 != nil || err2 != nil || fmt.Sprint(p1) != fmt.Sprint(p2) {
				t.Errorf("predictions differ after reload (%v, %v)", err1, err2)
			}
			lc, ok := m2.ctx.(*LMContext)
			if !ok || lc.Forward() == nil || lc.Backward() == nil || lc.Options().FineTune {
				t.Fatalf("loaded context %#v", m2.ctx)
			}
			// The stored LMs are the (possibly fine-tuned) ones the tagger
			// was trained with.
			for i, p := range lc.Forward().Params() {
				if !slices.Equal(p.Value.Data, c.Forward().Params()[i].Value.Data) {
					t.Fatalf("stored forward LM parameter %s differs", p.Name)
				}
			}
			// Writing the loaded model gives the same bytes.
			var buf bytes.Buffer
			if err := m2.Write(&buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
				t.Errorf("rewritten file differs (%v)", err)
			}
			// Truncated LM bytes: an error naming corruption, not a panic.
			_, payload, _ := modelfile.Decode(path, data)
			var bad bytes.Buffer
			if err := modelfile.Encode(&bad, h, payload[:len(payload)-100]); err != nil {
				t.Fatal(err)
			}
			if _, err := Read("bad.ner", bad.Bytes()); err == nil {
				t.Errorf("truncated language model read without error")
			}
		})
	}
	// Without an LM context the format is unchanged (version 1).
	cfg := smallConfig("en")
	cfg.Epochs = 1
	m, _, err := Train(synthetic(20, 1), nil, cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if h, _, err := modelfile.Decode("x", buf.Bytes()); err != nil || h.Version != 1 {
		t.Errorf("plain tagger header %+v, %v; want version 1", h, err)
	}
}

// A tagger trained with LM features refuses other features and none.
func TestLMContextRequired(t *testing.T) {
	m, _ := lmTagger(t, LMContextOptions{Sep: " "}, 1, nil)
	fwdOnly, _ := NewLMContext(tinyLM(t, lm.ArchLSTM, lm.TokSpace, false), nil, LMContextOptions{})
	for _, c := range []Context{nil, fwdOnly, capsContext{}} {
		if err := m.SetContext(c); err == nil || !strings.Contains(err.Error(), "lm:fwd-lstm-space-8+bwd-lstm-space-8") {
			t.Errorf("SetContext(%v): %v", c, err)
		}
	}
	m.ctx = nil // as a model read without its LMs would be
	if _, err := m.Predict([][]string{{"John"}}); err == nil || !strings.Contains(err.Error(), "call SetContext") {
		t.Errorf("predict without context: %v", err)
	}
}

// Fine-tuning with gradual unfreezing trains only the top LM group in
// epoch 2 of a 2-layer LM (groups: embedding, layer 1, layer 2); with
// unfreezing off every group changes; frozen contexts change nothing.
func TestLMContextFineTuneUnfreezing(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tune     bool
		unfreeze bool
		changed  []bool // per group, bottom-up
	}{
		{"frozen", false, true, []bool{false, false, false}},
		{"gradual", true, true, []bool{false, false, true}},
		{"all at once", true, false, []bool{true, true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before [][]float32
			fwd, bwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, false), tinyLM(t, lm.ArchLSTM, lm.TokSpace, true)
			c, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", FineTune: tc.tune})
			groups := [][][]*nn.Param{fwd.Encoder().LayerGroups(), bwd.Encoder().LayerGroups()}
			for _, g := range groups {
				for _, ps := range g {
					before = append(before, slices.Clone(ps[0].Value.Data))
				}
			}
			cfg := smallConfig("en")
			cfg.Epochs, cfg.ContextUnfreeze = 2, tc.unfreeze
			var trained []int
			m, _, err := Train(synthetic(40, 1), nil, cfg, TrainOptions{Context: c, Log: func(s EpochStats) { trained = append(trained, s.ContextGroups) }})
			if err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, g := range groups {
				for i, ps := range g {
					if got := !slices.Equal(before[k], ps[0].Value.Data); got != tc.changed[i] {
						t.Errorf("group %d (%s): changed %v, want %v", i, ps[0].Name, got, tc.changed[i])
					}
					if ps[0].Frozen() {
						t.Errorf("%s left frozen after training", ps[0].Name)
					}
					k++
				}
			}
			want := []int{0, 0}
			if tc.tune {
				want = []int{3, 3}
				if tc.unfreeze {
					want = []int{0, 1}
				}
			}
			if !slices.Equal(trained, want) {
				t.Errorf("context groups trained per epoch %v, want %v", trained, want)
			}
			if cfg := m.Config(); cfg.ContextFineTune != tc.tune || (tc.tune && cfg.ContextFactor != 2.6) || (!tc.tune && (cfg.ContextFactor != 0 || cfg.ContextUnfreeze)) {
				t.Errorf("config fine-tune %v factor %v unfreeze %v", cfg.ContextFineTune, cfg.ContextFactor, cfg.ContextUnfreeze)
			}
		})
	}
}

// ParamGroups merges the two LMs' groups from the top.
func TestLMContextParamGroups(t *testing.T) {
	fwd := tinyLM(t, lm.ArchLSTM, lm.TokSpace, false)
	cfg, _ := lm.DefaultConfig(lm.ArchLSTM)
	cfg.Emb, cfg.Hidden, cfg.Layers, cfg.Backward = 8, 12, 1, true
	bwd, err := lm.NewFromLines(cfg, lm.TokSpace, lmText, vocab.Options{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := NewLMContext(fwd, bwd, LMContextOptions{FineTune: true})
	g := c.ParamGroups()
	fg, bg := fwd.Encoder().LayerGroups(), bwd.Encoder().LayerGroups()
	want := [][]*nn.Param{fg[0], append(slices.Clone(fg[1]), bg[0]...), append(slices.Clone(fg[2]), bg[1]...)}
	if len(g) != 3 {
		t.Fatalf("%d groups, want 3", len(g))
	}
	for i := range g {
		if !slices.Equal(g[i], want[i]) {
			t.Errorf("group %d: %d params, want %d", i, len(g[i]), len(want[i]))
		}
	}
	frozen, _ := NewLMContext(fwd, bwd, LMContextOptions{})
	if frozen.ParamGroups() != nil {
		t.Errorf("a frozen context has parameter groups")
	}
}

// helpTask is a task that only LM features can solve: whether a word is a
// person or a city shows in the unlabelled LM text ("a man named alice ...",
// "a city named paris ...") but the labelled sentences all read "we saw X
// today", and the test names never occur in the labelled training data.
func helpTask() (lmLines []string, train, dev, test []corpus.Sentence) {
	persons := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	cities := []string{"paris", "rome", "oslo", "lima", "cairo", "delhi", "tokyo", "quito"}
	for range 4 {
		for _, p := range persons {
			lmLines = append(lmLines, "a man named "+p+" smiled and waved")
		}
		for _, c := range cities {
			lmLines = append(lmLines, "a city named "+c+" is big and old")
		}
	}
	sents := func(ps, cs []string, n int) []corpus.Sentence {
		var out []corpus.Sentence
		for i := range n {
			for _, p := range ps {
				out = append(out, corpus.Sentence{Tokens: []string{"we", "saw", p, "today"}, Tags: []string{"O", "O", "B-PER", "O"}, Line: len(out) + 1})
			}
			for _, c := range cs {
				out = append(out, corpus.Sentence{Tokens: []string{"we", "saw", c, "today"}, Tags: []string{"O", "O", "B-LOC", "O"}, Line: len(out) + 1})
			}
			_ = i
		}
		return out
	}
	return lmLines, sents(persons[:2], cities[:2], 10), sents(persons[2:4], cities[2:4], 1), sents(persons[4:], cities[4:], 1)
}

// trainLM trains a tiny LSTM LM on lines.
func trainLM(t *testing.T, lines []string, backward bool) *lm.LM {
	t.Helper()
	cfg, _ := lm.DefaultConfig(lm.ArchLSTM)
	cfg.Emb, cfg.Hidden, cfg.Layers, cfg.Backward = 16, 16, 1, backward
	cfg.DropEmb, cfg.DropIn, cfg.DropHidden, cfg.DropOut, cfg.DropWeight = 0, 0, 0, 0, 0
	m, err := lm.NewFromLines(cfg, lm.TokSpace, lines, vocab.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := m.EncodeLines(lines)
	tr, err := lm.NewTrainer(m, s, nil, lm.TrainOptions{Batch: 4, BPTT: 8, Epochs: 30,
		Optimizer: "adam", LR: 0.02, Clip: 1, Schedule: "constant", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(); err != nil {
		t.Fatal(err)
	}
	return m
}

// On helpTask a tagger without LM features cannot tell unseen persons from
// unseen cities; with frozen LM features, and with fine-tuned ones, it can.
func TestLMContextHelps(t *testing.T) {
	lines, train, dev, test := helpTask()
	fwd, bwd := trainLM(t, lines, false), trainLM(t, lines, true)
	cfg := smallConfig("en")
	cfg.CharDim, cfg.CapsDim, cfg.Epochs = 0, 0, 15
	f1 := func(c Context) float64 {
		m, _, err := Train(train, dev, cfg, TrainOptions{Context: c})
		if err != nil {
			t.Fatal(err)
		}
		res, err := m.Evaluate(test, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.FB1
	}
	plain := f1(nil)
	frozen, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " "})
	withLM := f1(frozen)
	tuned, _ := NewLMContext(fwd, bwd, LMContextOptions{Sep: " ", FineTune: true})
	withTuned := f1(tuned)
	t.Logf("test F1: %.1f without LM, %.1f with frozen LM features, %.1f fine-tuned", plain, withLM, withTuned)
	if plain > 60 {
		t.Errorf("the task is solvable without LM features (F1 %.1f)", plain)
	}
	if withLM < 90 || withTuned < 90 {
		t.Errorf("F1 with LM features %.1f (frozen), %.1f (fine-tuned); want at least 90", withLM, withTuned)
	}
}
