package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// entry is one tar member of a test layer.
type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func reg(name, body string) entry {
	return entry{name: name, body: body, typ: tar.TypeReg, mode: 0o644}
}
func exe(name, body string) entry {
	return entry{name: name, body: body, typ: tar.TypeReg, mode: 0o755}
}
func dir(name string) entry { return entry{name: name, typ: tar.TypeDir, mode: 0o755} }
func symlink(name, target string) entry {
	return entry{name: name, link: target, typ: tar.TypeSymlink, mode: 0o777}
}
func hardlink(name, target string) entry {
	return entry{name: name, link: target, typ: tar.TypeLink, mode: 0o644}
}

func tarBytes(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.body)), ModTime: time.Unix(1700000000, 0)}
		if e.typ != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layer(t testing.TB, entries ...entry) v1.Layer {
	data := tarBytes(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func buildImage(t testing.TB, plat v1.Platform, layers ...v1.Layer) v1.Image {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
	cf.Config.Labels = map[string]string{"org.opencontainers.image.base.name": "debian:12"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

var amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}

// testLayers exercise whiteouts, opaque directories, overwrites, links and
// entries that try to leave the root.
func testLayers(t testing.TB) []v1.Layer {
	return []v1.Layer{
		layer(t,
			dir("etc/"), reg("etc/os-release-real", "ID=debian\nVERSION_ID=12\n"), symlink("etc/os-release", "os-release-real"),
			dir("usr/"), dir("usr/bin/"), exe("usr/bin/tool", "\x7fELF-tool"),
			dir("app/"), reg("app/package-lock.json", `{"v":1}`), reg("app/old.txt", "old"),
			dir("opaque/"), dir("opaque/dir/"), reg("opaque/dir/a.txt", "a"), dir("opaque/dir/sub/"), reg("opaque/dir/sub/deep.txt", "deep"),
			symlink("lib", "usr/lib"), dir("usr/lib/"), reg("usr/lib/libz.so", "z"),
			symlink("loop1", "loop2"), symlink("loop2", "loop1"),
			symlink("escape", "../../../../etc"),
		),
		layer(t,
			reg("app/.wh.old.txt", ""),
			reg("opaque/dir/.wh..wh..opq", ""), reg("opaque/dir/b.txt", "b"),
			reg("app/package-lock.json", `{"v":2}`),
			hardlink("usr/bin/tool2", "usr/bin/tool"),
			reg("../evil.txt", "evil"),
			reg("/abs.txt", "absolute"),
			reg("app/unclaimed.txt", "read back on demand"),
		),
	}
}

func writeLayout(t testing.TB, dir string, img v1.Image, tag string) {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: tag})); err != nil {
		t.Fatal(err)
	}
}

func claimApp(p string, mode fs.FileMode) bool {
	return strings.HasSuffix(p, "package-lock.json") || mode&0o111 != 0
}

// listing renders the squashed tree: path, kind, layer, content.
func listing(t *testing.T, im *Image) []string {
	var out []string
	err := fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		line := p
		switch {
		case d.IsDir():
			line += "/"
		case d.Type()&fs.ModeSymlink != 0:
			line += " -> symlink"
		default:
			data, err := fs.ReadFile(im.FS(), p)
			if err != nil {
				line += " error: " + err.Error()
			} else {
				line += " = " + string(data)
			}
		}
		out = append(out, fmt.Sprintf("%s [layer %d]", line, slices.Index(im.Layers, im.FS().LayerOf(p))))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLayoutSquash(t *testing.T) {
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, testLayers(t)...), "v1")
	kind, rest, err := Detect(dir)
	if err != nil || kind != "oci" || rest != dir {
		t.Fatalf("Detect = %q %q %v", kind, rest, err)
	}
	im, err := Open(context.Background(), "oci", dir+":v1", Options{Want: claimApp})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	want := []string{
		"abs.txt = absolute [layer 1]",
		"app/ [layer 0]",
		"app/package-lock.json = {\"v\":2} [layer 1]",
		"app/unclaimed.txt = read back on demand [layer 1]",
		"escape -> symlink [layer 0]",
		"etc/ [layer 0]",
		"etc/os-release -> symlink [layer 0]",
		"etc/os-release-real = ID=debian\nVERSION_ID=12\n [layer 0]",
		"lib -> symlink [layer 0]",
		"loop1 -> symlink [layer 0]",
		"loop2 -> symlink [layer 0]",
		"opaque/ [layer 0]",
		"opaque/dir/ [layer 1]",
		"opaque/dir/b.txt = b [layer 1]",
		"usr/ [layer 0]",
		"usr/bin/ [layer 0]",
		"usr/bin/tool = \x7fELF-tool [layer 0]",
		"usr/bin/tool2 = \x7fELF-tool [layer 1]",
		"usr/lib/ [layer 0]",
		"usr/lib/libz.so = z [layer 0]",
	}
	if got := listing(t, im); !slices.Equal(got, want) {
		t.Errorf("squashed tree:\n got %q\nwant %q", got, want)
	}
	// Symlinks resolve inside the image, also through directories and
	// when they try to climb out of the root.
	for p, body := range map[string]string{
		"etc/os-release":         "ID=debian\nVERSION_ID=12\n",
		"lib/libz.so":            "z",
		"escape/os-release-real": "ID=debian\nVERSION_ID=12\n",
	} {
		got, err := fs.ReadFile(im.FS(), p)
		if err != nil || string(got) != body {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", p, got, err, body)
		}
	}
	if _, err := im.FS().Open("loop1"); err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Errorf("symlink loop: err = %v", err)
	}
	if want := []string{`layer 1: entry "../evil.txt" points outside the image root; ignored`}; !slices.Equal(im.Warnings, want) {
		t.Errorf("warnings = %q, want %q", im.Warnings, want)
	}
	if im.Platform != "linux/amd64" || !slices.Equal(im.Tags, []string{"v1"}) || im.Labels["org.opencontainers.image.base.name"] != "debian:12" {
		t.Errorf("metadata: platform %q tags %q labels %v", im.Platform, im.Tags, im.Labels)
	}
	if !strings.HasPrefix(im.Digest, "sha256:") || len(im.Layers) != 2 {
		t.Errorf("digest %q layers %q", im.Digest, im.Layers)
	}
}

func TestDockerAndOCIArchives(t *testing.T) {
	dir := t.TempDir()
	img := buildImage(t, amd64, testLayers(t)...)
	docker := filepath.Join(dir, "image.tar")
	tag, _ := name.NewTag("example.local/app:1")
	if err := tarball.WriteToFile(docker, tag, img); err != nil {
		t.Fatal(err)
	}
	lay := filepath.Join(dir, "layout")
	writeLayout(t, lay, img, "1")
	ociTar := filepath.Join(dir, "oci.tar")
	tarDir(t, lay, ociTar)

	for _, tc := range []struct{ file, kind string }{{docker, "docker-archive"}, {ociTar, "oci-archive"}} {
		kind, _, err := Detect(tc.file)
		if err != nil || kind != tc.kind {
			t.Fatalf("Detect(%s) = %q, %v; want %s", tc.file, kind, err, tc.kind)
		}
		im, err := Open(context.Background(), kind, tc.file, Options{Want: claimApp})
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		got, err := fs.ReadFile(im.FS(), "app/package-lock.json")
		if err != nil || string(got) != `{"v":2}` {
			t.Errorf("%s: package-lock = %q, %v", tc.kind, got, err)
		}
		if _, err := im.FS().Stat("app/old.txt"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: whiteout not applied: %v", tc.kind, err)
		}
		im.Close()
	}
}

func tarDir(t *testing.T, src, dst string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMultiPlatformIndex(t *testing.T) {
	arm := v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: buildImage(t, amd64, layer(t, reg("arch.txt", "amd64"))), Descriptor: v1.Descriptor{Platform: &amd64}},
		mutate.IndexAddendum{Add: buildImage(t, arm, layer(t, reg("arch.txt", "arm64"))), Descriptor: v1.Descriptor{Platform: &arm}},
	)
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameAnnotation: "multi"})); err != nil {
		t.Fatal(err)
	}
	for plat, want := range map[string]string{"linux/amd64": "amd64", "linux/arm64": "arm64", "linux/arm64/v8": "arm64"} {
		im, err := Open(context.Background(), "oci", dir, Options{Platform: plat, Want: func(string, fs.FileMode) bool { return true }})
		if err != nil {
			t.Fatalf("%s: %v", plat, err)
		}
		got, _ := fs.ReadFile(im.FS(), "arch.txt")
		if string(got) != want {
			t.Errorf("--platform %s read %q", plat, got)
		}
		im.Close()
	}
	_, err = Open(context.Background(), "oci", dir, Options{Platform: "linux/s390x"})
	if err == nil || !strings.Contains(err.Error(), "no image for platform linux/s390x (have linux/amd64, linux/arm64/v8)") {
		t.Errorf("unknown platform: %v", err)
	}
}

func TestCorruptLayerIsRejected(t *testing.T) {
	dir := t.TempDir()
	img := buildImage(t, amd64, layer(t, reg("a.txt", "hello")))
	writeLayout(t, dir, img, "x")
	ls, _ := img.Layers()
	d, _ := ls[0].Digest()
	blob := filepath.Join(dir, "blobs", d.Algorithm, d.Hex)
	if err := os.WriteFile(blob, tarGz(t, tarBytes(t, reg("a.txt", "HELLO"))), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), "oci", dir, Options{})
	if !errors.Is(err, ErrDigest) {
		t.Fatalf("err = %v, want a digest mismatch", err)
	}
	// A manifest that does not match the index's digest is refused too.
	dir2 := t.TempDir()
	writeLayout(t, dir2, img, "x")
	md, _ := img.Digest()
	mpath := filepath.Join(dir2, "blobs", md.Algorithm, md.Hex)
	raw, _ := os.ReadFile(mpath)
	os.WriteFile(mpath, append(raw, ' '), 0o644)
	if _, err := Open(context.Background(), "oci", dir2, Options{}); !errors.Is(err, ErrDigest) {
		t.Fatalf("tampered manifest: err = %v", err)
	}
}

func tarGz(t *testing.T, data []byte) []byte {
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := l.Compressed()
	defer rc.Close()
	out, _ := io.ReadAll(rc)
	return out
}

func TestLimits(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	img := buildImage(t, amd64, layer(t, reg("zeros", zeros)))
	dir := t.TempDir()
	writeLayout(t, dir, img, "x")
	for name, opts := range map[string]Options{
		"ratio":   {MaxRatio: 10, RatioFloor: 1 << 20},
		"layer":   {MaxLayerSize: 1 << 20},
		"image":   {MaxImageSize: 2 << 20},
		"entries": {MaxEntries: 0 + 1},
	} {
		target := dir
		if name == "entries" {
			// one entry is allowed; a two-entry layer is not (a layout of
			// its own, since map order would let it replace dir for the
			// cases that follow)
			img2 := buildImage(t, amd64, layer(t, reg("a", "1"), reg("b", "2")))
			target = t.TempDir()
			writeLayout(t, target, img2, "x")
		}
		_, err := Open(context.Background(), "oci", target, opts)
		if !errors.Is(err, ErrLimit) {
			t.Errorf("%s: err = %v, want ErrLimit", name, err)
		}
	}
}

func TestRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/team/app:1.0"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img := buildImage(t, amd64, testLayers(t)...)
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	kind, rest, err := Detect(ref)
	if err != nil || kind != "registry" {
		t.Fatalf("Detect(%s) = %q %v", ref, kind, err)
	}
	im, err := Open(context.Background(), kind, rest, Options{Want: claimApp})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	got, err := fs.ReadFile(im.FS(), "app/package-lock.json")
	if err != nil || string(got) != `{"v":2}` {
		t.Errorf("package-lock = %q, %v", got, err)
	}
	wantDigest, _ := img.Digest()
	if im.Digest != wantDigest.String() || !slices.Equal(im.Tags, []string{ref}) {
		t.Errorf("digest %s tags %q; want %s", im.Digest, im.Tags, wantDigest)
	}
}

func TestDetectNotImage(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644)
	for _, target := range []string{dir, filepath.Join(dir, "go.mod"), filepath.Join(dir, "missing")} {
		if _, _, err := Detect(target); !errors.Is(err, ErrNotImage) {
			t.Errorf("Detect(%s) = %v, want ErrNotImage", target, err)
		}
	}
}

// TestDetectManyLayers: go-containerregistry's tarball writer (crane
// append -o, crane save) puts manifest.json after every layer, so an image
// of 70 layers has it past the 64th header.
func TestDetectManyLayers(t *testing.T) {
	var layers []v1.Layer
	for i := range 70 {
		layers = append(layers, layer(t, reg(fmt.Sprintf("l%02d.txt", i), "x")))
	}
	file := filepath.Join(t.TempDir(), "many.tar")
	tag, _ := name.NewTag("example.local/many:1")
	if err := tarball.WriteToFile(file, tag, buildImage(t, amd64, layers...)); err != nil {
		t.Fatal(err)
	}
	if kind, _, err := Detect(file); err != nil || kind != "docker-archive" {
		t.Errorf("Detect(%s) = %q, %v; want docker-archive", file, kind, err)
	}
}

// FuzzLayer feeds arbitrary bytes as a layer's tar stream: the squash must
// never panic, and every path in the view must be valid and inside it.
func FuzzLayer(f *testing.F) {
	f.Add(tarBytes(f, testLayersEntries()...))
	f.Add(tarBytes(f, reg("../x", "x"), symlink("a", "/"), hardlink("b", "../../c"), reg("a/.wh..wh..opq", "")))
	f.Add(tarBytes(f, reg("x/r.txt", "a"), reg("x/r.txt", "b"), hardlink("r", "x/r.txt"), hardlink("r", "r"), reg("x/.wh.r.txt", ""), symlink("s", "x"), hardlink("t", "s")))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Apply the entries as two layers (the same stream twice), so
		// whiteouts and opaque markers meet lower-layer entries.
		im := &Image{opts: Options{Want: func(string, fs.FileMode) bool { return true }}}
		im.opts.defaults()
		// Files read back from a layer come from the same stream, which
		// fails its (made-up) diff ID check: an error, never a panic.
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		im.layers = []layerInfo{{digest: "sha256:0", open: open}, {digest: "sha256:1", open: open}}
		im.initTree(context.Background())
		spool, err := os.CreateTemp(t.TempDir(), "spool")
		if err != nil {
			t.Fatal(err)
		}
		defer spool.Close()
		im.spool = spool
		for i := range 2 {
			tr := tar.NewReader(bytes.NewReader(data))
			for n := 1; n <= 1000; n++ {
				hdr, err := tr.Next()
				if err != nil {
					break
				}
				if err := im.applyEntry(i, n, hdr, tr); err != nil {
					break
				}
			}
		}
		im.fsys.frozen = true
		fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if !fs.ValidPath(p) {
				t.Fatalf("invalid path %q in view", p)
			}
			if d.Type().IsRegular() {
				f, err := im.FS().Open(p)
				if err == nil {
					f.Close()
				}
			}
			return nil
		})
	})
}

func testLayersEntries() []entry {
	return []entry{dir("etc/"), reg("etc/os-release", "ID=x\n"), symlink("lib", "usr/lib"), reg("app/.wh.old", ""), hardlink("h", "etc/os-release")}
}

var _ = types.OCIManifestSchema1

// A stored blob that decompresses to the right tar but is not the blob the
// manifest names (recompressed, or swapped in a layout) is refused too.
func TestBlobDigestIsChecked(t *testing.T) {
	dir := t.TempDir()
	data := tarBytes(t, reg("a.txt", "hello"))
	img := buildImage(t, amd64, layer(t, reg("a.txt", "hello")))
	writeLayout(t, dir, img, "x")
	ls, _ := img.Layers()
	d, _ := ls[0].Digest()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "blobs", d.Algorithm, d.Hex), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), "oci", dir, Options{})
	if !errors.Is(err, ErrDigest) || !strings.Contains(err.Error(), "blob is sha256:") || !strings.Contains(err.Error(), "manifest says "+d.String()) {
		t.Fatalf("err = %v, want the blob digest mismatch", err)
	}
}
