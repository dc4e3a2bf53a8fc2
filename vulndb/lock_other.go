//go:build !unix

package vulndb

import (
	"os"
	"path/filepath"
)

// lockExcludes is false: another writer may be building right now, so
// files left by dead ones are only removed when a build commits.
const lockExcludes = false

// lockDir on systems without flock only creates the lock file: concurrent
// builders there are not excluded, and the last commit wins.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o644)
}
