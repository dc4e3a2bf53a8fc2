// Package extract finds packages in a source. Extractors claim files by path
// (and mode, so binaries can be told from data), parse them and return
// packages and relationships in the inventory model; Run walks a source,
// hands each file to the extractors that claim it and assembles one
// inventory.Inventory.
//
// Nothing downstream of this package knows about file formats. An ecosystem
// is one package under extract/ and one line in extract/registry.
package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Extractor parses one kind of file.
type Extractor interface {
	// Name is a short stable name, e.g. "npm/package-lock".
	Name() string
	// Claims reports whether the extractor wants the file at path (slash
	// separated, relative to the source root). mode lets binary extractors
	// claim executables without opening every file.
	Claims(path string, mode fs.FileMode) bool
	// Extract parses the file. A file that turns out not to be of the
	// extractor's kind (an executable that is not a Go binary) returns
	// nothing and no error. Errors name the file, the line or field, and what
	// was expected.
	Extract(ctx context.Context, in *Input) ([]inventory.Package, []inventory.Relationship, error)
}

// Companions is implemented by extractors that read files besides the ones
// they claim: go.sum beside go.mod, package.json beside a lockfile, the
// copyright files a dpkg database points to. Sources that copy files out
// ahead of time (container images, read in one pass per layer) copy these
// too, so no layer has to be read twice.
type Companions interface {
	Companion(path string) bool
}

// Manifests is implemented by extractors of lockfiles whose ecosystem also
// has a manifest that names only ranges (package.json beside
// package-lock.json, Gemfile beside Gemfile.lock). A manifest that no
// lockfile in its directory or one above it (a workspace's) resolves has
// no packages hallmark can check; Run lists it in Inventory.Unresolved
// with the command that writes the lockfile, so that the target does not
// pass for one without dependencies.
type Manifests interface {
	// LockedBy returns, when path is such a manifest, the names of the
	// lockfiles that resolve it and the command that writes one.
	LockedBy(path string) (lockfiles []string, command string, ok bool)
}

// Covers is implemented by extractors whose files speak for a directory
// beside them: an npm lockfile lists what node_modules holds, so the walk
// does not enter a node_modules that has one of files beside it (unless
// Options.WalkNodeModules). The walker itself knows no ecosystem.
type Covers interface {
	Covers() (dir string, files []string)
}

// Wanted returns a predicate for the files exs claim or read as companions,
// plus os-release, which Run itself reads.
func Wanted(exs []Extractor) func(path string, mode fs.FileMode) bool {
	return func(p string, mode fs.FileMode) bool {
		if p == "etc/os-release" || p == "usr/lib/os-release" {
			return true
		}
		for _, ex := range exs {
			if ex.Claims(p, mode) {
				return true
			}
			if c, ok := ex.(Companions); ok && c.Companion(p) {
				return true
			}
		}
		return false
	}
}

// Input is one file handed to an extractor.
type Input struct {
	// FS is the whole source, so an extractor can read sibling files (go.sum
	// beside go.mod, os-release for OS databases).
	FS fs.FS
	// Path is the file's slash-separated path within FS.
	Path string
	// Info describes the file.
	Info fs.FileInfo
	// Distro is the operating system found at the source root, or nil.
	Distro *inventory.Distro
	// MaxSize bounds how much of any one file an extractor may read.
	MaxSize int64
	// BinaryFacts asks extractors of binaries to record, besides packages,
	// what matching needs to know about the file (AddGoBinary).
	BinaryFacts bool

	goBinaries []inventory.GoBinary
	skipped    []string
}

// Skip records that part of the file could not be read (a reference that
// names nothing, one entry of many that is malformed) while the rest was:
// Run lists each reason in Inventory.Skipped under the file's path, so one
// bad entry neither drops the whole file nor passes unseen.
func (in *Input) Skip(reason string) {
	in.skipped = append(in.skipped, reason)
}

// Skipped returns the reasons given to Skip, for callers other than Run.
func (in *Input) Skipped() []string { return in.skipped }

// AddGoBinary records the facts about the Go binary being extracted; Run
// puts them in Inventory.GoBinaries. Extractors call it only when
// BinaryFacts is set.
func (in *Input) AddGoBinary(b inventory.GoBinary) {
	in.goBinaries = append(in.goBinaries, b)
}

// ErrTooLarge is returned when a file exceeds the size limit.
var ErrTooLarge = limited.ErrTooLarge

// ReadAll reads the whole file, refusing files over MaxSize.
func (in *Input) ReadAll() ([]byte, error) {
	return ReadFile(in.FS, in.Path, in.MaxSize)
}

// ReadFile reads name from fsys, refusing files over limit bytes (0 means
// DefaultMaxFileSize).
func ReadFile(fsys fs.FS, name string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxFileSize
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := limited.ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// OpenReaderAt opens the file for random access, as debug/elf and
// debug/buildinfo need. Files from an os.DirFS support it directly; others
// are read into memory within MaxSize.
func (in *Input) OpenReaderAt() (io.ReaderAt, func() error, error) {
	f, err := in.FS.Open(in.Path)
	if err != nil {
		return nil, nil, err
	}
	if ra, ok := f.(io.ReaderAt); ok {
		return ra, f.Close, nil
	}
	f.Close()
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	return bytesReaderAt(data), func() error { return nil }, nil
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// IsExecutable reports whether mode marks a regular file that may be a
// program: any execute bit set. Binary extractors claim with it.
func IsExecutable(mode fs.FileMode) bool {
	return mode.IsRegular() && mode.Perm()&0o111 != 0
}
