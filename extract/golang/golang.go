// Package golang inventories Go modules: from a main module's go.mod (with
// the go.sum beside it) and from the build information the Go linker
// embeds in every module-aware binary.
//
// Specs implemented:
//   - go.mod: https://go.dev/ref/mod#go-mod-file, parsed with
//     golang.org/x/mod/modfile. Covered: module, go, toolchain, require
//     (with "// indirect"), replace (by module and by local directory,
//     wildcard and version-specific) and exclude. retract, godebug, tool and
//     ignore directives do not change what the main module depends on and
//     are read but not reported.
//   - go.sum: https://go.dev/ref/mod#go-sum-files. Only "h1:" hashes of
//     module zips are used; "/go.mod" hashes are not package hashes. Below
//     "go 1.17" (no module graph pruning) go.mod omits most indirect
//     dependencies, so the modules go.sum holds a zip hash for, and go.mod
//     does not name, are reported as indirect dependencies (the highest
//     version of each); from 1.17 on go.mod is complete and such go.sum lines
//     are only the test needs of dependencies, which are not reported.
//   - Go binaries: the build information read by debug/buildinfo
//     (https://pkg.go.dev/debug/buildinfo): main module, dependencies with
//     their replacements and sums, the Go version and the build settings.
//     When the extraction asks for binary facts (extract.Options.
//     BinaryFacts, set by scans), also the function table (pclntab, read
//     with debug/gosym from ELF, Mach-O and PE files; Go 1.2 and later
//     layouts) as an inventory.GoBinary: GOOS/GOARCH, the packages and the
//     functions, spelled as the Go vulnerability database spells symbols,
//     for match's reachability. The facts are not written to SBOMs. The
//     table is read only up to 256 MiB and 524,288 functions (about 170 MB
//     while parsing, 4 MB kept); a binary over either, or whose table
//     cannot be read, gets no facts, and its findings no reachability.
//
// The standard library is reported as the package "stdlib" of the Go
// ecosystem with the version written as the Go vulnerability database's OSV
// records write it (https://go.dev/doc/security/vuln/database#schema):
// "go1.22.1" becomes "1.22.1", "go1.21rc2" becomes "1.21.0-rc.2".
//
// go.mod alone knows the first level of the graph only: the main module
// depends on every requirement, and a requirement without "// indirect" is
// direct. go.sum and binaries do not say which module needs which.
package golang

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropReplacedFrom is the "path@version" (or "path" for a wildcard
	// replace) a module was required as before a replace directive.
	PropReplacedFrom = "hallmark:go:replaced-from"
	// PropReplaceDir is the local directory a module is replaced by.
	PropReplaceDir = "hallmark:go:replace-dir"
	// PropHash says which Go hash the SHA-256 in Hashes is: "h1" is the
	// dirhash of the module zip (golang.org/x/mod/sumdb/dirhash), not a
	// digest of the zip file itself.
	PropHash = "hallmark:go:hash"
	// PropStdlibSource says where the stdlib version came from: "go.mod"
	// (the toolchain or go line, a minimum) or "buildinfo" (the toolchain
	// that built the binary).
	PropStdlibSource = "hallmark:go:stdlib-source"
	// PropToolchain is the Go version string exactly as a binary records it,
	// experiments ("X:boringcrypto") included.
	PropToolchain = "hallmark:go:toolchain"
	// PropMainPackage is the import path of a binary's main package.
	PropMainPackage = "hallmark:go:main-package"
	// PropBuildPrefix prefixes each build setting of a binary
	// ("hallmark:go:build:GOOS", "hallmark:go:build:vcs.revision").
	PropBuildPrefix = "hallmark:go:build:"
)

// StdlibName is the module path OSV and govulncheck use for the standard
// library.
const StdlibName = "stdlib"

// goTag matches Go release tags: go1.22, go1.22.1, go1.21rc2, go1.19beta1.
// The same shape golang.org/x/vuln uses to map tags to semantic versions.
var goTag = lazyregexp.New(`^go(\d+\.\d+)(\.\d+)?(?:(beta|rc)(\d+))?$`)

// StdlibVersion turns a Go version ("go1.22.1", "go1.21rc2",
// "go1.22.1 X:boringcrypto", "1.22") into the semantic version OSV's Go
// records use, without the "v": "1.22.1", "1.21.0-rc.2". It returns "" for
// versions that name no release (development builds).
func StdlibVersion(v string) string {
	v = strings.TrimSpace(v)
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0] // drop " X:experiment" suffixes
	}
	if !strings.HasPrefix(v, "go") {
		v = "go" + v
	}
	// Vendor builds append "-suffix" (go1.22.1-bookworm, go1.24.0-1, the
	// older go1.19.2-X:boringcrypto); the release is what comes before.
	if i := strings.IndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	if v == "go1" {
		return "1.0.0"
	}
	m := goTag.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	out := m[1]
	if m[2] != "" {
		out += m[2]
	} else {
		out += ".0"
	}
	if m[3] != "" {
		out += "-" + m[3] + "." + m[4]
	}
	return out
}

// h1ToHash converts a Go "h1:" hash (base64 of a SHA-256) into a Hash.
func h1ToHash(sum string) (inventory.Hash, bool) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return inventory.Hash{}, false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 32 {
		return inventory.Hash{}, false
	}
	return inventory.Hash{Algorithm: "SHA-256", Value: hex.EncodeToString(raw)}, true
}

// modulePackage builds the package for a Go module.
func modulePackage(path, version string) inventory.Package {
	return inventory.Package{
		Name:      path,
		Version:   version,
		Ecosystem: inventory.Go,
		PURL:      inventory.PURL(inventory.Go, path, version, nil),
	}
}

// addH1 adds a module's h1 sum as its hash.
func addH1(p *inventory.Package, sum string) {
	if h, ok := h1ToHash(sum); ok {
		p.Hashes = append(p.Hashes, h)
		p.SetProperty(PropHash, "h1")
	}
}

func dependsOn(from, to *inventory.Package) inventory.Relationship {
	return inventory.Relationship{From: from.PURL, To: to.PURL, Type: inventory.DependsOn}
}
