package image

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// node is one entry of the squashed file tree.
type node struct {
	name     string // base name
	mode     fs.FileMode
	size     int64
	modTime  time.Time
	link     string // symlink target, as written
	layer    int    // index of the layer that wrote this entry
	parent   *node  // the directory holding it (the root's is itself)
	children map[string]*node
	// file is a regular file's content; hard links share it, as they share
	// an inode once a runtime has applied the layers.
	file *content
}

// content is the data of a regular file, where a layer's tar holds it:
// entry is the ordinal of its tar entry in layer (duplicate entries at one
// path are told apart by it). Copied out into memory or the spool when the
// layer pass or a read back captures it.
type content struct {
	layer, entry int
	size         int64
	refs         int // nodes that show it; with none it is not copied out
	data         []byte
	spoolOff     int64
	captured     bool
}

func (n *node) isDir() bool { return n.mode.IsDir() }

// FS is a read-only view of an image's file system with its layers applied
// in order. It implements fs.FS, fs.ReadDirFS and fs.StatFS. Symbolic links
// are resolved inside the image: an absolute target is relative to the
// image root and no path can lead out of it.
type FS struct {
	img  *Image
	root *node
	// frozen is set once every layer is applied; from then on lookups
	// start from the last path resolved (see lookup).
	frozen bool
	last   atomic.Pointer[resolved]
}

// resolved is a path that led to n without passing a symbolic link, so n
// and its parents are the nodes of its components.
type resolved struct {
	path string
	n    *node
}

const maxLinkHops = 40

var errLinkLoop = errors.New("too many levels of symbolic links")

// lookup resolves name to a node, following symlinks in every component
// and, when follow is set, in the last one too.
//
// Every step costs time linear in the length of name, however deep the
// tree: a walk asks for each directory under the one it asked for before,
// so once the layers are applied a lookup starts from the longest whole
// component prefix name shares with the last path resolved, reached from
// that one's node by parent pointers, rather than from the root (a file
// under 20,000 directories otherwise costs 20,000 map lookups per step of
// the walk: quadratic in the depth).
func (f *FS) lookup(name string, follow bool) (*node, error) {
	return f.find(name, follow, fs.ValidPath(name))
}

// lookupValid is lookup for the methods of fs.FS, which refuse a name
// that is not valid (fs.ValidPath). Under the last path resolved, only the
// part below it needs checking.
func (f *FS) lookupValid(name string, follow bool) (*node, error) {
	valid := false
	if c := f.last.Load(); f.frozen && c != nil && len(name) > len(c.path) && name[len(c.path)] == '/' && name[:len(c.path)] == c.path {
		valid = fs.ValidPath(name[len(c.path)+1:])
	} else {
		valid = fs.ValidPath(name)
	}
	if !valid {
		return nil, fs.ErrInvalid
	}
	return f.find(name, follow, true)
}

// find is lookup for a name known to be valid (fs.ValidPath) or not.
func (f *FS) find(name string, follow, valid bool) (*node, error) {
	hops := 0
	for {
		n, next, err := f.resolve(name, follow, valid)
		if err != nil || next == "" {
			return n, err
		}
		if hops++; hops > maxLinkHops {
			return nil, errLinkLoop
		}
		name, valid = next, true // clean, relative: valid
	}
}

// resolve walks name; when it meets a symbolic link to follow it returns
// the path to resolve instead, from the root.
func (f *FS) resolve(name string, follow, valid bool) (*node, string, error) {
	if name == "" || name == "." {
		return f.root, "", nil
	}
	cur, rest := f.root, name
	useCache := f.frozen && valid
	if useCache {
		if c := f.last.Load(); c != nil {
			cur, rest = c.start(name, f.root)
		}
	}
	plain := useCache // no "." or ".." so far, and no symlink followed
	for rest != "" {
		part := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		switch part {
		case "", ".":
			plain = false
			continue
		case "..":
			plain = false
			cur = cur.parent
			continue
		}
		if !cur.isDir() {
			return nil, "", fs.ErrNotExist
		}
		child, ok := cur.children[part]
		if !ok {
			return nil, "", fs.ErrNotExist
		}
		if child.mode&fs.ModeSymlink != 0 && (rest != "" || follow) {
			target := child.link
			if !strings.HasPrefix(target, "/") {
				target = cur.path() + "/" + target
			}
			// Clean against the root: ".." cannot climb above it.
			target = strings.TrimPrefix(path.Clean("/"+target+"/"+rest), "/")
			return nil, orDot(target), nil
		}
		cur = child
	}
	if plain && cur.mode&fs.ModeSymlink == 0 {
		f.last.Store(&resolved{path: name, n: cur})
	}
	return cur, "", nil
}

// start returns the node of the longest whole-component prefix that name
// shares with r's path (root when none), and what is left of name after it.
func (r *resolved) start(name string, root *node) (*node, string) {
	// A walk asks for a directory under the last one: compare whole.
	if len(name) > len(r.path) && name[len(r.path)] == '/' && name[:len(r.path)] == r.path {
		return r.n, name[len(r.path)+1:]
	}
	l := 0
	for l < len(name) && l < len(r.path) && name[l] == r.path[l] {
		l++
	}
	var b int // name[:b] is a whole-component prefix of both
	switch {
	case l == len(r.path) && (l == len(name) || name[l] == '/'):
		b = l
	case l == len(name) && r.path[l] == '/':
		b = l
	default:
		b = strings.LastIndexByte(name[:l], '/')
		if b < 0 {
			return root, name
		}
	}
	n := r.n
	for up := strings.Count(r.path[b:], "/"); up > 0; up-- {
		n = n.parent
	}
	if b == len(name) {
		return n, ""
	}
	return n, name[b+1:]
}

// path returns the node's clean path from the root ("" for the root).
func (n *node) path() string {
	var parts []string
	for ; n.parent != n; n = n.parent {
		parts = append(parts, n.name)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}

func orDot(p string) string {
	if p == "" {
		return "."
	}
	return p
}

// Open implements fs.FS.
func (f *FS) Open(name string) (fs.File, error) {
	n, err := f.lookupValid(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if n.isDir() {
		return &dirFile{info: fileInfo{n}, entries: f.entries(n)}, nil
	}
	if !n.mode.IsRegular() || n.file == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	ra, err := f.img.content(name, n.file)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &file{info: fileInfo{n}, sr: io.NewSectionReader(ra, 0, n.file.size)}, nil
}

// Stat implements fs.StatFS.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.lookupValid(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fileInfo{n}, nil
}

// ReadDir implements fs.ReadDirFS.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.lookupValid(name, true)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	if !n.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return f.entries(n), nil
}

// LayerOf returns the digest of the layer that wrote the file at name, or ""
// when there is no such file. For a hard link that is the layer of the
// link's entry.
func (f *FS) LayerOf(name string) string {
	n, err := f.lookup(name, false)
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
