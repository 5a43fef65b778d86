package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mulan-nlp/mulan/ensemble"
	"github.com/mulan-nlp/mulan/langid"
	"github.com/mulan-nlp/mulan/modelfile"
)

// loading holds the absolute paths of the ensemble and router files being
// opened, so that a file naming itself (directly or not) is refused instead
// of recursing forever.
var loading []string

// loadClassifier opens a member of an ensemble or router: any classifier
// file loadModel knows, ensembles and routers included.
func loadClassifier(path string) (ensemble.Classifier, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if slices.Contains(loading, abs) {
		return nil, fmt.Errorf("%s: the model names itself as a member (through %s)", path, strings.Join(loading, " → "))
	}
	loading = append(loading, abs)
	defer func() { loading = loading[:len(loading)-1] }()
	c, tg, err := loadModel(path)
	if err != nil {
		return nil, err
	}
	if tg != nil {
		return nil, fmt.Errorf("%s: a tagger cannot be a member of a classifier ensemble or router", path)
	}
	return c, nil
}

func init() {
	classifierKinds[ensemble.EnsembleKind] = func(name string, h modelfile.Header, p []byte) (classifier, error) {
		loading = append(loading, mustAbs(name))
		defer func() { loading = loading[:len(loading)-1] }()
		return ensemble.DecodeEnsemble(name, h, p, loadClassifier)
	}
	classifierKinds[ensemble.RouterKind] = func(name string, h modelfile.Header, p []byte) (classifier, error) {
		loading = append(loading, mustAbs(name))
		defer func() { loading = loading[:len(loading)-1] }()
		return ensemble.DecodeRouter(name, h, p, loadClassifier, nil)
	}
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// resetFlags puts every flag of cmd back to its default after a run, so that
// a later Execute in the same process (tests) does not inherit values (cobra
// keeps them, and repeated flags would append to them).
func resetFlags(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			_ = sv.Replace(nil)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
}

func init() {
	var (
		models  []string
		weights []float64
		valid   string
		out     string
		data    dataFlags
		tol     float64
		maxIter int
	)
	c := &cobra.Command{
		Use:   "ensemble --model A --model B ... [--valid DEV | --weights a,b,...] --out ENS",
		Short: "Combine classifiers by a weighted average of their label probabilities",
		Long: `Ensemble combines classifier model files (neural and linear classifiers, other
ensembles, language routers) into one whose label probabilities are the
weighted average p(y|x) = Σ λ_i p_i(y|x). The members must have the same label
set; they may list it in different orders (labels are matched by name).

With --valid the weights maximise the log-likelihood of the gold labels of
the labelled DEV file (EM from uniform weights: λ_i ← mean over examples of
λ_i p_i(gold) / Σ_j λ_j p_j(gold), until no weight moves more than --tol; the
objective is concave, so this is its global maximum), and the dev accuracy
and log-likelihood of every member, of the uniform average and of the tuned
ensemble are printed. --weights sets the weights instead; with neither they
are uniform. DEV is read as 'mulan finetune' reads it (--format, --text-col,
--label-col, --encoding).

The ensemble file (kind classifier-ensemble) names the member files relative
to its own directory, so keep them together. 'mulan evaluate' and
'mulan predict' use it as any classifier.`,
		Example: `  mulan finetune --arch linear --train sst2/train.tsv --word-ngrams 1 --out uni.lin
  mulan finetune --arch linear --train sst2/train.tsv --word-ngrams 2 --out bi.lin
  mulan ensemble --model uni.lin --model bi.lin --valid sst2/dev.tsv --out sst2.ens
  mulan evaluate --model sst2.ens --test sst2/stsa.binary.test --format label-text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer resetFlags(cmd)
			if len(weights) == 0 {
				weights = nil
			}
			if len(models) == 0 || out == "" {
				return fmt.Errorf("ensemble needs --model (at least one) and --out")
			}
			if valid != "" && weights != nil {
				return fmt.Errorf("give at most one of --valid DEV and --weights")
			}
			var members []ensemble.Classifier
			for _, p := range models {
				m, err := loadClassifier(p)
				if err != nil {
					return err
				}
				members = append(members, m)
			}
			e, err := ensemble.NewEnsemble(members, slices.Clone(models), weights)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if valid != "" {
				recs, err := readLabelled(valid, &data)
				if err != nil {
					return err
				}
				texts, gold, names := make([]string, len(recs)), make([]string, len(recs)), make([]string, len(recs))
				for i, r := range recs {
					texts[i], gold[i], names[i] = r.Text, r.Label, fmt.Sprintf("%s:%d", valid, r.Line)
				}
				d, err := e.Score(texts, gold, names)
				if err != nil {
					return err
				}
				res := d.Tune(ensemble.TuneOptions{Tol: tol, MaxIter: maxIter})
				e.Weights = res.Weights
				fmt.Fprintf(w, "dev: %s (%d examples); EM: %d iterations\n\n", valid, d.N, res.Iterations)
				fmt.Fprintf(w, "%-40s %8s %10s %10s\n", "model", "weight", "accuracy", "loglik")
				acc := d.MemberAccuracy()
				for i, p := range models {
					one := make([]float64, len(models))
					one[i] = 1
					fmt.Fprintf(w, "%-40s %8.4f %10.4f %10.4f\n", p, res.Weights[i], acc[i], d.LogLik(one))
				}
				uni := make([]float64, len(models))
				for i := range uni {
					uni[i] = 1 / float64(len(uni))
				}
				fmt.Fprintf(w, "%-40s %8s %10.4f %10.4f\n", "ensemble (uniform)", "", d.Accuracy(uni), d.LogLik(uni))
				fmt.Fprintf(w, "%-40s %8s %10.4f %10.4f\n", "ensemble (tuned)", "", d.Accuracy(res.Weights), res.LogLik)
			} else {
				fmt.Fprintf(w, "weights: %s\n", fmtWeights(e.Weights))
			}
			if err := e.Save(out); err != nil {
				return err
			}
			fmt.Fprintf(w, "wrote %s\n", out)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&models, "model", nil, "member classifier file (repeat)")
	f.Float64SliceVar(&weights, "weights", nil, "fixed member weights, comma-separated, in --model order (normalised)")
	f.StringVar(&valid, "valid", "", "labelled dev file to tune the weights on")
	f.StringVar(&out, "out", "", "ensemble file to write")
	f.Float64Var(&tol, "tol", 1e-6, "EM: stop when no weight moves more than this")
	f.IntVar(&maxIter, "max-iter", 1000, "EM: most iterations")
	data.add(c)
	register(c)
}

func init() {
	var (
		models   []string
		fallback string
		out      string
	)
	c := &cobra.Command{
		Use:   "route --model en=A --model zh=B [--fallback en|zh] --out R",
		Short: "Bundle one classifier per language (en, zh) and route each input to its language's model",
		Long: `Route writes a language router: a classifier file holding one member per
language, English (en) and Chinese (zh), that sends every input to the
member of its language as package langid identifies it.

  - Text whose language segments are all English (or all Chinese), und
    segments aside, goes whole to that member.
  - Mixed English and Chinese text is split into its language segments; each
    is classified by its language's member and the probabilities are
    averaged, weighted by segment length (letters; a Han character counts as
    3, langid's weight).
  - Text identified as neither (und), and und segments of mixed text, go to
    the --fallback member, by default the member of the text's majority
    script (more Latin letters than weighted Han characters: en; fewer: zh;
    a tie: en).

A language without a member is served by the other member. The members must
have the same label set (in any order). The router file (kind
language-router) names the member files relative to its own directory.
'mulan evaluate' and 'mulan predict' use it as any classifier.`,
		Example: `  mulan route --model en=sst2.lin --model zh=chnsenticorp.lin --out senti.route
  mulan evaluate --model senti.route --test chnsenticorp/dev.tsv
  echo "这部电影 really great" | mulan predict --model senti.route`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer resetFlags(cmd)
			if len(models) == 0 || out == "" {
				return fmt.Errorf("route needs --model LANG=FILE (en and/or zh) and --out")
			}
			members := map[langid.Lang]ensemble.Classifier{}
			files := map[langid.Lang]string{}
			for _, m := range models {
				l, p, ok := strings.Cut(m, "=")
				if !ok || p == "" {
					return fmt.Errorf("--model %q: want LANG=FILE, e.g. en=sst2.lin", m)
				}
				lang := langid.Lang(l)
				if lang != langid.English && lang != langid.Chinese {
					return fmt.Errorf("--model %q: language %q is not en or zh", m, l)
				}
				if _, dup := members[lang]; dup {
					return fmt.Errorf("--model %q: a second %s member", m, l)
				}
				c, err := loadClassifier(p)
				if err != nil {
					return err
				}
				members[lang], files[lang] = c, p
			}
			r, err := ensemble.NewRouter(members, files, langid.Lang(fallback), nil)
			if err != nil {
				return err
			}
			if err := r.Save(out); err != nil {
				return err
			}
			fb := fallback
			if fb == "" {
				fb = "majority script"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "labels: %s\nfallback: %s\nwrote %s\n", strings.Join(r.Labels(), " "), fb, out)
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVar(&models, "model", nil, "LANG=FILE: the classifier for language en or zh (repeat)")
	f.StringVar(&fallback, "fallback", "", "member for text of unknown language: en or zh (default: the text's majority script)")
	f.StringVar(&out, "out", "", "router file to write")
	register(c)
}
