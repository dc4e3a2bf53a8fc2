// Package rust inventories Rust crates: from Cargo.lock files and from the
// dependency list cargo-auditable embeds in Rust executables.
//
// Specs implemented:
//   - Cargo.lock, lockfile versions 1 to 4, as cargo writes them
//     (https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html;
//     the format is defined by cargo's src/cargo/core/resolver/encode.rs),
//     decoded with github.com/BurntSushi/toml. Covered: [[package]] name,
//     version, source, checksum and dependencies in their three spellings
//     ("name", "name version", "name version (source)"); version 1's
//     checksums in [metadata]; the [root] table of the oldest version 1
//     files. Not covered: the deprecated `replace` key (its package is still
//     reported, but the replacement is not followed) and [[patch.unused]],
//     which lists patches outside the dependency graph.
//   - cargo-auditable's embedded audit data
//     (https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md,
//     schema cargo-auditable.schema.json): the zlib-compressed JSON in the
//     ".dep-v0" section of ELF and PE files and in "__DATA,.dep-v0" of
//     Mach-O (thin and universal) files. WebAssembly modules are not read.
//
// Package URLs follow purl-spec's cargo type
// (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst#cargo):
// pkg:cargo/name@version, crates.io being the default repository. A crate
// from another registry carries the repository_url qualifier, one from git
// the vcs_url qualifier ("git+https://host/repo@commit"), both standard purl
// qualifiers.
package rust

import (
	"net/url"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropSource is the package's source as the input spells it: a
	// Cargo.lock source URL ("git+https://...?branch=main#rev",
	// "registry+https://...") for anything but crates.io, or
	// cargo-auditable's source kind ("git", "local", "registry").
	PropSource = "hallmark:cargo:source"
	// PropDependencyKind is "build" for crates cargo-auditable records as
	// needed only to build (build scripts, proc macros), not at run time.
	PropDependencyKind = "hallmark:cargo:dependency-kind"
)

// crates.io's index, in the git and the sparse protocol.
const (
	cratesIOGit    = "registry+https://github.com/rust-lang/crates.io-index"
	cratesIOSparse = "sparse+https://index.crates.io/"
)

// crate builds the package for a crate with a Cargo.lock source ("" for a
// path dependency or workspace member).
func crate(name, version, source string) inventory.Package {
	var quals map[string]string
	switch {
	case source == "" || source == cratesIOGit || source == cratesIOSparse:
	case strings.HasPrefix(source, "registry+"), strings.HasPrefix(source, "sparse+"):
		_, index, _ := strings.Cut(source, "+")
		quals = map[string]string{"repository_url": index}
	case strings.HasPrefix(source, "git+"):
		quals = map[string]string{"vcs_url": gitVCSURL(source)}
	}
	p := inventory.Package{
		Name:      name,
		Version:   version,
		Ecosystem: inventory.CratesIO,
		PURL:      inventory.PURL(inventory.CratesIO, name, version, quals),
	}
	if source != "" && source != cratesIOGit && source != cratesIOSparse {
		p.SetProperty(PropSource, source)
	}
	return p
}

// gitVCSURL turns a Cargo git source ("git+https://host/repo?branch=x#rev")
// into purl's vcs_url form ("git+https://host/repo@rev"): the commit is
// what was built; the branch or tag only says how cargo found it.
func gitVCSURL(source string) string {
	u, err := url.Parse(source)
	if err != nil {
		return source
	}
	rev := u.Fragment
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	if rev == "" {
		return u.String()
	}
	return u.String() + "@" + rev
}
