// Package demo is mulan's main job on a built-in default: a small bilingual
// corpus that ships inside the binary goes through the whole pipeline that
// exists so far — English tokenization, Chinese word segmentation, script
// detection on mixed text, a shared English+Chinese subword vocabulary with a
// lossless round trip, Kneser-Ney n-gram language models scored on held-out
// sentences, a small bilingual character-level LSTM language model trained on
// mulan's own autodiff engine, and ULMFiT-style transfer: an LSTM language
// model over a shared subword vocabulary is pretrained on unlabelled English
// and Chinese text and fine-tuned into an English and a Chinese sentiment
// classifier, compared with the same classifiers trained from scratch — and
// the results are printed.
//
// The sentiment corpus (data/sentiment_{en,zh}.{train,test}.tsv, written for
// mulan) holds 350 positive and 350 negative short reviews per language of
// products, restaurants, films, hotels and books, negations included ("not
// bad", "不太好"); a seeded, class-balanced fifth of each is the test split.
// It grows as mulan grows.
package demo

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/ngram"
	"github.com/mulan-nlp/mulan/ngram/builder"
	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/tokenize"
	"github.com/mulan-nlp/mulan/vocab"
)

//go:embed data/*.txt data/*.tsv
var data embed.FS

// heldOut is how many sentences of each language the n-gram model does not see.
const heldOut = 5

// Corpus returns the built-in lines of one language ("en" or "zh").
func Corpus(lang string) ([]string, error) {
	b, err := data.ReadFile("data/" + lang + ".txt")
	if err != nil {
		return nil, fmt.Errorf("demo: no built-in corpus for %q", lang)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n"), nil
}

// Options select the size of the run.
type Options struct {
	// Quick trains the sentiment models for fewer epochs with one seed
	// instead of three (for tests; accuracies are lower and noisier).
	Quick bool
}

// Result holds the figures the demo computes, for tests and callers.
type Result struct {
	Pieces         map[string]float64 // subword pieces per token, per language
	RoundTrip      bool               // every line decodes back to itself
	Perplexity     map[string]float64 // held-out perplexity of the trigram model, per language
	UnigramPPL     map[string]float64 // the same with a unigram model, for comparison
	NgramsPerOrder map[string][]int
	// Character LSTM LM on both languages: held-out perplexity before and after training.
	CharPPLBefore, CharPPLAfter float64
	// Sentiment transfer: pretrained LM, fine-tuned and scratch classifiers.
	Sentiment *Sentiment
}

// Run executes the full demo, printing what it does to w.
func Run(w io.Writer) (*Result, error) { return RunWith(w, Options{}) }

// RunWith executes the demo with options, printing what it does to w.
func RunWith(w io.Writer, o Options) (*Result, error) {
	start := time.Now()
	res := &Result{Pieces: map[string]float64{}, Perplexity: map[string]float64{},
		UnigramPPL: map[string]float64{}, NgramsPerOrder: map[string][]int{}}
	en, err := Corpus("en")
	if err != nil {
		return nil, err
	}
	zh, err := Corpus("zh")
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "mulan demo: built-in corpus of %d English and %d Chinese sentences\n\n", len(en), len(zh))

	// 1. Tokenization.
	tokenizers := map[string]tokenize.Tokenizer{"en": tokenize.English{Lower: true}, "zh": tokenize.Chinese{}}
	fmt.Fprintln(w, "== 1. tokenization")
	fmt.Fprintf(w, "en   %s\n  -> %s\n", en[0], strings.Join(tokenizers["en"].Tokenize(en[0]), " "))
	fmt.Fprintf(w, "zh   %s\n  -> %s\n", zh[0], strings.Join(tokenizers["zh"].Tokenize(zh[0]), " "))
	mixed := "我们用 Go 1.26 训练 language models, don't we?"
	fmt.Fprintf(w, "auto %s\n  -> %s\n", mixed, strings.Join(tokenize.Auto{}.Tokenize(mixed), " "))
	var spans []string
	for _, s := range tokenize.Spans(mixed) {
		spans = append(spans, fmt.Sprintf("%s:%q", s.Script, mixed[s.Start:s.End]))
	}
	fmt.Fprintf(w, "     script spans: %s\n\n", strings.Join(spans, " "))

	// 2. A shared subword vocabulary.
	fmt.Fprintln(w, "== 2. shared English+Chinese subword vocabulary (BPE with byte fallback)")
	all := strings.Join(append(append([]string{}, en...), zh...), "\n")
	sw, err := subword.Train(strings.NewReader(all), subword.Options{VocabSize: 600})
	if err != nil {
		return nil, fmt.Errorf("demo: subword: %w", err)
	}
	res.RoundTrip = true
	for lang, lines := range map[string][]string{"en": en, "zh": zh} {
		pieces, units := 0, 0
		for _, l := range lines {
			ids := sw.EncodeIDs(l)
			pieces += len(ids)
			if lang == "en" {
				units += len(strings.Fields(l))
			} else {
				units += len([]rune(l))
			}
			if sw.Decode(ids) != l {
				res.RoundTrip = false
			}
		}
		res.Pieces[lang] = float64(pieces) / float64(units)
	}
	probe := "The library opens late; 图书馆开到很晚。🙂"
	fmt.Fprintf(w, "vocabulary %d pieces; pieces per English word %.2f, per Chinese character %.2f\n",
		sw.Len(), res.Pieces["en"], res.Pieces["zh"])
	fmt.Fprintf(w, "%s\n  -> %s\n", probe, strings.Join(sw.Encode(probe), " "))
	fmt.Fprintf(w, "decode(encode(x)) == x on every line: %v\n\n", res.RoundTrip)

	// 3. Kneser-Ney n-gram language models, one per language.
	fmt.Fprintln(w, "== 3. interpolated modified Kneser-Ney language models (as KenLM), held-out perplexity")
	fmt.Fprintf(w, "%-4s %-6s %-22s %10s %10s\n", "lang", "order", "n-grams per order", "ppl", "OOVs")
	for _, lang := range []string{"en", "zh"} {
		lines := map[string][]string{"en": en, "zh": zh}[lang]
		train, test := lines[:len(lines)-heldOut], lines[len(lines)-heldOut:]
		for _, order := range []int{1, 3} {
			m, err := trainKN(tokenizers[lang], train, order)
			if err != nil {
				return nil, fmt.Errorf("demo: %s %d-gram: %w", lang, order, err)
			}
			var q bytes.Buffer
			for _, l := range test {
				q.WriteString(strings.Join(tokenizers[lang].Tokenize(l), " "))
				q.WriteByte('\n')
			}
			st, err := ngram.Query(m, &q, io.Discard, ngram.VerboseSummary)
			if err != nil {
				return nil, err
			}
			ppl := st.PerplexityIncludingOOVs()
			if order == 1 {
				res.UnigramPPL[lang] = ppl
			} else {
				res.Perplexity[lang] = ppl
				res.NgramsPerOrder[lang] = m.Counts()
			}
			fmt.Fprintf(w, "%-4s %-6d %-22s %10.1f %10d\n", lang, order, fmt.Sprint(m.Counts()), ppl, st.OOVs)
		}
	}
	// 4. A bilingual character-level LSTM language model on the neural engine.
	fmt.Fprintln(w, "\n== 4. a bilingual character-level LSTM language model (mulan's own autodiff engine)")
	var trainLines, testLines []string
	for _, lines := range [][]string{en, zh} {
		trainLines = append(trainLines, lines[:len(lines)-heldOut]...)
		testLines = append(testLines, lines[len(lines)-heldOut:]...)
	}
	before, after, err := charLM(trainLines, testLines)
	if err != nil {
		return nil, fmt.Errorf("demo: char LM: %w", err)
	}
	res.CharPPLBefore, res.CharPPLAfter = before.Perplexity(), after.Perplexity()
	fmt.Fprintf(w, "held-out perplexity per character: %.1f untrained -> %.1f after training (%.2f bits per character)\n",
		res.CharPPLBefore, res.CharPPLAfter, after.BitsPerChar())

	// 5. ULMFiT-style transfer to sentiment classification in both languages.
	fmt.Fprintln(w, "\n== 5. sentiment classification: pretrain a bilingual LSTM LM, fine-tune it in English and Chinese")
	if res.Sentiment, err = runSentiment(w, sentimentConfigFor(o)); err != nil {
		return nil, err
	}

	fmt.Fprintf(w, "\ndone in %s. Next: `mulan ngram train --order 5 --text FILE --arpa OUT.arpa`, `mulan tokenize --lang auto`,\n`mulan subword train`, `mulan pretrain`, `mulan finetune`, `mulan evaluate`, `mulan conlleval`; see `mulan --help`.\n", time.Since(start).Round(time.Millisecond))
	if !res.RoundTrip || math.IsNaN(res.Perplexity["en"]) {
		return res, fmt.Errorf("demo: a check failed (round trip %v)", res.RoundTrip)
	}
	return res, nil
}

func trainKN(t tokenize.Tokenizer, lines []string, order int) (*ngram.Model, error) {
	var text bytes.Buffer
	for _, l := range lines {
		text.WriteString(strings.Join(t.Tokenize(l), " "))
		text.WriteByte('\n')
	}
	c, err := builder.CountText(&text, "demo", builder.CountOptions{Order: order})
	if err != nil {
		return nil, err
	}
	opt := builder.DefaultKNOptions()
	opt.DiscountFallback = true
	m, _, err := builder.EstimateKN(c, opt)
	return m, err
}

// charLM trains a small character LSTM on train (a few seconds on 2 cores)
// and scores test before and after.
func charLM(train, test []string) (before, after lm.Score, err error) {
	cfg, err := lm.DefaultConfig(lm.ArchLSTM)
	if err != nil {
		return before, after, err
	}
	cfg.Emb, cfg.Hidden, cfg.Layers = 32, 64, 1
	cfg.DropEmb, cfg.DropIn, cfg.DropHidden, cfg.DropOut, cfg.DropWeight = 0, 0.1, 0, 0.1, 0
	m, err := lm.NewFromLines(cfg, lm.TokChar, train, vocab.Options{}, 1)
	if err != nil {
		return before, after, err
	}
	tr, te := m.EncodeLines(train), m.EncodeLines(test)
	if before, err = m.Evaluate(te, 1, 35, nil); err != nil {
		return before, after, err
	}
	t, err := lm.NewTrainer(m, tr, nil, lm.TrainOptions{Batch: 8, BPTT: 32, Epochs: 30,
		Optimizer: "adam", LR: 0.01, Clip: 1, Schedule: "constant", Seed: 1})
	if err != nil {
		return before, after, err
	}
	if _, err := t.Run(); err != nil {
		return before, after, err
	}
	after, err = m.Evaluate(te, 1, 35, nil)
	return before, after, err
}
