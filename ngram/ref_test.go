package ngram

import (
	"bufio"
	"bytes"
	"github.com/mulan-nlp/mulan/internal/shared"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedDir returns ../shared/sub beside the repository root, skipping the test when absent.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	p, err := shared.Path(sub)
	if err != nil {
		t.Skipf("shared file needed by this test: %v", err)
	}
	return p
}

// readTotals parses KenLM's "Total: x OOV: n" lines.
func readTotals(t *testing.T, path string) (totals []float64, oovs []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 4 || fs[0] != "Total:" || fs[2] != "OOV:" {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		x, err1 := strconv.ParseFloat(fs[1], 64)
		n, err2 := strconv.Atoi(fs[3])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad line %q", path, sc.Text())
		}
		totals = append(totals, x)
		oovs = append(oovs, n)
	}
	return totals, oovs
}

// The README table of ../shared/reference/kenlm.
var kenlmQueries = []struct {
	model, test, totals string
	pplIn, pplEx        float64
	oovs, tokens        uint64
}{
	{"ptb10k.o2.arpa.gz", "ptb1k.valid.txt", "ptb1k.valid.o2.query.txt", 291.98423186768827, 268.56111766542296, 279, 21842},
	{"ptb10k.o3.arpa.gz", "ptb1k.valid.txt", "ptb1k.valid.o3.query.txt", 259.32676077228916, 238.19115782686117, 279, 21842},
	{"ptb10k.o5.arpa.gz", "ptb1k.valid.txt", "ptb1k.valid.o5.query.txt", 253.048506077272, 232.4297965561657, 279, 21842},
	{"pku.o3.arpa.gz", "msr500.test.txt", "msr500.pku.o3.query.txt", 1197.7962919154313, 526.5541526347322, 1974, 12793},
}

// checkQuery scores test with m and compares with KenLM's query output.
func checkQuery(t *testing.T, m *Model, ref, test, totalsFile string, pplIn, pplEx float64, oovs, tokens uint64) {
	t.Helper()
	want, wantOOV := readTotals(t, filepath.Join(ref, totalsFile))
	in, err := os.ReadFile(filepath.Join(ref, test))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := Query(m, bytes.NewReader(in), &out, VerboseSentence)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != len(want)+4 {
		t.Fatalf("%d output lines, want %d", len(lines), len(want)+4)
	}
	exact := 0
	for i, w := range want {
		fs := strings.Fields(lines[i])
		got, _ := strconv.ParseFloat(fs[1], 64)
		if math.Abs(got-w) > 5e-5 || fs[3] != strconv.Itoa(wantOOV[i]) {
			t.Errorf("sentence %d: got %q, KenLM Total: %v OOV: %d", i+1, lines[i], w, wantOOV[i])
		}
		if fs[1] == strconv.FormatFloat(w, 'f', -1, 64) {
			exact++
		}
	}
	t.Logf("%s: %d/%d sentence totals print identically to KenLM's", totalsFile, exact, len(want))
	if st.OOVs != oovs || st.Tokens != tokens {
		t.Errorf("OOVs %d tokens %d, want %d %d", st.OOVs, st.Tokens, oovs, tokens)
	}
	// Same totals as KenLM's, so the perplexities must print identically.
	if got, want := FormatFloat64(st.PerplexityIncludingOOVs()), FormatFloat64(pplIn); got != want {
		t.Errorf("perplexity including OOVs %s, KenLM %s", got, want)
	}
	if got, want := FormatFloat64(st.PerplexityExcludingOOVs()), FormatFloat64(pplEx); got != want {
		t.Errorf("perplexity excluding OOVs %s, KenLM %s", got, want)
	}
	t.Logf("ppl %v / %v (KenLM %v / %v)", st.PerplexityIncludingOOVs(), st.PerplexityExcludingOOVs(), pplIn, pplEx)
}

// TestQueryKenLMFiles reads KenLM's ARPA files and checks the query oracle.
func TestQueryKenLMFiles(t *testing.T) {
	ref := sharedDir(t, "reference/kenlm")
	for _, q := range kenlmQueries {
		t.Run(q.model, func(t *testing.T) {
			m, err := LoadARPA(filepath.Join(ref, q.model))
			if err != nil {
				t.Fatal(err)
			}
			checkQuery(t, m, ref, q.test, q.totals, q.pplIn, q.pplEx, q.oovs, q.tokens)
		})
	}
}
