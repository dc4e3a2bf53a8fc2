// Package spdx writes an inventory as an SPDX 2.3 document (JSON or
// tag-value) and reads SPDX 2.2 and 2.3 documents of any producer back into
// an inventory, via github.com/spdx/tools-golang. Spec:
// https://spdx.github.io/spdx-spec/v2.3/.
//
// Encoding: one package for the target (DESCRIBES), one per inventory
// package with a purl external reference, checksums, licenseDeclared (SPDX
// expressions; other names as LicenseRef-… with extracted licensing info),
// primaryPackagePurpose, locations in sourceInfo ("found in: path:line, …"), and hallmark's facts
// (direct, dev, layer, source package, properties) as annotations, as trivy
// does; the distro as an OPERATING-SYSTEM package; DEPENDS_ON and
// DEV_DEPENDENCY_OF relationships; skipped inputs in the document comment.
// The documentNamespace is derived from the content, so output is
// reproducible.
//
// Decoding: packages (purl from externalRefs; a package without one keeps
// its name and version under a pkg:generic purl, Ecosystem Unknown),
// checksums, licenseDeclared (else licenseConcluded), the described package
// as the target, and the dependency relationships: DEPENDS_ON;
// DEPENDENCY_OF, BUILD_, RUNTIME_, OPTIONAL_ and PROVIDED_DEPENDENCY_OF
// reversed; DEV_ and TEST_DEPENDENCY_OF as dev edges. CONTAINS is not a
// dependency: producers such as syft use it to say what a directory or image
// holds, so it is not read. Files, snippets and RDF are not read.
package spdx

import (
	"cmp"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spdx/tools-golang/spdx/v2/common"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/internal/props"
	"github.com/hallmark-dev/hallmark/sbom/internal/spdxlicense"
	"github.com/hallmark-dev/hallmark/sbom/jsonstream"
)

// Options control encoding.
type Options struct {
	// TagValue selects the tag-value encoding; JSON otherwise.
	TagValue bool
	// Time is creationInfo.created; the zero time writes the Unix epoch.
	Time time.Time
	// ToolVersion is hallmark's version in the creator "Tool: hallmark-<version>".
	ToolVersion string
}

const (
	noAssertion   = "NOASSERTION"
	targetID      = common.ElementID("Target")
	documentID    = common.ElementID("DOCUMENT")
	toolPrefix    = "hallmark-"
	namespaceBase = "https://hallmark.dev/spdx/"
	skippedHeader = "hallmark skipped these inputs:"
	foundIn       = "found in: "
)

// Encode writes inv as an SPDX 2.3 document. inv is not modified.
func Encode(w io.Writer, inv *inventory.Inventory, opts Options) error {
	doc, rels := build(inv, opts)
	if opts.TagValue {
		doc.Relationships = rels.list()
		return tagvalue.Write(doc, w)
	}
	return writeJSON(w, doc, rels)
}

// writeJSON writes doc as tools-golang's json.Write with two-space indent
// and HTML left unescaped does, byte for byte, but streams the document's
// lists one element at a time: json.Write marshals the whole document into
// one buffer and indents it into another before writing, which for
// 300,000 packages took 2.6 GB (issue 15, item 14).
//
// The relationships are written from rels, as jsonRelationship.
func writeJSON(w io.Writer, doc *v23.Document, rels *relations) error {
	prefixed := make([]string, len(rels.elems))
	for k, id := range rels.elems {
		prefixed[k] = prefixElementID(id)
	}
	head := *doc
	head.Packages, head.Files, head.OtherLicenses, head.Relationships, head.Annotations, head.Snippets = nil, nil, nil, nil, nil, nil
	return jsonstream.Encode(w, "  ", false, &head,
		jsonstream.Array{Key: "packages", N: len(doc.Packages), Elem: func(i int) any { return doc.Packages[i] }},
		jsonstream.Array{Key: "files", N: len(doc.Files), Elem: func(i int) any { return doc.Files[i] }},
		jsonstream.Array{Key: "hasExtractedLicensingInfos", N: len(doc.OtherLicenses), Elem: func(i int) any { return doc.OtherLicenses[i] }},
		jsonstream.Array{Key: "relationships", N: len(rels.rels), Elem: func(i int) any {
			r := &rels.rels[i]
			return jsonRelationship{prefixed[r.a], prefixed[r.b], r.typ}
		}},
		jsonstream.Array{Key: "annotations", N: len(doc.Annotations), Elem: func(i int) any { return doc.Annotations[i] }},
		jsonstream.Array{Key: "snippets", N: len(doc.Snippets), Elem: func(i int) any { return &doc.Snippets[i] }},
	)
}

// relation is a relationship between elements k, as build numbers them.
type relation struct {
	a, b int32
	typ  string
}

// relations are a document's relationships, sorted, between its elements:
// elems[k] is the ID of element k. They are kept so rather than as
// v2_3.Relationship values until written: 900,000 of those for 300,000
// packages are 100 MB.
type relations struct {
	elems []common.ElementID
	rels  []relation
}

// list returns the relationships as tools-golang's values.
func (rs *relations) list() []*v23.Relationship {
	out := make([]*v23.Relationship, len(rs.rels))
	all := make([]v23.Relationship, len(rs.rels)) // one allocation, not one a relationship
	for i, r := range rs.rels {
		all[i] = v23.Relationship{
			RefA: common.DocElementID{ElementRefID: rs.elems[r.a]}, RefB: common.DocElementID{ElementRefID: rs.elems[r.b]}, Relationship: r.typ,
		}
		out[i] = &all[i]
	}
	return out
}

// jsonRelationship is the JSON of a v2_3.Relationship between two elements
// of the document, as tools-golang writes it (field names and order, the
// "SPDXRef-" prefix): common.DocElementID's MarshalJSON makes a
// json.Encoder for each ID and encoding/json then re-reads what it
// returns, which was 2 s of CPU writing 900,000 relationships.
// TestJSONRelationship holds it to tools-golang's encoding.
type jsonRelationship struct {
	RefA         string `json:"spdxElementId"`
	RefB         string `json:"relatedSpdxElement"`
	Relationship string `json:"relationshipType"`
}

// prefixElementID is the JSON value of an element ID, as
// common.ElementID's MarshalJSON writes it.
func prefixElementID(id common.ElementID) string {
	if strings.HasPrefix(string(id), "SPDXRef-") {
		return string(id)
	}
	return "SPDXRef-" + string(id)
}

type builder struct {
	d         *props.Digest
	annotator common.Annotator
	created   string
	tagValue  bool
	doc       *v23.Document
	// licenseRefs maps a LicenseRef id to the name it stands for.
	licenseRefs map[string]string
	refByName   map[string]string
}

func build(inv *inventory.Inventory, opts Options) (*v23.Document, *relations) {
	n := props.Normalized(inv)
	b := &builder{
		d:           props.NewDigest(),
		annotator:   common.Annotator{AnnotatorType: "Tool", Annotator: toolPrefix + opts.ToolVersion},
		created:     opts.Time.UTC().Format(time.RFC3339),
		tagValue:    opts.TagValue,
		licenseRefs: map[string]string{},
		refByName:   map[string]string{},
	}
	if opts.Time.IsZero() {
		b.created = time.Unix(0, 0).UTC().Format(time.RFC3339)
	}
	name := cmp.Or(n.Target.Name, "unnamed")
	doc := &v23.Document{
		SPDXVersion:    v23.Version,
		DataLicense:    v23.DataLicense,
		SPDXIdentifier: documentID,
		DocumentName:   b.line(name),
		CreationInfo: &v23.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: toolPrefix + opts.ToolVersion}},
			Created:  b.created,
		},
	}
	b.doc = doc
	b.d.Add("tool", opts.ToolVersion)

	// Relationships are sorted by their elements' IDs, packages by theirs.
	// Both sorts compare ranks, not the IDs: 900,000 relationships sorted by
	// their long, alike IDs took 1.6 s of 300,000 packages (issue 15, item
	// 14). elems[k] is the ID of element k, and of doc.Packages[k-1] for
	// k > 0 (the document itself is no package).
	elems := make([]common.ElementID, 1, len(n.Packages)+3)
	elems[0] = documentID
	rels := make([]relation, 0, len(n.Relationships)+len(n.Packages)/8+2)
	rel := func(a int32, typ string, c int32) {
		rels = append(rels, relation{a, c, typ})
		b.d.Add("rel", string(elems[a]), typ, string(elems[c]))
	}
	add := func(pkg *v23.Package) int32 {
		doc.Packages = append(doc.Packages, pkg)
		elems = append(elems, pkg.PackageSPDXIdentifier)
		return int32(len(elems) - 1)
	}
	target := add(b.target(&n.Target, name))
	rel(0, common.TypeRelationshipDescribe, target)
	if n.Distro != nil {
		id := common.ElementID("OperatingSystem-" + sanitize(n.Distro.PURLQualifier()))
		rel(target, common.TypeRelationshipContains, add(b.distro(n.Distro, id)))
	}

	first := int32(len(elems)) // package i is element first+i
	used := map[common.ElementID]bool{targetID: true}
	for i := range n.Packages {
		p := &n.Packages[i]
		base := "Package-" + sanitize(string(p.Ecosystem)+"-"+p.Name+"-"+p.Version)
		id := common.ElementID(base + "-" + props.ShortHash(p.PURL, 16))
		for k := 2; used[id]; k++ {
			id = common.ElementID(base + "-" + props.ShortHash(p.PURL+"#"+strconv.Itoa(k), 16))
		}
		used[id] = true
		add(b.pkg(p, id))
	}

	for _, i := range props.TopLevel(n) {
		rel(target, common.TypeRelationshipDependsOn, first+i)
	}
	for i := range n.Packages {
		from := first + int32(i)
		for k := n.Start[i]; k < n.Start[i+1]; k++ {
			to := first + n.To[k]
			if n.Relationships[k].Type == inventory.DevDependsOn {
				// SPDX 2.3: "A DEV_DEPENDENCY_OF B: A is a development dependency of B".
				rel(to, common.TypeRelationshipDevDependencyOf, from)
			} else {
				rel(from, common.TypeRelationshipDependsOn, to)
			}
		}
	}
	order := make([]int32, len(elems))
	for k := range order {
		order[k] = int32(k)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(string(elems[x]), string(elems[y])) })
	rank := make([]int32, len(elems))
	sorted := make([]*v23.Package, 0, len(doc.Packages))
	for r, k := range order {
		rank[k] = int32(r)
		if k > 0 {
			sorted = append(sorted, doc.Packages[k-1])
		}
	}
	doc.Packages = sorted
	slices.SortFunc(rels, func(x, y relation) int {
		return cmp.Or(cmp.Compare(rank[x.a], rank[y.a]), strings.Compare(x.typ, y.typ), cmp.Compare(rank[x.b], rank[y.b]))
	})

	refs := make([]string, 0, len(b.licenseRefs))
	for r := range b.licenseRefs {
		refs = append(refs, r)
	}
	slices.Sort(refs)
	for _, r := range refs {
		doc.OtherLicenses = append(doc.OtherLicenses, &v23.OtherLicense{
			LicenseIdentifier: r,
			ExtractedText:     b.text(b.licenseRefs[r]),
			LicenseName:       b.line(b.licenseRefs[r]),
			LicenseComment:    "The package declares this license by name; hallmark did not read its text.",
		})
	}

	if len(n.Skipped) > 0 {
		lines := []string{skippedHeader}
		for _, s := range n.Skipped {
			lines = append(lines, props.SkippedValue(s))
		}
		comment := strings.Join(lines, "\n")
		b.d.Add("comment", comment)
		doc.DocumentComment = b.text(comment)
	}
	doc.DocumentNamespace = namespaceBase + url.PathEscape(sanitize(name)) + "-" + b.d.Hex(32)
	return doc, &relations{elems, rels}
}

func (b *builder) annotate(pkg *v23.Package, ps []inventory.Property) {
	for _, p := range ps {
		a := v23.Annotation{
			Annotator:                b.annotator,
			AnnotationDate:           b.created,
			AnnotationType:           "OTHER",
			AnnotationSPDXIdentifier: common.DocElementID{ElementRefID: pkg.PackageSPDXIdentifier},
			AnnotationComment:        b.text(p.Name + "=" + p.Value),
		}
		b.d.Add("annotation", string(pkg.PackageSPDXIdentifier), p.Name+"="+p.Value)
		if b.tagValue {
			// tag-value has no package-level annotations: they are document
			// annotations that name the package (SPDXREF).
			b.doc.Annotations = append(b.doc.Annotations, &a)
		} else {
			pkg.Annotations = append(pkg.Annotations, a)
		}
	}
}

func (b *builder) target(t *inventory.Target, name string) *v23.Package {
	pkg := &v23.Package{
		PackageName:               b.line(name),
		PackageSPDXIdentifier:     targetID,
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PrimaryPackagePurpose:     "APPLICATION",
	}
	if t.Kind == "image" {
		pkg.PrimaryPackagePurpose = "CONTAINER"
	}
	if alg, v, ok := props.SplitDigest(t.Digest); ok {
		pkg.PackageChecksums = checksums([]inventory.Hash{{Algorithm: alg, Value: v}}, b.d)
	}
	b.d.Add("target", name, t.Kind, t.Digest)
	b.annotate(pkg, props.ForTarget(t))
	return pkg
}

func (b *builder) distro(dist *inventory.Distro, id common.ElementID) *v23.Package {
	pkg := &v23.Package{
		PackageName:               b.line(dist.ID),
		PackageSPDXIdentifier:     id,
		PackageVersion:            b.line(dist.VersionID),
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PackageDescription:        b.text(dist.PrettyName),
		PrimaryPackagePurpose:     b.purpose("operating-system"),
	}
	b.d.Add("os", dist.ID, dist.VersionID, dist.PrettyName)
	if dist.Codename != "" {
		b.annotate(pkg, []inventory.Property{{Name: props.DistroCodename, Value: dist.Codename}})
	}
	return pkg
}

func (b *builder) pkg(p *inventory.Package, id common.ElementID) *v23.Package {
	pkg := &v23.Package{
		PackageName:               b.line(p.Name),
		PackageSPDXIdentifier:     id,
		PackageVersion:            b.line(p.Version),
		PackageDownloadLocation:   noAssertion,
		IsFilesAnalyzedTagPresent: true,
		PackageChecksums:          checksums(p.Hashes, b.d),
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    b.declared(p.Licenses),
		PrimaryPackagePurpose:     b.purpose(p.Type),
	}
	if p.PURL != "" {
		pkg.PackageExternalReferences = []*v23.PackageExternalReference{{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL,
		}}
	}
	sourceInfo := ""
	if len(p.Locations) > 0 {
		// "path:line", as compilers and editors write a place in a file.
		var sb strings.Builder
		sb.WriteString(foundIn)
		for i, l := range p.Locations {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(l.Path)
			if l.Line > 0 {
				sb.WriteByte(':')
				sb.WriteString(strconv.Itoa(l.Line))
			}
		}
		sourceInfo = sb.String()
		pkg.PackageSourceInfo = b.text(sourceInfo)
	}
	b.d.Add("package", string(id), p.Name, p.Version, p.PURL, pkg.PackageLicenseDeclared, pkg.PrimaryPackagePurpose, sourceInfo)
	b.annotate(pkg, props.ForPackage(p))
	return pkg
}

// line makes s safe as a one-line tag-value field (PackageName,
// PackageVersion, LicenseName): the format has no escapes, so a line break
// in a name from a lockfile would end the field and start a tag of the
// attacker's choosing, and the document would no longer parse. Control
// characters become spaces, and "<text>", which readers take as the start
// of a multi-line value wherever it appears on a line, is broken up. JSON
// escapes them and keeps s as it is.
func (b *builder) line(s string) string {
	if !b.tagValue {
		return s
	}
	s = strings.ReplaceAll(s, "<text>", "< text>")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// text makes s safe as a tag-value text field, which the writer wraps in
// <text>…</text> when it holds a line feed: a lone carriage return becomes
// a line feed (so the value is wrapped, not split by readers that end
// lines at CR), "</text>" inside it, which would end the field early, is
// broken up, and so is "<text>", which on a value short enough to stay
// unwrapped would open a field that never ends.
func (b *builder) text(s string) string {
	if !b.tagValue {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "</text>", "</ text>")
	return strings.ReplaceAll(s, "<text>", "< text>")
}

// purpose maps a package type to primaryPackagePurpose, which SPDX 2.3
// spells OPERATING-SYSTEM in tag-value and OPERATING_SYSTEM in JSON.
func (b *builder) purpose(typ string) string {
	switch typ {
	case "application":
		return "APPLICATION"
	case "operating-system":
		if b.tagValue {
			return "OPERATING-SYSTEM"
		}
		return "OPERATING_SYSTEM"
	}
	return "LIBRARY"
}

// checksumAlgorithms maps CycloneDX hash names (the inventory's) to SPDX's.
var checksumAlgorithms = map[string]common.ChecksumAlgorithm{
	"MD5": common.MD5, "SHA-1": common.SHA1, "SHA-256": common.SHA256, "SHA-384": common.SHA384,
	"SHA-512": common.SHA512, "SHA3-256": common.SHA3_256, "SHA3-384": common.SHA3_384,
	"SHA3-512": common.SHA3_512, "BLAKE2b-256": common.BLAKE2b_256, "BLAKE2b-384": common.BLAKE2b_384,
	"BLAKE2b-512": common.BLAKE2b_512, "BLAKE3": common.BLAKE3,
}

func checksums(hs []inventory.Hash, d *props.Digest) []common.Checksum {
	var out []common.Checksum
	for _, h := range hs {
		if alg, ok := checksumAlgorithms[h.Algorithm]; ok && props.IsHex(h.Value) {
			out = append(out, common.Checksum{Algorithm: alg, Value: strings.ToLower(h.Value)})
			d.Add("checksum", string(alg), h.Value)
		}
	}
	return out
}

// declared makes licenseDeclared: each license as an SPDX expression, or a
// LicenseRef- for a name that is not one, joined with AND.
func (b *builder) declared(ls []string) string {
	if len(ls) == 0 {
		return noAssertion
	}
	terms := make([]string, len(ls))
	for i, l := range ls {
		e, ok := spdxlicense.Expression(l)
		switch {
		case ok && !spdxlicense.IsRef(e):
			terms[i] = e
		case ok:
			terms[i] = b.licenseRef(e, e)
		default:
			terms[i] = b.licenseRef(spdxlicense.Ref(l), l)
		}
	}
	// Every LicenseRef in an expression needs its extracted licensing info.
	for _, t := range terms {
		for tok := range strings.FieldsSeq(strings.NewReplacer("(", " ", ")", " ").Replace(t)) {
			if spdxlicense.IsRef(tok) && !strings.HasPrefix(tok, "DocumentRef-") {
				if _, ok := b.licenseRefs[tok]; !ok {
					b.licenseRefs[tok] = tok
				}
			}
		}
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return spdxlicense.Join(terms)
}

// licenseRef returns the LicenseRef for name, unique per name.
func (b *builder) licenseRef(ref, name string) string {
	if r, ok := b.refByName[name]; ok {
		return r
	}
	r := ref
	for k := 2; ; k++ {
		if _, taken := b.licenseRefs[r]; !taken {
			break
		}
		r = ref + "-" + strconv.Itoa(k)
	}
	b.licenseRefs[r] = name
	b.refByName[name] = r
	return r
}

// sanitize keeps the characters SPDX element IDs allow (letters, digits,
// "." and "-"), replacing runs of others with "-".
func sanitize(s string) string {
	var sb strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' {
			sb.WriteByte(c)
			dash = false
		} else if !dash {
			sb.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(sb.String(), "-")
}
