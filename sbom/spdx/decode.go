package spdx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/internal/props"
	"github.com/hallmark-dev/hallmark/sbom/internal/spdxlicense"
)

// MaxSize is the largest document Decode reads.
const MaxSize = 256 << 20

// ErrTooLarge is returned for input over MaxSize.
var ErrTooLarge = errors.New("input larger than 256 MiB")

// Decode reads an SPDX 2.2 or 2.3 document, JSON or tag-value, into a
// normalised inventory. tools-golang converts 2.2 to 2.3.
func Decode(r io.Reader) (inv *inventory.Inventory, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode of a document already in memory, which it does not
// copy.
func DecodeBytes(data []byte) (*inventory.Inventory, error) {
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	doc, err := read(data)
	if err != nil {
		return nil, err
	}
	return fromDoc(doc, nil), nil
}

func read(data []byte) (doc *v23.Document, err error) {
	// tools-golang's readers were not written for hostile input; a panic in
	// them is a malformed document to us.
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("malformed SPDX document: %v", r)
		}
	}()
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	doc = &v23.Document{}
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if err := spdxjson.ReadInto(bytes.NewReader(trimmed), doc); err != nil {
			return nil, fmt.Errorf("SPDX JSON: %w", err)
		}
		if err := required(doc, false); err != nil {
			return nil, fmt.Errorf("SPDX JSON: %w", err)
		}
	} else {
		if !bytes.Contains(trimmed, []byte("SPDXVersion:")) {
			return nil, errors.New("want an SPDX document in JSON ('{') or tag-value (SPDXVersion: SPDX-2.x)")
		}
		if err := readTagValue(bytes.NewReader(trimmed), doc); err != nil {
			// tools-golang quotes the offending line whole: the message
			// is cut and escaped, as it ends up on a terminal.
			return nil, fmt.Errorf("SPDX tag-value: %s", escape.Excerpt(err.Error(), 200))
		}
		if err := required(doc, true); err != nil {
			return nil, fmt.Errorf("SPDX tag-value: %w", err)
		}
	}
	return doc, nil
}

// ErrMissingField is returned for a document without a field SPDX 2.x
// requires of every document.
var ErrMissingField = errors.New("missing required field")

// required checks the document creation fields the spec makes mandatory
// (SPDX 2.3 §6: version, data license, SPDX identifier, name, namespace,
// creation information). tools-golang reads a document without them as an
// empty one, and an empty SBOM must not pass for software without
// dependencies. Fields are named as the encoding spells them.
func required(doc *v23.Document, tagValue bool) error {
	var missing []string
	for _, f := range []struct {
		json, tv string
		ok       bool
	}{
		{"spdxVersion", "SPDXVersion", doc.SPDXVersion != ""},
		{"dataLicense", "DataLicense", doc.DataLicense != ""},
		{"SPDXID", "SPDXID", doc.SPDXIdentifier != ""},
		{"name", "DocumentName", doc.DocumentName != ""},
		{"documentNamespace", "DocumentNamespace", doc.DocumentNamespace != ""},
		{"creationInfo", "Creator", doc.CreationInfo != nil},
	} {
		if f.ok {
			continue
		}
		name := f.json
		if tagValue {
			name = f.tv
		}
		missing = append(missing, strconv.Quote(name))
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w %s", ErrMissingField, strings.Join(missing, ", "))
}

type decoder struct {
	inv      *inventory.Inventory
	ids      map[common.ElementID]string // SPDXID → purl of the package made from it
	hallmark bool
	// annotations are the hallmark facts per element.
	annotations map[common.ElementID][]inventory.Property
	refs        map[string]string // LicenseRef id → license name
}

// fromDoc makes the inventory of doc. pkgAnnotations, when not nil, holds
// the hallmark properties of the packages' own annotations, taken out of
// them while streaming (see slimPackage).
func fromDoc(doc *v23.Document, pkgAnnotations map[common.ElementID][]inventory.Property) *inventory.Inventory {
	d := &decoder{
		inv:         &inventory.Inventory{Packages: make([]inventory.Package, 0, len(doc.Packages))},
		ids:         map[common.ElementID]string{},
		annotations: map[common.ElementID][]inventory.Property{},
		refs:        map[string]string{},
	}
	if doc.CreationInfo != nil {
		for _, c := range doc.CreationInfo.Creators {
			d.hallmark = d.hallmark || (c.CreatorType == "Tool" && strings.HasPrefix(c.Creator, toolPrefix))
		}
	}
	for _, a := range doc.Annotations {
		if a != nil {
			d.annotation(a.AnnotationSPDXIdentifier.ElementRefID, a)
		}
	}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		for i := range p.Annotations {
			d.annotation(p.PackageSPDXIdentifier, &p.Annotations[i])
		}
		if pa, ok := pkgAnnotations[p.PackageSPDXIdentifier]; ok {
			d.annotations[p.PackageSPDXIdentifier] = append(d.annotations[p.PackageSPDXIdentifier], pa...)
			delete(pkgAnnotations, p.PackageSPDXIdentifier)
		}
	}
	for _, ol := range doc.OtherLicenses {
		if ol == nil {
			continue
		}
		name := ol.LicenseName
		if name == "" && len(ol.ExtractedText) <= 200 && !strings.ContainsAny(ol.ExtractedText, "\n") {
			name = ol.ExtractedText
		}
		if name != "" && name != noAssertion {
			d.refs[ol.LicenseIdentifier] = name
		}
	}

	// The target is what the document describes.
	var described []common.ElementID
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		switch {
		case r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == doc.SPDXIdentifier:
			described = append(described, r.RefB.ElementRefID)
		case r.Relationship == common.TypeRelationshipDescribeBy && r.RefB.ElementRefID == doc.SPDXIdentifier:
			described = append(described, r.RefA.ElementRefID)
		}
	}
	slices.Sort(described)
	var target common.ElementID
	if len(described) > 0 {
		target = described[0]
	}
	d.inv.Target = inventory.Target{Name: doc.DocumentName, Kind: "sbom"}

	for i, p := range doc.Packages {
		if p == nil {
			continue
		}
		// Each package is let go once read: the inventory replaces it,
		// rather than both being held to the end.
		doc.Packages[i] = nil
		purl := purlOf(p)
		switch {
		case p.PackageSPDXIdentifier == target && target != "":
			d.target(p)
			if purl == "" {
				continue
			}
		case isOS(p.PrimaryPackagePurpose) && purl == "":
			if d.inv.Distro == nil {
				d.inv.Distro = &inventory.Distro{ID: p.PackageName, VersionID: p.PackageVersion, PrettyName: p.PackageDescription}
				for _, a := range d.annotations[p.PackageSPDXIdentifier] {
					if a.Name == props.DistroCodename {
						d.inv.Distro.Codename = a.Value
					}
				}
			}
			continue
		}
		pkg := d.pkg(p, purl)
		if p.PackageSPDXIdentifier == target {
			pkg.Type = "application"
		}
		d.ids[p.PackageSPDXIdentifier] = pkg.PURL
		d.inv.Packages = append(d.inv.Packages, pkg)
	}
	d.relationships(doc.Relationships, target)

	if rest, ok := strings.CutPrefix(doc.DocumentComment, skippedHeader); ok {
		for line := range strings.SplitSeq(rest, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				d.inv.Skipped = append(d.inv.Skipped, props.ParseSkipped(line))
			}
		}
	}
	d.inv.Normalize()
	return d.inv
}

func (d *decoder) annotation(id common.ElementID, a *v23.Annotation) {
	if pr, ok := annotationProperty(id, a); ok {
		d.annotations[id] = append(d.annotations[id], pr)
	}
}

// annotationProperty is the property an annotation of element id records.
// hallmark writes every property of a package as a "name=value"
// annotation; of other tools' annotations only hallmark's names are read.
func annotationProperty(id common.ElementID, a *v23.Annotation) (inventory.Property, bool) {
	name, value, ok := strings.Cut(a.AnnotationComment, "=")
	ours := a.Annotator.AnnotatorType == "Tool" && strings.HasPrefix(a.Annotator.Annotator, toolPrefix)
	if !ok || id == "" || name == "" || (!ours && !strings.HasPrefix(name, "hallmark:")) {
		return inventory.Property{}, false
	}
	return inventory.Property{Name: name, Value: value}, true
}

func (d *decoder) target(p *v23.Package) {
	t := &d.inv.Target
	t.Name = p.PackageName
	t.Kind = "directory"
	if p.PrimaryPackagePurpose == "CONTAINER" {
		t.Kind = "image"
	}
	for _, c := range p.PackageChecksums {
		if dg, ok := props.JoinDigest(hashName(c.Algorithm), c.Value); ok && props.IsHex(c.Value) {
			t.Digest = dg
			break
		}
	}
	for _, a := range d.annotations[p.PackageSPDXIdentifier] {
		if a.Name == props.TargetKind {
			t.Kind = a.Value
			continue
		}
		t.Properties = append(t.Properties, a)
	}
}

// purlOf returns the package's purl external reference.
func purlOf(p *v23.Package) string {
	for _, r := range p.PackageExternalReferences {
		if r != nil && r.RefType == common.TypePackageManagerPURL {
			return r.Locator
		}
	}
	return ""
}

func hashName(alg common.ChecksumAlgorithm) string {
	for k, v := range checksumAlgorithms {
		if v == alg {
			return k
		}
	}
	return string(alg)
}

func (d *decoder) pkg(p *v23.Package, purl string) inventory.Package {
	pkg := inventory.Package{Name: p.PackageName, Version: props.Version(p.PackageVersion)}
	if pp, err := inventory.ParsePURL(purl); err == nil && purl != "" {
		pkg.PURL, pkg.Name, pkg.Ecosystem = purl, pp.Name, pp.Ecosystem
		if pkg.Version == "" {
			pkg.Version = pp.Version
		}
	} else {
		pkg.PURL = inventory.PURL(inventory.Unknown, p.PackageName, pkg.Version, nil)
	}
	switch p.PrimaryPackagePurpose {
	case "APPLICATION":
		pkg.Type = "application"
	case "OPERATING-SYSTEM", "OPERATING_SYSTEM":
		pkg.Type = "operating-system"
	}
	for _, c := range p.PackageChecksums {
		pkg.Hashes = append(pkg.Hashes, inventory.Hash{Algorithm: hashName(c.Algorithm), Value: strings.ToLower(c.Value)})
	}
	lic := p.PackageLicenseDeclared
	if !isLicense(lic) {
		// syft and others put what they found in licenseConcluded.
		lic = p.PackageLicenseConcluded
	}
	if isLicense(lic) {
		pkg.Licenses = d.licenses(lic)
	}
	if _, locs, ok := strings.Cut(p.PackageSourceInfo, ": "); ok {
		// "found in: a:12, b" (hallmark); "acquired package info from …: /a" (syft).
		ours := strings.HasPrefix(p.PackageSourceInfo, foundIn)
		for l := range strings.SplitSeq(locs, ", ") {
			if l = strings.TrimPrefix(strings.TrimSpace(l), "/"); l != "" {
				pkg.Locations = append(pkg.Locations, location(l, ours))
			}
		}
	}
	for _, a := range d.annotations[p.PackageSPDXIdentifier] {
		if !props.Apply(&pkg, a.Name, a.Value) {
			pkg.Properties = append(pkg.Properties, a)
		}
	}
	return pkg
}

func isOS(purpose string) bool {
	return purpose == "OPERATING-SYSTEM" || purpose == "OPERATING_SYSTEM"
}

func isLicense(s string) bool {
	return s != "" && s != noAssertion && s != "NONE"
}

// licenses splits an expression at its top-level ANDs (hallmark joins a
// package's licenses so) and turns LicenseRefs back into the names they
// stand for.
func (d *decoder) licenses(expr string) []string {
	e, ok := spdxlicense.Expression(expr)
	if !ok {
		return []string{expr}
	}
	terms := spdxlicense.SplitAnd(e)
	for i, t := range terms {
		if name, ok := d.refs[t]; ok {
			terms[i] = name
		}
	}
	return terms
}

// relationships reads the dependency edges. Edges from the described
// target say what it depends on directly; for documents of other producers
// those packages are marked Direct, and a package that only dev edges reach
// is marked Dev.
func (d *decoder) relationships(rels []*v23.Relationship, target common.ElementID) {
	d.inv.Relationships = slices.Grow(d.inv.Relationships, len(rels))
	direct := map[string]bool{}
	devIn, runIn := map[string]bool{}, map[string]bool{}
	for _, r := range rels {
		if r == nil || r.RefA.DocumentRefID != "" || r.RefB.DocumentRefID != "" {
			continue
		}
		a, b := r.RefA.ElementRefID, r.RefB.ElementRefID
		var from, to common.ElementID
		dev := false
		switch r.Relationship {
		case common.TypeRelationshipDependsOn:
			from, to = a, b
		case common.TypeRelationshipDependencyOf, common.TypeRelationshipBuildDependencyOf,
			common.TypeRelationshipRuntimeDependencyOf, common.TypeRelationshipOptionalDependencyOf,
			common.TypeRelationshipProvidedDependencyOf:
			from, to = b, a
		case common.TypeRelationshipDevDependencyOf, common.TypeRelationshipTestDependencyOf:
			from, to, dev = b, a, true
		default:
			continue
		}
		toPURL, ok := d.ids[to]
		if !ok {
			continue
		}
		// What hallmark wrote says which packages are direct and dev:
		// nothing is inferred, and 900,000 edges are not counted into
		// maps for it.
		if !d.hallmark {
			if from == target && target != "" {
				direct[toPURL] = true
			}
			if dev {
				devIn[toPURL] = true
			} else {
				runIn[toPURL] = true
			}
		}
		fromPURL, ok := d.ids[from]
		if !ok {
			continue
		}
		typ := inventory.DependsOn
		if dev {
			typ = inventory.DevDependsOn
		}
		d.inv.Relationships = append(d.inv.Relationships, inventory.Relationship{From: fromPURL, To: toPURL, Type: typ})
	}
	if d.hallmark {
		return
	}
	for i := range d.inv.Packages {
		p := &d.inv.Packages[i]
		if direct[p.PURL] && p.Type != "application" {
			p.Direct = true
		}
		p.Dev = p.Dev || (devIn[p.PURL] && !runIn[p.PURL])
	}
}

// location reads "path" or, in hallmark's own "found in", "path:line".
func location(s string, ours bool) inventory.Location {
	if i := strings.LastIndexByte(s, ':'); ours && i > 0 {
		if n, err := strconv.Atoi(s[i+1:]); err == nil && n > 0 && s[i+1] != '+' {
			return inventory.Location{Path: s[:i], Line: n}
		}
	}
	return inventory.Location{Path: s}
}
