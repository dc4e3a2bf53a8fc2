// Package inventory is the one model every part of hallmark shares: the
// packages found in a target, the relationships between them, and what was
// skipped on the way. Every input (a directory, a lockfile, a binary, an image,
// a foreign SBOM) becomes an Inventory; every output (CycloneDX, SPDX, scan
// findings, attestations, the server's store) is made from one.
//
// A package is identified by its package URL (purl,
// https://github.com/package-url/purl-spec). This package imports no other
// package of the project.
//
// Besides packages, an inventory of a scan carries what matching needs to
// know about each Go binary (GoBinary: platform, packages, functions), per
// file and linked to the packages by location path. No output writes it:
// it is input to matching, not a statement about the target.
package inventory

import (
	"cmp"
	"slices"
	"strings"
)

// Ecosystem names follow OSV's ecosystem list
// (https://ossf.github.io/osv-schema/#defined-ecosystems), so that a package's
// ecosystem is also the key for its advisories.
type Ecosystem string

const (
	Go        Ecosystem = "Go"
	Npm       Ecosystem = "npm"
	PyPI      Ecosystem = "PyPI"
	CratesIO  Ecosystem = "crates.io"
	Maven     Ecosystem = "Maven"
	RubyGems  Ecosystem = "RubyGems"
	Packagist Ecosystem = "Packagist"
	NuGet     Ecosystem = "NuGet"
	Debian    Ecosystem = "Debian"
	Ubuntu    Ecosystem = "Ubuntu"
	Alpine    Ecosystem = "Alpine"
	RPM       Ecosystem = "RPM" // Red Hat family; OSV splits these by distro.
	// GitHubActions names an action or reusable workflow by its repository,
	// "owner/repo", as OSV's ecosystem of that name does.
	GitHubActions Ecosystem = "GitHub Actions"
	// Unknown is used for components of foreign SBOMs whose purl type hallmark
	// does not map to an OSV ecosystem.
	Unknown Ecosystem = ""
)

// Hash is a digest of a package's artifact, as the source states it.
// Algorithm uses CycloneDX's names: "SHA-1", "SHA-256", "SHA-384",
// "SHA-512", "MD5". Value is lower-case hex.
type Hash struct {
	Algorithm string `json:"alg"`
	Value     string `json:"value"`
}

// Property is a name/value pair for facts that have no field of their own.
// Names hallmark sets are prefixed "hallmark:".
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SourcePackage is the source package an OS binary package was built from
// (dpkg's Source field, apk's origin). Debian and Alpine advisories are keyed
// by source package.
type SourcePackage struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Package is one component found in a target.
type Package struct {
	// Name is the ecosystem's own spelling: a Go module path, an npm name with
	// its scope, a PEP 503-normalised PyPI name, Maven "group:artifact", a
	// Debian binary package name.
	Name      string    `json:"name"`
	Version   string    `json:"version,omitempty"`
	Ecosystem Ecosystem `json:"ecosystem,omitempty"`
	// PURL is the canonical package URL; it is the package's identity.
	PURL string `json:"purl"`
	// Type is "library" (the default, left empty), "application" for the
	// project or main module a manifest describes, or "operating-system".
	Type string `json:"type,omitempty"`
	// Constraint is set, and Version left empty, when the source declares a
	// range rather than a pinned version (an unpinned requirements.txt line).
	Constraint string `json:"constraint,omitempty"`
	// Locations are the places this package was found: the file, the
	// line in it and, in an image, the layer that file came from.
	Locations []Location     `json:"locations,omitempty"`
	Licenses  []string       `json:"licenses,omitempty"`
	Hashes    []Hash         `json:"hashes,omitempty"`
	Source    *SourcePackage `json:"source,omitempty"`
	// Direct is true when a manifest declares the package itself, rather than
	// it arriving through another package.
	Direct bool `json:"direct,omitempty"`
	// Dev is true when the package is only needed for development or tests
	// (npm devDependencies, poetry dev groups, Maven test scope, ...).
	Dev bool `json:"dev,omitempty"`
	// Layer is the digest of the image layer that introduced the package.
	// It is kept beside Locations' layers, not derived from them, because
	// "introduced" needs the image's layer order, which only the source
	// knows (the lowest layer among the package's locations, so dpkg's
	// info/<name>.list counts, not the status file every apt layer
	// rewrites), and because a foreign SBOM may state it with no locations.
	Layer      string     `json:"layer,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// Location is one place a package was found.
type Location struct {
	// Path is slash-separated and relative to the target root.
	Path string `json:"path"`
	// Line is the 1-based line of the file that names the package (its
	// lockfile entry, its manifest requirement), or 0 where the file has no
	// lines to point at (a binary, a database).
	Line int `json:"line,omitempty"`
	// Layer is the digest of the image layer the file was read from, empty
	// outside images.
	Layer string `json:"layer,omitempty"`
}

// Compare orders locations by path, then line, then layer.
func (l Location) Compare(m Location) int {
	return cmp.Or(strings.Compare(l.Path, m.Path), cmp.Compare(l.Line, m.Line), strings.Compare(l.Layer, m.Layer))
}

// Paths returns the paths of locs, in order, each once where they repeat
// side by side (as they do in a normalised package).
func Paths(locs []Location) []string {
	out := make([]string, 0, len(locs))
	for _, l := range locs {
		if n := len(out); n == 0 || out[n-1] != l.Path {
			out = append(out, l.Path)
		}
	}
	return out
}

// ID is the package's identity within an inventory: its purl.
func (p *Package) ID() string { return p.PURL }

// Property returns the value of the named property and whether it is set.
func (p *Package) Property(name string) (string, bool) {
	for _, pr := range p.Properties {
		if pr.Name == name {
			return pr.Value, true
		}
	}
	return "", false
}

// SetProperty sets or replaces a property.
func (p *Package) SetProperty(name, value string) {
	for i := range p.Properties {
		if p.Properties[i].Name == name {
			p.Properties[i].Value = value
			return
		}
	}
	p.Properties = append(p.Properties, Property{name, value})
}

// RelationshipType says how two packages are related.
type RelationshipType string

const (
	// DependsOn: From needs To at run time (or build time for Go and Rust).
	DependsOn RelationshipType = "depends-on"
	// DevDependsOn: From needs To only for development or tests.
	DevDependsOn RelationshipType = "dev-depends-on"
)

// Relationship links two packages by ID (purl).
type Relationship struct {
	From string           `json:"from"`
	To   string           `json:"to"`
	Type RelationshipType `json:"type"`
}

// Skipped records an input that was not inventoried, and why. A result with
// Skipped entries is complete for everything else.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// Unresolved is a manifest with no lockfile to resolve it (a package.json
// without package-lock.json): it names ranges, not the versions that would
// be installed, so none of its dependencies is in the inventory. Command
// writes the lockfile.
type Unresolved struct {
	Path    string `json:"path"`
	Command string `json:"command"`
}

// Distro identifies an operating system from /etc/os-release.
type Distro struct {
	ID         string `json:"id"`                   // "debian", "ubuntu", "alpine"
	VersionID  string `json:"version_id,omitempty"` // "12", "22.04", "3.20.3"
	Codename   string `json:"codename,omitempty"`   // "bookworm"
	PrettyName string `json:"pretty_name,omitempty"`
}

// Target describes what was inventoried.
type Target struct {
	// Name is how the user named it (a path, an image reference).
	Name string `json:"name"`
	// Kind is "directory", "file", "image" or "sbom".
	Kind string `json:"kind"`
	// Digest is the target's content digest where it has one (files, images).
	Digest     string     `json:"digest,omitempty"`
	Properties []Property `json:"properties,omitempty"`
}

// Inventory is everything found in one target.
type Inventory struct {
	Target        Target         `json:"target"`
	Distro        *Distro        `json:"distro,omitempty"`
	Packages      []Package      `json:"packages"`
	Relationships []Relationship `json:"relationships,omitempty"`
	Skipped       []Skipped      `json:"skipped,omitempty"`
	// GoBinaries are the facts about Go executables that matching needs
	// (see GoBinary), sorted by path; recorded only when asked for, and
	// never written out.
	GoBinaries []GoBinary `json:"-"`
	// Unresolved lists the manifests found with no lockfile: their
	// dependencies are missing from Packages, not absent from the target.
	Unresolved []Unresolved `json:"unresolved,omitempty"`
}

// Normalize merges packages that share a purl, sorts everything into a
// deterministic order and drops duplicate relationships and relationships
// whose ends are not in the inventory. Output made from a normalised inventory
// is byte-identical for the same input.
func (inv *Inventory) Normalize() {
	byID := make(map[string]int, len(inv.Packages))
	// Merged in place (a package is written no later than it is read), not
	// copied: 300,000 packages are 67 MB.
	merged := inv.Packages[:0]
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if j, ok := byID[p.PURL]; ok {
			merged[j].merge(*p)
			continue
		}
		byID[p.PURL] = len(merged)
		if len(merged) != i {
			merged = append(merged, *p)
		} else {
			merged = merged[:i+1]
		}
	}
	clear(inv.Packages[len(merged):]) // what was merged away is let go
	if merged == nil {
		// Never nil: an inventory with nothing in it is written as
		// "packages": [], which readers can count, not as null.
		merged = []Package{}
	}
	for i := range merged {
		merged[i].normalize()
	}
	// The packages are sorted by index, then moved once: sorting the
	// packages themselves moved 224 bytes at every swap. rank[i] is where
	// merged[i] goes. Purls are unique here, so comparing ranks orders as
	// comparing purls does, and the relationships are sorted by ranks:
	// comparing their purls, which share long prefixes, and a map of the
	// relationships seen, were most of the time Normalize took on 300,000
	// packages (issue 15, item 14).
	order := make([]int32, len(merged))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(merged[a].PURL, merged[b].PURL) })
	rank := make([]int32, len(merged))
	for r, i := range order {
		rank[i] = int32(r)
	}
	permute(merged, order)
	inv.Packages = merged

	type edge struct {
		from, to int32 // ranks
		i        int   // index in inv.Relationships
	}
	typ := func(e edge) RelationshipType { return cmp.Or(inv.Relationships[e.i].Type, DependsOn) }
	edges := make([]edge, 0, len(inv.Relationships))
	for i := range inv.Relationships {
		r := &inv.Relationships[i]
		from, ok := byID[r.From]
		if !ok {
			continue
		}
		to, ok := byID[r.To]
		if !ok || from == to {
			continue
		}
		edges = append(edges, edge{rank[from], rank[to], i})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), strings.Compare(string(typ(a)), string(typ(b))))
	})
	rels := inv.Relationships[:0:0]
	if len(edges) > 0 {
		rels = make([]Relationship, 0, len(edges))
	}
	for g := 0; g < len(edges); {
		// The edges between one pair of packages, each type once; a
		// runtime edge makes a dev edge between the same pair redundant.
		h := g + 1
		runtime := typ(edges[g]) == DependsOn
		for ; h < len(edges) && edges[h].from == edges[g].from && edges[h].to == edges[g].to; h++ {
			runtime = runtime || typ(edges[h]) == DependsOn
		}
		for k := g; k < h; k++ {
			t := typ(edges[k])
			if t == DevDependsOn && runtime || k > g && t == typ(edges[k-1]) {
				continue
			}
			// The package's own purl strings: the relationship's copies
			// are let go.
			rels = append(rels, Relationship{From: merged[edges[k].from].PURL, To: merged[edges[k].to].PURL, Type: t})
		}
		g = h
	}
	inv.Relationships = rels

	slices.SortFunc(inv.Skipped, func(a, b Skipped) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason))
	})
	inv.Skipped = slices.Compact(inv.Skipped)

	// One set of facts per file: a path is walked once, so a repeat can
	// only come from merging inventories, and the first is kept.
	slices.SortStableFunc(inv.GoBinaries, func(a, b GoBinary) int { return strings.Compare(a.Path, b.Path) })
	inv.GoBinaries = slices.CompactFunc(inv.GoBinaries, func(a, b GoBinary) bool { return a.Path == b.Path })
	slices.SortFunc(inv.Unresolved, func(a, b Unresolved) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Command, b.Command))
	})
	inv.Unresolved = slices.Compact(inv.Unresolved)
}

// permute puts ps[order[r]] at ps[r], moving each package once.
// order is used up.
func permute(ps []Package, order []int32) {
	for start := range order {
		if order[start] < 0 {
			continue
		}
		tmp := ps[start]
		j := start
		for {
			k := int(order[j])
			order[j] = -1
			if k == start {
				ps[j] = tmp
				break
			}
			ps[j] = ps[k]
			j = k
		}
	}
}

// merge folds q, the same package found elsewhere, into p.
func (p *Package) merge(q Package) {
	p.Locations = append(p.Locations, q.Locations...)
	p.Licenses = append(p.Licenses, q.Licenses...)
	p.Hashes = append(p.Hashes, q.Hashes...)
	p.Direct = p.Direct || q.Direct
	// A package is dev-only if every place that has it says so.
	p.Dev = p.Dev && q.Dev
	if p.Source == nil {
		p.Source = q.Source
	}
	if p.Type == "" {
		p.Type = q.Type
	}
	if p.Layer == "" {
		p.Layer = q.Layer
	}
	// Properties of both are kept, each name/value pair once: the same Go
	// module built into two binaries (linux and darwin, say) is one package
	// with both GOOS values, not one with the first binary's settings.
	for _, pr := range q.Properties {
		if !slices.Contains(p.Properties, pr) {
			p.Properties = append(p.Properties, pr)
		}
	}
}

func (p *Package) normalize() {
	if len(p.Locations) > 1 {
		slices.SortFunc(p.Locations, Location.Compare)
		p.Locations = slices.Compact(p.Locations)
	}
	slices.Sort(p.Licenses)
	p.Licenses = slices.Compact(p.Licenses)
	slices.SortFunc(p.Hashes, func(a, b Hash) int {
		return cmp.Or(strings.Compare(a.Algorithm, b.Algorithm), strings.Compare(a.Value, b.Value))
	})
	p.Hashes = slices.Compact(p.Hashes)
	// Stable: repeated names keep the order the source gave them (syft's
	// CPEs, most likely first), and merges happen in walk order.
	slices.SortStableFunc(p.Properties, func(a, b Property) int { return strings.Compare(a.Name, b.Name) })
}

// Package returns the package with the given ID, or nil.
func (inv *Inventory) Package(id string) *Package {
	i, ok := slices.BinarySearchFunc(inv.Packages, id, func(p Package, id string) int { return strings.Compare(p.PURL, id) })
	if ok {
		return &inv.Packages[i]
	}
	for i := range inv.Packages { // not normalised yet
		if inv.Packages[i].PURL == id {
			return &inv.Packages[i]
		}
	}
	return nil
}

// DirectDependencies returns the one test of "is this a direct dependency"
// that every consumer shares (scan's "introduced by", rank's direct
// column, the sbom table's direct/transitive): each package's Direct flag,
// which the extractors set from the manifests and the SBOM decoders from
// the target's own edges. An edge from the project is not enough wherever
// the flags exist: a go.mod requires its indirect dependencies too, and
// they are transitive. Only an inventory in which no package is marked
// direct (an SBOM that says nothing about directness) falls back to its
// graph: what the roots, the packages nothing depends on, depend on.
func (inv *Inventory) DirectDependencies() func(purl string) bool {
	direct := map[string]bool{}
	for i := range inv.Packages {
		if inv.Packages[i].Direct {
			direct[inv.Packages[i].PURL] = true
		}
	}
	if len(direct) == 0 {
		isTo := make(map[string]bool, len(inv.Relationships))
		for _, r := range inv.Relationships {
			isTo[r.To] = true
		}
		for _, r := range inv.Relationships {
			if !isTo[r.From] {
				direct[r.To] = true
			}
		}
	}
	return func(purl string) bool { return direct[purl] }
}
