// Package tagger is mulan's named-entity (and general chunk) tagger: a
// BiLSTM-CRF in the manner of Lample et al. (2016) and Huang et al. (2015),
// trained and run on mulan's own nn engine.
//
// English (Lang "en") reads one word per token. Each word is represented by
// the embedding of its normalised form (lowercased, digits mapped to 0), a
// small embedding of its capitalisation pattern (lower, upper, title, mixed,
// no letters) and the final states of a character BiLSTM run over its
// characters. Chinese (Lang "zh") reads one character per token: the
// character's embedding, optionally the embedding of the character bigram it
// starts, and optionally the embedding of its position (B, M, E, S) in the
// word that gse's word segmentation puts it in ("soft-word" features). The
// token vectors go through dropout, a bidirectional LSTM, dropout, a linear
// layer giving one emission score per tag, and a linear-chain CRF.
//
// # Tag schemes
//
// Training data may use IOB1, IOB2 (BIO), IOBES or BMES (package tags). The
// tagger converts every gold sequence to its internal scheme (IOBES by default,
// or IOB2) through chunk spans, which is lossless; sequences that are not valid
// under the file's scheme (MSRA has chunks cut at an I- tag) are read
// leniently with tags.Decode, and the number of such repairs is reported.
// Predictions are converted back to the file's scheme.
//
// Predictions are always valid sequences: the CRF's transition, start and end
// scores of every transition the internal scheme forbids (O→I-X, B-X→O, B-X→
// B-Y under IOBES, and so on) are pinned to -10000 before training and after
// every update, so Viterbi never chooses them, and predicted sequences are
// re-encoded through their spans in the output scheme, which yields a valid
// sequence by construction even in the impossible case that it did.
//
// # Contextual features
//
// A Tagger may take an extra per-token feature vector from a Context. Its
// vectors are concatenated to the token vectors; the tagger records the
// Context's name and dimension so a model trained with one refuses to run
// without it.
//
// LMContext is the Context of pretrained mulan language models (package lm),
// in the manner of Flair: a token's feature is the forward LM's top-layer
// state after the token and the backward LM's state after reading the
// sentence from its end down to the token. By default the LMs are frozen and
// each sentence's features are computed once and cached across epochs. With
// LMContextOptions.FineTune they are trained with the tagger as in ULMFiT:
// their layer groups get discriminative learning rates (the top group
// LR/2.6, each lower one 2.6 times smaller again) and are unfrozen one per
// epoch from the top (Config.ContextFactor, ContextUnfreeze). A tagger with an
// LMContext stores the LMs in its model file (format version 2), so a loaded
// model has its context attached; other contexts must be attached with
// SetContext.
//
// The package is hand-written because no Go library provides a trainable
// BiLSTM-CRF; it builds on mulan's nn (tape, LSTM, CRF), optim and metrics
// (conlleval) packages.
package tagger
