// Package golden compares test output with files under testdata/ and
// rewrites them when the test runs with -update (or HALLMARK_UPDATE_GOLDEN=1,
// which also works for `go test ./...` where some packages lack the flag).
// Review regenerated files in the diff. Used by tests only.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Updating reports whether golden files are being rewritten.
func Updating() bool { return *update || os.Getenv("HALLMARK_UPDATE_GOLDEN") == "1" }

// Check compares got with the golden file at path, or writes it when
// updating. It fails the test with a short diff position on mismatch.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	line, i := 1, 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		if got[i] == '\n' {
			line++
		}
		i++
	}
	t.Errorf("%s: output differs from golden file at line %d (run with -update to accept)\n got: %q\nwant: %q",
		path, line, excerpt(got, i), excerpt(want, i))
}

func excerpt(b []byte, i int) string {
	start := max(0, i-40)
	end := min(len(b), i+80)
	return string(b[start:end])
}
