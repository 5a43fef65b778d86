package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/transfer"
)

// The neural head has ULMFiT's dropouts by default; --batchnorm adds its
// batch norms and is refused by --arch linear.
func TestFinetuneBatchNormFlag(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.tsv")
	keywordData(t, train, 60, 5)
	for _, tc := range []struct {
		flags []string
		bn    bool
	}{{nil, false}, {[]string{"--batchnorm"}, true}} {
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
		want.BatchNorm = tc.bn
		if c.Head != want {
			t.Errorf("%v: head %+v, want %+v", tc.flags, c.Head, want)
		}
	}
	if _, errs, code := run(t, "", "finetune", "--arch", "linear", "--train", train, "--out", filepath.Join(dir, "x.lin"), "--batchnorm"); code == 0 ||
		!strings.Contains(errs, "--batchnorm is not used with --arch linear") {
		t.Errorf("--arch linear --batchnorm: exit %d, stderr %q", code, errs)
	}
}
