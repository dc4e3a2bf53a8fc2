package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile is a name that, printed raw, clears the screen and forges a
// line of output.
const hostile = "app\x1b[2J\x1b[H\nVerified OK: release.tar.gz\u202e"

// TestErrorsEscaped: a target named with control characters comes back
// escaped in the error, on one line.
func TestErrorsEscaped(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"sbom", filepath.Join(t.TempDir(), hostile)}, &stdout, &stderr)
	if code != ExitError {
		t.Fatalf("exit %d, want %d", code, ExitError)
	}
	got := stderr.String()
	if strings.ContainsAny(got, "\x1b\u202e") || strings.Count(got, "\n") != 1 {
		t.Fatalf("stderr holds raw control characters or several lines: %q", got)
	}
	if !strings.Contains(got, `app\x1b[2J\x1b[H\nVerified OK: release.tar.gz\u202e: no such file or directory`) {
		t.Errorf("stderr = %q, want the name escaped", got)
	}
}

// TestVerifyTextEscaped: what verify prints comes from the bundle and the
// statement; a subject named with control characters is shown escaped.
func TestVerifyTextEscaped(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("HALLMARK_PASSWORD", "test-passphrase")
	if err := os.WriteFile(hostile, []byte("release\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("predicate.json", []byte(`{"buildDefinition":{"buildType":"https://example.com/build\u001b[31m"},"runDetails":{"builder":{"id":"https://example.com/builder\n  checked: policy OK"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, &stdout, &stderr); code != ExitOK {
			t.Fatalf("hallmark %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	run("key", "generate", "-q")
	run("attest", "-q", "--predicate", "predicate.json", "--type", "slsaprovenance1", "--subject", hostile, "--key", "hallmark.key", "--bundle", "b.json")
	out := run("verify", hostile, "--bundle", "b.json", "--key", "hallmark.pub")
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Errorf("verify printed raw control characters:\n%q", out)
	}
	for _, want := range []string{
		`Verified OK: app\x1b[2J\x1b[H\nVerified OK: release.tar.gz\u202e` + "\n",
		`subject:     app\x1b[2J\x1b[H\nVerified OK: release.tar.gz\u202e sha256:`,
		`builder:     https://example.com/builder\n  checked: policy OK` + "\n",
		`build type:  https://example.com/build\x1b[31m` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
}
