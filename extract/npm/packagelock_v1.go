package npm

import (
	"encoding/json"
	"io/fs"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// v1Dep is one entry of a lockfileVersion 1 "dependencies" tree: the
// package installed at node_modules/<key> of its parent, with the packages
// nested under its own node_modules in "dependencies".
type v1Dep struct {
	Version      string            `json:"version"`
	Resolved     string            `json:"resolved"`
	Integrity    string            `json:"integrity"`
	Dev          bool              `json:"dev"`
	Optional     bool              `json:"optional"`
	Bundled      bool              `json:"bundled"`
	Requires     requires          `json:"requires"`
	Dependencies map[string]*v1Dep `json:"dependencies"`
}

// requires is an entry's "requires": dependency name → range. npm 5.0
// wrote a bare true at some levels, which says nothing and is ignored.
type requires map[string]string

func (r *requires) UnmarshalJSON(b []byte) error {
	if string(b) == "true" || string(b) == "false" || string(b) == "null" {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*r = m
	return nil
}

// fromV1 reads a lockfileVersion 1 tree. v1 does not record what the root
// declares, so Direct and the root's edges come from the package.json
// beside the lockfile (m, nil when absent).
// lines holds the line of each top-level "dependencies" key; nested
// entries get the file without a line (finding theirs would take a scan
// per nesting, not one).
func fromV1(fsys fs.FS, dir string, lf *lockfile, top map[string]*v1Dep, m *manifest, file string, lines map[string]int) ([]inventory.Package, []inventory.Relationship) {
	var pkgs []inventory.Package
	var rels edgeList
	purlOf := map[*v1Dep]string{}
	idxOf := map[*v1Dep]int{}

	// walk registers a level's entries and descends into the node_modules
	// nested under each.
	var walk func(deps map[string]*v1Dep, nested bool)
	walk = func(deps map[string]*v1Dep, nested bool) {
		for _, name := range sortedKeys(deps) {
			d := deps[name]
			if d == nil {
				continue
			}
			p := v1Package(fsys, dir, name, d)
			line := 0
			if !nested {
				line = lines[name]
			}
			p.Locations = []inventory.Location{{Path: file, Line: line}}
			purlOf[d] = p.PURL
			idxOf[d] = len(pkgs)
			pkgs = append(pkgs, p)
			walk(d.Dependencies, true)
		}
	}
	walk(top, false)

	// resolve looks a name up from the innermost scope outwards, as Node
	// looks in the nearest node_modules first.
	resolve := func(scopes []map[string]*v1Dep, name string) *v1Dep {
		for i := len(scopes) - 1; i >= 0; i-- {
			if d := scopes[i][name]; d != nil {
				return d
			}
		}
		return nil
	}
	var edges func(scopes []map[string]*v1Dep)
	edges = func(scopes []map[string]*v1Dep) {
		for _, d := range scopes[len(scopes)-1] {
			if d == nil {
				continue
			}
			inner := scopes
			if len(d.Dependencies) > 0 {
				inner = append(scopes[:len(scopes):len(scopes)], d.Dependencies)
			}
			for name := range d.Requires {
				if t := resolve(inner, name); t != nil {
					rels.add(purlOf[d], purlOf[t], false)
				}
			}
			if len(d.Dependencies) > 0 {
				edges(inner)
			}
		}
	}
	if len(top) > 0 {
		edges([]map[string]*v1Dep{top})
	}

	rootName, rootVersion := lf.Name, lf.Version
	if m != nil {
		rootName, rootVersion = cmpStr(rootName, m.Name), cmpStr(rootVersion, m.Version)
	}
	var rootPURL string
	if rootName != "" {
		root := newPackage(rootName, rootVersion)
		root.Type = "application"
		if m != nil {
			root.Licenses = parseLicense(m.License)
		}
		rootPURL = root.PURL
		pkgs = append(pkgs, root)
	}
	if m != nil {
		for _, dd := range m.deps() {
			t := top[dd.name]
			if t == nil {
				continue
			}
			pkgs[idxOf[t]].Direct = true
			rels.add(rootPURL, purlOf[t], dd.dev)
		}
	}
	return pkgs, rels
}

// v1Package reads one v1 entry. Its "version" is a version, or for
// packages not from the registry the specifier: "npm:name@version" for an
// alias, "file:path" for a local folder, a git or tarball URL otherwise.
func v1Package(fsys fs.FS, dir, key string, d *v1Dep) inventory.Package {
	v := d.Version
	var p inventory.Package
	switch {
	case strings.HasPrefix(v, "npm:"):
		name, version, ok := aliasTarget(v)
		if !ok || name == "" {
			name = key
		}
		p = newPackage(name, version)
		if name != key {
			p.SetProperty(PropAlias, key)
		}
	case strings.HasPrefix(v, "file:"):
		// A local folder is part of the project; its version is in its
		// own package.json when that is there to read.
		var version string
		if lm, err := readManifest(fsys, joinPath(dir, strings.TrimPrefix(v, "file:"))); err == nil && lm != nil {
			version = lm.Version
		}
		p = newPackage(key, version)
		p.Type = "application"
		return p
	case strings.Contains(v, ":"):
		p = newPackage(key, "")
		p.SetProperty(PropResolved, v)
	default:
		p = newPackage(key, v)
		if d.Resolved != "" && !isRegistryTarball(d.Resolved) {
			p.SetProperty(PropResolved, d.Resolved)
		}
	}
	p.Dev = d.Dev
	p.Hashes = parseIntegrity(d.Integrity)
	if d.Bundled {
		p.SetProperty(PropBundled, "true")
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
