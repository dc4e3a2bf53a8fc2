// Package source turns a target the user names into an fs.FS that the
// extractors walk: a directory, or a single file (lockfile, manifest,
// binary). Container images come as their own kind of source. A local
// tree is read through rootfs: no symlink leads out of it and only
// regular files and directories are opened.
package source

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/source/rootfs"
)

// Source is an opened target.
type Source struct {
	FS fs.FS
	// Only, when set, limits the walk to these paths in FS (a file target).
	Only   []string
	Target inventory.Target
	close  func() error
}

// Close releases what the source holds.
func (s *Source) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// Open opens a local directory or file.
func Open(target string) (*Source, error) {
	info, err := os.Stat(target)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return nil, err
	}
	// The target the user names may itself be a symlink (theirs to
	// follow); nothing inside it may lead out (rootfs).
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return nil, err
	}
	if info.IsDir() {
		fsys, err := rootfs.New(abs)
		if err != nil {
			return nil, err
		}
		return &Source{FS: fsys, Target: inventory.Target{Name: target, Kind: "directory"}, close: fsys.Close}, nil
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file or directory", target)
	}
	digest, err := fileDigest(abs)
	if err != nil {
		return nil, err
	}
	fsys, err := rootfs.New(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	return &Source{
		FS:     fsys,
		Only:   []string{filepath.Base(abs)},
		Target: inventory.Target{Name: target, Kind: "file", Digest: digest},
		close:  fsys.Close,
	}, nil
}

func fileDigest(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
