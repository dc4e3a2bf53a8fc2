package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// writeDocker writes img as a docker save tarball and returns its members
// in order, for tests that rewrite them.
func writeDocker(t *testing.T, img v1.Image) []member {
	t.Helper()
	file := filepath.Join(t.TempDir(), "image.tar")
	tag, _ := name.NewTag("example.local/app:1")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ms []member
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return ms
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		ms = append(ms, member{hdr: hdr, body: body})
	}
}

type member struct {
	hdr  *tar.Header
	body []byte
}

func packDocker(t *testing.T, ms []member) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := *m.hdr
		h.Size = int64(len(m.body))
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(m.body)
	}
	tw.Close()
	file := filepath.Join(t.TempDir(), "rewritten.tar")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestDockerArchive covers what hallmark checks in a docker save tarball
// itself, rather than through go-containerregistry's tarball image: the
// config against the digest its name carries, the decompression ratio
// (the member's size is the compressed size) and links between members.
func TestDockerArchive(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	small := buildImage(t, amd64, layer(t, reg("app/package-lock.json", `{"v":1}`)))
	for _, tc := range []struct {
		name    string
		img     v1.Image
		edit    func(t *testing.T, ms []member) []member
		opts    Options
		wantErr error
		errText string
	}{
		{name: "as written", img: small},
		{
			name: "config edited", img: small, wantErr: ErrDigest, errText: "its name",
			edit: func(t *testing.T, ms []member) []member {
				for i, m := range ms {
					if strings.HasPrefix(m.hdr.Name, "sha256:") {
						ms[i].body = bytes.Replace(m.body, []byte("debian:12"), []byte("debian:13"), 1)
						if bytes.Equal(ms[i].body, m.body) {
							t.Fatal("no label to edit in the config")
						}
					}
				}
				return ms
			},
		},
		{
			name: "ratio", img: buildImage(t, amd64, layer(t, reg("zeros", zeros))),
			opts: Options{MaxRatio: 10, RatioFloor: 1 << 20}, wantErr: ErrLimit, errText: "expands more than 10 times",
		},
		{
			// Older docker save writes a layer shared by two images once and
			// links to it from the other image's directory.
			name: "layer is a link", img: small,
			edit: func(t *testing.T, ms []member) []member {
				var out []member
				for _, m := range ms {
					if strings.HasSuffix(m.hdr.Name, ".tar.gz") {
						real := *m.hdr
						real.Name = "shared/layer.tar.gz"
						out = append(out, member{hdr: &real, body: m.body})
						link := &tar.Header{Name: m.hdr.Name, Typeflag: tar.TypeSymlink, Linkname: "shared/layer.tar.gz", Mode: 0o777}
						out = append(out, member{hdr: link})
						continue
					}
					out = append(out, m)
				}
				return out
			},
		},
		{
			name: "layer missing", img: small, errText: "no member",
			edit: func(t *testing.T, ms []member) []member {
				var out []member
				for _, m := range ms {
					if !strings.HasSuffix(m.hdr.Name, ".tar.gz") {
						out = append(out, m)
					}
				}
				return out
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := writeDocker(t, tc.img)
			if tc.edit != nil {
				ms = tc.edit(t, ms)
			}
			file := packDocker(t, ms)
			opts := tc.opts
			opts.Want = claimApp
			im, err := Open(context.Background(), "docker-archive", file, opts)
			if tc.wantErr == nil && tc.errText == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer im.Close()
				if got, err := fs.ReadFile(im.FS(), "app/package-lock.json"); err != nil || string(got) != `{"v":1}` {
					t.Errorf("package-lock.json = %q, %v", got, err)
				}
				if im.Digest != "" || im.Platform != "linux/amd64" || len(im.Tags) != 1 || im.Tags[0] != "example.local/app:1" {
					t.Errorf("Digest %q, Platform %q, Tags %q", im.Digest, im.Platform, im.Tags)
				}
				return
			}
			if err == nil {
				im.Close()
				t.Fatalf("err = nil, want %v %q", tc.wantErr, tc.errText)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("err = %v, want it to say %q", err, tc.errText)
			}
		})
	}
}

// TestExecutablesSpooled: claimed executables go to the spool file, not
// memory (an image holds hundreds of them and most are not Go or Rust
// binaries); small claimed lockfiles stay in memory. Both read back whole.
func TestExecutablesSpooled(t *testing.T) {
	img := buildImage(t, amd64, layer(t, exe("usr/bin/tool", "\x7fELF-tool"), reg("app/package-lock.json", `{"v":1}`)))
	dir := t.TempDir()
	writeLayout(t, dir, img, "x")
	im, err := Open(context.Background(), "oci", dir, Options{Want: claimApp})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	for _, tc := range []struct {
		path, content string
		inMemory      bool
	}{{"usr/bin/tool", "\x7fELF-tool", false}, {"app/package-lock.json", `{"v":1}`, true}} {
		n, err := im.FS().lookup(tc.path, true)
		if err != nil {
			t.Fatal(err)
		}
		if c := n.file; !c.captured || (c.data != nil) != tc.inMemory {
			t.Errorf("%s: captured %v, in memory %v; want in memory %v", tc.path, c.captured, c.data != nil, tc.inMemory)
		}
		if got, err := fs.ReadFile(im.FS(), tc.path); err != nil || string(got) != tc.content {
			t.Errorf("%s = %q, %v", tc.path, got, err)
		}
	}
}

// TestNoPlatform: a config without os and architecture (crane append
// --oci-empty-base writes one) has no platform, not "/".
func TestNoPlatform(t *testing.T) {
	img := buildImage(t, v1.Platform{}, layer(t, reg("a", "1")))
	dir := t.TempDir()
	writeLayout(t, dir, img, "x")
	im, err := Open(context.Background(), "oci", dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if im.Platform != "" {
		t.Errorf("Platform = %q, want none", im.Platform)
	}
}

func TestReadAhead(t *testing.T) {
	noClose := func() error { return nil }
	for _, size := range []int{0, 1, aheadChunkSize - 1, aheadChunkSize, 3*aheadChunkSize + 17} {
		data := bytes.Repeat([]byte("hallmark"), size/8+1)[:size]
		ra := newReadAhead(bytes.NewReader(data), noClose, func() {})
		if err := iotest.TestReader(ra, data); err != nil {
			t.Errorf("%d bytes: %v", size, err)
		}
		ra.Close()
	}

	// An error after some data (a truncated gzip stream reports
	// io.ErrUnexpectedEOF) arrives after the data, as itself: not turned
	// into a clean end of stream.
	data := bytes.Repeat([]byte{1}, aheadChunkSize+5)
	ra := newReadAhead(io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), noClose, func() {})
	got, err := io.ReadAll(ra)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got, data) {
		t.Errorf("got %d bytes, %v; want %d bytes, unexpected EOF", len(got), err, len(data))
	}
	ra.Close()

	// Closing in the middle of an endless stream stops the goroutine, and
	// closes the source before the decompressor.
	var order []string
	ra = newReadAhead(zeroReader{}, func() error { order = append(order, "blob"); return nil }, func() { order = append(order, "decompressor") })
	if _, err := io.ReadFull(ra, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	ra.Close()
	<-ra.exited
	ra.Close() // twice is harmless
	if strings.Join(order, ",") != "blob,decompressor" {
		t.Errorf("closed %v", order)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// FuzzDockerArchive feeds arbitrary docker save tarballs, seeded with a
// real one (go-containerregistry's tarball.Write) and its variants above:
// no panic, and an archive that opens has a walkable file system.
func FuzzDockerArchive(f *testing.F) {
	t := &testing.T{}
	for _, img := range []v1.Image{buildImage(t, amd64, testLayers(t)...), buildImage(t, v1.Platform{}, layer(t, reg("a", "1")))} {
		var buf bytes.Buffer
		tag, _ := name.NewTag("example.local/app:1")
		if err := tarball.Write(tag, img, &buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(t.TempDir(), "image.tar")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		im, err := Open(context.Background(), "docker-archive", file, Options{Want: claimApp, MaxLayerSize: 1 << 20, MaxEntries: 1000})
		if err != nil {
			return
		}
		defer im.Close()
		if len(im.Layers) == 0 && len(im.layers) != 0 {
			t.Fatal("layers without diff IDs")
		}
		fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				fs.ReadFile(im.FS(), p)
			}
			return nil
		})
	})
}
