// Package props carries the inventory facts that SBOM formats have no field
// for (Direct, Dev, Constraint, Layer, Source, Target.Kind, Skipped, the
// distro codename) as "hallmark:" name/value pairs, and reads them back, so
// that hallmark → SBOM → hallmark keeps them. CycloneDX writes them as
// component properties; SPDX as package annotations. It also holds what
// both encoders derive alike: the content digest that makes serial numbers
// and namespaces reproducible, the normalised inventory, and the packages
// the target depends on.
package props

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names hallmark writes.
const (
	Constraint = "hallmark:constraint"
	Dev        = "hallmark:dev"
	Direct     = "hallmark:direct"
	Layer      = "hallmark:layer"
	// LocationLayer is "<layer digest> <path>": the image layer a location's
	// file came from. Neither format has a field for it; a digest has no
	// space, so the path is everything after the first.
	LocationLayer  = "hallmark:location:layer"
	SourceName     = "hallmark:source:name"
	SourceVersion  = "hallmark:source:version"
	TargetKind     = "hallmark:target:kind"
	DistroCodename = "hallmark:distro:codename"
	Skipped        = "hallmark:skipped"
)

// ForPackage returns p's facts and its own properties, sorted by name and
// value.
func ForPackage(p *inventory.Package) []inventory.Property {
	out := make([]inventory.Property, 0, len(p.Properties)+4)
	if p.Constraint != "" {
		out = append(out, inventory.Property{Name: Constraint, Value: p.Constraint})
	}
	if p.Dev {
		out = append(out, inventory.Property{Name: Dev, Value: "true"})
	}
	if p.Direct {
		out = append(out, inventory.Property{Name: Direct, Value: "true"})
	}
	if p.Layer != "" {
		out = append(out, inventory.Property{Name: Layer, Value: p.Layer})
	}
	for i, l := range p.Locations {
		// A path has one layer in an image; say it once for the path.
		if l.Layer != "" && (i == 0 || p.Locations[i-1].Path != l.Path || p.Locations[i-1].Layer != l.Layer) {
			out = append(out, inventory.Property{Name: LocationLayer, Value: l.Layer + " " + l.Path})
		}
	}
	if p.Source != nil {
		out = append(out, inventory.Property{Name: SourceName, Value: p.Source.Name})
		if p.Source.Version != "" {
			out = append(out, inventory.Property{Name: SourceVersion, Value: p.Source.Version})
		}
	}
	out = append(out, p.Properties...)
	Sort(out)
	return out
}

// ForTarget returns the target's own properties and its kind, sorted by
// name and value.
func ForTarget(t *inventory.Target) []inventory.Property {
	ps := slices.Clone(t.Properties)
	if t.Kind != "" {
		ps = append(ps, inventory.Property{Name: TargetKind, Value: t.Kind})
	}
	Sort(ps)
	return ps
}

// Sort orders properties by name, then value.
func Sort(ps []inventory.Property) {
	slices.SortStableFunc(ps, func(a, b inventory.Property) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Value, b.Value))
	})
}

// Apply sets the package field a hallmark fact names and reports whether
// name was one; other properties are the caller's to keep.
func Apply(p *inventory.Package, name, value string) bool {
	switch name {
	case Constraint:
		p.Constraint = value
	case Dev:
		p.Dev = value == "true"
	case Direct:
		p.Direct = value == "true"
	case Layer:
		p.Layer = value
	case LocationLayer:
		layer, path, ok := strings.Cut(value, " ")
		if !ok {
			return false
		}
		SetLayer(p, path, layer)
	case SourceName:
		if p.Source == nil {
			p.Source = &inventory.SourcePackage{}
		}
		p.Source.Name = value
	case SourceVersion:
		if p.Source == nil {
			p.Source = &inventory.SourcePackage{}
		}
		p.Source.Version = value
	default:
		return false
	}
	return true
}

// SetLayer records that p's file at path came from layer: on each location
// with that path, or, if p has none, on a new location. Decoders read
// locations before properties, so the locations are there to find.
func SetLayer(p *inventory.Package, path, layer string) {
	found := false
	for i := range p.Locations {
		if p.Locations[i].Path == path {
			p.Locations[i].Layer = layer
			found = true
		}
	}
	if !found {
		p.Locations = append(p.Locations, inventory.Location{Path: path, Layer: layer})
	}
}

// SkippedValue renders a skipped input as "path: reason".
func SkippedValue(s inventory.Skipped) string { return s.Path + ": " + s.Reason }

// ParseSkipped reads a "path: reason" value back.
func ParseSkipped(v string) inventory.Skipped {
	path, reason, _ := strings.Cut(v, ": ")
	return inventory.Skipped{Path: path, Reason: reason}
}

// Digest hashes the content of an SBOM as it is built, so identifiers
// derived from it (a CycloneDX serialNumber, an SPDX documentNamespace) are
// the same whenever the content is, whatever the format.
type Digest struct {
	h   hash.Hash
	buf []byte // batches small writes: hashing field by field costs more than the fields
}

// NewDigest starts a digest.
func NewDigest() *Digest { return &Digest{h: sha256.New(), buf: make([]byte, 0, 64<<10)} }

// Add feeds fields, each length-prefixed so that ("ab","c") and ("a","bc")
// differ.
func (d *Digest) Add(fields ...string) {
	for _, f := range fields {
		d.buf = binary.BigEndian.AppendUint64(d.buf, uint64(len(f)))
		d.buf = append(d.buf, f...)
	}
	if len(d.buf) > 60<<10 {
		d.h.Write(d.buf)
		d.buf = d.buf[:0]
	}
}

func (d *Digest) sum() []byte {
	d.h.Write(d.buf)
	d.buf = d.buf[:0]
	return d.h.Sum(nil)
}

// Hex returns the first n hex digits of the digest.
func (d *Digest) Hex(n int) string {
	s := hex.EncodeToString(d.sum())
	return s[:min(n, len(s))]
}

// UUID returns the digest as an RFC 9562 version 8 (custom) UUID: the
// first 128 bits of SHA-256 with the version and variant bits set.
func (d *Digest) UUID() string {
	b := d.sum()[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ShortHash returns the first n hex digits of SHA-256(s), for identifiers
// derived from one string (SPDX element IDs from purls).
func ShortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// DigestAlgorithm maps the algorithm prefix of a digest ("sha256:…", as
// Target.Digest holds it) to CycloneDX's hash name, and back.
var digestAlgorithms = map[string]string{
	"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512",
}

// SplitDigest splits "sha256:abc" into ("SHA-256", "abc"); ok is false for
// an algorithm it does not know or a value that is not hex.
func SplitDigest(d string) (alg, value string, ok bool) {
	a, v, found := strings.Cut(d, ":")
	alg, known := digestAlgorithms[strings.ToLower(a)]
	if !found || !known || !IsHex(v) {
		return "", "", false
	}
	return alg, strings.ToLower(v), true
}

// JoinDigest is SplitDigest's inverse.
func JoinDigest(alg, value string) (string, bool) {
	for k, v := range digestAlgorithms {
		if v == alg {
			return k + ":" + strings.ToLower(value), true
		}
	}
	return "", false
}

// IsHex reports whether s is a hex string of a length some hash has.
func IsHex(s string) bool {
	switch len(s) {
	case 32, 40, 56, 64, 96, 128:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Graph is a normalised inventory with its dependency graph numbered:
// the relationships from package i are Relationships[Start[i]:Start[i+1]],
// and To[k] is the position in Packages of the package relationship k
// points to. The encoders find the ends of relationships by position: by
// purl, through maps of 300,000 packages, it was a third of the time of
// writing such an SBOM (issue 15, item 14).
type Graph struct {
	*inventory.Inventory
	Start, To []int32
}

// Edges returns the positions of the packages package i depends on.
func (g *Graph) Edges(i int) []int32 { return g.To[g.Start[i]:g.Start[i+1]] }

// Normalized returns inv normalised, numbered. An inventory that already
// is normalised (as extract.Run and the decoders return them) is used as
// it is; any other is copied first, so the caller's slices are left as
// they were. Encoders only read the result.
func Normalized(inv *inventory.Inventory) *Graph {
	if g := number(inv, true); g != nil {
		return g
	}
	n := *inv
	n.Packages = make([]inventory.Package, len(inv.Packages))
	for i, p := range inv.Packages {
		p.Locations = slices.Clone(p.Locations)
		p.Licenses = slices.Clone(p.Licenses)
		p.Hashes = slices.Clone(p.Hashes)
		p.Properties = slices.Clone(p.Properties)
		n.Packages[i] = p
	}
	n.Relationships = slices.Clone(inv.Relationships)
	n.Skipped = slices.Clone(inv.Skipped)
	n.Normalize()
	return number(&n, false)
}

// TopLevel returns the positions of what the target depends on, in
// package order: the roots (packages of type application) and the direct
// packages that no root reaches, so the dependency graph hangs together
// from the target down.
func TopLevel(g *Graph) []int32 {
	var queue []int32
	for i := range g.Packages {
		if g.Packages[i].Type == "application" {
			queue = append(queue, int32(i))
		}
	}
	reached := make([]bool, len(g.Packages))
	for len(queue) > 0 {
		i := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, to := range g.Edges(int(i)) {
			if !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		}
	}
	var out []int32
	for i := range g.Packages {
		if p := &g.Packages[i]; p.Type == "application" || (p.Direct && !reached[i]) {
			out = append(out, int32(i))
		}
	}
	return out
}

// number makes the Graph of inv. With check, it returns nil unless inv is
// normalised, checking in the same pass what Normalize establishes;
// without, inv must be.
func number(inv *inventory.Inventory, check bool) *Graph {
	index := make(map[string]int32, len(inv.Packages))
	for i := range inv.Packages {
		p := &inv.Packages[i]
		index[p.PURL] = int32(i)
		if !check {
			continue
		}
		if i > 0 && inv.Packages[i-1].PURL >= p.PURL {
			return nil
		}
		if !slices.IsSortedFunc(p.Locations, inventory.Location.Compare) || hasRepeat(p.Locations) || !sortedUnique(p.Licenses) ||
			!slices.IsSortedFunc(p.Hashes, func(a, b inventory.Hash) int {
				return cmp.Or(strings.Compare(a.Algorithm, b.Algorithm), strings.Compare(a.Value, b.Value))
			}) ||
			!slices.IsSortedFunc(p.Properties, func(a, b inventory.Property) int { return strings.Compare(a.Name, b.Name) }) {
			return nil
		}
		for j := 1; j < len(p.Hashes); j++ {
			if p.Hashes[j] == p.Hashes[j-1] {
				return nil
			}
		}
	}
	g := &Graph{Inventory: inv, Start: make([]int32, len(inv.Packages)+1), To: make([]int32, len(inv.Relationships))}
	prevFrom, prevTo := int32(-1), int32(-1)
	for k := range inv.Relationships {
		r := &inv.Relationships[k]
		from, okFrom := index[r.From]
		to, okTo := index[r.To]
		// Packages are sorted by purl, so positions order as purls do:
		// relationships sorted by (from, to, type), with no two between
		// the same pair (a dev edge beside a runtime edge), have
		// (from, to) strictly increasing.
		if check && (!okFrom || !okTo || from == to || r.Type == "" || from < prevFrom || from == prevFrom && to <= prevTo) {
			return nil
		}
		prevFrom, prevTo = from, to
		g.To[k] = to
		g.Start[from+1]++
	}
	for i := range inv.Packages {
		g.Start[i+1] += g.Start[i]
	}
	if check && !(slices.IsSortedFunc(inv.Skipped, func(a, b inventory.Skipped) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason))
	}) && len(slices.Compact(slices.Clone(inv.Skipped))) == len(inv.Skipped)) {
		return nil
	}
	return g
}

func sortedUnique(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

// Version cleans a version read from a foreign SBOM: producers write
// placeholders where they found none (syft "UNKNOWN", SPDX "NOASSERTION"),
// which would otherwise be compared as if they were versions. A package
// without one is reported as such, never matched on a placeholder.
func Version(v string) string {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "UNKNOWN", "NOASSERTION", "NONE", "N/A":
		return ""
	}
	return strings.TrimSpace(v)
}

func hasRepeat[T comparable](s []T) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] == s[i] {
			return true
		}
	}
	return false
}
