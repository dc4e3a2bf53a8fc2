package extract

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Source is what Inventory reads: an opened target. source.Source is the
// one hallmark has; the interface is here, at the point of use, so that
// extract imports neither source nor, through it, sbom (DESIGN.md §4.11).
type Source interface {
	// FS is the tree to walk; nil for a source that is an inventory
	// already (see Decoder).
	FS() fs.FS
	// Only limits the walk to these paths of FS (a single-file target).
	Only() []string
	// Target describes what was opened.
	Target() inventory.Target
	// LayerOf returns the digest of the image layer a path came from and
	// the layer's position, bottom first; "" and -1 outside images.
	LayerOf(path string) (digest string, index int)
	// Warnings lists what opening the target left out.
	Warnings() []string
}

// Decoder is implemented by sources that may be an inventory already: an
// SBOM file or stdin, which package source decodes with package sbom.
// Decoded returns nil for a source with a tree to walk. Through it one
// call, Inventory, serves every kind of target while the walker and the
// extractors stay ignorant of SBOM formats.
type Decoder interface {
	Decoded(ctx context.Context) (*inventory.Inventory, error)
}

// ErrNothingRead is returned when a target could not be read at all: no
// file the extractors claimed could be read (permissions, I/O errors,
// directories that could not be listed) and nothing was found. An
// inventory that only lists what was skipped would pass for software
// without dependencies. A file that was read but held something wrong is
// not this: it is skipped with its reason and the rest is inventoried.
var ErrNothingRead = errors.New("nothing in the target could be read")

// Inventory is the one call from an opened source to its inventory: it
// decodes an SBOM source, or walks the source's tree with the extractors
// (opts.Extractors), records each package's locations with the layer each
// file came from and the layer that introduced the package (the lowest of
// its locations'), and describes the target. The CLI and the server call
// this and nothing else.
func Inventory(ctx context.Context, src Source, opts Options) (*inventory.Inventory, error) {
	target := src.Target()
	if d, ok := src.(Decoder); ok {
		inv, err := d.Decoded(ctx)
		if err != nil {
			return nil, err
		}
		if inv != nil {
			inv.Target = target
			inv.Normalize()
			return inv, nil
		}
	}
	fsys := src.FS()
	if fsys == nil {
		return nil, fmt.Errorf("%s: nothing to read", target.Name)
	}
	opts.Only = src.Only()
	if r, ok := src.(interface{ Root() string }); ok && (target.Kind == "directory" || target.Kind == "file") && r.Root() != "" {
		if a, err := filepath.Abs(r.Root()); err == nil && filepath.Dir(a) != a {
			opts.RootName = filepath.Base(a)
		}
	}
	if target.Kind == "image" {
		// An image's tree is in memory: walking node_modules for the
		// binaries packages ship costs next to nothing there.
		opts.NodeModulesExecutables = true
	}
	inv, n, err := run(ctx, fsys, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target.Name, err)
	}
	if n.read == 0 && n.unreadable > 0 && n.unreadable == len(inv.Skipped) && len(inv.Packages) == 0 {
		return nil, fmt.Errorf("%s: %w (%s: %s)", target.Name, ErrNothingRead, inv.Skipped[0].Path, inv.Skipped[0].Reason)
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		best := -1
		for j := range p.Locations {
			l := &p.Locations[j]
			d, n := src.LayerOf(l.Path)
			if n < 0 {
				continue
			}
			l.Layer = d
			if best < 0 || n < best {
				best, p.Layer = n, d
			}
		}
	}
	for _, w := range src.Warnings() {
		inv.Skipped = append(inv.Skipped, inventory.Skipped{Path: target.Name, Reason: w})
	}
	inv.Target = target
	inv.Normalize()
	return inv, nil
}
