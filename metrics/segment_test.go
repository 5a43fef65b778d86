package metrics

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

func TestScoreSegmentation(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	tests := []struct {
		name             string
		gold, pred       string
		gw, pw, ok       int
		p, r, f1         float64
		lexicon          []string
		oovGold, oovCorr int
	}{
		// Gold spans 中国[0,2) 人民[2,4) 很[4,5) 好[5,6); predicted 中国人民[0,4) 很[4,5) 好[5,6):
		// correct 2, P = 2/3, R = 2/4, F1 = 2*(2/3)(1/2)/(2/3+1/2) = 4/7.
		{name: "merge", gold: "中国 人民 很 好", pred: "中国人民 很 好", gw: 4, pw: 3, ok: 2, p: 2.0 / 3, r: 0.5, f1: 4.0 / 7},
		// Over-segmentation: gold 北京大学[0,4) 生[4,5); pred 北京[0,2) 大学[2,4) 生[4,5): correct 1, P 1/3, R 1/2, F1 0.4.
		{name: "split", gold: "北京大学 生", pred: "北京 大学 生", gw: 2, pw: 3, ok: 1, p: 1.0 / 3, r: 0.5, f1: 0.4},
		// Same words at shifted offsets do not count: gold 的[0,1) 的的[1,3), pred 的的[0,2) 的[2,3): 0 correct.
		{name: "offsets not strings", gold: "的 的的", pred: "的的 的", gw: 2, pw: 2, ok: 0},
		{name: "perfect", gold: "a bc d", pred: "a bc d", gw: 3, pw: 3, ok: 3, p: 1, r: 1, f1: 1},
		// OOV: lexicon {中国, 很}; gold OOV words 人民, 好 (2); of those only 好 is correct.
		{name: "oov", gold: "中国 人民 很 好", pred: "中国人民 很 好", gw: 4, pw: 3, ok: 2, p: 2.0 / 3, r: 0.5, f1: 4.0 / 7,
			lexicon: []string{"中国", "很"}, oovGold: 2, oovCorr: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lex map[string]bool
			if tt.lexicon != nil {
				lex = map[string]bool{}
				for _, w := range tt.lexicon {
					lex[w] = true
				}
			}
			s, err := ScoreSegmentation(strings.Fields(tt.gold), strings.Fields(tt.pred), lex)
			if err != nil {
				t.Fatal(err)
			}
			if s.Gold != tt.gw || s.Predicted != tt.pw || s.Correct != tt.ok {
				t.Errorf("counts gold=%d pred=%d correct=%d, want %d %d %d", s.Gold, s.Predicted, s.Correct, tt.gw, tt.pw, tt.ok)
			}
			if !near(s.Precision(), tt.p) || !near(s.Recall(), tt.r) || !near(s.F1(), tt.f1) {
				t.Errorf("P=%v R=%v F1=%v, want %v %v %v", s.Precision(), s.Recall(), s.F1(), tt.p, tt.r, tt.f1)
			}
			if s.OOVGold != tt.oovGold || s.OOVCorrect != tt.oovCorr {
				t.Errorf("OOV gold=%d correct=%d, want %d %d", s.OOVGold, s.OOVCorrect, tt.oovGold, tt.oovCorr)
			}
		})
	}
	var s SegmentationScore
	if !math.IsNaN(s.OOVRecall()) || s.F1() != 0 {
		t.Errorf("empty score: OOVRecall=%v F1=%v, want NaN 0", s.OOVRecall(), s.F1())
	}
	s.Add(SegmentationScore{Gold: 4, Predicted: 3, Correct: 2, OOVGold: 2, OOVCorrect: 1})
	s.Add(SegmentationScore{Gold: 2, Predicted: 3, Correct: 1})
	if s.Gold != 6 || s.Predicted != 6 || s.Correct != 3 || s.OOVRecall() != 0.5 || s.F1() != 0.5 {
		t.Errorf("Add: %+v F1=%v", s, s.F1())
	}
}

func TestScoreSegmentationReaders(t *testing.T) {
	// Line breaks need not agree (the MSR gold moves some opening quotes to the
	// previous line); ideographic spaces separate words.
	gold := "他 说\u3000“\n好 ” 。\n"
	pred := "他说\n“ 好 ”\r\n。"
	s, err := ScoreSegmentationReaders("gold.txt", strings.NewReader(gold), "pred.txt", strings.NewReader(pred), nil)
	if err != nil {
		t.Fatal(err)
	}
	// gold 他 说 “ 好 ” 。 (6), pred 他说 “ 好 ” 。 (5), correct 4.
	if s.Gold != 6 || s.Predicted != 5 || s.Correct != 4 {
		t.Errorf("counts %+v, want gold 6 pred 5 correct 4", s)
	}
	// Different characters: the error names both files and lines.
	_, err = ScoreSegmentationReaders("gold.txt", strings.NewReader("a b\nc d\n"), "pred.txt", strings.NewReader("a b\nc\nx\n"), nil)
	if !errors.Is(err, ErrSegmentText) || !strings.Contains(err.Error(), "gold.txt:2") || !strings.Contains(err.Error(), "pred.txt:3") {
		t.Errorf("mismatch error = %v, want ErrSegmentText naming gold.txt:2 and pred.txt:3", err)
	}
	_, err = ScoreSegmentationReaders("gold.txt", strings.NewReader("a b c"), "pred.txt", strings.NewReader("a b"), nil)
	if !errors.Is(err, ErrSegmentText) || !strings.Contains(err.Error(), "gold.txt:1") {
		t.Errorf("short prediction error = %v", err)
	}
	if _, err := ScoreSegmentation([]string{"ab"}, []string{"a", "", "b"}, nil); err == nil {
		t.Error("empty predicted word: no error")
	}
}

// The gold file scored against itself is perfect, and against its raw text
// split into characters gives the character baseline: precision = gold
// one-character words / characters.
func TestScoreSegmentationSIGHAN(t *testing.T) {
	const gold = "../../shared/data/zh_lm_corpus/sighan2005_pku_msr/pku_test_gold.utf8"
	data, err := os.ReadFile(gold)
	if err != nil {
		t.Skipf("SIGHAN 2005 data not present (%v)", err)
	}
	words := strings.Fields(string(data))
	s, err := ScoreSegmentation(words, words, nil)
	if err != nil || s.F1() != 1 || s.Gold != len(words) {
		t.Fatalf("gold vs gold: %+v %v", s, err)
	}
	var chars []string
	single := 0
	for _, w := range words {
		if len([]rune(w)) == 1 {
			single++
		}
		for _, r := range w {
			chars = append(chars, string(r))
		}
	}
	s, err = ScoreSegmentation(words, chars, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Correct != single || s.Predicted != 172733 {
		t.Errorf("characters: correct %d predicted %d, want %d and 172733 (SOURCE.md)", s.Correct, s.Predicted, single)
	}
}
