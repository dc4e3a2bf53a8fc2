//go:build unix

package image

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDetectNotImageFiles: a root file system tar (docker export) is
// refused with a reason rather than inventoried as nothing, and a named
// pipe is not opened (that would block until a writer came). Unix only,
// for the named pipe.
func TestDetectNotImageFiles(t *testing.T) {
	tmp := t.TempDir()
	rootfs := filepath.Join(tmp, "rootfs.tar")
	if err := os.WriteFile(rootfs, tarBytes(t, dir("etc"), reg("etc/os-release", "ID=debian\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Detect(rootfs)
	if !errors.Is(err, ErrTarNotImage) || errors.Is(err, ErrNotImage) {
		t.Errorf("Detect(rootfs.tar) = %v, want ErrTarNotImage", err)
	}
	if want := rootfs + ": " + ErrTarNotImage.Error(); err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}

	fifo := filepath.Join(tmp, "package-lock.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Opening it would block this test until go test's -timeout.
	if _, _, err := Detect(fifo); !errors.Is(err, ErrNotImage) {
		t.Errorf("Detect(fifo) = %v, want ErrNotImage", err)
	}
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }
