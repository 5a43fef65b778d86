// Package lm holds mulan's neural language models: an Elman RNN, an
// AWD-LSTM-style LSTM and a pre-LN GPT-style Transformer over the nn engine,
// with the tokenizer and vocabulary stored alongside the weights so that text
// maps to the same ids after loading; the pretraining loop (truncated BPTT
// with carried state, SGD or Adam, clipping, schedules, validation,
// bit-exact checkpoints); perplexity; sampling; and an Encoder view for
// transfer learning.
//
// It is hand-written because it trains on mulan's own engine (packages nn and
// optim), for which no Go training library exists.
//
// # Data
//
// Text is read line by line; blank lines are skipped. A Stream is one id
// sequence: </s>, then each line's tokens followed by </s> (a backward LM,
// Config.Backward, reverses the tokens of each line, so it predicts every
// token from the text to its right). Training cuts the stream into B
// parallel streams and walks them in windows of BPTT tokens; the recurrent
// state is carried from one window to the next (detached) and reset at each
// epoch. Transformers see each window on its own. Evaluate uses the same
// layout and also scores the tokens left over by the split, so every token
// of a text is scored exactly once; Score gives perplexity over tokens (the
// line ends included, as Mikolov's PTB figures count them), bits per token
// and bits per character (non-space characters plus one per line end).
//
// Tokenizer specs: space (whitespace-separated pre-tokenized text such as
// PTB, where <unk> is a word), word (English rules), zh-word (Chinese word
// segmentation), char (characters) and subword:MODEL (a subword.Model,
// whose file is embedded in the LM file).
//
// # Training
//
// NewTrainer and Run train; Run validates after every epoch, applies the
// schedule (plateau, decay, cosine, constant), writes the best model to
// TrainOptions.Out and a checkpoint (model, optimizer state, random state,
// carried state, data position) every CheckpointEvery updates and at each
// epoch end. Resume continues from a checkpoint with results bitwise equal
// to an uninterrupted run. A NaN or infinite loss stops training with an
// error wrapping ErrNonFinite that names the update.
//
// # Fine-tuning on the task's text
//
// LM.Adapt prepares stage 2 of ULMFiT (Howard & Ruder 2018), fine-tuning a
// pretrained LM on the target task's own text: it returns a copy of the LM
// (configuration and weights) whose vocabulary is rebuilt from the given
// files with the LM's tokenizer. Rows of the embedding, the untied output
// layer and the output bias are copied by token string for the specials and
// for tokens both vocabularies hold, and set to the mean of the base's rows
// for new tokens; AdaptStats counts them. Without files, or for a subword
// tokenizer (whose vocabulary is the subword model's), the copy keeps the
// vocabulary unchanged. Train the result as usual (NewTrainer);
// SetDropouts changes the regularisation for fine-tuning.
//
// # Transfer: the Encoder
//
// LM.Encoder returns the body of the model (embedding and recurrent layers or
// Transformer blocks) without the decoder. Classifiers and taggers use it so:
//
//	enc := base.Encoder()
//	ids := enc.Encode(text)               // tokenizer + vocabulary (+ reversal for a backward LM)
//	outs := enc.Forward(tp, ids, B, T, rng) // per layer [B, T, H_l]; outs[len(outs)-1] is the top, width enc.Dim()
//	groups := enc.LayerGroups()           // bottom-up parameter groups for discriminative LRs / gradual unfreezing
//
// Forward starts from a zero state and applies the LM's dropouts when the
// tape is in training mode. Its parameters are the LM's, so fine-tuning the
// encoder fine-tunes the LM (save it with LM.Save).
//
// # Files
//
// Models are framed modelfile containers of kind "lm" (checkpoints:
// "lm-checkpoint") holding sections: a JSON header (Config and the parameter
// names and shapes), the vocabulary in vocab's text format or the subword
// model, and the weights as little-endian float32 in parameter order.
package lm
