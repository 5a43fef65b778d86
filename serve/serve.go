// Package serve answers prediction requests for mulan models over HTTP with
// JSON: text classifiers (label probabilities) and named-entity taggers
// (tags and entity spans), several models behind one server, each by name.
//
// Endpoints:
//
//	GET  /healthz                    {"status": "ok"}
//	GET  /v1/models                  {"models": [{"name", "type", "labels"}]}
//	POST /v1/models/{name}/predict   {"texts": ["...", ...], "k": 2}
//
// A classifier answers {"model", "predictions": [[{"label", "prob"}, ...],
// ...]}, one list per text, most probable label first, k labels (default 1,
// 0 for all). A tagger answers {"model", "results": [{"tokens", "tags",
// "entities": [{"start", "end", "type", "text"}]}]}, one per text. Errors are
// {"error": "..."} with status 400 (bad request), 404 (unknown model), 405,
// 413 (body over MaxBodyBytes) or 500.
//
// Models are not safe for concurrent use (they keep scratch buffers), so
// each model serves one request at a time; different models serve in
// parallel. The package knows nothing of model files: cmd/mulan loads them
// and registers them (AddClassifier, AddTagger).
package serve

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/mulan-nlp/mulan/tagger"
)

// Classifier gives the probability of every label of a text.
type Classifier interface {
	Labels() []string
	// Probs appends to dst the probabilities of Labels() for text.
	Probs(dst []float64, text string) []float64
}

// Tagger tags one sentence of raw text.
type Tagger interface {
	Tag(text string) (Tagged, error)
}

// Tagged is a tagged sentence.
type Tagged struct {
	Tokens   []string        `json:"tokens"`
	Tags     []string        `json:"tags"`
	Entities []tagger.Entity `json:"entities"`
}

// LabelProb is one predicted label.
type LabelProb struct {
	Label string  `json:"label"`
	Prob  float64 `json:"prob"`
}

// TopK returns the k most probable labels (all when k <= 0), most probable
// first, ties in label order.
func TopK(labels []string, probs []float64, k int) []LabelProb {
	ps := make([]LabelProb, len(labels))
	for i, l := range labels {
		ps[i] = LabelProb{l, probs[i]}
	}
	slices.SortStableFunc(ps, func(a, b LabelProb) int { return cmp.Compare(b.Prob, a.Prob) })
	if k > 0 && k < len(ps) {
		ps = ps[:k]
	}
	return ps
}

// Defaults of a Server's limits.
const (
	DefaultMaxBodyBytes = 4 << 20
	DefaultMaxTexts     = 1000
)

// Server holds the models and serves them (Handler).
type Server struct {
	// MaxBodyBytes and MaxTexts bound a request (413 and 400 beyond).
	MaxBodyBytes int64
	MaxTexts     int
	// Log, when set, receives one line per request: method, path, status,
	// texts and duration.
	Log io.Writer

	mu     sync.Mutex // guards Log writes
	models map[string]*model
	names  []string
}

type model struct {
	mu  sync.Mutex // one request at a time
	cls Classifier
	tag Tagger
}

// New returns a server without models and with the default limits.
func New() *Server {
	return &Server{MaxBodyBytes: DefaultMaxBodyBytes, MaxTexts: DefaultMaxTexts, models: map[string]*model{}}
}

// AddClassifier serves c as name.
func (s *Server) AddClassifier(name string, c Classifier) error {
	return s.add(name, &model{cls: c})
}

// AddTagger serves t as name.
func (s *Server) AddTagger(name string, t Tagger) error {
	return s.add(name, &model{tag: t})
}

func (s *Server) add(name string, m *model) error {
	if name == "" || !validName(name) {
		return fmt.Errorf("serve: model name %q: use letters, digits, '.', '-' and '_'", name)
	}
	if _, dup := s.models[name]; dup {
		return fmt.Errorf("serve: two models named %q", name)
	}
	s.models[name] = m
	s.names = append(s.names, name)
	return nil
}

func validName(n string) bool {
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Handler returns the HTTP handler of the endpoints above.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, http.StatusOK, map[string]string{"status": "ok"}, 0, time.Now())
	})
	mux.HandleFunc("GET /v1/models", s.list)
	mux.HandleFunc("POST /v1/models/{name}/predict", s.predict)
	for path, allow := range map[string]string{"/healthz": "GET", "/v1/models": "GET", "/v1/models/{name}/predict": "POST"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.fail(w, r, http.StatusMethodNotAllowed, fmt.Errorf("%s %s: use %s", r.Method, r.URL.Path, allow), time.Now())
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no endpoint %s %s (GET /healthz, GET /v1/models, POST /v1/models/{name}/predict)", r.Method, r.URL.Path), time.Now())
	})
	return mux
}

type modelInfo struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Labels []string `json:"labels,omitempty"`
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	out := struct {
		Models []modelInfo `json:"models"`
	}{Models: []modelInfo{}}
	for _, n := range s.names {
		m := s.models[n]
		info := modelInfo{Name: n, Type: "tagger"}
		if m.cls != nil {
			info.Type, info.Labels = "classifier", m.cls.Labels()
		}
		out.Models = append(out.Models, info)
	}
	s.reply(w, r, http.StatusOK, out, 0, time.Now())
}

// request is the body of a predict call.
type request struct {
	Texts []string `json:"texts"`
	K     *int     `json:"k"`
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("name")
	m, ok := s.models[name]
	if !ok {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no model %q (GET /v1/models lists them)", name), start)
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	dec.DisallowUnknownFields()
	var req request
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(w, r, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", s.MaxBodyBytes), start)
			return
		}
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("request body: %w (want {\"texts\": [...]})", err), start)
		return
	}
	if dec.More() {
		s.fail(w, r, http.StatusBadRequest, errors.New("request body: more than one JSON value"), start)
		return
	}
	switch {
	case req.Texts == nil:
		s.fail(w, r, http.StatusBadRequest, errors.New(`request body: no "texts"`), start)
		return
	case len(req.Texts) > s.MaxTexts:
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("%d texts in one request, at most %d", len(req.Texts), s.MaxTexts), start)
		return
	}
	k := 1
	if req.K != nil {
		if m.cls == nil {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("model %q is a tagger: \"k\" is for classifiers", name), start)
			return
		}
		if k = *req.K; k < 0 {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("k %d: want 0 (all labels) or more", k), start)
			return
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cls != nil {
		labels := m.cls.Labels()
		preds := make([][]LabelProb, len(req.Texts))
		var probs []float64
		for i, t := range req.Texts {
			probs = m.cls.Probs(probs[:0], t)
			preds[i] = TopK(labels, probs, k)
		}
		s.reply(w, r, http.StatusOK, struct {
			Model       string        `json:"model"`
			Predictions [][]LabelProb `json:"predictions"`
		}{name, preds}, len(req.Texts), start)
		return
	}
	results := make([]Tagged, len(req.Texts))
	for i, t := range req.Texts {
		res, err := m.tag.Tag(t)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, fmt.Errorf("text %d: %w", i, err), start)
			return
		}
		if res.Entities == nil {
			res.Entities = []tagger.Entity{}
		}
		results[i] = res
	}
	s.reply(w, r, http.StatusOK, struct {
		Model   string   `json:"model"`
		Results []Tagged `json:"results"`
	}{name, results}, len(req.Texts), start)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error, start time.Time) {
	s.reply(w, r, status, map[string]string{"error": err.Error()}, 0, start)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any, texts int, start time.Time) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a client gone away is not the server's error
	if s.Log != nil {
		s.mu.Lock()
		fmt.Fprintf(s.Log, "%s %s %d texts=%d %s\n", r.Method, r.URL.Path, status, texts, time.Since(start).Round(time.Microsecond))
		s.mu.Unlock()
	}
}
