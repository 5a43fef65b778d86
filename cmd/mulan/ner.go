package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mulan-nlp/mulan/corpus"
	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/modelfile"
	"github.com/mulan-nlp/mulan/tagger"
	"github.com/mulan-nlp/mulan/tags"
)

// nerTrainOptions are the inputs of `mulan ner train` and of
// `mulan finetune --task ner`.
type nerTrainOptions struct {
	Train, Valid, Out string
	ValidFrac         float64 // without Valid: hold out this fraction of Train as dev
	Format            string  // conll or chars ("" from --lang)
	FileScheme        string  // scheme of the files ("" detects)
	// TrainFraction, in (0, 1), trains on that fraction of the training
	// sentences (a seeded subset, taken after any --valid-frac split).
	TrainFraction float64
	// Base and BaseBackward are pretrained forward and backward LMs (mulan
	// pretrain [--backward]) whose states become contextual features;
	// FineTuneLM trains them with the tagger. `mulan finetune --task ner`
	// sets Base from its own --base flag.
	Base, BaseBackward string
	FineTuneLM         bool
	// LMCacheMB caps the memory of the frozen LM features cached across
	// epochs, in MiB (0: no cache).
	LMCacheMB float64
	Config    tagger.Config
	Quiet     bool
}

// nerReadSentences reads a tagged file in the given format.
func nerReadSentences(path, format, lang string) ([]corpus.Sentence, error) {
	f := corpus.Format(format)
	if format == "" {
		f = corpus.CoNLL
		if lang == "zh" {
			f = corpus.Chars
		}
	}
	if f != corpus.CoNLL && f != corpus.Chars {
		return nil, fmt.Errorf("--format %q: want conll or chars", format)
	}
	return corpus.ReadAllSentences(path, corpus.Options{Format: f})
}

// runNERTrain trains a tagger and saves the best epoch's model to o.Out.
func runNERTrain(o nerTrainOptions, stdout, stderr io.Writer) error {
	if o.Train == "" || o.Out == "" {
		return fmt.Errorf("ner train needs --train and --out")
	}
	if err := o.Config.Validate(); err != nil {
		return err
	}
	var fs tags.Scheme
	if o.FileScheme != "" {
		s, err := tags.ParseScheme(o.FileScheme)
		if err != nil {
			return fmt.Errorf("--file-scheme: %w", err)
		}
		fs = s
	}
	train, err := nerReadSentences(o.Train, o.Format, o.Config.Lang)
	if err != nil {
		return err
	}
	var dev []corpus.Sentence
	switch {
	case o.Valid != "" && o.ValidFrac > 0:
		return fmt.Errorf("give --valid or --valid-frac, not both")
	case o.Valid != "":
		if dev, err = nerReadSentences(o.Valid, o.Format, o.Config.Lang); err != nil {
			return err
		}
	case o.ValidFrac > 0:
		if train, dev, err = corpus.SplitSlice(train, o.ValidFrac, uint64(o.Config.Seed)); err != nil {
			return err
		}
		o.Valid = o.Train + " (held out)"
	}
	if f := o.TrainFraction; f != 0 {
		if !(f > 0 && f < 1) {
			return fmt.Errorf("--train-fraction %v: want a fraction in (0, 1)", f)
		}
		if _, train, err = corpus.SplitSlice(train, f, uint64(o.Config.Seed)); err != nil {
			return err
		}
		if len(train) == 0 {
			return fmt.Errorf("--train-fraction %v leaves no training sentences", f)
		}
	}
	ctx, err := nerLMContext(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ner: %d training and %d dev sentences, lang %s, internal scheme %s\n", len(train), len(dev), o.Config.Lang, o.Config.Scheme)
	opt := tagger.TrainOptions{
		TrainName: o.Train, DevName: o.Valid, FileScheme: fs,
		Log: func(s tagger.EpochStats) {
			mark := ""
			if s.Best {
				mark = " *"
			}
			lmGroups := ""
			if o.FineTuneLM {
				lmGroups = fmt.Sprintf("  LM groups %d", s.ContextGroups)
			}
			fmt.Fprintf(stderr, "epoch %3d  lr %.5f  loss %8.3f  dev F1 %6.2f  %5.1fs  %6.1f sent/s%s%s\n",
				s.Epoch, s.LR, s.Loss, s.DevF1, s.Seconds, s.SentencesSec, lmGroups, mark)
			if ctx != nil && s.Epoch == 1 {
				if held, over := ctx.CacheUse(); over > 0 {
					fmt.Fprintf(stderr, "ner: the LM feature cache is full (--lm-cache-mb %g): %.1f MiB of features are computed again every epoch; --lm-cache-mb %d would hold them all\n",
						o.LMCacheMB, float64(over)/(1<<20), (held+over)>>20+1)
				}
			}
		},
		Checkpoint: func(m *tagger.Tagger) error { return m.Save(o.Out) },
	}
	if ctx != nil {
		opt.Context = ctx
		how := "frozen, features cached"
		if o.FineTuneLM {
			how = fmt.Sprintf("fine-tuned, learning rate divided by %g per layer group down", o.Config.ContextFactor)
			if o.Config.ContextUnfreeze {
				how += ", unfrozen one group per epoch"
			}
		}
		fmt.Fprintf(stderr, "ner: language-model features %s (%d per token), %s\n", ctx.Name(), ctx.Dim(), how)
	}
	if !o.Quiet {
		opt.Progress = stderr
	}
	m, hist, err := tagger.Train(train, dev, o.Config, opt)
	if err != nil {
		return err
	}
	if hist.Repaired > 0 {
		fmt.Fprintf(stderr, "ner: %d training sentences were not valid %s and were read leniently\n", hist.Repaired, hist.FileScheme)
	}
	fmt.Fprintf(stdout, "best epoch %d, dev F1 %.2f; %d tags, %d parameters; saved %s\n",
		hist.BestEpoch, hist.BestDevF1, len(m.Tags()), m.NumParams(), o.Out)
	return nil
}

// nerLMContext loads the LMs named by o.Base and o.BaseBackward as a
// tagger context (nil when neither is given).
func nerLMContext(o nerTrainOptions) (*tagger.LMContext, error) {
	if o.Base == "" && o.BaseBackward == "" {
		if o.FineTuneLM {
			return nil, fmt.Errorf("--finetune-lm needs --base (or --base-backward)")
		}
		return nil, nil
	}
	load := func(path string, backward bool) (*lm.LM, error) {
		if path == "" {
			return nil, nil
		}
		m, err := lm.Load(path)
		if err != nil {
			return nil, err
		}
		switch {
		case backward && !m.Cfg.Backward:
			return nil, fmt.Errorf("--base-backward %s: a forward language model (train it with 'mulan pretrain --backward', or give it as --base)", path)
		case !backward && m.Cfg.Backward:
			return nil, fmt.Errorf("--base %s: a backward language model (give it as --base-backward)", path)
		}
		return m, nil
	}
	fwd, err := load(o.Base, false)
	if err != nil {
		return nil, err
	}
	bwd, err := load(o.BaseBackward, true)
	if err != nil {
		return nil, err
	}
	sep := " "
	if o.Config.Lang == "zh" {
		sep = ""
	}
	cacheBytes := int64(o.LMCacheMB * (1 << 20))
	if cacheBytes == 0 {
		cacheBytes = -1 // LMContextOptions: negative is no cache
	}
	return tagger.NewLMContext(fwd, bwd, tagger.LMContextOptions{Sep: sep, FineTune: o.FineTuneLM, Seed: o.Config.Seed, CacheBytes: cacheBytes})
}

// nerPredictOptions are the inputs of `mulan ner predict`.
type nerPredictOptions struct {
	Model string
	JSON  bool
}

// nerTokens splits an input line: whitespace-separated words for English,
// the characters (without whitespace) for Chinese.
func nerTokens(line, lang string) []string {
	if lang != "zh" {
		return strings.Fields(line)
	}
	toks := []string{}
	for _, r := range line {
		if !unicode.IsSpace(r) {
			toks = append(toks, string(r))
		}
	}
	return toks
}

// runNERPredict tags one sentence per input line with m (loaded from
// o.Model when nil).
func runNERPredict(m *tagger.Tagger, o nerPredictOptions, in io.Reader, out io.Writer) error {
	if m == nil {
		var err error
		if m, err = tagger.Load(o.Model); err != nil {
			return err
		}
	}
	lang := m.Config().Lang
	var sents [][]string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		sents = append(sents, nerTokens(sc.Text(), lang))
	}
	if err := sc.Err(); err != nil {
		return err
	}
	pred, err := m.Predict(sents)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	sep := " "
	if lang == "zh" {
		sep = ""
	}
	enc := json.NewEncoder(w)
	for i, toks := range sents {
		if !o.JSON {
			fmt.Fprintln(w, strings.Join(pred[i], " "))
			continue
		}
		ents, err := m.Entities(toks, pred[i], sep)
		if err != nil {
			return err
		}
		if ents == nil {
			ents = []tagger.Entity{}
		}
		if err := enc.Encode(struct {
			Tokens   []string        `json:"tokens"`
			Tags     []string        `json:"tags"`
			Entities []tagger.Entity `json:"entities"`
		}{toks, pred[i], ents}); err != nil {
			return err
		}
	}
	return w.Flush()
}

// nerEvaluateOptions are the inputs of `mulan ner evaluate`.
type nerEvaluateOptions struct {
	Model, Test, Format string
	Output              string // write conlleval input lines here
	JSON                bool
}

// runNEREvaluate tags a test file with m (loaded from o.Model when nil) and
// prints conlleval's report.
func runNEREvaluate(m *tagger.Tagger, o nerEvaluateOptions, stdout, stderr io.Writer) error {
	var err error
	if m == nil {
		if m, err = tagger.Load(o.Model); err != nil {
			return err
		}
	}
	test, err := nerReadSentences(o.Test, o.Format, m.Config().Lang)
	if err != nil {
		return err
	}
	// Tag one token first, so the reported speed excludes one-time set-up
	// (gse loads its dictionary on first use, about a second).
	if _, err := m.Predict([][]string{{"中"}}); err != nil {
		return err
	}
	start := time.Now()
	var res *metrics.ConllResult
	if o.Output != "" {
		err = modelfile.WriteAtomic(o.Output, func(w io.Writer) error {
			var err error
			res, err = m.Evaluate(test, o.Test, w)
			return err
		})
	} else {
		res, err = m.Evaluate(test, o.Test, nil)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if o.JSON {
		if err := res.WriteJSON(stdout); err != nil {
			return err
		}
	} else if err := res.WriteText(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d sentences, %d tokens in %.2fs: %.1f sentences/s\n", len(test), res.Tokens, secs, float64(len(test))/secs)
	return nil
}

// nerTrainFlags holds the flags of tagger training, shared by `mulan ner
// train` and `mulan finetune --task ner`: one registration, one set of
// language defaults.
type nerTrainFlags struct {
	opts nerTrainOptions
	lang string
	// noLMUnfreeze turns gradual unfreezing of fine-tuned LMs off.
	noLMUnfreeze bool
	// own lists the tagger-only flags add registered (not the common ones).
	own []string
}

// nerCommonFlags are the flags `mulan finetune` has itself; add registers
// them only for `mulan ner train`, and finetune copies its values in.
// "epochs" is finetune's --epoch; "base" is finetune's --base (of the neural
// classifiers), which finetune copies into opts.Base.
var nerCommonFlags = []string{"train", "valid", "out", "lang", "format", "min-count", "lr", "epochs", "seed", "quiet", "base"}

// add registers the training flags on f; with common it also registers
// nerCommonFlags.
func (n *nerTrainFlags) add(f *pflag.FlagSet, common bool) {
	d := tagger.DefaultConfig("en")
	to, cfg := &n.opts, &n.opts.Config
	*cfg = d
	if common {
		f.StringVar(&to.Train, "train", "", "training file (CoNLL columns or chars)")
		f.StringVar(&to.Valid, "valid", "", "dev file for per-epoch F1, model selection and early stopping")
		f.StringVar(&to.Out, "out", "", "model file to write")
		f.StringVar(&n.lang, "lang", "en", "en (words) or zh (characters)")
		f.StringVar(&to.Format, "format", "", "conll or chars (default: conll for en, chars for zh)")
		f.IntVar(&cfg.MinCount, "min-count", d.MinCount, "minimum training count of a token (and bigram) to get its own vector")
		f.Float64Var(&cfg.LR, "lr", d.LR, "learning rate")
		f.IntVar(&cfg.Epochs, "epochs", d.Epochs, "maximum number of epochs")
		f.Int64Var(&cfg.Seed, "seed", d.Seed, "random seed")
		f.BoolVar(&to.Quiet, "quiet", false, "no progress bar")
		f.StringVar(&to.Base, "base", "", "pretrained forward language model (mulan pretrain) whose states are contextual features")
	}
	before := map[string]bool{}
	f.VisitAll(func(fl *pflag.Flag) { before[fl.Name] = true })
	f.Float64Var(&to.ValidFrac, "valid-frac", 0, "without --valid: hold out this fraction of the training sentences as dev (seeded)")
	f.StringVar(&to.FileScheme, "file-scheme", "", "tag scheme of the files: iob1, bio, bioes or bmes (default: detected)")
	f.StringVar(&cfg.Scheme, "scheme", d.Scheme, "internal scheme of the CRF: bioes or bio")
	f.IntVar(&cfg.WordDim, "word-dim", d.WordDim, "word (en) or character (zh) embedding size")
	f.IntVar(&cfg.CapsDim, "caps-dim", d.CapsDim, "en: capitalisation-pattern embedding size (0: off)")
	f.IntVar(&cfg.CharDim, "char-dim", d.CharDim, "en: character embedding size of the char BiLSTM (0: off)")
	f.IntVar(&cfg.CharHidden, "char-hidden", d.CharHidden, "en: char BiLSTM size per direction")
	f.IntVar(&cfg.MaxWordLen, "max-word-len", d.MaxWordLen, "en: characters of a word read by the char BiLSTM")
	f.IntVar(&cfg.BigramDim, "bigram-dim", 0, "zh: character-bigram embedding size (default 50; 0: off)")
	f.IntVar(&cfg.SegDim, "seg-dim", 0, "zh: gse word-position embedding size (default 20; 0: off)")
	f.IntVar(&cfg.Hidden, "hidden", d.Hidden, "BiLSTM size per direction")
	f.Float64Var(&cfg.Dropout, "dropout", d.Dropout, "dropout on the token vectors and the BiLSTM output")
	f.Float64Var(&cfg.WordUnkProb, "unk-prob", d.WordUnkProb, "probability of replacing a training singleton by the unknown token")
	f.StringVar(&cfg.Optimizer, "optimizer", d.Optimizer, "sgd or adam")
	f.Float64Var(&cfg.Momentum, "momentum", d.Momentum, "sgd momentum")
	f.Float64Var(&cfg.Decay, "decay", d.Decay, "learning rate of epoch e is lr/(1+decay·e)")
	f.Float64Var(&cfg.Clip, "clip", d.Clip, "gradient-norm clipping (0: off)")
	f.IntVar(&cfg.Batch, "batch", d.Batch, "sentences per mini-batch")
	f.IntVar(&cfg.Patience, "patience", d.Patience, "stop after this many epochs without dev improvement (0: never)")
	f.Float64Var(&to.TrainFraction, "train-fraction", 0, "train on this fraction of the training sentences (seeded subset; 0: all)")
	f.StringVar(&to.BaseBackward, "base-backward", "", "pretrained backward language model (mulan pretrain --backward) whose states are contextual features")
	f.BoolVar(&to.FineTuneLM, "finetune-lm", false, "train the language models with the tagger (default: frozen, features cached)")
	f.Float64Var(&to.LMCacheMB, "lm-cache-mb", float64(tagger.DefaultCacheBytes>>20), "memory for the frozen LM features cached across epochs, MiB (0: recompute every epoch)")
	f.Float64Var(&cfg.ContextFactor, "lm-factor", d.ContextFactor, "with --finetune-lm: learning-rate divisor from one LM layer group to the one below, starting at the top group")
	f.BoolVar(&n.noLMUnfreeze, "no-lm-unfreeze", false, "with --finetune-lm: train every LM layer group from the first epoch (default: gradual unfreezing)")
	n.own = nil
	f.VisitAll(func(fl *pflag.Flag) {
		if !before[fl.Name] {
			n.own = append(n.own, fl.Name)
		}
	})
}

// options returns the training options with the language's defaults for
// every size flag the user did not set (set reports whether a flag was
// given).
func (n *nerTrainFlags) options(set func(flag string) bool) (nerTrainOptions, error) {
	lang := n.lang
	if lang != "en" && lang != "zh" {
		return nerTrainOptions{}, fmt.Errorf("--lang %q: want en or zh for a tagger", lang)
	}
	o := n.opts
	cfg := &o.Config
	def := tagger.DefaultConfig(lang)
	pick := func(flag string, dst *int, v int) {
		if !set(flag) {
			*dst = v
		}
	}
	pick("word-dim", &cfg.WordDim, def.WordDim)
	pick("caps-dim", &cfg.CapsDim, def.CapsDim)
	pick("char-dim", &cfg.CharDim, def.CharDim)
	pick("char-hidden", &cfg.CharHidden, def.CharHidden)
	pick("max-word-len", &cfg.MaxWordLen, def.MaxWordLen)
	pick("bigram-dim", &cfg.BigramDim, def.BigramDim)
	pick("seg-dim", &cfg.SegDim, def.SegDim)
	pick("hidden", &cfg.Hidden, def.Hidden)
	pick("min-count", &cfg.MinCount, def.MinCount)
	cfg.Lang = lang
	if lang == "zh" && (set("caps-dim") || set("char-dim")) {
		return o, fmt.Errorf("--caps-dim and --char-dim are English features (Chinese tokens are characters)")
	}
	cfg.ContextUnfreeze = !n.noLMUnfreeze
	if o.LMCacheMB < 0 {
		return o, fmt.Errorf("--lm-cache-mb %g: want a size in MiB, 0 for no cache", o.LMCacheMB)
	}
	if o.FineTuneLM && set("lm-cache-mb") {
		return o, fmt.Errorf("--lm-cache-mb is for frozen LMs (a fine-tuned LM's features change every step)")
	}
	if !o.FineTuneLM {
		for _, fl := range []string{"lm-factor", "no-lm-unfreeze"} {
			if set(fl) {
				return o, fmt.Errorf("--%s is used only with --finetune-lm", fl)
			}
		}
	}
	return o, nil
}

// nerTrainLong is the help text on tagger training, shared by `mulan ner
// train` and `mulan finetune --task ner`.
const nerTrainLong = `English (--lang en) reads CoNLL column files (token first, tag last;
-DOCSTART- lines and blank lines separate documents and sentences) and
represents each word by a lowercased word embedding, a capitalisation-pattern
embedding and a character BiLSTM. Chinese (--lang zh) reads one character per
line and uses character, character-bigram and gse word-position (BMES)
embeddings.

Tags may be in IOB1, IOB2 (BIO), IOBES or BMES (detected, or --file-scheme).
The CRF is trained in --scheme bioes (default) or bio, converted losslessly,
and predictions are written back in the file's scheme. Forbidden transitions
are pinned in the CRF, so every prediction is a valid sequence.

Every epoch prints the training loss, the dev set's conlleval F1 and the speed;
the model is saved to --out (atomically) whenever the dev F1 improves, and
training stops after --patience epochs without improvement. The defaults are
Lample et al.'s: SGD (momentum 0.9) with learning rate 0.015 decayed as
lr/(1+0.05·epoch) on the loss summed over batches of 10, clipping at 5, dropout
0.5. Runs are reproducible given --seed.

--base FWD.lm and --base-backward BWD.lm (from 'mulan pretrain' and 'mulan
pretrain --backward', either or both) add contextual features in the manner of
Flair: each sentence is read by the forward LM from its start and by the
backward LM from its end, and every token gets the forward LM's top-layer
state after it and the backward LM's state at it, concatenated to its other
features. Word and character LMs read the tokens themselves (a token the LM
does not know is <unk>); subword and zh-word LMs read the sentence's text and
their pieces are aligned to the tokens. By default the LMs stay frozen and
every sentence's features are computed once and kept in memory, up to
--lm-cache-mb (4 bytes per feature: the 256 features of two 2x256 character
LMs over MSRA's 2.2M training characters take 2.2 GB); past it the rest are
computed again every epoch, and the first epoch's log says what size would
hold them all.
--finetune-lm trains them with the tagger as ULMFiT does: the top LM layer
group learns at lr/--lm-factor (2.6), each group below at the rate of the one
above divided by it again, and the groups are unfrozen one per epoch from the
top (epoch 1 trains the tagger alone; --no-lm-unfreeze trains all from the
start). The LMs are stored in the
tagger's file, so prediction and evaluation need only that file.

--train-fraction F trains on a seeded random fraction of the training
sentences (for learning curves).`

func init() {
	ner := &cobra.Command{
		Use:   "ner",
		Short: "Named-entity recognition: train, apply and score BiLSTM-CRF taggers",
		Long: `Ner trains BiLSTM-CRF taggers for named entities (or any chunk tagging) on
CoNLL column files (English: word ... tag) or character-per-line files
(Chinese: char tag), tags new text, and scores taggers with conlleval.

'mulan finetune --task ner', 'mulan evaluate' and 'mulan predict' run the same
code as 'ner train', 'ner evaluate' and 'ner predict'.`,
	}

	var tf nerTrainFlags
	train := &cobra.Command{
		Use:   "train --train FILE [--valid FILE] [--lang en|zh] --out TAGGER [options]",
		Short: "Train a BiLSTM-CRF tagger, keeping the epoch with the best dev F1",
		Long:  "Train fits a BiLSTM-CRF tagger (Lample et al. 2016).\n\n" + nerTrainLong,
		Example: `  mulan ner train --train conll2003_en/train.txt --valid conll2003_en/valid.txt --out en.ner
  mulan ner train --lang zh --train resume_ner_zh/train.char.bmes --valid resume_ner_zh/dev.char.bmes --out resume.ner
  mulan ner train --lang zh --train msra_ner_zh/train.txt --valid-frac 0.05 --out msra.ner
  mulan ner train --train train.conll --valid dev.conll --optimizer adam --lr 0.001 --epochs 30 --out my.ner
  mulan ner train --lang zh --train resume_ner_zh/train.char.bmes --valid resume_ner_zh/dev.char.bmes --base zh-char.lm --base-backward zh-char-bwd.lm --out resume-lm.ner`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := tf.options(cmd.Flags().Changed)
			if err != nil {
				return err
			}
			return runNERTrain(o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	tf.add(train.Flags(), true)

	var po nerPredictOptions
	predict := &cobra.Command{
		Use:   "predict --model TAGGER [--json] < sentences.txt",
		Short: "Tag sentences, one per input line",
		Long: `Predict reads one sentence per line from standard input — space-separated
tokens for an English model, raw text for a Chinese model (every
non-whitespace character is a token) — and prints the predicted tags, space
separated, in the training data's scheme; with --json it prints one object per
line: {"tokens": [...], "tags": [...], "entities": [{"start", "end", "type",
"text"}]} (end exclusive, in tokens).`,
		Example: `  echo "EU rejects German call to boycott British lamb ." | mulan ner predict --model en.ner
  echo "张三毕业于北京大学" | mulan ner predict --model resume.ner --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if po.Model == "" {
				return fmt.Errorf("ner predict needs --model")
			}
			return runNERPredict(nil, po, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	predict.Flags().StringVar(&po.Model, "model", "", "tagger model file")
	predict.Flags().BoolVar(&po.JSON, "json", false, "print tokens, tags and entity spans as JSON lines")

	var eo nerEvaluateOptions
	evaluate := &cobra.Command{
		Use:   "evaluate --model TAGGER --test FILE [--output PRED] [--json]",
		Short: "Tag a test file and print conlleval's report",
		Long: `Evaluate tags a gold-tagged test file and prints exactly what 'mulan conlleval'
(and the conlleval perl script) prints for the lines "token gold predicted";
--output writes those lines to a file. The tagging speed (sentences/s) goes to
standard error.`,
		Example: `  mulan ner evaluate --model en.ner --test conll2003_en/test.txt
  mulan ner evaluate --model resume.ner --test resume_ner_zh/test.char.bmes --output pred.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if eo.Model == "" || eo.Test == "" {
				return fmt.Errorf("ner evaluate needs --model and --test")
			}
			return runNEREvaluate(nil, eo, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	evaluate.Flags().StringVar(&eo.Model, "model", "", "tagger model file")
	evaluate.Flags().StringVar(&eo.Test, "test", "", "gold-tagged test file")
	evaluate.Flags().StringVar(&eo.Format, "format", "", "conll or chars (default: by the model's language)")
	evaluate.Flags().StringVar(&eo.Output, "output", "", "write the conlleval input lines (token gold predicted) here")
	evaluate.Flags().BoolVar(&eo.JSON, "json", false, "print the scores as JSON")

	ner.AddCommand(train, predict, evaluate)
	register(ner)
}
