package source

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const cdx = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"ms","version":"2.1.3","purl":"pkg:npm/ms@2.1.3"}]}`

// TestOpenKinds: each spelling of a target opens as the kind it names.
func TestOpenKinds(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must(t, os.MkdirAll("proj", 0o755))
	must(t, os.WriteFile("proj/go.mod", []byte("module m\n"), 0o644))
	must(t, os.WriteFile("bom.json", []byte(cdx), 0o644))
	for _, tc := range []struct {
		target, kind, name string
		only               []string
		root               string
	}{
		{"proj", KindDirectory, "proj", nil, "proj"},
		{"dir:proj", KindDirectory, "dir:proj", nil, "proj"},
		{"proj/go.mod", KindFile, "proj/go.mod", []string{"go.mod"}, "proj"},
		{"file:proj/go.mod", KindFile, "file:proj/go.mod", []string{"go.mod"}, "proj"},
		{"bom.json", KindSBOM, "bom.json", nil, ""},
		{"sbom:bom.json", KindSBOM, "sbom:bom.json", nil, ""},
		{"file:bom.json", KindFile, "file:bom.json", []string{"bom.json"}, "."},
		{"-", KindSBOM, "stdin", nil, ""},
		{"sbom:-", KindSBOM, "stdin", nil, ""},
	} {
		t.Run(tc.target, func(t *testing.T) {
			src, err := Open(context.Background(), tc.target, Options{Stdin: strings.NewReader(cdx)})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			tg := src.Target()
			if tg.Kind != tc.kind || tg.Name != tc.name || src.Root() != tc.root || strings.Join(src.Only(), ",") != strings.Join(tc.only, ",") {
				t.Errorf("got kind %q name %q root %q only %v, want %q %q %q %v", tg.Kind, tg.Name, src.Root(), src.Only(), tc.kind, tc.name, tc.root, tc.only)
			}
			inv, err := src.Decoded(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if (tc.kind == KindSBOM) != (inv != nil) || (inv == nil) != (src.FS() != nil) {
				t.Errorf("decoded %v with FS %v for kind %s", inv, src.FS(), tc.kind)
			}
			if inv != nil && (len(inv.Packages) != 1 || inv.Packages[0].PURL != "pkg:npm/ms@2.1.3") {
				t.Errorf("decoded %+v", inv.Packages)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must(t, os.WriteFile("go.mod", []byte("module m\n"), 0o644))
	for target, want := range map[string]string{
		"dir:go.mod":   "not a directory",
		"./missing":    "no such file or directory",
		"missing.json": "no such file or directory",
		// A bare reference to a registry that is not there names both
		// readings, not only the missing path.
		"127.0.0.1:1/app:1.0": "no local file or directory of that name, and as an image reference",
	} {
		src, err := Open(context.Background(), target, Options{})
		if err == nil {
			src.Close()
			t.Errorf("%s: no error", target)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", target, err, want)
		}
	}
}

func TestIsReference(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must(t, os.MkdirAll("services", 0o755))
	for target, want := range map[string]bool{
		"alpine:3.20":                         true,
		"alpine":                              false, // a missing file named so; alpine:latest pulls
		"ghcr.io/org/app@sha256:" + hex64():   true,
		"localhost:5000/repo:tag":             true,
		"./alpine:3.20":                       false,
		"../x":                                false,
		"/abs/path":                           false,
		"services/api":                        false, // services exists here: a mistyped path
		"Upper/Case":                          false, // not a valid repository
		"docker.io/library/alpine:3.20":       true,
		"alpine:3.20 ; rm -rf /":              false,
		filepath.Join("services", "api.json"): false,
	} {
		if got := isReference(target); got != want {
			t.Errorf("isReference(%q) = %v, want %v", target, got, want)
		}
	}
}

// TestOpenRegistry: a bare reference is pulled from the registry it names
// (one served here), and the source knows each path's layer.
func TestOpenRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/app:1.0"
	r, err := name.ParseReference(ref)
	must(t, err)
	img, err := random.Image(64, 2)
	must(t, err)
	must(t, remote.Write(r, img))
	t.Chdir(t.TempDir())
	src, err := Open(context.Background(), ref, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tg := src.Target()
	if tg.Kind != KindImage || tg.Name != ref || !strings.HasPrefix(tg.Digest, "sha256:") {
		t.Errorf("target %+v", tg)
	}
	var props bytes.Buffer
	for _, p := range tg.Properties {
		props.WriteString(p.Name + "=" + p.Value + "\n")
	}
	if !strings.Contains(props.String(), "hallmark:image:source=registry\n") || !strings.Contains(props.String(), "hallmark:image:layer=1 sha256:") {
		t.Errorf("properties:\n%s", props.String())
	}
	if d, n := src.LayerOf("no/such/file"); d != "" || n != -1 {
		t.Errorf("LayerOf a missing path = %q, %d", d, n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hex64() string { return strings.Repeat("ab", 32) }
