package image

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// node is one entry of the squashed file tree.
type node struct {
	name     string // base name
	mode     fs.FileMode
	size     int64
	modTime  time.Time
	link     string // symlink target (as written) or hard-link target (a clean path)
	hardlink bool
	layer    int // index of the layer that wrote this entry
	children map[string]*node

	// Content of a captured regular file: in memory, or at off in the spool.
	data     []byte
	spoolOff int64
	captured bool
}

func (n *node) isDir() bool { return n.mode.IsDir() }

// FS is a read-only view of an image's file system with its layers applied
// in order. It implements fs.FS, fs.ReadDirFS and fs.StatFS. Symbolic links
// are resolved inside the image: an absolute target is relative to the
// image root and no path can lead out of it.
type FS struct {
	img  *Image
	root *node
}

const maxLinkHops = 40

var errLinkLoop = errors.New("too many levels of symbolic links")

// lookup resolves name to a node, following symlinks in every component
// and, when follow is set, in the last one too. It returns the node and the
// clean path it was found at.
func (f *FS) lookup(name string, follow bool) (*node, string, error) {
	hops := 0
	return f.walk(name, follow, &hops)
}

func (f *FS) walk(name string, follow bool, hops *int) (*node, string, error) {
	if name == "." || name == "" {
		return f.root, ".", nil
	}
	parts := strings.Split(name, "/")
	cur, curPath := f.root, ""
	for i := 0; i < len(parts); i++ {
		part := parts[i]
		switch part {
		case "", ".":
			continue
		case "..":
			curPath = parentOf(curPath)
			n, _, err := f.walk(orDot(curPath), true, hops)
			if err != nil {
				return nil, "", err
			}
			cur = n
			continue
		}
		if !cur.isDir() {
			return nil, "", fs.ErrNotExist
		}
		child, ok := cur.children[part]
		if !ok {
			return nil, "", fs.ErrNotExist
		}
		childPath := path.Join(curPath, part)
		last := i == len(parts)-1
		if child.mode&fs.ModeSymlink != 0 && (!last || follow) {
			*hops++
			if *hops > maxLinkHops {
				return nil, "", errLinkLoop
			}
			target := child.link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(curPath, target)
			}
			// Clean against the root: ".." cannot climb above it.
			target = strings.TrimPrefix(path.Clean("/"+target), "/")
			rest := strings.Join(parts[i+1:], "/")
			return f.walk(path.Join(orDot(target), orDot(rest)), follow, hops)
		}
		cur, curPath = child, childPath
	}
	return cur, orDot(curPath), nil
}

func parentOf(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return ""
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	n, p, err := f.lookup(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.hardlink {
		if n, p, err = f.lookup(n.link, true); err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
	if n.isDir() {
		return &dirFile{info: fileInfo{n}, entries: f.entries(n)}, nil
	}
	if !n.mode.IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	ra, err := f.img.content(p, n)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: fileInfo{n}, sr: io.NewSectionReader(ra, 0, n.size)}, nil
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	n, _, err := f.lookup(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if n.hardlink {
		if n, _, err = f.lookup(n.link, true); err != nil {
			return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
		}
	}
	return fileInfo{n}, nil
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	n, _, err := f.lookup(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	if !n.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return f.entries(n), nil
}

// LayerOf returns the digest of the layer that wrote the file at name, or ""
// when there is no such file.
func (f *FS) LayerOf(name string) string {
	n, _, err := f.lookup(name, false)
	if err != nil {
		return ""
	}
	return f.img.layers[n.layer].digest
}

func (f *FS) entries(n *node) []fs.DirEntry {
	out := make([]fs.DirEntry, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, fs.FileInfoToDirEntry(fileInfo{c}))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

type fileInfo struct{ n *node }

func (i fileInfo) Name() string       { return i.n.name }
func (i fileInfo) Size() int64        { return i.n.size }
func (i fileInfo) Mode() fs.FileMode  { return i.n.mode }
func (i fileInfo) ModTime() time.Time { return i.n.modTime }
func (i fileInfo) IsDir() bool        { return i.n.isDir() }
func (i fileInfo) Sys() any           { return nil }

// file is an open regular file; it supports ReadAt, as debug/elf needs.
type file struct {
	info fileInfo
	sr   *io.SectionReader
}

func (f *file) Stat() (fs.FileInfo, error)                { return f.info, nil }
func (f *file) Read(p []byte) (int, error)                { return f.sr.Read(p) }
func (f *file) ReadAt(p []byte, off int64) (int, error)   { return f.sr.ReadAt(p, off) }
func (f *file) Seek(off int64, whence int) (int64, error) { return f.sr.Seek(off, whence) }
func (f *file) Close() error                              { return nil }

type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	pos     int
}

func (d *dirFile) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}
func (d *dirFile) Close() error { return nil }
func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.pos:]
	if n <= 0 {
		d.pos = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.pos += n
	return rest[:n], nil
}

var _ io.ReaderAt = (*bytes.Reader)(nil)
