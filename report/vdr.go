package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/sbom/cyclonedx"
)

// FindingsVDR writes a CycloneDX 1.6 vulnerability disclosure report
// (https://cyclonedx.org/capabilities/vdr/): the SBOM of inv, as
// `hallmark sbom` writes it, with one vulnerabilities[] entry per finding
// whose affects points at the package's component. Suppressed findings are
// included with their VEX analysis, so the document is also a VEX.
// opts.XML selects CycloneDX XML; JSON otherwise.
func FindingsVDR(w io.Writer, inv *inventory.Inventory, res *match.Result, t time.Time, opts FindingsOptions) error {
	// The SBOM's own BOM, not a re-read of its encoding: for 300,000
	// components encoding, decoding and re-encoding it took 45 s and
	// 1.9 GB (issue 15, item 14).
	bom := cyclonedx.Build(inv, cyclonedx.Options{Time: t, ToolVersion: opts.ToolVersion})
	refs := map[string]string{} // purl → bom-ref
	if bom.Components != nil {
		for _, c := range *bom.Components {
			if c.PackageURL != "" {
				refs[c.PackageURL] = c.BOMRef
			}
		}
	}
	var vulns []cdx.Vulnerability
	for _, p := range res.Packages {
		ref := refs[p.PURL]
		if ref == "" {
			ref = p.PURL
		}
		for _, f := range p.Findings {
			v := cdx.Vulnerability{
				BOMRef:      f.ID + "@" + ref,
				ID:          f.ID,
				Source:      &cdx.Source{Name: "OSV", URL: f.URL},
				Description: f.Summary,
				Ratings:     &[]cdx.VulnerabilityRating{vdrRating(f.Severity)},
				Affects: &[]cdx.Affects{{Ref: ref, Range: &[]cdx.AffectedVersions{{
					Version: p.Version, Status: vdrStatus(f.Status),
				}}}},
			}
			if len(f.Aliases) > 0 {
				rs := make([]cdx.VulnerabilityReference, len(f.Aliases))
				for i, a := range f.Aliases {
					rs[i] = cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{Name: aliasSource(a), URL: aliasURL(a)}}
				}
				v.References = &rs
			}
			var rec []string
			if len(f.Fixed) > 0 {
				rec = append(rec, "Fixed in "+strings.Join(f.Fixed, ", ")+".")
			}
			if p.FixVersion != "" {
				rec = append(rec, fmt.Sprintf("Upgrade %s to %s to fix every known vulnerability of the package.", p.Name, p.FixVersion))
			}
			v.Recommendation = strings.Join(rec, " ")
			var props []cdx.Property
			if f.KEV != nil {
				props = append(props, cdx.Property{Name: "hallmark:kev", Value: f.KEV.CVE})
			}
			if f.Reachability != nil {
				props = append(props, cdx.Property{Name: "hallmark:reachability", Value: f.Reachability.Status})
			}
			if len(p.IntroducedBy) > 0 {
				props = append(props, cdx.Property{Name: "hallmark:introduced-by", Value: strings.Join(p.IntroducedBy, " ")})
			}
			if f.Status == match.StatusUnknown {
				props = append(props, cdx.Property{Name: "hallmark:unknown-reason", Value: f.Reason})
			}
			if len(props) > 0 {
				v.Properties = &props
			}
			vulns = append(vulns, v)
		}
	}
	for _, s := range res.Suppressed {
		ref := refs[s.PURL]
		if ref == "" {
			ref = s.PURL
		}
		vulns = append(vulns, cdx.Vulnerability{
			BOMRef: s.ID + "@" + ref,
			ID:     s.ID,
			Source: &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + s.ID},
			Analysis: &cdx.VulnerabilityAnalysis{
				State:         vdrState(s.Status),
				Justification: vdrJustification(s.Justification),
				Detail:        s.Statement,
			},
			Affects: &[]cdx.Affects{{Ref: ref}},
		})
	}
	if len(vulns) > 0 {
		bom.Vulnerabilities = &vulns
	}
	// What was not checked travels with the VDR, as skipped inputs do
	// (hallmark:skipped): a VDR without vulnerabilities is no clean bill
	// for an ecosystem the database lacked or a manifest without a lockfile.
	notChecked := notCheckedNotes(res.Summary)
	if line := unresolvedNote(res.Unresolved); line != "" {
		notChecked = append(notChecked, line)
	}
	if len(notChecked) > 0 {
		if bom.Metadata == nil {
			bom.Metadata = &cdx.Metadata{}
		}
		var props []cdx.Property
		if bom.Metadata.Properties != nil {
			props = *bom.Metadata.Properties
		}
		for _, n := range notChecked {
			props = append(props, cdx.Property{Name: "hallmark:not-checked", Value: n})
		}
		bom.Metadata.Properties = &props
	}
	if opts.XML {
		return cyclonedx.WriteXML(w, bom)
	}
	return cyclonedx.WriteJSON(w, bom)
}

func vdrRating(s match.Severity) cdx.VulnerabilityRating {
	r := cdx.VulnerabilityRating{Severity: cdx.Severity(strings.ToLower(s.Rating))}
	if s.Rating == match.RatingUnknown {
		r.Severity = cdx.SeverityUnknown
	}
	if s.Vector != "" {
		score := s.Score
		r.Score = &score
		r.Vector = s.Vector
		switch {
		case strings.HasPrefix(s.Vector, "CVSS:3.1/"):
			r.Method = cdx.ScoringMethodCVSSv31
		case strings.HasPrefix(s.Vector, "CVSS:3.0/"):
			r.Method = cdx.ScoringMethodCVSSv3
		case strings.HasPrefix(s.Vector, "CVSS:4.0/"):
			r.Method = cdx.ScoringMethodCVSSv4
		}
	}
	if r.Method == "" {
		// What cyclonedx-go's EncodeVersion wrote for a rating without a
		// method, kept so that VDRs compare across versions.
		r.Method = cdx.ScoringMethodOther
	}
	return r
}

func vdrStatus(status string) cdx.VulnerabilityStatus {
	if status == match.StatusUnknown {
		return cdx.VulnerabilityStatusUnknown
	}
	return cdx.VulnerabilityStatusAffected
}

// vdrState maps a VEX status (OpenVEX or CycloneDX) onto CycloneDX's.
func vdrState(status string) cdx.ImpactAnalysisState {
	switch status {
	case "fixed":
		return cdx.IASResolved
	case "not_affected", "false_positive", "resolved", "resolved_with_pedigree":
		return cdx.ImpactAnalysisState(status)
	}
	return cdx.IASInTriage
}

// vdrJustification maps OpenVEX justifications onto CycloneDX's closest
// ones; CycloneDX's own pass through.
func vdrJustification(j string) cdx.ImpactAnalysisJustification {
	switch j {
	case "component_not_present", "vulnerable_code_not_present":
		return cdx.IAJCodeNotPresent
	case "vulnerable_code_not_in_execute_path", "vulnerable_code_cannot_be_controlled_by_adversary":
		return cdx.IAJCodeNotReachable
	case "inline_mitigations_already_exist":
		return cdx.IAJProtectedByMitigatingControl
	case "":
		return ""
	}
	if strings.HasPrefix(j, "code_") || strings.HasPrefix(j, "requires_") || strings.HasPrefix(j, "protected_") {
		return cdx.ImpactAnalysisJustification(j)
	}
	return ""
}

func aliasSource(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	}
	return "OSV"
}

func aliasURL(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "https://nvd.nist.gov/vuln/detail/" + id
	case strings.HasPrefix(id, "GHSA-"):
		return "https://github.com/advisories/" + id
	}
	return "https://osv.dev/vulnerability/" + id
}
