package npm

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/yamlpos"
	"github.com/hallmark-dev/hallmark/internal/yamlsafe"
	"github.com/hallmark-dev/hallmark/inventory"
)

// PnpmLock reads pnpm-lock.yaml.
type PnpmLock struct{}

// Name implements extract.Extractor.
func (PnpmLock) Name() string { return "npm/pnpm-lock" }

// Covers: the lockfile lists what the node_modules beside it holds.
func (PnpmLock) Covers() (string, []string) { return "node_modules", []string{"pnpm-lock.yaml"} }

// Claims implements extract.Extractor.
func (PnpmLock) Claims(p string, _ fs.FileMode) bool {
	return path.Base(p) == "pnpm-lock.yaml" && !inInstalledPackage(p)
}

// pnpmLock is a pnpm lockfile of any supported version. Lockfiles of a
// single project before v9 keep the importer's fields at the top level.
type pnpmLock struct {
	LockfileVersion string                      `yaml:"lockfileVersion"`
	Importers       yamlsafe.Map[*pnpmImporter] `yaml:"importers"`
	Packages        yamlsafe.Map[*pnpmPackage]  `yaml:"packages"`
	Snapshots       yamlsafe.Map[*pnpmSnapshot] `yaml:"snapshots"`
	pnpmImporter    `yaml:",inline"`
}

// Companion: package.json says which dependencies are direct and dev.
func (PnpmLock) Companion(p string) bool { return path.Base(p) == "package.json" }

// pnpmImporter is one project of the workspace.
type pnpmImporter struct {
	Dependencies         yamlsafe.Map[pnpmRef] `yaml:"dependencies"`
	DevDependencies      yamlsafe.Map[pnpmRef] `yaml:"devDependencies"`
	OptionalDependencies yamlsafe.Map[pnpmRef] `yaml:"optionalDependencies"`
}

// pnpmRef is an importer's resolved dependency: a plain version string
// (v5) or {specifier, version} (v6 on).
type pnpmRef struct {
	Version string
}

func (r *pnpmRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Version = n.Value
		return nil
	}
	var v struct {
		Version string `yaml:"version"`
	}
	if err := n.Decode(&v); err != nil {
		return err
	}
	r.Version = v.Version
	return nil
}

// pnpmPackage is an entry of "packages". Before v9 it also holds what v9
// moved to "snapshots".
type pnpmPackage struct {
	Resolution struct {
		Integrity string `yaml:"integrity"`
		Tarball   string `yaml:"tarball"`
		Directory string `yaml:"directory"`
		Repo      string `yaml:"repo"`
		Commit    string `yaml:"commit"`
	} `yaml:"resolution"`
	Name         string `yaml:"name"`
	Version      string `yaml:"version"`
	pnpmSnapshot `yaml:",inline"`
}

// pnpmSnapshot is a package in one peer context: its resolved dependencies.
type pnpmSnapshot struct {
	Dependencies         yamlsafe.Map[string] `yaml:"dependencies"`
	OptionalDependencies yamlsafe.Map[string] `yaml:"optionalDependencies"`
}

// Extract implements extract.Extractor.
func (PnpmLock) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	return named(extractPnpmLock(in))
}

func extractPnpmLock(in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	limit := in.MaxSize
	if limit <= 0 || limit > maxYAMLSize {
		limit = maxYAMLSize
	}
	data, err := extract.ReadFile(in.FS, in.Path, limit)
	if err != nil {
		return nil, nil, err
	}
	var lf pnpmLock
	if err := decodeYAML(data, &lf); err != nil {
		return nil, nil, yamlError(in.Path, err)
	}
	major, err := pnpmMajor(lf.LockfileVersion)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: lockfileVersion: %w", in.Path, err)
	}
	if lf.Importers == nil {
		lf.Importers = map[string]*pnpmImporter{".": &lf.pnpmImporter}
	}
	// Each package at the line of its key: snapshots name the packages
	// from v9 on (lockfileVersion 7 as read here), packages before.
	section := "packages"
	if major >= 7 && lf.Snapshots != nil {
		section = "snapshots"
	}
	pkgs, rels := lf.inventory(in.FS, dirOf(in.Path), major, in.Path, yamlpos.KeyLines(data, section))
	return pkgs, rels, nil
}

// pnpmMajor reads "9.0", "6.0", 5.4 (a number before v6).
func pnpmMajor(v string) (int, error) {
	if v == "" {
		return 0, fmt.Errorf("missing, want a version such as '9.0'")
	}
	m, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(m)
	if err != nil || n < 3 {
		return 0, fmt.Errorf("%q is not a pnpm lockfile version (want 5.x, 6.x or 9.0)", v)
	}
	return n, nil
}

// stripPeers removes the peer-dependency suffix of a pnpm version or key:
// "18.3.1(react@18.3.1)" (v6 on) or "18.3.1_react@18.3.1" (v5).
func stripPeers(s string, major int) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = s[:i]
	}
	if major < 6 {
		if i := strings.IndexByte(s, '_'); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

// depKey turns a dependency's resolved version into the key of the
// package it means. A version that starts with a digit is a registry
// version of the dependency's own name; anything else names the package
// itself (an alias "lodash@4.17.21", a "file:" or git reference).
func depKey(name, ref string, major int) string {
	digit := ref != "" && '0' <= ref[0] && ref[0] <= '9'
	switch {
	case major >= 7:
		if digit {
			return name + "@" + ref
		}
		if r := stripPeers(ref, major); len(r) > 1 {
			if i := strings.IndexByte(r[1:], '@'); i >= 0 && !strings.Contains(r[:i+1], ":") {
				return ref
			}
		}
		return name + "@" + ref
	case major == 6:
		if digit {
			return "/" + name + "@" + ref
		}
		return ref
	default:
		if digit {
			return "/" + name + "/" + ref
		}
		return ref
	}
}

// keyNameVersion reads the name and version out of a package key.
func keyNameVersion(key string, major int) (name, version string) {
	k := stripPeers(key, major)
	if major < 7 {
		var ok bool
		if k, ok = strings.CutPrefix(k, "/"); !ok {
			return "", "" // a non-registry key: the entry's fields say
		}
	}
	if major < 6 {
		i := strings.LastIndexByte(k, '/')
		if i <= 0 {
			return k, ""
		}
		return k[:i], k[i+1:]
	}
	// The name ends at the first "@" after a scope's: a git reference in
	// the version may hold another.
	return splitSpec(k)
}

func (lf *pnpmLock) inventory(fsys fs.FS, dir string, major int, file string, lines map[string]int) ([]inventory.Package, []inventory.Relationship) {
	// The nodes are snapshots in v9 (a package in one peer context) and
	// packages before.
	var nodeKeys []string
	snapshot := func(k string) *pnpmSnapshot {
		if major >= 7 {
			if s := lf.Snapshots[k]; s != nil {
				return s
			}
			return &pnpmSnapshot{}
		}
		return &lf.Packages[k].pnpmSnapshot
	}
	if major >= 7 && lf.Snapshots != nil {
		nodeKeys = sortedKeys(lf.Snapshots)
	} else {
		nodeKeys = sortedKeys(lf.Packages)
	}

	pkgs := make([]inventory.Package, 0, len(nodeKeys)+len(lf.Importers))
	index := make(map[string]int, len(nodeKeys))
	for _, k := range nodeKeys {
		var meta *pnpmPackage
		if major >= 7 {
			meta = lf.Packages[stripPeers(k, major)]
		} else {
			meta = lf.Packages[k]
		}
		if meta == nil {
			meta = &pnpmPackage{}
		}
		if major < 7 && lf.Packages[k] == nil {
			continue
		}
		name, version := keyNameVersion(k, major)
		name, version = cmpStr(meta.Name, name), cmpStr(meta.Version, version)
		if name == "" {
			continue
		}
		var p inventory.Package
		switch {
		case meta.Resolution.Directory != "" || strings.HasPrefix(version, "file:") || strings.HasPrefix(version, "link:"):
			// A local folder ("file:" dependency) is part of the project.
			if strings.Contains(version, ":") {
				version = ""
			}
			p = newPackage(name, version)
			p.Type = "application"
		default:
			if strings.Contains(version, ":") {
				p = newPackage(name, "")
				p.SetProperty(PropResolved, version)
			} else {
				p = newPackage(name, version)
			}
			p.Hashes = parseIntegrity(meta.Resolution.Integrity)
			switch {
			case meta.Resolution.Tarball != "" && !isRegistryTarball(meta.Resolution.Tarball):
				p.SetProperty(PropResolved, meta.Resolution.Tarball)
			case meta.Resolution.Repo != "":
				p.SetProperty(PropResolved, meta.Resolution.Repo+"#"+meta.Resolution.Commit)
			}
		}
		p.Locations = []inventory.Location{{Path: file, Line: lines[k]}}
		index[k] = len(pkgs)
		pkgs = append(pkgs, p)
	}
	n := len(pkgs)
	keyOf := make([]string, 0, n)
	for _, k := range nodeKeys {
		if _, ok := index[k]; ok {
			keyOf = append(keyOf, k)
		}
	}

	g := newGraph(n)
	var rels edgeList
	for i, k := range keyOf {
		s := snapshot(k)
		for _, deps := range []map[string]string{s.Dependencies, s.OptionalDependencies} {
			for _, dn := range sortedKeys(deps) {
				ref := deps[dn]
				if strings.HasPrefix(ref, "link:") {
					continue
				}
				if j, ok := index[depKey(dn, ref, major)]; ok {
					g.add(i, j)
					markAlias(&pkgs[j], dn)
					rels.add(pkgs[i].PURL, pkgs[j].PURL, false)
				}
			}
		}
	}

	// Importers: the workspace projects.
	importerPURL := map[string]string{}
	ids := sortedKeys(lf.Importers)
	for _, id := range ids {
		m, _ := readManifest(fsys, joinPath(dir, id))
		var p inventory.Package
		switch {
		case m != nil && m.Name != "":
			p = newPackage(m.Name, m.Version)
			p.Licenses = parseLicense(m.License)
		case id != "." && id != "":
			// No package.json to read: the folder's name is the best name
			// there is, and pnpm workspaces conventionally match it.
			p = newPackage(path.Base(id), "")
		default:
			continue
		}
		p.Type = "application"
		p.Direct = id != "." && id != ""
		importerPURL[id] = p.PURL
		pkgs = append(pkgs, p)
	}
	var prodRoots, devRoots []int
	for _, id := range ids {
		imp := lf.Importers[id]
		if imp == nil {
			continue
		}
		from := importerPURL[id]
		for _, set := range []struct {
			deps map[string]pnpmRef
			dev  bool
		}{{imp.Dependencies, false}, {imp.OptionalDependencies, false}, {imp.DevDependencies, true}} {
			for _, dn := range sortedKeys(set.deps) {
				ref := set.deps[dn].Version
				if target, ok := strings.CutPrefix(ref, "link:"); ok {
					// Another workspace project, not a registry package.
					rels.add(from, importerPURL[joinPath(id, target)], set.dev)
					continue
				}
				j, ok := index[depKey(dn, ref, major)]
				if !ok {
					continue
				}
				pkgs[j].Direct = true
				markAlias(&pkgs[j], dn)
				rels.add(from, pkgs[j].PURL, set.dev)
				if set.dev {
					devRoots = append(devRoots, j)
				} else {
					prodRoots = append(prodRoots, j)
				}
			}
		}
	}
	for i, dev := range g.devOnly(prodRoots, devRoots) {
		pkgs[i].Dev = dev
	}
	return pkgs, rels
}

// markAlias records the name a dependency was declared under when it is not
// the package's own: pnpm writes "my-lodash: lodash@4.17.21" for an "npm:"
// alias and keeps only the real name in the package's key.
func markAlias(p *inventory.Package, depName string) {
	if depName != p.Name && p.Type == "" {
		if _, ok := p.Property(PropAlias); !ok {
			p.SetProperty(PropAlias, depName)
		}
	}
}
