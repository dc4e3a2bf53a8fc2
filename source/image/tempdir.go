package image

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// An OCI archive is unpacked into a temporary directory named
// tempPrefix*, removed when the image is closed. A hallmark killed before
// then (SIGKILL, out of memory) leaves it behind, so each Open removes the
// ones that are provably stale: the process that made one holds a lock on
// its lockName file for as long as it uses it (flock, released by the
// kernel when the process dies), and a directory whose lock is free is
// removed. One without a lock file (a hallmark killed between making the
// directory and locking it, or one from before the lock) is removed only
// when it is over a day old. Only directories of this user are touched.
const (
	tempPrefix = "hallmark-oci-"
	lockName   = ".hallmark-lock"
	staleAge   = 24 * time.Hour
)

// cleanStale removes stale temporary directories in tmp (os.TempDir() when
// empty); failures are logged, not returned.
func cleanStale(tmp string, log *slog.Logger) {
	if tmp == "" {
		tmp = os.TempDir()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue // a symbolic link is not followed
		}
		dir := filepath.Join(tmp, e.Name())
		if removeIfStale(dir) {
			log.Debug("removed a stale temporary directory", "dir", dir)
		}
	}
}
