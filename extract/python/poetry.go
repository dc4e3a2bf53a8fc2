package python

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Poetry extracts poetry.lock.
type Poetry struct{}

// Name implements extract.Extractor.
func (Poetry) Name() string { return "python/poetry-lock" }

// Claims implements extract.Extractor.
func (Poetry) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "poetry.lock" }

type poetryFile struct {
	File string `toml:"file"`
	Hash string `toml:"hash"`
}

// Companion: pyproject.toml says which packages are direct and dev.
func (Poetry) Companion(p string) bool { return path.Base(p) == "pyproject.toml" }

type poetryLock struct {
	Package []struct {
		Name     string   `toml:"name"`
		Version  string   `toml:"version"`
		Category string   `toml:"category"`
		Groups   []string `toml:"groups"`
		Files    []poetryFile
		// Values are a constraint string, a table or a list of tables; only
		// the names are needed for the graph.
		Dependencies map[string]any `toml:"dependencies"`
		Source       struct {
			Type      string `toml:"type"`
			URL       string `toml:"url"`
			Reference string `toml:"reference"`
			Resolved  string `toml:"resolved_reference"`
		} `toml:"source"`
	} `toml:"package"`
	Metadata struct {
		Files map[string][]poetryFile `toml:"files"`
	} `toml:"metadata"`
}

// Extract implements extract.Extractor.
func (Poetry) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	var lock poetryLock
	lines, err := readLock(in.FS, in.Path, in.MaxSize, &lock, func() int { return len(lock.Package) })
	if err != nil {
		return nil, nil, err
	}
	man, err := readPyproject(in.FS, in.Path, in.MaxSize)
	if err != nil {
		return nil, nil, err
	}
	// Lock-version 1.1 keeps files in [metadata.files], keyed by the name
	// as written in [[package]].
	oldFiles := map[string][]poetryFile{}
	for k, v := range lock.Metadata.Files {
		n := inventory.NormalizePyPIName(k)
		oldFiles[n] = append(oldFiles[n], v...)
	}
	var res lockResult
	g := graph{}
	devKnown := false
	for i, lp := range lock.Package {
		if lp.Name == "" || lp.Version == "" {
			return nil, nil, fmt.Errorf("%s: package[%d]: want name and version", in.Path, i)
		}
		p := newPackage(lp.Name, lp.Version)
		p.Locations = locatedAt(in.Path, lines, i)
		files := lp.Files
		if len(files) == 0 {
			files = oldFiles[p.Name]
		}
		for j, f := range files {
			if f.Hash == "" {
				continue
			}
			h, err := parseHash(f.Hash)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: package %q: files[%d]: %w", in.Path, lp.Name, j, err)
			}
			p.Hashes = append(p.Hashes, h)
		}
		switch {
		case len(lp.Groups) > 0:
			// Poetry 2 records the groups that need each package.
			devKnown = true
			p.Dev = !slices.Contains(lp.Groups, "main")
		case lp.Category != "":
			// Poetry 1.x: "dev" for packages only dev groups need.
			devKnown = true
			p.Dev = lp.Category == "dev"
		}
		switch lp.Source.Type {
		case "", "legacy":
			// A package index: the purl's default repository or a mirror.
		default:
			src := lp.Source.Type + "+" + lp.Source.URL
			if ref := cmpOr(lp.Source.Resolved, lp.Source.Reference); ref != "" {
				src += "@" + ref
			}
			p.SetProperty(propSource, src)
		}
		res.add(p)
		for d := range lp.Dependencies {
			g[p.Name] = append(g[p.Name], inventory.NormalizePyPIName(d))
		}
	}
	for i, lp := range lock.Package {
		for d := range lp.Dependencies {
			res.link(i, d, inventory.DependsOn)
		}
	}
	res.applyManifest(man, g, !devKnown)
	return res.pkgs, res.rels, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
