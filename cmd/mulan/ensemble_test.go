package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/modelfile"
)

// predictProbs runs predict --json --k 0 on text and returns label → prob.
func predictProbs(t *testing.T, model, text string) map[string]float64 {
	t.Helper()
	out, err := mulanRun(t, text+"\n", "predict", "--model", model, "--k", "0", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Predictions []struct {
			Label string  `json:"label"`
			Prob  float64 `json:"prob"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string]float64{}
	for _, p := range js.Predictions {
		m[p.Label] = p.Prob
	}
	return m
}

func TestEnsembleAndRouteCLI(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var en, zh strings.Builder
	en.WriteString("sentence\tlabel\n")
	zh.WriteString("sentence\tlabel\n")
	for range 40 {
		en.WriteString("a wonderful , moving film\tpos\nwonderful acting\tpos\na dull mess\tneg\ndull and boring\tneg\nnot dull at all\tpos\n")
		// Chinese data lists neg first, so the zh model's label order differs.
		zh.WriteString("这部电影很无聊\tneg\n非常好看的电影\tpos\n无聊的故事\tneg\n演员很好看\tpos\n")
	}
	enTrain, zhTrain := write("en.tsv", en.String()), write("zh.tsv", zh.String())
	dev := write("dev.tsv", "sentence\tlabel\nwonderful film\tpos\nboring mess\tneg\nnot dull\tpos\n")
	train := func(data, out, lang, ngrams string) string {
		t.Helper()
		p := filepath.Join(dir, out)
		_, err := mulanRun(t, "", "finetune", "--arch", "linear", "--train", data, "--valid", "", "--lang", lang,
			"--dim", "8", "--epoch", "10", "--word-ngrams", ngrams, "--threads", "1", "--quiet", "--out", p)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	uni := train(enTrain, "uni.lin", "en", "1")
	bi := train(enTrain, "bi.lin", "en", "2")
	zhm := train(zhTrain, "zh.lin", "zh", "1")

	ens := filepath.Join(dir, "sub", "m.ens")
	if err := os.Mkdir(filepath.Dir(ens), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := mulanRun(t, "", "ensemble", "--model", uni, "--model", bi, "--valid", dev, "--out", ens)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dev: " + dev + " (3 examples)", "ensemble (uniform)", "ensemble (tuned)", "wrote " + ens} {
		if !strings.Contains(out, want) {
			t.Errorf("ensemble output lacks %q:\n%s", want, out)
		}
	}
	// The weights printed for the members sum to one.
	re := regexp.MustCompile(`(?m)^\S+\.lin\s+([0-9.]+)\s+([0-9.]+)`)
	ms := re.FindAllStringSubmatch(out, -1)
	if len(ms) != 2 {
		t.Fatalf("member rows not found:\n%s", out)
	}
	var ws []float64
	for _, m := range ms {
		w, _ := strconv.ParseFloat(m[1], 64)
		ws = append(ws, w)
	}
	if math.Abs(ws[0]+ws[1]-1) > 1e-3 {
		t.Errorf("weights %v do not sum to one", ws)
	}
	if h, _, err := modelfile.ReadFile(ens); err != nil || h.Kind != "classifier-ensemble" {
		t.Fatalf("ensemble file: %+v %v", h, err)
	}

	// The ensemble's probabilities are the weighted average of its members'
	// (the printed weights have 4 decimals).
	text := "a wonderful film , not dull"
	pu, pb, pe := predictProbs(t, uni, text), predictProbs(t, bi, text), predictProbs(t, ens, text)
	for _, l := range []string{"pos", "neg"} {
		want := ws[0]*pu[l] + ws[1]*pb[l]
		if math.Abs(pe[l]-want) > 1e-3 {
			t.Errorf("ensemble p(%s) = %v, want %v·%v + %v·%v = %v", l, pe[l], ws[0], pu[l], ws[1], pb[l], want)
		}
	}
	out, err = mulanRun(t, "", "evaluate", "--model", ens, "--test", dev, "--json=false")
	if err != nil || !strings.Contains(out, "accuracy: 1.0000") {
		t.Errorf("evaluate ensemble: %v\n%s", err, out)
	}

	// Router: English text goes to the en member, Chinese to the zh member.
	route := filepath.Join(dir, "senti.route")
	if out, err = mulanRun(t, "", "route", "--model", "en="+ens, "--model", "zh="+zhm, "--out", route); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "fallback: majority script") {
		t.Errorf("route output:\n%s", out)
	}
	for _, tc := range []struct{ text, member string }{
		{"a wonderful film , not dull at all", ens},
		{"这部电影非常好看", zhm},
	} {
		pr, pm := predictProbs(t, route, tc.text), predictProbs(t, tc.member, tc.text)
		if math.Abs(pr["pos"]-pm["pos"]) > 1e-5 {
			t.Errorf("%q: router p(pos) %v, member %s %v", tc.text, pr["pos"], tc.member, pm["pos"])
		}
	}
	zhDev := write("zhdev.tsv", "sentence\tlabel\n非常好看\tpos\n很无聊\tneg\nwonderful acting\tpos\n")
	out, err = mulanRun(t, "", "evaluate", "--model", route, "--test", zhDev, "--json=false")
	if err != nil || !strings.Contains(out, "accuracy: 1.0000") {
		t.Errorf("evaluate router: %v\n%s", err, out)
	}

	// Refusals.
	three := write("three.tsv", "sentence\tlabel\ngood\tpos\nbad\tneg\nmeh\tmixed\n")
	threeM := train(three, "three.lin", "en", "1")
	self := filepath.Join(dir, "self.ens")
	if _, err := mulanRun(t, "", "ensemble", "--model", uni, "--out", self); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ensemble", "--model", uni, "--model", threeM, "--out", filepath.Join(dir, "x.ens")}, "three.lin has mixed"},
		{[]string{"ensemble", "--model", uni, "--valid", dev, "--weights", "1", "--out", filepath.Join(dir, "x.ens")}, "at most one"},
		{[]string{"ensemble", "--model", self, "--out", self}, ""},
		{[]string{"route", "--model", "fr=" + uni, "--out", filepath.Join(dir, "x.route")}, `"fr" is not en or zh`},
		{[]string{"route", "--model", "en=" + uni, "--model", "zh=" + threeM, "--out", filepath.Join(dir, "x.route")}, "mixed"},
		{[]string{"route", "--model", "en=" + uni, "--fallback", "zh", "--out", filepath.Join(dir, "x.route")}, "no member"},
	}
	for _, tc := range tests {
		_, err := mulanRun(t, "", tc.args...)
		if tc.want == "" {
			if err != nil {
				t.Errorf("mulan %s: %v", strings.Join(tc.args, " "), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mulan %s: error %v, want one containing %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	// self.ens now names itself: loading it is refused, not an endless recursion.
	if _, err := mulanRun(t, "x\n", "predict", "--model", self); err == nil || !strings.Contains(err.Error(), "names itself") {
		t.Errorf("self-referential ensemble: %v", err)
	}
}
