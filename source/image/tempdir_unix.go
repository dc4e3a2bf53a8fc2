//go:build unix

package image

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// tempDir makes a temporary directory and locks it: the lock file is
// created under another name, locked, then renamed into place, so no
// cleaner can find it unlocked while its owner lives.
func tempDir(tmp string) (string, func(), error) {
	dir, err := os.MkdirTemp(tmp, tempPrefix+"*")
	if err != nil {
		return "", nil, err
	}
	lf, err := os.OpenFile(filepath.Join(dir, lockName+".new"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			err = os.Rename(lf.Name(), filepath.Join(dir, lockName))
		}
		if err != nil {
			lf.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { lf.Close() }, nil
}

// removeIfStale removes dir when it is this user's and stale (see
// cleanStale), and reports whether it did.
func removeIfStale(dir string) bool {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
		return false
	}
	// O_NONBLOCK and O_NOFOLLOW: a FIFO or a link planted as the lock file
	// must not block or lead elsewhere.
	fd, err := syscall.Open(filepath.Join(dir, lockName), syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if !errors.Is(err, syscall.ENOENT) || time.Since(st.ModTime()) < staleAge {
			return false
		}
		return os.RemoveAll(dir) == nil
	}
	defer syscall.Close(fd)
	var lst syscall.Stat_t
	if syscall.Fstat(fd, &lst) != nil || lst.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return false
	}
	if syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return false // its hallmark is running
	}
	return os.RemoveAll(dir) == nil
}
