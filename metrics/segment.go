package metrics

// Word segmentation scoring as defined for the SIGHAN 2005 bakeoff: a
// segmentation is the set of word spans (character offsets) over the text; a
// predicted word is correct when a gold word has exactly the same span.
// precision = correct/predicted, recall = correct/gold, F1 their harmonic mean.
// OOV recall is recall restricted to gold words absent from a training lexicon.
//
// Spans are computed over the whole text as one character stream, with the
// whitespace between words removed, so two files whose line breaks fall in
// different places (as in a few lines of the MSR gold file, where opening quotes
// moved to the previous line) still align; only the characters must agree.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode"
	"unicode/utf8"
)

// SegmentationScore holds the counts of a word segmentation comparison. Scores
// of several documents combine with Add.
type SegmentationScore struct {
	Gold      int // gold words
	Predicted int // predicted words
	Correct   int // predicted words whose span equals a gold word's span
	// OOV counts need a training lexicon; they stay zero without one.
	OOVGold    int // gold words not in the lexicon
	OOVCorrect int // of those, correctly predicted
}

// Add accumulates o into s.
func (s *SegmentationScore) Add(o SegmentationScore) {
	s.Gold += o.Gold
	s.Predicted += o.Predicted
	s.Correct += o.Correct
	s.OOVGold += o.OOVGold
	s.OOVCorrect += o.OOVCorrect
}

func segmentRatio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Precision is Correct/Predicted (0 when nothing was predicted).
func (s SegmentationScore) Precision() float64 { return segmentRatio(s.Correct, s.Predicted) }

// Recall is Correct/Gold (0 when there are no gold words).
func (s SegmentationScore) Recall() float64 { return segmentRatio(s.Correct, s.Gold) }

// F1 is the harmonic mean of precision and recall (0 when both are 0).
func (s SegmentationScore) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// OOVRecall is OOVCorrect/OOVGold, or NaN when there were no OOV gold words
// (for example when no lexicon was given).
func (s SegmentationScore) OOVRecall() float64 {
	if s.OOVGold == 0 {
		return math.NaN()
	}
	return float64(s.OOVCorrect) / float64(s.OOVGold)
}

// ErrSegmentText is wrapped when gold and predicted segmentations are not of
// the same text.
var ErrSegmentText = errors.New("gold and predicted segmentations differ in their characters")

// ScoreSegmentation compares a predicted segmentation with a gold one of the
// same text. Words must not contain whitespace; their concatenations must be
// equal, or an error wrapping ErrSegmentText names the first differing word.
// lexicon, when non-nil, is the training word list used for OOV recall.
func ScoreSegmentation(gold, pred []string, lexicon map[string]bool) (SegmentationScore, error) {
	return scoreSegmentation(gold, pred, nil, nil, "gold", "predicted", lexicon)
}

// ScoreSegmentationReaders reads two segmented texts (words separated by any
// Unicode whitespace, including the ideographic space U+3000) and scores pred
// against gold as ScoreSegmentation does. Line breaks only separate words.
// goldName and predName are used in error messages, which give file:line.
func ScoreSegmentationReaders(goldName string, gold io.Reader, predName string, pred io.Reader, lexicon map[string]bool) (SegmentationScore, error) {
	gw, gl, err := readSegmented(goldName, gold)
	if err != nil {
		return SegmentationScore{}, err
	}
	pw, pl, err := readSegmented(predName, pred)
	if err != nil {
		return SegmentationScore{}, err
	}
	return scoreSegmentation(gw, pw, gl, pl, goldName, predName, lexicon)
}

// readSegmented splits r into whitespace-separated words and records each
// word's 1-based line number.
func readSegmented(name string, r io.Reader) (words []string, lines []int32, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<26)
	line := int32(0)
	for sc.Scan() {
		line++
		text := sc.Text()
		if !utf8.ValidString(text) {
			return nil, nil, fmt.Errorf("%s:%d: invalid UTF-8", name, line)
		}
		start := -1
		for i, r := range text {
			if unicode.IsSpace(r) {
				if start >= 0 {
					words = append(words, text[start:i])
					lines = append(lines, line)
					start = -1
				}
			} else if start < 0 {
				start = i
			}
		}
		if start >= 0 {
			words = append(words, text[start:])
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return words, lines, nil
}

// scoreSegmentation walks both word lists over the shared character stream.
// Byte offsets stand in for character offsets: the streams are checked to be
// byte-identical, so equal byte spans are equal character spans.
func scoreSegmentation(gold, pred []string, glines, plines []int32, gname, pname string, lexicon map[string]bool) (SegmentationScore, error) {
	var s SegmentationScore
	s.Gold, s.Predicted = len(gold), len(pred)
	where := func(name string, lines []int32, i int) string {
		if lines != nil {
			return fmt.Sprintf("%s:%d", name, lines[i])
		}
		return fmt.Sprintf("%s word %d", name, i+1)
	}
	gi, pi := 0, 0
	gs, ps := 0, 0 // start offsets of gold[gi] and pred[pi]
	for gi < len(gold) && pi < len(pred) {
		g, p := gold[gi], pred[pi]
		if g == "" || p == "" {
			if g == "" {
				return s, fmt.Errorf("%s: empty word", where(gname, glines, gi))
			}
			return s, fmt.Errorf("%s: empty word", where(pname, plines, pi))
		}
		// Compare the overlapping bytes of the two current words.
		lo := max(gs, ps)
		hi := min(gs+len(g), ps+len(p))
		if g[lo-gs:hi-gs] != p[lo-ps:hi-ps] {
			return s, fmt.Errorf("%w: %s %q vs %s %q", ErrSegmentText, where(gname, glines, gi), g, where(pname, plines, pi), p)
		}
		ge, pe := gs+len(g), ps+len(p)
		if gs == ps && ge == pe {
			s.Correct++
			if lexicon != nil && !lexicon[g] {
				s.OOVCorrect++
			}
		}
		if ge <= pe {
			if lexicon != nil && !lexicon[g] {
				s.OOVGold++
			}
			gi++
			gs = ge
		}
		if pe <= ge {
			pi++
			ps = pe
		}
	}
	if gi < len(gold) || pi < len(pred) {
		if gi < len(gold) {
			return s, fmt.Errorf("%w: %s has text after the end of %s at %q", ErrSegmentText, where(gname, glines, gi), pname, gold[gi])
		}
		return s, fmt.Errorf("%w: %s has text after the end of %s at %q", ErrSegmentText, where(pname, plines, pi), gname, pred[pi])
	}
	return s, nil
}
