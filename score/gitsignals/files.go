package gitsignals

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// MaxTrackedFiles bounds the file list of one repository.
const MaxTrackedFiles = 2_000_000

// TrackedFiles lists the regular files git tracks in dir's repository
// (slash-separated, relative to the top level, sorted), leaving out
// symbolic links and submodules. It also returns the top-level directory.
func TrackedFiles(ctx context.Context, dir, gitExe string) (root string, files []string, err error) {
	g, err := Open(ctx, dir, gitExe)
	if err != nil {
		return "", nil, err
	}
	files, err = g.TrackedFiles(ctx)
	return g.root, files, err
}

// TrackedFiles lists the regular files git tracks (slash-separated,
// relative to the top level, sorted), leaving out symbolic links and
// submodules. It reads the index only: no file of the work tree is hashed,
// so no clean filter could run even if one were configured.
func (g *Repo) TrackedFiles(ctx context.Context) (files []string, err error) {
	dir := g.dir
	// -s prints "mode object stage\tpath"; -z keeps paths verbatim.
	out, err := g.output(ctx, "ls-files", "-s", "-z")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, path, ok := bytes.Cut(rec, []byte{'\t'})
		if !ok {
			return nil, fmt.Errorf("%s: git ls-files: unexpected record %q", dir, escape.Clip(string(rec), 80))
		}
		if !bytes.HasPrefix(meta, []byte("100644 ")) && !bytes.HasPrefix(meta, []byte("100755 ")) {
			continue // 120000 symlink, 160000 submodule
		}
		if len(files) == MaxTrackedFiles {
			return nil, fmt.Errorf("%s: more than %d tracked files", dir, MaxTrackedFiles)
		}
		files = append(files, string(path))
	}
	slices.Sort(files)
	files = slices.Compact(files) // unmerged paths appear once per stage
	return files, nil
}

// RemoteURL returns the URL of the named remote, or an error when it has
// none.
func RemoteURL(ctx context.Context, dir, gitExe, remote string) (string, error) {
	g, err := Open(ctx, dir, gitExe)
	if err != nil {
		return "", err
	}
	return g.RemoteURL(ctx, remote)
}

// RemoteURL returns the URL of the named remote, or an error when it has
// none. Includes are not followed: an include.path naming a host file
// could otherwise put that file's settings into the report.
func (g *Repo) RemoteURL(ctx context.Context, remote string) (string, error) {
	out, err := g.output(ctx, "config", "--no-includes", "--get", "remote."+remote+".url")
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(out)), nil
}
