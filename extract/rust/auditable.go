package rust

import (
	"bytes"
	"compress/zlib"
	"context"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

const (
	// auditSection is the section cargo-auditable writes.
	auditSection = ".dep-v0"
	// maxAuditData bounds both the compressed section and the JSON it
	// inflates to; PARSING.md: "8 MiB should be more than enough to hold
	// any legitimate audit data".
	maxAuditData = 8 << 20
)

// Auditable reads the dependency list cargo-auditable embeds in Rust
// executables.
type Auditable struct{}

// Name implements extract.Extractor.
func (Auditable) Name() string { return "rust/cargo-auditable" }

// Claims implements extract.Extractor: executables, and Windows programs
// wherever their mode bits come from a file system that has none.
func (Auditable) Claims(p string, mode fs.FileMode) bool {
	return extract.IsExecutable(mode) || strings.HasSuffix(strings.ToLower(p), ".exe")
}

// Extract implements extract.Extractor. Files that are not ELF, PE or
// Mach-O, or have no audit data, yield nothing and no error; audit data
// that is there but broken is an error naming what is wrong.
func (Auditable) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	ra, closeFn, err := in.OpenReaderAt()
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	compressed, err := readAuditSection(ra)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	if compressed == nil {
		return nil, nil, nil
	}
	data, err := inflate(compressed)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: section %s: %w", in.Path, auditSection, err)
	}
	pkgs, rels, err := parseAuditData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: section %s: %w", in.Path, auditSection, err)
	}
	return pkgs, rels, nil
}

// readAuditSection returns the raw .dep-v0 section, or nil when the file is
// not an executable format this package reads or has no such section.
func readAuditSection(ra io.ReaderAt) ([]byte, error) {
	var magic [4]byte
	if _, err := ra.ReadAt(magic[:], 0); err != nil {
		return nil, nil
	}
	switch {
	case bytes.Equal(magic[:], []byte(elf.ELFMAG)):
		f, err := elf.NewFile(ra)
		if err != nil {
			return nil, nil // not a well-formed ELF: not ours to judge
		}
		s := f.Section(auditSection)
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil, nil
		}
		return readSection(s.Open(), s.Size)
	case magic[0] == 'M' && magic[1] == 'Z':
		f, err := pe.NewFile(ra)
		if err != nil {
			return nil, nil
		}
		s := f.Section(auditSection)
		if s == nil {
			return nil, nil
		}
		// Size is the raw data on disk, which the linker pads to the file
		// alignment; zlib stops at its own end, so the padding is harmless.
		return readSection(s.Open(), uint64(s.Size))
	case isMachO(magic):
		f, err := macho.NewFile(ra)
		if err != nil {
			return nil, nil
		}
		return machoSection(f)
	case isFat(magic):
		ff, err := macho.NewFatFile(ra)
		if err != nil {
			return nil, nil
		}
		// Every architecture of a universal binary is built from the same
		// lockfile; the first one that carries audit data speaks for all.
		for _, arch := range ff.Arches {
			if data, err := machoSection(arch.File); data != nil || err != nil {
				return data, err
			}
		}
	}
	return nil, nil
}

func isMachO(m [4]byte) bool {
	switch {
	case m == [4]byte{0xfe, 0xed, 0xfa, 0xce}, m == [4]byte{0xfe, 0xed, 0xfa, 0xcf},
		m == [4]byte{0xce, 0xfa, 0xed, 0xfe}, m == [4]byte{0xcf, 0xfa, 0xed, 0xfe}:
		return true
	}
	return false
}

func isFat(m [4]byte) bool { return m == [4]byte{0xca, 0xfe, 0xba, 0xbe} }

// machoSection reads __DATA,.dep-v0, where cargo-auditable puts the data on
// Apple platforms.
func machoSection(f *macho.File) ([]byte, error) {
	for _, s := range f.Sections {
		if s.Seg == "__DATA" && s.Name == auditSection {
			return readSection(s.Open(), uint64(s.Size))
		}
	}
	return nil, nil
}

// readSection reads a section whose header claims size bytes, refusing
// sizes over the limit before reading anything.
func readSection(r io.Reader, size uint64) ([]byte, error) {
	if size > maxAuditData {
		return nil, fmt.Errorf("section %s is %d bytes, over the %d-byte limit", auditSection, size, maxAuditData)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil {
		return nil, fmt.Errorf("section %s: %w", auditSection, err)
	}
	return data, nil
}

// inflate decompresses zlib data, refusing output over maxAuditData.
func inflate(compressed []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("want zlib data: %w", err)
	}
	defer zr.Close()
	data, err := io.ReadAll(io.LimitReader(zr, maxAuditData+1))
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	if len(data) > maxAuditData {
		return nil, fmt.Errorf("inflates to more than %d bytes", maxAuditData)
	}
	return data, nil
}

// auditData is cargo-auditable's VersionInfo.
type auditData struct {
	Packages []auditPackage `json:"packages"`
}

type auditPackage struct {
	Name         string          `json:"name"`
	Version      string          `json:"version"`
	Source       json.RawMessage `json:"source"`
	Kind         string          `json:"kind"`
	Dependencies []int64         `json:"dependencies"`
	Root         bool            `json:"root"`
}

// parseAuditData turns the inflated JSON into packages. The root package
// is the application; the packages it depends on are direct. Each
// package's dependency indexes become relationships.
func parseAuditData(data []byte) ([]inventory.Package, []inventory.Relationship, error) {
	var ad auditData
	if err := json.Unmarshal(data, &ad); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, nil, fmt.Errorf("%s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return nil, nil, fmt.Errorf("want JSON: %w", err)
	}
	if ad.Packages == nil {
		return nil, nil, errors.New(`"packages": want an array, got none`)
	}
	pkgs := make([]inventory.Package, len(ad.Packages))
	for i, ap := range ad.Packages {
		field := fmt.Sprintf("packages[%d]", i)
		if ap.Name == "" {
			return nil, nil, fmt.Errorf("%s.name: want a crate name, got none", field)
		}
		if ap.Version == "" {
			return nil, nil, fmt.Errorf("%s.version (%s): want a version, got none", field, ap.Name)
		}
		source, err := auditSource(ap.Source)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.source (%s): %w", field, ap.Name, err)
		}
		p := crate(ap.Name, ap.Version, "")
		if source != "crates.io" {
			p.SetProperty(PropSource, source)
		}
		switch ap.Kind {
		case "", "runtime":
		case "build":
			p.SetProperty(PropDependencyKind, "build")
		default:
			return nil, nil, fmt.Errorf("%s.kind (%s): want \"build\" or \"runtime\", got %q", field, ap.Name, ap.Kind)
		}
		if ap.Root {
			p.Type = "application"
		}
		for j, d := range ap.Dependencies {
			if d < 0 || d >= int64(len(ad.Packages)) {
				return nil, nil, fmt.Errorf("%s.dependencies[%d] (%s): index %d, want 0 to %d", field, j, ap.Name, d, len(ad.Packages)-1)
			}
		}
		pkgs[i] = p
	}
	var rels []inventory.Relationship
	for i, ap := range ad.Packages {
		for _, d := range ap.Dependencies {
			rels = append(rels, inventory.Relationship{From: pkgs[i].PURL, To: pkgs[d].PURL, Type: inventory.DependsOn})
			if ap.Root {
				pkgs[d].Direct = true
			}
		}
	}
	return pkgs, rels, nil
}

// auditSource reads a package's source: a string ("crates.io", "git",
// "local", "registry", or another that later versions may add) or, as the
// schema also allows, {"Other": "..."}.
func auditSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 {
		return "", errors.New("want a source, got none")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s == "" {
			return "", errors.New("want a source, got an empty string")
		}
		return s, nil
	}
	var other struct {
		Other *string `json:"Other"`
	}
	if err := json.Unmarshal(raw, &other); err == nil && other.Other != nil && *other.Other != "" {
		return *other.Other, nil
	}
	return "", fmt.Errorf("want a string, got %s", escape.Clip(string(raw), 40))
}
