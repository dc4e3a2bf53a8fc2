package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Schemes name the kinds of image target explicitly.
const (
	SchemeOCI           = "oci:"
	SchemeDockerArchive = "docker-archive:"
	SchemeOCIArchive    = "oci-archive:"
	SchemeRegistry      = "registry:"
)

// ErrNotImage is returned by Detect for targets that are not images.
var ErrNotImage = errors.New("not an image reference")

// ErrTarNotImage is returned by Detect for a tar archive that holds no
// image (a root file system from `docker export` or `crane export`):
// nothing else reads a tar, so going on would inventory nothing.
var ErrTarNotImage = errors.New("a tar archive with neither manifest.json nor index.json at its root: not a docker save or OCI archive (unpack it and inventory the directory)")

// maxDetectHeaders bounds the tar headers Detect reads. Writers put
// manifest.json after the layers (crane, docker save), so it can come
// after hundreds of entries; the headers are read with seeks past the
// bodies, so even the limit costs milliseconds.
const maxDetectHeaders = 1 << 16

// Detect tells whether target names an image, and which kind: an explicit
// scheme, a directory holding an OCI layout, or a tar holding a docker save
// (manifest.json) or an OCI archive (index.json). A bare reference such as
// alpine:3.20 counts only when no local file of that name exists; the caller
// decides whether to try it.
func Detect(target string) (kind, rest string, err error) {
	for _, s := range []string{SchemeOCI, SchemeDockerArchive, SchemeOCIArchive, SchemeRegistry} {
		if strings.HasPrefix(target, s) {
			return strings.TrimSuffix(s, ":"), strings.TrimPrefix(target, s), nil
		}
	}
	st, err := os.Stat(target)
	if err != nil {
		if _, perr := name.ParseReference(target, name.StrictValidation); perr == nil && strings.ContainsAny(target, ":/@") {
			return "registry", target, nil
		}
		return "", "", ErrNotImage
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(target, "oci-layout")); err == nil {
			return "oci", target, nil
		}
		return "", "", ErrNotImage
	}
	if !st.Mode().IsRegular() {
		// Opening a named pipe blocks until a writer comes; devices and
		// sockets are no images either.
		return "", "", ErrNotImage
	}
	member, isTar := tarMember(target)
	switch member {
	case "manifest.json":
		return "docker-archive", target, nil
	case "index.json":
		return "oci-archive", target, nil
	}
	if isTar {
		return "", "", fmt.Errorf("%s: %w", target, ErrTarNotImage)
	}
	return "", "", ErrNotImage
}

// tarMember returns "manifest.json" or "index.json" when the file is a tar
// holding one at its root, reading at most maxDetectHeaders headers, and
// whether the file is a tar at all (it has a valid first header).
func tarMember(file string) (member string, isTar bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for range maxDetectHeaders {
		hdr, err := tr.Next()
		if err != nil {
			return "", isTar
		}
		isTar = true
		switch strings.TrimPrefix(hdr.Name, "./") {
		case "manifest.json":
			return "manifest.json", true
		case "index.json":
			return "index.json", true
		}
	}
	return "", true
}

// Open reads an image of the given kind ("oci", "docker-archive",
// "oci-archive", "registry") and squashes its layers. ref is a directory
// (optionally DIR:TAG for oci), a file, or a registry reference.
func Open(ctx context.Context, kind, ref string, opts Options) (*Image, error) {
	im := &Image{Ref: ref, Kind: kind, opts: opts}
	plat, err := platform(opts.Platform)
	if err != nil {
		return nil, err
	}
	// What a hallmark killed before it could clean up left behind.
	cleanStale(opts.TempDir, opts.Logger)
	switch kind {
	case "oci":
		dir, tag := splitTag(ref)
		im.dir = dir
		im.img, im.Tags, im.Annotations, err = fromLayout(dir, tag, plat)
	case "oci-archive":
		var dir string
		var unlock func()
		dir, unlock, err = untarLayout(ctx, ref, opts.TempDir)
		if err == nil {
			im.cleanup = append(im.cleanup, func() { os.RemoveAll(dir); unlock() })
			im.dir = dir
			im.img, im.Tags, im.Annotations, err = fromLayout(dir, "", plat)
		}
	case "docker-archive":
		im.dock, err = openDockerArchive(ctx, ref)
		if err == nil {
			im.cleanup = append(im.cleanup, func() { im.dock.f.Close() })
			im.Tags = im.dock.desc.RepoTags
		}
	case "registry":
		var r name.Reference
		r, err = name.ParseReference(ref)
		if err == nil {
			im.img, err = remote.Image(r, remote.WithContext(ctx), remote.WithPlatform(*plat),
				remote.WithAuthFromKeychain(authn.DefaultKeychain))
			if t, ok := r.(name.Tag); ok {
				im.Tags = []string{t.Name()}
			}
		}
	default:
		err = fmt.Errorf("unknown image kind %q", kind)
	}
	if err != nil {
		im.Close()
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if err := im.load(ctx); err != nil {
		im.Close()
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return im, nil
}

func platform(s string) (*v1.Platform, error) {
	if s == "" {
		return &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return nil, fmt.Errorf("--platform %q: want os/arch[/variant]: %w", s, err)
	}
	return p, nil
}

// splitTag splits "DIR:TAG"; a colon inside a path element that exists on
// disk is part of the directory name.
func splitTag(ref string) (dir, tag string) {
	if _, err := os.Stat(ref); err == nil {
		return ref, ""
	}
	if i := strings.LastIndex(ref, ":"); i > 0 && !strings.Contains(ref[i:], "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}

const refNameAnnotation = "org.opencontainers.image.ref.name"

// fromLayout picks one image from an OCI layout: by tag when given, else
// the only image, else the one for the platform. Nested indexes (as docker
// and buildx write them) are followed.
// Every index, manifest and config is checked against its limit before it
// is read.
func fromLayout(dir, tag string, plat *v1.Platform) (v1.Image, []string, map[string]string, error) {
	if st, err := os.Stat(filepath.Join(dir, "index.json")); err == nil && st.Size() > maxManifestSize {
		return nil, nil, nil, fmt.Errorf("index.json: %w: %d bytes, over %d", ErrLimit, st.Size(), maxManifestSize)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return pick(dir, idx, tag, plat, 0)
}

// Limits on what is read whole into memory. Registries refuse manifests
// over 4 MiB (the distribution spec's suggested minimum to accept, and
// what distribution/registry enforces); docker archives' configs were
// capped at 16 MiB before layouts' were.
const (
	maxManifestSize = 4 << 20 // manifests and indexes
	maxConfigSize   = 16 << 20
)

// checkBlobSize refuses a blob over max: by the size its descriptor
// declares, and in a layout (dir != "") by the size of its file, which is
// what go-containerregistry's layout reads whatever the descriptor says.
func checkBlobSize(dir string, d v1.Descriptor, what string, max int64) error {
	if d.Size < 0 || d.Size > max {
		return fmt.Errorf("%s %s: %w: declared as %d bytes, over %d", what, d.Digest, ErrLimit, d.Size, max)
	}
	if dir == "" || d.Digest.Algorithm == "" {
		return nil
	}
	st, err := os.Stat(filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex))
	if err == nil && st.Size() > max {
		return fmt.Errorf("%s %s: %w: %d bytes, over %d", what, d.Digest, ErrLimit, st.Size(), max)
	}
	return nil
}

func pick(dir string, idx v1.ImageIndex, tag string, plat *v1.Platform, depth int) (v1.Image, []string, map[string]string, error) {
	if depth > 4 {
		return nil, nil, nil, errors.New("image indexes nested too deep")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, nil, nil, err
	}
	var cands []v1.Descriptor
	for _, d := range im.Manifests {
		if tag != "" && d.Annotations[refNameAnnotation] != tag && depth == 0 {
			continue
		}
		cands = append(cands, d)
	}
	if len(cands) == 0 {
		return nil, nil, nil, fmt.Errorf("no image tagged %q in the layout", tag)
	}
	var chosen *v1.Descriptor
	if len(cands) == 1 {
		chosen = &cands[0]
	} else {
		for i, d := range cands {
			if d.Platform != nil && d.Platform.Satisfies(*plat) {
				chosen = &cands[i]
				break
			}
		}
		if chosen == nil {
			var plats []string
			for _, d := range cands {
				if d.Platform != nil {
					plats = append(plats, d.Platform.String())
				}
			}
			return nil, nil, nil, fmt.Errorf("no image for platform %s (have %s); choose one with --platform", plat, strings.Join(plats, ", "))
		}
	}
	var tags []string
	if t := chosen.Annotations[refNameAnnotation]; t != "" {
		tags = append(tags, t)
	}
	if chosen.MediaType.IsIndex() {
		if err := checkBlobSize(dir, *chosen, "index", maxManifestSize); err != nil {
			return nil, nil, nil, err
		}
		child, err := idx.ImageIndex(chosen.Digest)
		if err != nil {
			return nil, nil, nil, err
		}
		img, more, ann, err := pick(dir, child, tag, plat, depth+1)
		return img, append(tags, more...), ann, err
	}
	if err := checkBlobSize(dir, *chosen, "manifest", maxManifestSize); err != nil {
		return nil, nil, nil, err
	}
	img, err := idx.Image(chosen.Digest)
	if err != nil {
		return nil, nil, nil, err
	}
	// The index pins the manifest by digest; check the manifest against it
	// (layout images report a digest computed from what they read).
	raw, err := img.RawManifest()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("manifest %s: %w", chosen.Digest, err)
	}
	if got := sha256Hex(raw); chosen.Digest.Algorithm == "sha256" && got != chosen.Digest.Hex {
		return nil, nil, nil, fmt.Errorf("manifest: %w: content is sha256:%s, index says %s", ErrDigest, got, chosen.Digest)
	}
	return img, tags, chosen.Annotations, nil
}

// dockerArchive is a `docker save` tarball: manifest.json names the config
// and the layer members
// (https://github.com/moby/moby/blob/master/image/spec/v1.2.md#combined-image-json--filesystem-changeset-format).
// It is read directly rather than through go-containerregistry's tarball
// package, whose synthesised manifest hashes every compressed layer blob in
// a pass of its own before any layer is read (a tenth of the time a 100 MB
// image takes); each layer is still verified against its diff ID.
//
// The archive's headers are read once into an index (bodies are skipped by
// seeking), and members are read from the file at their offsets: looking a
// member up costs the same however many the archive holds. Members resolve
// as `docker load`, which unpacks the archive, sees them: the last entry at
// a name wins, a hard link is what its target was when the link came.
type dockerArchive struct {
	file    string
	f       *os.File
	desc    tarball.Descriptor
	members map[string]archiveMember
}

type archiveMember struct {
	typ       byte // tar.TypeReg, tar.TypeSymlink, or another type that holds nothing to read
	off, size int64
	link      string // a symbolic link's target
}

// maxArchiveMembers bounds the members of a docker archive (one image of
// at most a few hundred layers holds a few members per layer).
const maxArchiveMembers = maxDetectHeaders

func openDockerArchive(ctx context.Context, file string) (*dockerArchive, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	d := &dockerArchive{file: file, f: f, members: map[string]archiveMember{}}
	if err := d.index(ctx); err != nil {
		f.Close()
		return nil, err
	}
	rc, size, err := d.member("manifest.json")
	if err != nil {
		f.Close()
		return nil, err
	}
	if size > maxManifestSize {
		f.Close()
		return nil, fmt.Errorf("manifest.json: %w: %d bytes, over %d", ErrLimit, size, maxManifestSize)
	}
	var m tarball.Manifest
	err = json.NewDecoder(rc).Decode(&m)
	rc.Close()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if len(m) != 1 {
		f.Close()
		return nil, fmt.Errorf("the archive holds %d images; hallmark reads archives of one", len(m))
	}
	d.desc = m[0]
	return d, nil
}

func (d *dockerArchive) index(ctx context.Context) error {
	tr := tar.NewReader(d.f) // skips member contents by seeking
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", d.file, err)
		}
		if n >= maxArchiveMembers {
			return fmt.Errorf("%s: %w: more than %d members", d.file, ErrLimit, maxArchiveMembers)
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		name := path.Clean(hdr.Name)
		m := archiveMember{typ: hdr.Typeflag, size: hdr.Size}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			m.typ = tar.TypeReg
			for k := range hdr.PAXRecords {
				if strings.HasPrefix(k, "GNU.sparse.") {
					m.typ = tar.TypeGNUSparse // its body is not its content
				}
			}
			// archive/tar reads no further than the header blocks (and a
			// sparse map): the file is at the member's body.
			if m.off, err = d.f.Seek(0, io.SeekCurrent); err != nil {
				return err
			}
		case tar.TypeSymlink:
			m.link = hdr.Linkname
		case tar.TypeLink:
			t, ok := d.members[path.Clean(hdr.Linkname)]
			if !ok {
				delete(d.members, name)
				continue
			}
			m = t
		}
		d.members[name] = m
	}
}

// member opens the named member of the archive and returns it with its
// size. Symbolic links between members (older docker save writes them for
// layers shared by several images) are followed, a few hops deep.
func (d *dockerArchive) member(name string) (io.ReadCloser, int64, error) {
	want := path.Clean(name)
	for hops := 0; ; {
		m, ok := d.members[want]
		if !ok {
			return nil, 0, fmt.Errorf("%s: no member %q in the archive", d.file, name)
		}
		switch m.typ {
		case tar.TypeReg:
			return io.NopCloser(io.NewSectionReader(d.f, m.off, m.size)), m.size, nil
		case tar.TypeSymlink:
			if hops++; hops > 8 {
				return nil, 0, fmt.Errorf("%s: member %q: too many links", d.file, name)
			}
			want = path.Join(path.Dir(want), m.link)
		default:
			return nil, 0, fmt.Errorf("%s: member %q is not a regular file", d.file, name)
		}
	}
}

// loadDocker reads a docker archive's config, checks it against the digest
// its member name carries (docker names it sha256:HEX, HEX.json or
// blobs/sha256/HEX) and its diff IDs against the layers manifest.json
// lists, and lists the layer members.
func (im *Image) loadDocker() ([]byte, error) {
	d := im.dock
	rc, size, err := d.member(d.desc.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if size > maxConfigSize {
		rc.Close()
		return nil, fmt.Errorf("config %s: %w: %d bytes, over %d", d.desc.Config, ErrLimit, size, maxConfigSize)
	}
	rawCfg, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.desc.Config, err)
	}
	if want := nameDigest(d.desc.Config); want != "" && sha256Hex(rawCfg) != want {
		return nil, fmt.Errorf("config: %w: content is sha256:%s, its name %q says %s", ErrDigest, sha256Hex(rawCfg), d.desc.Config, want)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(d.desc.Layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("config: %d diff IDs for %d layers", len(cfg.RootFS.DiffIDs), len(d.desc.Layers))
	}
	for _, name := range d.desc.Layers {
		rc, _, err := d.member(name)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", name, err)
		}
		rc.Close()
		im.layers = append(im.layers, layerInfo{open: func() (io.ReadCloser, error) {
			rc, _, err := d.member(name)
			return rc, err
		}})
	}
	return rawCfg, nil
}

// nameDigest returns the hex digest a docker archive member's name carries,
// or "" when it carries none.
func nameDigest(name string) string {
	b := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "sha256:"), ".json")
	if len(b) != 64 {
		return ""
	}
	if _, err := hex.DecodeString(b); err != nil {
		return ""
	}
	return strings.ToLower(b)
}

// untarLayout unpacks an OCI archive's layout (index.json, oci-layout and
// blobs, still compressed) into a temporary directory. Layer contents stay
// in their blobs; only the archive's own members are written, and only
// under the directory. The directory is locked (see tempDir) until unlock
// is called.
func untarLayout(ctx context.Context, file, tmp string) (dir string, unlock func(), err error) {
	f, err := os.Open(file)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	dir, unlock, err = tempDir(tmp)
	if err != nil {
		return "", nil, err
	}
	fail := func(err error) (string, func(), error) {
		os.RemoveAll(dir)
		unlock()
		return "", nil, err
	}
	tr := tar.NewReader(f)
	var written int64
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return dir, unlock, nil
		}
		if err != nil || n > 100000 {
			return fail(fmt.Errorf("oci archive: %w", cmpErr(err, errors.New("too many entries"))))
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		p, ok := entryPath(hdr.Name)
		if !ok {
			return fail(fmt.Errorf("oci archive: entry %q points outside the archive", hdr.Name))
		}
		if p == lockName {
			continue // never the lock file
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return fail(err)
			}
		case tar.TypeReg, tar.TypeRegA:
			written += hdr.Size
			if written > st.Size() { // members cannot outgrow the archive holding them
				return fail(fmt.Errorf("oci archive: %w: members larger than the archive", ErrLimit))
			}
			if err := writeFile(dst, tr, hdr.Size); err != nil {
				return fail(err)
			}
		}
	}
}

func writeFile(dst string, r io.Reader, size int64) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(out, r, size); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
