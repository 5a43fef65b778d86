package corpus

import (
	"errors"
	"strings"
	"testing"
)

// wantFileLine checks that err is an *Error of kind whose message starts
// with prefix ("name:line:").
func wantFileLine(t *testing.T, err error, prefix string, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q... (%v)", prefix, kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %q (%T) is not a *corpus.Error", err, err)
	}
	if !strings.Contains(err.Error(), prefix) {
		t.Errorf("error %q does not name %q", err, prefix)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
}
