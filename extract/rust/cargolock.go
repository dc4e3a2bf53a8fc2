package rust

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/tomlpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

const (
	// maxCargoLockSize caps a Cargo.lock below the walk's limit; the
	// largest real ones (rust-lang/rust's) are a few hundred kilobytes.
	maxCargoLockSize = 32 << 20
	// maxTOMLDepth bounds bracket nesting before the TOML decoder sees the
	// file: the decoder recurses per level, and Cargo.lock needs three.
	maxTOMLDepth = 32
)

// CargoLock reads Cargo.lock files.
type CargoLock struct{}

// Name implements extract.Extractor.
func (CargoLock) Name() string { return "rust/cargo-lock" }

// Claims implements extract.Extractor.
// LockedBy implements extract.Manifests: a Cargo.toml with no Cargo.lock
// beside it or at its workspace root.
func (CargoLock) LockedBy(p string) ([]string, string, bool) {
	if path.Base(p) != "Cargo.toml" {
		return nil, "", false
	}
	return []string{"Cargo.lock"}, "cargo generate-lockfile", true
}

func (CargoLock) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "Cargo.lock" }

type lockfile struct {
	Version  int64          `toml:"version"`
	Packages []lockPackage  `toml:"package"`
	Root     *lockPackage   `toml:"root"`
	Metadata map[string]any `toml:"metadata"`
}

type lockPackage struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
}

// Extract implements extract.Extractor.
func (CargoLock) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	limit := int64(maxCargoLockSize)
	if in.MaxSize > 0 && in.MaxSize < limit {
		limit = in.MaxSize
	}
	data, err := extract.ReadFile(in.FS, in.Path, limit)
	if err != nil {
		return nil, nil, err
	}
	pkgs, rels, unresolved, err := parseCargoLock(in.Path, data)
	for _, u := range unresolved {
		in.Skip(u)
	}
	return pkgs, rels, err
}

// parseCargoLock returns the packages and relationships, and for each
// dependency reference that names no package (or more than one) a reason:
// such a reference loses only its relationship, never the lockfile.
func parseCargoLock(name string, data []byte) ([]inventory.Package, []inventory.Relationship, []string, error) {
	if line, err := checkTOMLDepth(data, maxTOMLDepth); err != nil {
		return nil, nil, nil, fmt.Errorf("%s:%d: %w", name, line, err)
	}
	var lf lockfile
	if _, err := toml.Decode(string(data), &lf); err != nil {
		// BurntSushi/toml's errors give the line and the key.
		return nil, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if lf.Version < 0 || lf.Version > 4 {
		return nil, nil, nil, fmt.Errorf("%s: version = %d: want 1 to 4 (or none, for versions 1 and 2)", name, lf.Version)
	}
	// Each [[package]] header's line, when they match the tables decoded.
	lines := tomlpos.ArrayTables(data, "package")
	if len(lines) != len(lf.Packages) {
		lines = nil
	}
	if lf.Root != nil {
		// The oldest version 1 files keep the root crate in [root].
		lf.Packages = append(lf.Packages, *lf.Root)
	}

	type entry struct {
		lp  lockPackage
		pkg inventory.Package
	}
	entries := make([]entry, len(lf.Packages))
	byName := map[string][]int{}
	for i, lp := range lf.Packages {
		field := fmt.Sprintf("%s: package[%d]", name, i)
		if lp.Name == "" {
			return nil, nil, nil, fmt.Errorf("%s: name: want a crate name, got none", field)
		}
		if lp.Version == "" {
			return nil, nil, nil, fmt.Errorf("%s (%q): version: want a version, got none", field, lp.Name)
		}
		p := crate(lp.Name, lp.Version, lp.Source)
		sum := lp.Checksum
		if sum == "" {
			// Version 1: "checksum NAME VERSION (SOURCE)" = "hex" in [metadata].
			if v, ok := lf.Metadata[fmt.Sprintf("checksum %s %s (%s)", lp.Name, lp.Version, lp.Source)].(string); ok && v != "<none>" {
				sum = v
			}
		}
		if sum != "" {
			if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
				return nil, nil, nil, fmt.Errorf("%s (%s %s): checksum %q: want 64 hex digits of a SHA-256", field, lp.Name, lp.Version, sum)
			}
			p.Hashes = append(p.Hashes, inventory.Hash{Algorithm: "SHA-256", Value: strings.ToLower(sum)})
		}
		if lp.Source == "" {
			// No source: a path crate, which in a lockfile means a
			// workspace member or a path dependency; both are the
			// project's own code.
			p.Type = "application"
			p.Direct = true
		}
		p.Locations = []inventory.Location{{Path: name}}
		if i < len(lines) {
			p.Locations[0].Line = lines[i]
		}
		entries[i] = entry{lp, p}
		byName[lp.Name] = append(byName[lp.Name], i)
	}

	var rels []inventory.Relationship
	var unresolved []string
	for i, e := range entries {
		for j, dep := range e.lp.Dependencies {
			k, err := resolveDep(dep, byName, func(k int) lockPackage { return entries[k].lp })
			if err != nil {
				unresolved = append(unresolved, fmt.Sprintf("package[%d] (%s %s): dependencies[%d] %q: %v; that relationship is left out", i, e.lp.Name, e.lp.Version, j, dep, err))
				continue
			}
			rels = append(rels, inventory.Relationship{From: e.pkg.PURL, To: entries[k].pkg.PURL, Type: inventory.DependsOn})
			if e.lp.Source == "" {
				entries[k].pkg.Direct = true
			}
		}
	}
	pkgs := make([]inventory.Package, len(entries))
	for i := range entries {
		pkgs[i] = entries[i].pkg
	}
	return pkgs, rels, unresolved, nil
}

// resolveDep finds the package a dependency string names. Cargo writes the
// shortest unambiguous spelling: "name", "name version" or
// "name version (source)"; version 1 always writes the long form.
func resolveDep(dep string, byName map[string][]int, pkg func(int) lockPackage) (int, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(dep), " ")
	version, source, _ := strings.Cut(rest, " ")
	if source != "" {
		if !strings.HasPrefix(source, "(") || !strings.HasSuffix(source, ")") {
			return 0, fmt.Errorf("want \"name [version] [(source)]\"")
		}
		source = source[1 : len(source)-1]
	}
	found := -1
	for _, k := range byName[name] {
		lp := pkg(k)
		if version != "" && lp.Version != version {
			continue
		}
		if source != "" && !sameSource(lp.Source, source) {
			continue
		}
		if found >= 0 {
			return 0, fmt.Errorf("names more than one package")
		}
		found = k
	}
	if found < 0 {
		return 0, fmt.Errorf("no such package in the lockfile")
	}
	return found, nil
}

// sameSource reports whether a dependency's source names a package's.
// Cargo compares source ids without the precise revision: a package's
// source is "git+URL#commit", while version 1 lockfiles spell the
// reference to it "(git+URL)" (alacritty v0.4.0's, servo's). A reference
// that does give a revision must give the package's.
func sameSource(pkg, ref string) bool {
	if pkg == ref {
		return true
	}
	if !strings.HasPrefix(pkg, "git+") || strings.Contains(ref, "#") {
		return false
	}
	base, _, _ := strings.Cut(pkg, "#")
	return base == ref
}

// checkTOMLDepth reports the first line where brackets and braces outside
// strings and comments nest deeper than max.
func checkTOMLDepth(data []byte, max int) (line int, err error) {
	line, depth := 1, 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i-- // let the newline count
		case '"', '\'':
			quote := []byte{c}
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				quote = []byte{c, c, c}
			}
			i += len(quote)
			for i < len(data) && !bytes.HasPrefix(data[i:], quote) {
				if data[i] == '\n' {
					line++
				}
				if data[i] == '\\' && c == '"' {
					i++
				}
				i++
			}
			i += len(quote) - 1
		case '[', '{':
			depth++
			if depth > max {
				return line, fmt.Errorf("brackets nest deeper than %d levels", max)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return line, nil
}
