// Command segment benchmarks mulan's Chinese word segmentation on the SIGHAN
// 2005 PKU and MSR test sets: it segments the raw test text (spaces removed),
// scores it against the gold segmentation with metrics.ScoreSegmentation
// (SIGHAN definition: word spans over the character stream) and measures
// single-goroutine throughput (median of -runs runs, dictionary loading
// excluded). With -score it scores another tool's output instead, so that
// bench/segment.sh can compare jieba with the same scorer.
//
// Output: one tab-separated row per tool and corpus:
//
//	tool  corpus  P  R  F1  MB/s
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mulan-nlp/mulan/metrics"
	"github.com/mulan-nlp/mulan/tokenize"
)

func main() {
	data := flag.String("data", "", "folder with {pku,msr}_test.utf8 and *_test_gold.utf8 (default: ../shared/data/zh_lm_corpus/sighan2005_pku_msr beside the repository)")
	runs := flag.Int("runs", 5, "timed runs per corpus (the median is reported)")
	algs := flag.String("algorithms", "shortest,dag,dag-hmm", "gse algorithms to run: shortest, dag, dag-hmm, chars (comma-separated)")
	corpora := flag.String("corpora", "pku,msr", "corpora to run")
	score := flag.String("score", "", "score this segmented file instead of running mulan (needs -gold, -tool, -corpus)")
	gold := flag.String("gold", "", "gold file for -score")
	tool := flag.String("tool", "", "tool name for -score")
	corpus := flag.String("corpus", "", "corpus name for -score")
	mbps := flag.Float64("mbps", 0, "throughput the other tool measured, printed with -score")
	flag.Parse()
	if err := run(*data, *runs, *algs, *corpora, *score, *gold, *tool, *corpus, *mbps); err != nil {
		fmt.Fprintln(os.Stderr, "segment:", err)
		os.Exit(1)
	}
}

func run(data string, runs int, algs, corpora, score, gold, tool, corpus string, mbps float64) error {
	if score != "" {
		s, err := scoreFiles(gold, score)
		if err != nil {
			return err
		}
		printRow(tool, corpus, s, mbps)
		return nil
	}
	if data == "" {
		d, err := defaultData()
		if err != nil {
			return err
		}
		data = d
	}
	if err := tokenize.LoadChinese(); err != nil {
		return err
	}
	for _, c := range strings.Split(corpora, ",") {
		raw, err := os.ReadFile(filepath.Join(data, c+"_test.utf8"))
		if err != nil {
			return err
		}
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		for i, l := range lines {
			lines[i] = stripSpace(l)
		}
		for _, a := range strings.Split(algs, ",") {
			tok, err := tokenizer(a)
			if err != nil {
				return err
			}
			var out []string
			times := make([]float64, 0, runs)
			for r := 0; r < max(runs, 1); r++ {
				out = out[:0]
				start := time.Now()
				for _, l := range lines {
					out = tok.Append(out, l)
					out = append(out, "\n")
				}
				times = append(times, time.Since(start).Seconds())
			}
			slices.Sort(times)
			med := times[len(times)/2]
			pred := strings.Join(out, " ")
			goldName := filepath.Join(data, c+"_test_gold.utf8")
			g, err := os.Open(goldName)
			if err != nil {
				return err
			}
			s, err := metrics.ScoreSegmentationReaders(goldName, g, "mulan output", strings.NewReader(pred), nil)
			g.Close()
			if err != nil {
				return err
			}
			printRow("mulan-"+a, c, s, float64(len(raw))/1e6/med)
		}
	}
	return nil
}

func tokenizer(a string) (tokenize.Appender, error) {
	switch a {
	case "shortest":
		return tokenize.Chinese{Algorithm: tokenize.ShortestPath}, nil
	case "dag":
		return tokenize.Chinese{Algorithm: tokenize.DAG}, nil
	case "dag-hmm":
		return tokenize.Chinese{Algorithm: tokenize.DAGHMM}, nil
	case "chars":
		return tokenize.Chinese{Chars: true}, nil
	}
	return nil, fmt.Errorf("unknown algorithm %q", a)
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func scoreFiles(gold, pred string) (metrics.SegmentationScore, error) {
	g, err := os.Open(gold)
	if err != nil {
		return metrics.SegmentationScore{}, err
	}
	defer g.Close()
	p, err := os.Open(pred)
	if err != nil {
		return metrics.SegmentationScore{}, err
	}
	defer p.Close()
	return metrics.ScoreSegmentationReaders(gold, g, pred, p, nil)
}

func printRow(tool, corpus string, s metrics.SegmentationScore, mbps float64) {
	fmt.Printf("%s\t%s\t%.4f\t%.4f\t%.4f\t%s\n", tool, corpus, s.Precision(), s.Recall(), s.F1(), strconv.FormatFloat(mbps, 'f', 3, 64))
}

// defaultData finds the repository root (the folder with go.mod) above the
// working directory and returns the SIGHAN folder beside it.
func defaultData() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", "zh_lm_corpus", "sighan2005_pku_msr"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory; pass -data")
		}
		dir = parent
	}
}
