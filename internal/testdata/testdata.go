// Package testdata finds the shared real data (OSV exports, KEV, Sigstore
// conformance bundles, schemas, criticality scores) that tests run against.
// It is used by tests only.
package testdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data folder: $HALLMARK_TESTDATA, or ../shared/data
// beside the repository root. When it is absent the test is skipped, saying
// so; CI (.ci/run) makes sure it is present.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HALLMARK_TESTDATA")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), "..", "shared", "data")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared test data not found at %s (set HALLMARK_TESTDATA): %v", dir, err)
	}
	return dir
}

// Path returns a file or folder inside the shared data, skipping the test
// when the data is absent.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elem...)...)
}

// RepoRoot returns the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
