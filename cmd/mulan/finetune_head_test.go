package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/lm"
	"github.com/mulan-nlp/mulan/transfer"
)

// The neural head has ULMFiT's dropouts by default; --batchnorm adds its
// batch norms, --start-marker the line marker before every text, --drop-mult
// scales the head's and the encoder's dropouts; --arch linear refuses them.
func TestFinetuneHeadFlags(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.tsv")
	keywordData(t, train, 60, 5)
	var plain lm.Config // the encoder's configuration without --drop-mult
	for _, tc := range []struct {
		flags         []string
		bn, marker    bool
		drop1, drop2  float32
		encoderScaled float32
	}{
		{nil, false, false, 0.4, 0.1, 1},
		{[]string{"--batchnorm"}, true, false, 0.4, 0.1, 1},
		{[]string{"--start-marker"}, false, true, 0.4, 0.1, 1},
		{[]string{"--drop-mult", "0.5"}, false, false, 0.2, 0.05, 0.5},
	} {
		model := filepath.Join(dir, "m.clf")
		args := append([]string{"finetune", "--arch", "lstm", "--tokenizer", "space", "--emb", "8", "--hidden", "8", "--layers", "1",
			"--train", train, "--epoch", "1", "--quiet", "--out", model}, tc.flags...)
		if out, errs, code := run(t, "", args...); code != 0 {
			t.Fatalf("%v: exit %d: %s\n%s", tc.flags, code, errs, out)
		}
		c, err := transfer.Load(model)
		if err != nil {
			t.Fatal(err)
		}
		want := transfer.DefaultHead()
		want.BatchNorm, want.StartMarker, want.Drop1, want.Drop2 = tc.bn, tc.marker, tc.drop1, tc.drop2
		if c.Head != want {
			t.Errorf("%v: head %+v, want %+v", tc.flags, c.Head, want)
		}
		got := c.LM().Cfg
		if tc.flags == nil {
			plain = got
			if plain.DropIn == 0 || plain.DropWeight == 0 {
				t.Fatalf("default encoder has no dropout to scale: %+v", plain)
			}
		}
		m := tc.encoderScaled
		if got.DropEmb != m*plain.DropEmb || got.DropIn != m*plain.DropIn || got.DropHidden != m*plain.DropHidden ||
			got.DropOut != m*plain.DropOut || got.DropWeight != m*plain.DropWeight {
			t.Errorf("%v: encoder dropouts %+v, want %v × %+v", tc.flags, got, m, plain)
		}
	}
	for _, bad := range [][]string{{"--drop-mult", "-1"}, {"--drop-mult", "3"}} {
		args := append([]string{"finetune", "--arch", "lstm", "--tokenizer", "space", "--emb", "8", "--hidden", "8", "--layers", "1",
			"--train", train, "--epoch", "1", "--quiet", "--out", filepath.Join(dir, "bad.clf")}, bad...)
		if _, errs, code := run(t, "", args...); code == 0 || !strings.Contains(errs, "--drop-mult") {
			t.Errorf("%v: exit %d, stderr %q", bad, code, errs)
		}
	}
	if _, errs, code := run(t, "", "finetune", "--arch", "linear", "--train", train, "--out", filepath.Join(dir, "x.lin"), "--batchnorm"); code == 0 ||
		!strings.Contains(errs, "--batchnorm is not used with --arch linear") {
		t.Errorf("--arch linear --batchnorm: exit %d, stderr %q", code, errs)
	}
}
