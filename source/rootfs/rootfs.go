// Package rootfs is the file system view of a local directory that every
// reader of a target tree or a checkout uses instead of os.DirFS
// (DESIGN.md §4.12). It is built on os.Root, so no path, however many
// symbolic links it passes through, resolves outside the directory: a
// tracked file that is a symlink to ~/.ssh/id_ed25519 or /etc/shadow is
// refused, not read. Symlinks that stay inside the directory work as
// usual. It opens only regular files and directories: a FIFO, a device or
// a socket is refused without blocking (opened non-blocking, then
// checked), so a named pipe called LICENSE cannot hang a scan.
package rootfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// ErrOutside is wrapped by errors for paths that resolve outside the root.
var ErrOutside = errors.New("resolves outside the target (symbolic link)")

// ErrIrregular is wrapped by errors for paths that are neither a regular
// file nor a directory.
var ErrIrregular = errors.New("not a regular file or directory")

// FS is a directory opened as an fs.FS. It implements fs.StatFS,
// fs.ReadDirFS and fs.ReadFileFS; files it opens are *os.File, so they
// support io.ReaderAt and io.Seeker.
type FS struct {
	root *os.Root
	dir  string
}

// New opens dir. The directory itself may be reached through a symlink
// (the user named it); nothing under it may leave it.
func New(dir string) (*FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &FS{root: r, dir: dir}, nil
}

// Close releases the directory handle.
func (f *FS) Close() error { return f.root.Close() }

// Open opens a regular file or a directory.
func (f *FS) Open(name string) (fs.File, error) {
	file, err := f.open(name)
	if err != nil {
		return nil, err
	}
	return file, nil
}

func (f *FS) open(name string) (*os.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	file, err := f.root.OpenFile(name, os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, f.wrap("open", name, err)
	}
	info, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if !info.Mode().IsRegular() && !info.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%s)", ErrIrregular, kind(info.Mode()))}
	}
	return file, nil
}

// Stat follows symlinks inside the root, like os.Stat.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	info, err := f.root.Stat(name)
	if err != nil {
		return nil, f.wrap("stat", name, err)
	}
	return info, nil
}

// ReadDir lists a directory sorted by name, as fs.ReadDir does. Entries
// keep their own type: a symlink is reported as a symlink, which the
// walkers skip.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	file, err := f.open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	entries, err := file.ReadDir(-1)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// ReadFile reads a whole regular file. Callers that read outside input
// bound the size themselves (extract.ReadFile).
func (f *FS) ReadFile(name string) ([]byte, error) {
	file, err := f.open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// wrap turns os.Root's escape error into ErrOutside. os.Root does not
// export it; its message is fixed ("path escapes from parent") and a test
// pins it, so a change in Go shows up as a failing test, not a leak.
func (f *FS) wrap(op, name string, err error) error {
	if strings.Contains(err.Error(), "path escapes from parent") {
		return &fs.PathError{Op: op, Path: name, Err: ErrOutside}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: op, Path: name, Err: pe.Err}
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "mode " + m.String()
}
