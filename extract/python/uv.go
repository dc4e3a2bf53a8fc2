package python

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// UV extracts uv.lock (https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile).
type UV struct{}

// Name implements extract.Extractor.
func (UV) Name() string { return "python/uv-lock" }

// Claims implements extract.Extractor.
// LockedBy implements extract.Manifests: a pyproject.toml with none of
// the lockfiles hallmark reads (nor a requirements.txt) beside it or above
// it has no resolved versions.
func (UV) LockedBy(p string) ([]string, string, bool) {
	if path.Base(p) != "pyproject.toml" {
		return nil, "", false
	}
	return []string{"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "requirements.txt"}, "uv lock", true
}

func (UV) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "uv.lock" }

type uvDep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
	Marker  string `toml:"marker"`
}

type uvArtifact struct {
	URL  string `toml:"url"`
	Hash string `toml:"hash"`
}

type uvLock struct {
	Package []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		// Source has one key naming its kind: registry, git, url, path,
		// directory, editable or virtual.
		Source               map[string]any     `toml:"source"`
		Dependencies         []uvDep            `toml:"dependencies"`
		OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
		DevDependencies      map[string][]uvDep `toml:"dev-dependencies"`
		Sdist                *uvArtifact        `toml:"sdist"`
		Wheels               []uvArtifact       `toml:"wheels"`
	} `toml:"package"`
}

// Extract implements extract.Extractor.
func (UV) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	var lock uvLock
	lines, err := readLock(in.FS, in.Path, in.MaxSize, &lock, func() int { return len(lock.Package) })
	if err != nil {
		return nil, nil, err
	}
	var res lockResult
	var roots []int
	for i, lp := range lock.Package {
		if lp.Name == "" {
			return nil, nil, fmt.Errorf("%s: package[%d]: want a name", in.Path, i)
		}
		// Virtual workspace roots may have no version; registry packages must.
		p := newPackage(lp.Name, lp.Version)
		p.Locations = locatedAt(in.Path, lines, i)
		kind := ""
		for k := range lp.Source {
			kind = k
		}
		switch kind {
		case "editable", "virtual":
			// The project (or a workspace member) itself.
			p.Type = "application"
			roots = append(roots, i)
		case "registry", "":
			if lp.Version == "" {
				return nil, nil, fmt.Errorf("%s: package %q: want a version", in.Path, lp.Name)
			}
		default:
			if s, ok := lp.Source[kind].(string); ok {
				p.SetProperty(propSource, kind+"+"+s)
			}
		}
		arts := lp.Wheels
		if lp.Sdist != nil {
			arts = append([]uvArtifact{*lp.Sdist}, arts...)
		}
		for j, a := range arts {
			if a.Hash == "" {
				continue
			}
			h, err := parseHash(a.Hash)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: package %q: artifact %d: %w", in.Path, lp.Name, j, err)
			}
			p.Hashes = append(p.Hashes, h)
		}
		res.add(p)
	}
	// resolve finds the locked package a dependency names; uv adds version
	// (and source) only when several versions of a name are locked.
	resolve := func(d uvDep) []int {
		idx := res.byName[inventory.NormalizePyPIName(d.Name)]
		if d.Version == "" {
			return idx
		}
		return slices.DeleteFunc(slices.Clone(idx), func(i int) bool { return res.pkgs[i].Version != d.Version })
	}
	prod, dev := map[int]bool{}, map[int]bool{}
	var walk func(i int, seen map[int]bool)
	walk = func(i int, seen map[int]bool) {
		if seen[i] {
			return
		}
		seen[i] = true
		lp := lock.Package[i]
		for _, d := range runtimeDeps(lp.Dependencies, lp.OptionalDependencies) {
			for _, j := range resolve(d) {
				walk(j, seen)
			}
		}
	}
	for i, lp := range lock.Package {
		for _, d := range runtimeDeps(lp.Dependencies, lp.OptionalDependencies) {
			for _, j := range resolve(d) {
				res.rels = append(res.rels, inventory.Relationship{From: res.pkgs[i].PURL, To: res.pkgs[j].PURL, Type: inventory.DependsOn})
			}
		}
		for _, g := range sortedKeys(lp.DevDependencies) {
			for _, d := range lp.DevDependencies[g] {
				for _, j := range resolve(d) {
					res.rels = append(res.rels, inventory.Relationship{From: res.pkgs[i].PURL, To: res.pkgs[j].PURL, Type: inventory.DevDependsOn})
				}
			}
		}
	}
	for _, r := range roots {
		walk(r, prod)
		lp := lock.Package[r]
		for _, d := range runtimeDeps(lp.Dependencies, lp.OptionalDependencies) {
			for _, j := range resolve(d) {
				res.pkgs[j].Direct = true
			}
		}
		for _, deps := range lp.DevDependencies {
			for _, d := range deps {
				for _, j := range resolve(d) {
					res.pkgs[j].Direct = true
					walk(j, dev)
				}
			}
		}
	}
	for i := range res.pkgs {
		res.pkgs[i].Dev = dev[i] && !prod[i]
	}
	return res.pkgs, res.rels, nil
}

// runtimeDeps are a package's dependencies and those of its extras, in a
// fixed order.
func runtimeDeps(deps []uvDep, optional map[string][]uvDep) []uvDep {
	out := slices.Clone(deps)
	for _, k := range sortedKeys(optional) {
		out = append(out, optional[k]...)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
