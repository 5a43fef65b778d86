package vocab

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/mulan-nlp/mulan/progress"
	"github.com/mulan-nlp/mulan/tokenize"
)

// CountText tokenizes every line of r with t and adds the tokens to c.
// Batches of lines are tokenized by workers goroutines (0 means GOMAXPROCS),
// each with its own Counter, merged at the end. prog (may be nil) receives
// the number of bytes read. name is used in errors.
func (c *Counter) CountText(name string, r io.Reader, t tokenize.Tokenizer, workers int, prog *progress.Reporter) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	batches := make(chan string, workers)
	parts := make([]*Counter, workers)
	var wg sync.WaitGroup
	for w := range workers {
		parts[w] = NewCounter()
		wg.Add(1)
		go func(part *Counter) {
			defer wg.Done()
			app, _ := t.(tokenize.Appender)
			var toks []string
			for b := range batches {
				tokenize.EachLine(b, func(line string) {
					if app != nil {
						toks = app.Append(toks[:0], line)
					} else {
						toks = t.Tokenize(line)
					}
					part.Add(toks...)
				})
				prog.Add(int64(len(b)))
			}
		}(parts[w])
	}
	err := tokenize.ReadBatches(r, func(b string) error {
		batches <- b
		return nil
	})
	close(batches)
	wg.Wait()
	for _, p := range parts {
		c.Merge(p)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
