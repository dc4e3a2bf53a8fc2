// Package rpm inventories the packages installed on a Red Hat-family or
// SUSE system (Fedora, RHEL, CentOS, Rocky, AlmaLinux, Amazon Linux,
// openSUSE) from rpm's SQLite database: var/lib/rpm/rpmdb.sqlite (RHEL 9,
// Amazon Linux 2023) and usr/lib/sysimage/rpm/rpmdb.sqlite (Fedora 36 and
// later, where var/lib/rpm is a symlink to it). File reads .rpm package
// files, one package each, with the same header parser (see File for the
// package file format and what differs).
//
// Specs implemented:
//   - The database is rpm's sqlite backend (rpm 4.16 and later,
//     https://github.com/rpm-software-management/rpm/blob/master/lib/backend/sqlite.c):
//     the table Packages (hnum INTEGER PRIMARY KEY, blob BLOB) holds each
//     installed package's header; the other tables are indexes and are not
//     read. The file is read with modernc.org/sqlite, never written.
//   - Each blob is an RPM header structure
//     (rpm's docs/manual/format_header.md,
//     https://github.com/rpm-software-management/rpm/blob/master/docs/manual/format_header.md,
//     and the LSB's "Package File Format",
//     https://refspecs.linuxfoundation.org/LSB_5.0.0/LSB-Core-generic/LSB-Core-generic/pkgformat.html)
//     as rpm's headerExport writes it: the index entry count and data size
//     (big-endian 32-bit), the 16-byte index entries (tag, type, offset,
//     count) and the data store, without the 8-byte magic a package file's
//     header has. It is parsed here, with rpm's own limits (65535 entries,
//     16 MiB of data) and every entry checked to lie within the store; the
//     region trailers (HEADERIMMUTABLE) and digests are not verified.
//   - Tags (https://github.com/rpm-software-management/rpm/blob/master/include/rpm/rpmtag.h)
//     read: NAME, VERSION, RELEASE, EPOCH, ARCH, LICENSE, VENDOR,
//     SOURCERPM, SIZE/LONGSIZE, SIGMD5, SHA256HEADER, PROVIDENAME,
//     REQUIRENAME and the file list (BASENAMES, DIRNAMES, DIRINDEXES, or
//     OLDFILENAMES in old headers).
//   - Package URLs follow purl-spec's rpm type
//     (https://github.com/package-url/purl-spec/blob/main/types/rpm-definition.json):
//     pkg:rpm/<vendor>/<name>@<version>-<release>?arch=<arch>&epoch=<epoch>&distro=<id>-<version_id>.
//     The namespace is the vendor, taken from os-release's ID ("fedora",
//     "rocky", "almalinux", "amzn", "centos"), with "rhel" written "redhat"
//     as Red Hat's own purls write it and the openSUSE and SLE IDs written
//     "opensuse" and "suse"; with no os-release there is no namespace.
//
// Package.Version is rpm's EVR: "<epoch>:<version>-<release>" when the
// header has an EPOCH, else "<version>-<release>", since the epoch decides
// version order and OSV's RPM-based ecosystems compare with it; the purl
// carries the epoch as its qualifier instead, as the spec asks. Source is
// the source package named by SOURCERPM ("name-version-release.src.rpm"),
// its version "version-release" as written there. Licenses is the LICENSE
// tag as written (an SPDX expression on current Fedora, Fedora's older
// short names before that).
//
// Relationships: each REQUIRENAME resolves to the installed package that
// provides it (PROVIDENAME, which includes every package's own name), a
// provider whose name equals the requirement first, else the first in
// database order; a required file path no package provides by name
// resolves to the package whose file list holds it. Version constraints
// are ignored. rpmlib(...) requirements (features of rpm itself) and rich
// dependencies ("(a or b)",
// https://github.com/rpm-software-management/rpm/blob/master/docs/manual/boolean_dependencies.md)
// match no package's Provides and add no relationship; the packages named
// inside a rich dependency are not looked up.
//
// The gpg-pubkey pseudo-packages (imported signing keys) are skipped. The
// older Berkeley DB backend (var/lib/rpm/Packages: RHEL 7 and 8, CentOS 7,
// Amazon Linux 2) and NDB (usr/lib/sysimage/rpm/Packages.db: SUSE) are not
// read.
package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropVendor is the VENDOR tag ("Fedora Project", "Red Hat, Inc.").
	PropVendor = "hallmark:rpm:vendor"
	// PropSize is the installed size in bytes (LONGSIZE, else SIZE).
	PropSize = "hallmark:rpm:size"
	// PropSigMD5 is SIGMD5, the MD5 of the package's header and payload,
	// which rpm uses as the package's identity (it is not a digest of the
	// .rpm file, so it is not among Hashes).
	PropSigMD5 = "hallmark:rpm:sigmd5"
	// PropSHA256Header is SHA256HEADER, the SHA-256 of the package's
	// header (again not a digest of the .rpm file).
	PropSHA256Header = "hallmark:rpm:sha256header"
)

const (
	sqlitePath  = "var/lib/rpm/rpmdb.sqlite"
	sysimageDir = "usr/lib/sysimage/rpm/rpmdb.sqlite"
	// rootName is how a single database given as the target arrives.
	rootName = "rpmdb.sqlite"
)

// Extractor reads rpm's SQLite databases.
type Extractor struct{}

// New returns the rpm extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "rpm/sqlite" }

// Claims implements extract.Extractor: the two places rpm keeps
// rpmdb.sqlite, and a file of that name at the root (a database given as
// the target; Extract checks that it is one).
func (Extractor) Claims(p string, _ fs.FileMode) bool {
	return p == sqlitePath || p == sysimageDir || p == rootName
}

// Companion: a write-ahead log beside the database holds changes not yet
// checkpointed into it (an image taken while rpm had the database open).
func (Extractor) Companion(p string) bool {
	return p == sqlitePath+"-wal" || p == sysimageDir+"-wal"
}

// pkgInfo is what is kept of one header.
type pkgInfo struct {
	hnum      int64
	name      string
	provides  []string
	requires  []string
	files     func() ([]string, error) // the file list, read on demand
	inventory inventory.Package
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	rows, err := readSQLite(ctx, in)
	if errors.Is(err, errNotSQLite) && in.Path == rootName {
		return nil, nil, nil // a file that merely shares the name
	}
	if err != nil {
		return nil, nil, err
	}
	q := qualifiers(in.Distro)
	var infos []*pkgInfo
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		pi, err := readPackage(r, q)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: Packages hnum %d: %w", in.Path, r.hnum, err)
		}
		if pi == nil {
			continue
		}
		pi.inventory.Locations = []inventory.Location{{Path: in.Path}}
		infos = append(infos, pi)
	}
	rels, err := relationships(infos)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	pkgs := make([]inventory.Package, len(infos))
	for i, pi := range infos {
		pkgs[i] = pi.inventory
	}
	return pkgs, rels, nil
}

// qualifiers returns the purl qualifiers every package shares: the vendor
// namespace (passed to inventory.PURL as "namespace") and the distro.
func qualifiers(d *inventory.Distro) map[string]string {
	if d == nil {
		return map[string]string{}
	}
	return map[string]string{"namespace": namespace(d.ID), "distro": d.PURLQualifier()}
}

// namespace maps an os-release ID to the purl namespace of its packages.
func namespace(id string) string {
	id = strings.ToLower(id)
	switch {
	case id == "rhel":
		return "redhat"
	case id == "opensuse" || strings.HasPrefix(id, "opensuse-"):
		return "opensuse"
	case id == "sles" || id == "sled" || id == "sle-micro" || id == "sl-micro":
		return "suse"
	}
	return id
}

// readPackage parses one row. It returns nil for the gpg-pubkey
// pseudo-packages. Errors name the tag.
func readPackage(r row, shared map[string]string) (*pkgInfo, error) {
	h, err := parseHeader(r.blob)
	if err != nil {
		return nil, err
	}
	if name, err := h.string(tagName); err == nil && name == "gpg-pubkey" {
		return nil, nil
	}
	p, err := headerPackage(h, false, func(string) map[string]string { return shared })
	if err != nil {
		return nil, err
	}
	md5, err := h.hexBin(tagSigMD5)
	if err != nil {
		return nil, err
	}
	if md5 != "" {
		p.SetProperty(PropSigMD5, md5)
	}
	sha, err := h.string(tagSHA256Header)
	if err != nil {
		return nil, err
	}
	if sha != "" {
		p.SetProperty(PropSHA256Header, sha)
	}

	pi := &pkgInfo{hnum: r.hnum, name: p.Name, inventory: p}
	if pi.provides, err = h.strings(tagProvideName); err != nil {
		return nil, err
	}
	if pi.requires, err = h.strings(tagRequireName); err != nil {
		return nil, err
	}
	pi.files = func() ([]string, error) { return fileList(h) }
	return pi, nil
}

// headerPackage makes the package a main header describes, from the tags
// an installed package and a package file share: name, epoch, version,
// release, arch, license, vendor, source RPM and installed size. The purl
// gets arch and epoch, and the qualifiers qualifiers returns for the
// vendor. A source package (source) has arch "src" and is its own source.
func headerPackage(h *header, source bool, qualifiers func(vendor string) map[string]string) (inventory.Package, error) {
	req := func(tag uint32) (string, error) {
		s, err := h.string(tag)
		if err == nil && s == "" {
			err = fmt.Errorf("tag %s: missing or empty", tagLabel(tag))
		}
		return s, err
	}
	name, err := req(tagName)
	if err != nil {
		return inventory.Package{}, err
	}
	version, err := req(tagVersion)
	if err != nil {
		return inventory.Package{}, err
	}
	release, err := req(tagRelease)
	if err != nil {
		return inventory.Package{}, err
	}
	var opt [4]string
	for i, tag := range []uint32{tagArch, tagLicense, tagVendor, tagSourceRPM} {
		if opt[i], err = h.string(tag); err != nil {
			return inventory.Package{}, err
		}
	}
	arch, license, vendor, sourceRPM := opt[0], opt[1], opt[2], opt[3]
	if source {
		arch = "src"
	}
	epochs, err := h.int32s(tagEpoch)
	if err != nil {
		return inventory.Package{}, err
	}

	vr := version + "-" + release
	q := map[string]string{"arch": arch}
	maps.Copy(q, qualifiers(vendor))
	p := inventory.Package{Name: name, Version: vr, Ecosystem: inventory.RPM}
	if len(epochs) > 0 {
		e := strconv.FormatUint(uint64(epochs[0]), 10)
		q["epoch"] = e
		p.Version = e + ":" + vr
	}
	p.PURL = inventory.PURL(inventory.RPM, name, vr, q)
	if license != "" {
		p.Licenses = []string{license}
	}
	if sourceRPM != "" && !source {
		src, err := parseSourceRPM(sourceRPM)
		if err != nil {
			return inventory.Package{}, fmt.Errorf("tag %s: %w", tagLabel(tagSourceRPM), err)
		}
		p.Source = src
	}
	if vendor != "" {
		p.SetProperty(PropVendor, vendor)
	}
	size, err := installedSize(h)
	if err != nil {
		return inventory.Package{}, err
	}
	if size != "" {
		p.SetProperty(PropSize, size)
	}
	return p, nil
}

// installedSize is LONGSIZE, else SIZE, in decimal; "" when neither is set.
func installedSize(h *header) (string, error) {
	long, err := h.int64s(tagLongSize)
	if err != nil {
		return "", err
	}
	if len(long) > 0 {
		return strconv.FormatUint(long[0], 10), nil
	}
	size, err := h.int32s(tagSize)
	if err != nil {
		return "", err
	}
	if len(size) > 0 {
		return strconv.FormatUint(uint64(size[0]), 10), nil
	}
	return "", nil
}

// parseSourceRPM splits "name-version-release.src.rpm" (or .nosrc.rpm,
// for packages built without some sources): version and release contain
// no "-", so the last two dashes separate them.
func parseSourceRPM(s string) (*inventory.SourcePackage, error) {
	base, ok := strings.CutSuffix(s, ".src.rpm")
	if !ok {
		base, ok = strings.CutSuffix(s, ".nosrc.rpm")
	}
	r := strings.LastIndexByte(base, '-')
	v := -1
	if r > 0 {
		v = strings.LastIndexByte(base[:r], '-')
	}
	if !ok || v <= 0 || r == len(base)-1 || r-v == 1 {
		return nil, fmt.Errorf("want NAME-VERSION-RELEASE.src.rpm, got %q", escape.Clip(s, 60))
	}
	return &inventory.SourcePackage{Name: base[:v], Version: base[v+1:]}, nil
}

// fileList returns the paths of the package's files: DIRNAMES joined with
// BASENAMES through DIRINDEXES, or OLDFILENAMES in headers from before rpm
// 4.0 compressed file lists.
func fileList(h *header) ([]string, error) {
	base, err := h.strings(tagBasenames)
	if err != nil {
		return nil, err
	}
	if base == nil {
		return h.strings(tagOldFilenames)
	}
	dirs, err := h.strings(tagDirnames)
	if err != nil {
		return nil, err
	}
	idx, err := h.int32s(tagDirIndexes)
	if err != nil {
		return nil, err
	}
	if len(idx) != len(base) {
		return nil, fmt.Errorf("tag %s: %d entries, want one for each of the %d BASENAMES", tagLabel(tagDirIndexes), len(idx), len(base))
	}
	out := make([]string, len(base))
	for i, b := range base {
		if int64(idx[i]) >= int64(len(dirs)) {
			return nil, fmt.Errorf("tag %s: entry %d is %d, want less than the %d DIRNAMES", tagLabel(tagDirIndexes), i, idx[i], len(dirs))
		}
		out[i] = dirs[idx[i]] + b
	}
	return out, nil
}

// relationships resolves every package's requirements to installed
// packages.
func relationships(infos []*pkgInfo) ([]inventory.Relationship, error) {
	providers := map[string][]int{}
	for i, pi := range infos {
		for _, p := range pi.provides {
			providers[p] = append(providers[p], i)
		}
	}
	pick := func(name string, cands []int) int {
		for _, c := range cands {
			if infos[c].name == name {
				return c
			}
		}
		if len(cands) > 0 {
			return cands[0]
		}
		return -1
	}
	// Required paths that no package provides by name: look them up in
	// the file lists, reading each list once and only if needed.
	fileReqs := map[string]int{}
	for _, pi := range infos {
		for _, r := range pi.requires {
			if strings.HasPrefix(r, "/") && len(providers[r]) == 0 {
				fileReqs[r] = -1
			}
		}
	}
	if len(fileReqs) > 0 {
		for i, pi := range infos {
			files, err := pi.files()
			if err != nil {
				return nil, fmt.Errorf("Packages hnum %d: %w", pi.hnum, err)
			}
			for _, f := range files {
				if j, ok := fileReqs[f]; ok && j < 0 {
					fileReqs[f] = i
				}
			}
		}
	}
	var rels []inventory.Relationship
	for i, pi := range infos {
		for _, r := range pi.requires {
			j := pick(r, providers[r])
			if j < 0 {
				if k, ok := fileReqs[r]; ok {
					j = k
				}
			}
			if j >= 0 && j != i {
				rels = append(rels, inventory.Relationship{From: pi.inventory.PURL, To: infos[j].inventory.PURL, Type: inventory.DependsOn})
			}
		}
	}
	return rels, nil
}
