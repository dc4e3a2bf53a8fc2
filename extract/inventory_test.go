package extract_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// treeSource is an extract.Source over a map, with the layers of an image
// when layers is set. source.Source is tested against real targets in
// package source; this tests what Inventory does with what a source says.
type treeSource struct {
	fsys     fs.FS
	target   inventory.Target
	layers   map[string]int // path → layer position
	warnings []string
	decoded  *inventory.Inventory
}

func (s *treeSource) FS() fs.FS                { return s.fsys }
func (s *treeSource) Only() []string           { return nil }
func (s *treeSource) Target() inventory.Target { return s.target }
func (s *treeSource) Warnings() []string       { return s.warnings }
func (s *treeSource) LayerOf(p string) (string, int) {
	if n, ok := s.layers[p]; ok {
		return []string{"sha256:l0", "sha256:l1"}[n], n
	}
	return "", -1
}
func (s *treeSource) Decoded(context.Context) (*inventory.Inventory, error) { return s.decoded, nil }

func TestInventoryLayers(t *testing.T) {
	src := &treeSource{
		fsys: fstest.MapFS{
			"a/pkgs.txt": {Data: []byte("shared\nonly-a\n")},
			"b/pkgs.txt": {Data: []byte("shared\n")},
		},
		target:   inventory.Target{Name: "img", Kind: "image"},
		layers:   map[string]int{"a/pkgs.txt": 1, "b/pkgs.txt": 0},
		warnings: []string{"etc/../x: climbs out of the root"},
	}
	inv, err := extract.Inventory(context.Background(), src, extract.Options{Extractors: []extract.Extractor{lineList{}}})
	if err != nil {
		t.Fatal(err)
	}
	shared := inv.Package("pkg:npm/shared@1.0.0")
	if shared == nil {
		t.Fatalf("no shared package in %+v", inv.Packages)
	}
	want := []inventory.Location{{Path: "a/pkgs.txt", Layer: "sha256:l1"}, {Path: "b/pkgs.txt", Layer: "sha256:l0"}}
	if !slices.Equal(shared.Locations, want) || shared.Layer != "sha256:l0" {
		t.Errorf("shared: locations %v layer %q, want %v and the lowest layer sha256:l0", shared.Locations, shared.Layer, want)
	}
	if p := inv.Package("pkg:npm/only-a@1.0.0"); p == nil || p.Layer != "sha256:l1" {
		t.Errorf("only-a: %+v, want layer sha256:l1", p)
	}
	if inv.Target.Name != "img" || inv.Target.Kind != "image" {
		t.Errorf("target %+v, want %+v", inv.Target, src.target)
	}
	if want := []inventory.Skipped{{Path: "img", Reason: "etc/../x: climbs out of the root"}}; !slices.Equal(inv.Skipped, want) {
		t.Errorf("skipped %v, want the source's warnings %v", inv.Skipped, want)
	}
}

// TestInventoryDecoded: a source that is an inventory already (an SBOM)
// is returned as it is, described as the source describes it, and never
// walked.
func TestInventoryDecoded(t *testing.T) {
	dec := &inventory.Inventory{Target: inventory.Target{Name: "from-the-sbom"}, Packages: []inventory.Package{{Name: "x", PURL: "pkg:npm/x@1"}}}
	src := &treeSource{target: inventory.Target{Name: "bom.json", Kind: "sbom"}, decoded: dec}
	inv, err := extract.Inventory(context.Background(), src, extract.Options{Extractors: []extract.Extractor{lineList{}}})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Target.Name != "bom.json" || inv.Target.Kind != "sbom" || len(inv.Packages) != 1 {
		t.Errorf("got %+v", inv)
	}
}

// denyFS refuses to open one file, as a file without read permission
// does (the tests run as root here, where chmod cannot make one).
type denyFS struct {
	fstest.MapFS
	deny string
}

func (d denyFS) Open(name string) (fs.File, error) {
	if name == d.deny {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.MapFS.Open(name)
}

// TestInventoryNothingRead: a target none of whose claimed files could be
// read is an error, not an empty inventory; one whose file was read and
// found wanting is an inventory that lists it as skipped.
func TestInventoryNothingRead(t *testing.T) {
	opts := extract.Options{Extractors: []extract.Extractor{lineList{}}}
	unreadable := &treeSource{fsys: denyFS{fstest.MapFS{"pkgs.txt": {Data: []byte("a\n")}}, "pkgs.txt"}, target: inventory.Target{Name: "t", Kind: "directory"}}
	_, err := extract.Inventory(context.Background(), unreadable, opts)
	if !errors.Is(err, extract.ErrNothingRead) {
		t.Errorf("unreadable target: err %v, want ErrNothingRead", err)
	}
	// One unreadable file beside one that was read: an inventory.
	partly := &treeSource{fsys: denyFS{fstest.MapFS{"pkgs.txt": {Data: []byte("a\n")}, "b/pkgs.txt": {Data: []byte("b\n")}}, "pkgs.txt"}, target: inventory.Target{Name: "t", Kind: "directory"}}
	inv, err := extract.Inventory(context.Background(), partly, opts)
	if err != nil || len(inv.Packages) != 1 || len(inv.Skipped) != 1 {
		t.Errorf("partly readable target: %+v, %v; want b and one skipped", inv, err)
	}
	// Nothing claimed at all: an empty inventory, not an error.
	empty := &treeSource{fsys: fstest.MapFS{"README": {Data: []byte("hi")}}, target: inventory.Target{Name: "t", Kind: "directory"}}
	if inv, err := extract.Inventory(context.Background(), empty, opts); err != nil || len(inv.Packages) != 0 {
		t.Errorf("empty target: %+v, %v", inv, err)
	}
}
