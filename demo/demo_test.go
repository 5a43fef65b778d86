package demo

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mulan-nlp/mulan/corpus"
)

// TestRun runs the whole demo end to end in its quick configuration and
// checks what every part computes.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	res, err := RunWith(&out, Options{Quick: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !res.RoundTrip {
		t.Error("subword round trip failed")
	}
	for _, lang := range Langs {
		// A trigram model of the same text must beat the unigram model on held-out text.
		if !(res.Perplexity[lang] > 1 && res.Perplexity[lang] < res.UnigramPPL[lang]) {
			t.Errorf("%s: trigram ppl %.2f, unigram %.2f", lang, res.Perplexity[lang], res.UnigramPPL[lang])
		}
		if n := res.NgramsPerOrder[lang]; len(n) != 3 || n[0] == 0 || n[2] == 0 {
			t.Errorf("%s: n-gram counts %v", lang, n)
		}
	}
	if !(res.CharPPLAfter < res.CharPPLBefore/2) {
		t.Errorf("char LM: held-out perplexity %.1f before, %.1f after training", res.CharPPLBefore, res.CharPPLAfter)
	}
	if res.Pieces["en"] < 1 || res.Pieces["zh"] > 1.5 {
		t.Errorf("pieces per unit %v", res.Pieces)
	}

	s := res.Sentiment
	if s == nil {
		t.Fatal("no sentiment result")
	}
	// Pretraining must have taught the LM the review text: the untrained
	// model is near uniform over the vocabulary.
	if !(s.LMPPLBefore > float64(s.Vocab)/2 && s.LMPPLAfter < s.LMPPLBefore/3) {
		t.Errorf("LM perplexity %.1f untrained, %.1f pretrained (vocabulary %d)", s.LMPPLBefore, s.LMPPLAfter, s.Vocab)
	}
	for _, lang := range Langs {
		ls := s.Langs[lang]
		if ls == nil || ls.Pretrained == nil || ls.Scratch == nil {
			t.Fatalf("%s: missing results %+v", lang, ls)
		}
		for name, rep := range map[string]*struct {
			acc   float64
			total int
		}{
			"pretrained": {ls.Pretrained.Accuracy, ls.Pretrained.Confusion.Total()},
			"scratch":    {ls.Scratch.Accuracy, ls.Scratch.Confusion.Total()},
		} {
			if rep.total != ls.Test || ls.Test != 140 {
				t.Errorf("%s %s: %d predictions for %d test reviews", lang, name, rep.total, ls.Test)
			}
			// The test split is balanced, so chance is 0.5; 0.64 on 140
			// reviews is about 3.3 standard deviations above it.
			if rep.acc < 0.64 {
				t.Errorf("%s %s classifier: test accuracy %.3f, want at least 0.64 (chance 0.5)", lang, name, rep.acc)
			}
		}
		if len(ls.PretrainedAcc) != 1 || ls.PretrainedAcc[0] != ls.Pretrained.Accuracy {
			t.Errorf("%s: per-seed accuracies %v, report %.3f", lang, ls.PretrainedAcc, ls.Pretrained.Accuracy)
		}
	}
	for _, want := range []string{"do n't", "训练", "Han:", "== 5. sentiment",
		"precision    recall  f1-score   support", "true\\pred", "en      560   140", "zh      560   140"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

var (
	enNegation = regexp.MustCompile(`(?i)\b(not|no|never|nothing|n't|didn't|don't|doesn't|can't|couldn't|wasn't|isn't|won't)\b`)
	zhNegation = regexp.MustCompile(`[不没别]`)
)

// TestReviews checks the built-in sentiment corpus: it parses (embedded and
// on disk, as the CLI reads it), the splits are balanced and disjoint, the
// texts are in their language, and both classes use negation, so that the
// task is not a keyword match.
func TestReviews(t *testing.T) {
	norm := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsPunct(r) || unicode.IsSpace(r) {
				return -1
			}
			return unicode.ToLower(r)
		}, s)
	}
	for _, tc := range []struct {
		lang        string
		train, test int
		negation    *regexp.Regexp
	}{
		{"en", 560, 140, enNegation},
		{"zh", 560, 140, zhNegation},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			seen := map[string]string{} // normalised text -> split
			for _, split := range []struct {
				name string
				n    int
			}{{"train", tc.train}, {"test", tc.test}} {
				rs, err := Reviews(tc.lang, split.name)
				if err != nil {
					t.Fatal(err)
				}
				disk, err := corpus.ReadAllRecords(ReviewFile(tc.lang, split.name), corpus.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != split.n || len(disk) != split.n {
					t.Fatalf("%s: %d reviews (%d read from disk), want %d", split.name, len(rs), len(disk), split.n)
				}
				perLabel := map[string]int{}
				negated := map[string]int{}
				for i, r := range rs {
					if r.Text != disk[i].Text || r.Label != disk[i].Label || r.Line != i+2 {
						t.Fatalf("%s review %d: %+v, on disk %+v", split.name, i, r, disk[i])
					}
					perLabel[r.Label]++
					if tc.negation.MatchString(r.Text) {
						negated[r.Label]++
					}
					k := norm(r.Text)
					if prev, dup := seen[k]; dup {
						t.Errorf("%s line %d %q also in %s", split.name, r.Line, r.Text, prev)
					}
					seen[k] = split.name
					han := strings.IndexFunc(r.Text, func(c rune) bool { return unicode.Is(unicode.Han, c) }) >= 0
					if han != (tc.lang == "zh") || len(strings.TrimSpace(r.Text)) < 4 {
						t.Errorf("%s line %d: %q is not a %s review", split.name, r.Line, r.Text, tc.lang)
					}
				}
				if perLabel["pos"] != split.n/2 || perLabel["neg"] != split.n/2 {
					t.Errorf("%s: labels %v, want %d each", split.name, perLabel, split.n/2)
				}
				// At least a tenth of each class is negated.
				for _, l := range Labels {
					if negated[l] < split.n/20 {
						t.Errorf("%s: %d %s reviews with a negation, want at least %d", split.name, negated[l], l, split.n/20)
					}
				}
			}
		})
	}
}

func TestReviewsErrors(t *testing.T) {
	for _, tc := range []struct{ lang, split string }{{"fr", "train"}, {"en", "dev"}, {"", ""}} {
		if _, err := Reviews(tc.lang, tc.split); err == nil || !strings.Contains(err.Error(), "no built-in") {
			t.Errorf("Reviews(%q, %q): error %v", tc.lang, tc.split, err)
		}
	}
}

func TestEveryNth(t *testing.T) {
	for _, tc := range []struct {
		n      int
		writes []string
		want   string
	}{
		{1, []string{"a\n", "b\n"}, "  a\n  b\n"},
		{3, []string{"1\n", "2\n", "3\n", "4\n", "5\n", "6\n", "7\n"}, "  1\n  3\n  6\n"},
		{2, []string{"1\n2\n3\n4\n"}, "  1\n  2\n  4\n"},
		// A line written in pieces counts once.
		{2, []string{"on", "e\ntw", "o\n", "three\n"}, "  one\n  two\n"},
	} {
		var b bytes.Buffer
		e := &everyNth{w: &b, n: tc.n}
		for _, s := range tc.writes {
			if n, err := e.Write([]byte(s)); err != nil || n != len(s) {
				t.Fatalf("Write(%q) = %d, %v", s, n, err)
			}
		}
		if b.String() != tc.want {
			t.Errorf("n=%d %q: got %q, want %q", tc.n, tc.writes, b.String(), tc.want)
		}
	}
}
