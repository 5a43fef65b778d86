package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveFixture trains a tiny linear classifier and a tiny tagger.
func serveFixture(t *testing.T) (lin, ner string) {
	t.Helper()
	dir, train, test := nerFixture(t)
	ner = filepath.Join(dir, "en.ner")
	args := append([]string{"ner", "train", "--train", train, "--valid", test, "--epochs", "8", "--seed", "3", "--out", ner}, nerSmall...)
	if _, err := nerRun(t, "", args...); err != nil {
		t.Fatal(err)
	}
	tsv := filepath.Join(dir, "train.tsv")
	data := "sentence\tlabel\n" + strings.Repeat("a wonderful , moving film\tpos\nwonderful acting\tpos\na dull mess\tneg\ndull and boring\tneg\n", 50)
	if err := os.WriteFile(tsv, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	lin = filepath.Join(dir, "senti.lin")
	if _, err := nerRun(t, "", "finetune", "--arch", "linear", "--train", tsv, "--lang", "en", "--dim", "8", "--epoch", "20",
		"--threads", "1", "--quiet", "--out", lin); err != nil {
		t.Fatal(err)
	}
	return lin, ner
}

func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// The server answers what `mulan predict --json` prints for the same model
// and texts, for a classifier and a tagger, each under its name.
func TestServeMatchesPredict(t *testing.T) {
	lin, ner := serveFixture(t)
	s, err := newServer([]string{"senti=" + lin, ner})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	texts := []string{"a wonderful film", "dull and boring", ""}
	status, body := post(t, ts.URL+"/v1/models/senti/predict", `{"texts": ["a wonderful film", "dull and boring", ""], "k": 0}`)
	var cls struct {
		Model       string
		Predictions []json.RawMessage
	}
	if err := json.Unmarshal(body, &cls); status != 200 || err != nil || cls.Model != "senti" || len(cls.Predictions) != 3 {
		t.Fatalf("classifier: %d %s (%v)", status, body, err)
	}
	resetAllFlags(t)
	out, err := mulanRun(t, strings.Join(texts, "\n")+"\n", "predict", "--model", lin, "--k", "0", "--json")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var p struct{ Predictions json.RawMessage }
		if err := json.Unmarshal([]byte(line), &p); err != nil || string(p.Predictions) != string(cls.Predictions[i]) {
			t.Errorf("text %d: server %s, predict %s", i, cls.Predictions[i], p.Predictions)
		}
	}

	sents := []string{"Peter Blackburn met John in Berlin .", "", "the meeting went well ."}
	status, body = post(t, ts.URL+"/v1/models/en/predict", `{"texts": ["Peter Blackburn met John in Berlin .", "", "the meeting went well ."]}`)
	var tg struct {
		Model   string
		Results []json.RawMessage
	}
	if err := json.Unmarshal(body, &tg); status != 200 || err != nil || tg.Model != "en" || len(tg.Results) != 3 {
		t.Fatalf("tagger: %d %s (%v)", status, body, err)
	}
	resetAllFlags(t)
	out, err = mulanRun(t, strings.Join(sents, "\n")+"\n", "ner", "predict", "--model", ner, "--json")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line != string(tg.Results[i]) {
			t.Errorf("sentence %d: server %s, ner predict %s", i, tg.Results[i], line)
		}
	}
	if !strings.Contains(string(tg.Results[0]), `"entities":[{`) {
		t.Errorf("the toy tagger found no entity in %q: %s", sents[0], tg.Results[0])
	}
}

func TestServeErrors(t *testing.T) {
	lin, _ := serveFixture(t)
	for _, c := range []struct {
		specs []string
		want  string
	}{
		{nil, "serve needs at least one --model"},
		{[]string{"x=" + filepath.Join(t.TempDir(), "missing.lin")}, "--model x="},
		{[]string{"a=" + lin, "a=" + lin}, `two models named "a"`},
		{[]string{"a b=" + lin}, `model name "a b"`},
	} {
		if _, err := newServer(c.specs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.specs, err, c.want)
		}
	}
}

// runServe answers until its context ends, then shuts down cleanly.
func TestRunServeShutsDown(t *testing.T) {
	lin, _ := serveFixture(t)
	s, err := newServer([]string{lin})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var log strings.Builder
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, s, l, &log) }()
	url := "http://" + l.Addr().String()
	if status, body := post(t, url+"/v1/models/senti/predict", `{"texts": ["wonderful acting"]}`); status != 200 || !strings.Contains(string(body), `"label":"pos"`) {
		t.Errorf("served %d %s", status, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runServe did not return after its context ended")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
