package tagger

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/mulan-nlp/mulan/internal/shared"
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/nn"
	"github.com/mulan-nlp/mulan/tags"
)

// synthetic makes a toy English NER task in IOB2: person names are a title-case
// first name followed by a surname, locations follow "in" and may span two
// words, organisations are all-caps words; everything else is lowercase
// filler. The rules are learnable from word identity, capitalisation and
// context.
func synthetic(n int, seed int64) []corpus.Sentence {
	rng := rand.New(rand.NewSource(seed))
	first := []string{"John", "Mary", "Anna", "Peter", "Li", "Omar"}
	last := []string{"Smith", "Jones", "Wang", "Khan"}
	places := [][]string{{"Paris"}, {"New", "York"}, {"Berlin"}, {"Hong", "Kong"}}
	orgs := []string{"IBM", "NASA", "UNICEF", "ACME"}
	filler := []string{"the", "said", "went", "to", "a", "meeting", "with", "today", "and"}
	out := make([]corpus.Sentence, n)
	for i := range out {
		var toks, tg []string
		add := func(w, t string) { toks, tg = append(toks, w), append(tg, t) }
		for len(toks) < 4+rng.Intn(6) {
			switch rng.Intn(5) {
			case 0:
				add(first[rng.Intn(len(first))], "B-PER")
				add(last[rng.Intn(len(last))], "I-PER")
			case 1:
				add("in", "O")
				p := places[rng.Intn(len(places))]
				for j, w := range p {
					if j == 0 {
						add(w, "B-LOC")
					} else {
						add(w, "I-LOC")
					}
				}
			case 2:
				add(orgs[rng.Intn(len(orgs))], "B-ORG")
			default:
				add(filler[rng.Intn(len(filler))], "O")
			}
		}
		out[i] = corpus.Sentence{Tokens: toks, Tags: tg, Line: 1 + i*20}
	}
	return out
}

func smallConfig(lang string) Config {
	c := DefaultConfig(lang)
	c.WordDim, c.Hidden = 16, 16
	if lang == "zh" {
		c.BigramDim, c.SegDim = 8, 4
	} else {
		c.CharDim, c.CharHidden, c.CapsDim = 8, 8, 4
	}
	c.Epochs, c.Patience, c.Dropout = 12, 0, 0.1
	c.Optimizer, c.LR = "adam", 0.02
	return c
}

func tokensOf(ss []corpus.Sentence) [][]string {
	out := make([][]string, len(ss))
	for i, s := range ss {
		out[i] = s.Tokens
	}
	return out
}

var trained struct {
	m    *Tagger
	hist *History
	err  error
}

// trainedToy trains (once per test binary) the English toy tagger.
func trainedToy(t *testing.T) (*Tagger, *History) {
	t.Helper()
	if trained.m == nil && trained.err == nil {
		trained.m, trained.hist, trained.err = Train(synthetic(300, 1), synthetic(60, 2), smallConfig("en"), TrainOptions{})
	}
	if trained.err != nil {
		t.Fatal(trained.err)
	}
	return trained.m, trained.hist
}

func TestTrainReachesPerfectF1(t *testing.T) {
	m, hist := trainedToy(t)
	if hist.BestDevF1 != 100 {
		t.Fatalf("best dev F1 %.2f, want 100 (epochs %+v)", hist.BestDevF1, hist.Epochs)
	}
	if hist.FileScheme != "iob2" {
		t.Errorf("detected scheme %s, want iob2", hist.FileScheme)
	}
	test := synthetic(100, 3)
	res, err := m.Evaluate(test, "toy", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.FB1 != 100 {
		t.Errorf("test F1 %.2f, want 100", res.FB1)
	}
	// The loss falls from the first to the last epoch.
	if first, last := hist.Epochs[0].Loss, hist.Epochs[len(hist.Epochs)-1].Loss; !(last < first/4) {
		t.Errorf("loss %g -> %g did not fall", first, last)
	}
}

func TestSaveLoadIdentical(t *testing.T) {
	m, _ := trainedToy(t)
	path := filepath.Join(t.TempDir(), "toy.ner")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	test := tokensOf(synthetic(50, 4))
	// unknown words and a word longer than MaxWordLen, too
	test = append(test, []string{"Zork", "visited", strings.Repeat("x", 50), "in", "Paris"})
	p1, err := m.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m2.Predict(test)
	if err != nil {
		t.Fatal(err)
	}
	for i := range p1 {
		if !slices.Equal(p1[i], p2[i]) {
			t.Fatalf("sentence %d: %v before saving, %v after loading", i, p1[i], p2[i])
		}
	}
	for i, p := range m.params {
		if !slices.Equal(p.Value.Data, m2.params[i].Value.Data) {
			t.Fatalf("parameter %s differs after loading", p.Name)
		}
	}
	if m2.Config() != m.Config() || m2.Scheme() != m.Scheme() || !slices.Equal(m2.Tags(), m.Tags()) {
		t.Error("config, scheme or tags differ after loading")
	}
}

func TestCorruptModel(t *testing.T) {
	m, _ := trainedToy(t)
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flip := append([]byte(nil), good...)
	flip[len(flip)-10] ^= 0x40
	var other bytes.Buffer
	if err := modelfile.Encode(&other, modelfile.Header{Kind: "ngram-binary", Version: 1}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	var trailing bytes.Buffer // valid container whose payload has extra bytes
	_, payload, _ := modelfile.Decode("x", good)
	if err := modelfile.Encode(&trailing, modelfile.Header{Kind: Kind, Version: Version}, append(append([]byte(nil), payload...), 1, 2, 3, 4)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"flipped byte", flip, "checksum"},
		{"truncated", good[:len(good)/2], ""},
		{"wrong kind", other.Bytes(), "ngram-binary"},
		{"trailing bytes", trailing.Bytes(), "trailing"},
		{"empty", nil, ""},
	} {
		_, err := Read(tc.name, tc.data)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name the file and %q", tc.name, err, tc.want)
		}
		if tc.name != "wrong kind" && !errors.Is(err, modelfile.ErrCorrupt) {
			t.Errorf("%s: error %q does not wrap ErrCorrupt", tc.name, err)
		}
	}
}

// Predictions are valid under the file's scheme, and CRF transitions that
// the internal scheme forbids are pinned.
func TestPredictionsValid(t *testing.T) {
	m, _ := trainedToy(t)
	rng := rand.New(rand.NewSource(9))
	vocab := []string{"John", "Smith", "in", "New", "York", "IBM", "the", "xyz", "Hong", "said"}
	var sents [][]string
	for i := 0; i < 300; i++ {
		s := make([]string, 1+rng.Intn(12))
		for j := range s {
			s[j] = vocab[rng.Intn(len(vocab))]
		}
		sents = append(sents, s)
	}
	pred, err := m.Predict(sents)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pred {
		if len(p) != len(sents[i]) {
			t.Fatalf("sentence %d: %d tags for %d tokens", i, len(p), len(sents[i]))
		}
		if err := m.Scheme().Validate(p); err != nil {
			t.Fatalf("sentence %d: %v: %v", i, p, err)
		}
	}
	K := len(m.tagList)
	for i, a := range m.tagList {
		for j, b := range m.tagList {
			forbidden := m.crf.Trans.Value.Data[i*K+j] == forbidScore
			if forbidden == allowed(m.scheme, a, b) {
				t.Errorf("transition %s -> %s: pinned %v, allowed %v", a, b, forbidden, allowed(m.scheme, a, b))
			}
		}
	}
}

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		s    tags.Scheme
		a, b string
		want bool
	}{
		{tags.IOBES, "", "B-PER", true}, {tags.IOBES, "", "I-PER", false}, {tags.IOBES, "", "E-PER", false},
		{tags.IOBES, "B-PER", "I-PER", true}, {tags.IOBES, "B-PER", "E-PER", true}, {tags.IOBES, "B-PER", "E-LOC", false},
		{tags.IOBES, "B-PER", "O", false}, {tags.IOBES, "I-PER", "", false}, {tags.IOBES, "E-PER", "", true},
		{tags.IOBES, "S-PER", "B-LOC", true}, {tags.IOBES, "O", "S-LOC", true}, {tags.IOBES, "E-PER", "I-PER", false},
		{tags.IOB2, "", "I-PER", false}, {tags.IOB2, "O", "I-PER", false}, {tags.IOB2, "B-LOC", "I-PER", false},
		{tags.IOB2, "B-PER", "I-PER", true}, {tags.IOB2, "I-PER", "I-PER", true}, {tags.IOB2, "I-PER", "", true},
		{tags.IOB2, "B-PER", "B-PER", true}, {tags.IOB2, "O", "O", true},
	} {
		if got := allowed(tc.s, tc.a, tc.b); got != tc.want {
			t.Errorf("allowed(%s, %q, %q) = %v, want %v", tc.s, tc.a, tc.b, got, tc.want)
		}
	}
}

// convertSents rewrites the gold tags of sentences in another scheme.
func convertSents(t *testing.T, ss []corpus.Sentence, from, to tags.Scheme) []corpus.Sentence {
	out := make([]corpus.Sentence, len(ss))
	for i, s := range ss {
		tg, err := tags.Convert(s.Tags, from, to)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = corpus.Sentence{Tokens: s.Tokens, Tags: tg, Line: s.Line}
	}
	return out
}

// Training data in IOB1, IOBES or BMES is learnt and predicted in that
// scheme, through either internal scheme.
func TestSchemesInAndOut(t *testing.T) {
	if testing.Short() {
		t.Skip("trains several models")
	}
	train, test := synthetic(200, 5), synthetic(40, 6)
	for _, tc := range []struct {
		file     tags.Scheme
		internal string
	}{
		{tags.IOB1, "iobes"}, {tags.IOBES, "bio"}, {tags.BMES, "iobes"},
	} {
		cfg := smallConfig("en")
		cfg.Scheme, cfg.Epochs = tc.internal, 8
		tr := convertSents(t, train, tags.IOB2, tc.file)
		te := convertSents(t, test, tags.IOB2, tc.file)
		// BMES without M- tags (no chunk longer than 2) looks like IOBES:
		// name the scheme, as --file-scheme does.
		m, hist, err := Train(tr, nil, cfg, TrainOptions{FileScheme: tc.file})
		if err != nil {
			t.Fatal(err)
		}
		if hist.FileScheme != tc.file.String() || m.Scheme() != tc.file {
			t.Errorf("%s: detected %s", tc.file, hist.FileScheme)
		}
		pred, err := m.Predict(tokensOf(te))
		if err != nil {
			t.Fatal(err)
		}
		right := 0
		for i, p := range pred {
			if err := tc.file.Validate(p); err != nil {
				t.Errorf("%s: prediction %v invalid: %v", tc.file, p, err)
			}
			if slices.Equal(p, te[i].Tags) {
				right++
			}
		}
		if right < len(te)*9/10 {
			t.Errorf("%s via %s: %d of %d sentences exactly right", tc.file, tc.internal, right, len(te))
		}
	}
}

func TestToInternalRepairsCutChunks(t *testing.T) {
	// MSRA-style: a chunk cut at the start of a sentence begins with I-.
	seq := []string{"I-ORG", "I-ORG", "O", "B-PER", "I-PER"}
	if s := DetectScheme([][]string{seq}); s != tags.IOB2 {
		t.Errorf("DetectScheme = %s, want iob2", s)
	}
	got, repaired, err := toInternal(seq, tags.IOB2, tags.IOBES)
	if err != nil || !repaired {
		t.Fatalf("repaired %v, err %v", repaired, err)
	}
	want := []string{"B-ORG", "E-ORG", "O", "B-PER", "E-PER"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	iob1 := []string{"I-PER", "B-PER", "O", "I-LOC"}
	if s := DetectScheme([][]string{iob1}); s != tags.IOB1 {
		t.Errorf("DetectScheme(IOB1) = %s", s)
	}
	got, repaired, err = toInternal(iob1, tags.IOB1, tags.IOBES)
	if err != nil || repaired || !slices.Equal(got, []string{"S-PER", "S-PER", "O", "S-LOC"}) {
		t.Errorf("IOB1: %v %v %v", got, repaired, err)
	}
}

// Evaluate's scores equal metrics.Conlleval over the lines it writes, and
// those lines hold the gold tags and Predict's output.
func TestEvaluateMatchesConlleval(t *testing.T) {
	m, _ := trainedToy(t)
	test := synthetic(40, 7)
	// spoil some gold tags so the scores are not trivially 100
	for i := 0; i < len(test); i += 3 {
		test[i].Tags = slices.Clone(test[i].Tags)
		for j, tg := range test[i].Tags {
			if tg == "B-ORG" {
				test[i].Tags[j] = "B-MISC"
			}
		}
	}
	var lines bytes.Buffer
	res, err := m.Evaluate(test, "toy", &lines)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := m.Predict(tokensOf(test))
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i, s := range test {
		for j := range s.Tokens {
			fmt.Fprintf(&want, "%s %s %s\n", s.Tokens[j], s.Tags[j], pred[i][j])
		}
		want.WriteString("\n")
	}
	if lines.String() != want.String() {
		t.Fatal("Evaluate wrote other lines than token gold Predict()")
	}
	ref, err := metrics.Conlleval(strings.NewReader(want.String()), "ref", metrics.ConllOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	res.WriteText(&a)
	ref.WriteText(&b)
	if a.String() != b.String() {
		t.Errorf("report differs:\n%s\nvs\n%s", a.String(), b.String())
	}
	if res.FB1 >= 100 || res.FB1 <= 50 {
		t.Errorf("F1 %.2f: spoilt gold should lower it a little", res.FB1)
	}
}

func TestBadInput(t *testing.T) {
	good := synthetic(5, 1)
	noTags := []corpus.Sentence{{Tokens: []string{"a"}, Line: 7}}
	badTag := slices.Clone(good)
	badTag[1] = corpus.Sentence{Tokens: []string{"a", "b"}, Tags: []string{"O", "X-PER"}, Line: 41}
	cfg := smallConfig("en")
	cfg.Epochs = 1
	for _, tc := range []struct {
		name  string
		train []corpus.Sentence
		opt   TrainOptions
		cfg   func(*Config)
		want  string
	}{
		{"no tags", noTags, TrainOptions{TrainName: "t.conll"}, nil, "t.conll:7: sentence has no tag column"},
		{"bad tag", badTag, TrainOptions{TrainName: "t.conll"}, nil, `t.conll:42: tag "X-PER" is not valid in scheme iob2`},
		{"E under bio", good, TrainOptions{FileScheme: tags.IOB2}, func(c *Config) { c.Scheme = "bmes" }, "internal scheme must be bioes or bio"},
		{"unknown scheme", good, TrainOptions{}, func(c *Config) { c.Scheme = "xyz" }, `internal scheme: tags: unknown scheme "xyz"`},
		{"lang", good, TrainOptions{}, func(c *Config) { c.Lang = "fr" }, `lang "fr"`},
		{"empty", nil, TrainOptions{TrainName: "e.conll"}, nil, "e.conll: no training sentences"},
	} {
		c := cfg
		if tc.cfg != nil {
			tc.cfg(&c)
		}
		_, _, err := Train(tc.train, nil, c, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A Chinese character tagger with bigram and gse features learns a toy task
// in BMES.
func TestChinese(t *testing.T) {
	names := []string{"张三", "李四", "王小明"}
	places := []string{"北京", "上海", "广州"}
	filler := []string{"在", "工作", "毕业", "于", "大学", "的"}
	rng := rand.New(rand.NewSource(3))
	gen := func(n int) []corpus.Sentence {
		var out []corpus.Sentence
		for i := 0; i < n; i++ {
			var toks, tg []string
			word := func(w, typ string) {
				rs := []rune(w)
				for j, r := range rs {
					toks = append(toks, string(r))
					switch {
					case typ == "":
						tg = append(tg, "O")
					case len(rs) == 1:
						tg = append(tg, "S-"+typ)
					case j == 0:
						tg = append(tg, "B-"+typ)
					case j == len(rs)-1:
						tg = append(tg, "E-"+typ)
					default:
						tg = append(tg, "M-"+typ)
					}
				}
			}
			word(names[rng.Intn(3)], "NAME")
			word(filler[rng.Intn(len(filler))], "")
			word(places[rng.Intn(3)], "LOC")
			word(filler[rng.Intn(len(filler))], "")
			out = append(out, corpus.Sentence{Tokens: toks, Tags: tg, Line: i + 1})
		}
		return out
	}
	cfg := smallConfig("zh")
	cfg.Epochs = 10
	m, hist, err := Train(gen(150), gen(30), cfg, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hist.FileScheme != "bmes" || hist.BestDevF1 != 100 {
		t.Fatalf("scheme %s, dev F1 %.2f", hist.FileScheme, hist.BestDevF1)
	}
	pred, err := m.Predict([][]string{strings.Split("王小明在上海工作", "")})
	if err != nil {
		t.Fatal(err)
	}
	ents, err := m.Entities(strings.Split("王小明在上海工作", ""), pred[0], "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Span.String()+"="+e.Text)
	}
	if want := "NAME[0,3)=王小明 LOC[4,6)=上海"; strings.Join(got, " ") != want {
		t.Errorf("entities %s, want %s", got, want)
	}
}

func TestSegFeatures(t *testing.T) {
	// gse splits 北京大学 as one word (or 北京 大学); either way the first
	// character starts a word and the last ends one.
	got := segFeatures(nil, strings.Split("我在北京大学", ""))
	if len(got) != 6 || got[0] != segS || got[2] != segB || got[5] != segE {
		t.Errorf("seg features %v", got)
	}
}

func TestCapsPattern(t *testing.T) {
	for w, want := range map[string]int32{"the": capsLower, "EU": capsUpper, "John": capsTitle, "iPhone": capsMixed, "1996": capsNone, "McDonald": capsMixed, ",": capsNone} {
		if got := capsPattern(w); got != want {
			t.Errorf("capsPattern(%q) = %d, want %d", w, got, want)
		}
	}
	if got := normWord("Year-1996", true); got != "year-0000" {
		t.Errorf("normWord = %q", got)
	}
}

// capsContext is a toy contextual-feature source: per token, 1 if the word
// is capitalised and 1 if the previous one is.
type capsContext struct{}

func (capsContext) Name() string { return "toy-caps" }
func (capsContext) Dim() int     { return 2 }
func (capsContext) Features(tp *nn.Tape, batch [][]string, T int) (*nn.Var, error) {
	data := make([]float32, len(batch)*T*2)
	for b, s := range batch {
		for t, w := range s {
			if capsPattern(w) != capsLower && capsPattern(w) != capsNone {
				data[(b*T+t)*2] = 1
				if t+1 < T {
					data[(b*T+t+1)*2+1] = 1
				}
			}
		}
	}
	return tp.Input(data, len(batch), T, 2), nil
}

func TestContextFeatures(t *testing.T) {
	cfg := smallConfig("en")
	cfg.CapsDim, cfg.CharDim, cfg.Epochs = 0, 0, 10
	m, hist, err := Train(synthetic(200, 1), synthetic(40, 2), cfg, TrainOptions{Context: capsContext{}})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.Config(); c.ContextDim != 2 || c.ContextName != "toy-caps" {
		t.Fatalf("config records context %q/%d", c.ContextName, c.ContextDim)
	}
	if hist.BestDevF1 < 95 {
		t.Errorf("dev F1 %.2f with context features", hist.BestDevF1)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := Read("ctx.ner", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	toks := tokensOf(synthetic(20, 3))
	if _, err := m2.Predict(toks); err == nil || !strings.Contains(err.Error(), "toy-caps") {
		t.Errorf("predict without context: %v", err)
	}
	if err := m2.SetContext(capsContext{}); err != nil {
		t.Fatal(err)
	}
	p1, _ := m.Predict(toks)
	p2, err := m2.Predict(toks)
	if err != nil || fmt.Sprint(p1) != fmt.Sprint(p2) {
		t.Errorf("predictions differ after reload with context: %v", err)
	}
}

// sharedData returns the path of a shared data set, skipping when absent.
func sharedData(t *testing.T, rel string) string {
	t.Helper()
	return shared.Data(t, rel)
}

// On the real data sets, the schemes are detected as SOURCE.md documents
// them, and converting to the internal scheme and back through spans gives the
// file's tags exactly, except for sentences that are invalid in the file
// (MSRA's test set has 11 chunks cut so they start with I-).
func TestRealDataRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		rel      string
		format   corpus.Format
		scheme   tags.Scheme
		sents    int
		repaired int
	}{
		{"conll2003_en/train.txt", corpus.CoNLL, tags.IOB2, 14041, 0},
		{"resume_ner_zh/train.char.bmes", corpus.Chars, tags.BMES, 3821, -1},
		{"msra_ner_zh/test.txt", corpus.Chars, tags.IOB2, 4631, 11},
	} {
		ss, err := corpus.ReadAllSentences(sharedData(t, tc.rel), corpus.Options{Format: tc.format})
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) != tc.sents {
			t.Errorf("%s: %d sentences, want %d", tc.rel, len(ss), tc.sents)
		}
		var seqs [][]string
		for _, s := range ss {
			seqs = append(seqs, s.Tags)
		}
		if got := DetectScheme(seqs); got != tc.scheme {
			t.Errorf("%s: detected %s, want %s", tc.rel, got, tc.scheme)
		}
		repaired := 0
		for _, internal := range []tags.Scheme{tags.IOBES, tags.IOB2} {
			repaired = 0
			for _, s := range ss {
				in, rep, err := toInternal(s.Tags, tc.scheme, internal)
				if err != nil {
					t.Fatalf("%s:%d: %v", tc.rel, s.Line, err)
				}
				if err := internal.Validate(in); err != nil {
					t.Fatalf("%s:%d: internal tags invalid: %v", tc.rel, s.Line, err)
				}
				back, err := tc.scheme.Encode(tags.Decode(in), len(in))
				if err != nil {
					t.Fatal(err)
				}
				if rep {
					repaired++
				} else if !slices.Equal(back, s.Tags) {
					t.Fatalf("%s:%d: round trip %v -> %v -> %v", tc.rel, s.Line, s.Tags, in, back)
				}
			}
		}
		if tc.repaired >= 0 && repaired != tc.repaired {
			t.Errorf("%s: %d sentences read leniently, want %d", tc.rel, repaired, tc.repaired)
		}
		t.Logf("%s: %d sentences, %d read leniently", tc.rel, len(ss), repaired)
	}
}

// Training with the embedding tables' gradient rows tracked (sparse, lazy
// momentum steps) ends where dense steps end, up to float32 rounding.
func TestTrackedRowsTrainLikeDense(t *testing.T) {
	cfg := smallConfig("zh") // bigram and character tables
	cfg.Epochs, cfg.Optimizer, cfg.LR, cfg.Momentum = 3, "sgd", 0.02, 0.9
	sents := synthetic(200, 1)
	for i := range sents { // characters, as a Chinese file has them
		var toks, tg []string
		for j, w := range sents[i].Tokens {
			for k, r := range w {
				toks = append(toks, string(r))
				if k > 0 && sents[i].Tags[j] != "O" {
					tg = append(tg, "I-"+sents[i].Tags[j][2:])
				} else {
					tg = append(tg, sents[i].Tags[j])
				}
			}
		}
		sents[i].Tokens, sents[i].Tags = toks, tg
	}
	train := func(track bool) *Tagger {
		defer func(v bool) { trackRows = v }(trackRows)
		trackRows = track
		m, _, err := Train(sents, nil, cfg, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	sparse, dense := train(true), train(false)
	worst, name := 0.0, ""
	for i, p := range dense.params {
		for j, v := range p.Value.Data {
			if d := math.Abs(float64(v - sparse.params[i].Value.Data[j])); d > worst {
				worst, name = d, p.Name
			}
		}
	}
	if worst > 1e-5 {
		t.Errorf("tracked-row training differs from dense by %g (%s)", worst, name)
	}
	t.Logf("largest difference %g (%s)", worst, name)
}
