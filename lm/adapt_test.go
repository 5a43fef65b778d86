package lm

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/vocab"
)

// Base text and the task's text: they share "the", "cat", "sat", "on", "a",
// "dog"; "mat", "ate", "my", "homework", "today" are only in the base;
// "bird", "flew", "over", "house", "sang" only in the task's text.
var (
	adaptBase = repeated
	adaptTask = func() []string {
		var ls []string
		for i := 0; i < 30; i++ {
			ls = append(ls, "the bird flew over the house", "a cat sat on a dog", "the bird sang")
		}
		return ls
	}()
	adaptShared = []string{"the cat sat on a dog", "a dog sat on the cat"}
)

func writeLines(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// trainedBase returns a base LM of cfg trained a few steps on adaptBase, so
// that its rows are not the initial ones.
func trainedBase(t *testing.T, cfg Config) *LM {
	t.Helper()
	m := mustLM(t, cfg, TokSpace, adaptBase)
	o := tinyOptions(cfg.Arch)
	o.MaxSteps = 5
	train(t, m, m.EncodeLines(adaptBase), nil, o)
	return m
}

func adaptConfigs() map[string]Config {
	untied := tinyConfig(ArchLSTM)
	untied.Tied = false
	backward := tinyConfig(ArchRNN)
	backward.Backward = true
	return map[string]Config{
		"rnn": tinyConfig(ArchRNN), "lstm": tinyConfig(ArchLSTM), "lstm-untied": untied,
		"rnn-backward": backward, "transformer": tinyConfig(ArchTransformer),
	}
}

// rowOf returns row id of a [V, w] parameter.
func rowOf(p *nn.Param, id int32) []float32 {
	w := p.Shape()[len(p.Shape())-1]
	if len(p.Shape()) == 1 {
		w = 1
	}
	return p.Data()[int(id)*w : (int(id)+1)*w]
}

func meanRows(p *nn.Param, V int) []float64 {
	w := len(p.Data()) / V
	mean := make([]float64, w)
	for r := range V {
		for j, v := range p.Data()[r*w : (r+1)*w] {
			mean[j] += float64(v) / float64(V)
		}
	}
	return mean
}

// The vocabulary is the one New builds from the task's text; rows of tokens
// in both vocabularies (and of the specials) equal the base's rows for the
// same token string, rows of new tokens the mean of the base's rows; all
// other weights are copied.
func TestAdaptRows(t *testing.T) {
	task := writeLines(t, adaptTask)
	for name, cfg := range adaptConfigs() {
		t.Run(name, func(t *testing.T) {
			base := trainedBase(t, cfg)
			a, st, err := base.Adapt([]string{task}, vocab.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := New(cfg, TokSpace, []string{task}, vocab.Options{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			if a.VocabSize() != want.VocabSize() {
				t.Fatalf("vocabulary of %d ids, New builds %d", a.VocabSize(), want.VocabSize())
			}
			for id := range int32(a.VocabSize()) {
				if a.Token(id) != want.Token(id) {
					t.Fatalf("id %d is %q, New has %q", id, a.Token(id), want.Token(id))
				}
			}
			wantCfg := base.Cfg
			wantCfg.Vocab = a.VocabSize()
			if a.Cfg != wantCfg {
				t.Errorf("config %+v, want %+v", a.Cfg, wantCfg)
			}
			if st != (AdaptStats{Specials: 4, Shared: 6, New: 5, Dropped: 5}) {
				t.Errorf("stats %+v, want 4 specials, 6 shared, 5 new, 5 dropped", st)
			}
			vocabSized := []struct{ a, b *nn.Param }{{a.emb.W, base.emb.W}, {a.outB, base.outB}}
			if cfg.Tied != (a.outW == nil) {
				t.Fatalf("tied %v but output weights %v", cfg.Tied, a.outW)
			}
			if a.outW != nil {
				vocabSized = append(vocabSized, struct{ a, b *nn.Param }{a.outW, base.outW})
			}
			baseIDs := map[string]int32{}
			for id := range int32(base.VocabSize()) {
				baseIDs[base.Token(id)] = id
			}
			newRows := 0
			for _, p := range vocabSized {
				mean := meanRows(p.b, base.VocabSize())
				for id := range int32(a.VocabSize()) {
					got := rowOf(p.a, id)
					if bid, ok := baseIDs[a.Token(id)]; ok {
						if !slices.Equal(got, rowOf(p.b, bid)) {
							t.Errorf("%s row %q differs from the base's", p.a.Name, a.Token(id))
						}
						continue
					}
					newRows++
					for j, v := range got {
						if math.Abs(float64(v)-mean[j]) > 1e-6 {
							t.Fatalf("%s row %q [%d] = %v, want the mean %v", p.a.Name, a.Token(id), j, v, mean[j])
						}
					}
				}
			}
			if newRows != st.New*len(vocabSized) {
				t.Errorf("%d new rows checked, want %d", newRows, st.New*len(vocabSized))
			}
			for i, p := range base.params {
				if p == base.emb.W || p == base.outB || p == base.outW {
					continue
				}
				if !slices.Equal(p.Data(), a.params[i].Data()) {
					t.Errorf("parameter %s not copied", p.Name)
				}
			}
			// The adapted LM is independent of the base.
			a.emb.W.Data()[0]++
			a.params[2].Data()[0]++
			if base.emb.W.Data()[0] == a.emb.W.Data()[0] || base.params[2].Data()[0] == a.params[2].Data()[0] {
				t.Error("adapted LM shares weights with the base")
			}
		})
	}
}

// dropIDs returns the ids of m's regular tokens that other's vocabulary
// lacks.
func dropIDs(m, other *LM) []int32 {
	var d []int32
	for id := int32(vocab.NumSpecial); id < int32(m.VocabSize()); id++ {
		if !other.codec.voc.Has(m.Token(id)) {
			d = append(d, id)
		}
	}
	return d
}

// On a text made only of shared tokens the adapted LM computes the same
// hidden states (bitwise) and the same logits for every shared id, so that
// with the softmax restricted to the shared vocabulary (TokenLogProbs with
// the other ids dropped) its log-probabilities equal the base's. A row
// copied from the wrong token would change both.
func TestAdaptKeepsSharedPredictions(t *testing.T) {
	task := writeLines(t, adaptTask)
	for name, cfg := range adaptConfigs() {
		t.Run(name, func(t *testing.T) {
			base := trainedBase(t, cfg)
			a, _, err := base.Adapt([]string{task}, vocab.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sb, sa := base.EncodeLines(adaptShared), a.EncodeLines(adaptShared)
			if len(sb.IDs) != len(sa.IDs) {
				t.Fatalf("%d ids vs %d", len(sb.IDs), len(sa.IDs))
			}
			for i := range sb.IDs {
				if base.Token(sb.IDs[i]) != a.Token(sa.IDs[i]) || sa.IDs[i] == vocab.UnkID {
					t.Fatalf("token %d: %q vs %q", i, base.Token(sb.IDs[i]), a.Token(sa.IDs[i]))
				}
			}
			T := min(len(sb.IDs), 8) // within a tiny Transformer's context
			ob := base.Encoder().Forward(inferTape(), sb.IDs[:T], 1, T, nil)
			oa := a.Encoder().Forward(inferTape(), sa.IDs[:T], 1, T, nil)
			for l := range ob {
				if !slices.Equal(ob[l].Data(), oa[l].Data()) {
					t.Errorf("layer %d states differ", l)
				}
			}
			lb, err := base.TokenLogProbs(sb.IDs, nil, dropIDs(base, a))
			if err != nil {
				t.Fatal(err)
			}
			la, err := a.TokenLogProbs(sa.IDs, nil, dropIDs(a, base))
			if err != nil {
				t.Fatal(err)
			}
			for i := range lb {
				if math.Abs(lb[i]-la[i]) > 1e-5 {
					t.Errorf("token %d: log p %v (base) vs %v (adapted)", i+1, lb[i], la[i])
				}
			}
			// The full softmax differs: the new tokens take probability mass.
			full, _ := a.TokenLogProbs(sa.IDs, nil, nil)
			if math.Abs(full[1]-la[1]) < 1e-6 {
				t.Errorf("new tokens took no probability mass: %v vs %v", full[1], la[1])
			}
		})
	}
}

func inferTape() *nn.Tape {
	tp := nn.NewTape(nil)
	tp.Training = false
	tp.NoGrad = true
	return tp
}

// Without files, and for a subword tokenizer, Adapt returns an exact,
// independent copy with the vocabulary unchanged.
func TestAdaptFixedVocabulary(t *testing.T) {
	dir := t.TempDir()
	sw, err := subword.TrainLines(func(yield func(string) bool) {
		for _, l := range adaptBase {
			if !yield(l) {
				return
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
	task := writeLines(t, adaptTask)
	for _, tc := range []struct {
		name, arch, spec string
		files            []string
	}{
		{"subword-lstm", ArchLSTM, "subword:" + swPath, []string{task}},
		{"subword-transformer", ArchTransformer, "subword:" + swPath, []string{task}},
		{"no-files-rnn", ArchRNN, TokSpace, nil},
		{"no-files-lstm", ArchLSTM, TokSpace, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := mustLM(t, tinyConfig(tc.arch), tc.spec, adaptBase)
			a, st, err := base.Adapt(tc.files, vocab.Options{MaxSize: 5})
			if err != nil {
				t.Fatal(err)
			}
			V := base.VocabSize()
			if !st.Fixed || st.Shared != V-4 || st.New != 0 || st.Dropped != 0 || a.Cfg != base.Cfg {
				t.Errorf("stats %+v, config %+v; want the base's %d ids kept", st, a.Cfg, V)
			}
			for id := range int32(V) {
				if a.Token(id) != base.Token(id) {
					t.Fatalf("id %d: %q vs %q", id, a.Token(id), base.Token(id))
				}
			}
			for i, p := range base.params {
				if !slices.Equal(p.Data(), a.params[i].Data()) {
					t.Errorf("parameter %s not copied", p.Name)
				}
			}
			ids := base.EncodeLines(adaptTask[:2]).IDs
			lb, _ := base.TokenLogProbs(ids, nil, nil)
			la, _ := a.TokenLogProbs(ids, nil, nil)
			for i := range lb {
				if lb[i] != la[i] {
					t.Fatalf("token %d: log p %v vs %v", i+1, lb[i], la[i])
				}
			}
			a.emb.W.Data()[0]++
			if base.emb.W.Data()[0] == a.emb.W.Data()[0] {
				t.Error("copy shares the embedding with the base")
			}
		})
	}
}

// The adapted LM survives its file and trains on the task's text.
func TestAdaptSaveAndTrain(t *testing.T) {
	task := writeLines(t, adaptTask)
	base := trainedBase(t, noDropout(tinyConfig(ArchLSTM)))
	a, _, err := base.Adapt([]string{task}, vocab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "a.lm")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s := a.EncodeLines(adaptTask)
	before, err := a.Evaluate(s, 1, 35, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := b.Evaluate(b.EncodeLines(adaptTask), 1, 35, nil)
	if err != nil || loaded.NLL != before.NLL {
		t.Errorf("loaded model scores %v, in memory %v (%v)", loaded.NLL, before.NLL, err)
	}
	o := tinyOptions(ArchLSTM)
	o.MaxSteps = 200
	o.Epochs = 20
	train(t, a, s, nil, o)
	after, err := a.Evaluate(s, 1, 35, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Perplexity() > before.Perplexity()/2 {
		t.Errorf("fine-tuning did not help: perplexity %.2f before, %.2f after", before.Perplexity(), after.Perplexity())
	}
}

func TestAdaptErrors(t *testing.T) {
	base := mustLM(t, tinyConfig(ArchLSTM), TokSpace, adaptBase)
	missing := filepath.Join(t.TempDir(), "missing.txt")
	if _, _, err := base.Adapt([]string{missing}, vocab.Options{}); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
	blank := writeLines(t, []string{"", "  "})
	if _, _, err := base.Adapt([]string{blank}, vocab.Options{}); err == nil || !strings.Contains(err.Error(), "no tokens") {
		t.Errorf("blank file: %v", err)
	}
	task := writeLines(t, adaptTask)
	if _, _, err := base.Adapt([]string{task}, vocab.Options{MaxSize: 3}); err == nil {
		t.Error("max size 3 accepted")
	}
}

func TestSetDropouts(t *testing.T) {
	m := mustLM(t, tinyConfig(ArchTransformer), TokSpace, adaptBase)
	d := Config{DropEmb: 0.1, DropIn: 0.2, DropHidden: 0.3, DropOut: 0.4, DropWeight: 0.5, Emb: 999}
	if err := m.SetDropouts(d); err != nil {
		t.Fatal(err)
	}
	c := m.Cfg
	if c.DropEmb != 0.1 || c.DropIn != 0.2 || c.DropHidden != 0.3 || c.DropOut != 0.4 || c.DropWeight != 0.5 || c.Emb != 16 {
		t.Errorf("config after SetDropouts: %+v", c)
	}
	for _, b := range m.blocks {
		if b.Dropout != 0.4 {
			t.Errorf("block dropout %v, want 0.4", b.Dropout)
		}
	}
	d.DropIn = 1
	if err := m.SetDropouts(d); err == nil || m.Cfg.DropIn != 0.2 {
		t.Errorf("dropout 1 accepted (%v), config %+v", err, m.Cfg)
	}
}
