package rpm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// File reads an RPM package file (*.rpm, binary or source): one package.
//
// Spec: rpm's docs/manual/format_v3.md and format_lead.md
// (https://github.com/rpm-software-management/rpm/tree/master/docs/manual)
// and the LSB's "Package File Format"
// (https://refspecs.linuxfoundation.org/LSB_5.0.0/LSB-Core-generic/LSB-Core-generic/pkgformat.html):
// the 96-byte lead (magic ed ab ee db, major version 3 or 4 as rpm itself
// accepts, the package type, signature type 5, "header-style"), the
// signature header, padded to a multiple of 8 bytes, then the main header;
// each header starts with the magic 8e ad e8 01, four reserved bytes, the
// index entry count and the data size, and is parsed by the same bounded
// parser as the database's headers. Only the two headers are read, never
// the payload, and no digest or signature is verified.
//
// The package is reported as the database extractor reports an installed
// one (the same tags, Version as rpm's EVR, the same properties), except:
//   - SIGMD5 and SHA256HEADER come from the signature header (its tags
//     1004 MD5 and 273 SHA256), which is where a package file keeps them;
//   - the purl has no distro qualifier, since a package file does not say
//     which release it was built for, and its namespace is the vendor only
//     when the VENDOR tag names one unmistakably ("Fedora Project" is
//     fedora, "Red Hat, Inc." redhat, and so on; see vendorNamespace);
//     otherwise it has none, as the database extractor's purls have none
//     without an os-release;
//   - a source package (lead type 1) has arch "src", as rpm names source
//     packages, and no Source;
//   - there are no relationships: the requirements name capabilities of
//     other packages, which a single file cannot resolve.
type File struct{}

// NewFile returns the package file extractor.
func NewFile() File { return File{} }

// Name implements extract.Extractor.
func (File) Name() string { return "rpm/package" }

// Claims implements extract.Extractor.
func (File) Claims(p string, _ fs.FileMode) bool {
	b := path.Base(p)
	return strings.HasSuffix(b, ".rpm") && b != ".rpm"
}

// Package file layout.
const (
	leadSize = 96
	// headerIntro is a header's magic (3 bytes), version (1), reserved (4),
	// index entry count (4) and data size (4).
	headerIntro = 16
	leadTypeSrc = 1
	sigTypeHdr  = 5
	// Signature header tags (rpm's rpmtag.h RPMSIGTAG_*).
	sigTagMD5    = 1004
	sigTagSHA256 = 273
)

var (
	leadMagic   = []byte{0xed, 0xab, 0xee, 0xdb}
	headerMagic = []byte{0x8e, 0xad, 0xe8, 0x01}
)

// Extract implements extract.Extractor.
func (File) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	f, err := in.FS.Open(in.Path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	limit := in.MaxSize
	if limit <= 0 {
		limit = extract.DefaultMaxFileSize
	}
	p, err := readPackageFile(io.LimitReader(f, limit))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	p.Locations = []inventory.Location{{Path: in.Path}}
	return []inventory.Package{p}, nil, nil
}

// readPackageFile reads the lead and the two headers from r.
func readPackageFile(r io.Reader) (inventory.Package, error) {
	var lead [leadSize]byte
	if _, err := io.ReadFull(r, lead[:]); err != nil {
		return inventory.Package{}, fmt.Errorf("lead: %w", short(err, leadSize))
	}
	if !bytes.Equal(lead[:4], leadMagic) {
		return inventory.Package{}, fmt.Errorf("lead: magic % x, want ed ab ee db (not an RPM package)", lead[:4])
	}
	if major := lead[4]; major < 3 || major > 4 {
		return inventory.Package{}, fmt.Errorf("lead: format version %d.%d, want 3 or 4", major, lead[5])
	}
	leadType := binary.BigEndian.Uint16(lead[6:8])
	if leadType > leadTypeSrc {
		return inventory.Package{}, fmt.Errorf("lead: type %d, want 0 (binary) or 1 (source)", leadType)
	}
	if st := binary.BigEndian.Uint16(lead[78:80]); st != sigTypeHdr {
		return inventory.Package{}, fmt.Errorf("lead: signature type %d, want %d (header-style)", st, sigTypeHdr)
	}

	sigBlob, err := readHeaderBlob(r)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("signature header: %w", err)
	}
	sig, err := parseHeader(sigBlob)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("signature header: %w", err)
	}
	// The signature is padded to a multiple of 8 bytes.
	if pad := (8 - len(sigBlob)%8) % 8; pad > 0 {
		if _, err := io.ReadFull(r, make([]byte, pad)); err != nil {
			return inventory.Package{}, fmt.Errorf("signature padding: %w", short(err, pad))
		}
	}
	hdrBlob, err := readHeaderBlob(r)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("header: %w", err)
	}
	h, err := parseHeader(hdrBlob)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("header: %w", err)
	}

	p, err := headerPackage(h, leadType == leadTypeSrc, func(vendor string) map[string]string {
		return map[string]string{"namespace": vendorNamespace(vendor)}
	})
	if err != nil {
		return inventory.Package{}, fmt.Errorf("header: %w", err)
	}
	md5, err := sig.hexBin(sigTagMD5)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("signature header: %w", err)
	}
	if md5 != "" {
		p.SetProperty(PropSigMD5, md5)
	}
	sha, err := sig.string(sigTagSHA256)
	if err != nil {
		return inventory.Package{}, fmt.Errorf("signature header: %w", err)
	}
	if sha != "" {
		p.SetProperty(PropSHA256Header, sha)
	}
	return p, nil
}

// readHeaderBlob reads one header: its intro, checked before anything
// more is read, then its index and data store, within rpm's limits.
func readHeaderBlob(r io.Reader) ([]byte, error) {
	var intro [headerIntro]byte
	if _, err := io.ReadFull(r, intro[:]); err != nil {
		return nil, short(err, headerIntro)
	}
	if !bytes.Equal(intro[:4], headerMagic) {
		return nil, fmt.Errorf("magic % x, want 8e ad e8 01", intro[:4])
	}
	il := binary.BigEndian.Uint32(intro[8:12])
	dl := binary.BigEndian.Uint32(intro[12:16])
	if il == 0 || il > maxEntries {
		return nil, fmt.Errorf("index count %d, want 1 to %d", il, maxEntries)
	}
	if dl > maxData {
		return nil, fmt.Errorf("data size %d, want at most %d", dl, maxData)
	}
	rest := int(il)*entrySize + int(dl)
	blob := make([]byte, headerIntro+rest)
	copy(blob, intro[:])
	if _, err := io.ReadFull(r, blob[headerIntro:]); err != nil {
		return nil, fmt.Errorf("%d index entries and %d bytes of data: %w", il, dl, short(err, rest))
	}
	return blob, nil
}

// short names an early end of file.
func short(err error, want int) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("file ends before the %d bytes it needs", want)
	}
	return err
}

// vendorNamespace maps a VENDOR tag to a purl namespace, for the vendors
// whose packages say who they are in a fixed form; "" for any other (the
// vendor is then only a property). The namespaces are the ones the
// database extractor derives from os-release IDs.
func vendorNamespace(vendor string) string {
	switch {
	case vendor == "Fedora Project":
		return "fedora"
	case vendor == "Red Hat, Inc.":
		return "redhat"
	case vendor == "CentOS":
		return "centos"
	case vendor == "Rocky Enterprise Software Foundation":
		return "rocky"
	case vendor == "AlmaLinux":
		return "almalinux"
	case vendor == "Amazon Linux":
		return "amzn"
	case vendor == "openSUSE":
		return "opensuse"
	case strings.HasPrefix(vendor, "SUSE LLC"):
		return "suse"
	}
	return ""
}
