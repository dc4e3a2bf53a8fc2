package score

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hallmark-dev/hallmark/score/gitsignals"
	"github.com/hallmark-dev/hallmark/score/internal/fixture"
)

const secret = "-----BEGIN OPENSSH PRIVATE KEY-----"

// TestSymlinkOutOfCheckout: tracked files replaced in the work tree by
// symbolic links to host files (the index still says "regular file") are
// not read, and nothing of them reaches the report (issue 15 item 2).
func TestSymlinkOutOfCheckout(t *testing.T) {
	r := fixture.New(t)
	r.Write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
	r.Write("LICENSE", "x\n")
	r.Commit("Ann", "ann@example.org", date("2024-01-01"), "init")

	host := t.TempDir()
	key := filepath.Join(host, "id_ed25519")
	os.WriteFile(key, []byte(secret+"\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600)
	lic := filepath.Join(host, "LICENSE")
	os.WriteFile(lic, []byte(license), 0o644)
	for p, target := range map[string]string{".github/workflows/ci.yml": key, "LICENSE": lic} {
		full := filepath.Join(r.Dir, filepath.FromSlash(p))
		os.Remove(full)
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Project(context.Background(), r.Dir, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(rep)
	if strings.Contains(string(out), "OPENSSH") || strings.Contains(string(out), "b3BlbnNzaC1rZXkt") {
		t.Errorf("the host file's content is in the report:\n%s", out)
	}
	for _, c := range rep.Posture.Checks {
		// Named LICENSE at the top level (9 of 10, by name, as Scorecard
		// does), but its text, outside the checkout, is not read.
		if c.Name == "License" && strings.Contains(c.Reason, "Apache") {
			t.Errorf("License identified from a file outside the checkout: %s", c.Reason)
		}
	}
	if !strings.Contains(strings.Join(rep.Partial, "\n"), "outside") {
		t.Errorf("partial %q: want the refused symlink named", rep.Partial)
	}
}

// TestFIFOInCheckout: LICENSE and README.md as named pipes: score
// completes instead of blocking in open (issue 15 item 5). Without the fix
// this test does not fail, it hangs.
func TestFIFOInCheckout(t *testing.T) {
	r := fixture.New(t)
	r.Write("LICENSE", license)
	r.Write("README.md", "hi\n")
	r.Write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
	r.Commit("Ann", "ann@example.org", date("2024-01-01"), "init")
	for _, p := range []string{"LICENSE", "README.md", ".github/workflows/ci.yml"} {
		full := filepath.Join(r.Dir, filepath.FromSlash(p))
		os.Remove(full)
		if err := syscall.Mkfifo(full, 0o644); err != nil {
			t.Skip("mkfifo:", err)
		}
	}
	rep, err := Project(context.Background(), r.Dir, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(rep.Partial, "\n"), "LICENSE") {
		t.Errorf("partial %q: want LICENSE named", rep.Partial)
	}
}

// TestFIFOForGit: git opens .mailmap and the files under .git with a
// blocking open; a named pipe there is refused before git runs.
func TestFIFOForGit(t *testing.T) {
	for _, p := range []string{".mailmap", ".git/packed-refs", ".git/refs/heads/x"} {
		t.Run(p, func(t *testing.T) {
			r := fixture.New(t)
			r.Write("a", "1")
			r.Commit("Ann", "ann@example.org", date("2024-01-01"), "init")
			if err := syscall.Mkfifo(filepath.Join(r.Dir, filepath.FromSlash(p)), 0o644); err != nil {
				t.Skip("mkfifo:", err)
			}
			_, err := Project(context.Background(), r.Dir, Options{AsOf: asOf})
			if !errors.Is(err, gitsignals.ErrSpecialFile) || !strings.Contains(err.Error(), filepath.Base(p)+" is a named pipe") {
				t.Errorf("err = %v, want ErrSpecialFile naming %s", err, p)
			}
		})
	}
}
