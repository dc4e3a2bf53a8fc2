package image

import (
	"archive/tar"
	"context"
	"encoding/hex"
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
	switch kind {
	case "oci":
		dir, tag := splitTag(ref)
		im.img, im.Tags, im.Annotations, err = fromLayout(dir, tag, plat)
	case "oci-archive":
		var dir string
		dir, err = untarLayout(ref, opts.TempDir)
		if err == nil {
			im.cleanup = append(im.cleanup, func() { os.RemoveAll(dir) })
			im.img, im.Tags, im.Annotations, err = fromLayout(dir, "", plat)
		}
	case "docker-archive":
		im.dock, err = openDockerArchive(ref)
		if err == nil {
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
func fromLayout(dir, tag string, plat *v1.Platform) (v1.Image, []string, map[string]string, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return pick(idx, tag, plat, 0)
}

func pick(idx v1.ImageIndex, tag string, plat *v1.Platform, depth int) (v1.Image, []string, map[string]string, error) {
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
		child, err := idx.ImageIndex(chosen.Digest)
		if err != nil {
			return nil, nil, nil, err
		}
		img, more, ann, err := pick(child, tag, plat, depth+1)
		return img, append(tags, more...), ann, err
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
type dockerArchive struct {
	file string
	desc tarball.Descriptor
}

func openDockerArchive(file string) (*dockerArchive, error) {
	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(file) })
	if err != nil {
		return nil, err
	}
	if len(m) != 1 {
		return nil, fmt.Errorf("the archive holds %d images; hallmark reads archives of one", len(m))
	}
	return &dockerArchive{file: file, desc: m[0]}, nil
}

const maxConfigSize = 16 << 20

// loadDocker reads a docker archive's config, checks it against the digest
// its member name carries (docker names it sha256:HEX, HEX.json or
// blobs/sha256/HEX), and lists the layer members.
func (im *Image) loadDocker() ([]byte, error) {
	d := im.dock
	rc, _, err := d.member(d.desc.Config)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	rawCfg, err := io.ReadAll(io.LimitReader(rc, maxConfigSize+1))
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", d.desc.Config, err)
	}
	if len(rawCfg) > maxConfigSize {
		return nil, fmt.Errorf("config %s: %w: over %d bytes", d.desc.Config, ErrLimit, maxConfigSize)
	}
	if want := nameDigest(d.desc.Config); want != "" && sha256Hex(rawCfg) != want {
		return nil, fmt.Errorf("config: %w: content is sha256:%s, its name %q says %s", ErrDigest, sha256Hex(rawCfg), d.desc.Config, want)
	}
	for _, name := range d.desc.Layers {
		li := layerInfo{open: func() (io.ReadCloser, error) {
			rc, _, err := d.member(name)
			return rc, err
		}}
		if rc, size, err := d.member(name); err == nil {
			rc.Close()
			li.size = size // stored size, for the decompression ratio limit
		} else {
			return nil, fmt.Errorf("layer %s: %w", name, err)
		}
		im.layers = append(im.layers, li)
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

// member opens the named member of the archive and returns it with its
// size. Symbolic and hard links between members (older docker save writes
// them for layers shared by several images) are followed, a few hops deep.
func (d *dockerArchive) member(name string) (io.ReadCloser, int64, error) {
	f, err := os.Open(d.file)
	if err != nil {
		return nil, 0, err
	}
	want := path.Clean(name)
	for hops := 0; ; {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, 0, err
		}
		tr := tar.NewReader(f) // skips member contents by seeking
		var hdr *tar.Header
		for {
			hdr, err = tr.Next()
			if err == io.EOF {
				f.Close()
				return nil, 0, fmt.Errorf("%s: no member %q in the archive", d.file, name)
			}
			if err != nil {
				f.Close()
				return nil, 0, fmt.Errorf("%s: %w", d.file, err)
			}
			if path.Clean(hdr.Name) == want {
				break
			}
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			return readCloser{tr, f.Close}, hdr.Size, nil
		case tar.TypeSymlink, tar.TypeLink:
			if hops++; hops > 8 {
				f.Close()
				return nil, 0, fmt.Errorf("%s: member %q: too many links", d.file, name)
			}
			if hdr.Typeflag == tar.TypeSymlink {
				want = path.Join(path.Dir(want), hdr.Linkname)
			} else {
				want = path.Clean(hdr.Linkname)
			}
		default:
			f.Close()
			return nil, 0, fmt.Errorf("%s: member %q is not a regular file", d.file, name)
		}
	}
}

// untarLayout unpacks an OCI archive's layout (index.json, oci-layout and
// blobs, still compressed) into a temporary directory. Layer contents stay
// in their blobs; only the archive's own members are written, and only
// under the directory.
func untarLayout(file, tmp string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(tmp, "hallmark-oci-*")
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(f)
	var written int64
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return dir, nil
		}
		if err != nil || n > 100000 {
			os.RemoveAll(dir)
			return "", fmt.Errorf("oci archive: %w", cmpErr(err, errors.New("too many entries")))
		}
		p, ok := entryPath(hdr.Name)
		if !ok {
			os.RemoveAll(dir)
			return "", fmt.Errorf("oci archive: entry %q points outside the archive", hdr.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				os.RemoveAll(dir)
				return "", err
			}
		case tar.TypeReg, tar.TypeRegA:
			written += hdr.Size
			if written > st.Size() { // members cannot outgrow the archive holding them
				os.RemoveAll(dir)
				return "", fmt.Errorf("oci archive: %w: members larger than the archive", ErrLimit)
			}
			if err := writeFile(dst, tr, hdr.Size); err != nil {
				os.RemoveAll(dir)
				return "", err
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
