//go:build unix

package vulndb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockExcludes says lockDir keeps other writers out, so that files a
// writer makes can be told from those a dead one left.
const lockExcludes = true

// lockDir takes the directory's writer lock, so that two updates or
// imports never build at once: each would start from the same live copy
// and the later commit would silently drop the earlier one's records.
// The kernel releases the lock when the process dies, so a crash never
// leaves it held.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, ErrBusy)
		}
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return f, nil
}
