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

// Normalized returns inv normalised. An inventory that already is (as
// extract.Run and the decoders return them) is returned as it is; any other
// is copied first, so the caller's slices are left as they were. Encoders
// only read the result.
func Normalized(inv *inventory.Inventory) *inventory.Inventory {
	if isNormalized(inv) {
		return inv
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
	return &n
}

// TopLevel returns the purls of what the target depends on, in package
// order: the roots (packages of type application) and the direct packages
// that no root reaches, so the dependency graph hangs together from the
// target down.
func TopLevel(n *inventory.Inventory) []string {
	edges := make(map[string][]string, len(n.Packages))
	for _, r := range n.Relationships {
		edges[r.From] = append(edges[r.From], r.To)
	}
	var queue []string
	for _, p := range n.Packages {
		if p.Type == "application" {
			queue = append(queue, p.PURL)
		}
	}
	reached := make(map[string]bool, len(n.Packages))
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, to := range edges[id] {
			if !reached[to] {
				reached[to] = true
				queue = append(queue, to)
			}
		}
	}
	var out []string
	for _, p := range n.Packages {
		if p.Type == "application" || (p.Direct && !reached[p.PURL]) {
			out = append(out, p.PURL)
		}
	}
	return out
}

// isNormalized checks, in one pass, what Normalize establishes.
func isNormalized(inv *inventory.Inventory) bool {
	ids := make(map[string]bool, len(inv.Packages))
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if i > 0 && inv.Packages[i-1].PURL >= p.PURL {
			return false
		}
		ids[p.PURL] = true
		if !slices.IsSortedFunc(p.Locations, inventory.Location.Compare) || hasRepeat(p.Locations) || !sortedUnique(p.Licenses) ||
			!slices.IsSortedFunc(p.Hashes, func(a, b inventory.Hash) int {
				return cmp.Or(strings.Compare(a.Algorithm, b.Algorithm), strings.Compare(a.Value, b.Value))
			}) ||
			!slices.IsSortedFunc(p.Properties, func(a, b inventory.Property) int { return strings.Compare(a.Name, b.Name) }) {
			return false
		}
		for j := 1; j < len(p.Hashes); j++ {
			if p.Hashes[j] == p.Hashes[j-1] {
				return false
			}
		}
	}
	for i, r := range inv.Relationships {
		if !ids[r.From] || !ids[r.To] || r.From == r.To || r.Type == "" {
			return false
		}
		if i > 0 {
			q := inv.Relationships[i-1]
			if cmp.Or(strings.Compare(q.From, r.From), strings.Compare(q.To, r.To), strings.Compare(string(q.Type), string(r.Type))) >= 0 {
				return false
			}
			if q.From == r.From && q.To == r.To {
				return false // a dev edge beside a runtime edge
			}
		}
	}
	return slices.IsSortedFunc(inv.Skipped, func(a, b inventory.Skipped) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Reason, b.Reason))
	}) && len(slices.Compact(slices.Clone(inv.Skipped))) == len(inv.Skipped)
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
