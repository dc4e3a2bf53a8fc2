package golang

import (
	"context"
	"debug/buildinfo"
	"io/fs"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Binary reads the build information of Go executables.
type Binary struct{}

// Name implements extract.Extractor.
func (Binary) Name() string { return "go/binary" }

// Claims implements extract.Extractor: executables, and Windows programs
// wherever their mode bits come from a file system that has none.
func (Binary) Claims(p string, mode fs.FileMode) bool {
	return extract.IsExecutable(mode) || strings.HasSuffix(strings.ToLower(p), ".exe")
}

// Extract implements extract.Extractor. Files that are not Go binaries, or
// carry no build information (built outside module mode, or stripped of
// it), yield nothing and no error. With in.BinaryFacts it also records the
// binary's platform, packages and functions (inventory.GoBinary).
func (Binary) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	ra, closeFn, err := in.OpenReaderAt()
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	// debug/buildinfo reports "not a Go executable" and unrecognised
	// formats with unexported errors; every failure means there is nothing
	// here for this extractor.
	bi, err := buildinfo.Read(ra)
	if err != nil {
		return nil, nil, nil
	}
	pkgs, rels := fromBuildInfo(bi)
	if in.BinaryFacts {
		// A binary whose function table cannot be read (over the limits,
		// or damaged) still has its modules; matching then says nothing
		// about reachability in it rather than calling everything
		// unreachable.
		if b, err := goBinaryFacts(ra, in.Path, bi); err == nil {
			in.AddGoBinary(b)
		}
	}
	return pkgs, rels, nil
}

// fromBuildInfo turns a binary's build information into packages.
func fromBuildInfo(bi *debug.BuildInfo) ([]inventory.Package, []inventory.Relationship) {
	var main *inventory.Package
	if bi.Main.Path != "" {
		version := bi.Main.Version
		if version == "(devel)" {
			version = ""
		}
		m := modulePackage(bi.Main.Path, version)
		m.Type = "application"
		addH1(&m, bi.Main.Sum)
		if bi.Path != "" {
			m.SetProperty(PropMainPackage, bi.Path)
		}
		for _, s := range bi.Settings {
			if s.Key != "" {
				m.SetProperty(PropBuildPrefix+s.Key, s.Value)
			}
		}
		main = &m
	}

	var pkgs []inventory.Package
	for _, d := range bi.Deps {
		if d == nil || d.Path == "" {
			continue
		}
		var p inventory.Package
		switch r := d.Replace; {
		case r == nil:
			p = modulePackage(d.Path, d.Version)
			addH1(&p, d.Sum)
		case modfile.IsDirectoryPath(r.Path):
			// The linker records a directory replacement with the version
			// "(devel)"; like go.mod's, it has no version to report.
			p = modulePackage(d.Path, "")
			p.SetProperty(PropReplaceDir, r.Path)
		default:
			p = modulePackage(r.Path, r.Version)
			addH1(&p, r.Sum)
			p.SetProperty(PropReplacedFrom, d.Path+"@"+d.Version)
		}
		pkgs = append(pkgs, p)
	}

	if bi.GoVersion != "" {
		std := modulePackage(StdlibName, StdlibVersion(bi.GoVersion))
		std.SetProperty(PropStdlibSource, "buildinfo")
		std.SetProperty(PropToolchain, bi.GoVersion)
		pkgs = append(pkgs, std)
	}

	var rels []inventory.Relationship
	if main != nil {
		for i := range pkgs {
			rels = append(rels, dependsOn(main, &pkgs[i]))
		}
		pkgs = append(pkgs, *main)
	}
	return pkgs, rels
}
