package npm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/inventory"
)

// YarnLock reads yarn.lock, both yarn 1's own format and yarn berry's YAML.
type YarnLock struct{}

// Name implements extract.Extractor.
func (YarnLock) Name() string { return "npm/yarn-lock" }

// Covers: the lockfile lists what the node_modules beside it holds.
func (YarnLock) Covers() (string, []string) { return "node_modules", []string{"yarn.lock"} }

// Claims implements extract.Extractor.
func (YarnLock) Claims(p string, _ fs.FileMode) bool {
	return path.Base(p) == "yarn.lock" && !inInstalledPackage(p)
}

// berryMarker starts yarn berry's lockfiles; yarn 1 never writes a
// top-level __metadata entry.
var berryMarker = lazyregexp.New(`(?m)^"?__metadata"?:`)

// Extract implements extract.Extractor.
func (YarnLock) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	return named(extractYarnLock(in))
}

// Companion: package.json says which dependencies are direct and dev.
func (YarnLock) Companion(p string) bool { return path.Base(p) == "package.json" }

func extractYarnLock(in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	dir := dirOf(in.Path)
	if berryMarker.Match(data) {
		if len(data) > maxYAMLSize {
			return nil, nil, fmt.Errorf("%s: %w (%d bytes for YAML)", in.Path, extract.ErrTooLarge, maxYAMLSize)
		}
		return extractBerry(in.FS, dir, in.Path, data)
	}
	entries, err := parseYarnV1(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	root, err := readManifest(in.FS, dir)
	if err != nil {
		return nil, nil, err
	}
	pkgs, rels := yarnV1Inventory(in.FS, dir, in.Path, entries, root)
	return pkgs, rels, nil
}

// yarnEntry is one block of a yarn 1 lockfile: the descriptors
// ("name@range") it answers and the package they resolved to.
type yarnEntry struct {
	keys      []string
	line      int
	version   string
	resolved  string
	integrity string
	deps      []declared // dependencies and optionalDependencies
}

// yarnError is a parse error at a line of a yarn 1 lockfile.
type yarnError struct {
	line int
	msg  string
}

func (e *yarnError) Error() string { return fmt.Sprintf("%d: %s", e.line, e.msg) }

// parseYarnV1 reads yarn 1's lockfile format as yarn's own parser
// (src/lockfile/parse.js) accepts what yarn writes: "#" comments, entries
// whose header lists descriptors separated by ", " and ends in ":", fields
// "key value" or "key:" opening a nested block, two spaces per level.
func parseYarnV1(data []byte) ([]yarnEntry, error) {
	var entries []yarnEntry
	var cur *yarnEntry
	section := ""
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimRight(line, " \t\r")
		trimmed := bytes.TrimLeft(line, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		if trimmed[0] == '\t' {
			return nil, &yarnError{lineNo, "indented with a tab, want spaces"}
		}
		if indent%2 != 0 {
			return nil, &yarnError{lineNo, fmt.Sprintf("indented by %d spaces, want a multiple of 2", indent)}
		}
		switch indent / 2 {
		case 0:
			if bytes.HasPrefix(trimmed, []byte("<<<<<<<")) {
				return nil, &yarnError{lineNo, "merge conflict marker"}
			}
			if trimmed[len(trimmed)-1] != ':' {
				return nil, &yarnError{lineNo, "entry header does not end in \":\""}
			}
			keys, err := splitYarnKeys(string(trimmed[:len(trimmed)-1]))
			if err != nil {
				return nil, &yarnError{lineNo, err.Error()}
			}
			entries = append(entries, yarnEntry{keys: keys, line: lineNo})
			cur = &entries[len(entries)-1]
			section = ""
		case 1:
			if cur == nil {
				return nil, &yarnError{lineNo, "field outside an entry"}
			}
			key, value, block, err := yarnField(string(trimmed))
			if err != nil {
				return nil, &yarnError{lineNo, err.Error()}
			}
			section = ""
			if block {
				section = key
				continue
			}
			switch key {
			case "version":
				cur.version = value
			case "resolved":
				cur.resolved = value
			case "integrity":
				cur.integrity = value
			}
		case 2:
			if cur == nil || section == "" {
				return nil, &yarnError{lineNo, "nested field outside a block"}
			}
			key, value, block, err := yarnField(string(trimmed))
			if err != nil {
				return nil, &yarnError{lineNo, err.Error()}
			}
			if block {
				return nil, &yarnError{lineNo, "block nested too deep"}
			}
			if section == "dependencies" || section == "optionalDependencies" {
				cur.deps = append(cur.deps, declared{name: key, spec: value})
			}
		default:
			return nil, &yarnError{lineNo, fmt.Sprintf("indented %d levels, want at most 2", indent/2)}
		}
	}
	return entries, nil
}

// splitYarnKeys splits an entry header into its descriptors, each bare or
// a double-quoted string.
func splitYarnKeys(s string) ([]string, error) {
	var keys []string
	for s != "" {
		tok, rest, err := yarnToken(s, ",")
		if err != nil {
			return nil, err
		}
		if tok == "" {
			return nil, fmt.Errorf("empty descriptor in entry header")
		}
		keys = append(keys, tok)
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, fmt.Errorf("want \",\" between descriptors, got %q", rest)
		}
		s = strings.TrimLeft(rest[1:], " ")
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("entry header names no descriptor")
	}
	return keys, nil
}

// yarnField reads "key value", "key: value" or "key:" (a block).
func yarnField(s string) (key, value string, block bool, err error) {
	key, rest, err := yarnToken(s, " :")
	if err != nil {
		return "", "", false, err
	}
	if key == "" {
		return "", "", false, fmt.Errorf("field without a name")
	}
	if strings.HasPrefix(rest, ":") {
		rest = rest[1:]
		if strings.TrimSpace(rest) == "" {
			return key, "", true, nil
		}
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return "", "", false, fmt.Errorf("field %q has no value", key)
	}
	if rest[0] == '"' {
		v, after, err := yarnToken(rest, "")
		if err != nil {
			return "", "", false, err
		}
		if strings.TrimSpace(after) != "" {
			return "", "", false, fmt.Errorf("text after the value of %q", key)
		}
		return key, v, false, nil
	}
	return key, rest, false, nil
}

// yarnToken reads a double-quoted string (JSON escapes) or a bare word
// ending at any byte of stop, and returns it with the rest of s.
func yarnToken(s, stop string) (tok, rest string, err error) {
	if s == "" || s[0] != '"' {
		i := strings.IndexAny(s, stop)
		if i < 0 {
			return s, "", nil
		}
		return s[:i], s[i:], nil
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			q := s[:i+1]
			if !strings.Contains(q, `\`) {
				return q[1 : len(q)-1], s[i+1:], nil
			}
			if err := json.Unmarshal([]byte(q), &tok); err != nil {
				return "", "", fmt.Errorf("bad quoted string %s", q)
			}
			return tok, s[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string")
}

// isLocalSpec reports whether a range points at a folder or file on disk,
// which makes the package part of the project, not a registry package.
func isLocalSpec(spec string) bool {
	for _, p := range []string{"file:", "link:", "portal:", "workspace:"} {
		if strings.HasPrefix(spec, p) {
			return true
		}
	}
	return false
}

// tarballSHA1 reads the "#sha1" yarn 1 appends to registry tarball URLs.
func tarballSHA1(resolved string) []inventory.Hash {
	u, frag, ok := strings.Cut(resolved, "#")
	if !ok || len(frag) != 40 || !isRegistryTarball(u) {
		return nil
	}
	for _, c := range frag {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil
		}
	}
	return []inventory.Hash{{Algorithm: "SHA-1", Value: frag}}
}

// project is a package.json-described project (the root or a workspace)
// that declares dependencies.
type project struct {
	dir  string
	m    *manifest
	purl string
}

// yarnV1Inventory turns parsed entries into packages. root is the
// package.json beside the lockfile; with it come the root project, its
// workspaces, Direct and Dev.
func yarnV1Inventory(fsys fs.FS, dir, file string, entries []yarnEntry, root *manifest) ([]inventory.Package, []inventory.Relationship) {
	byKey := make(map[string]int, len(entries)*2)
	pkgs := make([]inventory.Package, 0, len(entries)+1)
	for i, e := range entries {
		for _, k := range e.keys {
			if _, ok := byKey[k]; !ok {
				byKey[k] = i
			}
		}
		key, spec := splitSpec(e.keys[0])
		var p inventory.Package
		switch {
		case isLocalSpec(spec):
			p = newPackage(key, e.version)
			p.Type = "application"
		default:
			name := key
			if real, _, ok := aliasTarget(spec); ok {
				name = real
			}
			p = newPackage(name, e.version)
			if name != key {
				p.SetProperty(PropAlias, key)
			}
			p.Hashes = append(parseIntegrity(e.integrity), tarballSHA1(e.resolved)...)
			if e.resolved != "" && !isRegistryTarball(e.resolved) {
				p.SetProperty(PropResolved, e.resolved)
			}
		}
		p.Locations = []inventory.Location{{Path: file, Line: e.line}}
		pkgs = append(pkgs, p)
	}

	g := newGraph(len(entries))
	var rels edgeList
	for i, e := range entries {
		for _, d := range e.deps {
			if j, ok := byKey[d.name+"@"+d.spec]; ok {
				g.add(i, j)
				rels.add(pkgs[i].PURL, pkgs[j].PURL, false)
			}
		}
	}
	if root == nil {
		return pkgs, rels
	}

	projects := []project{{dir: dir, m: root}}
	// yarn 1 ignores "!" patterns (yarn 1.22.22 installs and links a
	// workspace that a later "!" pattern names), so they are dropped here.
	globs := slices.DeleteFunc(root.workspaceGlobs(), func(g string) bool { return strings.HasPrefix(g, "!") })
	for _, wd := range workspaceDirs(fsys, dir, globs) {
		if wm, err := readManifest(fsys, wd); err == nil && wm != nil {
			projects = append(projects, project{dir: wd, m: wm})
		}
	}
	workspaces := map[string]string{} // name → purl
	for i := range projects {
		m := projects[i].m
		if m.Name == "" {
			continue
		}
		p := newPackage(m.Name, m.Version)
		p.Type = "application"
		p.Licenses = parseLicense(m.License)
		p.Direct = i > 0
		projects[i].purl = p.PURL
		workspaces[m.Name] = p.PURL
		pkgs = append(pkgs, p)
	}
	var prodRoots, devRoots []int
	for _, pr := range projects {
		for _, d := range pr.m.deps() {
			j, ok := byKey[d.name+"@"+d.spec]
			if !ok {
				// Workspaces depend on each other by name; yarn 1 leaves
				// those out of the lockfile.
				rels.add(pr.purl, workspaces[d.name], d.dev)
				continue
			}
			pkgs[j].Direct = true
			rels.add(pr.purl, pkgs[j].PURL, d.dev)
			if d.dev {
				devRoots = append(devRoots, j)
			} else {
				prodRoots = append(prodRoots, j)
			}
		}
	}
	for i, dev := range g.devOnly(prodRoots, devRoots) {
		pkgs[i].Dev = dev
	}
	return pkgs, rels
}
