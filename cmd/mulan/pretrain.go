package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/progress"
	"github.com/mulan-nlp/mulan/vocab"
)

func init() {
	var (
		arch, tokSpec, valid, test, out, resume, ckpt, initPath string
		train                                                   []string
		cfg                                                     lm.Config
		o                                                       lm.TrainOptions
		vo                                                      vocab.Options
		dropout                                                 float32
		untied, keepVocab                                       bool
	)
	c := &cobra.Command{
		Use:   "pretrain (--arch rnn|lstm|transformer --tokenizer SPEC | --init BASE | --resume CKPT) --train FILE... [--valid FILE] --out LM",
		Short: "Pretrain a neural language model (RNN, LSTM or Transformer) on unlabelled text",
		Long: `Pretrain trains a word, character or subword language model on running text,
one text per line: the lines become one long stream of token ids with </s>
after each line, cut into --batch parallel streams and trained with truncated
backpropagation through time (--bptt tokens per window; the recurrent state is
carried across windows). --backward trains a backward LM that reads every line
from its end, for bidirectional classifiers and taggers.

Tokenizers: space (pre-tokenized text, e.g. PTB), word (English rules),
zh-word (Chinese word segmentation), char (characters), subword:MODEL (a model
from 'mulan subword'). The tokenizer and the vocabulary (built from the
training files, --min-count, --max-vocab) are stored in the model file.

Defaults depend on --arch: lstm is a 2x200 AWD-style LSTM (embedding, locked
and weight dropout, tied embeddings) trained with SGD lr 20, clip 0.25, the
learning rate divided by 4 whenever validation perplexity does not improve;
rnn the same recipe with lr 5 on a 2x256 Elman RNN; transformer a pre-LN GPT-style
4-layer, 256-wide, 4-head model with 128 learned positions, Adam 5e-4 with
warm-up and cosine decay.

After every epoch the validation perplexity is printed and, when it is the best
so far, the model is written to --out. A checkpoint (model, optimizer, random
state, carried state and data position) is written atomically to --checkpoint
(default OUT.ckpt) every --checkpoint-every updates and at every epoch end;
--resume CHECKPOINT continues bit-exactly where it stopped. Training stops with
an error naming the step when the loss becomes NaN or infinite.

--init BASE fine-tunes a pretrained LM on the --train text (stage 2 of ULMFiT,
before 'mulan finetune --base'): the architecture, sizes, tokenizer, direction
and dropouts come from BASE, and so do the weights. The vocabulary is rebuilt
from the --train files (--min-count, --max-vocab): tokens BASE knows keep their
embedding and output rows, new tokens start from the mean of BASE's rows, tokens
missing from the new text are dropped; the counts are printed. --keep-vocab
keeps BASE's vocabulary instead (a subword vocabulary is always kept). Flags
that would change what BASE fixes (--arch, --emb, --hidden, --layers, --heads,
--untied, --backward, --tokenizer) are refused unless they equal BASE's;
--drop-* and --dropout override BASE's dropouts. The optimizer defaults are
those of BASE's architecture and serve well: fine-tuning an LSTM pretrained on
SST-2 for one epoch on TREC questions, lr 20 reached validation perplexity 51,
lr 5 55 and lr 1 72 (from 461 before; 135 training from scratch). Give
--valid (its perplexity is printed before training too) and few --epochs; the
plateau schedule lowers the rate once the perplexity stops improving, and the
best model is kept.`,
		Example: `  mulan pretrain --arch lstm --tokenizer space --train ptb.train.txt --valid ptb.valid.txt --test ptb.test.txt --out ptb.lm
  mulan pretrain --arch lstm --tokenizer char --train novel.txt --valid held.txt --emb 256 --hidden 512 --out zh-char.lm
  mulan pretrain --arch transformer --tokenizer subword:en.bpe --train a.txt --valid b.txt --out tf.lm
  mulan pretrain --resume ptb.lm.ckpt --train ptb.train.txt --valid ptb.valid.txt --out ptb.lm
  mulan pretrain --init wiki.lm --train reviews.txt --valid reviews.dev.txt --epochs 2 --out reviews.lm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			if len(train) == 0 {
				return fmt.Errorf("--train is required")
			}
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			if ckpt == "" {
				ckpt = out + ".ckpt"
			}
			log := cmd.ErrOrStderr()
			o.Out, o.CheckpointPath, o.Log, o.Progress = out, ckpt, log, log
			var (
				m   *lm.LM
				err error
			)
			// Training options left unset take the defaults of arch.
			pickTrain := func(arch string, maxBPTT int) {
				dto := lm.DefaultTrainOptions(arch)
				if maxBPTT > 0 {
					dto.BPTT = min(dto.BPTT, maxBPTT)
				}
				pick := func(name string, dst *int, def int) {
					if !f.Changed(name) {
						*dst = def
					}
				}
				pick("batch", &o.Batch, dto.Batch)
				pick("bptt", &o.BPTT, dto.BPTT)
				pick("epochs", &o.Epochs, dto.Epochs)
				pick("warmup", &o.Warmup, dto.Warmup)
				if !f.Changed("optimizer") {
					o.Optimizer = dto.Optimizer
				}
				if !f.Changed("lr") {
					o.LR = dto.LR
					if o.Optimizer != dto.Optimizer {
						o.LR = map[string]float64{"sgd": 20, "adam": 1e-3}[o.Optimizer]
					}
				}
				if !f.Changed("clip") {
					o.Clip = dto.Clip
				}
				if !f.Changed("schedule") {
					o.Schedule = dto.Schedule
				}
			}
			// Dropouts left unset take def's (--dropout sets in, hidden and out).
			pickDrop := func(def lm.Config) {
				pickF := func(name string, dst *float32, def float32) {
					if !f.Changed(name) {
						*dst = def
						if f.Changed("dropout") && (name == "drop-in" || name == "drop-hidden" || name == "drop-out") {
							*dst = dropout
						}
					}
				}
				pickF("drop-emb", &cfg.DropEmb, def.DropEmb)
				pickF("drop-in", &cfg.DropIn, def.DropIn)
				pickF("drop-hidden", &cfg.DropHidden, def.DropHidden)
				pickF("drop-out", &cfg.DropOut, def.DropOut)
				pickF("drop-weight", &cfg.DropWeight, def.DropWeight)
			}
			if keepVocab && initPath == "" {
				return fmt.Errorf("--keep-vocab needs --init")
			}
			switch {
			case resume != "" && initPath != "":
				return fmt.Errorf("--init and --resume exclude each other: --resume continues a checkpoint, --init starts fine-tuning a finished LM")
			case resume != "":
				if m, err = lm.LoadCheckpoint(resume); err != nil {
					return err
				}
			case initPath != "":
				base, err := lm.Load(initPath)
				if err != nil {
					return err
				}
				if err := initConflicts(cmd, initPath, base.Cfg, keepVocab); err != nil {
					return err
				}
				files := train
				if keepVocab {
					files = nil
				}
				var st lm.AdaptStats
				if m, st, err = base.Adapt(files, vo); err != nil {
					return err
				}
				pickDrop(base.Cfg)
				if err := m.SetDropouts(cfg); err != nil {
					return err
				}
				maxBPTT := 0
				if m.Cfg.Arch == lm.ArchTransformer {
					maxBPTT = m.Cfg.Context
				}
				pickTrain(m.Cfg.Arch, maxBPTT)
				if st.Fixed {
					why := "--keep-vocab"
					if !keepVocab {
						why = "subword vocabularies are fixed"
					}
					fmt.Fprintf(log, "pretrain: fine-tuning the %s LM %s: its vocabulary of %d ids kept (%s)\n",
						m.Cfg.Arch, initPath, m.VocabSize(), why)
				} else {
					fmt.Fprintf(log, "pretrain: fine-tuning the %s LM %s: %d ids in the new vocabulary (%s tokenizer): %d tokens copied from the base, %d new (mean of the base's rows), %d specials kept; %d base tokens dropped\n",
						m.Cfg.Arch, initPath, m.VocabSize(), m.Cfg.Tokenizer, st.Shared, st.New, st.Specials, st.Dropped)
				}
			default:
				if tokSpec == "" {
					return fmt.Errorf("--tokenizer is required (space, word, zh-word, char or subword:MODEL)")
				}
				def, err := lm.DefaultConfig(arch)
				if err != nil {
					return err
				}
				pick := func(name string, dst *int, def int) {
					if !f.Changed(name) {
						*dst = def
					}
				}
				cfg.Arch = arch
				pick("emb", &cfg.Emb, def.Emb)
				pick("hidden", &cfg.Hidden, def.Hidden)
				pick("layers", &cfg.Layers, def.Layers)
				pick("heads", &cfg.Heads, def.Heads)
				pickDrop(def)
				cfg.Tied = !untied
				cfg.Backward = backwardFlag(cmd)
				pickTrain(arch, 0)
				if cfg.Arch == lm.ArchTransformer {
					cfg.Context = max(cfg.Context, o.BPTT)
				}
				t0 := time.Now()
				if m, err = lm.New(cfg, tokSpec, train, vo, o.Seed); err != nil {
					return err
				}
				fmt.Fprintf(log, "pretrain: %s LM, %d ids in the vocabulary (%s tokenizer), built in %s\n",
					arch, m.VocabSize(), m.Cfg.Tokenizer, time.Since(t0).Round(time.Millisecond))
			}
			tr, err := m.EncodeFiles(train...)
			if err != nil {
				return err
			}
			var va *lm.Stream
			if valid != "" {
				if va, err = m.EncodeFiles(valid); err != nil {
					return err
				}
			}
			if initPath != "" && va != nil {
				sc, err := m.Evaluate(va, 10, o.BPTT, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(log, "pretrain: validation perplexity before fine-tuning %.2f (%.4f bits/char)\n", sc.Perplexity(), sc.BitsPerChar())
			}
			var t *lm.Trainer
			if resume != "" {
				if f.Changed("epochs") {
					o.Epochs = epochsFlag(cmd)
				} else {
					o.Epochs = 0
				}
				t, err = lm.Resume(resume, m, tr, va, o)
			} else {
				t, err = lm.NewTrainer(m, tr, va, o)
			}
			if err != nil {
				return err
			}
			n := 0
			for _, p := range m.Params() {
				n += len(p.Data())
			}
			fmt.Fprintf(log, "pretrain: %d parameters, %d training tokens, %d updates per epoch, starting at epoch %d step %d\n",
				n, tr.Targets(), t.StepsPerEpoch(), t.Epoch+1, t.Step)
			start := time.Now()
			if _, err := t.Run(); err != nil {
				return err
			}
			if t.Batch > 0 { // stopped by --max-steps within an epoch
				msg := ""
				if va != nil {
					sc, err := m.Evaluate(va, 10, t.Opt.BPTT, nil)
					if err != nil {
						return err
					}
					msg = fmt.Sprintf(", validation perplexity %.2f (%.4f bits/char)", sc.Perplexity(), sc.BitsPerChar())
					t.Best = min(t.Best, sc.Perplexity())
				}
				if err := m.Save(out); err != nil {
					return err
				}
				fmt.Fprintf(log, "pretrain: stopped at step %d (epoch %d, window %d)%s; model saved\n", t.Step, t.Epoch+1, t.Batch, msg)
			}
			fmt.Fprintf(log, "pretrain: trained in %s; best validation perplexity %.2f; model in %s\n",
				time.Since(start).Round(time.Second), t.Best, out)
			if test != "" {
				best, err := lm.Load(out)
				if err != nil {
					return err
				}
				ts, err := best.EncodeFiles(test)
				if err != nil {
					return err
				}
				sc, err := best.Evaluate(ts, 1, t.Opt.BPTT, progress.New(log, "test", "tokens", int64(ts.Targets())))
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "test perplexity %.2f over %d tokens (%.4f bits/token, %.4f bits/char)\n",
					sc.Perplexity(), sc.Tokens, sc.BitsPerToken(), sc.BitsPerChar())
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&arch, "arch", "lstm", "architecture: rnn, lstm or transformer")
	f.StringSliceVar(&train, "train", nil, "training text files, one text per line (repeat or comma-separate)")
	f.StringVar(&valid, "valid", "", "validation text file (perplexity after every epoch; best model kept)")
	f.StringVar(&test, "test", "", "test text file scored with the best model after training")
	f.StringVar(&tokSpec, "tokenizer", "", "space, word, zh-word, char or subword:MODEL")
	f.Bool("backward", false, "train a backward LM (reads every line reversed)")
	f.StringVar(&out, "out", "", "model file to write")
	f.StringVar(&resume, "resume", "", "checkpoint to continue from")
	f.StringVar(&initPath, "init", "", "pretrained LM to fine-tune on the --train text (architecture, tokenizer, weights from it)")
	f.BoolVar(&keepVocab, "keep-vocab", false, "with --init: keep the base LM's vocabulary instead of rebuilding it from --train")
	f.StringVar(&ckpt, "checkpoint", "", "checkpoint file (default OUT.ckpt)")
	f.IntVar(&o.CheckpointEvery, "checkpoint-every", 1000, "write a checkpoint every N updates (0: only at epoch ends)")
	f.IntVar(&cfg.Emb, "emb", 0, "embedding width (transformer: model width)")
	f.IntVar(&cfg.Hidden, "hidden", 0, "recurrent width (transformer: MLP width)")
	f.IntVar(&cfg.Layers, "layers", 0, "recurrent layers or transformer blocks")
	f.IntVar(&cfg.Heads, "heads", 0, "attention heads (transformer)")
	f.BoolVar(&untied, "untied", false, "do not tie input and output embeddings")
	f.Float32Var(&dropout, "dropout", 0, "set --drop-in, --drop-hidden and --drop-out at once")
	f.Float32Var(&cfg.DropEmb, "drop-emb", 0, "embedding dropout: drop whole word types")
	f.Float32Var(&cfg.DropIn, "drop-in", 0, "locked dropout on the embedded input")
	f.Float32Var(&cfg.DropHidden, "drop-hidden", 0, "locked dropout between recurrent layers")
	f.Float32Var(&cfg.DropOut, "drop-out", 0, "locked dropout on the top layer (transformer: residual dropout)")
	f.Float32Var(&cfg.DropWeight, "drop-weight", 0, "DropConnect on hidden-to-hidden weights")
	f.IntVar(&o.BPTT, "bptt", 0, "tokens per truncated-BPTT window (transformer: context)")
	f.IntVar(&o.Batch, "batch", 0, "parallel streams per update")
	f.IntVar(&o.Epochs, "epochs", 0, "epochs")
	f.StringVar(&o.Optimizer, "optimizer", "", "sgd or adam (AdamW with --weight-decay)")
	f.Float64Var(&o.LR, "lr", 0, "learning rate")
	f.Float64Var(&o.Momentum, "momentum", 0, "SGD momentum")
	f.Float64Var(&o.WeightDecay, "weight-decay", 0, "weight decay (L2 for SGD, decoupled for Adam)")
	f.Float64Var(&o.Clip, "clip", 0, "maximum global gradient norm (0: no clipping)")
	f.StringVar(&o.Schedule, "schedule", "", "plateau, decay, cosine or constant")
	f.Float64Var(&o.Decay, "decay", 4, "learning-rate divisor of the plateau and decay schedules")
	f.IntVar(&o.DecayStart, "decay-start", 4, "decay schedule: first epoch after which the rate is divided")
	f.IntVar(&o.Warmup, "warmup", 0, "cosine schedule: warm-up updates")
	f.Int64Var(&o.Seed, "seed", 1, "random seed (weights, dropout)")
	f.IntVar(&o.MaxSteps, "max-steps", 0, "stop after this many updates in all, then validate and save the model (0: no limit)")
	f.Int64Var(&vo.MinCount, "min-count", 1, "keep tokens seen at least this many times")
	f.IntVar(&vo.MaxSize, "max-vocab", 0, "maximum vocabulary size including the 4 specials (0: no limit)")
	register(c)
}

// initConflicts refuses the flags that --init BASE settles: the
// architecture, sizes, tokenizer and direction come from the base LM (the
// same value as the base's is accepted), and the vocabulary options make no
// sense when the vocabulary is kept.
func initConflicts(cmd *cobra.Command, base string, c lm.Config, keepVocab bool) error {
	f := cmd.Flags()
	clash := func(name, value, baseValue string) error {
		if f.Changed(name) && value != baseValue {
			return fmt.Errorf("--%s %s conflicts with --init %s, whose %s is %s (omit --%s: the base LM fixes it)",
				name, value, base, name, baseValue, name)
		}
		return nil
	}
	get := func(name string) string { return f.Lookup(name).Value.String() }
	heads := fmt.Sprint(c.Heads)
	if c.Arch != lm.ArchTransformer {
		heads = "none (not a transformer)"
	}
	for _, e := range []error{
		clash("arch", get("arch"), c.Arch),
		clash("emb", get("emb"), fmt.Sprint(c.Emb)),
		clash("hidden", get("hidden"), fmt.Sprint(c.Hidden)),
		clash("layers", get("layers"), fmt.Sprint(c.Layers)),
		clash("heads", get("heads"), heads),
		clash("untied", get("untied"), fmt.Sprint(!c.Tied)),
		clash("backward", get("backward"), fmt.Sprint(c.Backward)),
		clash("tokenizer", get("tokenizer"), c.Tokenizer),
	} {
		if e != nil {
			return e
		}
	}
	for _, name := range []string{"min-count", "max-vocab"} {
		if !f.Changed(name) {
			continue
		}
		if keepVocab {
			return fmt.Errorf("--%s is not used with --keep-vocab (the base's vocabulary is kept)", name)
		}
		if c.Tokenizer == lm.TokSubword {
			return fmt.Errorf("--%s is not used with --init %s: its subword vocabulary is fixed", name, base)
		}
	}
	return nil
}

func backwardFlag(cmd *cobra.Command) bool {
	b, _ := cmd.Flags().GetBool("backward")
	return b
}

func epochsFlag(cmd *cobra.Command) int {
	n, _ := cmd.Flags().GetInt("epochs")
	return n
}
