package npm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

// PackageLock reads package-lock.json and npm-shrinkwrap.json (the same
// format; a shrinkwrap is the lockfile a package publishes).
type PackageLock struct{}

// Name implements extract.Extractor.
func (PackageLock) Name() string { return "npm/package-lock" }

// Covers: the lockfile lists what the node_modules beside it holds.
func (PackageLock) Covers() (string, []string) {
	return "node_modules", []string{"package-lock.json", "npm-shrinkwrap.json"}
}

// Claims implements extract.Extractor. npm's hidden lockfile,
// node_modules/.package-lock.json, has another base name and is not claimed.
// A package-lock.json inside an installed package is not what npm
// installed from; a shrinkwrap there is.
func (PackageLock) Claims(p string, _ fs.FileMode) bool {
	switch path.Base(p) {
	case "package-lock.json":
		return !inInstalledPackage(p)
	case "npm-shrinkwrap.json":
		return true
	}
	return false
}

// Companion: package.json says which dependencies are direct and dev.
func (PackageLock) Companion(p string) bool { return path.Base(p) == "package.json" }

// lockfile is the top of a package-lock.json. "dependencies" (the v1 tree,
// kept in v2 for old npm) is decoded only when there is no "packages".
type lockfile struct {
	Name            string                  `json:"name"`
	Version         string                  `json:"version"`
	LockfileVersion int                     `json:"lockfileVersion"`
	Packages        map[string]*lockPackage `json:"packages"`
	Dependencies    json.RawMessage         `json:"dependencies"`
}

// lockPackage is one entry of "packages" (v2, v3).
type lockPackage struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Integrity            string            `json:"integrity"`
	Link                 bool              `json:"link"`
	Dev                  bool              `json:"dev"`
	Optional             bool              `json:"optional"`
	DevOptional          bool              `json:"devOptional"`
	InBundle             bool              `json:"inBundle"`
	License              json.RawMessage   `json:"license"`
	Licenses             json.RawMessage   `json:"licenses"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	// Workspaces (root entry only) are globs, as in package.json.
	Workspaces json.RawMessage `json:"workspaces"`
}

// Extract implements extract.Extractor.
func (PackageLock) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	return named(extractPackageLock(in))
}

// maxJSONLockSize bounds package-lock.json and npm-shrinkwrap.json below
// the general file limit: a lockfile is decoded whole, and its packages,
// their inventory and the SBOM made from them take about five times the
// file's size (measured with bench/biglock: 138 MB, 400,000 packages, 0.8
// GB RSS for hallmark sbom; 501 MB, 1.45 M packages, 2.6 GB). At this
// size, about 370,000 packages, a run stays under 1 GB (issue 15, item
// 13). The largest real lockfiles are tens of MB.
const maxJSONLockSize = 128 << 20

func extractPackageLock(in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	limit := in.MaxSize
	if limit <= 0 || limit > maxJSONLockSize {
		limit = maxJSONLockSize
	}
	data, err := extract.ReadFile(in.FS, in.Path, limit)
	if err != nil {
		return nil, nil, err
	}
	var lf lockfile
	if err := json.Unmarshal(data, &lf); err != nil {
		return nil, nil, jsonError(in.Path, data, err)
	}
	if lf.Packages != nil {
		dropUninstalledOptional(in.FS, dirOf(in.Path), lf.Packages)
		// Each package at the line of its key in "packages".
		pkgs, rels := lf.fromPackages(in.Path, jsonpos.MemberLines(data, "packages"))
		return pkgs, rels, nil
	}
	var deps map[string]*v1Dep
	if len(lf.Dependencies) > 0 {
		if err := json.Unmarshal(lf.Dependencies, &deps); err != nil {
			// Re-decode the whole file so the error's position and path
			// are those of the file, not of the "dependencies" value.
			var whole struct {
				Dependencies map[string]*v1Dep `json:"dependencies"`
			}
			return nil, nil, jsonError(in.Path, data, cmpErr(json.Unmarshal(data, &whole), err))
		}
	}
	if deps == nil && lf.LockfileVersion == 0 {
		return nil, nil, fmt.Errorf("%s: neither \"packages\" nor \"dependencies\" nor \"lockfileVersion\": not an npm lockfile", in.Path)
	}
	m, err := readManifest(in.FS, dirOf(in.Path))
	if err != nil {
		return nil, nil, err
	}
	pkgs, rels := fromV1(in.FS, dirOf(in.Path), &lf, deps, m, in.Path, jsonpos.MemberLines(data, "dependencies"))
	return pkgs, rels, nil
}

// dropUninstalledOptional removes the optional packages that an installed
// tree (node_modules beside the lockfile: an image, a deployed app) does
// not hold. npm locks every platform's variant of a package such as
// esbuild or @swc/core but installs only those whose os, cpu and libc
// match; the others are not there to report. A lockfile without
// node_modules (a source checkout) keeps them all.
func dropUninstalledOptional(fsys fs.FS, dir string, entries map[string]*lockPackage) {
	if fsys == nil {
		return
	}
	if st, err := fs.Stat(fsys, path.Join(orDot(dir), "node_modules")); err != nil || !st.IsDir() {
		return
	}
	for k, e := range entries {
		if e == nil || e.Link || !(e.Optional || e.DevOptional) || !isInstalled(k) {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(orDot(dir), k)); errors.Is(err, fs.ErrNotExist) {
			delete(entries, k)
		}
	}
}

func orDot(dir string) string {
	if dir == "" {
		return "."
	}
	return dir
}

// cmpErr prefers the first error, falling back to the second.
func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// nodeModulesName is the name a package is installed under:
// "node_modules/a/node_modules/@s/b" → "@s/b".
func nodeModulesName(key string) string {
	i := strings.LastIndex(key, "node_modules/")
	if i < 0 {
		return ""
	}
	return key[i+len("node_modules/"):]
}

// isInstalled reports whether a "packages" key is a folder inside some
// node_modules (an installed package) rather than a project folder.
func isInstalled(key string) bool {
	return strings.HasPrefix(key, "node_modules/") || strings.Contains(key, "/node_modules/")
}

// fromPackages reads lockfileVersion 2 and 3.
func (lf *lockfile) fromPackages(file string, lines map[string]int) ([]inventory.Package, []inventory.Relationship) {
	keys := make([]string, 0, len(lf.Packages))
	for k, e := range lf.Packages {
		if e != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	// A link's key names the folder it points at; workspace entries carry
	// no "name", so the link is where the name comes from.
	linkNames := map[string]string{}
	for _, k := range keys {
		if e := lf.Packages[k]; e.Link && isInstalled(k) {
			if _, ok := linkNames[e.Resolved]; !ok {
				linkNames[e.Resolved] = nodeModulesName(k)
			}
		}
	}

	// Workspaces are projects of their own, whose declared dependencies are
	// direct; other folders outside node_modules ("file:" dependencies) are
	// local packages the root declares.
	var globs []string
	if root := lf.Packages[""]; root != nil {
		globs = (&manifest{Workspaces: root.Workspaces}).workspaceGlobs()
	}
	isWorkspace := func(k string) bool {
		return k != "" && !isInstalled(k) && workspaceMatch(globs, k)
	}

	purls := make(map[string]string, len(keys))
	idx := make(map[string]int, len(keys))
	pkgs := make([]inventory.Package, 0, len(keys))
	for _, k := range keys {
		e := lf.Packages[k]
		if e.Link {
			continue
		}
		var p inventory.Package
		switch {
		case k == "":
			name, version := cmpStr(e.Name, lf.Name), cmpStr(e.Version, lf.Version)
			if name == "" {
				continue // a project without a name has no identity to report
			}
			p = newPackage(name, version)
			p.Type = "application"
		case !isInstalled(k):
			name := cmpStr(e.Name, linkNames[k], path.Base(k))
			p = newPackage(name, e.Version)
			p.Type = "application"
			p.Direct = isWorkspace(k)
		default:
			installed := nodeModulesName(k)
			name := cmpStr(e.Name, installed)
			p = newPackage(name, e.Version)
			if name != installed {
				p.SetProperty(PropAlias, installed)
			}
			p.Dev = e.Dev
			p.Hashes = parseIntegrity(e.Integrity)
			if e.InBundle {
				p.SetProperty(PropBundled, "true")
			}
			if e.Resolved != "" && !isRegistryTarball(e.Resolved) {
				p.SetProperty(PropResolved, e.Resolved)
			}
		}
		p.Licenses = append(parseLicense(e.License), parseLicense(e.Licenses)...)
		p.Locations = []inventory.Location{{Path: file, Line: lines[k]}}
		purls[k] = p.PURL
		idx[k] = len(pkgs)
		pkgs = append(pkgs, p)
	}

	// resolve finds the entry a dependency name means from the folder
	// "from", as Node's require does. Links are followed to their target.
	resolve := func(from, name string) string {
		return resolveNode(from, name, func(cand string) (string, bool) {
			e, ok := lf.Packages[cand]
			if !ok || e == nil {
				return "", false
			}
			if e.Link {
				return e.Resolved, true
			}
			return cand, true
		})
	}

	var rels edgeList
	for _, k := range keys {
		e := lf.Packages[k]
		from, ok := purls[k]
		if !ok && k != "" {
			continue
		}
		project := !isInstalled(k)
		declares := k == "" || isWorkspace(k)
		link := func(deps map[string]string, dev bool) {
			for name := range deps {
				to := resolve(k, name)
				if to == "" {
					continue // an optional or peer dependency not installed
				}
				if declares {
					if i, ok := idx[to]; ok {
						pkgs[i].Direct = true
					}
				}
				rels.add(from, purls[to], dev)
			}
		}
		link(e.Dependencies, false)
		link(e.OptionalDependencies, false)
		link(e.PeerDependencies, false)
		if project {
			link(e.DevDependencies, true)
		}
	}
	return pkgs, rels
}

// cmpStr returns the first non-empty string.
func cmpStr(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// resolveNode finds what Node's require(name) loads from the package folder
// from (https://nodejs.org/api/modules.html#loading-from-node_modules-folders):
// from/node_modules/name, then the same in each parent folder that is not
// itself a node_modules, up to the root "". find reports whether a
// candidate folder holds a package, and what to return for it.
func resolveNode(from, name string, find func(folder string) (string, bool)) string {
	dir := from
	for {
		if path.Base(dir) != "node_modules" {
			if r, ok := find(joinPath(dir, "node_modules", name)); ok {
				return r
			}
		}
		parent := dirOf(dir)
		if dir == "" || parent == dir { // the root, or "/" in a malformed key
			return ""
		}
		dir = parent
	}
}

// LockedBy implements extract.Manifests: a package.json outside
// node_modules with no lockfile and no node_modules in its directory or
// above (a workspace root's) was never resolved.
func (PackageLock) LockedBy(p string) ([]string, string, bool) {
	if path.Base(p) != "package.json" || slices.Contains(strings.Split(p, "/"), "node_modules") {
		return nil, "", false
	}
	return resolvers, "npm install --package-lock-only", true
}

// resolvers are what gives a package.json's dependencies their versions:
// a lockfile, or the node_modules tree they were installed into (which
// Installed reads when no lockfile is there).
var resolvers = append(slices.Clone(lockfileNames), "node_modules")
