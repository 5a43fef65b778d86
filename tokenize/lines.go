package tokenize

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// batchBytes is the approximate size of the line batches handed to workers.
const batchBytes = 256 << 10

// ReadBatches reads r and calls send with batches of whole lines, each batch
// one string of about batchBytes (longer when a single line is longer) that
// ends with the end of a line. A final line without "\n" is included as is.
// It stops and returns the first error of r or of send.
func ReadBatches(r io.Reader, send func(batch string) error) error {
	br := bufio.NewReaderSize(r, batchBytes)
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // a long line: keep reading it
		}
		if len(buf) >= batchBytes || (err != nil && len(buf) > 0) {
			if serr := send(string(buf)); serr != nil {
				return serr
			}
			buf = buf[:0]
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// EachLine calls f with every line of batch, without its "\n" or "\r\n".
func EachLine(batch string, f func(line string)) {
	for len(batch) > 0 {
		i := strings.IndexByte(batch, '\n')
		var line string
		if i < 0 {
			line, batch = batch, ""
		} else {
			line, batch = batch[:i], batch[i+1:]
		}
		f(strings.TrimSuffix(line, "\r"))
	}
}

var errWriteFailed = errors.New("write failed")

// Lines reads r line by line, tokenizes every line with t and writes its
// tokens to w separated by single spaces, one output line per input line
// (empty lines stay empty). Batches of lines are tokenized by workers
// goroutines (0 means GOMAXPROCS) and written in input order. A UTF-8 byte
// order mark at the start of the input is dropped. It returns the number of
// lines written.
func Lines(w io.Writer, r io.Reader, t Tokenizer, workers int) (int64, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		batch string
		out   chan []byte
	}
	jobs := make(chan job, workers)
	order := make(chan chan []byte, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app, _ := t.(Appender)
			var toks []string
			for j := range jobs {
				out := make([]byte, 0, len(j.batch)+len(j.batch)/4)
				EachLine(j.batch, func(line string) {
					if app != nil {
						toks = app.Append(toks[:0], line)
					} else {
						toks = t.Tokenize(line)
					}
					for i, tok := range toks {
						if i > 0 {
							out = append(out, ' ')
						}
						out = append(out, tok...)
					}
					out = append(out, '\n')
				})
				j.out <- out
			}
		}()
	}
	// The writer drains results in input order.
	var lines int64
	var failed atomic.Bool // set by the writer on error: stop reading
	werr := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(w, 256<<10)
		var err error
		for out := range order {
			b := <-out
			if err == nil {
				_, err = bw.Write(b)
				lines += int64(bytes.Count(b, []byte{'\n'}))
				if err != nil {
					failed.Store(true)
				}
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		werr <- err
	}()
	first := true
	rerr := ReadBatches(r, func(batch string) error {
		if failed.Load() {
			return errWriteFailed
		}
		if first {
			batch = strings.TrimPrefix(batch, "\ufeff")
			first = false
		}
		out := make(chan []byte, 1)
		order <- out
		jobs <- job{batch, out}
		return nil
	})
	close(jobs)
	close(order)
	wg.Wait()
	err := <-werr
	if rerr != nil && !errors.Is(rerr, errWriteFailed) {
		return lines, fmt.Errorf("reading: %w", rerr)
	}
	if err != nil {
		return lines, fmt.Errorf("writing: %w", err)
	}
	return lines, nil
}
