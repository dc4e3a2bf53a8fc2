//go:build !unix

package image

import "os"

// tempDir makes a temporary directory; without flock there is no lock, and
// cleanStale leaves every directory alone.
func tempDir(tmp string) (string, func(), error) {
	dir, err := os.MkdirTemp(tmp, tempPrefix+"*")
	if err != nil {
		return "", nil, err
	}
	return dir, func() {}, nil
}

func removeIfStale(string) bool { return false }
