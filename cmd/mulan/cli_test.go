package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// mulanBin builds the mulan binary once per test run, so the tests below see
// what a user sees: exit status, standard output and standard error.
func mulanBin(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mulan-cli-test")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "mulan")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("%s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("build mulan: %v", binErr)
	}
	return binPath
}

// run executes the binary with stdin and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(mulanBin(t), args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestHelpEverywhere runs --help on every command and subcommand.
func TestHelpEverywhere(t *testing.T) {
	var walk func(prefix []string, c *cobra.Command)
	n := 0
	walk = func(prefix []string, c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			args := append(append([]string{}, prefix...), sub.Name())
			out, errs, code := run(t, "", append(args, "--help")...)
			if code != 0 || !strings.Contains(out, "Usage:") {
				t.Errorf("mulan %s --help: exit %d, stderr %q", strings.Join(args, " "), code, errs)
			}
			if sub.Short == "" {
				t.Errorf("mulan %s has no short help", strings.Join(args, " "))
			}
			n++
			walk(args, sub)
		}
	}
	walk(nil, root)
	if n < 8 {
		t.Fatalf("only %d commands found", n)
	}
}

func TestBadInputFailsClearly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badARPA := write("bad.arpa", "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<s>\nnot-a-number\t</s>\n\n\\end\\\n")
	corrupt := write("corrupt.bpe", "MULANMF\x00garbage")
	badCoNLL := write("bad.txt", "EU B-ORG B-ORG\nrejects O\n") // a 2-column line among 3-column ones
	out := filepath.Join(dir, "out.arpa")
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  []string // substrings of stderr
	}{
		{"missing training text", []string{"ngram", "train", "--order", "3", "--text", filepath.Join(dir, "nope.txt"), "--arpa", out}, "", []string{"nope.txt"}},
		{"malformed ARPA", []string{"ngram", "query", "--model", badARPA}, "a b\n", []string{"bad.arpa:6"}},
		{"corrupted subword model", []string{"subword", "encode", "--model", corrupt}, "x\n", []string{"corrupt.bpe"}},
		{"unknown language", []string{"tokenize", "--lang", "xx"}, "x\n", []string{"xx"}},
		{"ragged conlleval input", []string{"conlleval", badCoNLL}, "", []string{"bad.txt:2"}},
		{"unknown command", []string{"frobnicate"}, "", []string{"unknown command"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := run(t, tc.stdin, tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stderr %q", errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			if strings.Contains(errs, "panic") || strings.Contains(errs, "goroutine ") {
				t.Errorf("panicked: %s", errs)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed training left %s behind (%v)", out, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".out.arpa*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestNgramTrainQuery runs the KenLM-style round trip through the binary.
func TestNgramTrainQuery(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "train.txt")
	os.WriteFile(text, []byte(strings.Repeat("the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n", 20)), 0o644)
	arpa := filepath.Join(dir, "m.arpa")
	if _, errs, code := run(t, "", "ngram", "train", "--order", "3", "--text", text, "--arpa", arpa, "--discount-fallback"); code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	stdout, errs, code := run(t, "the cat sat on the log\nzebra\n", "ngram", "query", "--model", arpa)
	if code != 0 {
		t.Fatalf("query: exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "Total: ") || !strings.HasSuffix(lines[1], "OOV: 1") ||
		!strings.HasPrefix(lines[2], "Perplexity including OOVs:\t") || lines[4] != "OOVs:\t1" || lines[5] != "Tokens:\t9" {
		t.Fatalf("unexpected query output:\n%s", stdout)
	}
}

func TestDemoRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("demo takes seconds; skipped with -short")
	}
	stdout, errs, code := run(t, "", "demo", "--quick")
	if code != 0 || !strings.Contains(stdout, "decode(encode(x)) == x on every line: true") || !strings.Contains(stdout, "pretrained") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, errs)
	}
}
