// Package extracttest runs one extractor over a fixture the way extract.Run
// would, and renders the result for golden files; or over a file a test
// writes inline, returning what the extractor returns. Used by extractor
// tests.
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
			pkgs[i].Locations = []inventory.Location{{Path: path}}
		}
	}
	inv := &inventory.Inventory{Distro: distro, Packages: pkgs, Relationships: rels}
	for _, reason := range in.Skipped() {
		inv.Skipped = append(inv.Skipped, inventory.Skipped{Path: path, Reason: reason})
	}
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

// Run hands path within fsys to ex as extract.Run would, with distro and a
// 1 MiB size limit, but without the Claims check and without normalising,
// so that tests see what the extractor itself returns, errors included.
// path must exist.
func Run(t testing.TB, ex extract.Extractor, fsys fs.FS, path string, distro *inventory.Distro) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	info, err := fs.Stat(fsys, path)
	if err != nil {
		t.Fatal(err)
	}
	return ex.Extract(context.Background(), &extract.Input{FS: fsys, Path: path, Info: info, Distro: distro, MaxSize: 1 << 20})
}

// RunFile is Run on a file system holding only data at path.
func RunFile(t testing.TB, ex extract.Extractor, path string, data []byte) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	return Run(t, ex, mapFS{path: data}, path, nil)
}

// Fuzz runs ex over data as the file path and checks the invariants every
// extractor keeps on any input: no panic, and every package it returns has a
// name and a purl.
func Fuzz(t *testing.T, ex extract.Extractor, path string, data []byte) {
	pkgs, _, err := RunFile(t, ex, path, data)
	if err != nil {
		return
	}
	for _, p := range pkgs {
		if p.Name == "" || p.PURL == "" {
			t.Fatalf("package without name or purl: %+v", p)
		}
	}
}
