package linear

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/modelfile"
)

func TestHashTokenIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "a", "good", "</s>", "電影", "crème brûlée"} {
		h := fnv.New32a()
		h.Write([]byte(s))
		if got, want := HashToken(s), h.Sum32(); got != want {
			t.Errorf("HashToken(%q) = %#x, want FNV-1a %#x", s, got, want)
		}
	}
	if got := HashToken("a"); got != 0xe40c292c { // published FNV-1a test vector
		t.Errorf("HashToken(a) = %#x, want 0xe40c292c", got)
	}
}

// ngramOracle computes the documented n-gram bucket with big integers.
func ngramOracle(toks []string, bucket int64) int64 {
	mod := new(big.Int).Lsh(big.NewInt(1), 64)
	h := big.NewInt(int64(HashToken(toks[0])))
	for _, t := range toks[1:] {
		h.Mul(h, big.NewInt(116049371))
		h.Add(h, big.NewInt(int64(HashToken(t))))
		h.Mod(h, mod)
	}
	return new(big.Int).Mod(h, big.NewInt(bucket)).Int64()
}

func TestNgramBuckets(t *testing.T) {
	toks := []string{"not", "very", "good", "电影"}
	var hashes []uint32
	for _, s := range toks {
		hashes = append(hashes, HashToken(s))
	}
	const bucket = 1999993
	tests := []struct {
		n    int
		want [][]string
	}{
		{1, nil},
		{2, [][]string{{"not", "very"}, {"very", "good"}, {"good", "电影"}}},
		{3, [][]string{{"not", "very"}, {"not", "very", "good"}, {"very", "good"}, {"very", "good", "电影"}, {"good", "电影"}}},
	}
	for _, tc := range tests {
		got := appendNgramBuckets(nil, hashes, tc.n, bucket)
		var want []uint32
		for _, g := range tc.want {
			want = append(want, uint32(ngramOracle(g, bucket)))
		}
		if !slices.Equal(got, want) {
			t.Errorf("n=%d: buckets %v, want %v", tc.n, got, want)
		}
	}
}

func TestInitRow(t *testing.T) {
	const dim = 64
	a, b := make([]float32, dim), make([]float32, dim)
	initRow(a, 7, 12345)
	initRow(b, 7, 12345)
	if !slices.Equal(a, b) {
		t.Fatal("initRow is not a function of (seed, id)")
	}
	addInitRow(b, 7, 12345)
	for j := range a {
		if b[j] != a[j]+a[j] {
			t.Fatalf("addInitRow did not add initRow's values at %d", j)
		}
		if a[j] < -1.0/dim || a[j] >= 1.0/dim {
			t.Fatalf("init value %g outside [-1/dim, 1/dim)", a[j])
		}
	}
	initRow(b, 7, 12346)
	if slices.Equal(a, b) {
		t.Error("rows 12345 and 12346 have the same initial values")
	}
	var mean float64
	for j := range a {
		mean += float64(a[j])
	}
	if math.Abs(mean/dim) > 0.3/dim {
		t.Errorf("mean init value %g, want near 0", mean/dim)
	}
}

// TestStep checks one SGD step against values computed by hand.
// Rows r0 = (1,0), r1 = (0,1): h = (0.5, 0.5). W0 = (2,0), W1 = (0,0):
// scores (1, 0), p = (e/(e+1), 1/(e+1)) = (0.7310586, 0.2689414). Target 0,
// lr 0.1: alpha = (0.02689414, -0.02689414); input gradient
// g = alpha0·W0 + alpha1·W1 = (0.05378828, 0); W0 += alpha0·h = (2.01344707,
// 0.01344707); W1 += alpha1·h = (-0.01344707, -0.01344707); each row += g/2.
func TestStep(t *testing.T) {
	m := &Model{dim: 2, labels: []string{"a", "b"},
		in:  []float32{1, 0, 0, 1},
		out: []float32{2, 0, 0, 0}}
	w := newWorker(m)
	loss := w.step([]int32{0, 1}, 0, 0.1)
	near := func(what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("%s = %v, want %v", what, got, want)
				return
			}
		}
	}
	near("loss", []float32{loss}, []float32{0.3132480}) // -log(0.7310586 + 1e-5)
	near("input rows", m.in, []float32{1.02689414, 0, 0.02689414, 1})
	near("output rows", m.out, []float32{2.01344707, 0.01344707, -0.01344707, -0.01344707})

	// A row listed twice counts twice in the mean and gets the gradient twice.
	m = &Model{dim: 1, labels: []string{"a", "b"}, in: []float32{1, 4}, out: []float32{0, 0}}
	w = newWorker(m)
	w.step([]int32{0, 0, 1}, 1, 1) // h = 2, p = (0.5, 0.5), alpha = (-0.5, 0.5), g = 0 (W = 0)
	near("output after repeated row", m.out, []float32{-1, 1})
	near("input after repeated row", m.in, []float32{1, 4})
}

func recs(pairs ...string) []corpus.Record {
	var rs []corpus.Record
	for i := 0; i+1 < len(pairs); i += 2 {
		rs = append(rs, corpus.Record{Label: pairs[i], Text: pairs[i+1], Line: i/2 + 1})
	}
	return rs
}

// separable makes n texts per label of 6 words drawn from the label's own
// 5 words and 20 shared noise words.
func separable(rng *rand.Rand, labels []string, n int) []corpus.Record {
	var rs []corpus.Record
	for i := range n * len(labels) {
		l := labels[i%len(labels)]
		var ws []string
		for j := range 6 {
			if j%2 == 0 {
				ws = append(ws, fmt.Sprintf("%s%d", l, rng.IntN(5)))
			} else {
				ws = append(ws, fmt.Sprintf("noise%d", rng.IntN(20)))
			}
		}
		rs = append(rs, corpus.Record{Label: l, Text: strings.Join(ws, " "), Line: i + 1})
	}
	return rs
}

func smallConfig() Config {
	c := DefaultConfig()
	c.Dim, c.Epoch, c.Threads, c.Bucket = 16, 10, 1, 1000
	c.Tokenizer = TokenizerSpec{Lang: "space"}
	return c
}

func TestSeparable(t *testing.T) {
	labels := []string{"joy", "anger", "fear"}
	train := separable(rand.New(rand.NewPCG(1, 1)), labels, 100)
	test := separable(rand.New(rand.NewPCG(2, 2)), labels, 50)
	for _, threads := range []int{1, 2} {
		if threads > 1 && raceEnabled {
			continue // Hogwild updates race by design
		}
		cfg := smallConfig()
		cfg.Threads = threads
		m, st, err := Train("synthetic", train, cfg, rand.New(rand.NewPCG(3, 3)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if a := accuracy(m, test); a != 1 {
			t.Errorf("threads=%d: test accuracy %.3f, want 1", threads, a)
		}
		if st.Examples != 300 || st.Tokens != 300*(6+1+1) || st.Words != 5*3+20+1 {
			t.Errorf("threads=%d: stats %+v", threads, st)
		}
		if want := int64(cfg.Epoch * 300); st.Steps < want || st.Steps > want+1+int64(threads-1)*lrUpdateRate/8 {
			t.Errorf("threads=%d: %d steps, want about %d", threads, st.Steps, want)
		}
		p := m.Predict("anger1 noise3", 1)[0]
		if p.Label != "anger" || p.Prob < 0.9 {
			t.Errorf("threads=%d: Predict = %+v, want anger with high probability", threads, p)
		}
	}
}

// TestBigramsNeeded: the two classes differ only in word order, so a bag of
// words is at chance and word bigrams separate them.
func TestBigramsNeeded(t *testing.T) {
	var train []corpus.Record
	for i := range 200 {
		a, b := fmt.Sprintf("w%d", i%10), fmt.Sprintf("v%d", (i/10)%10)
		train = append(train, recs("ab", a+" "+b, "ba", b+" "+a)...)
	}
	for _, tc := range []struct {
		ngrams  int
		wantAcc float64
	}{{1, 0.5}, {2, 1}} {
		cfg := smallConfig()
		cfg.WordNgrams = tc.ngrams
		m, _, err := Train("order", train, cfg, rand.New(rand.NewPCG(1, 1)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if a := accuracy(m, train); math.Abs(a-tc.wantAcc) > 0.05 {
			t.Errorf("wordNgrams=%d: accuracy %.3f, want %.2f", tc.ngrams, a, tc.wantAcc)
		}
	}
}

func TestMultiLabelAndMinCount(t *testing.T) {
	train := []corpus.Record{
		{Labels: []string{"x", "y"}, Label: "x", Text: "both both", Line: 1},
		{Label: "x", Text: "only x rare", Line: 2},
		{Label: "y", Text: "only y", Line: 3},
	}
	cfg := smallConfig()
	cfg.MinCount = 2
	cfg.Epoch = 50
	m, st, err := Train("ml", train, cfg, rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Words seen twice or more: both, only, </s> (x, y, rare: once).
	if st.Words != 3 || !slices.Equal(m.words, []string{"</s>", "both", "only"}) {
		t.Errorf("vocabulary %v, want [</s> both only] (by count, then bytes)", m.words)
	}
	ps := m.Predict("both both", 2)
	if math.Abs(ps[0].Prob-0.5) > 0.15 || math.Abs(ps[0].Prob+ps[1].Prob-1) > 1e-6 {
		t.Errorf("a text labelled x and y half the time: %+v, want about 0.5 each", ps)
	}
}

func TestDeterministic(t *testing.T) {
	train := separable(rand.New(rand.NewPCG(1, 1)), []string{"a", "b"}, 50)
	cfg := smallConfig()
	cfg.WordNgrams = 2
	run := func(seed uint64) []byte {
		m, _, err := Train("d", train, cfg, rand.New(rand.NewPCG(seed, 0)), nil)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := run(1), run(1), run(2)
	if !bytes.Equal(a, b) {
		t.Error("two single-thread runs with one seed differ")
	}
	if bytes.Equal(a, c) {
		t.Error("runs with different seeds are identical")
	}
}

func TestSaveLoad(t *testing.T) {
	train := separable(rand.New(rand.NewPCG(1, 1)), []string{"a", "b", "c"}, 30)
	cfg := smallConfig()
	cfg.WordNgrams = 3
	cfg.Tokenizer = TokenizerSpec{Lang: "en", Lower: true}
	m, _, err := Train("s", train, cfg, rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.lin")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Config() != m.Config() || !slices.Equal(m2.Labels(), m.Labels()) {
		t.Fatalf("config/labels changed: %+v %v", m2.Config(), m2.Labels())
	}
	// Unseen words and n-grams (initial values recomputed) and case folding included.
	for _, text := range []string{"a1 noise2 a3", "B2 B2 c4", "never seen before", "", "c1 zzz noise7 c2"} {
		p1, p2 := m.Probs(nil, text), m2.Probs(nil, text)
		if !slices.Equal(p1, p2) {
			t.Errorf("%q: probabilities %v before save, %v after load", text, p1, p2)
		}
		if a, b := m.Predict(text, 2), m2.Predict(text, 2); !slices.Equal(a, b) {
			t.Errorf("%q: Predict %v before save, %v after load", text, a, b)
		}
	}
	if p := m2.Predict("B2 b3 B4", 1)[0]; p.Label != "b" {
		t.Errorf("lowercasing lost: %+v", p)
	}
}

// TestUnseenBucketMatchesDense checks the sparse storage claim: a bucket
// first seen at prediction time contributes its initial value, as a dense
// matrix holding every bucket would.
func TestUnseenBucketMatchesDense(t *testing.T) {
	train := recs("a", "x y", "b", "y x")
	cfg := smallConfig()
	cfg.WordNgrams = 2
	m, _, err := Train("u", train, cfg, rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	// "x x": rows x, x, </s> are stored; bigrams "x x" and "x </s>" ("x </s>" was seen).
	d := m.dim
	h := make([]float32, d)
	xRow, eosRow := m.in[int(m.wordID["x"])*d:][:d], m.in[int(m.wordID[EOS])*d:][:d]
	add(xRow, h)
	add(xRow, h)
	add(eosRow, h)
	hx := HashToken("x")
	for _, b := range appendNgramBuckets(nil, []uint32{hx, hx, HashToken(EOS)}, 2, uint64(cfg.Bucket)) {
		dense := make([]float32, d)
		if r, ok := m.bucketID[b]; ok {
			copy(dense, m.in[int(r)*d:][:d])
		} else {
			initRow(dense, m.initSeed, uint64(len(m.words))+uint64(b))
		}
		add(dense, h)
	}
	for i := range h {
		h[i] /= 5
	}
	logits := []float32{dot(m.out[:d], h), dot(m.out[d:2*d], h)}
	softmax(logits)
	got := m.Probs(nil, "x x")
	for i := range got {
		if math.Abs(got[i]-float64(logits[i])) > 1e-6 {
			t.Fatalf("Probs = %v, dense computation %v", got, logits)
		}
	}
}

func TestBadInput(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	cfg := smallConfig()
	tests := []struct {
		name string
		recs []corpus.Record
		cfg  func(*Config)
		want string
	}{
		{"empty", nil, nil, "no training examples"},
		{"one label", recs("a", "x", "a", "y"), nil, "need at least 2 labels"},
		{"no label", []corpus.Record{{Label: "a", Text: "x", Line: 1}, {Text: "y", Line: 7}}, nil, "in.tsv:7: record has no label"},
		{"bad dim", recs("a", "x", "b", "y"), func(c *Config) { c.Dim = 0 }, "dim 0"},
		{"bad lr", recs("a", "x", "b", "y"), func(c *Config) { c.LR = math.NaN() }, "learning rate"},
		{"bad lang", recs("a", "x", "b", "y"), func(c *Config) { c.Tokenizer.Lang = "fr" }, `unknown tokenizer language "fr"`},
		{"no buckets", recs("a", "x", "b", "y"), func(c *Config) { c.WordNgrams, c.Bucket = 2, 0 }, "need bucket > 0"},
	}
	for _, tc := range tests {
		c := cfg
		if tc.cfg != nil {
			tc.cfg(&c)
		}
		_, _, err := Train("in.tsv", tc.recs, c, rng(), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestBadFile(t *testing.T) {
	m, _, err := Train("t", recs("a", "x y", "b", "y z"), smallConfig(), rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var good bytes.Buffer
	if _, err := m.WriteTo(&good); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := bytes.Clone(good.Bytes())
	flipped[len(flipped)-3] ^= 0x40
	var other bytes.Buffer
	modelfile.Encode(&other, modelfile.Header{Kind: "ngram-binary", Version: 1}, []byte("x"))
	var newer bytes.Buffer
	_, payload, _ := modelfile.Decode("m", good.Bytes())
	modelfile.Encode(&newer, modelfile.Header{Kind: Kind, Version: Version + 1}, payload)
	var short bytes.Buffer
	modelfile.Encode(&short, modelfile.Header{Kind: Kind, Version: Version}, payload[:len(payload)-4])

	tests := []struct {
		name    string
		data    []byte
		want    string
		corrupt bool
	}{
		{"flipped.lin", flipped, "flipped.lin", true},
		{"truncated.lin", good.Bytes()[:good.Len()/2], "truncated.lin", true},
		{"other.lin", other.Bytes(), `is a "ngram-binary" model file, want "linear-classifier"`, false},
		{"newer.lin", newer.Bytes(), "version 2 not supported", false},
		{"short.lin", short.Bytes(), "weights", true},
		{"empty.lin", nil, "empty.lin", true},
	}
	for _, tc := range tests {
		_, err := Load(write(tc.name, tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if err != nil && errors.Is(err, modelfile.ErrCorrupt) != tc.corrupt {
			t.Errorf("%s: errors.Is(err, ErrCorrupt) = %v, want %v (%v)", tc.name, !tc.corrupt, tc.corrupt, err)
		}
	}
}

func TestTokenizers(t *testing.T) {
	tests := []struct {
		spec TokenizerSpec
		text string
		want []string
	}{
		{TokenizerSpec{Lang: "space"}, "  It 's\tGOOD\u3000ok ", []string{"It", "'s", "GOOD", "ok"}},
		{TokenizerSpec{Lang: "space", Lower: true}, "It 's GOOD", []string{"it", "'s", "good"}},
		{TokenizerSpec{Lang: "en"}, "I don't like it.", []string{"I", "do", "n't", "like", "it", "."}},
		{TokenizerSpec{Lang: "chars", Lower: true}, "Ab 好", []string{"a", "b", "好"}},
		{TokenizerSpec{Lang: "zh"}, "我喜欢", nil}, // segmentation checked only for concatenation
	}
	for _, tc := range tests {
		tok, err := tc.spec.New()
		if err != nil {
			t.Fatal(err)
		}
		got := tok.Tokenize(tc.text)
		if tc.want == nil {
			if strings.Join(got, "") != tc.text {
				t.Errorf("%+v: %q does not concatenate to %q", tc.spec, got, tc.text)
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: Tokenize(%q) = %q, want %q", tc.spec, tc.text, got, tc.want)
		}
	}
}
