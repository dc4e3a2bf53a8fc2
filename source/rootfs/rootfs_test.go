package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"testing/fstest"
)

// tree builds a target with symlinks that stay inside and ones that leave,
// beside a "secret" outside it.
func tree(t *testing.T) (*FS, string) {
	t.Helper()
	base := t.TempDir()
	secret := filepath.Join(base, "id_ed25519")
	write(t, secret, "-----BEGIN OPENSSH PRIVATE KEY-----\n")
	root := filepath.Join(base, "repo")
	write(t, filepath.Join(root, "go.mod"), "module x\n")
	write(t, filepath.Join(root, "sub/package.json"), "{}")
	must(t, os.Symlink("go.mod", filepath.Join(root, "inside")))
	must(t, os.Symlink("../go.mod", filepath.Join(root, "sub/up-inside")))
	must(t, os.Symlink(secret, filepath.Join(root, "abs-outside")))
	must(t, os.Symlink("../id_ed25519", filepath.Join(root, "rel-outside")))
	must(t, os.Symlink("sub/../../id_ed25519", filepath.Join(root, "chain-outside")))
	must(t, os.Symlink(base, filepath.Join(root, "dir-outside")))
	must(t, os.MkdirAll(filepath.Join(root, ".github/workflows"), 0o755))
	must(t, os.Symlink("/etc/passwd", filepath.Join(root, ".github/workflows/ci.yml")))
	fsys, err := New(root)
	must(t, err)
	t.Cleanup(func() { fsys.Close() })
	return fsys, root
}

func TestSymlinks(t *testing.T) {
	fsys, _ := tree(t)
	for _, name := range []string{"inside", "sub/up-inside"} {
		data, err := fs.ReadFile(fsys, name)
		if err != nil || string(data) != "module x\n" {
			t.Errorf("ReadFile(%s) = %q, %v; want the file inside", name, data, err)
		}
	}
	for _, name := range []string{"abs-outside", "rel-outside", "chain-outside", "dir-outside/id_ed25519", ".github/workflows/ci.yml"} {
		if data, err := fs.ReadFile(fsys, name); !errors.Is(err, ErrOutside) {
			t.Errorf("ReadFile(%s) = %q, %v; want ErrOutside", name, data, err)
		}
		if _, err := fsys.Open(name); !errors.Is(err, ErrOutside) {
			t.Errorf("Open(%s): %v; want ErrOutside", name, err)
		}
		if _, err := fsys.Stat(name); !errors.Is(err, ErrOutside) {
			t.Errorf("Stat(%s): %v; want ErrOutside", name, err)
		}
	}
	if _, err := fs.ReadDir(fsys, "dir-outside"); !errors.Is(err, ErrOutside) {
		t.Errorf("ReadDir(dir-outside): %v; want ErrOutside", err)
	}
	if _, err := fsys.Open("../id_ed25519"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Open(../id_ed25519): %v; want fs.ErrInvalid", err)
	}
}

// TestIrregular: a FIFO is refused at once (opening it for reading would
// otherwise wait for a writer forever), and so is a device.
func TestIrregular(t *testing.T) {
	root := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(root, "LICENSE"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	must(t, os.Symlink("/dev/zero", filepath.Join(root, "zero")))
	fsys, err := New(root)
	must(t, err)
	defer fsys.Close()
	if _, err := fs.ReadFile(fsys, "LICENSE"); !errors.Is(err, ErrIrregular) {
		t.Errorf("ReadFile(LICENSE fifo): %v; want ErrIrregular", err)
	}
	if _, err := fsys.Open("LICENSE"); err == nil || err.Error() != "open LICENSE: not a regular file or directory (named pipe)" {
		t.Errorf("Open(LICENSE fifo): %v", err)
	}
	// /dev/zero is outside the root as well as a device: refused either way.
	if _, err := fs.ReadFile(fsys, "zero"); err == nil {
		t.Error("ReadFile(zero) read a device")
	}
	// Stat does not open, so it may report the FIFO for what it is.
	info, err := fsys.Stat("LICENSE")
	if err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("Stat(LICENSE) = %v, %v", info, err)
	}
}

// TestFS checks the fs.FS contracts on a tree without outside links.
func TestFS(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a/b.txt"), "b")
	write(t, filepath.Join(root, "c.txt"), "c")
	fsys, err := New(root)
	must(t, err)
	defer fsys.Close()
	if err := fstest.TestFS(fsys, "a/b.txt", "c.txt"); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(name), 0o755))
	must(t, os.WriteFile(name, []byte(content), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
