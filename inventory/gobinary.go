package inventory

import (
	"hash/maphash"
	"iter"
	"slices"
	"strings"
)

// GoBinary is what matching needs to know about one Go executable beyond
// the modules its build information lists: the platform it was built for
// and the packages and functions of its symbol table (pclntab), which say
// whether a vulnerable symbol was linked in. extract/golang records one per
// Go binary when the extraction is asked for them (extract.Options.
// BinaryFacts, which `hallmark scan` sets); package match reads them, so
// matching opens no file and labels a binary inside an image as it does
// one on disk.
//
// The facts belong to the file, not to a package: every module of the
// binary shares them, and a module built into two binaries has two sets.
// A package is linked to them through its location: the GoBinary whose
// Path is one of the package's Locations.
//
// GoBinary is kept out of the inventory's JSON and out of every SBOM
// (json:"-"; the encoders never read it): a symbol table has tens of
// thousands of names, no SBOM format has a field for them (syft does not
// write them either), and the verdict they lead to is written with the
// scan's findings. An inventory decoded from an SBOM has none, so a scan
// of an SBOM reports no reachability.
type GoBinary struct {
	// Path is the executable's location, as in Package.Locations.
	Path string
	// GOOS and GOARCH are the build settings of the same names, empty when
	// the build information does not record them.
	GOOS, GOARCH string
	// Packages are the import paths with at least one function in the
	// binary, sorted, as the Go vulnerability database spells them
	// ("gopkg.in/yaml.v3", not the linker's "gopkg.in/yaml%2ev3").
	Packages []string
	// Functions are the binary's functions as "importpath.Symbol" in the
	// database's spelling: "net/http.Server.ListenAndServe" for the method
	// (*Server).ListenAndServe, "example.com/m.Map" for every
	// instantiation of the generic Map.
	Functions FunctionSet
}

// HasPackage reports whether the import path pkg has a function in the
// binary.
func (b *GoBinary) HasPackage(pkg string) bool {
	_, ok := slices.BinarySearch(b.Packages, pkg)
	return ok
}

// HasModule reports whether a package of the module at path mod (the
// module's root package or one below it) has a function in the binary.
// Module paths end at a "/": "github.com/docker/docker" does not contain
// "github.com/docker/docker-credential-helpers".
func (b *GoBinary) HasModule(mod string) bool {
	if b.HasPackage(mod) {
		return true
	}
	// Every package below mod sorts right after mod+"/".
	i, _ := slices.BinarySearch(b.Packages, mod+"/")
	return i < len(b.Packages) && strings.HasPrefix(b.Packages[i], mod+"/")
}

// FunctionSet is a set of function names held as sorted 64-bit hashes, 8
// bytes a function. A binary's function names average about 50 bytes plus
// a 16-byte string header (33,000 functions and 1.6 MB of names in
// hallmark's own 42 MB binary), so a big binary's 100,000 functions take
// 0.8 MB here rather than about 6.6 MB, and an image with dozens of Go
// binaries stays small. Has answers true for an absent name only when its
// hash collides with one of the n present: a chance of about n/2⁶⁴.
type FunctionSet struct {
	hashes []uint64
}

// functionSeed seeds the hashes of every FunctionSet of the process, so
// that sets compare equal when they hold the same names. Sets are never
// stored, so the seed need not outlive the process.
var functionSeed = maphash.MakeSeed()

// NewFunctionSet returns the set of the names names yields.
func NewFunctionSet(names iter.Seq[string]) FunctionSet {
	var hs []uint64
	for n := range names {
		hs = append(hs, maphash.String(functionSeed, n))
	}
	slices.Sort(hs)
	return FunctionSet{hashes: slices.Clip(slices.Compact(hs))}
}

// Has reports whether name is in the set.
func (s FunctionSet) Has(name string) bool {
	_, ok := slices.BinarySearch(s.hashes, maphash.String(functionSeed, name))
	return ok
}

// Len is the number of names in the set.
func (s FunctionSet) Len() int { return len(s.hashes) }

// GoBinary returns the facts recorded for the Go binary at path, or nil.
func (inv *Inventory) GoBinary(path string) *GoBinary {
	i, ok := slices.BinarySearchFunc(inv.GoBinaries, path, func(b GoBinary, p string) int { return strings.Compare(b.Path, p) })
	if ok {
		return &inv.GoBinaries[i]
	}
	for i := range inv.GoBinaries { // not normalised yet
		if inv.GoBinaries[i].Path == path {
			return &inv.GoBinaries[i]
		}
	}
	return nil
}
