// Package sources lists the shared corpora the language-identification
// profile is built from and tested on, and the fixed split of their lines:
// line i (0-based, counting non-blank texts) is held out for testing when
// i%10 == 0, for calibration when i%10 == 5, and used for training otherwise.
// Unseen sources (other files of the shared data) are test data throughout.
package sources

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mulan-nlp/mulan/corpus"
)

// Part of a source's lines.
type Part int

// The parts of the split.
const (
	Train Part = iota
	Calib
	Test
)

// PartOf returns the part of line i of a source used for training.
func PartOf(i int) Part {
	switch i % 10 {
	case 0:
		return Test
	case 5:
		return Calib
	}
	return Train
}

// Source is one text collection in one language.
type Source struct {
	Name   string // short name used in reports
	Lang   string // "en" or "zh"
	Path   string // relative to the shared data directory
	Unseen bool   // never used for training or calibration
	read   func(path string, yield func(string) bool) error
}

// All lists the sources: training sources first, then unseen ones.
func All() []Source {
	return []Source{
		{Name: "shakespeare", Lang: "en", Path: "tiny_shakespeare/input.txt", read: plainLines},
		{Name: "ptb", Lang: "en", Path: "ptb_mikolov/ptb.train.txt", read: plainLines},
		{Name: "trec-train", Lang: "en", Path: "trec/train.tsv", read: column("question")},
		{Name: "conll-train", Lang: "en", Path: "conll2003_en/train.txt", read: conll},
		{Name: "tatoeba-en", Lang: "en", Path: "tatoeba_cmn_eng/cmn.txt", read: tatoeba(0)},
		{Name: "hongloumeng", Lang: "zh", Path: "zh_lm_corpus/classic_novels/红楼梦.txt", read: plainLines},
		{Name: "shuihuzhuan", Lang: "zh", Path: "zh_lm_corpus/classic_novels/水浒传.txt", read: plainLines},
		{Name: "sanguo", Lang: "zh", Path: "zh_lm_corpus/classic_novels/三国演义.txt", read: plainLines},
		{Name: "sighan-pku", Lang: "zh", Path: "zh_lm_corpus/sighan2005_pku_msr/pku_test.utf8", read: plainLines},
		{Name: "sighan-msr", Lang: "zh", Path: "zh_lm_corpus/sighan2005_pku_msr/msr_test.utf8", read: plainLines},
		{Name: "chnsenticorp-train", Lang: "zh", Path: "chnsenticorp_12k/train.tsv", read: column("text_a")},
		{Name: "msra-train", Lang: "zh", Path: "msra_ner_zh/train.txt", read: chars},
		{Name: "tatoeba-zh", Lang: "zh", Path: "tatoeba_cmn_eng/cmn.txt", read: tatoeba(1)},

		{Name: "sst2-dev", Lang: "en", Path: "sst2/dev.tsv", Unseen: true, read: column("sentence")},
		{Name: "sst2-test", Lang: "en", Path: "sst2/stsa.binary.test", Unseen: true, read: labelText},
		{Name: "trec-test", Lang: "en", Path: "trec/test.tsv", Unseen: true, read: column("question")},
		{Name: "conll-test", Lang: "en", Path: "conll2003_en/test.txt", Unseen: true, read: conll},
		{Name: "chnsenticorp-dev", Lang: "zh", Path: "chnsenticorp_12k/dev.tsv", Unseen: true, read: column("text_a")},
		{Name: "msra-test", Lang: "zh", Path: "msra_ner_zh/test.txt", Unseen: true, read: chars},
	}
}

// Lines calls yield with every distinct non-blank text of the source under
// dataDir and its part (Test for every line of an unseen source). Repeated
// texts (Tatoeba repeats a sentence for each of its translations) are
// skipped so that no held-out text was also trained on.
func (s Source) Lines(dataDir string, yield func(text string, part Part) bool) error {
	i := 0
	seen := map[string]bool{}
	return s.read(filepath.Join(dataDir, s.Path), func(t string) bool {
		if strings.TrimSpace(t) == "" || seen[t] {
			return true
		}
		seen[t] = true
		p := PartOf(i)
		if s.Unseen {
			p = Test
		}
		i++
		return yield(t, p)
	})
}

func plainLines(path string, yield func(string) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		n++
		if !yield(strings.TrimRight(sc.Text(), "\r")) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", path, n+1, err)
	}
	return nil
}

func column(col string) func(string, func(string) bool) error {
	return func(path string, yield func(string) bool) error {
		for rec, err := range corpus.Records(path, corpus.Options{Format: corpus.TSV, TextCol: col}) {
			if err != nil {
				return err
			}
			if !yield(rec.Text) {
				return nil
			}
		}
		return nil
	}
}

func labelText(path string, yield func(string) bool) error {
	for rec, err := range corpus.Records(path, corpus.Options{Format: corpus.LabelText}) {
		if err != nil {
			return err
		}
		if !yield(rec.Text) {
			return nil
		}
	}
	return nil
}

func conll(path string, yield func(string) bool) error {
	for s, err := range corpus.Sentences(path, corpus.Options{Format: corpus.CoNLL}) {
		if err != nil {
			return err
		}
		if !yield(strings.Join(s.Tokens, " ")) {
			return nil
		}
	}
	return nil
}

func chars(path string, yield func(string) bool) error {
	for s, err := range corpus.Sentences(path, corpus.Options{Format: corpus.Chars}) {
		if err != nil {
			return err
		}
		if !yield(strings.Join(s.Tokens, "")) {
			return nil
		}
	}
	return nil
}

func tatoeba(field int) func(string, func(string) bool) error {
	return func(path string, yield func(string) bool) error {
		return plainLines(path, func(l string) bool {
			f := strings.Split(l, "\t")
			if len(f) <= field {
				return true
			}
			return yield(f[field])
		})
	}
}
