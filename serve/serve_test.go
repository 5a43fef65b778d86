package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mulan-nlp/mulan/tagger"
	"github.com/mulan-nlp/mulan/tags"
)

// sentiment is a fake classifier: "pos" with probability 0.9 when the text
// holds "good", else 0.2. It fails the test when two requests use it at
// once.
type sentiment struct {
	busy atomic.Int32
	t    *testing.T
}

func (s *sentiment) Labels() []string { return []string{"neg", "pos"} }
func (s *sentiment) Probs(dst []float64, text string) []float64 {
	if s.busy.Add(1) != 1 {
		s.t.Error("classifier used by two requests at once")
	}
	defer s.busy.Add(-1)
	p := 0.2
	if strings.Contains(text, "good") {
		p = 0.9
	}
	return append(dst, 1-p, p)
}

// capitals is a fake tagger: capitalised words are PER.
type capitals struct{}

func (capitals) Tag(text string) (Tagged, error) {
	if text == "boom" {
		return Tagged{}, errors.New("tagger exploded")
	}
	toks := strings.Fields(text)
	res := Tagged{Tokens: toks, Tags: make([]string, len(toks))}
	for i, w := range toks {
		res.Tags[i] = "O"
		if w[0] >= 'A' && w[0] <= 'Z' {
			res.Tags[i] = "B-PER"
			res.Entities = append(res.Entities, tagger.Entity{Span: tags.Span{Start: i, End: i + 1, Type: "PER"}, Text: w})
		}
	}
	return res, nil
}

func newTestServer(t *testing.T) (*httptest.Server, *bytes.Buffer) {
	s := New()
	s.MaxTexts, s.MaxBodyBytes = 3, 200
	var log bytes.Buffer
	s.Log = &log
	if err := s.AddClassifier("senti", &sentiment{t: t}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddTagger("ner", capitals{}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts, &log
}

func call(t *testing.T, ts *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	ts, log := newTestServer(t)
	for _, c := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"health", "GET", "/healthz", "", 200, `{"status":"ok"}`},
		{"models", "GET", "/v1/models", "", 200,
			`{"models":[{"name":"senti","type":"classifier","labels":["neg","pos"]},{"name":"ner","type":"tagger"}]}`},
		{"classify top 1", "POST", "/v1/models/senti/predict", `{"texts": ["a good film", "dull"]}`, 200,
			`{"model":"senti","predictions":[[{"label":"pos","prob":0.9}],[{"label":"neg","prob":0.8}]]}`},
		{"classify all labels", "POST", "/v1/models/senti/predict", `{"texts": ["good"], "k": 0}`, 200,
			`{"model":"senti","predictions":[[{"label":"pos","prob":0.9},{"label":"neg","prob":0.09999999999999998}]]}`},
		{"no texts is an empty answer", "POST", "/v1/models/senti/predict", `{"texts": []}`, 200,
			`{"model":"senti","predictions":[]}`},
		{"tag", "POST", "/v1/models/ner/predict", `{"texts": ["Mary met John", "nobody"]}`, 200,
			`{"model":"ner","results":[{"tokens":["Mary","met","John"],"tags":["B-PER","O","B-PER"],"entities":[{"start":0,"end":1,"type":"PER","text":"Mary"},{"start":2,"end":3,"type":"PER","text":"John"}]},{"tokens":["nobody"],"tags":["O"],"entities":[]}]}`},
		{"unknown model", "POST", "/v1/models/nope/predict", `{"texts": ["x"]}`, 404, `{"error":"no model \"nope\" (GET /v1/models lists them)"}`},
		{"unknown endpoint", "GET", "/v2", "", 404, `{"error":"no endpoint GET /v2 (GET /healthz, GET /v1/models, POST /v1/models/{name}/predict)"}`},
		{"wrong method", "GET", "/v1/models/senti/predict", "", 405, `{"error":"GET /v1/models/senti/predict: use POST"}`},
		{"wrong method on the list", "DELETE", "/v1/models", "", 405, `{"error":"DELETE /v1/models: use GET"}`},
		{"not JSON", "POST", "/v1/models/senti/predict", `texts=a`, 400, `{"error":"request body: invalid character 'e' in literal true (expecting 'r') (want {\"texts\": [...]})"}`},
		{"unknown field", "POST", "/v1/models/senti/predict", `{"text": "a"}`, 400, `{"error":"request body: json: unknown field \"text\" (want {\"texts\": [...]})"}`},
		{"no texts field", "POST", "/v1/models/senti/predict", `{"k": 2}`, 400, `{"error":"request body: no \"texts\""}`},
		{"two values", "POST", "/v1/models/senti/predict", `{"texts": []} {"texts": []}`, 400, `{"error":"request body: more than one JSON value"}`},
		{"too many texts", "POST", "/v1/models/senti/predict", `{"texts": ["a", "b", "c", "d"]}`, 400, `{"error":"4 texts in one request, at most 3"}`},
		{"body too large", "POST", "/v1/models/senti/predict", `{"texts": ["` + strings.Repeat("a", 300) + `"]}`, 413, `{"error":"request body over 200 bytes"}`},
		{"negative k", "POST", "/v1/models/senti/predict", `{"texts": ["a"], "k": -1}`, 400, `{"error":"k -1: want 0 (all labels) or more"}`},
		{"k for a tagger", "POST", "/v1/models/ner/predict", `{"texts": ["a"], "k": 2}`, 400, `{"error":"model \"ner\" is a tagger: \"k\" is for classifiers"}`},
		{"tagger error", "POST", "/v1/models/ner/predict", `{"texts": ["fine", "boom"]}`, 500, `{"error":"text 1: tagger exploded"}`},
	} {
		status, body := call(t, ts, c.method, c.path, c.body)
		if status != c.status || (c.want != "" && strings.TrimSpace(body) != c.want) {
			t.Errorf("%s: %d %s\nwant %d %s", c.name, status, body, c.status, c.want)
		}
	}
	if !strings.Contains(log.String(), "POST /v1/models/senti/predict 200 texts=2 ") {
		t.Errorf("log:\n%s", log)
	}
}

// Concurrent requests to one model are served one at a time (the fake
// classifier fails the test otherwise), and all get their answers.
func TestConcurrentRequests(t *testing.T) {
	ts, _ := newTestServer(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := "dull"
			want := "neg"
			if i%2 == 0 {
				text, want = "good", "pos"
			}
			status, body := call(t, ts, "POST", "/v1/models/senti/predict", fmt.Sprintf(`{"texts": [%q]}`, text))
			var got struct{ Predictions [][]LabelProb }
			if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || got.Predictions[0][0].Label != want {
				t.Errorf("request %d: %d %s", i, status, body)
			}
		}()
	}
	wg.Wait()
}

func TestAddErrors(t *testing.T) {
	s := New()
	if err := s.AddTagger("a b", capitals{}); err == nil || !strings.Contains(err.Error(), `model name "a b"`) {
		t.Errorf("bad name: %v", err)
	}
	if err := s.AddTagger("", capitals{}); err == nil {
		t.Error("empty name accepted")
	}
	if err := s.AddTagger("x", capitals{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddClassifier("x", &sentiment{t: t}); err == nil || !strings.Contains(err.Error(), `two models named "x"`) {
		t.Errorf("duplicate name: %v", err)
	}
}

func TestTopK(t *testing.T) {
	labels := []string{"a", "b", "c", "d"}
	probs := []float64{0.2, 0.4, 0.2, 0.2}
	got := fmt.Sprint(TopK(labels, probs, 2), TopK(labels, probs, 0))
	if want := "[{b 0.4} {a 0.2}] [{b 0.4} {a 0.2} {c 0.2} {d 0.2}]"; got != want {
		t.Errorf("TopK: %s, want %s", got, want)
	}
}
