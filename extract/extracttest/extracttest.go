// Package extracttest runs one extractor over a fixture the way extract.Run
// would, and renders the result for golden files. Used by extractor tests.
package extracttest

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Extract runs ex on path within fsys (which must be claimed) and returns
// the normalised result.
func Extract(t testing.TB, ex extract.Extractor, fsys fs.FS, path string) (*inventory.Inventory, error) {
	t.Helper()
	info, err := fs.Stat(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	if !ex.Claims(path, info.Mode()) {
		t.Fatalf("%s does not claim %s", ex.Name(), path)
	}
	var distro *inventory.Distro
	if data, err := fs.ReadFile(fsys, "etc/os-release"); err == nil {
		distro = inventory.ParseOSRelease(data)
	}
	in := &extract.Input{FS: fsys, Path: path, Info: info, Distro: distro, MaxSize: extract.DefaultMaxFileSize}
	pkgs, rels, err := ex.Extract(context.Background(), in)
	if err != nil {
		return nil, err
	}
	for i := range pkgs {
		if len(pkgs[i].Locations) == 0 {
			pkgs[i].Locations = []string{path}
		}
	}
	inv := &inventory.Inventory{Distro: distro, Packages: pkgs, Relationships: rels}
	inv.Normalize()
	return inv, nil
}

// Golden extracts testdata/<dir>/<file> and compares the result, as indented
// JSON, with testdata/<dir>/<file>.golden.json (or rewrites it with -update).
func Golden(t *testing.T, ex extract.Extractor, dir, file string) *inventory.Inventory {
	t.Helper()
	root := filepath.Join("testdata", dir)
	inv, err := Extract(t, ex, os.DirFS(root), file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	got, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(root, file+".golden.json"), append(got, '\n'))
	return inv
}

// Fuzz runs ex over data as the file path and checks the invariants every
// extractor keeps on any input: no panic, and every package it returns has a
// name and a purl.
func Fuzz(t *testing.T, ex extract.Extractor, path string, data []byte) {
	fsys := mapFS{path: data}
	info, _ := fs.Stat(fsys, path)
	in := &extract.Input{FS: fsys, Path: path, Info: info, MaxSize: 1 << 20}
	pkgs, _, err := ex.Extract(context.Background(), in)
	if err != nil {
		return
	}
	for _, p := range pkgs {
		if p.Name == "" || p.PURL == "" {
			t.Fatalf("package without name or purl: %+v", p)
		}
	}
}
