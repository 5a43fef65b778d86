package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "count", "lines", 10)
	r.every = 0
	r.Add(5)
	r.Finish()
	out := buf.String()
	if !strings.Contains(out, "count: 5/10 lines (50.0%)") || !strings.Contains(out, "count: done, 5 lines") {
		t.Fatalf("unexpected output %q", out)
	}
	var nilR *Reporter
	nilR.Add(1)
	nilR.Finish()
	_ = time.Second
}
