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

// PDM extracts pdm.lock (https://pdm-project.org/latest/usage/lockfile/).
type PDM struct{}

// Name implements extract.Extractor.
func (PDM) Name() string { return "python/pdm-lock" }

// Claims implements extract.Extractor.
func (PDM) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "pdm.lock" }

type pdmFile struct {
	URL  string `toml:"url"`
	File string `toml:"file"`
	Hash string `toml:"hash"`
}

// Companion: pyproject.toml says which packages are direct and dev.
func (PDM) Companion(p string) bool { return path.Base(p) == "pyproject.toml" }

type pdmLock struct {
	Package []struct {
		Name         string    `toml:"name"`
		Version      string    `toml:"version"`
		Groups       []string  `toml:"groups"`
		Dependencies []string  `toml:"dependencies"`
		Files        []pdmFile `toml:"files"`
		Git          string    `toml:"git"`
		Revision     string    `toml:"revision"`
		URL          string    `toml:"url"`
		Path         string    `toml:"path"`
	} `toml:"package"`
	Metadata struct {
		// Lock versions before 4.4 keep files here, keyed "name version".
		Files map[string][]pdmFile `toml:"files"`
	} `toml:"metadata"`
}

// Extract implements extract.Extractor.
func (PDM) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	var lock pdmLock
	lines, err := readLock(in.FS, in.Path, in.MaxSize, &lock, func() int { return len(lock.Package) })
	if err != nil {
		return nil, nil, err
	}
	man, err := readPyproject(in.FS, in.Path, in.MaxSize)
	if err != nil {
		return nil, nil, err
	}
	oldFiles := map[string][]pdmFile{}
	for k, v := range lock.Metadata.Files {
		name, version, _ := strings.Cut(k, " ")
		oldFiles[inventory.NormalizePyPIName(name)+" "+version] = v
	}
	var res lockResult
	g := graph{}
	depNames := make([][]string, len(lock.Package))
	anyGroups := false
	for i, lp := range lock.Package {
		if lp.Name == "" || lp.Version == "" {
			return nil, nil, fmt.Errorf("%s: package[%d]: want name and version", in.Path, i)
		}
		p := newPackage(lp.Name, lp.Version)
		p.Locations = locatedAt(in.Path, lines, i)
		files := lp.Files
		if len(files) == 0 {
			files = oldFiles[p.Name+" "+lp.Version]
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
		if lp.Git != "" {
			src := "git+" + lp.Git
			if lp.Revision != "" {
				src += "@" + lp.Revision
			}
			p.SetProperty(propSource, src)
		} else if s := cmpOr(lp.URL, lp.Path); s != "" {
			p.SetProperty(propSource, s)
		}
		if len(lp.Groups) > 0 {
			anyGroups = true
			p.Dev = pdmDev(lp.Groups, man)
		}
		for j, d := range lp.Dependencies {
			if strings.HasPrefix(d, "-e ") {
				continue // an editable local path, named nowhere else
			}
			r, err := parseRequirement(d)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: package %q: dependencies[%d]: %w", in.Path, lp.Name, j, err)
			}
			n := inventory.NormalizePyPIName(r.Name)
			depNames[i] = append(depNames[i], n)
			if n != p.Name { // an extras entry depends on its base package
				g[p.Name] = append(g[p.Name], n)
			}
		}
		res.add(p)
	}
	for i := range lock.Package {
		for _, n := range depNames[i] {
			res.link(i, n, inventory.DependsOn)
		}
	}
	res.applyManifest(man, g, !anyGroups)
	return res.pkgs, res.rels, nil
}

// pdmDev reports whether a package locked for groups is needed only for
// development. "default" is the run-time group; optional-dependency groups
// (extras) are run-time too. Without pyproject.toml the two kinds of
// non-default group cannot be told apart, and both count as development.
func pdmDev(groups []string, m *manifest) bool {
	if slices.Contains(groups, "default") {
		return false
	}
	if m == nil {
		return true
	}
	for _, g := range groups {
		if !m.devGroups[g] {
			return false
		}
	}
	return true
}
