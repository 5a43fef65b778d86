// Package transfer fine-tunes a neural language model (package lm) into a
// text classifier, in the manner of ULMFiT (Howard & Ruder 2018).
//
// A Classifier is the LM's encoder (embedding and recurrent layers or
// Transformer blocks) followed by concat pooling of the top layer's states
// over each text's true length ([last, max, mean], width 3·Dim) and a head:
// BatchNorm, Dropout, Dense(3·Dim → Hidden) with ReLU, BatchNorm, Dropout,
// Dense(Hidden → classes), trained with softmax cross-entropy. The batch
// norms are fastai's (HeadConfig.BatchNorm, on in DefaultHead): a pretrained
// LM's pooled features are mostly a constant offset with a small spread
// across texts, which a head without them learns from slowly, or not at all
// while the encoder is frozen. They normalise with batch statistics in
// training (batches of at least two texts) and with their running
// statistics, saved in the model file, when predicting.
//
// Train uses Adam over parameter groups: the encoder's layer groups bottom
// up (lm.Encoder.LayerGroups: the embedding, then one per layer) and the head
// as the topmost group. Each of the three ULMFiT techniques can be switched
// off:
//
//   - discriminative learning rates: group i of n gets lr·2.6^-(n-1-i), so
//     the head trains at lr, the top encoder layer at lr/2.6, and so on down;
//   - gradual unfreezing: in epoch e (from 1) only the top e groups are
//     trained (epoch 1: the head; epoch 2: head and top layer; ...), all of
//     them from epoch n on;
//   - the slanted triangular schedule over all updates of the run (cut
//     fraction 0.1, ratio 32).
//
// With dev examples, Train scores the classifier on them after every epoch
// (accuracy and mean cross-entropy) and, with TrainOptions.SelectBest (on
// in DefaultTrainOptions), keeps a copy of the weights of the best epoch
// (highest dev accuracy, then lowest dev loss, then earliest) and restores
// it at the end; EpochStats.Kept marks the epoch whose weights are kept.
//
// The encoder reads each text in its LM's direction: a backward LM
// (lm.Config.Backward) reads the tokens from the text's end, so its concat
// pooling's "last" state is that of the first token, and a MaxLen cap keeps
// the end of a long text.
//
// Texts are batched by similar length (shuffled, then sorted by length
// within windows of 50 batches) and padded per batch; all randomness comes
// from the seed. Models are modelfile containers of kind "lm-classifier",
// holding the LM (its config, tokenizer, vocabulary and weights, as an lm
// file) and the head (version 2; version 1 files, whose heads have no batch
// norm, are still read).
//
// It is hand-written because it trains on mulan's own engine (packages nn,
// optim and lm), for which no Go library exists.
package transfer
