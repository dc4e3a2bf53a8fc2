package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// MaxVEXSize bounds a VEX document.
const MaxVEXSize = 64 << 20

// VEX is a set of statements about whether products are affected by
// vulnerabilities, read from OpenVEX (https://github.com/openvex/spec,
// v0.0.1 and v0.2.0 shapes) or CycloneDX VEX (a BOM's vulnerabilities[]
// with analysis and affects, https://cyclonedx.org/capabilities/vex/).
// Statements whose status is not_affected or fixed (CycloneDX:
// not_affected, false_positive, resolved, resolved_with_pedigree)
// suppress the matching findings; other statuses change nothing. A
// statement names packages by purl, or the scanned application as a whole
// (an OpenVEX product without subcomponents, a CycloneDX VEX affecting the
// BOM's subject), which covers the vulnerability in all its packages.
type VEX struct {
	Statements []VEXStatement
}

// VEXStatement is one statement, reduced to what matching needs.
type VEXStatement struct {
	// Vulnerability IDs the statement is about (its name and aliases).
	IDs []string
	// PURLs of the products and subcomponents it covers. A purl without a
	// version covers every version.
	PURLs []string
	// Whole lists products the statement covers with everything in them:
	// OpenVEX products given without subcomponents, a CycloneDX VEX's
	// affects pointing at the BOM's own subject. When one of them is the
	// scanned application (its main module or root project), the
	// statement applies to the vulnerability in all of its packages.
	Whole         []string
	Status        string
	Justification string
	Impact        string
	Source        string // file name, for the report
}

func (s VEXStatement) suppresses() bool {
	switch s.Status {
	case "not_affected", "fixed", "false_positive", "resolved", "resolved_with_pedigree":
		return true
	}
	return false
}

// ParseVEX reads an OpenVEX or CycloneDX VEX document (JSON). name is the
// file name used in errors and in the report.
func ParseVEX(name string, data []byte) (*VEX, error) {
	if len(data) > MaxVEXSize {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, len(data), MaxVEXSize)
	}
	var probe struct {
		Context   any    `json:"@context"`
		BOMFormat string `json:"bomFormat"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", name, err)
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return parseCycloneDXVEX(name, data)
	case probe.Context != nil:
		return parseOpenVEX(name, data)
	}
	return nil, fmt.Errorf("%s: neither OpenVEX (@context) nor CycloneDX (bomFormat)", name)
}

// openVEX holds both the v0.0.1 shape (vulnerability and products as
// strings) and the v0.2.0 shape (objects with @id).
type openVEX struct {
	Context    any            `json:"@context"`
	Timestamp  string         `json:"timestamp"`
	Statements []openVEXStmnt `json:"statements"`
}

type openVEXStmnt struct {
	Vulnerability json.RawMessage   `json:"vulnerability"`
	Products      []json.RawMessage `json:"products"`
	Subcomponents []json.RawMessage `json:"subcomponents"` // v0.0.1
	Status        string            `json:"status"`
	Justification string            `json:"justification"`
	Impact        string            `json:"impact_statement"`
	Timestamp     string            `json:"timestamp"`
}

type openVEXComponent struct {
	ID          string            `json:"@id"`
	Identifiers map[string]string `json:"identifiers"`
	Subs        []json.RawMessage `json:"subcomponents"`
}

func parseOpenVEX(name string, data []byte) (*VEX, error) {
	var doc openVEX
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: OpenVEX: %w", name, err)
	}
	ctx, _ := doc.Context.(string)
	if !strings.Contains(ctx, "openvex") {
		return nil, fmt.Errorf("%s: @context %q is not an OpenVEX context", name, truncate(ctx, 60))
	}
	v := &VEX{}
	for i, st := range doc.Statements {
		where := fmt.Sprintf("%s: statements[%d]", name, i)
		ids, err := vexVulnIDs(st.Vulnerability)
		if err != nil {
			return nil, fmt.Errorf("%s.vulnerability: %w", where, err)
		}
		var purls, whole []string
		for j, p := range st.Products {
			ps, err := vexComponentPURLs(p)
			if err != nil {
				return nil, fmt.Errorf("%s.products[%d]: %w", where, j, err)
			}
			purls = append(purls, ps...)
			// v0.2.0 nests subcomponents in the product; v0.0.1 lists them
			// on the statement. Without any, the product is meant whole.
			if len(st.Subcomponents) == 0 && !hasSubcomponents(p) {
				whole = append(whole, ps...)
			}
		}
		for j, p := range st.Subcomponents {
			ps, err := vexComponentPURLs(p)
			if err != nil {
				return nil, fmt.Errorf("%s.subcomponents[%d]: %w", where, j, err)
			}
			purls = append(purls, ps...)
		}
		switch st.Status {
		case "not_affected", "affected", "fixed", "under_investigation":
		default:
			return nil, fmt.Errorf("%s.status: want not_affected, affected, fixed or under_investigation, got %q", where, truncate(st.Status, 40))
		}
		v.Statements = append(v.Statements, VEXStatement{
			IDs: ids, PURLs: purls, Whole: whole, Status: st.Status,
			Justification: st.Justification, Impact: st.Impact, Source: name,
		})
	}
	return v, nil
}

func hasSubcomponents(raw json.RawMessage) bool {
	var c openVEXComponent
	return json.Unmarshal(raw, &c) == nil && len(c.Subs) > 0
}

func vexVulnIDs(raw json.RawMessage) ([]string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return []string{s}, nil
	}
	var o struct {
		ID      string   `json:"@id"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, errors.New("want a string or an object with name")
	}
	ids := append([]string{}, o.Aliases...)
	if o.Name != "" {
		ids = append(ids, o.Name)
	}
	if len(ids) == 0 {
		return nil, errors.New("name: missing")
	}
	return ids, nil
}

// vexComponentPURLs returns the purls of a product or subcomponent: its
// @id when that is a purl, identifiers.purl, and its subcomponents'.
func vexComponentPURLs(raw json.RawMessage) ([]string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return purlsOnly(s), nil
	}
	var c openVEXComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, errors.New("want a string or an object with @id")
	}
	out := purlsOnly(c.ID)
	out = append(out, purlsOnly(c.Identifiers["purl"])...)
	for _, sub := range c.Subs {
		ps, err := vexComponentPURLs(sub)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

func purlsOnly(s string) []string {
	if strings.HasPrefix(s, "pkg:") {
		return []string{s}
	}
	return nil
}

func parseCycloneDXVEX(name string, data []byte) (*VEX, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("%s: CycloneDX: %w", name, err)
	}
	refs := map[string]string{}
	var walk func([]cdx.Component)
	walk = func(cs []cdx.Component) {
		for _, c := range cs {
			if c.BOMRef != "" && c.PackageURL != "" {
				refs[c.BOMRef] = c.PackageURL
			}
			if c.Components != nil {
				walk(*c.Components)
			}
		}
	}
	subject := ""
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk([]cdx.Component{*bom.Metadata.Component})
		subject = bom.Metadata.Component.BOMRef
	}
	if bom.Components != nil {
		walk(*bom.Components)
	}
	v := &VEX{}
	if bom.Vulnerabilities == nil {
		return v, nil
	}
	for i, vu := range *bom.Vulnerabilities {
		where := fmt.Sprintf("%s: vulnerabilities[%d]", name, i)
		if vu.ID == "" {
			return nil, fmt.Errorf("%s.id: missing", where)
		}
		if vu.Analysis == nil || vu.Analysis.State == "" {
			continue // a finding without analysis states nothing
		}
		ids := []string{vu.ID}
		if vu.References != nil {
			for _, r := range *vu.References {
				if r.ID != "" {
					ids = append(ids, r.ID)
				}
			}
		}
		var purls, whole []string
		if vu.Affects != nil {
			for _, a := range *vu.Affects {
				ref := a.Ref
				// A BOM-Link (urn:cdx:serial/version#bom-ref) points into
				// another BOM; its fragment is the bom-ref.
				if i := strings.LastIndexByte(ref, '#'); strings.HasPrefix(ref, "urn:cdx:") && i >= 0 {
					ref = ref[i+1:]
				}
				if p, ok := refs[ref]; ok {
					purls = append(purls, p)
					if ref == subject {
						whole = append(whole, p)
					}
				} else {
					purls = append(purls, purlsOnly(ref)...)
				}
			}
		}
		v.Statements = append(v.Statements, VEXStatement{
			IDs: ids, PURLs: purls, Whole: whole, Status: string(vu.Analysis.State),
			Justification: string(vu.Analysis.Justification), Impact: vu.Analysis.Detail, Source: name,
		})
	}
	return v, nil
}

// Merge adds the statements of other.
func (v *VEX) Merge(other *VEX) {
	v.Statements = append(v.Statements, other.Statements...)
}

// apply moves suppressed findings from res.Packages to res.Suppressed. The
// last statement about a vulnerability and product wins (statements are
// read in document order, which OpenVEX orders by time). apps are the
// inventory's application packages: the product being scanned.
func (v *VEX) apply(res *Result, apps []*inventory.Package) {
	kept := res.Packages[:0]
	for _, p := range res.Packages {
		var findings []Finding
		for _, f := range p.Findings {
			st := v.statementFor(p.Package, f, apps)
			if st == nil || !st.suppresses() {
				findings = append(findings, f)
				continue
			}
			res.Suppressed = append(res.Suppressed, Suppressed{
				PURL: p.PURL, ID: f.ID, Status: st.Status, Justification: st.Justification,
				Statement: st.Impact, Source: st.Source,
			})
		}
		if len(findings) == 0 {
			continue
		}
		p.Findings = findings
		kept = append(kept, p)
	}
	res.Packages = kept
}

func (v *VEX) statementFor(p *inventory.Package, f Finding, apps []*inventory.Package) *VEXStatement {
	ids := append([]string{f.ID}, f.Aliases...)
	var last *VEXStatement
	for i := range v.Statements {
		st := &v.Statements[i]
		if !slices.ContainsFunc(st.IDs, func(id string) bool { return slices.Contains(ids, id) }) {
			continue
		}
		if slices.ContainsFunc(st.PURLs, func(u string) bool { return purlCovers(u, p) }) ||
			slices.ContainsFunc(st.Whole, func(u string) bool {
				return slices.ContainsFunc(apps, func(a *inventory.Package) bool { return purlCovers(u, a) })
			}) {
			last = st
		}
	}
	return last
}

// purlCovers reports whether the statement's purl names the package:
// same ecosystem and name, and same version unless the purl has none.
// Qualifiers are ignored.
func purlCovers(u string, p *inventory.Package) bool {
	sp, err := inventory.ParsePURL(u)
	if err != nil {
		return false
	}
	pp, err := inventory.ParsePURL(p.PURL)
	if err != nil {
		return false
	}
	if sp.Type != pp.Type || vulndb.NormalizeName(string(sp.Ecosystem), sp.Name) != vulndb.NormalizeName(string(pp.Ecosystem), pp.Name) {
		return false
	}
	if sp.Version == "" {
		return true
	}
	return trimV(sp.Version) == trimV(pp.Version) || trimV(sp.Version) == trimV(p.Version)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
