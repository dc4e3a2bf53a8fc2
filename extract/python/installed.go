package python

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// propInstaller is the tool that installed a distribution, from the
// INSTALLER file pip and uv write into .dist-info
// (https://packaging.python.org/en/latest/specifications/recording-installed-packages/#the-installer-file).
const propInstaller = "hallmark:python:installer"

// Bounds on what one installed distribution may make hallmark read.
const (
	// maxHeaderBytes bounds the header block of a metadata file; the
	// description after it is never read. Real headers are a few KiB
	// (pydantic's 100 KiB METADATA is nearly all description).
	maxHeaderBytes = 1 << 20
	// maxSiblings bounds the directory listing read to resolve
	// Requires-Dist names; a site-packages holds hundreds of entries.
	maxSiblings = 100_000
	// maxRequires bounds the requirements followed for one distribution.
	maxRequires = 10_000
	// maxSmallFile bounds INSTALLER and requires.txt.
	maxSmallFile = 1 << 20
	// maxShortLicense is the longest License value reported as a license
	// name: longer values are license texts or sentences, not names.
	maxShortLicense = 100
)

// Installed reads installed distributions: the .dist-info directories pip,
// uv and Debian's python3-* packages write
// (https://packaging.python.org/en/latest/specifications/recording-installed-packages/),
// and the older .egg-info form setuptools writes, as a directory or a
// single file. The metadata file is core metadata
// (https://packaging.python.org/en/latest/specifications/core-metadata/):
// RFC 822 headers, then the description.
type Installed struct{}

// Name implements extract.Extractor.
func (Installed) Name() string { return "python/installed" }

// Claims implements extract.Extractor: NAME.dist-info/METADATA,
// NAME.egg-info/PKG-INFO, and a regular file NAME.egg-info (the single-file
// form distutils wrote, still in Python 2's standard library). No
// site-packages parent is required, since images and vendored trees put
// them elsewhere, but the directory name must end in the suffix and have a
// name before it.
func (Installed) Claims(p string, mode fs.FileMode) bool {
	if mode.IsDir() {
		return false
	}
	dir, base := path.Split(p)
	switch base {
	case "METADATA":
		return hasStem(path.Base(dir), ".dist-info")
	case "PKG-INFO":
		return hasStem(path.Base(dir), ".egg-info")
	}
	return hasStem(base, ".egg-info")
}

// Companion implements extract.Companions: the INSTALLER beside METADATA,
// and the requires.txt in which setuptools records an egg's requirements.
func (Installed) Companion(p string) bool {
	dir, base := path.Split(p)
	switch base {
	case "INSTALLER":
		return hasStem(path.Base(dir), ".dist-info")
	case "requires.txt":
		return hasStem(path.Base(dir), ".egg-info")
	}
	return false
}

// hasStem reports whether name is a non-empty stem followed by suffix.
func hasStem(name, suffix string) bool {
	return len(name) > len(suffix) && strings.HasSuffix(name, suffix)
}

// Extract implements extract.Extractor.
func (Installed) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	md, err := readMetadata(in.FS, in.Path, in.MaxSize)
	if err != nil {
		return nil, nil, err
	}
	if md.name == "" {
		return nil, nil, fmt.Errorf("%s: no Name header: want the distribution's name", in.Path)
	}
	if !validName(md.name) {
		return nil, nil, fmt.Errorf("%s:%d: Name %q is not a valid distribution name", in.Path, md.nameLine, md.name)
	}
	if md.version == "" {
		return nil, nil, fmt.Errorf("%s: no Version header: want the distribution's version", in.Path)
	}
	p := newPackage(md.name, md.version)
	p.Licenses = md.licenses()

	// The directory form keeps companions beside the metadata file; the
	// single-file egg-info has none, and its siblings are its own.
	distDir, siteDir := "", path.Dir(in.Path)
	if base := path.Base(in.Path); base == "METADATA" || base == "PKG-INFO" {
		distDir, siteDir = path.Dir(in.Path), path.Dir(path.Dir(in.Path))
	}
	if distDir != "" {
		if data, err := extract.ReadFile(in.FS, path.Join(distDir, "INSTALLER"), maxSmallFile); err == nil {
			if line, _, _ := strings.Cut(string(data), "\n"); strings.TrimSpace(line) != "" {
				p.SetProperty(propInstaller, strings.TrimSpace(line))
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}

	reqs := md.requires
	if len(reqs) == 0 && strings.HasSuffix(distDir, ".egg-info") {
		// setuptools writes an egg's requirements to requires.txt, not
		// to PKG-INFO.
		name := path.Join(distDir, "requires.txt")
		data, err := extract.ReadFile(in.FS, name, maxSmallFile)
		switch {
		case err == nil:
			if reqs, err = parseRequiresTxt(name, data); err != nil {
				return nil, nil, err
			}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, nil, err
		}
	}
	var names []string
	for _, r := range reqs {
		names = append(names, inventory.NormalizePyPIName(r.Name))
	}
	if len(names) > maxRequires {
		return nil, nil, fmt.Errorf("%s: %d requirements, more than the %d hallmark follows", in.Path, len(names), maxRequires)
	}
	var rels []inventory.Relationship
	for _, to := range resolveSiblings(ctx, in.FS, siteDir, names, in.MaxSize) {
		if to != p.PURL {
			rels = append(rels, inventory.Relationship{From: p.PURL, To: to, Type: inventory.DependsOn})
		}
	}
	return []inventory.Package{p}, rels, nil
}

// metadata is the part of a core metadata file hallmark reads.
type metadata struct {
	name, version string
	nameLine      int
	license       string // the License header, continuation lines joined with "\n"
	expression    string // License-Expression (metadata 2.4)
	classifiers   []string
	// requires are the Requires-Dist entries that apply whatever extras
	// are chosen: no marker, or a marker that does not test "extra".
	requires []requirement
}

// readMetadata reads the header block of a core metadata file.
func readMetadata(fsys fs.FS, name string, limit int64) (*metadata, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if limit <= 0 {
		limit = extract.DefaultMaxFileSize
	}
	return parseMetadata(name, io.LimitReader(f, min(limit, maxHeaderBytes+1)))
}

// parseMetadata reads RFC 822-style headers up to the first empty line, as
// Python's email.parser does for core metadata: "Name: value" lines,
// continued by lines that start with a space or tab. Header names are
// case-insensitive; for single-use fields the first occurrence counts, as
// email.message.Message.get returns it. A line in the header block that is
// neither a header nor a continuation is an error: no tool writes one, and
// Python would take it for the start of the description and lose the
// fields after it.
func parseMetadata(name string, r io.Reader) (*metadata, error) {
	md := &metadata{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxHeaderBytes)
	var (
		key     string // lower-case name of the header being read
		val     strings.Builder
		valLine int
		read    int
	)
	flush := func() error {
		if key == "" {
			return nil
		}
		v := val.String()
		k := key
		key = ""
		val.Reset()
		switch k {
		case "name":
			if md.name == "" {
				md.name, md.nameLine = strings.TrimSpace(v), valLine
			}
		case "version":
			if md.version == "" {
				md.version = strings.TrimSpace(v)
			}
		case "license":
			if md.license == "" {
				md.license = strings.TrimSpace(v)
			}
		case "license-expression":
			if md.expression == "" {
				md.expression = strings.TrimSpace(v)
			}
		case "classifier":
			md.classifiers = append(md.classifiers, strings.TrimSpace(v))
		case "requires-dist":
			req, err := parseRequirement(v)
			if err != nil {
				return fmt.Errorf("%s:%d: Requires-Dist: %w", name, valLine, err)
			}
			if !markerTestsExtra(req.Marker) {
				md.requires = append(md.requires, req)
			}
		}
		return nil
	}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		read += len(sc.Bytes()) + 1
		if read > maxHeaderBytes {
			return nil, fmt.Errorf("%s:%d: headers longer than %d bytes", name, line, maxHeaderBytes)
		}
		if text == "" {
			break // the description follows
		}
		if text[0] == ' ' || text[0] == '\t' {
			if key == "" {
				return nil, fmt.Errorf("%s:%d: continuation line before any header: want \"Name: value\"", name, line)
			}
			val.WriteByte('\n')
			val.WriteString(strings.TrimSpace(text))
			continue
		}
		if err := flush(); err != nil {
			return nil, err
		}
		k, v, ok := strings.Cut(text, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%s:%d: want a \"Name: value\" header, got %q", name, line, escape.Clip(text, 60))
		}
		key, valLine = strings.ToLower(k), line
		val.WriteString(v)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxHeaderBytes)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return md, nil
}

// markerTestsExtra reports whether a PEP 508 marker mentions the "extra"
// variable outside its quoted strings: such a requirement is installed only
// with that extra, which an installed tree does not record.
func markerTestsExtra(marker string) bool {
	var quote byte
	for i := 0; i < len(marker); i++ {
		c := marker[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case strings.HasPrefix(marker[i:], "extra") &&
			(i == 0 || !isIdentByte(marker[i-1])) &&
			(i+5 == len(marker) || !isIdentByte(marker[i+5])):
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool { return isAlnum(c) || c == '_' }

// licenses picks the license the metadata states, most precise first:
// License-Expression (an SPDX expression, metadata 2.4); else License when
// it is a short name and not setuptools' "UNKNOWN" placeholder; else the
// license classifiers, when every one maps to a single SPDX identifier.
func (md *metadata) licenses() []string {
	if md.expression != "" {
		return []string{md.expression}
	}
	if l := md.license; l != "" && !strings.EqualFold(l, "UNKNOWN") && len(l) <= maxShortLicense && !strings.Contains(l, "\n") {
		return []string{l}
	}
	var out []string
	for _, c := range md.classifiers {
		if !strings.HasPrefix(c, "License ::") {
			continue
		}
		id, ok := classifierSPDX[c]
		if !ok {
			// "BSD License", "Apache Software License": no version, so no
			// one identifier. Reporting the other classifiers alone would
			// misstate the licensing.
			return nil
		}
		out = append(out, id)
	}
	return out
}

// classifierSPDX maps the trove license classifiers
// (https://pypi.org/classifiers/) that name exactly one license to its SPDX
// identifier. Classifiers without a version ("Apache Software License",
// "BSD License", "GNU General Public License (GPL)") are left out on
// purpose.
var classifierSPDX = map[string]string{
	"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":                       "CC0-1.0",
	"License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)":                       "BSL-1.0",
	"License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)":                       "EPL-1.0",
	"License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)":                       "EPL-2.0",
	"License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)":               "EUPL-1.1",
	"License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)":               "EUPL-1.2",
	"License :: OSI Approved :: GNU Affero General Public License v3":                       "AGPL-3.0-only",
	"License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)":    "AGPL-3.0-or-later",
	"License :: OSI Approved :: GNU General Public License v2 (GPLv2)":                      "GPL-2.0-only",
	"License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)":            "GPL-2.0-or-later",
	"License :: OSI Approved :: GNU General Public License v3 (GPLv3)":                      "GPL-3.0-only",
	"License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)":            "GPL-3.0-or-later",
	"License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)":              "LGPL-3.0-only",
	"License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)":    "LGPL-3.0-or-later",
	"License :: OSI Approved :: ISC License (ISCL)":                                         "ISC",
	"License :: OSI Approved :: MIT License":                                                "MIT",
	"License :: OSI Approved :: MIT No Attribution License (MIT-0)":                         "MIT-0",
	"License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)":                       "MPL-1.1",
	"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)":                       "MPL-2.0",
	"License :: OSI Approved :: The Unlicense (Unlicense)":                                  "Unlicense",
	"License :: OSI Approved :: Universal Permissive License (UPL)":                         "UPL-1.0",
	"License :: OSI Approved :: Zero-Clause BSD (0BSD)":                                     "0BSD",
	"License :: OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
}

// parseRequiresTxt reads an egg-info requires.txt as pkg_resources does:
// requirement lines, grouped by "[extra]", "[:marker]" or "[extra:marker]"
// section headers. Lines before any section, and sections with a marker but
// no extra, apply to every install.
func parseRequiresTxt(name string, data []byte) ([]requirement, error) {
	var out []requirement
	always := true
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%s:%d: section %q: want a closing ']'", name, i+1, escape.Clip(line, 60))
			}
			extra, _, _ := strings.Cut(line[1:len(line)-1], ":")
			always = strings.TrimSpace(extra) == ""
			continue
		}
		req, err := parseRequirement(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		if always && !markerTestsExtra(req.Marker) {
			out = append(out, req)
		}
	}
	return out, nil
}

// resolveSiblings finds the installed distributions that the normalised
// names want among the entries of siteDir, the directory that holds the
// distribution, and returns their purls. The version comes from each
// sibling's own metadata, since directory names escape it.
func resolveSiblings(ctx context.Context, fsys fs.FS, siteDir string, names []string, limit int64) []string {
	if len(names) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	entries, err := fs.ReadDir(fsys, siteDir)
	if err != nil || len(entries) > maxSiblings {
		return nil
	}
	var out []string
	for _, e := range entries {
		if ctx.Err() != nil {
			return nil
		}
		base := e.Name()
		var meta string
		switch {
		case hasStem(base, ".dist-info") && e.IsDir():
			meta = path.Join(siteDir, base, "METADATA")
		case hasStem(base, ".egg-info") && e.IsDir():
			meta = path.Join(siteDir, base, "PKG-INFO")
		case hasStem(base, ".egg-info") && e.Type().IsRegular():
			meta = path.Join(siteDir, base)
		default:
			continue
		}
		// Wheel and egg directory names are NAME-VERSION[-...] with "-"
		// in the name escaped, so the name ends at the first "-".
		stem, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimSuffix(base, ".dist-info"), ".egg-info"), "-")
		if !want[inventory.NormalizePyPIName(stem)] {
			continue
		}
		md, err := readMetadata(fsys, meta, limit)
		if err != nil || md.version == "" || !want[inventory.NormalizePyPIName(md.name)] {
			continue
		}
		out = append(out, newPackage(md.name, md.version).PURL)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
