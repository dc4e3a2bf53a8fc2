package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/source/image"
)

// imageInventory opens a container image and inventories its squashed
// file system. Every package records the layer that introduced it: the
// lowest layer among the files it was found in (for dpkg, its
// info/<name>.list file, not the status file every apt layer rewrites).
func (a *app) imageInventory(ctx context.Context, kind, ref, target string, opts extract.Options) (*inventory.Inventory, error) {
	exs := registry.Default()
	im, err := image.Open(ctx, kind, ref, image.Options{Platform: a.platform, Want: extract.Wanted(exs), Logger: a.log, MaxFileSize: opts.MaxFileSize})
	if err != nil {
		return nil, err
	}
	defer im.Close()
	opts.Extractors = exs
	opts.Logger = a.log
	// The image's tree is in memory: walking node_modules for the binaries
	// packages ship costs next to nothing there.
	opts.NodeModulesExecutables = true
	inv, err := extract.Run(ctx, im.FS(), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		best := -1
		for j := range p.Locations {
			loc := &p.Locations[j]
			loc.Layer = im.FS().LayerOf(loc.Path)
			if l := slices.Index(im.Layers, loc.Layer); l >= 0 && (best < 0 || l < best) {
				best = l
			}
		}
		if best >= 0 {
			p.Layer = im.Layers[best]
		}
	}
	for _, w := range im.Warnings {
		inv.Skipped = append(inv.Skipped, inventory.Skipped{Path: target, Reason: w})
	}
	inv.Target = inventory.Target{Name: target, Kind: "image", Digest: im.Digest}
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
	// Base-image facts as the OCI annotations name them, from the manifest
	// or the config's labels.
	for _, key := range []string{"org.opencontainers.image.base.name", "org.opencontainers.image.base.digest", "org.opencontainers.image.source", "org.opencontainers.image.revision", "org.opencontainers.image.version"} {
		v := im.Annotations[key]
		if v == "" {
			v = im.Labels[key]
		}
		if v != "" {
			props = append(props, inventory.Property{Name: "hallmark:image:" + key, Value: v})
		}
	}
	sort.SliceStable(props, func(i, j int) bool { return props[i].Name < props[j].Name })
	inv.Target.Properties = props
	inv.Normalize()
	return inv, nil
}
