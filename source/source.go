// Package source turns a target the user names into one Source: the tree
// the extractors walk (an fs.FS), what the target is (inventory.Target),
// the image layer each path came from, and, for an SBOM, the inventory it
// already is. It sits first in DESIGN.md §2's flow: source.Open, then
// extract.Inventory.
//
// Open recognises every kind of target once:
//
//	dir:PATH, a directory            walked with rootfs (no symlink leads out)
//	file:PATH, a regular file        a lockfile, manifest or binary
//	sbom:PATH, an SBOM file, "-"     CycloneDX or SPDX, detected by content
//	oci:DIR[:TAG], oci-archive:TAR,  container images (source/image)
//	docker-archive:TAR, registry:REF
//	a bare reference (alpine:3.20)   a registry image, when no local path
//	                                 of that name exists
//
// Without a prefix a directory holding an OCI layout, a tar holding a
// docker save or an OCI layout, and a file whose first bytes are an SBOM
// are recognised by content. The prefixes are syft's, so its users' habits
// work here.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/source/image"
)

// Kinds of target, as inventory.Target.Kind names them.
const (
	KindDirectory = "directory"
	KindFile      = "file"
	KindSBOM      = "sbom"
	KindImage     = "image"
)

// Prefixes that name a kind explicitly (syft's spelling).
const (
	PrefixDir  = "dir:"
	PrefixFile = "file:"
	PrefixSBOM = "sbom:"
)

// Stdin is the target that reads an SBOM from standard input.
const Stdin = "-"

// Options tune Open.
type Options struct {
	// Want selects the files an image source copies out in its one pass
	// over each layer: extract.Wanted(extractors). Nil copies none ahead
	// (each is read back from its layer when opened).
	Want func(path string, mode fs.FileMode) bool
	// Platform picks an image from a multi-platform index (os/arch[/variant]).
	Platform string
	// MaxFileSize bounds each file an image copies out (0: its default).
	MaxFileSize int64
	// Stdin is read for the target "-" (default os.Stdin).
	Stdin io.Reader
	// TempDir holds an image's spool file (default os.TempDir()).
	TempDir string
	Logger  *slog.Logger
}

// Source is an opened target.
type Source struct {
	fsys     fs.FS
	only     []string
	target   inventory.Target
	layers   []string                 // an image's layer digests, bottom first
	layerOf  func(path string) string // an image's layer of a path
	warnings []string
	decode   func(ctx context.Context) (*inventory.Inventory, error) // an SBOM
	root     string                                                  // the host directory FS is
	close    func() error
}

// Root is the host directory the paths of FS are relative to (a
// directory target, or a file target's parent), "" for images and SBOMs.
// Reports that point into files on disk (SARIF) resolve paths against it.
func (s *Source) Root() string { return s.root }

// FS is the tree to walk; nil for an SBOM, which is an inventory already.
func (s *Source) FS() fs.FS { return s.fsys }

// Only limits the walk to these paths of FS (a single-file target).
func (s *Source) Only() []string { return s.only }

// Target describes the target: the name the user gave, its kind, its
// digest where it has one and, for images, what the image says of itself.
func (s *Source) Target() inventory.Target { return s.target }

// LayerOf returns the digest of the image layer a path came from and the
// layer's position, bottom first; "" and -1 outside images.
func (s *Source) LayerOf(path string) (string, int) {
	if s.layerOf == nil {
		return "", -1
	}
	d := s.layerOf(path)
	for i, l := range s.layers {
		if l == d {
			return d, i
		}
	}
	return "", -1
}

// Warnings lists what opening the target left out (an image's entries
// that climb out of the root, for one).
func (s *Source) Warnings() []string { return s.warnings }

// Decoded returns the inventory an SBOM source holds, decoded as it
// streams by; nil for every other kind, whose inventory is extracted from
// FS.
func (s *Source) Decoded(ctx context.Context) (*inventory.Inventory, error) {
	if s.decode == nil {
		return nil, nil
	}
	return s.decode(ctx)
}

// Close releases what the source holds.
func (s *Source) Close() error {
	if s.close != nil {
		return s.close()
	}
	return nil
}

// ErrNotFound is returned for a target that is no local path and no image
// reference either.
var ErrNotFound = errors.New("no such file, directory or image reference")

// Open recognises target's kind and opens it.
func Open(ctx context.Context, target string, opts Options) (*Source, error) {
	switch {
	case target == Stdin:
		return openStdin(opts)
	case strings.HasPrefix(target, PrefixDir):
		return openDir(target, strings.TrimPrefix(target, PrefixDir))
	case strings.HasPrefix(target, PrefixFile):
		return openFile(target, strings.TrimPrefix(target, PrefixFile), false)
	case strings.HasPrefix(target, PrefixSBOM):
		p := strings.TrimPrefix(target, PrefixSBOM)
		if p == Stdin {
			return openStdin(opts)
		}
		return openSBOM(target, p)
	}
	kind, ref, err := image.Detect(target)
	switch {
	case err == nil:
		return openImage(ctx, target, kind, ref, opts)
	case !errors.Is(err, image.ErrNotImage):
		return nil, err
	}
	info, err := os.Stat(target)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && isReference(target) {
			return openImage(ctx, target, "registry", target, opts)
		}
		return nil, err
	}
	if info.IsDir() {
		return openDir(target, target)
	}
	return openFile(target, target, true)
}

// isReference reports whether a target that is no local path reads as an
// image reference: it parses as one (docker.io and :latest assumed, as
// docker does), has a tag, digest or repository path (a lone word such as
// "missing.json" is a missing file, not docker.io/library/missing.json),
// and does not look like a path someone mistyped (a leading ./, ../, / or
// ~, or a first element that exists here as a directory).
func isReference(target string) bool {
	if !strings.ContainsAny(target, ":/@") {
		return false
	}
	if strings.HasPrefix(target, ".") || strings.HasPrefix(target, "/") || strings.HasPrefix(target, "~") || strings.Contains(target, `\`) {
		return false
	}
	if _, err := name.ParseReference(target); err != nil {
		return false
	}
	if first, _, ok := strings.Cut(target, "/"); ok {
		if st, err := os.Stat(first); err == nil && st.IsDir() {
			return false
		}
	}
	return true
}

func openImage(ctx context.Context, target, kind, ref string, opts Options) (*Source, error) {
	im, err := image.Open(ctx, kind, ref, image.Options{
		Platform: opts.Platform, Want: opts.Want, Logger: opts.Logger, MaxFileSize: opts.MaxFileSize, TempDir: opts.TempDir,
	})
	if err != nil {
		if kind == "registry" && !strings.HasPrefix(target, image.SchemeRegistry) {
			// A bare reference: say both what was looked for and why the
			// registry did not give it.
			return nil, fmt.Errorf("%s: no local file or directory of that name, and as an image reference: %w", target, err)
		}
		return nil, err
	}
	fsys := im.FS()
	return &Source{
		fsys:     fsys,
		target:   imageTarget(target, im),
		layers:   im.Layers,
		layerOf:  fsys.LayerOf,
		warnings: im.Warnings,
		close:    im.Close,
	}, nil
}

// imageTarget describes an image: its manifest digest, and as properties
// how it was read, its ID, platform, tags, layers and the base-image facts
// the OCI annotations name (from the manifest or the config's labels).
func imageTarget(target string, im *image.Image) inventory.Target {
	props := []inventory.Property{
		{Name: "hallmark:image:source", Value: im.Kind},
		{Name: "hallmark:image:id", Value: im.ConfigDigest},
	}
	if im.Platform != "" {
		props = append(props, inventory.Property{Name: "hallmark:image:platform", Value: im.Platform})
	}
	for _, t := range im.Tags {
		props = append(props, inventory.Property{Name: "hallmark:image:tag", Value: t})
	}
	for i, l := range im.Layers {
		props = append(props, inventory.Property{Name: "hallmark:image:layer", Value: fmt.Sprintf("%d %s", i, l)})
	}
	for _, key := range []string{"org.opencontainers.image.base.name", "org.opencontainers.image.base.digest", "org.opencontainers.image.source", "org.opencontainers.image.revision", "org.opencontainers.image.version"} {
		v := im.Annotations[key]
		if v == "" {
			v = im.Labels[key]
		}
		if v != "" {
			props = append(props, inventory.Property{Name: "hallmark:image:" + key, Value: v})
		}
	}
	sortProperties(props)
	return inventory.Target{Name: target, Kind: KindImage, Digest: im.Digest, Properties: props}
}

// abs resolves the path the user named: the target may itself be a
// symlink (theirs to follow); nothing inside it may lead out (rootfs).
func abs(p string) (string, error) {
	a, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(a)
}
