package npm

import (
	"fmt"
	"io/fs"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hallmark-dev/hallmark/internal/yamlpos"
	"github.com/hallmark-dev/hallmark/internal/yamlsafe"
	"github.com/hallmark-dev/hallmark/inventory"
)

// berryEntry is one entry of a yarn berry lockfile: the descriptors of its
// key ("name@npm:^1.0.0, name@npm:^1.2.0") resolved to one locator.
type berryEntry struct {
	Version      string               `yaml:"version"`
	Resolution   string               `yaml:"resolution"`
	Dependencies yamlsafe.Map[string] `yaml:"dependencies"`
	LinkType     string               `yaml:"linkType"`
}

// decodeYAML decodes a lockfile in time linear in its size, refusing one
// whose aliases would expand it more than a million nodes past its own
// size (lockfile writers use no aliases; see yamlsafe). Mappings whose size
// the input decides are yamlsafe.Map.
func decodeYAML(data []byte, v any) error {
	doc, err := yamlsafe.Parse(data, int64(len(data))+1_000_000)
	if err != nil {
		return err
	}
	return doc.Decode(v)
}

// yamlError names the file in a YAML decoder error, which already gives
// the line and what was expected ("line 7: cannot unmarshal !!seq into
// string"). Of several type errors only the first is kept.
func yamlError(name string, err error) error {
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if len(te.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
		}
		return fmt.Errorf("%s: %s", name, msg)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// extractBerry reads a yarn berry lockfile
// (https://github.com/yarnpkg/berry/blob/master/packages/yarnpkg-core/sources/Project.ts,
// generateLockfile). Workspace entries ("name@workspace:path") are the
// projects; their package.json files, when present, tell runtime from dev
// dependencies, since the lockfile merges the two.
func extractBerry(fsys fs.FS, dir, name string, data []byte) ([]inventory.Package, []inventory.Relationship, error) {
	var doc yamlsafe.Map[*berryEntry]
	if err := decodeYAML(data, &doc); err != nil {
		return nil, nil, yamlError(name, err)
	}
	delete(doc, "__metadata")
	keys := sortedKeys(doc)
	lines := yamlpos.KeyLines(data, "")

	type node struct {
		entry     *berryEntry
		workspace string // the workspace path, for workspace entries
		manifest  *manifest
	}
	nodes := make([]node, 0, len(keys))
	pkgs := make([]inventory.Package, 0, len(keys))
	byDesc := make(map[string]int, len(keys)*2)
	byBare := map[string]int{} // descriptors without their "::" binding
	for _, k := range keys {
		e := doc[k]
		if e == nil {
			continue
		}
		i := len(nodes)
		descs := strings.Split(k, ",")
		for j := range descs {
			d := strings.TrimSpace(descs[j])
			descs[j] = d
			if _, ok := byDesc[d]; !ok {
				byDesc[d] = i
			}
			if bare, _, ok := strings.Cut(d, "::"); ok {
				if _, ok := byBare[bare]; !ok {
					byBare[bare] = i
				}
			}
		}
		keyName, _ := splitSpec(descs[0])
		resName, ref := splitSpec(cmpStr(e.Resolution, descs[0]))
		protocol, _, _ := strings.Cut(ref, ":")
		n := node{entry: e}
		version := e.Version
		var p inventory.Package
		switch protocol {
		case "workspace":
			n.workspace = strings.TrimPrefix(ref, "workspace:")
			if m, err := readManifest(fsys, joinPath(dir, n.workspace)); err == nil && m != nil {
				n.manifest = m
				version = m.Version
			} else if version == "0.0.0-use.local" {
				version = "" // berry's placeholder, not the project's version
			}
			p = newPackage(resName, version)
			p.Type = "application"
			p.Direct = n.workspace != "." && n.workspace != ""
			if n.manifest != nil {
				p.Licenses = parseLicense(n.manifest.License)
			}
		case "file", "link", "portal":
			if version == "0.0.0-use.local" {
				version = ""
			}
			p = newPackage(resName, version)
			p.Type = "application"
		default:
			p = newPackage(resName, version)
			if keyName != resName {
				p.SetProperty(PropAlias, keyName)
			}
			if protocol != "npm" && protocol != "patch" {
				p.SetProperty(PropResolved, ref)
			}
		}
		p.Locations = []inventory.Location{{Path: name, Line: lines[k]}}
		nodes = append(nodes, n)
		pkgs = append(pkgs, p)
	}

	lookup := func(name, rng string) (int, bool) {
		d := name + "@" + rng
		if i, ok := byDesc[d]; ok {
			return i, true
		}
		if i, ok := byBare[d]; ok {
			return i, true
		}
		// Lockfiles before version 6 write ranges without the default
		// "npm:" protocol in dependencies but keep it in keys.
		i, ok := byDesc[name+"@npm:"+rng]
		return i, ok
	}

	g := newGraph(len(nodes))
	// A patch entry ("resolve@patch:resolve@npm%3A^1.22.0#...") is what
	// gets installed for the descriptor it patches, which is the one that
	// dependencies name; reaching that entry reaches the patched one.
	for d, i := range byDesc {
		_, ref := splitSpec(d)
		inner, ok := strings.CutPrefix(ref, "patch:")
		if !ok {
			continue
		}
		inner, _, _ = strings.Cut(inner, "#")
		if u, err := url.PathUnescape(inner); err == nil {
			inner = u
		}
		if j, ok := byDesc[inner]; ok && j != i {
			g.add(j, i)
		}
	}
	var rels edgeList
	var prodRoots, devRoots []int
	for i, n := range nodes {
		names := sortedKeys(n.entry.Dependencies)
		for _, dn := range names {
			j, ok := lookup(dn, n.entry.Dependencies[dn])
			if !ok {
				continue
			}
			g.add(i, j)
			if n.workspace == "" {
				rels.add(pkgs[i].PURL, pkgs[j].PURL, false)
				continue
			}
			dev := n.manifest != nil && isDevOnly(n.manifest, dn)
			pkgs[j].Direct = true
			rels.add(pkgs[i].PURL, pkgs[j].PURL, dev)
			if dev {
				devRoots = append(devRoots, j)
			} else {
				prodRoots = append(prodRoots, j)
			}
		}
	}
	// Workspaces are roots themselves: what they need is needed.
	for i, n := range nodes {
		if n.workspace != "" {
			prodRoots = append(prodRoots, i)
		}
	}
	// Edges out of workspaces must not count as runtime reach for dev
	// dependencies, so reachability runs on a graph without them.
	for i, n := range nodes {
		if n.workspace != "" {
			g.edges[i] = nil
		}
	}
	for i, dev := range g.devOnly(prodRoots, devRoots) {
		pkgs[i].Dev = dev
	}
	return pkgs, rels, nil
}

// isDevOnly reports whether m declares name only as a devDependency.
func isDevOnly(m *manifest, name string) bool {
	if _, ok := m.DevDependencies[name]; !ok {
		return false
	}
	_, a := m.Dependencies[name]
	_, b := m.OptionalDependencies[name]
	_, c := m.PeerDependencies[name]
	return !a && !b && !c
}
