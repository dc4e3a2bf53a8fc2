// Package dpkg inventories the packages installed on a Debian-family system
// from dpkg's database: var/lib/dpkg/status, and the one-file-per-package
// var/lib/dpkg/status.d/ that distroless images carry instead.
//
// Specs implemented:
//   - The status file is a sequence of deb822 paragraphs
//     (https://manpages.debian.org/deb822.5), one per package, with the
//     fields of dpkg's control files
//     (https://www.debian.org/doc/debian-policy/ch-controlfields.html) plus
//     Status (https://manpages.debian.org/dpkg.1, "Package states").
//   - Relationship fields
//     (https://www.debian.org/doc/debian-policy/ch-relationships.html):
//     Depends and Pre-Depends become depends-on relationships. Version
//     constraints and architecture restrictions are ignored; "name:any" and
//     "name:native" name the package; of alternatives "a | b" the first one
//     that is installed (as a package or through another package's Provides)
//     is taken.
//   - Package URLs follow purl-spec's deb type
//     (https://github.com/package-url/purl-spec/blob/main/types/deb-definition.json):
//     pkg:deb/<debian|ubuntu>/<name>@<version>?arch=<arch>&distro=<id>-<version_id>.
//     The version is dpkg's Version field exactly, epoch included
//     ("1:1.2.13.dfsg-1"), as the spec's own example
//     pkg:deb/debian/attr@1:2.4.47-2 writes it and as OSV's Debian and
//     Ubuntu records compare it (dpkg version order with the epoch).
//   - Licenses come from usr/share/doc/<package>/copyright when that file is
//     in the machine-readable format
//     (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/):
//     the License short names of the header and of every Files paragraph
//     except those covering only debian/*, as written (they are Debian's
//     short names, "GPL-2+", not always SPDX identifiers).
//
// Which packages count: those whose Status names a state in which the
// package's files are on disk: installed, triggers-awaited,
// triggers-pending (configured, only trigger processing is outstanding),
// half-configured and unpacked (unpacked but configuration failed or has
// not run: the code is there, so are its vulnerabilities). The selection
// word (install, hold, deinstall, purge) does not matter: a package
// selected for removal is installed until it is removed. Not counted:
// not-installed, config-files (only configuration files remain) and
// half-installed (an interrupted unpack or removal: which version's files
// are present is unknown). Packages in any state but "installed" carry the
// property hallmark:dpkg:status. status.d files have no Status field; their
// packages are installed.
//
// Each package's Source is its source package (Debian's advisories are
// keyed by it): the Source field's name and version, the version defaulting
// to the binary's, and the binary's own name when there is no Source field.
//
// Relationships in status.d resolve through files named after the
// dependency (status.d/<name>, distroless's layout); Provides of other
// files are not consulted there.
package dpkg

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropStatus is dpkg's Status field, set when the package is not simply
	// "installed" (half-configured, unpacked, triggers pending).
	PropStatus = "hallmark:dpkg:status"
	// PropMaintainer is the Maintainer field.
	PropMaintainer = "hallmark:dpkg:maintainer"
	// PropDescription is the first line (synopsis) of the Description.
	PropDescription = "hallmark:dpkg:description"
	// PropInstalledSize is Installed-Size converted to bytes (dpkg records
	// KiB).
	PropInstalledSize = "hallmark:dpkg:installed-size"
)

const (
	statusPath = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d"
	infoDir    = "var/lib/dpkg/info/"
	// maxCopyright bounds a copyright file read for its licenses.
	maxCopyright = 1 << 20
)

// Extractor reads dpkg status databases.
type Extractor struct{}

// New returns the dpkg extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "dpkg/status" }

// Claims implements extract.Extractor: var/lib/dpkg/status, the files of
// var/lib/dpkg/status.d/ except the *.md5sums lists beside them, and a file
// named "status" at the root, which is how a single status file given as
// the target arrives (Extract checks that it is one).
func (Extractor) Claims(p string, mode fs.FileMode) bool {
	if p == statusPath || p == "status" {
		return true
	}
	dir, base := path.Split(p)
	return dir == statusDir+"/" && base != "" && !strings.HasSuffix(base, ".md5sums") && base[0] != '.'
}

// Companion: the copyright files licenses come from, and status.d
// siblings that dependencies resolve through.
func (Extractor) Companion(p string) bool {
	return (strings.HasPrefix(p, "usr/share/doc/") && strings.HasSuffix(p, "/copyright")) ||
		strings.HasPrefix(p, "var/lib/dpkg/status.d/")
}

// entry is one paragraph of the database.
type entry struct {
	file, line                  int // index into files; paragraph's first line
	name, version, arch         string
	status                      string
	source, sourceVersion       string
	depends, preDepends, provs  string
	installedSize               string
	maintainer, description     string
	installed                   bool
	statusLine, installSizeLine int
}

// Extract implements extract.Extractor.
func (e Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if in.Path == "status" && !looksLikeStatus(data) {
		// A file that merely shares the name.
		return nil, nil, nil
	}
	inStatusD := strings.HasPrefix(in.Path, statusDir+"/")
	entries, err := parse(in.Path, string(data), inStatusD)
	if err != nil {
		return nil, nil, err
	}
	r := &resolver{fsys: in.FS, idx: newIndex(entries)}
	if inStatusD {
		r.siblings = map[string][]*entry{}
		r.self = path.Base(in.Path)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	pb := newPackager(in)
	pkgs := make([]inventory.Package, 0, len(entries))
	purls := make(map[*entry]string, len(entries))
	for _, en := range entries {
		if !en.installed {
			continue
		}
		p, err := pb.pkg(in.Path, en)
		if err != nil {
			return nil, nil, err
		}
		purls[en] = p.PURL
		pkgs = append(pkgs, p)
	}
	rels := make([]inventory.Relationship, 0, 4*len(pkgs))
	for _, en := range entries {
		if !en.installed {
			continue
		}
		for _, dep := range [2]string{en.preDepends, en.depends} {
			for group := range strings.SplitSeq(dep, ",") {
				to := r.resolve(en, group)
				if to == nil {
					continue
				}
				toID, ok := purls[to]
				if !ok {
					toID = pb.purl(to)
				}
				rels = append(rels, inventory.Relationship{From: purls[en], To: toID, Type: inventory.DependsOn})
			}
		}
	}
	return pkgs, rels, nil
}

// looksLikeStatus reports whether data starts like a dpkg database: its
// first field is Package.
func looksLikeStatus(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 256)]), " \t\r\n")
	return len(s) >= 8 && strings.EqualFold(s[:8], "Package:")
}

// parse reads every paragraph. In status.d, a paragraph without Status is
// an installed package; in the status file it is an error, as it is to dpkg.
func parse(name, s string, inStatusD bool) ([]*entry, error) {
	var entries []*entry
	err := paragraphs(s, func(line int, fields []field) error {
		en := &entry{line: line}
		seen := 0
		for _, f := range fields {
			bit, dst := en.slot(f.name)
			if bit == 0 {
				continue
			}
			if seen&bit != 0 {
				return &syntaxError{f.line, fmt.Sprintf("duplicate %s field", f.name)}
			}
			seen |= bit
			switch bit {
			case bitDescription:
				*dst = f.firstLine()
			case bitDepends, bitPreDepends, bitProvides:
				*dst = f.folded()
			default:
				*dst = strings.TrimSpace(f.value)
			}
			switch bit {
			case bitStatus:
				en.statusLine = f.line
			case bitInstalledSize:
				en.installSizeLine = f.line
			}
		}
		if en.name == "" {
			return &syntaxError{line, "paragraph has no Package field"}
		}
		if en.status == "" {
			if !inStatusD {
				return &syntaxError{line, fmt.Sprintf("package %q has no Status field", en.name)}
			}
			en.installed = true
		} else {
			ok, err := installedState(en.status)
			if err != nil {
				return &syntaxError{en.statusLine, fmt.Sprintf("package %q: %v", en.name, err)}
			}
			en.installed = ok
		}
		if en.installed && en.version == "" {
			return &syntaxError{line, fmt.Sprintf("installed package %q has no Version field", en.name)}
		}
		if src, ok := strings.CutSuffix(en.source, ")"); ok {
			n, v, found := strings.Cut(src, " (")
			if !found || strings.TrimSpace(v) == "" {
				return &syntaxError{line, fmt.Sprintf(`package %q: Source: want "name" or "name (version)", got %q`, en.name, escape.Clip(en.source, 60))}
			}
			en.source, en.sourceVersion = strings.TrimSpace(n), strings.TrimSpace(v)
		} else if strings.ContainsAny(en.source, " (") {
			return &syntaxError{line, fmt.Sprintf(`package %q: Source: want "name" or "name (version)", got %q`, en.name, escape.Clip(en.source, 60))}
		}
		entries = append(entries, en)
		return nil
	})
	if err != nil {
		if se, ok := err.(*syntaxError); ok {
			return nil, fmt.Errorf("%s:%d: %s", name, se.line, se.msg)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return entries, nil
}

const (
	bitPackage = 1 << iota
	bitVersion
	bitArch
	bitStatus
	bitSource
	bitDepends
	bitPreDepends
	bitProvides
	bitInstalledSize
	bitMaintainer
	bitDescription
)

// slot maps a field name (case-insensitively, as deb822 says) to the entry
// field it fills. Switching on the length first keeps this cheap: most
// fields of the file are ones nobody reads.
func (en *entry) slot(name string) (int, *string) {
	switch len(name) {
	case 6:
		if strings.EqualFold(name, "Status") {
			return bitStatus, &en.status
		}
		if strings.EqualFold(name, "Source") {
			return bitSource, &en.source
		}
	case 7:
		if strings.EqualFold(name, "Package") {
			return bitPackage, &en.name
		}
		if strings.EqualFold(name, "Version") {
			return bitVersion, &en.version
		}
		if strings.EqualFold(name, "Depends") {
			return bitDepends, &en.depends
		}
	case 8:
		if strings.EqualFold(name, "Provides") {
			return bitProvides, &en.provs
		}
	case 10:
		if strings.EqualFold(name, "Maintainer") {
			return bitMaintainer, &en.maintainer
		}
	case 11:
		if strings.EqualFold(name, "Pre-Depends") {
			return bitPreDepends, &en.preDepends
		}
		if strings.EqualFold(name, "Description") {
			return bitDescription, &en.description
		}
	case 12:
		if strings.EqualFold(name, "Architecture") {
			return bitArch, &en.arch
		}
	case 14:
		if strings.EqualFold(name, "Installed-Size") {
			return bitInstalledSize, &en.installedSize
		}
	}
	return 0, nil
}

// installedState reads "want flag status" and says whether the package's
// files are on disk (see the package documentation).
func installedState(s string) (bool, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return false, fmt.Errorf(`Status: want "want flag state", got %q`, escape.Clip(s, 60))
	}
	switch f[0] {
	case "unknown", "install", "hold", "deinstall", "purge":
	default:
		return false, fmt.Errorf("Status: unknown selection %q", escape.Clip(f[0], 60))
	}
	switch f[1] {
	case "ok", "reinstreq", "hold", "hold-reinstreq":
	default:
		return false, fmt.Errorf("Status: unknown flag %q", escape.Clip(f[1], 60))
	}
	switch f[2] {
	case "installed", "triggers-awaited", "triggers-pending", "half-configured", "unpacked":
		return true, nil
	case "not-installed", "config-files", "half-installed":
		return false, nil
	}
	return false, fmt.Errorf("Status: unknown state %q", escape.Clip(f[2], 60))
}

// packager turns entries into packages for one distro.
type packager struct {
	fsys   fs.FS
	eco    inventory.Ecosystem
	distro string
	// licenses caches copyright lookups by package name (multi-arch
	// packages share one).
	licenses map[string][]string
}

func newPackager(in *extract.Input) *packager {
	return &packager{
		fsys:     in.FS,
		eco:      ecosystem(in.FS, in.Distro),
		distro:   in.Distro.PURLQualifier(),
		licenses: map[string][]string{},
	}
}

// ecosystem picks Debian or Ubuntu by os-release: ID, then ID_LIKE for
// derivatives (Linux Mint says ID_LIKE="ubuntu debian"). Without an
// os-release, or for anything else with a dpkg database, Debian.
func ecosystem(fsys fs.FS, d *inventory.Distro) inventory.Ecosystem {
	if d == nil {
		return inventory.Debian
	}
	switch d.ID {
	case "ubuntu":
		return inventory.Ubuntu
	case "debian":
		return inventory.Debian
	}
	for _, name := range []string{"etc/os-release", "usr/lib/os-release"} {
		data, err := extract.ReadFile(fsys, name, 64<<10)
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			v, ok := strings.CutPrefix(strings.TrimSpace(line), "ID_LIKE=")
			if !ok {
				continue
			}
			for _, id := range strings.Fields(strings.Trim(v, `"'`)) {
				if id == "ubuntu" {
					return inventory.Ubuntu
				}
			}
		}
		break
	}
	return inventory.Debian
}

func (b *packager) purl(en *entry) string {
	return inventory.PURL(b.eco, en.name, en.version, map[string]string{"arch": en.arch, "distro": b.distro})
}

func (b *packager) pkg(file string, en *entry) (inventory.Package, error) {
	p := inventory.Package{
		Name:      en.name,
		Version:   en.version,
		Ecosystem: b.eco,
		PURL:      b.purl(en),
		// The stanza's first line: where the package is in the database.
		Locations:  []inventory.Location{{Path: file, Line: en.line}},
		Properties: make([]inventory.Property, 0, 4),
	}
	// dpkg's file list for the package is the evidence of when it was
	// installed: in an image, the layer that wrote it introduced the
	// package, while the status file is rewritten by every apt layer.
	if file == statusPath {
		for _, list := range []string{infoDir + en.name + ":" + en.arch + ".list", infoDir + en.name + ".list"} {
			if _, err := fs.Stat(b.fsys, list); err == nil {
				p.Locations = append(p.Locations, inventory.Location{Path: list})
				break
			}
		}
	}
	src := inventory.SourcePackage{Name: en.source, Version: en.sourceVersion}
	if src.Name == "" {
		src.Name = en.name
	}
	if src.Version == "" {
		src.Version = en.version
	}
	p.Source = &src
	if f := strings.Fields(en.status); len(f) == 3 && f[2] != "installed" {
		p.SetProperty(PropStatus, en.status)
	}
	if en.maintainer != "" {
		p.SetProperty(PropMaintainer, en.maintainer)
	}
	if en.description != "" {
		p.SetProperty(PropDescription, en.description)
	}
	if en.installedSize != "" {
		kib, err := strconv.ParseUint(en.installedSize, 10, 40)
		if err != nil {
			return p, fmt.Errorf("%s:%d: package %q: Installed-Size: want a number of KiB, got %q", file, en.installSizeLine, en.name, escape.Clip(en.installedSize, 60))
		}
		p.SetProperty(PropInstalledSize, strconv.FormatUint(kib*1024, 10))
	}
	lic, ok := b.licenses[en.name]
	if !ok {
		lic = copyrightLicenses(b.fsys, en.name)
		b.licenses[en.name] = lic
	}
	p.Licenses = lic
	return p, nil
}

// index finds installed entries by package name and by what they provide.
type index struct {
	byName, byProvides map[string][]*entry
}

func newIndex(entries []*entry) *index {
	ix := &index{byName: make(map[string][]*entry, len(entries)), byProvides: map[string][]*entry{}}
	for _, en := range entries {
		if !en.installed {
			continue
		}
		ix.byName[en.name] = append(ix.byName[en.name], en)
		for prov := range strings.SplitSeq(en.provs, ",") {
			if n := relName(prov); n != "" {
				ix.byProvides[n] = append(ix.byProvides[n], en)
			}
		}
	}
	return ix
}

// resolver finds the installed package a relationship names.
type resolver struct {
	fsys fs.FS
	idx  *index
	// siblings caches status.d files read while resolving; nil outside
	// status.d.
	siblings map[string][]*entry
	self     string
}

// resolve returns the package that satisfies one alternative group
// ("a (>= 1) | b:any"), or nil.
func (r *resolver) resolve(from *entry, group string) *entry {
	for alt := range strings.SplitSeq(group, "|") {
		name, archQual := relNameArch(alt)
		if name == "" {
			continue
		}
		if c := pick(r.candidates(name), from.arch, archQual); c != nil {
			return c
		}
		if c := pick(r.idx.byProvides[name], from.arch, archQual); c != nil {
			return c
		}
	}
	return nil
}

func (r *resolver) candidates(name string) []*entry {
	if c := r.idx.byName[name]; c != nil || r.siblings == nil || name == r.self {
		return c
	}
	if c, ok := r.siblings[name]; ok {
		return c
	}
	// distroless names each status.d file after its package. A sibling
	// that cannot be read or parsed is reported by its own extraction.
	var found []*entry
	if !strings.ContainsAny(name, "/\\") && !strings.HasPrefix(name, ".") {
		p := statusDir + "/" + name
		if data, err := extract.ReadFile(r.fsys, p, 1<<20); err == nil {
			if entries, err := parse(p, string(data), true); err == nil {
				for _, en := range entries {
					if en.installed && en.name == name {
						found = append(found, en)
					}
				}
			}
		}
	}
	r.siblings[name] = found
	return found
}

// pick chooses among packages of one name by architecture: the one the
// relationship's ":arch" names, else the depending package's own
// architecture, else "all", else the first (an "Architecture: all" package
// depending on a Multi-Arch: same library gets the first installed one).
func pick(cands []*entry, fromArch, archQual string) *entry {
	if len(cands) <= 1 {
		if len(cands) == 1 {
			return cands[0]
		}
		return nil
	}
	want := fromArch
	if archQual != "" && archQual != "any" && archQual != "native" {
		want = archQual
	}
	for _, c := range cands {
		if c.arch == want {
			return c
		}
	}
	for _, c := range cands {
		if c.arch == "all" {
			return c
		}
	}
	return cands[0]
}

// relName returns the package name of one relationship or Provides item:
// "libgcc1 (= 1:12.2.0-14)" → "libgcc1".
func relName(s string) string {
	n, _ := relNameArch(s)
	return n
}

// relNameArch splits "perl:any (>= 5) [amd64] <!nocheck>" into the name and
// the architecture qualifier.
func relNameArch(s string) (name, arch string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t([<"); i >= 0 {
		s = s[:i]
	}
	name, arch, _ = strings.Cut(s, ":")
	return name, arch
}
