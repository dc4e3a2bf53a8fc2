// Package npm extracts JavaScript packages from the lockfiles of npm, yarn
// and pnpm, and from node_modules trees that no lockfile describes. It sits
// in the extract step of hallmark's flow: each extractor claims one file
// (a lockfile by its base name, an installed package.json by its place in
// node_modules) and returns packages (purl type npm, OSV ecosystem "npm")
// and the dependency edges between them.
//
// Formats and the subset covered:
//
//   - package-lock.json and npm-shrinkwrap.json, lockfileVersion 1, 2 and 3
//     (https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json).
//     v2 and v3 are read from "packages" (keyed by node_modules paths, "" the
//     root project); v1 from the nested "dependencies" tree. Dependency names
//     resolve the way Node does: the nearest node_modules up the path. Links
//     ("link": true) are followed to the folder they point at and never
//     reported as registry packages; folders that are not under node_modules
//     (workspaces, "file:" folders) are local projects, Type "application".
//     Aliases ("npm:" specifiers) report the real package with the property
//     hallmark:npm:alias. The hidden lockfile node_modules/.package-lock.json
//     is not claimed: the lockfile beside node_modules speaks for it.
//   - yarn.lock v1 (the custom format written by yarn 1,
//     https://classic.yarnpkg.com/en/docs/yarn-lock) and yarn berry (v2+,
//     YAML with __metadata, https://yarnpkg.com/advanced/lexicon). Direct and
//     dev-only packages are known only when the package.json files of the
//     project (and, for yarn 1, of its workspaces) are beside the lockfile.
//     Berry's "checksum" hashes yarn's own zip archive, not the npm tarball,
//     so it is not reported as a package hash.
//   - pnpm-lock.yaml lockfileVersion 5.x (keys /name/version), 6.x (keys
//     /name@version) and 9.0 (keys name@version, with "snapshots"),
//     https://github.com/pnpm/spec/tree/master/lockfile. Importers are the
//     workspace projects, Type "application"; "link:" versions point at
//     another importer and are not registry packages.
//   - installed packages (Installed): node_modules/NAME/package.json and
//     node_modules/@SCOPE/NAME/package.json at any depth
//     (https://docs.npmjs.com/cli/v11/configuring-npm/package-json), for
//     trees without a lockfile: global installs, node_modules copied
//     without one. package.json files deeper inside a package are not
//     packages. name (an alias when it differs from the folder), version,
//     license or legacy licenses, and npm 5/6's _integrity and _resolved
//     are read; dependencies, optionalDependencies and peerDependencies
//     become edges to the package Node would load, the nearest
//     node_modules up the path. Dev and Direct are unknown and left unset.
//     Folders under a node_modules that sits beside a lockfile are left to
//     the lockfile. Lockfiles inside an installed package (uri-js ships its
//     yarn.lock) are not claimed: nothing installs from them, except
//     npm-shrinkwrap.json, which npm follows.
//
// For every lockfile format a package is Dev only when it is reached from dev
// dependencies alone, and Direct when a project (root or workspace) declares
// it. Integrity strings (SRI, https://www.w3.org/TR/SRI/) become hashes.
package npm

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropAlias is the name a package is installed under when an "npm:"
	// alias put it there (node_modules/foo holding package bar).
	PropAlias = "hallmark:npm:alias"
	// PropBundled marks packages shipped inside another package's tarball
	// (bundleDependencies), which the lockfile records without a hash.
	PropBundled = "hallmark:npm:bundled"
	// PropResolved is where a package came from when that is not a registry
	// tarball (git, a URL, a local tarball), since the version alone does
	// not identify it then.
	PropResolved = "hallmark:npm:resolved"
)

// maxYAMLSize bounds YAML lockfiles: the YAML decoder holds a node tree
// several times the size of the text, so the general file limit is too
// generous for it. The largest real pnpm and yarn lockfiles are a few MiB.
const maxYAMLSize = 64 << 20

// newPackage builds an npm package with its purl.
func newPackage(name, version string) inventory.Package {
	return inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.Npm,
		PURL:      inventory.PURL(inventory.Npm, name, version, nil),
	}
}

// sriAlgorithms maps SRI hash names to CycloneDX algorithm names.
var sriAlgorithms = map[string]string{
	"sha1":   "SHA-1",
	"sha256": "SHA-256",
	"sha384": "SHA-384",
	"sha512": "SHA-512",
}

// parseIntegrity reads an SRI string: space-separated "alg-base64" entries
// (options after "?" ignored). Entries with unknown algorithms or bad base64
// are left out, as the SRI spec says to ignore what cannot be understood.
func parseIntegrity(s string) []inventory.Hash {
	var hashes []inventory.Hash
	for _, f := range strings.Fields(s) {
		alg, b64, ok := strings.Cut(f, "-")
		if !ok {
			continue
		}
		name, ok := sriAlgorithms[strings.ToLower(alg)]
		if !ok {
			continue
		}
		b64, _, _ = strings.Cut(b64, "?")
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			if raw, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
				continue
			}
		}
		hashes = append(hashes, inventory.Hash{Algorithm: name, Value: hex.EncodeToString(raw)})
	}
	return hashes
}

// isRegistryTarball reports whether a resolved URL is a registry tarball
// (https://host/name/-/name-1.0.0.tgz), which the name and version identify
// already; anything else is worth recording.
func isRegistryTarball(u string) bool {
	u, _, _ = strings.Cut(u, "#")
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) &&
		strings.Contains(u, "/-/") && strings.HasSuffix(u, ".tgz")
}

// parseLicense reads a package.json-style license: a string, an object with
// "type", or (the deprecated "licenses") an array of either. Shapes it does
// not know give nothing: a license is informative and never worth failing
// the whole lockfile over.
func parseLicense(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
		return nil
	}
	var obj struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Type != "" {
		return []string{obj.Type}
	}
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil {
		var out []string
		for _, a := range arr {
			out = append(out, parseLicense(a)...)
		}
		return out
	}
	return nil
}

// splitSpec splits "name@range" at the "@" that ends the name (a scoped
// name starts with "@"). A key with no range gives range "".
func splitSpec(s string) (name, rng string) {
	if i := strings.IndexByte(s[min(1, len(s)):], '@'); i >= 0 {
		i++
		return s[:i], s[i+1:]
	}
	return s, ""
}

// splitNameVersion splits "name@version" at its last "@" (versions have
// none), keeping a scope's leading "@" in the name.
func splitNameVersion(s string) (name, version string, ok bool) {
	i := strings.LastIndexByte(s, '@')
	if i <= 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// aliasTarget reads an "npm:" alias specifier ("npm:lodash@^4" or
// "npm:@scope/x@1.0.0") and returns the real package name and the rest.
func aliasTarget(spec string) (name, rest string, ok bool) {
	s, ok := strings.CutPrefix(spec, "npm:")
	if !ok || s == "" {
		return "", "", false
	}
	if n, v, ok := splitNameVersion(s); ok {
		return n, v, true
	}
	return s, "", true
}

// dirOf is the directory of a slash path, "" for the root (so joining with
// it never yields "./x").
func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

// joinPath joins slash paths, treating "" as the root.
func joinPath(elem ...string) string {
	p := path.Join(elem...)
	if p == "." {
		return ""
	}
	return p
}

// named drops packages without a name, which malformed entries can give
// (an "npm:" alias with nothing after it, a key ending in node_modules/):
// a package with no name has no identity to report.
func named(pkgs []inventory.Package, rels []inventory.Relationship, err error) ([]inventory.Package, []inventory.Relationship, error) {
	if err != nil {
		return nil, nil, err
	}
	return slices.DeleteFunc(pkgs, func(p inventory.Package) bool { return p.Name == "" }), rels, nil
}
