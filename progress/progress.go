// Package progress reports the progress of long work through one small
// interface: a progress bar (github.com/schollz/progressbar) when the output is
// a terminal, and plain timestamped lines otherwise (CI logs, files), at most one
// every few seconds. Library code takes a *Reporter and may be given nil, which
// reports nothing.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Reporter tracks one task of known (total > 0) or unknown (total <= 0) size.
// Its methods are safe for concurrent use and safe on a nil *Reporter.
type Reporter struct {
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	w      io.Writer
	label  string
	unit   string
	total  int64
	done   int64
	start  time.Time
	last   time.Time
	every  time.Duration
	closed bool
}

// New starts reporting a task to w. unit names what is counted ("tokens", "lines").
// When w is a terminal a bar is drawn; otherwise a line is printed at most every 5 s.
func New(w io.Writer, label, unit string, total int64) *Reporter {
	r := &Reporter{w: w, label: label, unit: unit, total: total, start: time.Now(), every: 5 * time.Second}
	r.last = r.start
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("CI") == "" {
		r.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString(unit),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return r
}

// Add records n more units of work done.
func (r *Reporter) Add(n int64) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += n
	if r.bar != nil {
		r.bar.Add64(n)
		return
	}
	if now := time.Now(); now.Sub(r.last) >= r.every {
		r.last = now
		r.line(now)
	}
}

func (r *Reporter) line(now time.Time) {
	el := now.Sub(r.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(r.done) / el
	}
	if r.total > 0 {
		eta := ""
		if rate > 0 {
			eta = fmt.Sprintf(" eta %s", (time.Duration(float64(r.total-r.done)/rate) * time.Second).Round(time.Second))
		}
		fmt.Fprintf(r.w, "%s: %d/%d %s (%.1f%%) %.0f %s/s%s\n", r.label, r.done, r.total, r.unit,
			100*float64(r.done)/float64(r.total), rate, r.unit, eta)
		return
	}
	fmt.Fprintf(r.w, "%s: %d %s %.0f %s/s\n", r.label, r.done, r.unit, rate, r.unit)
}

// Finish ends the task and prints a final summary line.
func (r *Reporter) Finish() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	if r.bar != nil {
		r.bar.Finish()
	}
	el := time.Since(r.start)
	fmt.Fprintf(r.w, "%s: done, %d %s in %s\n", r.label, r.done, r.unit, el.Round(time.Millisecond))
}
