package match

import (
	"slices"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Reachability labels for findings in Go binaries.
const (
	// ReachCalled: a vulnerable symbol is in the binary's function table.
	ReachCalled = "called"
	// ReachImported: the vulnerable package is linked in, but none of the
	// vulnerable symbols is.
	ReachImported = "imported only"
	// ReachNotImported: the module is in the build, but no function of the
	// vulnerable packages is.
	ReachNotImported = "not imported"
	// ReachOtherPlatform: every vulnerable package of the advisory is
	// limited to GOOS/GOARCH values the binary was not built for.
	ReachOtherPlatform = "other platform"
)

// ReachabilityNote is shown wherever reachability labels are.
const ReachabilityNote = "Reachability is a binary-level approximation: a finding is \"called\" when one of the advisory's vulnerable symbols is in the Go binary's function table (pclntab). The linker keeps only functions that can be reached from main, so absence is good evidence; presence does not prove the vulnerable path is taken, and a function inlined into all of its callers is not seen."

// Reachability is the symbol-level verdict for a finding in a Go binary.
type Reachability struct {
	Status string `json:"status"`
	// Symbols are the vulnerable symbols found, as package.Symbol.
	Symbols []string `json:"symbols,omitempty"`
	Binary  string   `json:"binary"`
}

// markReachability labels the findings of Go packages found in binaries
// with the facts the extraction recorded about each (inv.GoBinaries); a
// package is in a binary when one of its locations is the binary's path.
func markReachability(inv *inventory.Inventory, res *Result) {
	if len(inv.GoBinaries) == 0 {
		return
	}
	labelled := false
	for i := range res.Packages {
		p := &res.Packages[i]
		if p.Ecosystem != inventory.Go {
			continue
		}
		for _, loc := range p.Locations {
			bin := inv.GoBinary(loc.Path)
			if bin == nil {
				continue // a go.mod, or a binary whose table was not read
			}
			for j := range p.Findings {
				f := &p.Findings[j]
				if r := reach(bin, f, p.Name); r != nil {
					f.Reachability = r
					labelled = true
				}
			}
			break // one binary per package entry; the inventory merges locations
		}
	}
	if labelled {
		res.ReachabilityNote = ReachabilityNote
	}
}

// reach labels one finding of module (the package's name).
func reach(b *inventory.GoBinary, f *Finding, module string) *Reachability {
	var pkgs, syms []string
	listed, otherPlatform := false, false
	for _, a := range f.entries {
		for _, imp := range a.Imports() {
			listed = true
			if !builtFor(b, imp) {
				otherPlatform = true
				continue
			}
			pkgs = append(pkgs, imp.Path)
			for _, s := range imp.Symbols {
				syms = append(syms, imp.Path+"."+s)
			}
		}
	}
	r := &Reachability{Status: ReachNotImported, Binary: b.Path}
	if !listed {
		// No packages listed: the whole module is vulnerable, so any of
		// its packages in the binary counts.
		if b.HasModule(module) {
			r.Status = ReachCalled
		}
		return r
	}
	if len(pkgs) == 0 && otherPlatform {
		r.Status = ReachOtherPlatform
		return r
	}
	for _, p := range pkgs {
		if b.HasPackage(p) {
			r.Status = ReachImported
		}
	}
	for _, s := range syms {
		if b.Functions.Has(s) {
			r.Symbols = append(r.Symbols, s)
		}
	}
	// An import with no symbol list means the whole package is vulnerable.
	if len(syms) == 0 && r.Status == ReachImported {
		r.Status = ReachCalled
	}
	if len(r.Symbols) > 0 {
		r.Status = ReachCalled
		slices.Sort(r.Symbols)
		r.Symbols = slices.Compact(r.Symbols)
	}
	return r
}

// builtFor reports whether an advisory's package applies to the binary's
// platform: its goos and goarch lists, when given, name the binary's.
func builtFor(b *inventory.GoBinary, imp osv.GoImport) bool {
	if b.GOOS != "" && len(imp.GOOS) > 0 && !slices.Contains(imp.GOOS, b.GOOS) {
		return false
	}
	if b.GOARCH != "" && len(imp.GOARCH) > 0 && !slices.Contains(imp.GOARCH, b.GOARCH) {
		return false
	}
	return true
}
