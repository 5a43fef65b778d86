package builder

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

	"github.com/mulan-nlp/mulan/ngram"
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

func trainFile(t testing.TB, path string, order int, opt KNOptions) (*ngram.Model, []OrderStats) {
	t.Helper()
	rc, err := ngram.OpenText(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	c, err := CountText(rc, path, CountOptions{Order: order})
	if err != nil {
		t.Fatal(err)
	}
	m, st, err := EstimateKN(c, opt)
	if err != nil {
		t.Fatal(err)
	}
	return m, st
}

// compareModels asserts the same n-gram sets and every probability and
// back-off within tol, and reports how many print identically.
func compareModels(t *testing.T, got, want *ngram.Model, tol float64) {
	t.Helper()
	if got.Order() != want.Order() {
		t.Fatalf("order %d, want %d", got.Order(), want.Order())
	}
	for n := 1; n <= want.Order(); n++ {
		gt, wt := &got.Tables[n-1], &want.Tables[n-1]
		if gt.Len() != wt.Len() {
			t.Errorf("%d-grams: %d, want %d", n, gt.Len(), wt.Len())
		}
		same, maxd := 0, 0.0
		bad := 0
		for i := 0; i < wt.Len(); i++ {
			ids := make([]uint32, n)
			for k, w := range wt.Gram(i) {
				id, ok := got.Vocab.ID(want.Vocab.Word(w))
				if !ok {
					id = math.MaxUint32
				}
				ids[k] = id
			}
			j, ok := got.Find(ids)
			if !ok {
				if bad++; bad < 5 {
					t.Errorf("%d-gram %q missing", n, want.Phrase(wt.Gram(i)))
				}
				continue
			}
			d := math.Abs(float64(gt.Prob[j] - wt.Prob[i]))
			if wt.Backoff != nil {
				d = max(d, math.Abs(float64(gt.Backoff[j]-wt.Backoff[i])))
			}
			maxd = max(maxd, d)
			if d > tol {
				if bad++; bad < 5 {
					t.Errorf("%d-gram %q: prob %v backoff %v, KenLM %v %v", n, want.Phrase(wt.Gram(i)), gt.Prob[j], bo(gt, j), wt.Prob[i], bo(wt, i))
				}
			}
			if gt.Prob[j] == wt.Prob[i] && bo(gt, j) == bo(wt, i) {
				same++
			}
		}
		t.Logf("%d-grams: %d, %d identical to KenLM's, max |diff| %.3g", n, wt.Len(), same, maxd)
	}
}

func bo(t *ngram.Table, i int) float32 {
	if t.Backoff == nil {
		return 0
	}
	return t.Backoff[i]
}

func TestKenLMReference(t *testing.T) {
	ref := sharedDir(t, "reference/kenlm")
	cases := []struct {
		train, arpa string
		order       int
		interp      bool
		// query oracle (README table); empty test when none
		test, totals string
		pplIn, pplEx float64
		oovs, tokens uint64
	}{
		{"ptb10k.train.txt.gz", "ptb10k.o2.arpa.gz", 2, true, "ptb1k.valid.txt", "ptb1k.valid.o2.query.txt", 291.98423186768827, 268.56111766542296, 279, 21842},
		{"ptb10k.train.txt.gz", "ptb10k.o3.arpa.gz", 3, true, "ptb1k.valid.txt", "ptb1k.valid.o3.query.txt", 259.32676077228916, 238.19115782686117, 279, 21842},
		{"ptb10k.train.txt.gz", "ptb10k.o5.arpa.gz", 5, true, "ptb1k.valid.txt", "ptb1k.valid.o5.query.txt", 253.048506077272, 232.4297965561657, 279, 21842},
		{"ptb10k.train.txt.gz", "ptb10k.o3.nointerp.arpa.gz", 3, false, "", "", 0, 0, 0, 0},
		{"pku.train.txt.gz", "pku.o3.arpa.gz", 3, true, "msr500.test.txt", "msr500.pku.o3.query.txt", 1197.7962919154313, 526.5541526347322, 1974, 12793},
	}
	for _, c := range cases {
		t.Run(c.arpa, func(t *testing.T) {
			opt := DefaultKNOptions()
			opt.InterpolateUnigrams = c.interp
			m, st := trainFile(t, filepath.Join(ref, c.train), c.order, opt)
			for _, s := range st {
				t.Logf("order %d: %d n-grams, D1=%v D2=%v D3+=%v", s.N, s.Count, s.Discount[1], s.Discount[2], s.Discount[3])
			}
			want, err := ngram.LoadARPA(filepath.Join(ref, c.arpa))
			if err != nil {
				t.Fatal(err)
			}
			compareModels(t, m, want, 1e-4)
			var buf bytes.Buffer
			if err := ngram.WriteARPA(&buf, m); err != nil {
				t.Fatal(err)
			}
			rc, _ := ngram.OpenText(filepath.Join(ref, c.arpa))
			var wb bytes.Buffer
			wb.ReadFrom(rc)
			rc.Close()
			gl, wl := bytes.Split(buf.Bytes(), []byte("\n")), bytes.Split(wb.Bytes(), []byte("\n"))
			same := 0
			for i := range min(len(gl), len(wl)) {
				if bytes.Equal(gl[i], wl[i]) {
					same++
				}
			}
			t.Logf("ARPA text: %d of %d lines identical (same position)", same, len(wl))
			if same < len(wl)*99/100 {
				t.Errorf("only %d of %d ARPA lines identical to KenLM's", same, len(wl))
			}
			if c.test != "" {
				checkQuery(t, m, ref, c.test, c.totals, c.pplIn, c.pplEx, c.oovs, c.tokens)
			}
		})
	}
}

// checkQuery scores test with m and compares with KenLM's query output: each
// sentence total to 4 decimals, the perplexities to 1e-6 relative, OOVs and
// tokens exactly.
func checkQuery(t *testing.T, m *ngram.Model, ref, test, totalsFile string, pplIn, pplEx float64, oovs, tokens uint64) {
	t.Helper()
	f, err := os.Open(filepath.Join(ref, totalsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		want = append(want, sc.Text())
	}
	in, err := os.ReadFile(filepath.Join(ref, test))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st, err := ngram.Query(m, bytes.NewReader(in), &out, ngram.VerboseSentence)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != len(want)+4 {
		t.Fatalf("%d output lines, want %d", len(lines), len(want)+4)
	}
	exact := 0
	for i, w := range want {
		g, k := strings.Fields(lines[i]), strings.Fields(w)
		gv, _ := strconv.ParseFloat(g[1], 64)
		kv, _ := strconv.ParseFloat(k[1], 64)
		if math.Abs(gv-kv) > 5e-5 || g[3] != k[3] {
			t.Errorf("sentence %d: %q, KenLM %q", i+1, lines[i], w)
		}
		if lines[i] == w {
			exact++
		}
	}
	t.Logf("%s: %d/%d Total lines identical to KenLM's", totalsFile, exact, len(want))
	if st.OOVs != oovs || st.Tokens != tokens {
		t.Errorf("OOVs %d tokens %d, want %d %d", st.OOVs, st.Tokens, oovs, tokens)
	}
	for _, p := range []struct{ got, want float64 }{{st.PerplexityIncludingOOVs(), pplIn}, {st.PerplexityExcludingOOVs(), pplEx}} {
		if math.Abs(p.got-p.want) > 1e-6*p.want {
			t.Errorf("perplexity %v, KenLM %v", p.got, p.want)
		}
	}
	t.Logf("perplexity %v / %v (KenLM %v / %v)", st.PerplexityIncludingOOVs(), st.PerplexityExcludingOOVs(), pplIn, pplEx)
}

// TestFullPTB trains on the whole Penn Treebank (<unk> renamed UNK as the
// reference did) and checks KenLM's test perplexities.
func TestFullPTB(t *testing.T) {
	dir := sharedDir(t, "data/ptb_mikolov")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.ReplaceAll(b, []byte("<unk>"), []byte("UNK"))
	}
	train, test := read("ptb.train.txt"), read("ptb.test.txt")
	for _, c := range []struct {
		order int
		ppl   float64
	}{{3, 148.2814995024931}, {5, 141.1862070921484}} {
		counts, err := CountText(bytes.NewReader(train), "ptb.train.txt", CountOptions{Order: c.order})
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := EstimateKN(counts, DefaultKNOptions())
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		st, err := ngram.Query(m, bytes.NewReader(test), &out, ngram.VerboseSummary)
		if err != nil {
			t.Fatal(err)
		}
		if st.OOVs != 0 || st.Tokens != 82430 {
			t.Errorf("order %d: OOVs %d tokens %d, want 0 82430", c.order, st.OOVs, st.Tokens)
		}
		if got := st.PerplexityIncludingOOVs(); math.Abs(got-c.ppl) > 1e-6 {
			t.Errorf("order %d: test perplexity %v, KenLM %v", c.order, got, c.ppl)
		}
		t.Logf("order %d: test perplexity %v (KenLM %v)", c.order, st.PerplexityIncludingOOVs(), c.ppl)
	}
}
