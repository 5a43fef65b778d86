package shared

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOverrideAndMissing(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data", "set"), 0o755)
	t.Setenv("MULAN_SHARED", dir)
	if got := Data(t, "set"); got != filepath.Join(dir, "data", "set") {
		t.Fatalf("Data = %q", got)
	}
	if _, err := Path("data", "missing"); err == nil {
		t.Fatal("missing path reported as present")
	}
}

func TestRootFindsModule(t *testing.T) {
	t.Setenv("MULAN_SHARED", "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(root) != "shared" {
		t.Fatalf("root %q does not end in shared", root)
	}
}
