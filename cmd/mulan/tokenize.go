package main

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/subword"
	"github.com/mulan-nlp/mulan/tokenize"
)

func init() {
	var (
		lang      string
		lower     bool
		chars     bool
		algorithm string
		subModel  string
		workers   int
	)
	c := &cobra.Command{
		Use:   "tokenize [--lang en|zh|auto] [--lower] [--chars] [--subword MODEL]",
		Short: "Tokenize text from stdin: one line of space-separated tokens per input line",
		Long: `Tokenize reads standard input line by line and writes, for every input line,
one line of tokens separated by single spaces (an empty line for a line with no
tokens). Tokens never contain whitespace.

  --lang en     English rules (Penn Treebank style: don't → do n't, 10% → 10 %,
                URLs and e-mail addresses whole, hyphenated words whole)
  --lang zh     Chinese word segmentation (gse, embedded dictionary) of Han
                text; Latin words, numbers and punctuation by the English rules
  --lang auto   the same routing by script, for mixed English and Chinese
                (the default; zh and auto tokenize identically)
  --chars       characters instead of words: with en every character, with
                zh/auto every Han character (Latin words stay whole)
  --subword M   then encode the tokens (joined by single spaces) with the
                subword model M (from 'mulan subword train'), writing pieces;
                with --lang raw the model is applied to the line untouched

Lines are tokenized in parallel batches and written in input order.`,
		Example: `  echo "I don't like 10% of it." | mulan tokenize --lang en
  mulan tokenize --lang zh < pku_test.utf8 > pku_test.seg
  mulan tokenize --lang auto --lower < mixed.txt
  mulan tokenize --lang zh --chars < novel.txt
  mulan tokenize --lang raw --subword enzh.bpe < text.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tok, err := newTokenizer(lang, lower, chars, algorithm)
			if err != nil && !(lang == "raw" && subModel != "") {
				return err
			}
			if subModel != "" {
				m, err := subword.Load(subModel)
				if err != nil {
					return err
				}
				tok = subwordTokenizer{pre: tok, enc: m}
			} else if lang == "raw" {
				return fmt.Errorf("--lang raw needs --subword")
			}
			in := bufio.NewReaderSize(cmd.InOrStdin(), 1<<16)
			if _, err := tokenize.Lines(cmd.OutOrStdout(), in, tok, workers); err != nil {
				return fmt.Errorf("tokenize: %w", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&lang, "lang", "auto", "language rules: en, zh, auto, or raw (only with --subword)")
	f.BoolVar(&lower, "lower", false, "lowercase tokens (Latin and other cased scripts)")
	f.BoolVar(&chars, "chars", false, "character tokens instead of words")
	f.StringVar(&algorithm, "zh-algorithm", "shortest", "Chinese segmentation: shortest (gse Cut), dag (jieba-style), dag-hmm (DAG plus HMM for unknown words)")
	f.StringVar(&subModel, "subword", "", "subword model file to apply after pre-tokenization")
	f.IntVar(&workers, "workers", 0, "tokenizing goroutines (0: one per CPU)")
	register(c)
}

// newTokenizer returns the pre-tokenizer for the tokenize and vocab commands.
func newTokenizer(lang string, lower, chars bool, algorithm string) (tokenize.Tokenizer, error) {
	var alg tokenize.Algorithm
	switch algorithm {
	case "shortest", "":
		alg = tokenize.ShortestPath
	case "dag":
		alg = tokenize.DAG
	case "dag-hmm":
		alg = tokenize.DAGHMM
	default:
		return nil, fmt.Errorf("unknown --zh-algorithm %q (want shortest, dag or dag-hmm)", algorithm)
	}
	switch lang {
	case "en":
		if chars {
			if lower {
				return lowerChars{}, nil
			}
			return tokenize.Chars{}, nil
		}
		return tokenize.English{Lower: lower}, nil
	case "zh", "auto":
		z := tokenize.Chinese{Algorithm: alg, Chars: chars, Lower: lower}
		if !chars {
			if err := tokenize.LoadChinese(); err != nil {
				return nil, err
			}
		}
		if lang == "zh" {
			return z, nil
		}
		return tokenize.Auto{Chinese: z, Lower: lower}, nil
	}
	return nil, fmt.Errorf("unknown --lang %q (want en, zh or auto)", lang)
}

// lowerChars is tokenize.Chars with lowercasing.
type lowerChars struct{}

func (lowerChars) Tokenize(text string) []string {
	toks := tokenize.Chars{}.Tokenize(text)
	for i, t := range toks {
		toks[i] = strings.ToLower(t)
	}
	return toks
}

// pieceEncoder is what tokenize needs from a subword model.
type pieceEncoder interface {
	Encode(text string) []string
}

var _ pieceEncoder = (*subword.Model)(nil)

// subwordTokenizer encodes a line with a subword model, after joining the
// tokens of pre (if not nil) with single spaces.
type subwordTokenizer struct {
	pre tokenize.Tokenizer
	enc pieceEncoder
}

func (s subwordTokenizer) Tokenize(line string) []string {
	if s.pre != nil {
		toks := s.pre.Tokenize(line)
		if len(toks) == 0 {
			return nil
		}
		line = strings.Join(toks, " ")
	}
	if line == "" {
		return nil
	}
	return s.enc.Encode(line)
}
