// Package php inventories PHP packages from Composer's lockfile,
// composer.lock, with the composer.json beside it for which packages are
// direct.
//
// Spec: composer.lock is the "packages" and "packages-dev" arrays of
// Composer's package metadata (the schema of
// https://getcomposer.org/doc/04-schema.md as Composer's ArrayDumper writes
// it; https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control).
// Covered per package: name, version, source.reference, dist.shasum,
// license, require, provide and replace. Top-level fields other than the two
// arrays (content-hash, aliases, platform, ...) say nothing about packages.
//
// Versions: Composer keeps a tag's leading "v" in the lockfile
// ("v6.4.3" for symfony/console), while OSV's Packagist records
// (from GitHub's advisory database) write versions without it, and
// Composer itself drops it when it normalises versions; OSV's Packagist
// ordering (osv-scalibr's semantic package) strips it before comparing too.
// So Version and the purl use the version without the "v" ("6.4.3"), which
// is what a Packagist advisory is matched on, and the version exactly as
// the lockfile writes it is kept in the property hallmark:composer:version
// when the two differ. Other versions ("dev-main", "2.x-dev") are kept
// as written.
//
// Relationships come from each package's require; platform requirements
// (php, php-64bit, hhvm, ext-*, lib-*, composer-plugin-api, ...: every name
// without a vendor "/") are not packages and are skipped. A requirement
// that no locked package has by name resolves to the package that
// provides or replaces it (psr/http-client-implementation → guzzlehttp/guzzle).
//
// Purls follow purl-spec's composer type
// (https://github.com/package-url/purl-spec/blob/main/types/composer-definition.json):
// vendor as namespace, both lower-cased.
package php

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropVersion is the version exactly as composer.lock writes it, set
	// when Version differs from it (a leading "v" removed).
	PropVersion = "hallmark:composer:version"
	// PropSourceReference is source.reference: the commit of a package
	// installed from a VCS source.
	PropSourceReference = "hallmark:composer:source-reference"
)

// Extractor reads composer.lock.
type Extractor struct{}

// New returns the composer.lock extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "php/composer-lock" }

// LockedBy implements extract.Manifests: a composer.json outside vendor/
// with no composer.lock.
func (Extractor) LockedBy(p string) ([]string, string, bool) {
	if path.Base(p) != "composer.json" || slices.Contains(strings.Split(p, "/"), "vendor") {
		return nil, "", false
	}
	return []string{"composer.lock"}, "composer update --no-install", true
}

// Claims implements extract.Extractor.
func (Extractor) Claims(p string, _ fs.FileMode) bool {
	return path.Base(p) == "composer.lock"
}

// Companion: composer.json says which packages are direct.
func (Extractor) Companion(p string) bool { return path.Base(p) == "composer.json" }

type composerPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  struct {
		Type      string `json:"type"`
		Reference string `json:"reference"`
	} `json:"source"`
	Dist struct {
		Shasum string `json:"shasum"`
	} `json:"dist"`
	License []string          `json:"license"`
	Require map[string]string `json:"require"`
	Provide map[string]string `json:"provide"`
	Replace map[string]string `json:"replace"`

	dev  bool
	line int
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	locked, err := parseLock(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	direct, err := readDirect(in)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}

	pkgs := make([]inventory.Package, 0, len(locked))
	ids := make(map[string]string, len(locked)) // lower-case name → purl
	providers := map[string]string{}
	for _, cp := range locked {
		p := cp.pkg()
		p.Locations = []inventory.Location{{Path: in.Path, Line: cp.line}}
		p.Direct = direct[strings.ToLower(cp.Name)]
		ids[strings.ToLower(cp.Name)] = p.PURL
		pkgs = append(pkgs, p)
	}
	for _, cp := range locked {
		for _, m := range []map[string]string{cp.Replace, cp.Provide} {
			for name := range m {
				n := strings.ToLower(name)
				if _, ok := providers[n]; !ok {
					providers[n] = ids[strings.ToLower(cp.Name)]
				}
			}
		}
	}
	var rels []inventory.Relationship
	for _, cp := range locked {
		from := ids[strings.ToLower(cp.Name)]
		for name := range cp.Require {
			if isPlatform(name) {
				continue
			}
			n := strings.ToLower(name)
			to, ok := ids[n]
			if !ok {
				to, ok = providers[n]
			}
			if ok {
				rels = append(rels, inventory.Relationship{From: from, To: to, Type: inventory.DependsOn})
			}
		}
	}
	return pkgs, rels, nil
}

// isPlatform reports whether a requirement names the platform (PHP itself,
// an extension, a system library, Composer's APIs) rather than a package:
// packages are always "vendor/name".
func isPlatform(name string) bool {
	return !strings.Contains(name, "/")
}

// parseLock streams the top-level object and decodes each package of
// "packages" and "packages-dev" on its own, so errors name the package's
// index and line. Errors start with the line number.
func parseLock(data []byte) ([]*composerPackage, error) {
	if err := jsonpos.CheckDepth(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonpos.Describe(data, 0, "", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("1: want a JSON object, got %v", tok)
	}
	var out []*composerPackage
	lines := jsonpos.NewLines(data)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonpos.Describe(data, dec.InputOffset(), "", err)
		}
		key, _ := tok.(string)
		switch key {
		case "packages", "packages-dev":
			start := jsonpos.ValueStart(data, dec.InputOffset())
			tok, err := dec.Token()
			if err != nil {
				return nil, jsonpos.Describe(data, start, key, err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				if d, ok := tok.(json.Delim); ok && d == '{' {
					return nil, fmt.Errorf("%d: %s: want array, got object", jsonpos.LineAt(data, start), key)
				}
				return nil, fmt.Errorf("%d: %s: want array, got %s", jsonpos.LineAt(data, start), key, kindOf(tok))
			}
			for i := 0; dec.More(); i++ {
				start := jsonpos.ValueStart(data, dec.InputOffset())
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, jsonpos.Describe(data, start, fmt.Sprintf("%s[%d]", key, i), err)
				}
				cp := &composerPackage{dev: key == "packages-dev", line: lines.At(start)}
				if err := json.Unmarshal(raw, cp); err != nil {
					return nil, jsonpos.Describe(data, start, elemPath(key, i, raw), err)
				}
				if err := cp.check(elemPath(key, i, raw)); err != nil {
					return nil, fmt.Errorf("%d: %w", cp.line, err)
				}
				out = append(out, cp)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, jsonpos.Describe(data, dec.InputOffset(), key, err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonpos.Describe(data, dec.InputOffset(), key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) { // '}'
		return nil, jsonpos.Describe(data, dec.InputOffset(), "", err)
	}
	return out, nil
}

// elemPath names a package in errors: packages[3] ("vendor/name") when the
// name can be read.
func elemPath(key string, i int, raw json.RawMessage) string {
	var n struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(raw, &n)
	if s, ok := n.Name.(string); ok && s != "" {
		return fmt.Sprintf("%s[%d] (%s)", key, i, strconv.Quote(escape.Clip(s, 60)))
	}
	return fmt.Sprintf("%s[%d]", key, i)
}

func kindOf(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

// check validates what the inventory relies on.
func (cp *composerPackage) check(at string) error {
	if before, after, ok := strings.Cut(cp.Name, "/"); !ok || before == "" || after == "" || strings.Contains(after, "/") {
		return fmt.Errorf(`%s.name: want "vendor/package", got %q`, at, escape.Clip(cp.Name, 60))
	}
	if cp.Version == "" {
		return fmt.Errorf("%s.version: missing", at)
	}
	if s := cp.Dist.Shasum; s != "" {
		if b, err := hex.DecodeString(s); err != nil || len(b) != 20 {
			return fmt.Errorf("%s.dist.shasum: want 40 hex digits (SHA-1), got %q", at, escape.Clip(s, 60))
		}
	}
	return nil
}

func (cp *composerPackage) pkg() inventory.Package {
	version := NormalizeVersion(cp.Version)
	p := inventory.Package{
		Name:      cp.Name,
		Version:   version,
		Ecosystem: inventory.Packagist,
		PURL:      inventory.PURL(inventory.Packagist, cp.Name, version, nil),
		Dev:       cp.dev,
	}
	if version != cp.Version {
		p.SetProperty(PropVersion, cp.Version)
	}
	if cp.Source.Reference != "" {
		p.SetProperty(PropSourceReference, cp.Source.Reference)
	}
	if cp.Dist.Shasum != "" {
		p.Hashes = []inventory.Hash{{Algorithm: "SHA-1", Value: strings.ToLower(cp.Dist.Shasum)}}
	}
	for _, l := range cp.License {
		if l = strings.TrimSpace(l); l != "" {
			p.Licenses = append(p.Licenses, l)
		}
	}
	return p
}

// NormalizeVersion drops the leading "v" or "V" of a tag-like version
// ("v6.4.3" → "6.4.3"), as Composer's version parser does; anything else is
// returned as written.
func NormalizeVersion(v string) string {
	if len(v) >= 2 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

// readDirect reads the names composer.json beside the lockfile requires
// (require and require-dev), lower-cased. No composer.json means nothing is
// known to be direct.
func readDirect(in *extract.Input) (map[string]bool, error) {
	name := path.Join(path.Dir(in.Path), "composer.json")
	data, err := extract.ReadFile(in.FS, name, in.MaxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := jsonpos.CheckDepth(data); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	var manifest struct {
		Require    map[string]string `json:"require"`
		RequireDev map[string]string `json:"require-dev"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return nil, fmt.Errorf("%s:%w", name, jsonpos.Describe(data, 0, "", err))
	}
	direct := map[string]bool{}
	for _, m := range []map[string]string{manifest.Require, manifest.RequireDev} {
		for n := range m {
			if !isPlatform(n) {
				direct[strings.ToLower(n)] = true
			}
		}
	}
	return direct, nil
}
