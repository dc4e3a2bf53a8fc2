// Package cyclonedx writes an inventory as a CycloneDX 1.6 BOM (JSON or
// XML) and reads CycloneDX BOMs of any producer back into an inventory, via
// github.com/CycloneDX/cyclonedx-go. Spec: https://cyclonedx.org/docs/1.6/json/.
//
// Encoding covers metadata (timestamp, tool, the target as
// metadata.component, skipped inputs as hallmark:skipped properties),
// components (purl, name and group, version, type, scope, hashes, licenses,
// evidence.occurrences with their lines (JSON only, see component), properties; a location's image layer as
// a hallmark:location:layer property), the operating system as an
// operating-system component, and dependencies. Output is deterministic: the
// serialNumber is derived from the content, so the same inventory and
// options give the same bytes.
//
// Decoding reads CycloneDX 1.2 to 1.7 in JSON or XML: components (also
// nested ones), purls, hashes, licenses, evidence occurrences, properties,
// metadata.component as the target, and dependencies. Services,
// vulnerabilities, compositions, formulation and the like are not read.
package cyclonedx

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/internal/props"
	"github.com/hallmark-dev/hallmark/sbom/internal/spdxlicense"
	"github.com/hallmark-dev/hallmark/sbom/jsonstream"
)

// Options control encoding.
type Options struct {
	// XML selects the XML encoding; JSON otherwise.
	XML bool
	// Time is metadata.timestamp; the zero time leaves it out.
	Time time.Time
	// ToolVersion is hallmark's version in metadata.tools.
	ToolVersion string
}

const (
	schema1_6    = "http://cyclonedx.org/schema/bom-1.6.schema.json"
	namespace1_6 = "http://cyclonedx.org/schema/bom/1.6"
	// targetRef is the bom-ref of metadata.component. It cannot clash with a
	// purl, which starts with "pkg:".
	targetRef = "hallmark:target"
	toolName  = "hallmark"
)

// Encode writes inv as a CycloneDX 1.6 BOM. inv is not modified.
func Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	bom := Build(inv, opts)
	if !opts.XML {
		return WriteJSON(w, bom)
	}
	return WriteXML(w, bom)
}

// WriteXML writes bom as pretty XML, with a final newline (encoding/xml
// writes none, and text files end with one).
func WriteXML(w io.Writer, bom *cdx.BOM) error {
	if err := cdx.NewBOMEncoder(w, cdx.BOMFileFormatXML).SetPretty(true).SetEscapeHTML(false).Encode(bom); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteJSON writes bom as cyclonedx-go's pretty JSON encoder does (two
// spaces, HTML left unescaped), byte for byte, but streams its
// components, dependencies and vulnerabilities one at a time: the
// encoder marshals the whole BOM into one buffer and indents it into
// another before writing, which for 300,000 components took 1.5 GB
// (issue 15, item 14). BOMs with top-level fields this does not stream
// in between go through cyclonedx-go's encoder.
func WriteJSON(w io.Writer, bom *cdx.BOM) error {
	if bom.Services != nil || bom.ExternalReferences != nil || bom.Compositions != nil || bom.Properties != nil ||
		bom.Annotations != nil || bom.Formulation != nil || bom.Declarations != nil || bom.Definitions != nil ||
		bom.Citations != nil || bom.Signature != nil || bom.SpecVersion < cdx.SpecVersion1_2 {
		return cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).Encode(bom)
	}
	head := *bom
	head.Components, head.Dependencies, head.Vulnerabilities = nil, nil, nil
	var comps []cdx.Component
	var deps []cdx.Dependency
	var vulns []cdx.Vulnerability
	if bom.Components != nil {
		comps = *bom.Components
	}
	if bom.Dependencies != nil {
		deps = *bom.Dependencies
	}
	if bom.Vulnerabilities != nil {
		vulns = *bom.Vulnerabilities
	}
	return jsonstream.Encode(w, "  ", false, &head,
		jsonstream.Array{Key: "components", N: len(comps), Elem: func(i int) any { return &comps[i] }},
		jsonstream.Array{Key: "dependencies", N: len(deps), Elem: func(i int) any { return &deps[i] }},
		jsonstream.Array{Key: "vulnerabilities", N: len(vulns), Elem: func(i int) any { return &vulns[i] }},
	)
}

// Build makes the CycloneDX 1.6 BOM Encode writes for inv, for callers
// that add to it before WriteJSON or WriteXML: report's VDR adds the vulnerabilities
// to this BOM rather than decoding Encode's output again.
func Build(inv *inventory.Inventory, opts Options) *cdx.BOM {
	n := props.Normalized(inv)
	d := props.NewDigest()

	target := targetComponent(&n.Target, d)

	refs := make([]string, len(n.Packages)) // package → bom-ref
	used := make(map[string]bool, len(n.Packages)+2)
	used[targetRef] = true
	comps := make([]cdx.Component, 0, len(n.Packages)+1)
	for i := range n.Packages {
		p := &n.Packages[i]
		ref := p.PURL
		if ref == "" || used[ref] {
			ref = uniqueRef(used, "hallmark:package:"+p.Name+"@"+p.Version)
		}
		used[ref] = true
		refs[i] = ref
		comps = append(comps, component(p, ref, d, !opts.XML))
	}
	deps := dependencies(n, refs, d)
	if n.Distro != nil {
		ref := uniqueRef(used, "hallmark:os:"+n.Distro.PURLQualifier())
		used[ref] = true
		comps = append(comps, distroComponent(n.Distro, ref, d))
		deps = append(deps, dependency(ref, nil, d))
	}
	slices.SortFunc(deps, func(a, b cdx.Dependency) int { return strings.Compare(a.Ref, b.Ref) })

	bom := &cdx.BOM{
		JSONSchema:  schema1_6,
		XMLNS:       namespace1_6,
		BOMFormat:   cdx.BOMFormat,
		SpecVersion: cdx.SpecVersion1_6,
		Version:     1,
		Metadata: &cdx.Metadata{
			Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
				Type: cdx.ComponentTypeApplication, Name: toolName, Version: opts.ToolVersion,
			}}},
			Component: target,
		},
		Dependencies: &deps,
	}
	if !opts.Time.IsZero() {
		bom.Metadata.Timestamp = opts.Time.UTC().Format(time.RFC3339)
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	if len(n.Skipped) > 0 {
		ps := make([]cdx.Property, len(n.Skipped))
		for i, s := range n.Skipped {
			ps[i] = cdx.Property{Name: props.Skipped, Value: props.SkippedValue(s)}
			d.Add("skipped", ps[i].Value)
		}
		bom.Metadata.Properties = &ps
	}
	d.Add("tool", opts.ToolVersion)
	bom.SerialNumber = "urn:uuid:" + d.UUID()
	return bom
}

func uniqueRef(used map[string]bool, base string) string {
	ref := base
	for i := 2; used[ref]; i++ {
		ref = base + "#" + strconv.Itoa(i)
	}
	return ref
}

func targetComponent(t *inventory.Target, d *props.Digest) *cdx.Component {
	c := &cdx.Component{BOMRef: targetRef, Type: cdx.ComponentTypeApplication, Name: t.Name}
	if t.Kind == "image" {
		c.Type = cdx.ComponentTypeContainer
	}
	if alg, v, ok := props.SplitDigest(t.Digest); ok {
		c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgorithm(alg), Value: v}}
	}
	ps := props.ForTarget(t)
	c.Properties = properties(ps)
	d.Add("target", t.Name, t.Kind, t.Digest)
	for _, p := range ps {
		d.Add(p.Name, p.Value)
	}
	return c
}

func distroComponent(dist *inventory.Distro, ref string, d *props.Digest) cdx.Component {
	c := cdx.Component{
		BOMRef: ref, Type: cdx.ComponentTypeOS,
		Name: dist.ID, Version: dist.VersionID, Description: dist.PrettyName,
	}
	if dist.Codename != "" {
		c.Properties = &[]cdx.Property{{Name: props.DistroCodename, Value: dist.Codename}}
	}
	d.Add("os", ref, dist.ID, dist.VersionID, dist.PrettyName, dist.Codename)
	return c
}

// component maps one package. Names follow the CycloneDX tools of each
// ecosystem: npm scopes (cyclonedx-npm), Maven groupIds (cyclonedx-maven)
// and Composer vendors (cyclonedx-php-composer) go in group; a Go module
// keeps its whole path in name (cyclonedx-gomod, syft).
//
// lines is false for XML: cyclonedx-go v0.12 writes an occurrence's line
// as an attribute (xml:"line,attr") where the 1.6 XSD has an element, so a
// BOM with lines would fail schema validation. The XML encoding carries
// the files, not the lines, until the library is fixed; its serial number
// is that of the content it has.
func component(p *inventory.Package, ref string, d *props.Digest, lines bool) cdx.Component {
	c := cdx.Component{
		BOMRef: ref, Type: componentType(p.Type), Version: p.Version, PackageURL: p.PURL,
	}
	c.Group, c.Name = splitName(p)
	if p.Dev {
		// CycloneDX: "excluded" components document usage for test and
		// other non-runtime purposes; this is what a dev dependency is (the
		// CycloneDX tool maintainers' reading, cyclonedx-node-npm#1151).
		c.Scope = cdx.ScopeExcluded
	}
	d.Add("component", ref, string(c.Type), c.Group, c.Name, c.Version, c.PackageURL, string(c.Scope))
	if hs := hashes(p.Hashes, d); len(hs) > 0 {
		c.Hashes = &hs
	}
	c.Licenses = licenses(p.Licenses, d)
	if len(p.Locations) > 0 {
		occ := make([]cdx.EvidenceOccurrence, 0, len(p.Locations))
		for i, l := range p.Locations {
			if l.Line > 0 && lines {
				occ = append(occ, cdx.EvidenceOccurrence{Location: l.Path, Line: &l.Line})
				d.Add("location-line", l.Path, strconv.Itoa(l.Line))
				continue
			}
			if i > 0 && p.Locations[i-1].Path == l.Path {
				continue // the same file without its lines, once
			}
			occ = append(occ, cdx.EvidenceOccurrence{Location: l.Path})
			d.Add("location", l.Path)
		}
		c.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	ps := props.ForPackage(p)
	for _, pr := range ps {
		d.Add(pr.Name, pr.Value)
	}
	c.Properties = properties(ps)
	return c
}

func splitName(p *inventory.Package) (group, name string) {
	switch p.Ecosystem {
	case inventory.Npm:
		if strings.HasPrefix(p.Name, "@") {
			if g, n, ok := strings.Cut(p.Name, "/"); ok {
				return g, n
			}
		}
	case inventory.Maven:
		if g, n, ok := strings.Cut(p.Name, ":"); ok {
			return g, n
		}
	case inventory.Packagist:
		if g, n, ok := strings.Cut(p.Name, "/"); ok {
			return g, n
		}
	}
	return "", p.Name
}

func componentType(t string) cdx.ComponentType {
	switch t {
	case "application":
		return cdx.ComponentTypeApplication
	case "operating-system":
		return cdx.ComponentTypeOS
	}
	return cdx.ComponentTypeLibrary
}

// hashAlgorithms are the algorithms CycloneDX 1.6 names, with their digest
// lengths in hex.
var hashAlgorithms = map[string]int{
	"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-384": 96, "SHA-512": 128,
	"SHA3-256": 64, "SHA3-384": 96, "SHA3-512": 128,
	"BLAKE2b-256": 64, "BLAKE2b-384": 96, "BLAKE2b-512": 128, "BLAKE3": 64,
}

// hashes keeps the hashes CycloneDX can carry; others are left out, as the
// schema would reject them.
func hashes(hs []inventory.Hash, d *props.Digest) []cdx.Hash {
	var out []cdx.Hash
	for _, h := range hs {
		if n, ok := hashAlgorithms[h.Algorithm]; ok && len(h.Value) == n && props.IsHex(h.Value) {
			out = append(out, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value})
			d.Add("hash", h.Algorithm, h.Value)
		}
	}
	return out
}

// licenses maps a package's licenses. CycloneDX takes either a list of
// licenses (an SPDX id, or a name for anything else) or exactly one SPDX
// expression; when a package has a compound expression among several
// licenses, they are joined with AND into one expression, with names that
// are not SPDX identifiers written as LicenseRef-….
func licenses(ls []string, d *props.Digest) *cdx.Licenses {
	if len(ls) == 0 {
		return nil
	}
	exprs := make([]string, len(ls))
	valid := make([]bool, len(ls))
	needExpr := false
	for i, l := range ls {
		if id, ok := spdxlicense.ID(l); ok { // the common case, without parsing
			exprs[i], valid[i] = id, true
			continue
		}
		if e, ok := spdxlicense.Expression(l); ok {
			exprs[i], valid[i] = e, true
			needExpr = true // compound, a LicenseRef, or an id with "+"
		}
	}
	var out cdx.Licenses
	if needExpr {
		terms := make([]string, len(ls))
		for i, l := range ls {
			terms[i] = exprs[i]
			if !valid[i] {
				terms[i] = spdxlicense.Ref(l)
			}
		}
		e := terms[0]
		if len(terms) > 1 {
			e = spdxlicense.Join(terms)
		}
		d.Add("expression", e)
		return &cdx.Licenses{{Expression: e}}
	}
	for i, l := range ls {
		if valid[i] {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{ID: exprs[i]}})
			d.Add("license-id", exprs[i])
		} else {
			out = append(out, cdx.LicenseChoice{License: &cdx.License{Name: l}})
			d.Add("license-name", l)
		}
	}
	return &out
}

func properties(ps []inventory.Property) *[]cdx.Property {
	if len(ps) == 0 {
		return nil
	}
	out := make([]cdx.Property, len(ps))
	for i, p := range ps {
		out[i] = cdx.Property{Name: p.Name, Value: p.Value}
	}
	return &out
}

// dependencies lists every component once with what it depends on, and the
// target depending on the roots (packages of type application) and on the
// direct packages no root reaches, so the graph hangs together.
func dependencies(n *props.Graph, refs []string, d *props.Digest) []cdx.Dependency {
	out := make([]cdx.Dependency, 0, len(n.Packages)+2)
	// The target's dependencies.
	var top []string
	for _, i := range props.TopLevel(n) {
		top = append(top, refs[i])
	}
	out = append(out, dependency(targetRef, top, d))
	for i := range n.Packages {
		tos := n.Edges(i)
		on := make([]string, len(tos))
		for k, to := range tos {
			on[k] = refs[to]
		}
		out = append(out, dependency(refs[i], on, d))
	}
	return out
}

func dependency(ref string, on []string, d *props.Digest) cdx.Dependency {
	dep := cdx.Dependency{Ref: ref}
	slices.Sort(on)
	d.Add("dependency", ref)
	d.Add(on...)
	if len(on) > 0 {
		dep.Dependencies = &on
	}
	return dep
}
