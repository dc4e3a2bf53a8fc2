package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// maxInstalledDeps bounds the dependencies followed for one installed
// package; real packages declare a few dozen.
const maxInstalledDeps = 10_000

// lockfileNames speak for the node_modules directory beside them, as in
// extract.Run's walk.
var lockfileNames = []string{"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}

// Installed reads the package.json of each package installed in a
// node_modules tree that no lockfile describes: a global install
// (/usr/lib/node_modules), a node_modules copied into an image without
// its lockfile. Only node_modules/NAME/package.json and
// node_modules/@SCOPE/NAME/package.json count, at any depth: package.json
// files further inside a package are its own test fixtures and build
// folders (fast-uri's benchmark/, terser's dist/ and bin/), not packages.
type Installed struct{}

// Name implements extract.Extractor.
func (Installed) Name() string { return "npm/installed" }

// Claims implements extract.Extractor.
func (Installed) Claims(p string, _ fs.FileMode) bool {
	if path.Base(p) != "package.json" {
		return false
	}
	return installedName(path.Dir(p)) != ""
}

// installedName returns the name a package folder is installed under,
// "NAME" for .../node_modules/NAME and "@SCOPE/NAME" for
// .../node_modules/@SCOPE/NAME, or "" when dir is not such a folder. npm
// names never start with "." or "_", which keeps out .bin, .cache and
// .pnpm.
func installedName(dir string) string {
	name, parent := path.Base(dir), path.Dir(dir)
	if !validFolder(name) || strings.HasPrefix(name, "@") {
		return ""
	}
	if path.Base(parent) == "node_modules" {
		return name
	}
	scope := path.Base(parent)
	if len(scope) > 1 && scope[0] == '@' && validFolder(scope[1:]) && path.Base(path.Dir(parent)) == "node_modules" {
		return scope + "/" + name
	}
	return ""
}

func validFolder(s string) bool {
	return s != "" && s[0] != '.' && s[0] != '_' && s != "node_modules"
}

// installedManifest is what an installed package.json
// (https://docs.npmjs.com/cli/v11/configuring-npm/package-json) says
// about the package. npm 5 and 6 added the "_"-prefixed fields when they
// installed it.
type installedManifest struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	License              json.RawMessage   `json:"license"`
	Licenses             json.RawMessage   `json:"licenses"`
	Dependencies         map[string]string `json:"dependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
	Resolved             string            `json:"_resolved"`
	Integrity            string            `json:"_integrity"`
}

// Extract implements extract.Extractor. A package.json without a name or
// a version is not a published package and gives nothing, as for syft and
// trivy. Development dependencies of installed packages are not installed,
// and whether a package is itself dev-only is not recorded anywhere in the
// tree, so Dev is never set.
func (Installed) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	dir := dirOf(in.Path)
	installed := installedName(dir)
	if installed == "" || coveredByLockfile(in.FS, dir) {
		// With --node-modules the walk enters node_modules beside a
		// lockfile too; the lockfile speaks for them, with dev marks this
		// tree does not have.
		return nil, nil, nil
	}
	data, err := extract.ReadFile(in.FS, in.Path, manifestLimit(in.MaxSize))
	if err != nil {
		return nil, nil, err
	}
	var m installedManifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, nil, jsonError(in.Path, data, err)
	}
	if m.Name == "" || m.Version == "" {
		return nil, nil, nil
	}
	p := newPackage(m.Name, m.Version)
	if m.Name != installed {
		p.SetProperty(PropAlias, installed)
	}
	p.Licenses = append(parseLicense(m.License), parseLicense(m.Licenses)...)
	p.Hashes = parseIntegrity(m.Integrity)
	if m.Resolved != "" && !isRegistryTarball(m.Resolved) {
		p.SetProperty(PropResolved, m.Resolved)
	}

	names := map[string]bool{}
	for _, deps := range []map[string]string{m.Dependencies, m.OptionalDependencies, m.PeerDependencies} {
		for n := range deps {
			names[n] = true
		}
	}
	if len(names) > maxInstalledDeps {
		return nil, nil, fmt.Errorf("%s: %d dependencies, more than the %d hallmark follows", in.Path, len(names), maxInstalledDeps)
	}
	// Several names can resolve to the same folder (an alias and its
	// target); read each folder once.
	found := map[string]string{}
	find := func(folder string) (string, bool) {
		if purl, ok := found[folder]; ok {
			return purl, purl != ""
		}
		purl := installedPURL(in.FS, folder, in.MaxSize)
		found[folder] = purl
		return purl, purl != ""
	}
	var rels edgeList
	for n := range names {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if !validDepName(n) {
			continue
		}
		// Optional and peer dependencies that were not installed
		// resolve to nothing and give no edge.
		rels.add(p.PURL, resolveNode(dir, n, find), false)
	}
	return []inventory.Package{p}, rels, nil
}

// validDepName keeps dependency names that cannot climb out of
// node_modules when joined to a path ("..", "a/../b").
func validDepName(n string) bool {
	if n == "" || strings.Contains(n, "\\") {
		return false
	}
	parts := strings.Split(n, "/")
	if len(parts) > 2 || len(parts) == 2 && !strings.HasPrefix(parts[0], "@") {
		return false
	}
	for _, s := range parts {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// installedPURL reads folder/package.json and returns the purl of the
// package in it, or "" when there is none or it has no name or version.
func installedPURL(fsys fs.FS, folder string, limit int64) string {
	data, err := extract.ReadFile(fsys, path.Join(folder, "package.json"), manifestLimit(limit))
	if err != nil {
		return ""
	}
	var m struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if json.Unmarshal(data, &m) != nil || m.Name == "" || m.Version == "" {
		return ""
	}
	return newPackage(m.Name, m.Version).PURL
}

// coveredByLockfile reports whether a node_modules folder above dir sits
// beside a lockfile hallmark reads, which then speaks for everything under
// it.
func coveredByLockfile(fsys fs.FS, dir string) bool {
	for d := dir; d != "" && d != "/"; d = dirOf(d) {
		if path.Base(d) != "node_modules" {
			continue
		}
		parent := dirOf(d)
		for _, n := range lockfileNames {
			lock := joinPath(parent, n)
			if n != "npm-shrinkwrap.json" && inInstalledPackage(lock) {
				continue
			}
			if _, err := fs.Stat(fsys, lock); err == nil {
				return true
			}
		}
	}
	return false
}

// inInstalledPackage reports whether p is a file directly in a package
// folder under node_modules. npm, yarn and pnpm never install from the
// lockfiles a dependency ships (uri-js ships its yarn.lock, which lists
// its development tools), except npm-shrinkwrap.json, which npm follows:
// they do not describe what is installed.
func inInstalledPackage(p string) bool { return installedName(dirOf(p)) != "" }

// manifestLimit is the smaller of the run's file limit and maxManifestSize.
func manifestLimit(limit int64) int64 {
	if limit > 0 && limit < maxManifestSize {
		return limit
	}
	return maxManifestSize
}
