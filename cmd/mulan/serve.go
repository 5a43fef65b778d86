package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mulan-nlp/mulan/serve"
	"github.com/mulan-nlp/mulan/tagger"
)

// taggerService adapts a tagger to serve.Tagger: a text is tokenized as
// `mulan ner predict` reads a line.
type taggerService struct{ m *tagger.Tagger }

func (t taggerService) Tag(text string) (serve.Tagged, error) {
	lang := t.m.Config().Lang
	toks := nerTokens(text, lang)
	pred, err := t.m.Predict([][]string{toks})
	if err != nil {
		return serve.Tagged{}, err
	}
	sep := " "
	if lang == "zh" {
		sep = ""
	}
	ents, err := t.m.Entities(toks, pred[0], sep)
	return serve.Tagged{Tokens: toks, Tags: pred[0], Entities: ents}, err
}

// newServer loads every NAME=PATH (or PATH, named by its file name without
// extension) into a server.
func newServer(specs []string) (*serve.Server, error) {
	if len(specs) == 0 {
		return nil, errors.New("serve needs at least one --model NAME=PATH")
	}
	s := serve.New()
	for _, spec := range specs {
		name, path, ok := strings.Cut(spec, "=")
		if !ok {
			path = spec
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		c, tg, err := loadModel(path)
		if err != nil {
			return nil, fmt.Errorf("--model %s: %w", spec, err)
		}
		if tg != nil {
			err = s.AddTagger(name, taggerService{tg})
		} else {
			err = s.AddClassifier(name, c)
		}
		if err != nil {
			return nil, fmt.Errorf("--model %s: %w", spec, err)
		}
	}
	return s, nil
}

// runServe serves s on l until ctx is done, then shuts down gracefully
// (requests in flight get up to 10 s to finish).
func runServe(ctx context.Context, s *serve.Server, l net.Listener, log io.Writer) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	fmt.Fprintf(log, "serve: listening on http://%s\n", l.Addr())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(log, "serve: shutting down")
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func init() {
	var (
		models []string
		addr   string
		quiet  bool
	)
	c := &cobra.Command{
		Use:   "serve --model [NAME=]MODEL... [--addr HOST:PORT]",
		Short: "Serve classifiers and taggers over HTTP with JSON",
		Long: `Serve loads the models (any classifier or tagger file that 'mulan predict'
reads; --model repeated, NAME=PATH, or PATH named by its file name without
extension) and answers on --addr until interrupted (Ctrl-C or SIGTERM, after
which requests in flight finish):

  GET  /healthz                   {"status": "ok"}
  GET  /v1/models                 the models: name, type, labels
  POST /v1/models/NAME/predict    {"texts": ["...", ...], "k": 2}

A classifier answers {"model", "predictions"}: for every text its k most
probable labels with their probabilities (k: default 1, 0 for all); a tagger
answers {"model", "results"}: for every text its tokens (split as 'mulan ner
predict' splits a line), tags and entities {"start", "end", "type", "text"}.
Errors are {"error": "..."} with an HTTP status: 400 for a bad request, 404
for an unknown model, 413 for a body over 4 MiB (at most 1000 texts per
request). Each request is logged on stderr unless --quiet.`,
		Example: `  mulan serve --model sst2=sst2.lin --model en.ner --addr 127.0.0.1:8080
  curl -s localhost:8080/v1/models/sst2/predict -d '{"texts": ["a gorgeous, witty film"], "k": 2}'
  curl -s localhost:8080/v1/models/en/predict -d '{"texts": ["EU rejects German call to boycott British lamb ."]}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := newServer(models)
			if err != nil {
				return err
			}
			if !quiet {
				s.Log = cmd.ErrOrStderr()
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("--addr %s: %w", addr, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, s, l, cmd.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringArrayVar(&models, "model", nil, "model to serve, NAME=PATH or PATH (repeat for several)")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (HOST:PORT; :0 picks a free port)")
	f.BoolVar(&quiet, "quiet", false, "do not log requests")
	register(c)
}
