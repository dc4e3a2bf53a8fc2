package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// openLayers writes layers as an OCI layout and opens it with want.
func openLayers(t *testing.T, want func(string, fs.FileMode) bool, layers ...[]entry) (*Image, error) {
	t.Helper()
	var ls []v1.Layer
	for _, es := range layers {
		ls = append(ls, layer(t, es...))
	}
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, ls...), "x")
	return Open(context.Background(), "oci", dir, Options{Want: want})
}

// tarExtract unpacks layer tars with GNU tar, one after the other (no
// whiteouts: the cases that use it have none), and returns the directory.
func tarExtract(t *testing.T, layers ...[]entry) string {
	t.Helper()
	tarBin, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("no tar to compare with")
	}
	dir := t.TempDir()
	for i, es := range layers {
		file := filepath.Join(t.TempDir(), fmt.Sprintf("layer%d.tar", i))
		if err := os.WriteFile(file, tarBytes(t, es...), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(tarBin, "-x", "-f", file, "-C", dir).CombinedOutput(); err != nil {
			t.Logf("tar -x: %v: %s", err, out) // a link to a missing file fails; the rest is applied
		}
	}
	return dir
}

var wantNames = map[string]func(string, fs.FileMode) bool{
	"claim none": func(string, fs.FileMode) bool { return false },
	"claim all":  func(string, fs.FileMode) bool { return true },
	"claim requirements": func(p string, _ fs.FileMode) bool {
		return strings.HasSuffix(p, "requirements.txt")
	},
}

// TestDuplicatesAndHardLinks (issue 15, item 4): duplicate entries and hard
// links resolve as tar -x and containerd's applier resolve them: the last
// entry at a path wins, a hard link shares the content its target has when
// the link is applied, and a later entry at the target's path replaces the
// target, not what the link holds.
func TestDuplicatesAndHardLinks(t *testing.T) {
	const safe, vulnerable = "jinja2==3.1.6\n", "jinja2==2.4.0\n"
	for _, tc := range []struct {
		name   string
		layers [][]entry
		want   map[string]string // path -> content; "" means absent
		gnuTar bool              // compare with tar -x too
	}{
		{
			name: "duplicate then link",
			layers: [][]entry{{
				dir("x/"), reg("x/r.txt", safe), reg("x/r.txt", vulnerable),
				dir("app/"), hardlink("app/requirements.txt", "x/r.txt"),
			}},
			want:   map[string]string{"app/requirements.txt": vulnerable, "x/r.txt": vulnerable},
			gnuTar: true,
		},
		{
			name: "link before the second write",
			layers: [][]entry{{
				dir("x/"), reg("x/r.txt", vulnerable),
				dir("app/"), hardlink("app/requirements.txt", "x/r.txt"),
				reg("x/r.txt", safe),
			}},
			want:   map[string]string{"app/requirements.txt": vulnerable, "x/r.txt": safe},
			gnuTar: true,
		},
		{
			name: "link to a link, then the first target rewritten",
			layers: [][]entry{{
				dir("x/"), reg("x/r.txt", vulnerable), hardlink("x/h.txt", "x/r.txt"),
				reg("x/r.txt", safe), dir("app/"), hardlink("app/requirements.txt", "x/h.txt"),
			}},
			want:   map[string]string{"app/requirements.txt": vulnerable, "x/h.txt": vulnerable, "x/r.txt": safe},
			gnuTar: true,
		},
		{
			name: "link across layers refers to the lower layer's content",
			layers: [][]entry{
				{dir("x/"), reg("x/r.txt", vulnerable)},
				{dir("app/"), hardlink("app/requirements.txt", "x/r.txt"), reg("x/r.txt", safe)},
			},
			want:   map[string]string{"app/requirements.txt": vulnerable, "x/r.txt": safe},
			gnuTar: true,
		},
		{
			name: "link to itself",
			layers: [][]entry{{
				dir("app/"), reg("app/requirements.txt", vulnerable), hardlink("app/requirements.txt", "app/requirements.txt"),
			}},
			want: map[string]string{"app/requirements.txt": vulnerable},
		},
		{
			name: "target whited out in a later layer",
			layers: [][]entry{
				{dir("x/"), reg("x/r.txt", vulnerable), dir("app/"), hardlink("app/requirements.txt", "x/r.txt")},
				{reg("x/.wh.r.txt", "")},
			},
			want: map[string]string{"app/requirements.txt": vulnerable, "x/r.txt": ""},
		},
		{
			name: "link to a whited-out file",
			layers: [][]entry{
				{dir("x/"), reg("x/r.txt", vulnerable)},
				{reg("x/.wh.r.txt", ""), dir("app/"), hardlink("app/requirements.txt", "x/r.txt")},
			},
			want: map[string]string{"app/requirements.txt": "", "x/r.txt": ""},
		},
		{
			name: "target directory made opaque above",
			layers: [][]entry{
				{dir("x/"), reg("x/r.txt", vulnerable), dir("app/"), hardlink("app/requirements.txt", "x/r.txt")},
				{reg("x/.wh..wh..opq", ""), reg("x/r.txt", safe)},
			},
			want: map[string]string{"app/requirements.txt": vulnerable, "x/r.txt": safe},
		},
	} {
		for wname, want := range wantNames {
			t.Run(tc.name+"/"+wname, func(t *testing.T) {
				im, err := openLayers(t, want, tc.layers...)
				if err != nil {
					t.Fatal(err)
				}
				defer im.Close()
				for p, body := range tc.want {
					got, err := fs.ReadFile(im.FS(), p)
					if body == "" {
						if !errors.Is(err, fs.ErrNotExist) {
							t.Errorf("%s = %q, %v; want it absent", p, got, err)
						}
						continue
					}
					if err != nil || string(got) != body {
						t.Errorf("%s = %q, %v; want %q", p, got, err, body)
					}
					if st, err := fs.Stat(im.FS(), p); err != nil || st.Size() != int64(len(body)) || st.Name() != filepath.Base(p) {
						t.Errorf("Stat(%s) = %v, %v", p, st, err)
					}
				}
			})
		}
		if tc.gnuTar {
			t.Run(tc.name+"/tar -x", func(t *testing.T) {
				dir := tarExtract(t, tc.layers...)
				for p, body := range tc.want {
					got, err := os.ReadFile(filepath.Join(dir, p))
					if err != nil || string(got) != body {
						t.Errorf("tar -x: %s = %q, %v; want %q (the test's expectation is wrong)", p, got, err, body)
					}
				}
			})
		}
	}
}

// TestHardLinkToSymlink: link(2) does not follow a symbolic link, so a hard
// link to one is a second symbolic link with the same target.
func TestHardLinkToSymlink(t *testing.T) {
	im, err := openLayers(t, wantNames["claim none"], []entry{
		dir("x/"), reg("x/real.txt", "real"), symlink("x/s", "real.txt"),
		hardlink("x/h", "x/s"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if got, err := fs.ReadFile(im.FS(), "x/h"); err != nil || string(got) != "real" {
		t.Errorf("x/h = %q, %v", got, err)
	}
	ents, _ := fs.ReadDir(im.FS(), "x")
	for _, e := range ents {
		if e.Name() == "h" && e.Type()&fs.ModeSymlink == 0 {
			t.Errorf("x/h is %v, want a symbolic link", e.Type())
		}
	}
}

// editManifest rewrites the manifest of the one image in a layout, and the
// index's descriptor of it, so that every digest still matches.
func editManifest(t *testing.T, dir string, edit func(m *v1.Manifest)) {
	t.Helper()
	idxPath := filepath.Join(dir, "index.json")
	raw, err := os.ReadFile(idxPath)
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	d := &idx.Manifests[0]
	rawM, err := os.ReadFile(filepath.Join(dir, "blobs", d.Digest.Algorithm, d.Digest.Hex))
	if err != nil {
		t.Fatal(err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(rawM, &m); err != nil {
		t.Fatal(err)
	}
	edit(&m)
	rawM, _ = json.Marshal(m)
	d.Digest = v1.Hash{Algorithm: "sha256", Hex: sha256Hex(rawM)}
	d.Size = int64(len(rawM))
	if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", d.Digest.Hex), rawM, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(idx)
	if err := os.WriteFile(idxPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRatioCountsBytesRead (item 10): the decompression ratio is counted on
// the compressed bytes actually read, not on the size the manifest declares.
func TestRatioCountsBytesRead(t *testing.T) {
	zeros := strings.Repeat("\x00", 8<<20)
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, layer(t, reg("zeros", zeros))), "x")
	editManifest(t, dir, func(m *v1.Manifest) { m.Layers[0].Size = 1 << 30 })
	_, err := Open(context.Background(), "oci", dir, Options{MaxRatio: 10, RatioFloor: 1 << 20})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "expands more than 10 times") {
		t.Fatalf("err = %v, want the ratio limit", err)
	}
}

// TestImageTotalCountsRereads (item 10): the image limit counts every byte
// inflated, so reading a layer back for a file does not escape it.
func TestImageTotalCountsRereads(t *testing.T) {
	big := strings.Repeat("x", 3<<20)
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, layer(t, reg("big.txt", big))), "x")
	im, err := Open(context.Background(), "oci", dir, Options{MaxImageSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if _, err := fs.ReadFile(im.FS(), "big.txt"); !errors.Is(err, ErrLimit) {
		t.Fatalf("reading back a 3 MiB layer under a 5 MiB image limit after the first 3 MiB: err = %v, want ErrLimit", err)
	}
}

// TestDuplicateLayers: a blob listed several times is applied each time (as
// runtimes do), and every pass counts toward the image limit.
func TestDuplicateLayers(t *testing.T) {
	l := layer(t, reg("a.txt", strings.Repeat("a", 1<<20)))
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, l, l, l), "x")
	im, err := Open(context.Background(), "oci", dir, Options{Want: func(string, fs.FileMode) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	im.Close()
	if _, err := Open(context.Background(), "oci", dir, Options{MaxImageSize: 5 << 19}); !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want ErrLimit", err)
	}
}

// TestMetadataSizeLimits (item 12): configs, manifests and indexes over
// their limits are refused before they are read, in layouts, OCI archives
// and registries alike. In a layout the blob file is what counts (it is
// read whole whatever its descriptor declares), so the cases replace it.
func TestMetadataSizeLimits(t *testing.T) {
	base := buildImage(t, amd64, layer(t, reg("a", "1")))
	junk := func(n int) []byte { return bytes.Repeat([]byte(" "), n) }
	blob := func(dir string, h v1.Hash) string { return filepath.Join(dir, "blobs", h.Algorithm, h.Hex) }
	for _, tc := range []struct {
		name, what string
		edit       func(t *testing.T, dir string)
	}{
		{"config", "config", func(t *testing.T, dir string) {
			h, _ := base.ConfigName()
			os.WriteFile(blob(dir, h), junk(maxConfigSize+1), 0o644)
		}},
		{"manifest", "manifest", func(t *testing.T, dir string) {
			h, _ := base.Digest()
			os.WriteFile(blob(dir, h), junk(maxManifestSize+1), 0o644)
		}},
		{"index", "index.json", func(t *testing.T, dir string) {
			raw, _ := os.ReadFile(filepath.Join(dir, "index.json"))
			os.WriteFile(filepath.Join(dir, "index.json"), append(raw, junk(maxManifestSize)...), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLayout(t, dir, base, "x")
			tc.edit(t, dir)
			for kind, target := range map[string]string{"oci": dir, "oci-archive": filepath.Join(t.TempDir(), "oci.tar")} {
				if kind == "oci-archive" {
					tarDir(t, dir, target)
				}
				_, err := Open(context.Background(), kind, target, Options{TempDir: t.TempDir()})
				if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tc.what) {
					t.Errorf("%s: err = %.200v, want ErrLimit naming the %s", kind, err, tc.what)
				}
			}
		})
	}
	t.Run("registry config", func(t *testing.T) {
		cf, _ := base.ConfigFile()
		cf = cf.DeepCopy()
		cf.Config.Labels["big"] = strings.Repeat("x", maxConfigSize)
		bigConfig, err := mutate.ConfigFile(base, cf)
		if err != nil {
			t.Fatal(err)
		}
		ref := pushToTestRegistry(t, bigConfig)
		_, err = Open(context.Background(), "registry", ref, Options{})
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "config") {
			t.Errorf("err = %.200v, want ErrLimit naming the config", err)
		}
	})
	t.Run("docker manifest.json", func(t *testing.T) {
		ms := writeDocker(t, base)
		for i, m := range ms {
			if m.hdr.Name == "manifest.json" {
				ms[i].body = append(junk(maxManifestSize), m.body...)
			}
		}
		_, err := Open(context.Background(), "docker-archive", packDocker(t, ms), Options{})
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "manifest.json") {
			t.Errorf("err = %.200v, want ErrLimit naming manifest.json", err)
		}
	})
}

// TestDockerArchiveCountsFirst (item 8): a manifest.json listing more
// layers than the config has diff IDs is refused before any layer member is
// looked up.
func TestDockerArchiveCountsFirst(t *testing.T) {
	ms := writeDocker(t, buildImage(t, amd64, layer(t, reg("a", "1"))))
	for i, m := range ms {
		if m.hdr.Name != "manifest.json" {
			continue
		}
		var mf tarball.Manifest
		if err := json.Unmarshal(m.body, &mf); err != nil {
			t.Fatal(err)
		}
		for j := range 3000 {
			mf[0].Layers = append(mf[0].Layers, fmt.Sprintf("missing/%d.tar", j))
		}
		ms[i].body, _ = json.Marshal(mf)
	}
	_, err := Open(context.Background(), "docker-archive", packDocker(t, ms), Options{})
	if err == nil || !strings.Contains(err.Error(), "1 diff IDs for 3001 layers") {
		t.Fatalf("err = %v, want the count mismatch", err)
	}
}

// TestCancelInsideLayer: cancelling stops the pass inside a layer, not only
// between layers.
func TestCancelInsideLayer(t *testing.T) {
	var es []entry
	for i := range 5000 {
		es = append(es, reg(fmt.Sprintf("f%05d", i), "x"))
	}
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, layer(t, es...)), "x")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := 0
	want := func(string, fs.FileMode) bool {
		if seen++; seen == 10 {
			cancel()
		}
		return false
	}
	_, err := Open(ctx, "oci", dir, Options{Want: want})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if seen > 1000 {
		t.Errorf("%d entries applied after cancelling at the 10th", seen)
	}
}

// TestDeepDirectories (item 7): a file under 20,000 directories (a PAX
// name) opens and walks; BenchmarkDeepDirectories measures the cost.
// TestDeepDirectories: a file 2,000 directories down (a 4,016-byte path)
// is read; one whose path is over PATH_MAX is left out and reported,
// which bounds the path bytes a walk builds to PATH_MAX a node.
func TestDeepDirectories(t *testing.T) {
	for _, tc := range []struct {
		depth int
		found bool
	}{{2000, true}, {2100, false}, {20000, false}} {
		im := openDeep(t, tc.depth)
		found := false
		fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			if d.Name() == "requirements.txt" {
				found = true
				if got, err := fs.ReadFile(im.FS(), p); err != nil || string(got) != "jinja2==2.4.0\n" {
					t.Errorf("ReadFile = %q, %v", got, err)
				}
			}
			return nil
		})
		if found != tc.found {
			t.Errorf("depth %d: found %v, want %v", tc.depth, found, tc.found)
		}
		want := []string(nil)
		if !tc.found {
			want = []string{`layer 0: 1 entries with paths over 4096 bytes (Linux's PATH_MAX: no program in the container opens them by name) not inventoried, such as d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/…`}
		}
		if !slices.Equal(im.Warnings, want) {
			t.Errorf("depth %d: warnings %q, want %q", tc.depth, im.Warnings, want)
		}
		im.Close()
	}
}

func deepLayout(t testing.TB, depth int) string {
	name := strings.Repeat("d/", depth) + "requirements.txt"
	dir := t.TempDir()
	writeLayout(t, dir, buildImage(t, amd64, layer(t, reg(name, "jinja2==2.4.0\n"))), "x")
	return dir
}

func openDeep(t testing.TB, depth int) *Image {
	im, err := Open(context.Background(), "oci", deepLayout(t, depth), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// BenchmarkDeepDirectories: open an image with one file under depth
// directories, then walk it as extract.Run does (fs.WalkDir, reading the
// regular files). Linear: each step of the walk costs a lookup linear in
// the length of the path it asks for (fs.WalkDir joins that path itself).
func BenchmarkDeepDirectories(b *testing.B) {
	for _, depth := range []int{1000, 2000, 4000, 20000} {
		dir := deepLayout(b, depth)
		b.Run(fmt.Sprintf("open/%d", depth), func(b *testing.B) {
			for range b.N {
				im, err := Open(context.Background(), "oci", dir, Options{})
				if err != nil {
					b.Fatal(err)
				}
				im.Close()
			}
		})
		// What the image's file system costs in such a walk, without
		// fs.WalkDir's own path.Join of every path (which is quadratic in
		// the depth, being the sum of the paths' lengths): ReadDir of each
		// directory, top down, by paths that share one string.
		b.Run(fmt.Sprintf("readdir/%d", depth), func(b *testing.B) {
			im, err := Open(context.Background(), "oci", dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer im.Close()
			full := strings.Repeat("d/", depth)
			b.ResetTimer()
			for range b.N {
				for k := 1; k < len(full); k += 2 {
					if _, err := im.FS().ReadDir(full[:k]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("walk/%d", depth), func(b *testing.B) {
			im, err := Open(context.Background(), "oci", dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer im.Close()
			b.ResetTimer()
			for range b.N {
				n := 0
				fs.WalkDir(im.FS(), ".", func(p string, d fs.DirEntry, err error) error {
					if err == nil && d.Type().IsRegular() {
						fs.ReadFile(im.FS(), p)
					}
					n++
					return err
				})
				if n != depth+2 {
					b.Fatalf("walked %d entries", n)
				}
			}
		})
	}
}

// dockerManyLayers writes a docker save tarball with n (identical, tiny)
// layer members.
func dockerManyLayers(t testing.TB, n int) string {
	lt := tarBytes(t, reg("a.txt", "a"))
	diff := "sha256:" + sha256Hex(lt)
	cfg := map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": repeat(diff, n)}}
	rawCfg, _ := json.Marshal(cfg)
	cfgName := sha256Hex(rawCfg) + ".json"
	var layers []string
	for i := range n {
		layers = append(layers, fmt.Sprintf("l%05d/layer.tar", i))
	}
	mf, _ := json.Marshal([]tarball.Descriptor{{Config: cfgName, RepoTags: []string{"example.local/many:1"}, Layers: layers}})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, body []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write(body)
	}
	add(cfgName, rawCfg)
	for _, l := range layers {
		add(l, lt)
	}
	add("manifest.json", mf)
	tw.Close()
	file := filepath.Join(t.TempDir(), "many.tar")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// BenchmarkDockerArchiveLayers (item 8): a docker save tarball with n
// layer members.
func BenchmarkDockerArchiveLayers(b *testing.B) {
	for _, n := range []int{500, 1000, 2000, 4000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			file := dockerManyLayers(b, n)
			b.ResetTimer()
			for range b.N {
				im, err := Open(context.Background(), "docker-archive", file, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if len(im.Layers) != n {
					b.Fatalf("%d layers", len(im.Layers))
				}
				im.Close()
			}
		})
	}
}

func pushToTestRegistry(t *testing.T, img v1.Image) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref := strings.TrimPrefix(srv.URL, "http://") + "/team/app:1.0"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestTreeLimits: the nodes of the tree and the summed length of their
// paths are bounded, directories an entry's path implies included.
func TestTreeLimits(t *testing.T) {
	// 100 directories with paths of 1, 3, ... 199 bytes, and a file's of 216
	dir := deepLayout(t, 100)
	const pathBytes = 100*100 + 216
	for name, opts := range map[string]Options{
		"nodes":      {MaxNodes: 100},
		"path bytes": {MaxPathBytes: pathBytes - 1},
	} {
		if _, err := Open(context.Background(), "oci", dir, opts); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: err = %v, want ErrLimit", name, err)
		}
	}
	im, err := Open(context.Background(), "oci", dir, Options{MaxNodes: 101, MaxPathBytes: pathBytes})
	if err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	im.Close()
}

// TestLookupFromLastPath: lookups that start from the last path resolved
// find what lookups from the root find, in any order of paths.
func TestLookupFromLastPath(t *testing.T) {
	im, err := openLayers(t, wantNames["claim none"], []entry{
		dir("a/"), dir("a/b/"), dir("a/b/c/"), reg("a/b/c/f", "f"), reg("a/b/g", "g"), dir("a/bb/"), reg("a/bb/h", "h"),
		symlink("a/b/up", ".."), symlink("a/b/abs", "/a/bb"), symlink("a/l", "b/c"), symlink("a/b/c/loop", "loop"),
		dir("ab/"), reg("ab/x", "x"), reg("a/b/c/ff", "ff"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	paths := []string{".", "a", "a/b", "a/b/c", "a/b/c/f", "a/b/c/ff", "a/b/g", "a/bb", "a/bb/h", "ab", "ab/x",
		"a/b/up", "a/b/up/bb/h", "a/b/abs/h", "a/l", "a/l/f", "a/l/ff", "a/b/c/loop", "a/b/c/missing", "a/b/g/x", "a/bx", "b", "a/b/c/f/x"}
	fresh := &FS{img: im, root: im.FS().root} // never frozen: every lookup from the root
	r := rand.New(rand.NewSource(1))
	for range 2000 {
		p := paths[r.Intn(len(paths))]
		follow := r.Intn(2) == 0
		got, gerr := im.FS().lookup(p, follow)
		want, werr := fresh.lookup(p, follow)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Fatalf("lookup(%q, %v) = %v, %v; from the root %v, %v", p, follow, got, gerr, want, werr)
		}
	}
}
