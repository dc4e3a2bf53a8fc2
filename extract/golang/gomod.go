package golang

import (
	"context"
	"errors"
	"fmt"
	"go/version"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Size caps below the walk's per-file limit: the largest real go.mod files
// are tens of kilobytes and go.sum files a few megabytes.
const (
	maxGoModSize = 16 << 20
	maxGoSumSize = 64 << 20
)

// GoMod reads a main module's go.mod and the go.sum beside it.
type GoMod struct{}

// Name implements extract.Extractor.
func (GoMod) Name() string { return "go/gomod" }

// Claims implements extract.Extractor.
func (GoMod) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "go.mod" }

// Extract implements extract.Extractor.
func (GoMod) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := extract.ReadFile(in.FS, in.Path, capSize(in.MaxSize, maxGoModSize))
	if err != nil {
		return nil, nil, err
	}
	// modfile's errors already read "path:line:col: what was expected".
	mf, err := modfile.Parse(in.Path, data, nil)
	if err != nil {
		return nil, nil, err
	}
	sumPath := path.Join(path.Dir(in.Path), "go.sum")
	var sums map[modVersion]string
	if sumData, err := extract.ReadFile(in.FS, sumPath, capSize(in.MaxSize, maxGoSumSize)); err == nil {
		if sums, err = parseGoSum(sumPath, sumData); err != nil {
			return nil, nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: %w", sumPath, err)
	}
	pkgs, rels := fromModFile(mf, sums, in.Path, sumPath)
	return pkgs, rels, nil
}

// Companion: go.sum gives the hashes.
func (GoMod) Companion(p string) bool { return path.Base(p) == "go.sum" }

// fromModFile turns a parsed go.mod into packages: the main module, one
// package per requirement (after replace and exclude), the modules only
// go.sum names when the go.mod predates module graph pruning, and stdlib.
func fromModFile(mf *modfile.File, sums map[modVersion]string, modPath, sumPath string) ([]inventory.Package, []inventory.Relationship) {
	var pkgs []inventory.Package
	var main *inventory.Package
	// at is the go.mod line a directive is on.
	at := func(l *modfile.Line) []inventory.Location {
		loc := inventory.Location{Path: modPath}
		if l != nil {
			loc.Line = l.Start.Line
		}
		return []inventory.Location{loc}
	}
	if mf.Module != nil && mf.Module.Mod.Path != "" {
		m := modulePackage(mf.Module.Mod.Path, "")
		m.Type = "application"
		m.Locations = at(mf.Module.Syntax)
		main = &m
	}

	excluded := make(map[modVersion]bool, len(mf.Exclude))
	for _, x := range mf.Exclude {
		excluded[modVersion{x.Mod.Path, x.Mod.Version}] = true
	}
	// A replace naming a version applies to that version only and wins over
	// one naming the path alone (https://go.dev/ref/mod#go-mod-file-replace).
	replaces := make(map[modVersion]*modfile.Replace, len(mf.Replace))
	for _, r := range mf.Replace {
		replaces[modVersion{r.Old.Path, r.Old.Version}] = r
	}

	for _, r := range mf.Require {
		req := modVersion{r.Mod.Path, r.Mod.Version}
		if excluded[req] {
			continue
		}
		rep := replaces[req]
		if rep == nil {
			rep = replaces[modVersion{r.Mod.Path, ""}]
		}
		var p inventory.Package
		switch {
		case rep == nil:
			p = modulePackage(r.Mod.Path, r.Mod.Version)
			addH1(&p, sums[req])
		case rep.New.Version == "" || modfile.IsDirectoryPath(rep.New.Path):
			// A directory on disk: the code is whatever is there, so there
			// is no version to report and no sum to check.
			p = modulePackage(r.Mod.Path, "")
			p.SetProperty(PropReplaceDir, rep.New.Path)
		default:
			p = modulePackage(rep.New.Path, rep.New.Version)
			addH1(&p, sums[modVersion{rep.New.Path, rep.New.Version}])
			p.SetProperty(PropReplacedFrom, r.Mod.Path+"@"+r.Mod.Version)
		}
		p.Direct = !r.Indirect
		p.Locations = at(r.Syntax)
		pkgs = append(pkgs, p)
	}
	if !prunedGraph(mf) {
		pkgs = append(pkgs, sumOnlyModules(mf, sums, sumPath)...)
	}

	// stdlib: the toolchain line names the Go that builds the module; from
	// Go 1.21 on the go line is the oldest Go allowed to. Before 1.21 the go
	// line only selected language features and says nothing about the Go
	// that builds the code, so no stdlib version is claimed from it.
	goVersion := ""
	var goLine *modfile.Line
	if mf.Toolchain != nil {
		goVersion, goLine = mf.Toolchain.Name, mf.Toolchain.Syntax
	} else if mf.Go != nil && version.Compare("go"+mf.Go.Version, "go1.21") >= 0 {
		goVersion, goLine = mf.Go.Version, mf.Go.Syntax
	}
	if v := StdlibVersion(goVersion); v != "" {
		std := modulePackage(StdlibName, v)
		std.Locations = at(goLine)
		std.Direct = true
		std.SetProperty(PropStdlibSource, "go.mod")
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

// prunedGraph reports whether the go.mod lists every module the main
// module's packages and tests import. From "go 1.17" on, the go command
// adds an indirect requirement for each such module; below it, and when
// the go directive is missing (the go command then assumes 1.16), go.mod
// names only what the author required and the rest of the build list is
// implied by the requirements' own go.mod files
// (https://go.dev/ref/mod#go-mod-file-go, "module graph pruning").
func prunedGraph(mf *modfile.File) bool {
	return mf.Go != nil && version.Compare("go"+mf.Go.Version, "go1.17") >= 0
}

// sumOnlyModules returns, for a go.mod without a pruned graph, the modules
// whose zip hash go.sum records but go.mod does not require: the go command
// writes a zip hash only for a module whose content it needed, so these are
// the indirect dependencies go.mod leaves out. Stale lines can leave several
// versions of one module; minimal version selection builds with one, the
// highest, so only that one is reported. Directives apply as the go command
// applies them (https://go.dev/ref/mod#go-mod-file-replace): an excluded
// version is left out; a version some replace applies to ("path version =>"
// for that version only, "path =>" for all) was not downloaded, the
// replacement was, so it is left out; and a replacement go.sum hashes is
// reported as such when no require already accounts for it. Helm v3.0.0's
// "gopkg.in/square/go-jose.v2 v2.3.0 => …" therefore no longer hides the
// v2.2.2 its go.sum records.
func sumOnlyModules(mf *modfile.File, sums map[modVersion]string, sumPath string) []inventory.Package {
	required := make(map[string]bool, len(mf.Require)+1)
	for _, r := range mf.Require {
		required[r.Mod.Path] = true
	}
	if mf.Module != nil {
		required[mf.Module.Mod.Path] = true
	}
	excluded := make(map[modVersion]bool, len(mf.Exclude))
	for _, x := range mf.Exclude {
		excluded[modVersion{x.Mod.Path, x.Mod.Version}] = true
	}
	replaced := make(map[modVersion]bool, len(mf.Replace))
	// targets: the replacements of modules no require names, by what they
	// replace ("path" or "path@version").
	targets := map[modVersion]string{}
	for _, r := range mf.Replace {
		replaced[modVersion{r.Old.Path, r.Old.Version}] = true
		if required[r.Old.Path] || required[r.New.Path] || r.New.Version == "" {
			continue // a require reports it, or a directory: nothing to hash
		}
		from := r.Old.Path
		if r.Old.Version != "" {
			from += "@" + r.Old.Version
		}
		targets[modVersion{r.New.Path, r.New.Version}] = from
	}
	highest := map[string]string{}
	for mv := range sums {
		if required[mv.path] || excluded[mv] || !semver.IsValid(mv.version) ||
			replaced[mv] || replaced[modVersion{mv.path, ""}] {
			continue
		}
		if _, ok := targets[mv]; ok {
			continue
		}
		if v, ok := highest[mv.path]; !ok || semver.Compare(mv.version, v) > 0 {
			highest[mv.path] = mv.version
		}
	}
	pkgs := make([]inventory.Package, 0, len(highest)+len(targets))
	for _, p := range slices.Sorted(maps.Keys(highest)) {
		m := modulePackage(p, highest[p])
		addH1(&m, sums[modVersion{p, highest[p]}])
		m.Locations = []inventory.Location{{Path: sumPath}}
		pkgs = append(pkgs, m)
	}
	for _, mv := range slices.SortedFunc(maps.Keys(targets), func(a, b modVersion) int {
		return strings.Compare(a.path+" "+a.version, b.path+" "+b.version)
	}) {
		sum, ok := sums[mv]
		if !ok {
			continue // the go command did not need it
		}
		m := modulePackage(mv.path, mv.version)
		addH1(&m, sum)
		m.SetProperty(PropReplacedFrom, targets[mv])
		m.Locations = []inventory.Location{{Path: sumPath}}
		pkgs = append(pkgs, m)
	}
	return pkgs
}

// capSize is the smaller of the walk's limit and the format's own cap.
func capSize(limit, own int64) int64 {
	if limit > 0 && limit < own {
		return limit
	}
	return own
}
