package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// replaceFile writes a file the user named. A regular file (or a new one)
// is written to a temporary file beside it and renamed into place, so a
// failed run leaves the old content, never half a file; it keeps an
// existing file's mode, and a new one gets perm. A symbolic link at the
// destination is replaced by the new file, never written through: in a
// checkout of a stranger's pull request, "sbom.cdx.json" may be a link to
// ~/.bashrc. Paths under /dev and /proc (/dev/stdout, /dev/null,
// /proc/self/fd/N), and anything that exists and is not a regular file or
// a link (a FIFO), are written in place: renaming over them would destroy
// the device, as happened to /dev/null when this was not so. Errors name
// the file as the user gave it.
func replaceFile(name string, perm os.FileMode, write func(io.Writer) error) error {
	target := name
	if abs, err := filepath.Abs(name); err == nil && (strings.HasPrefix(abs, "/dev/") || strings.HasPrefix(abs, "/proc/")) {
		return writeInPlace(name, name, write)
	}
	if fi, err := os.Lstat(target); err == nil {
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			// replaced, with perm
		case !fi.Mode().IsRegular():
			return writeInPlace(name, target, write)
		default:
			perm = fi.Mode().Perm()
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	return nil
}

func writeInPlace(name, target string, write func(io.Writer) error) error {
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	return nil
}

// unwrapPath drops the *os.PathError's own path (a temporary name the user
// never gave) and keeps what went wrong.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
