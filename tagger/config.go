package tagger

import (
	"errors"
	"fmt"

	"github.com/mulan-nlp/mulan/tags"
)

// Config holds the tagger's hyper-parameters. It is stored in the model file.
type Config struct {
	Lang string `json:"lang"` // "en" (words) or "zh" (characters)

	// Scheme is the internal tag scheme the CRF is trained in: "iobes"
	// (default) or "iob2".
	Scheme string `json:"scheme"`

	WordDim    int `json:"word_dim"`    // token (word or character) embedding size
	CapsDim    int `json:"caps_dim"`    // en: capitalisation-pattern embedding size (0: off)
	CharDim    int `json:"char_dim"`    // en: character embedding size for the char BiLSTM (0: off)
	CharHidden int `json:"char_hidden"` // en: char BiLSTM size per direction
	MaxWordLen int `json:"max_word_len"`
	BigramDim  int `json:"bigram_dim"` // zh: character-bigram embedding size (0: off)
	SegDim     int `json:"seg_dim"`    // zh: gse word-position (BMES) embedding size (0: off)
	Hidden     int `json:"hidden"`     // BiLSTM size per direction
	// ContextDim is the size of the optional contextual features (0: none);
	// ContextName names their source.
	ContextDim  int    `json:"context_dim,omitempty"`
	ContextName string `json:"context_name,omitempty"`
	// ContextFineTune records that the context's own parameters (a
	// TrainableContext such as a fine-tuned LMContext) were trained with the
	// tagger. Its layer groups then get discriminative learning rates, the
	// top group LR/ContextFactor and each group below the one above divided
	// by ContextFactor (ULMFiT: 2.6; 1: the tagger's rate), and with
	// ContextUnfreeze they are unfrozen gradually: epoch 1 trains the tagger
	// only, epoch 2 also the top group, and so on. Train sets
	// ContextFineTune from the context and clears the other two when the
	// context is not trained.
	ContextFineTune bool    `json:"context_finetune,omitempty"`
	ContextFactor   float64 `json:"context_factor,omitempty"`
	ContextUnfreeze bool    `json:"context_unfreeze,omitempty"`

	Dropout float64 `json:"dropout"`
	// MinCount drops training tokens (and bigrams) seen fewer times from the
	// vocabularies; WordUnkProb replaces training singletons by the unknown
	// token with this probability (Lample et al.), teaching the unknown
	// vector.
	MinCount    int     `json:"min_count"`
	WordUnkProb float64 `json:"word_unk_prob"`

	Optimizer string  `json:"optimizer"` // "sgd" or "adam"
	LR        float64 `json:"lr"`
	Momentum  float64 `json:"momentum"` // sgd only
	// Decay sets the learning rate of epoch e (from 0) to LR/(1+Decay·e).
	Decay    float64 `json:"decay"`
	Clip     float64 `json:"clip"` // gradient-norm clipping (0: off)
	Batch    int     `json:"batch"`
	Epochs   int     `json:"epochs"`
	Patience int     `json:"patience"` // stop after this many epochs without dev improvement (0: never)
	Seed     int64   `json:"seed"`
}

// DefaultConfig returns the defaults for a language: Lample et al.'s sizes
// for English (word 100, char 25+25, LSTM 100 per direction, dropout 0.5,
// SGD with learning rate 0.015 and decay 0.05 on the loss summed over the
// batch, clipping at 5), and character + bigram + gse features for Chinese.
// A fine-tuned context gets ULMFiT's divisor 2.6 and gradual unfreezing.
func DefaultConfig(lang string) Config {
	c := Config{
		Lang: lang, Scheme: "iobes",
		WordDim: 100, Hidden: 100,
		Dropout: 0.5, MinCount: 1, WordUnkProb: 0.5,
		Optimizer: "sgd", LR: 0.015, Momentum: 0.9, Decay: 0.05, Clip: 5,
		Batch: 10, Epochs: 50, Patience: 10, Seed: 1,
		ContextFactor: 2.6, ContextUnfreeze: true,
	}
	if lang == "zh" {
		c.WordDim, c.BigramDim, c.SegDim = 100, 50, 20
		c.MinCount = 1
	} else {
		c.CapsDim, c.CharDim, c.CharHidden, c.MaxWordLen = 10, 25, 25, 30
	}
	return c
}

// internalScheme returns the tags.Scheme named by c.Scheme.
func (c *Config) internalScheme() (tags.Scheme, error) {
	s, err := tags.ParseScheme(c.Scheme)
	if err != nil {
		return 0, fmt.Errorf("tagger: internal scheme: %w", err)
	}
	if s != tags.IOBES && s != tags.IOB2 {
		return 0, fmt.Errorf("tagger: internal scheme must be bioes or bio, not %s", s)
	}
	return s, nil
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("tagger: "+format, a...)) }
	if c.Lang != "en" && c.Lang != "zh" {
		bad("lang %q: want en or zh", c.Lang)
	}
	if _, err := c.internalScheme(); err != nil {
		errs = append(errs, err)
	}
	if c.WordDim <= 0 || c.Hidden <= 0 {
		bad("word_dim and hidden must be positive")
	}
	if c.CapsDim < 0 || c.CharDim < 0 || c.BigramDim < 0 || c.SegDim < 0 || c.ContextDim < 0 {
		bad("feature sizes must not be negative")
	}
	if c.ContextFineTune && !(c.ContextFactor >= 1) {
		bad("context_factor %v: a fine-tuned context needs a learning-rate divisor of at least 1", c.ContextFactor)
	}
	if c.CharDim > 0 && (c.CharHidden <= 0 || c.MaxWordLen <= 0) {
		bad("char features need char_hidden and max_word_len > 0")
	}
	if c.Dropout < 0 || c.Dropout >= 1 || c.WordUnkProb < 0 || c.WordUnkProb > 1 {
		bad("dropout must be in [0,1) and word_unk_prob in [0,1]")
	}
	if c.Optimizer != "sgd" && c.Optimizer != "adam" {
		bad("optimizer %q: want sgd or adam", c.Optimizer)
	}
	if c.LR <= 0 || c.Decay < 0 || c.Clip < 0 || c.Momentum < 0 || c.Momentum >= 1 {
		bad("lr must be positive, decay and clip not negative, momentum in [0,1)")
	}
	if c.Batch <= 0 || c.Epochs <= 0 || c.Patience < 0 || c.MinCount < 1 {
		bad("batch, epochs and min_count must be positive, patience not negative")
	}
	return errors.Join(errs...)
}
