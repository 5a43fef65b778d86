package ensemble

import (
	"bytes"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/ngram/builder"
	"github.com/mulan-nlp/mulan/vocab"
)

var words = strings.Fields("the cat dog sat ran on a mat log fast slow and")

// corpus draws n lines from a small first-order Markov source (seeded), so
// that n-gram models of different orders and data differ.
func corpus(seed int64, n int) []string {
	rng := rand.New(rand.NewSource(seed))
	lines := make([]string, n)
	for i := range lines {
		var b []string
		prev := rng.Intn(len(words))
		random := rng.Float64() < 0.3 // some lines are random words
		for range 3 + rng.Intn(6) {
			b = append(b, words[prev])
			if random {
				prev = rng.Intn(len(words))
			} else {
				prev = (prev + 1 + rng.Intn(3)) % len(words)
			}
		}
		lines[i] = strings.Join(b, " ")
	}
	return lines
}

// knModel estimates a Kneser-Ney model of the given order on lines; extra
// lines ("cow") widen its vocabulary.
func knModel(t testing.TB, order int, lines []string) *Ngram {
	t.Helper()
	c, err := builder.CountText(strings.NewReader(strings.Join(lines, "\n")+"\n"), "train", builder.CountOptions{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	o := builder.DefaultKNOptions()
	o.DiscountFallback = true
	m, _, err := builder.EstimateKN(c, o)
	if err != nil {
		t.Fatal(err)
	}
	return &Ngram{Model: m, File: "kn" + string(rune('0'+order))}
}

// neural builds an untrained (randomly initialised) LSTM over lines' words:
// its distributions are proper, which is all the mixture needs.
func neural(t testing.TB, lines []string, carry bool) *Neural {
	t.Helper()
	cfg, err := lm.DefaultConfig(lm.ArchLSTM)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Emb, cfg.Hidden, cfg.Layers = 8, 8, 1
	m, err := lm.NewFromLines(cfg, lm.TokSpace, lines, vocab.Options{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNeural(m, "lstm", carry)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func text(t testing.TB, lines []string) *Text {
	t.Helper()
	tx, err := ReadText("dev", strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

// The EM weights must minimise the dev perplexity: compare with a brute
// force grid search over the weights.
func TestTuneMatchesGridSearch(t *testing.T) {
	trainA, trainB := corpus(1, 40), corpus(2, 400)
	dev := text(t, corpus(3, 200))
	cases := []struct {
		name    string
		members []LM
	}{
		{"kn3+kn1", []LM{knModel(t, 3, trainA), knModel(t, 1, trainB)}},
		{"kn2+lstm", []LM{knModel(t, 2, corpus(4, 12)), neural(t, corpus(4, 12), false)}},
		{"kn3+kn2+kn1", []LM{knModel(t, 3, trainA), knModel(t, 2, trainB), knModel(t, 1, trainB)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mix, err := NewMixture(c.members, nil)
			if err != nil {
				t.Fatal(err)
			}
			probs, err := Probs(c.members, dev, nil)
			if err != nil {
				t.Fatal(err)
			}
			iters := 0
			res, err := mix.Tune(probs, ngram.MixOptions{Tol: 1e-9}, func(Iteration) { iters++ })
			if err != nil {
				t.Fatal(err)
			}
			if iters != res.Iterations || iters < 2 {
				t.Errorf("%d iterations reported, result says %d", iters, res.Iterations)
			}
			best, bestW := math.Inf(1), []float64(nil)
			k := len(c.members)
			const step = 0.001
			steps := int(math.Round(1 / step))
			w := make([]float64, k)
			var grid func(i, left int)
			grid = func(i, left int) {
				if i == k-1 {
					w[i] = float64(left) * step
					if p := ngram.MixPerplexity(probs, w); p < best {
						best, bestW = p, append([]float64(nil), w...)
					}
					return
				}
				for s := 0; s <= left; s += max(1, (k-2)*10) {
					w[i] = float64(s) * step
					grid(i+1, left-s)
				}
			}
			grid(0, steps)
			for i := range k {
				if d := math.Abs(mix.Weights[i] - bestW[i]); d > 0.01 {
					t.Errorf("weight %d: EM %.4f, grid %.4f", i, mix.Weights[i], bestW[i])
				}
			}
			if ppl := ngram.MixPerplexity(probs, mix.Weights); ppl > best*(1+1e-12) {
				t.Errorf("EM perplexity %.6f above the grid's best %.6f", ppl, best)
			}
			memb, ppl := Perplexities(probs, mix.Weights)
			for i, p := range memb {
				if ppl > p*(1+1e-12) {
					t.Errorf("mixture %.4f worse than member %d %.4f", ppl, i, p)
				}
			}
			t.Logf("EM %.4f grid %.4f ppl %.5f", mix.Weights, bestW, best)
			if bestW[0] < 0.02 || bestW[0] > 0.98 {
				t.Errorf("optimum %v at the border: the case tests little", bestW)
			}
		})
	}
}

// Each member and the mixture must give a distribution over the shared
// vocabulary (</s> included) for a context.
func TestSumsToOne(t *testing.T) {
	train := corpus(1, 60)
	members := []LM{knModel(t, 3, train), neural(t, train, false), knModel(t, 1, corpus(2, 60))}
	mix, err := NewMixture(members, []float64{0.5, 0.3, 0.2})
	if err != nil {
		t.Fatal(err)
	}
	for _, ctx := range [][]string{{}, {"the", "cat"}, {"mat", "zebra", "on"}} {
		for _, m := range append(members, mix) {
			var sum float64
			for _, w := range m.Words() {
				line := append(append([]string(nil), ctx...), w)
				p, err := m.NewScorer().Line(nil, line)
				if err != nil {
					t.Fatal(err)
				}
				if w == ngram.EOSWord {
					p, _ = m.NewScorer().Line(nil, ctx)
				}
				sum += p[len(ctx)]
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("%s after %q: probabilities sum to %.8f", m.Name(), ctx, sum)
			}
		}
	}
}

// The n-gram member scores as ngram.DevProbs (KenLM's convention), and the
// neural member with Carry as lm's own streaming evaluation.
func TestMembersAgreeWithTheirPackages(t *testing.T) {
	train := corpus(1, 60)
	dev := corpus(3, 30)
	dev[4] += " zebra" // an unknown word: <unk> for both
	tx := text(t, dev)

	kn := knModel(t, 3, train)
	got, err := Probs([]LM{kn}, tx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := ngram.DevProbs([]*ngram.Model{kn.Model}, strings.NewReader(strings.Join(dev, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want)+1 { // DevProbs skips zebra, unknown to every model
		t.Fatalf("%d probabilities, DevProbs %d", len(got), len(want))
	}
	// zebra is token 5 of line 5 (after four lines and their </s>).
	z := len(strings.Fields(dev[4])) - 1
	for _, l := range dev[:4] {
		z += len(strings.Fields(l)) + 1
	}
	for i, j := 0, 0; i < len(got); i++ {
		if i == z {
			continue
		}
		if got[i] != want[j] {
			t.Fatalf("token %d: %g, DevProbs %g", i, got[i], want[j])
		}
		j++
	}

	nn := neural(t, train, true)
	got, err = Probs([]LM{nn}, tx, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := nn.Model.EncodeLines(dev)
	sc, err := nn.Model.Evaluate(s, 1, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Evaluate's softmax includes <pad> and <s>; the member's renormalises
	// without them, so compare with TokenLogProbs of the whole stream too.
	lps, err := nn.Model.TokenLogProbs(s.IDs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var nll, nllMember float64
	for _, lp := range lps {
		nll -= lp
	}
	for _, p := range got {
		nllMember -= math.Log(p)
	}
	if math.Abs(nll-sc.NLL) > 1e-4*sc.NLL {
		t.Errorf("TokenLogProbs NLL %.6f, Evaluate %.6f", nll, sc.NLL)
	}
	if len(got) != s.Targets() || !(nllMember < nll) || nllMember < nll-0.2*nll {
		t.Errorf("member: %d tokens NLL %.4f; stream %d tokens NLL %.4f", len(got), nllMember, s.Targets(), nll)
	}
	lpsDrop, err := nn.Model.TokenLogProbs(s.IDs, nil, dropIDs)
	if err != nil {
		t.Fatal(err)
	}
	for i, lp := range lpsDrop {
		if math.Abs(math.Exp(lp)-got[i]) > 1e-9 {
			t.Fatalf("token %d: member %g, stream %g", i, got[i], math.Exp(lp))
		}
	}
}

func TestRefusesMismatch(t *testing.T) {
	train := corpus(1, 60)
	wider := append(append([]string(nil), train...), "the cow")
	_, err := NewMixture([]LM{knModel(t, 2, train), neural(t, wider, false)}, nil)
	if err == nil || !strings.Contains(err.Error(), "vocabularies differ") || !strings.Contains(err.Error(), "cow") {
		t.Errorf("mismatched vocabularies: %v", err)
	}
	if _, err := NewMixture([]LM{knModel(t, 2, train), knModel(t, 3, train)}, []float64{1, -1}); err == nil {
		t.Error("negative weight accepted")
	}
	if _, err := NewMixture([]LM{knModel(t, 2, train)}, []float64{1, 2}); err == nil {
		t.Error("two weights for one member accepted")
	}
	cfg, _ := lm.DefaultConfig(lm.ArchLSTM)
	cfg.Emb, cfg.Hidden, cfg.Layers = 8, 8, 1
	ch, err := lm.NewFromLines(cfg, lm.TokChar, train, vocab.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewNeural(ch, "char.lm", false); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("char LM: %v", err)
	}
	cfg.Backward = true
	bw, err := lm.NewFromLines(cfg, lm.TokSpace, train, vocab.Options{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewNeural(bw, "bw.lm", false); err == nil || !strings.Contains(err.Error(), "backward") {
		t.Errorf("backward LM: %v", err)
	}
}

func TestReadText(t *testing.T) {
	tx, err := ReadText("x", strings.NewReader("a b\n\n  \nc\n"))
	if err != nil || len(tx.Lines) != 2 || tx.Tokens != 5 {
		t.Errorf("got %+v, %v; want 2 lines, 5 tokens", tx, err)
	}
	if _, err := ReadText("x", strings.NewReader("a\nb </s> c\n")); err == nil || !strings.Contains(err.Error(), "x:2:") {
		t.Errorf("literal </s>: %v", err)
	}
	if _, err := ReadText("x", strings.NewReader("\n \n")); err == nil {
		t.Error("empty text accepted")
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	train := corpus(1, 60)
	kn := knModel(t, 3, train)
	kn.File = filepath.Join(dir, "models", "kn3.arpa")
	if err := os.Mkdir(filepath.Dir(kn.File), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ngram.WriteARPA(&buf, kn.Model); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kn.File, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	nn := neural(t, train, true)
	nn.File = filepath.Join(dir, "models", "lstm.lm")
	if err := nn.Model.Save(nn.File); err != nil {
		t.Fatal(err)
	}
	mix, err := NewMixture([]LM{kn, nn}, []float64{0.25, 0.75})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "a.mix")
	if err := mix.Save(path, &Tuning{Dev: "dev", Tokens: 3}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"models/kn3.arpa"`) || !IsManifest(path) {
		t.Errorf("manifest does not name members relative to itself:\n%s", raw)
	}
	got, man, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if man.Tuned == nil || man.Tuned.Tokens != 3 || len(got.Members) != 2 || got.Weights[0] != 0.25 || got.Weights[1] != 0.75 {
		t.Fatalf("loaded %+v, weights %v", man, got.Weights)
	}
	if g, ok := got.Members[1].(*Neural); !ok || !g.Carry {
		t.Errorf("member 2 is %T %+v, want a carrying neural LM", got.Members[1], got.Members[1])
	}
	dev := text(t, corpus(3, 20))
	a, err := Probs([]LM{mix}, dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Probs([]LM{got}, dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6*a[i] {
			t.Fatalf("token %d: %g before saving, %g after", i, a[i], b[i])
		}
	}

	bad := []struct{ name, json, want string }{
		{"format", `{"format":"x","version":1,"members":[{"path":"models/kn3.arpa","kind":"ngram","weight":1}]}`, "format"},
		{"version", `{"format":"mulan-mix","version":9,"members":[{"path":"models/kn3.arpa","kind":"ngram","weight":1}]}`, "version"},
		{"kind", `{"format":"mulan-mix","version":1,"members":[{"path":"models/kn3.arpa","kind":"lm","weight":1}]}`, "manifest says lm"},
		{"missing", `{"format":"mulan-mix","version":1,"members":[{"path":"models/none","kind":"ngram","weight":1}]}`, "none"},
		{"field", `{"format":"mulan-mix","version":1,"members":[],"x":1}`, "unknown field"},
		{"empty", `{"format":"mulan-mix","version":1,"members":[]}`, "no members"},
	}
	for _, c := range bad {
		p := filepath.Join(dir, c.name+".mix")
		os.WriteFile(p, []byte(c.json), 0o644)
		if _, _, err := Load(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

func BenchmarkNgramLine(b *testing.B) {
	kn := knModel(b, 3, corpus(1, 400))
	line := strings.Fields(corpus(5, 1)[0])
	sc := kn.NewScorer()
	var buf []float64
	for b.Loop() {
		buf, _ = sc.Line(buf[:0], line)
	}
}

func BenchmarkNeuralLine(b *testing.B) {
	nn := neural(b, corpus(1, 400), true)
	line := strings.Fields(corpus(5, 1)[0])
	sc := nn.NewScorer()
	var buf []float64
	for b.Loop() {
		buf, _ = sc.Line(buf[:0], line)
	}
}
