// Package shared locates the data sets and reference outputs that live beside
// the repository, in ../shared relative to the module root (see
// ../shared/data/README.md). They are never copied into the repository: tests
// and benchmarks that need them call Data or Reference, which skip the test
// with a clear message when the folder is absent (for example in a clone
// without the shared folder).
package shared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Root returns the shared folder: ../shared from the directory holding go.mod,
// searched upwards from the working directory. MULAN_SHARED overrides it.
func Root() (string, error) {
	if dir := os.Getenv("MULAN_SHARED"); dir != "" {
		return dir, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}

// Path returns the path of elem under the shared folder, or an error saying
// where it was looked for when it does not exist.
func Path(elem ...string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s absent (../shared from the repository root): %w", p, err)
	}
	return p, nil
}

// Data returns the path of elem under shared/data, skipping t when it is absent.
func Data(t testing.TB, elem ...string) string {
	t.Helper()
	return skipUnless(t, append([]string{"data"}, elem...))
}

// Reference returns the path of elem under shared/reference, skipping t when it is absent.
func Reference(t testing.TB, elem ...string) string {
	t.Helper()
	return skipUnless(t, append([]string{"reference"}, elem...))
}

func skipUnless(t testing.TB, elem []string) string {
	t.Helper()
	p, err := Path(elem...)
	if err != nil {
		t.Skipf("shared file needed by this test: %v", err)
	}
	return p
}
