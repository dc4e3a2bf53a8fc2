// Package image opens container images as a source: an OCI image layout
// directory, a `docker save` tarball, an OCI archive, or an image in a
// registry. Layers are applied in order, with OCI whiteouts
// (https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts)
// and opaque directories, into a read-only fs.FS that the extractors walk.
//
// Nothing is extracted to disk: one streaming pass over each layer builds
// the file tree, verifies the layer against its diff ID from the image
// config (whose digest the manifest pins, whose digest is checked too), and
// copies out only the files the caller asks for (the files extractors
// claim) into a spool file. Any other file an extractor opens later is read
// back from its layer on demand.
//
// Layers are hostile input. Duplicate entries and hard links resolve as
// `tar -x` and containerd's layer applier resolve them: the last entry at a
// path wins, and a hard link shares the content its target has when the
// link entry is applied (a later entry at the target's path replaces the
// target, not the link). Limits count work done, not sizes declared: the
// bytes inflated per layer and across every pass over every layer (reads
// back included), the decompression ratio against the compressed bytes
// actually read, the entries per layer, the nodes of the tree and the sum
// of their paths' lengths (which bounds what a walk of it costs), and the
// sizes of indexes, manifests and configs before they are read. Cancelling the context stops a pass inside
// a layer.
package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Options tune how an image is opened.
type Options struct {
	// Platform picks an image from a multi-platform index: "os/arch" or
	// "os/arch/variant". Empty means linux/amd64.
	Platform string
	// Want selects the files to copy out during the layer pass: the files
	// extractors claim. Others are read back from their layer when opened.
	Want func(path string, mode fs.FileMode) bool
	// Limits; zero values take the defaults below.
	MaxLayerSize int64 // uncompressed bytes in one layer
	// MaxImageSize bounds the bytes inflated in all passes over all
	// layers: a layer listed twice, or read back for a file, counts again.
	MaxImageSize int64
	MaxRatio     int64 // uncompressed/compressed bytes read, checked past RatioFloor
	MaxEntries   int   // tar entries in one layer
	MaxFileSize  int64 // bytes copied out of one file
	// MaxPathBytes bounds the summed length of the paths of all entries
	// and directories in the tree: what walking it costs (a file under
	// 20,000 directories makes 20,000 paths averaging 20,000 bytes).
	MaxPathBytes int64
	// MaxNodes bounds the entries and directories in the tree, image-wide
	// (the directories an entry's path implies count too): its memory.
	MaxNodes int
	// RatioFloor is the uncompressed size below which the ratio is not
	// checked (small layers of zeros compress very well and are harmless).
	RatioFloor int64
	// TempDir holds the spool file (default os.TempDir()).
	TempDir string
	Logger  *slog.Logger
}

// maxPathLen is the longest path in an image that is inventoried: Linux's
// PATH_MAX, past which open(2) fails with ENAMETOOLONG, so no program in
// the container reads such a file by its name.
const maxPathLen = 4096

const (
	defaultMaxLayerSize = 16 << 30
	defaultMaxImageSize = 64 << 30
	defaultMaxRatio     = 200
	defaultRatioFloor   = 64 << 20
	defaultMaxEntries   = 2 << 20
	defaultMaxFileSize  = 512 << 20
	defaultMaxPathBytes = 1 << 30
	defaultMaxNodes     = 4 << 20
	// smallFile: when a file must be read back from a layer, the other
	// files of that layer up to this size are copied out in the same pass,
	// so a layer is re-read at most once for the small files extractors
	// look up beside the ones they claimed (go.sum, package.json, ...).
	smallFile = 64 << 10
)

// Sentinel errors that callers and tests branch on.
var (
	ErrLimit  = errors.New("image exceeds a limit")
	ErrDigest = errors.New("digest mismatch")
)

// Image is an opened image: its metadata and its squashed file system.
type Image struct {
	// Ref is the reference the user gave; Kind how it was read: "oci",
	// "docker-archive", "oci-archive" or "registry".
	Ref, Kind string
	// Digest is the manifest digest; ConfigDigest the image ID.
	Digest, ConfigDigest string
	// Platform is os/arch[/variant] from the config, "" when it names none.
	Platform    string
	Tags        []string
	Labels      map[string]string
	Annotations map[string]string
	// Layers are the diff IDs of the layers, bottom first.
	Layers []string
	// Warnings lists entries that were not applied (path traversal, unknown
	// types) with the reason.
	Warnings []string

	opts    Options
	img     v1.Image       // layouts, OCI archives and registries
	dir     string         // the layout img is in ("" for a registry)
	dock    *dockerArchive // docker save tarballs, read without img (see loadDocker)
	layers  []layerInfo
	fsys    *FS
	spool   *os.File
	spoolSz int64
	copyBuf []byte // for copies into the spool, under mu
	mu      sync.Mutex
	reread  map[int]bool
	cleanup []func()
	// ctx is Open's: layers read back for a file honour it too.
	ctx context.Context
	// contents lists each layer's regular files in entry order, for reading
	// them back by entry ordinal.
	contents  [][]*content
	inflated  atomic.Int64 // bytes inflated in every pass so far
	pathBytes int64
	// long counts the entries of the current layer whose path is over
	// maxPathLen, with the first as an example, for one warning a layer.
	long struct {
		count   int
		example string
	}
	nodes int
}

type layerInfo struct {
	digest string // diff ID: the digest of the uncompressed layer
	// open returns the layer's blob as stored: gzip, zstd or a plain tar,
	// told apart by its first bytes.
	open func() (io.ReadCloser, error)
	// blob is the manifest's digest of the stored blob ("" where there is
	// none: docker archives name layers by file, not digest).
	blob string
}

// FS returns the squashed file system.
func (im *Image) FS() *FS { return im.fsys }

// Close removes the spool file and any temporary files.
func (im *Image) Close() error {
	for _, f := range im.cleanup {
		f()
	}
	im.cleanup = nil
	return nil
}

func (o *Options) defaults() {
	if o.MaxLayerSize <= 0 {
		o.MaxLayerSize = defaultMaxLayerSize
	}
	if o.MaxImageSize <= 0 {
		o.MaxImageSize = defaultMaxImageSize
	}
	if o.MaxRatio <= 0 {
		o.MaxRatio = defaultMaxRatio
	}
	if o.RatioFloor <= 0 {
		o.RatioFloor = defaultRatioFloor
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = defaultMaxEntries
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = defaultMaxFileSize
	}
	if o.MaxPathBytes <= 0 {
		o.MaxPathBytes = defaultMaxPathBytes
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = defaultMaxNodes
	}
	if o.Want == nil {
		o.Want = func(string, fs.FileMode) bool { return false }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// load squashes img's layers into the file tree.
func (im *Image) load(ctx context.Context) error {
	im.opts.defaults()
	var rawCfg []byte
	var err error
	if im.dock != nil {
		rawCfg, err = im.loadDocker()
	} else {
		rawCfg, err = im.loadManifest()
	}
	if err != nil {
		return err
	}
	im.ConfigDigest = "sha256:" + sha256Hex(rawCfg)
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	// Images built without a platform (crane append --oci-empty-base) have
	// none in their config; "/" would be no platform either.
	if cfg.OS != "" || cfg.Architecture != "" {
		im.Platform = cfg.OS + "/" + cfg.Architecture
		if cfg.Variant != "" {
			im.Platform += "/" + cfg.Variant
		}
	}
	im.Labels = cfg.Config.Labels
	if len(im.layers) != len(cfg.RootFS.DiffIDs) {
		return fmt.Errorf("config: %d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(im.layers))
	}
	for i := range im.layers {
		im.layers[i].digest = cfg.RootFS.DiffIDs[i].String()
		im.Layers = append(im.Layers, im.layers[i].digest)
	}

	spool, err := os.CreateTemp(im.opts.TempDir, "hallmark-image-*")
	if err != nil {
		return err
	}
	os.Remove(spool.Name()) // unlinked: the space goes when the file closes
	im.spool = spool
	im.cleanup = append(im.cleanup, func() { spool.Close() })
	im.initTree(ctx)
	for i := range im.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		n, err := im.pass(i, func(e int, hdr *tar.Header, r io.Reader) error { return im.applyEntry(i, e, hdr, r) })
		if err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, im.layers[i].digest, err)
		}
		im.opts.Logger.Debug("layer applied", "layer", im.layers[i].digest, "bytes", n, "took", time.Since(start))
		if im.long.count > 0 {
			im.warn(fmt.Sprintf("layer %d: %d entries with paths over %d bytes (Linux's PATH_MAX: no program in the container opens them by name) not inventoried, such as %s",
				i, im.long.count, maxPathLen, escape.Excerpt(im.long.example, 80)))
			im.long.count, im.long.example = 0, ""
		}
	}
	im.fsys.frozen = true
	return nil
}

// initTree starts the empty tree the layers are applied to.
func (im *Image) initTree(ctx context.Context) {
	im.ctx = ctx
	im.reread = map[int]bool{}
	im.contents = make([][]*content, len(im.layers))
	root := &node{name: ".", mode: fs.ModeDir | 0o755, children: map[string]*node{}}
	root.parent = root
	im.fsys = &FS{img: im, root: root}
}

// loadManifest reads the manifest and config of a layout, OCI archive or
// registry image and lists its layers, returning the raw config.
func (im *Image) loadManifest() ([]byte, error) {
	raw, err := im.img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if len(raw) > maxManifestSize { // a registry's, read by go-containerregistry up to 100 MiB
		return nil, fmt.Errorf("manifest: %w: %d bytes, over %d", ErrLimit, len(raw), maxManifestSize)
	}
	// The manifest was checked against the digest that pins it where one
	// does (layout index, registry by digest).
	im.Digest = "sha256:" + sha256Hex(raw)
	m, err := im.img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	// Checked before it is read: a registry reads no more than the size
	// the manifest declares, a layout reads the whole blob file.
	if err := checkBlobSize(im.dir, m.Config, "config", maxConfigSize); err != nil {
		return nil, err
	}
	rawCfg, err := im.img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if got := sha256Hex(rawCfg); m.Config.Digest.Algorithm == "sha256" && got != m.Config.Digest.Hex {
		return nil, fmt.Errorf("config: %w: content is sha256:%s, manifest says %s", ErrDigest, got, m.Config.Digest)
	}
	if im.Annotations == nil {
		im.Annotations = m.Annotations
	}
	layers, err := im.img.Layers()
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	for i, l := range layers {
		li := layerInfo{open: l.Compressed}
		if i < len(m.Layers) {
			if m.Layers[i].Digest.Algorithm == "sha256" {
				li.blob = m.Layers[i].Digest.String()
			}
		}
		im.layers = append(im.layers, li)
	}
	return rawCfg, nil
}

// pass streams layer i once, calling fn for each tar entry with its
// ordinal, and verifies the layer's diff ID at the end. Every byte it
// inflates counts toward the image limit.
func (im *Image) pass(i int, fn func(e int, hdr *tar.Header, tr io.Reader) error) (int64, error) {
	li := im.layers[i]
	rc, blobSum, consumed, err := im.uncompressed(li)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	h := sha256.New()
	lr := &limitReader{r: rc, h: h, im: im, compressed: consumed}
	tr := tar.NewReader(lr)
	entries := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if cerr := im.ctxErr(); cerr != nil && errors.Is(err, cerr) {
				return lr.n, cerr
			}
			return lr.n, fmt.Errorf("tar entry %d: %w", entries+1, err)
		}
		entries++
		if entries > im.opts.MaxEntries {
			return lr.n, fmt.Errorf("%w: more than %d entries", ErrLimit, im.opts.MaxEntries)
		}
		if entries%256 == 0 {
			if err := im.ctxErr(); err != nil {
				return lr.n, err
			}
		}
		if err := fn(entries, hdr, tr); err != nil {
			return lr.n, err
		}
	}
	// Tar's end-of-archive blocks and any padding after them are part of
	// the diff ID.
	if _, err := io.Copy(io.Discard, lr); err != nil {
		return lr.n, err
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != li.digest {
		return lr.n, fmt.Errorf("%w: uncompressed content is %s, config says %s", ErrDigest, got, li.digest)
	}
	// The stored blob is checked against the manifest too, so a corrupt
	// download or layout is named as such, not only as a diff ID mismatch.
	// The decompressor has read the blob to its end once the tar has.
	if li.blob != "" {
		if got := blobSum(); got != li.blob {
			return lr.n, fmt.Errorf("%w: blob is %s, manifest says %s", ErrDigest, got, li.blob)
		}
	}
	return lr.n, nil
}

// uncompressed opens a layer's tar stream: the blob as stored,
// decompressed here with klauspost/compress, which inflates about twice as
// fast as compress/gzip. Inflating is the bulk of the time an image takes
// (a Debian 12 minbase image: 0.98 s CPU with compress/gzip, 0.57 s with
// klauspost), so it runs a few chunks ahead of the reader in its own
// goroutine (readAhead): with two cores, hashing the layer and parsing the
// tar overlap inflating instead of following it.
//
// consumed counts the stored bytes the decompressor has taken in (at most
// a buffer's 64 KiB more than it has inflated): the decompression ratio is
// checked against it rather than against the size the manifest declares.
func (im *Image) uncompressed(li layerInfo) (io.ReadCloser, func() string, *atomic.Int64, error) {
	if li.open == nil {
		return nil, nil, nil, errors.New("layer has no content")
	}
	rc, err := li.open()
	if err != nil {
		return nil, nil, nil, err
	}
	// The stored blob is read and hashed in a goroutine of its own too, so
	// that the inflating one does nothing but inflate (on a 101 MB layer
	// hashing the blob takes about 60 ms of its critical path otherwise).
	bh := sha256.New()
	raw := newReadAhead(io.TeeReader(rc, bh), rc.Close, func() {})
	consumed := &atomic.Int64{}
	br := bufio.NewReaderSize(&countReader{r: raw, n: consumed}, 64<<10)
	blobSum := func() string {
		io.Copy(io.Discard, br) // bytes after the compressed stream's end
		return "sha256:" + hex.EncodeToString(bh.Sum(nil))
	}
	magic, _ := br.Peek(4)
	var zr io.Reader
	var zclose func()
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		gz, err := kgzip.NewReader(br)
		if err != nil {
			raw.Close()
			return nil, nil, nil, fmt.Errorf("gzip: %w", err)
		}
		zr, zclose = gz, func() { gz.Close() }
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zd, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			raw.Close()
			return nil, nil, nil, fmt.Errorf("zstd: %w", err)
		}
		zr, zclose = zd, zd.Close
	default:
		zr, zclose = br, func() {}
	}
	return newReadAhead(zr, func() error {
		// Closing the blob first unblocks a read the goroutine may be
		// waiting on (a registry download, or the blob's own read-ahead);
		// the decompressor is closed only once the goroutine that uses it
		// has returned.
		return raw.Close()
	}, zclose), blobSum, consumed, nil
}

// countReader counts the bytes read through it, for a reader in another
// goroutine.
type countReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// readAhead reads r in its own goroutine, up to aheadChunks chunks before
// the consumer. Memory stays bounded (aheadChunks+1 buffers) and the limits
// are still enforced by the consumer (limitReader), which decides whether
// to read on.
type readAhead struct {
	ch      chan chunk
	free    chan []byte
	done    chan struct{}
	exited  chan struct{}
	cur     []byte
	buf     []byte // the buffer cur lies in; back to free when drained
	err     error
	closeRC func() error
	after   func()
	once    sync.Once
}

var errReadAheadClosed = errors.New("read after close")

type chunk struct {
	b   []byte
	err error
}

const (
	aheadChunkSize = 256 << 10
	aheadChunks    = 3
)

func newReadAhead(r io.Reader, closeRC func() error, after func()) *readAhead {
	ra := &readAhead{
		ch:      make(chan chunk, aheadChunks),
		free:    make(chan []byte, aheadChunks+1),
		done:    make(chan struct{}),
		exited:  make(chan struct{}),
		closeRC: closeRC,
		after:   after,
	}
	for range aheadChunks + 1 {
		ra.free <- aheadPool.Get().([]byte)
	}
	go ra.fill(r)
	return ra
}

// aheadPool holds read-ahead buffers for the next pass: an image of
// thousands of small layers would otherwise allocate (and clear) 2 MiB for
// each one.
var aheadPool = sync.Pool{New: func() any { return make([]byte, aheadChunkSize) }}

// recycle returns the buffers still in the channels to the pool once fill
// has exited. A buffer a reader holds is never in a channel; one fill or a
// reader keeps past Close is left to the collector.
func (ra *readAhead) recycle() {
	for {
		select {
		case b := <-ra.free:
			aheadPool.Put(b[:cap(b)])
		case c := <-ra.ch:
			aheadPool.Put(c.b[:cap(c.b)])
		default:
			return
		}
	}
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.exited)
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.done:
			return
		}
		// Not io.ReadFull: it would turn a truncated stream's error into
		// a plain end of stream.
		n := 0
		var err error
		for n < len(b) && err == nil {
			var m int
			m, err = r.Read(b[n:])
			n += m
		}
		select {
		case ra.ch <- chunk{b[:n], err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)] // never blocks: free holds every buffer
			ra.buf = nil
		}
		if ra.err != nil {
			return 0, ra.err
		}
		// fill sends an error before it stops on its own; done is for a
		// reader in another goroutine (a read-ahead reading this one)
		// while Close stops fill.
		select {
		case c := <-ra.ch:
			ra.buf, ra.cur, ra.err = c.b, c.b, c.err
		case <-ra.done:
			return 0, errReadAheadClosed
		}
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine and closes the blob and the decompressor.
func (ra *readAhead) Close() error {
	var err error
	ra.once.Do(func() {
		close(ra.done)
		err = ra.closeRC()
		<-ra.exited
		ra.after()
		ra.recycle()
	})
	return err
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// limitReader hashes what passes through and enforces the size limits,
// and stops the pass once the context is done (checked every MiB).
type limitReader struct {
	r          io.Reader
	h          hash.Hash
	im         *Image
	n          int64
	compressed *atomic.Int64 // stored bytes read so far
	nextCheck  int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if n > 0 {
		l.h.Write(p[:n])
		l.n += int64(n)
		o := &l.im.opts
		if l.n > o.MaxLayerSize {
			return n, fmt.Errorf("%w: layer is larger than %d bytes uncompressed", ErrLimit, o.MaxLayerSize)
		}
		if l.n > o.RatioFloor {
			if c := max(l.compressed.Load(), 1); l.n/c > o.MaxRatio {
				return n, fmt.Errorf("%w: layer expands more than %d times (%d bytes from %d compressed bytes)", ErrLimit, o.MaxRatio, l.n, c)
			}
		}
		if t := l.im.inflated.Add(int64(n)); t > o.MaxImageSize {
			return n, fmt.Errorf("%w: image is larger than %d bytes uncompressed (counting every pass over its layers)", ErrLimit, o.MaxImageSize)
		}
		if l.n >= l.nextCheck {
			l.nextCheck = l.n + 1<<20
			if err := l.im.ctxErr(); err != nil {
				return n, err
			}
		}
	}
	return n, err
}

func (im *Image) ctxErr() error {
	if im.ctx == nil {
		return nil
	}
	return im.ctx.Err()
}

// entryPath cleans a tar entry name into a path relative to the image
// root. Names that climb out of the root are refused.
func entryPath(name string) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	name = strings.TrimLeft(name, "/")
	if name == "" || name == "." {
		return ".", true
	}
	p := path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// applyEntry applies tar entry e of layer i to the tree.
func (im *Image) applyEntry(i, e int, hdr *tar.Header, r io.Reader) error {
	p, ok := entryPath(hdr.Name)
	if !ok {
		im.warn(fmt.Sprintf("layer %d: entry %q points outside the image root; ignored", i, hdr.Name))
		return nil
	}
	if len(p) > maxPathLen {
		// Skipped, and said so: with every path at most maxPathLen bytes,
		// the paths of the tree add up to at most maxPathLen bytes a
		// node, so walking it is linear in its entries however deep it
		// goes (20,000 nested directories made 400 MB of path strings).
		if im.long.count == 0 {
			im.long.example = p
		}
		im.long.count++
		return nil
	}
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if base == opaqueMarker {
		d, err := im.ensureDir(dir, i)
		if err != nil {
			return err
		}
		im.hideLower(d, i)
		d.layer = i // its contents are now this layer's alone
		return nil
	}
	if strings.HasPrefix(base, whiteoutPrefix) {
		parent, err := im.fsys.lookup(orDot(dir), false)
		if err == nil && parent.isDir() {
			if c, ok := parent.children[strings.TrimPrefix(base, whiteoutPrefix)]; ok && c.layer < i {
				delete(parent.children, c.name)
				im.drop(c)
			}
		}
		return nil
	}
	if p == "." {
		return nil
	}
	n := &node{name: base, modTime: hdr.ModTime, layer: i, size: hdr.Size}
	mode := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		existing := im.child(dir, base)
		if existing != nil && existing.isDir() {
			// A directory entry in an upper layer changes its metadata, not
			// its contents (those go only with an opaque marker).
			existing.mode = fs.ModeDir | mode
			existing.layer = i
			return nil
		}
		n.mode, n.size = fs.ModeDir|mode, 0
		n.children = map[string]*node{}
	case tar.TypeReg, tar.TypeRegA:
		n.mode = mode
		n.file = &content{layer: i, entry: e, size: hdr.Size}
	case tar.TypeSymlink:
		n.mode, n.link, n.size = fs.ModeSymlink|0o777, hdr.Linkname, int64(len(hdr.Linkname))
	case tar.TypeLink:
		// link(2), as tar -x and containerd call it: the new name shares
		// the target's inode as it is now, and a symbolic link is linked
		// itself, not followed (containerd resolves the target's parent
		// inside the root, then links its last component).
		target, ok := entryPath(hdr.Linkname)
		if !ok {
			im.warn(fmt.Sprintf("layer %d: hard link %q points outside the image root; ignored", i, hdr.Name))
			return nil
		}
		t, err := im.fsys.lookup(target, false)
		switch {
		case err == nil && t.file != nil:
			n.mode, n.size, n.file = t.mode, t.file.size, t.file
		case err == nil && t.mode&fs.ModeSymlink != 0:
			n.mode, n.size, n.link = t.mode, t.size, t.link
		default:
			im.warn(fmt.Sprintf("layer %d: hard link %q to missing %q; ignored", i, hdr.Name, hdr.Linkname))
			return nil
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return nil // devices and pipes hold nothing to inventory
	default:
		return nil // pax/GNU extension headers are consumed by archive/tar
	}
	parent, err := im.ensureDir(dir, i)
	if err != nil {
		return err
	}
	if err := im.countNode(len(p)); err != nil {
		return err
	}
	n.parent = parent
	if n.file != nil {
		n.file.refs++ // before the node it replaces goes: a link to itself keeps its content
	}
	if old := parent.children[base]; old != nil {
		im.drop(old) // replaced, as a runtime removes it before creating the new one
	}
	parent.children[base] = n
	if n.file != nil {
		if n.file.layer == i && n.file.entry == e {
			im.contents[i] = append(im.contents[i], n.file)
			if im.opts.Want(p, n.mode) {
				return im.capture(p, n.file, r, n.mode&0o111 == 0)
			}
		}
	}
	return nil
}

// countNode counts a new node, whose path is pathLen bytes long, toward
// MaxNodes and MaxPathBytes.
func (im *Image) countNode(pathLen int) error {
	im.nodes++
	if im.nodes > im.opts.MaxNodes {
		return fmt.Errorf("%w: more than %d files and directories", ErrLimit, im.opts.MaxNodes)
	}
	im.pathBytes += int64(pathLen)
	if im.pathBytes > im.opts.MaxPathBytes {
		return fmt.Errorf("%w: the paths in the tree add up to more than %d bytes", ErrLimit, im.opts.MaxPathBytes)
	}
	return nil
}

// drop releases what a node taken out of the tree held: a file's content
// that no other node shows is not copied out, and its memory goes.
func (im *Image) drop(n *node) {
	stack := []*node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c := n.file; c != nil {
			if c.refs--; c.refs == 0 && c.data != nil {
				im.mu.Lock()
				c.data, c.captured = nil, false
				im.mu.Unlock()
			}
		}
		for _, ch := range n.children {
			stack = append(stack, ch)
		}
	}
}

// capture copies a file's content into memory or the spool. Only small
// files the layer pass claims for what they are (lockfiles, package
// databases) are held in memory; executables, which extractors mostly open
// only to find they are not Go or Rust binaries, and files copied out when
// a layer is read again, go to the spool, so memory stays small however
// many of them an image holds.
func (im *Image) capture(p string, c *content, r io.Reader, inMemory bool) error {
	if c.size > im.opts.MaxFileSize {
		im.warn(fmt.Sprintf("%s: %d bytes is over the %d-byte limit; not read", p, c.size, im.opts.MaxFileSize))
		return nil
	}
	if inMemory && c.size <= smallFile {
		data := make([]byte, c.size)
		if _, err := io.ReadFull(r, data); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		im.mu.Lock()
		if !c.captured {
			c.data, c.captured = data, true
		}
		im.mu.Unlock()
		return nil
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	if c.captured {
		return nil
	}
	if im.copyBuf == nil {
		im.copyBuf = make([]byte, 64<<10)
	}
	off := im.spoolSz
	w := io.NewOffsetWriter(im.spool, off)
	copied, err := io.CopyBuffer(w, io.LimitReader(r, c.size), im.copyBuf)
	if err == nil && copied < c.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	im.spoolSz += copied
	c.spoolOff, c.captured = off, true
	return nil
}

// content returns the bytes of a regular file, reading them back from its
// layer when the pass did not copy them out.
func (im *Image) content(p string, c *content) (io.ReaderAt, error) {
	if c.size > im.opts.MaxFileSize {
		return nil, fmt.Errorf("%d bytes is over the %d-byte limit", c.size, im.opts.MaxFileSize)
	}
	if !im.isCaptured(c) {
		if err := im.rereadLayer(c.layer, p, c); err != nil {
			return nil, err
		}
		if !im.isCaptured(c) {
			return nil, fmt.Errorf("%s: not found in layer %s", p, im.layers[c.layer].digest)
		}
	}
	im.mu.Lock()
	data := c.data
	im.mu.Unlock()
	if data != nil || c.size == 0 {
		return bytes.NewReader(data), nil
	}
	return io.NewSectionReader(im.spool, c.spoolOff, c.size), nil
}

func (im *Image) isCaptured(c *content) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	return c.captured
}

// rereadLayer streams layer i again and copies out want (found by its
// entry ordinal: a path can have several entries) plus, the first time,
// every small file of the layer that is still in the tree and not yet
// copied.
func (im *Image) rereadLayer(i int, p string, want *content) error {
	im.mu.Lock()
	done := im.reread[i]
	im.mu.Unlock()
	im.opts.Logger.Debug("reading a layer again", "layer", im.layers[i].digest, "for", p)
	cs := im.contents[i]
	j := 0
	_, err := im.pass(i, func(e int, hdr *tar.Header, r io.Reader) error {
		for j < len(cs) && cs[j].entry < e {
			j++
		}
		if j == len(cs) || cs[j].entry != e {
			return nil
		}
		c := cs[j]
		if c != want && (done || c.size > smallFile || c.refs == 0) {
			return nil
		}
		if (hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA) || hdr.Size != c.size {
			return fmt.Errorf("%w: entry %d is not what the first pass read", ErrDigest, e)
		}
		if im.isCaptured(c) {
			return nil
		}
		return im.capture(hdr.Name, c, r, false)
	})
	if err == nil {
		im.mu.Lock()
		im.reread[i] = true
		im.mu.Unlock()
	}
	return err
}

// ensureDir returns the directory at p, creating it and its parents (as
// written by layer i) where missing. A non-directory in the way is
// replaced, as a runtime would.
func (im *Image) ensureDir(p string, i int) (*node, error) {
	cur := im.fsys.root
	if p == "" || p == "." {
		return cur, nil
	}
	for off := 0; off < len(p); {
		end := strings.IndexByte(p[off:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += off
		}
		part := p[off:end]
		c, ok := cur.children[part]
		if !ok || !c.isDir() {
			if err := im.countNode(end); err != nil {
				return nil, err
			}
			if ok {
				im.drop(c)
			}
			c = &node{name: part, mode: fs.ModeDir | 0o755, layer: i, parent: cur, children: map[string]*node{}}
			cur.children[part] = c
		}
		cur = c
		off = end + 1
	}
	return cur, nil
}

func (im *Image) child(dir, base string) *node {
	d, err := im.fsys.lookup(orDot(dir), false)
	if err != nil || !d.isDir() {
		return nil
	}
	return d.children[base]
}

// hideLower removes what layers below i put in d (an opaque directory).
func (im *Image) hideLower(d *node, i int) {
	stack := []*node{d}
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for name, c := range d.children {
			if c.layer < i {
				delete(d.children, name)
				im.drop(c)
				continue
			}
			if c.isDir() {
				stack = append(stack, c)
			}
		}
	}
}

func (im *Image) warn(msg string) {
	im.Warnings = append(im.Warnings, msg)
	im.opts.Logger.Warn(msg)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
