//go:build unix

package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestStaleTempDirs: an OCI archive's temporary directory that a killed
// hallmark left behind is removed at the next Open; one a running hallmark
// holds is not, nor anything that is not provably a stale one of ours.
func TestStaleTempDirs(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name string, lock bool, age time.Duration) string {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "index.json"), []byte("{}"), 0o644)
		if lock {
			// as a killed hallmark leaves it: the file, no process holding it
			if err := os.WriteFile(filepath.Join(dir, lockName), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		old := time.Now().Add(-age)
		os.Chtimes(dir, old, old)
		return dir
	}
	stale := mk(tempPrefix+"killed", true, 0)
	staleOld := mk(tempPrefix+"oldnolock", false, 48*time.Hour)
	fresh := mk(tempPrefix+"creating", false, time.Minute) // between MkdirTemp and its lock
	other := mk("other-dir", true, 48*time.Hour)
	// A running hallmark's directory, locked by this process through
	// another open file (flock locks conflict between open files).
	running, unlock, err := tempDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	fifoDir := mk(tempPrefix+"fifo", false, 48*time.Hour)
	os.Remove(fifoDir)
	os.Mkdir(fifoDir, 0o700)
	if err := mkfifo(filepath.Join(fifoDir, lockName)); err != nil {
		t.Fatal(err)
	}
	target := mk("target", false, 0)
	if err := os.Symlink(target, filepath.Join(tmp, tempPrefix+"link")); err != nil {
		t.Fatal(err)
	}

	// Any Open cleans up first; this one fails (no such archive).
	if _, err := Open(context.Background(), "oci-archive", filepath.Join(tmp, "missing.tar"), Options{TempDir: tmp}); err == nil {
		t.Fatal("opened a missing archive")
	}
	for dir, wantGone := range map[string]bool{stale: true, staleOld: true, fresh: false, other: false, running: false, fifoDir: false, target: false} {
		_, err := os.Stat(dir)
		if gone := os.IsNotExist(err); gone != wantGone {
			t.Errorf("%s: removed %v, want %v", filepath.Base(dir), gone, wantGone)
		}
	}
	if _, err := os.Lstat(filepath.Join(tmp, tempPrefix+"link")); err != nil {
		t.Errorf("symbolic link removed: %v", err)
	}

	// An archive opened while another holds its directory: both work, and
	// closing removes only its own.
	lay := t.TempDir()
	writeLayout(t, lay, buildImage(t, amd64, layer(t, reg("a", "1"))), "x")
	ociTar := filepath.Join(t.TempDir(), "oci.tar")
	tarDir(t, lay, ociTar)
	im, err := Open(context.Background(), "oci-archive", ociTar, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	cleanStale(tmp, nil)
	if _, err := os.Stat(im.dir); err != nil {
		t.Errorf("a live directory was removed: %v", err)
	}
	im.Close()
	if _, err := os.Stat(im.dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s", im.dir)
	}
	if _, err := os.Stat(running); err != nil {
		t.Errorf("the other directory went: %v", err)
	}
}
