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
		arch, tokSpec, valid, test, out, resume, ckpt string
		train                                         []string
		cfg                                           lm.Config
		o                                             lm.TrainOptions
		vo                                            vocab.Options
		dropout                                       float32
		untied                                        bool
	)
	c := &cobra.Command{
		Use:   "pretrain --arch rnn|lstm|transformer --train FILE... [--valid FILE] --tokenizer SPEC --out LM",
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
an error naming the step when the loss becomes NaN or infinite.`,
		Example: `  mulan pretrain --arch lstm --tokenizer space --train ptb.train.txt --valid ptb.valid.txt --test ptb.test.txt --out ptb.lm
  mulan pretrain --arch lstm --tokenizer char --train novel.txt --valid held.txt --emb 256 --hidden 512 --out zh-char.lm
  mulan pretrain --arch transformer --tokenizer subword:en.bpe --train a.txt --valid b.txt --out tf.lm
  mulan pretrain --resume ptb.lm.ckpt --train ptb.train.txt --valid ptb.valid.txt --out ptb.lm`,
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
			if resume != "" {
				if m, err = lm.LoadCheckpoint(resume); err != nil {
					return err
				}
			} else {
				if tokSpec == "" {
					return fmt.Errorf("--tokenizer is required (space, word, zh-word, char or subword:MODEL)")
				}
				def, err := lm.DefaultConfig(arch)
				if err != nil {
					return err
				}
				dto := lm.DefaultTrainOptions(arch)
				pick := func(name string, dst *int, def int) {
					if !f.Changed(name) {
						*dst = def
					}
				}
				pickF := func(name string, dst *float32, def float32) {
					if !f.Changed(name) {
						*dst = def
						if f.Changed("dropout") && (name == "drop-in" || name == "drop-hidden" || name == "drop-out") {
							*dst = dropout
						}
					}
				}
				cfg.Arch = arch
				pick("emb", &cfg.Emb, def.Emb)
				pick("hidden", &cfg.Hidden, def.Hidden)
				pick("layers", &cfg.Layers, def.Layers)
				pick("heads", &cfg.Heads, def.Heads)
				pickF("drop-emb", &cfg.DropEmb, def.DropEmb)
				pickF("drop-in", &cfg.DropIn, def.DropIn)
				pickF("drop-hidden", &cfg.DropHidden, def.DropHidden)
				pickF("drop-out", &cfg.DropOut, def.DropOut)
				pickF("drop-weight", &cfg.DropWeight, def.DropWeight)
				cfg.Tied = !untied
				cfg.Backward = backwardFlag(cmd)
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

func backwardFlag(cmd *cobra.Command) bool {
	b, _ := cmd.Flags().GetBool("backward")
	return b
}

func epochsFlag(cmd *cobra.Command) int {
	n, _ := cmd.Flags().GetInt("epochs")
	return n
}
