package demo

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(&out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !res.RoundTrip {
		t.Error("subword round trip failed")
	}
	for _, lang := range []string{"en", "zh"} {
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
	for _, want := range []string{"do n't", "训练", "Han:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
