// Package python inventories Python dependencies from the files projects
// commit (pip requirements files, poetry.lock, Pipfile.lock, uv.lock and
// pdm.lock) and from installed distributions. It sits in the extract stage: each extractor claims its files by
// name and turns them into PyPI packages (names normalised per PEP 503,
// https://peps.python.org/pep-0503/) with hashes, relationships and the
// development flag.
//
// Formats and the subset covered:
//
//   - requirements files, per pip's "Requirements File Format"
//     (https://pip.pypa.io/en/stable/reference/requirements-file-format/)
//     with PEP 508 requirement lines (https://peps.python.org/pep-0508/):
//     pinned "==" and "===" lines become versions; other specifiers, bare
//     names, direct URLs, VCS links and -e editables are kept unpinned with
//     the specifier in Constraint (never guessed). --hash options, extras,
//     markers, line continuations and comments follow pip. -r/--requirement
//     includes are read from the same source (depth-limited, with cycle
//     detection); -c constraints files are not requirements and are not
//     read; remote (URL) includes are not fetched; ${VAR} references are not
//     expanded. Bare URLs and paths are named from "#egg=" or a wheel file
//     name and skipped when neither names them.
//   - poetry.lock (lock-version 1.1 with [metadata.files] and "category",
//     2.0 with inline files, 2.1 with "groups"); pyproject.toml beside it
//     ([tool.poetry.*dependencies], [tool.poetry.group.*], [project]) gives
//     the project, direct dependencies and, by reachability, the dev flag
//     when the lock does not record it.
//   - Pipfile.lock (pipfile-spec 6): "default" and "develop" sections;
//     Pipfile beside it gives direct dependencies.
//   - uv.lock (version 1): packages, sources (editable and virtual sources
//     are the project itself), dependencies, optional and dev dependencies,
//     sdist and wheel hashes.
//   - pdm.lock (lock_version 4.x): packages, groups, PEP 508 dependency
//     strings, inline files or [metadata.files]; pyproject.toml beside it
//     tells dev groups from optional-dependency groups.
//   - installed distributions (Installed): NAME.dist-info/METADATA
//     (https://packaging.python.org/en/latest/specifications/recording-installed-packages/),
//     NAME.egg-info/PKG-INFO and single-file NAME.egg-info, wherever they
//     are (site-packages, Debian's dist-packages, vendored trees). The
//     core metadata headers
//     (https://packaging.python.org/en/latest/specifications/core-metadata/)
//     give Name, Version, the license (License-Expression, else a short
//     License, else license classifiers that name one SPDX license) and
//     Requires-Dist; an egg's requires.txt stands in for Requires-Dist.
//     Requirements tied to an extra are left out; the others become
//     relationships to the distributions installed in the same directory.
//     INSTALLER gives hallmark:python:installer. RECORD, direct_url.json
//     and .egg directories (EGG-INFO) are not read.
//
// Nothing is resolved against an index: what the files say is what is
// reported.
package python

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/tomlpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	propExtras   = "hallmark:python:extras"
	propMarker   = "hallmark:python:marker"
	propEditable = "hallmark:python:editable"
	propSource   = "hallmark:python:source"
)

// newPackage builds a PyPI package with its normalised name and purl.
func newPackage(name, version string) inventory.Package {
	n := inventory.NormalizePyPIName(name)
	return inventory.Package{
		Name:      n,
		Version:   version,
		Ecosystem: inventory.PyPI,
		PURL:      inventory.PURL(inventory.PyPI, n, version, nil),
	}
}

// hashAlgorithms maps the algorithm prefixes lockfiles use to CycloneDX names.
var hashAlgorithms = map[string]string{
	"sha256": "SHA-256",
	"sha384": "SHA-384",
	"sha512": "SHA-512",
	"sha1":   "SHA-1",
	"md5":    "MD5",
}

// hashSizes are the digest lengths in bytes, to reject truncated values.
var hashSizes = map[string]int{"sha256": 32, "sha384": 48, "sha512": 64, "sha1": 20, "md5": 16}

// parseHash reads "alg:hex" (as pip, poetry, uv, pdm and pipenv write it).
func parseHash(s string) (inventory.Hash, error) {
	alg, val, ok := strings.Cut(s, ":")
	if !ok {
		return inventory.Hash{}, fmt.Errorf("hash %q: want <algorithm>:<hex digest>", s)
	}
	alg = strings.ToLower(alg)
	name, known := hashAlgorithms[alg]
	if !known {
		return inventory.Hash{}, fmt.Errorf("hash %q: unknown algorithm %q, want sha256, sha384 or sha512", s, alg)
	}
	b, err := hex.DecodeString(val)
	if err != nil || len(b) != hashSizes[alg] {
		return inventory.Hash{}, fmt.Errorf("hash %q: want %d hex digits after %q", s, 2*hashSizes[alg], alg+":")
	}
	return inventory.Hash{Algorithm: name, Value: strings.ToLower(val)}, nil
}

// readTOML decodes a TOML file of the source within the size limit. Errors
// carry the file name and BurntSushi/toml's line and key.
func readTOML(fsys fs.FS, name string, limit int64, v any) error {
	data, err := extract.ReadFile(fsys, name, limit)
	if err != nil {
		return err
	}
	if _, err := toml.Decode(string(data), v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// readLock decodes a TOML lockfile into v and returns the lines of its
// [[package]] headers when there is one per decoded package (n), else nil.
func readLock(fsys fs.FS, name string, limit int64, v any, n func() int) ([]int, error) {
	data, err := extract.ReadFile(fsys, name, limit)
	if err != nil {
		return nil, err
	}
	if _, err := toml.Decode(string(data), v); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines := tomlpos.ArrayTables(data, "package")
	if len(lines) != n() {
		return nil, nil
	}
	return lines, nil
}

// locatedAt is the location of the i-th package of a lockfile whose
// package lines are lines (none known: the file alone).
func locatedAt(path string, lines []int, i int) []inventory.Location {
	l := inventory.Location{Path: path}
	if i < len(lines) {
		l.Line = lines[i]
	}
	return []inventory.Location{l}
}

// exists reports whether name is a file in fsys.
func exists(fsys fs.FS, name string) bool {
	info, err := fs.Stat(fsys, name)
	return err == nil && !info.IsDir()
}

// pyproject is the part of pyproject.toml the lockfile extractors read:
// PEP 621 [project], PEP 735 [dependency-groups], and poetry's and pdm's
// own tables.
type pyproject struct {
	Project struct {
		Name                 string              `toml:"name"`
		Version              string              `toml:"version"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"`
	Tool             struct {
		Poetry struct {
			Name            string         `toml:"name"`
			Version         string         `toml:"version"`
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
		PDM struct {
			DevDependencies map[string][]string `toml:"dev-dependencies"`
		} `toml:"pdm"`
	} `toml:"tool"`
}

// manifest is what a pyproject.toml (or Pipfile) says about the project:
// its name and version, and the normalised names it declares directly, for
// run time and for development.
type manifest struct {
	name, version string
	main, dev     []string
	// devGroups are group names that hold development dependencies (pdm).
	devGroups map[string]bool
}

// readPyproject reads pyproject.toml beside the lockfile at lockPath. It
// returns nil when there is none.
func readPyproject(fsys fs.FS, lockPath string, limit int64) (*manifest, error) {
	name := path.Join(path.Dir(lockPath), "pyproject.toml")
	if !exists(fsys, name) {
		return nil, nil
	}
	var pp pyproject
	if err := readTOML(fsys, name, limit, &pp); err != nil {
		return nil, err
	}
	m := &manifest{devGroups: map[string]bool{}}
	m.name, m.version = pp.Project.Name, pp.Project.Version
	if m.name == "" {
		m.name, m.version = pp.Tool.Poetry.Name, pp.Tool.Poetry.Version
	}
	for i, d := range pp.Project.Dependencies {
		r, err := parseRequirement(d)
		if err != nil {
			return nil, fmt.Errorf("%s: project.dependencies[%d]: %w", name, i, err)
		}
		m.main = append(m.main, r.Name)
	}
	// Extras are declared by the project and installed at run time.
	for _, extra := range sortedKeys(pp.Project.OptionalDependencies) {
		for i, d := range pp.Project.OptionalDependencies[extra] {
			r, err := parseRequirement(d)
			if err != nil {
				return nil, fmt.Errorf("%s: project.optional-dependencies.%s[%d]: %w", name, extra, i, err)
			}
			m.main = append(m.main, r.Name)
		}
	}
	for n := range pp.Tool.Poetry.Dependencies {
		if !strings.EqualFold(n, "python") { // poetry lists the interpreter with the packages
			m.main = append(m.main, n)
		}
	}
	for n := range pp.Tool.Poetry.DevDependencies {
		m.dev = append(m.dev, n)
	}
	for g, grp := range pp.Tool.Poetry.Group {
		for n := range grp.Dependencies {
			if g == "main" {
				m.main = append(m.main, n)
			} else {
				m.dev = append(m.dev, n)
			}
		}
	}
	for g, deps := range pp.Tool.PDM.DevDependencies {
		m.devGroups[g] = true
		for i, d := range deps {
			if strings.HasPrefix(d, "-e ") {
				continue // an editable path, not a named requirement
			}
			r, err := parseRequirement(d)
			if err != nil {
				return nil, fmt.Errorf("%s: tool.pdm.dev-dependencies.%s[%d]: %w", name, g, i, err)
			}
			m.dev = append(m.dev, r.Name)
		}
	}
	for g, deps := range pp.DependencyGroups {
		m.devGroups[g] = true
		for i, d := range deps {
			s, ok := d.(string)
			if !ok {
				continue // {include-group = "..."} tables name groups, not packages
			}
			r, err := parseRequirement(s)
			if err != nil {
				return nil, fmt.Errorf("%s: dependency-groups.%s[%d]: %w", name, g, i, err)
			}
			m.dev = append(m.dev, r.Name)
		}
	}
	m.normalize()
	return m, nil
}

func (m *manifest) normalize() {
	for i := range m.main {
		m.main[i] = inventory.NormalizePyPIName(m.main[i])
	}
	for i := range m.dev {
		m.dev[i] = inventory.NormalizePyPIName(m.dev[i])
	}
	slices.Sort(m.main)
	m.main = slices.Compact(m.main)
	slices.Sort(m.dev)
	m.dev = slices.Compact(m.dev)
}

// graph is a dependency graph over normalised names.
type graph map[string][]string

// reach returns every name reachable from roots, roots included.
func (g graph) reach(roots []string) map[string]bool {
	seen := map[string]bool{}
	stack := slices.Clone(roots)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, g[n]...)
	}
	return seen
}

// lockResult collects the packages of one lockfile, indexed by normalised
// name so that dependency edges, which name packages, can be resolved.
type lockResult struct {
	pkgs   []inventory.Package
	byName map[string][]int
	rels   []inventory.Relationship
}

func (l *lockResult) add(p inventory.Package) int {
	if l.byName == nil {
		l.byName = map[string][]int{}
	}
	l.pkgs = append(l.pkgs, p)
	i := len(l.pkgs) - 1
	l.byName[p.Name] = append(l.byName[p.Name], i)
	return i
}

// link adds an edge from package from to every locked package named to.
func (l *lockResult) link(from int, to string, typ inventory.RelationshipType) {
	for _, j := range l.byName[inventory.NormalizePyPIName(to)] {
		l.rels = append(l.rels, inventory.Relationship{From: l.pkgs[from].PURL, To: l.pkgs[j].PURL, Type: typ})
	}
}

// applyManifest marks direct dependencies, adds the project as an
// application with edges to them, and, when setDev, marks as dev every
// package reachable only from development dependencies.
func (l *lockResult) applyManifest(m *manifest, g graph, setDev bool) {
	if m == nil {
		return
	}
	for _, n := range append(slices.Clone(m.main), m.dev...) {
		for _, i := range l.byName[n] {
			l.pkgs[i].Direct = true
		}
	}
	if setDev {
		prod := g.reach(m.main)
		dev := g.reach(m.dev)
		for i := range l.pkgs {
			n := l.pkgs[i].Name
			l.pkgs[i].Dev = dev[n] && !prod[n]
		}
	}
	if m.name == "" {
		return
	}
	root := newPackage(m.name, m.version)
	root.Type = "application"
	if _, ok := l.byName[root.Name]; ok {
		return // the lock lists the project itself (uv); it is linked there
	}
	r := l.add(root)
	for _, n := range m.main {
		l.link(r, n, inventory.DependsOn)
	}
	for _, n := range m.dev {
		l.link(r, n, inventory.DevDependsOn)
	}
}
