// Command gen rebuilds the embedded language-identification profile
// (langid/profile.bin) from the shared corpora. It counts character n-grams
// on the training lines of every source in langid/internal/sources, prunes
// rare n-grams, and calibrates the acceptance thresholds leave-one-source-out:
// the calibration lines of each source are scored by a model trained on the
// other sources of its language, so the thresholds hold for text from a
// domain the model has not seen (a threshold calibrated in-domain rejects
// too much out-of-domain English). It writes the profile atomically. Run it
// through `go generate ./langid`.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mulan-nlp/mulan/langid"
	"github.com/mulan-nlp/mulan/langid/internal/sources"
	"github.com/mulan-nlp/mulan/modelfile"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func parseCounts(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad minimum count list %q: %w", s, err)
		}
		out = append(out, v)
	}
	return out, nil
}

type source struct {
	name, lang   string
	train, calib []string
}

func run() error {
	data := flag.String("data", "../../shared/data", "shared data directory")
	out := flag.String("out", "profile.bin", "profile to write")
	enOrder := flag.Int("en-order", 4, "English character n-gram order (1-5)")
	zhOrder := flag.Int("zh-order", 2, "Chinese character n-gram order (1-3)")
	enMin := flag.String("en-min", "1,2,3,4,4", "English minimum count per order")
	zhMin := flag.String("zh-min", "1,15,15", "Chinese minimum count per order")
	enQ := flag.Float64("en-q", 0.99, "English threshold quantile")
	zhQ := flag.Float64("zh-q", 0.995, "Chinese threshold quantile")
	flag.Parse()
	em, err := parseCounts(*enMin)
	if err != nil {
		return err
	}
	zm, err := parseCounts(*zhMin)
	if err != nil {
		return err
	}
	opt := langid.TrainOptions{EnOrder: *enOrder, ZhOrder: *zhOrder}
	var srcs []source
	for _, s := range sources.All() {
		if s.Unseen {
			continue
		}
		x := source{name: s.Name, lang: s.Lang}
		err := s.Lines(*data, func(text string, p sources.Part) bool {
			switch p {
			case sources.Train:
				x.train = append(x.train, text)
			case sources.Calib:
				x.calib = append(x.calib, text)
			}
			return true
		})
		if err != nil {
			return fmt.Errorf("source %s: %w", s.Name, err)
		}
		fmt.Fprintf(os.Stderr, "%-20s %s train %6d calib %5d\n", s.Name, s.Lang, len(x.train), len(x.calib))
		srcs = append(srcs, x)
	}
	// train builds an identifier from every source except the one named skip.
	train := func(skip string) (*langid.Identifier, error) {
		tr := langid.NewTrainer(opt)
		for _, s := range srcs {
			if s.name == skip {
				continue
			}
			for _, t := range s.train {
				if err := tr.Add(langid.Lang(s.lang), t); err != nil {
					return nil, err
				}
			}
		}
		return tr.Identifier(em, zm)
	}
	id, err := train("")
	if err != nil {
		return err
	}
	ns := map[string][]int{}
	hs := map[string][]float64{}
	for _, s := range srcs {
		loo, err := train(s.name)
		if err != nil {
			return err
		}
		for _, t := range s.calib {
			h, n := loo.CrossEntropy(langid.Lang(s.lang), t)
			ns[s.lang] = append(ns[s.lang], n)
			hs[s.lang] = append(hs[s.lang], h)
		}
	}
	for _, x := range []struct {
		lang langid.Lang
		q    float64
	}{{langid.English, *enQ}, {langid.Chinese, *zhQ}} {
		n, err := id.CalibrateScores(x.lang, ns[string(x.lang)], hs[string(x.lang)], x.q)
		if err != nil {
			return err
		}
		q, bs := id.Calibration(x.lang)
		fmt.Fprintf(os.Stderr, "%s: n-grams per order %v; calibrated on %d lines, q=%.3f\n", x.lang, id.Sizes(x.lang), n, q)
		for _, b := range bs {
			fmt.Fprintf(os.Stderr, "  len>=%4d  threshold %.3f bits/char  spread %.3f\n", b.MinLen, b.Threshold, b.Spread)
		}
	}
	var size int64
	err = modelfile.WriteAtomic(*out, func(w io.Writer) error {
		n, err := id.WriteTo(w)
		size = n
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%d bytes)\n", *out, size)
	return nil
}
