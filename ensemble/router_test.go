package ensemble

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mulan-nlp/mulan/langid"
	"github.com/mulan-nlp/mulan/modelfile"
)

const (
	enText  = "this movie was really great fun"
	zhText  = "这部电影非常好看，我很喜欢"
	mixText = enText + " " + zhText
	deText  = "Das ist ein sehr schönes Haus und gut"
)

func routerFakes() (en, zh *fake) {
	en = &fake{labels: []string{"neg", "pos"}, def: []float64{0.9, 0.1}}
	zh = &fake{labels: []string{"pos", "neg"}, def: []float64{0.7, 0.3}} // pos 0.7
	return en, zh
}

func TestRouterRoutes(t *testing.T) {
	en, zh := routerFakes()
	// Weights of the mixed text's segments: the English one has 26 letters,
	// the Chinese one 12 Han characters × HanWeight 3 = 36 (the comma is no
	// letter), so p(neg) = (26·0.9 + 36·0.3)/62.
	mixNeg := (26*0.9 + 36*0.3) / 62
	tests := []struct {
		name     string
		text     string
		fallback langid.Lang
		want     float64 // p(neg)
		enCalls  []string
		zhCalls  []string
	}{
		{"english", enText, "", 0.9, []string{enText}, nil},
		{"chinese", zhText, "", 0.3, nil, []string{zhText}},
		{"mixed", mixText, "", mixNeg, []string{enText + " "}, []string{zhText}},
		{"und latin majority", deText, "", 0.9, []string{deText}, nil},
		{"und declared fallback", deText, langid.Chinese, 0.3, nil, []string{deText}},
		{"empty", "", "", 0.9, []string{""}, nil},
	}
	for _, tc := range tests {
		en.calls, zh.calls = nil, nil
		r, err := NewRouter(map[langid.Lang]Classifier{"en": en, "zh": zh}, nil, tc.fallback, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := r.Probs(nil, tc.text)
		if strings.Join(r.Labels(), ",") != "neg,pos" {
			t.Fatalf("labels %v", r.Labels())
		}
		if !near(p[0], tc.want, 1e-12) || !near(p[0]+p[1], 1, 1e-12) {
			t.Errorf("%s: probs %v, want p(neg) %v", tc.name, p, tc.want)
		}
		if strings.Join(en.calls, "|") != strings.Join(tc.enCalls, "|") || strings.Join(zh.calls, "|") != strings.Join(tc.zhCalls, "|") {
			t.Errorf("%s: en got %q, zh got %q; want %q and %q", tc.name, en.calls, zh.calls, tc.enCalls, tc.zhCalls)
		}
	}
}

func TestRouterOneMember(t *testing.T) {
	_, zh := routerFakes()
	r, err := NewRouter(map[langid.Lang]Classifier{"zh": zh}, nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Probs(nil, enText); !near(p[0], 0.7, 1e-12) { // zh's own order: pos first
		t.Errorf("probs %v", p)
	}
}

func TestRouterRefuses(t *testing.T) {
	en, zh := routerFakes()
	tests := []struct {
		name     string
		members  map[langid.Lang]Classifier
		fallback langid.Lang
		want     string
	}{
		{"none", nil, "", "needs a member"},
		{"bad language", map[langid.Lang]Classifier{"fr": en}, "", `"fr"`},
		{"labels differ", map[langid.Lang]Classifier{"en": en, "zh": &fake{labels: []string{"pos", "neg", "neutral"}}}, "", "neutral"},
		{"fallback without member", map[langid.Lang]Classifier{"en": en}, "zh", "no member"},
		{"bad fallback", map[langid.Lang]Classifier{"en": en, "zh": zh}, "und", `"und"`},
	}
	for _, tc := range tests {
		_, err := NewRouter(tc.members, nil, tc.fallback, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestRouterSaveLoad(t *testing.T) {
	dir := t.TempDir()
	en, zh := routerFakes()
	pe, pz := filepath.Join(dir, "en.lin"), filepath.Join(dir, "zh", "zh.lin")
	touch(t, pe, pz)
	r, err := NewRouter(map[langid.Lang]Classifier{"en": en, "zh": zh}, map[langid.Lang]string{"en": pe, "zh": pz}, langid.Chinese, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "r.route")
	if err := r.Save(out); err != nil {
		t.Fatal(err)
	}
	h, payload, err := modelfile.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if h.Kind != RouterKind || !strings.Contains(string(payload), `"zh/zh.lin"`) {
		t.Errorf("header %+v payload %s", h, payload)
	}
	got, err := LoadRouter(out, loader(map[string]Classifier{"en.lin": en, "zh.lin": zh}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Fallback != langid.Chinese {
		t.Errorf("fallback %q", got.Fallback)
	}
	for _, text := range []string{enText, zhText, mixText, deText} {
		a, b := r.Probs(nil, text), got.Probs(nil, text)
		if !near(a[0], b[0], 0) || !near(a[1], b[1], 0) {
			t.Errorf("%q: loaded %v, saved %v", text, b, a)
		}
	}
	// An ensemble file is not a router.
	if _, err := LoadRouter(filepath.Join(dir, "en.lin"), nil); err == nil {
		t.Error("loaded a non-container as a router")
	}
}

func BenchmarkRouterMixed(b *testing.B) {
	en, zh := routerFakes()
	r, err := NewRouter(map[langid.Lang]Classifier{"en": en, "zh": zh}, nil, "", nil)
	if err != nil {
		b.Fatal(err)
	}
	var p []float64
	for b.Loop() {
		en.calls, zh.calls = en.calls[:0], zh.calls[:0]
		p = r.Probs(p, mixText)
	}
}
