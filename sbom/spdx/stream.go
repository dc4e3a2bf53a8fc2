package spdx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spdx/tools-golang/spdx/v2/common"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// MaxStreamSize is the largest SPDX 2.3 JSON document DecodeJSON reads.
// It is above MaxSize because DecodeJSON never holds the input: hallmark's
// own SPDX JSON of 300,000 packages is about 480 MB, and what DecodeJSON
// keeps grows with the packages, which MaxPackages bounds.
const MaxStreamSize = 1 << 30

// MaxPackages is the most packages a document may have.
const MaxPackages = 1_000_000

// ErrTooManyPackages is returned for a document over MaxPackages.
var ErrTooManyPackages = errors.New("more packages than hallmark reads")

// ErrStreamTooLarge is returned by DecodeJSON for input over MaxStreamSize.
var ErrStreamTooLarge = fmt.Errorf("input larger than %d MiB", MaxStreamSize>>20)

// DecodeJSON reads an SPDX 2.3 JSON document from r without holding the
// input: packages, relationships and annotations are decoded one at a
// time into tools-golang's types, everything else into a v2_3.Document.
// tools-golang's json.ReadInto reads the input into a buffer, decodes it
// into a map of interface{} values to find the version, decodes it again
// into the version's types and converts those by reflection: 2.6 GB for
// 300,000 packages (issue 15, item 14). Other SPDX versions go through
// Decode. Errors name the byte offset.
func DecodeJSON(r io.Reader) (*inventory.Inventory, error) {
	lr := &io.LimitedReader{R: r, N: MaxStreamSize + 1}
	inv, err := decodeStream(lr)
	if lr.N <= 0 {
		return nil, ErrStreamTooLarge
	}
	return inv, err
}

// DecodeTagValue reads a tag-value document from r without holding the
// input (up to MaxStreamSize): tag/value pairs are split from the stream
// (see tokenize) and parsed by tools-golang. hallmark's own tag-value of
// 300,000 packages is 330 MB, over MaxSize.
func DecodeTagValue(r io.Reader) (inv *inventory.Inventory, err error) {
	defer func() {
		if r := recover(); r != nil {
			inv, err = nil, fmt.Errorf("malformed SPDX document: %v", r)
		}
	}()
	lr := &io.LimitedReader{R: r, N: MaxStreamSize + 1}
	doc := &v23.Document{}
	err = readTagValue(lr, doc)
	if lr.N <= 0 {
		return nil, ErrStreamTooLarge
	}
	if err == nil {
		err = required(doc, true)
	}
	if err != nil {
		return nil, fmt.Errorf("SPDX tag-value: %s", escape.Excerpt(err.Error(), 200))
	}
	return fromDoc(doc, nil), nil
}

func decodeStream(r io.Reader) (inv *inventory.Inventory, err error) {
	// tools-golang's unmarshalers were not written for hostile input.
	defer func() {
		if r := recover(); r != nil {
			inv, err = nil, fmt.Errorf("malformed SPDX document: %v", r)
		}
	}()
	dec := json.NewDecoder(r)
	if err := delim(dec, '{', ""); err != nil {
		return nil, err
	}
	var (
		pkgs []*v23.Package
		rels []*v23.Relationship
		anns []*v23.Annotation
		rest = []byte{'{'}
		// pkgAnnotations are the properties in the packages' annotations.
		pkgAnnotations = map[common.ElementID][]inventory.Property{}
		// ids interns element IDs: a relationship's ends share the
		// package's string instead of holding copies.
		ids = map[common.ElementID]common.ElementID{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, streamError(dec, "", err)
		}
		key, _ := tok.(string)
		switch key {
		case "packages":
			err = each(dec, key, func() error {
				if len(pkgs) >= MaxPackages {
					return fmt.Errorf("%w (%d)", ErrTooManyPackages, MaxPackages)
				}
				var p streamPackage
				if err := dec.Decode(&p); err != nil {
					return err
				}
				pkgs = append(pkgs, slimPackage(&p, pkgAnnotations))
				ids[p.PackageSPDXIdentifier] = p.PackageSPDXIdentifier
				return nil
			})
		case "relationships":
			err = each(dec, key, func() error {
				var rel v23.Relationship
				if err := dec.Decode(&rel); err != nil {
					return err
				}
				if r := slimRelationship(&rel, ids); r != nil {
					rels = append(rels, r)
				}
				return nil
			})
		case "annotations":
			err = each(dec, key, func() error {
				a := new(v23.Annotation)
				anns = append(anns, a)
				return dec.Decode(a)
			})
		case "files", "snippets":
			// Not read (see the package comment): skipped an element at a
			// time rather than gathered.
			err = each(dec, key, func() error {
				var skip json.RawMessage
				return dec.Decode(&skip)
			})
		default:
			var raw json.RawMessage
			if err = dec.Decode(&raw); err == nil {
				if len(rest) > 1 {
					rest = append(rest, ',')
				}
				k, _ := json.Marshal(key)
				rest = append(append(append(rest, k...), ':'), raw...)
			}
		}
		if err != nil {
			return nil, streamError(dec, key, err)
		}
	}
	if err := delim(dec, '}', ""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("byte %d: data after the document", dec.InputOffset())
	}
	doc := &v23.Document{}
	if err := json.Unmarshal(append(rest, '}'), doc); err != nil {
		return nil, fmt.Errorf("SPDX JSON: %w", err)
	}
	if doc.SPDXVersion != v23.Version {
		return nil, fmt.Errorf("SPDX JSON: spdxVersion %q: DecodeJSON reads %s only", doc.SPDXVersion, v23.Version)
	}
	doc.Packages = pkgs
	doc.Relationships = append(doc.Relationships, rels...)
	doc.Annotations = append(doc.Annotations, anns...)
	if err := required(doc, false); err != nil {
		return nil, fmt.Errorf("SPDX JSON: %w", err)
	}
	return fromDoc(doc, pkgAnnotations), nil
}

// streamPackage is the part of an SPDX 2.3 package that fromDoc reads (see
// pkg, target and the distro there), with tools-golang's types and JSON
// names. v2_3.Package.UnmarshalJSON decodes every package twice over (into
// the package, then again for hasFiles and filesAnalyzed): a third of the
// CPU time of reading 300,000 packages.
type streamPackage struct {
	PackageName               string                          `json:"name"`
	PackageSPDXIdentifier     common.ElementID                `json:"SPDXID"`
	PackageVersion            string                          `json:"versionInfo"`
	PackageChecksums          []common.Checksum               `json:"checksums"`
	PackageSourceInfo         string                          `json:"sourceInfo"`
	PackageLicenseConcluded   string                          `json:"licenseConcluded"`
	PackageLicenseDeclared    string                          `json:"licenseDeclared"`
	PackageDescription        string                          `json:"description"`
	PackageExternalReferences []*v23.PackageExternalReference `json:"externalRefs"`
	PrimaryPackagePurpose     string                          `json:"primaryPackagePurpose"`
	Annotations               []v23.Annotation                `json:"annotations"`
}

// slimPackage makes the package fromDoc reads of p, and moves the
// properties of its annotations to annotations: 300,000 packages held
// whole, with an annotation per property, were the largest part of
// decoding's memory.
func slimPackage(p *streamPackage, annotations map[common.ElementID][]inventory.Property) *v23.Package {
	for i := range p.Annotations {
		if pr, ok := annotationProperty(p.PackageSPDXIdentifier, &p.Annotations[i]); ok {
			annotations[p.PackageSPDXIdentifier] = append(annotations[p.PackageSPDXIdentifier], pr)
		}
	}
	slim := &v23.Package{
		PackageName:             p.PackageName,
		PackageSPDXIdentifier:   p.PackageSPDXIdentifier,
		PackageVersion:          p.PackageVersion,
		PackageChecksums:        p.PackageChecksums,
		PackageSourceInfo:       p.PackageSourceInfo,
		PackageLicenseConcluded: p.PackageLicenseConcluded,
		PackageLicenseDeclared:  p.PackageLicenseDeclared,
		PackageDescription:      p.PackageDescription,
		PrimaryPackagePurpose:   p.PrimaryPackagePurpose,
	}
	if purl := purlOf(&v23.Package{PackageExternalReferences: p.PackageExternalReferences}); purl != "" {
		slim.PackageExternalReferences = []*v23.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: purl}}
	}
	return slim
}

// slimRelationship keeps the relationships fromDoc reads (DESCRIBES and
// the dependency types), with their ends interned, and drops the rest.
func slimRelationship(r *v23.Relationship, ids map[common.ElementID]common.ElementID) *v23.Relationship {
	switch r.Relationship {
	case common.TypeRelationshipDescribe, common.TypeRelationshipDescribeBy,
		common.TypeRelationshipDependsOn, common.TypeRelationshipDependencyOf, common.TypeRelationshipBuildDependencyOf,
		common.TypeRelationshipRuntimeDependencyOf, common.TypeRelationshipOptionalDependencyOf,
		common.TypeRelationshipProvidedDependencyOf, common.TypeRelationshipDevDependencyOf, common.TypeRelationshipTestDependencyOf:
	default:
		return nil
	}
	intern := func(ref common.DocElementID) common.DocElementID {
		if id, ok := ids[ref.ElementRefID]; ok {
			ref.ElementRefID = id
		}
		return ref
	}
	return &v23.Relationship{RefA: intern(r.RefA), RefB: intern(r.RefB), Relationship: r.Relationship}
}

// each calls decode for every element of the array that is next in dec
// (null is an empty array).
func each(dec *json.Decoder, key string, decode func() error) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("%s: want an array", key)
	}
	for i := 0; dec.More(); i++ {
		if err := decode(); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				te.Field = fmt.Sprintf("%s[%d].%s", key, i, te.Field)
			}
			return err
		}
	}
	return delim(dec, ']', key)
}

func delim(dec *json.Decoder, want json.Delim, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return streamError(dec, path, err)
	}
	if tok != want {
		return fmt.Errorf("byte %d: %s: want %q", dec.InputOffset(), path, string(want))
	}
	return nil
}

func streamError(dec *json.Decoder, path string, err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = path
		}
		return fmt.Errorf("SPDX JSON: near byte %d: %s: want %s, got %s", dec.InputOffset(), field, te.Type, te.Value)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("SPDX JSON: byte %d: unexpected end of input", dec.InputOffset())
	}
	return fmt.Errorf("SPDX JSON: near byte %d: %v", dec.InputOffset(), err)
}
