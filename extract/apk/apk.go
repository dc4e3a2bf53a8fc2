// Package apk inventories the packages installed on Alpine Linux from apk's
// database, lib/apk/db/installed.
//
// Spec: the installed database is the package index format of apk-tools
// (https://wiki.alpinelinux.org/wiki/Apk_spec, "Package metadata"):
// records separated by blank lines, each line one letter, a colon and a
// value. Covered: P (name), V (version), A (architecture), o (origin, the
// source package), L (license), C (checksum: "Q1" + base64 SHA-1 or "Q2" +
// base64 SHA-256 of the package's control segment), D (dependencies), p
// (provides), m (maintainer), t (build time), c (aports commit). The file
// list lines (F, R, a, M, Z) and the rest are read past.
//
// Dependencies ("D:") name packages, or what packages provide ("so:" shared
// objects, "cmd:" commands, "pc:" pkg-config modules, paths like /bin/sh);
// each resolves to the installed package of that name, else to one that
// provides it ("p:"), preferring the highest provider priority ("k:").
// Version constraints are ignored and "!name" (conflicts) skipped.
//
// Package URLs follow purl-spec's apk type
// (https://github.com/package-url/purl-spec/blob/main/types/apk-definition.json):
// pkg:apk/alpine/<name>@<version>?arch=<arch>&distro=alpine-<VERSION_ID>.
// The license is kept as apk records it: an SPDX expression on current
// Alpine, a space-separated list of names on older releases.
package apk

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropMaintainer is the m: field.
	PropMaintainer = "hallmark:apk:maintainer"
	// PropBuildTime is the t: field, seconds since 1970.
	PropBuildTime = "hallmark:apk:build-time"
	// PropCommit is the c: field, the aports commit the package was built
	// from.
	PropCommit = "hallmark:apk:commit"
)

const dbPath = "lib/apk/db/installed"

// Extractor reads apk installed databases.
type Extractor struct{}

// New returns the apk extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "apk/installed" }

// Claims implements extract.Extractor: lib/apk/db/installed, and a file
// named "installed" at the root, which is how a single database given as
// the target arrives (Extract checks that it is one).
func (Extractor) Claims(p string, _ fs.FileMode) bool {
	return p == dbPath || p == "installed"
}

// record is one package of the database.
type record struct {
	line                    int
	name, version, arch     string
	origin, license         string
	checksum                string
	checksumLine            int
	depends, provides       string
	maintainer, buildTime   string
	commit                  string
	priority                int
	buildTimeLine, prioLine int
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if in.Path == "installed" && !looksLikeDB(data) {
		return nil, nil, nil
	}
	recs, err := parse(string(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	distro := in.Distro.PURLQualifier()
	pkgs := make([]inventory.Package, 0, len(recs))
	ids := make([]string, len(recs))
	byName := make(map[string]int, len(recs))
	providers := map[string][]int{}
	for i, r := range recs {
		p, err := r.pkg(distro)
		if err != nil {
			return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
		}
		p.Locations = []inventory.Location{{Path: in.Path, Line: r.line}}
		ids[i] = p.PURL
		pkgs = append(pkgs, p)
		byName[r.name] = i
		for _, prov := range strings.Fields(r.provides) {
			n := depName(prov)
			providers[n] = append(providers[n], i)
		}
	}
	var rels []inventory.Relationship
	for i, r := range recs {
		for _, d := range strings.Fields(r.depends) {
			if d[0] == '!' {
				continue // a conflict, not a dependency
			}
			n := depName(d)
			j, ok := byName[n]
			if !ok {
				j = best(recs, providers[n])
			}
			if j >= 0 && j != i {
				rels = append(rels, inventory.Relationship{From: ids[i], To: ids[j], Type: inventory.DependsOn})
			}
		}
	}
	return pkgs, rels, nil
}

// best picks the provider with the highest priority, the first of equals.
func best(recs []*record, cands []int) int {
	j := -1
	for _, c := range cands {
		if j < 0 || recs[c].priority > recs[j].priority {
			j = c
		}
	}
	return j
}

// depName strips a version constraint: "so:libc.musl-x86_64.so.1=1" and
// "busybox>=1.36" name "so:libc.musl-x86_64.so.1" and "busybox".
func depName(s string) string {
	if i := strings.IndexAny(s, "<>=~"); i >= 0 {
		return s[:i]
	}
	return s
}

// looksLikeDB reports whether data starts like an apk database record.
func looksLikeDB(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 64)]), "\n")
	return len(s) >= 2 && s[1] == ':' && (s[0] == 'C' || s[0] == 'P')
}

// parse reads the records. Errors start with the line number.
func parse(s string) ([]*record, error) {
	var recs []*record
	var cur *record
	finish := func() error {
		if cur == nil {
			return nil
		}
		if cur.name == "" {
			return fmt.Errorf("%d: record has no P: (package name) line", cur.line)
		}
		if cur.version == "" {
			return fmt.Errorf("%d: package %q has no V: (version) line", cur.line, cur.name)
		}
		recs = append(recs, cur)
		cur = nil
		return nil
	}
	lineNo := 0
	for line := range strings.Lines(s) {
		lineNo++
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			return nil, fmt.Errorf(`%d: want "X:value", got %q`, lineNo, escape.Clip(line, 60))
		}
		if cur == nil {
			cur = &record{line: lineNo}
		}
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.name = v
		case 'V':
			cur.version = v
		case 'A':
			cur.arch = v
		case 'o':
			cur.origin = v
		case 'L':
			cur.license = v
		case 'C':
			cur.checksum, cur.checksumLine = v, lineNo
		case 'D':
			cur.depends = v
		case 'p':
			cur.provides = v
		case 'm':
			cur.maintainer = v
		case 't':
			cur.buildTime, cur.buildTimeLine = v, lineNo
		case 'c':
			cur.commit = v
		case 'k':
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%d: k: (provider priority): want a number, got %q", lineNo, escape.Clip(v, 60))
			}
			cur.priority = n
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return recs, nil
}

// pkg builds the package. Errors start with the line number.
func (r *record) pkg(distro string) (inventory.Package, error) {
	p := inventory.Package{
		Name:      r.name,
		Version:   r.version,
		Ecosystem: inventory.Alpine,
		PURL:      inventory.PURL(inventory.Alpine, r.name, r.version, map[string]string{"arch": r.arch, "distro": distro}),
	}
	// Alpine's advisories (secdb, OSV) are keyed by origin; subpackages
	// share the origin's version.
	origin := r.origin
	if origin == "" {
		origin = r.name
	}
	p.Source = &inventory.SourcePackage{Name: origin, Version: r.version}
	if r.license != "" {
		p.Licenses = []string{r.license}
	}
	if r.checksum != "" {
		h, err := checksum(r.checksum)
		if err != nil {
			return p, fmt.Errorf("%d: package %q: C: %v", r.checksumLine, r.name, err)
		}
		p.Hashes = []inventory.Hash{h}
	}
	if r.maintainer != "" {
		p.SetProperty(PropMaintainer, r.maintainer)
	}
	if r.buildTime != "" {
		if _, err := strconv.ParseInt(r.buildTime, 10, 64); err != nil {
			return p, fmt.Errorf("%d: package %q: t: (build time): want seconds since 1970, got %q", r.buildTimeLine, r.name, escape.Clip(r.buildTime, 60))
		}
		p.SetProperty(PropBuildTime, r.buildTime)
	}
	if r.commit != "" {
		p.SetProperty(PropCommit, r.commit)
	}
	return p, nil
}

// checksum decodes apk's checksum encodings: "Q1" + base64 of a SHA-1,
// "Q2" + base64 of a SHA-256, or (old databases) the hex of an MD5.
func checksum(s string) (inventory.Hash, error) {
	var alg string
	var size int
	var raw []byte
	var err error
	switch {
	case strings.HasPrefix(s, "Q1"):
		alg, size = "SHA-1", 20
		raw, err = base64.StdEncoding.DecodeString(s[2:])
	case strings.HasPrefix(s, "Q2"):
		alg, size = "SHA-256", 32
		raw, err = base64.StdEncoding.DecodeString(s[2:])
	case len(s) == 32:
		alg, size = "MD5", 16
		raw, err = hex.DecodeString(s)
	default:
		return inventory.Hash{}, fmt.Errorf(`want "Q1" or "Q2" and base64, or 32 hex digits, got %q`, escape.Clip(s, 60))
	}
	if err != nil || len(raw) != size {
		return inventory.Hash{}, fmt.Errorf("want a %d-byte %s digest, got %q", size, alg, escape.Clip(s, 60))
	}
	return inventory.Hash{Algorithm: alg, Value: hex.EncodeToString(raw)}, nil
}
