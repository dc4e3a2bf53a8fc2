package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html),
// the subset code-scanning services read: one run, one rule per
// vulnerability (with GitHub's security-severity property), one result per
// finding located at the manifest that declares the package, at the line
// the extractor recorded (inventory.Location.Line) where there is one.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

// sarifInvocation carries the inputs that could not be read, as
// toolExecutionNotifications (SARIF 2.1.0 §3.20.21): the run succeeded,
// but those files were not checked.
type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	HelpURI              string         `json:"helpUri,omitempty"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifLevel maps a rating onto SARIF's levels.
func sarifLevel(rating string) string {
	switch rating {
	case match.RatingCritical, match.RatingHigh:
		return "error"
	case match.RatingMedium:
		return "warning"
	}
	return "note"
}

// FindingsSARIF writes the findings as a SARIF 2.1.0 log.
func FindingsSARIF(w io.Writer, res *match.Result, opts FindingsOptions) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{
		Name: "hallmark", Version: opts.ToolVersion,
		InformationURI: "https://github.com/hallmark-dev/hallmark",
		Rules:          []sarifRule{},
	}}, Results: []sarifResult{}}
	ruleIndex := map[string]int{}
	// Rules are ordered by ID so output does not depend on package order.
	var ids []string
	first := map[string]match.Finding{}
	for _, p := range res.Packages {
		for _, f := range p.Findings {
			if _, ok := first[f.ID]; !ok {
				first[f.ID] = f
				ids = append(ids, f.ID)
			} else if f.Severity.Score > first[f.ID].Severity.Score {
				first[f.ID] = f
			}
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		f := first[id]
		ruleIndex[id] = len(run.Tool.Driver.Rules)
		props := map[string]any{"tags": []string{"security", "vulnerability"}}
		if f.Severity.Score > 0 {
			props["security-severity"] = fmt.Sprintf("%.1f", f.Severity.Score)
		}
		if len(f.Aliases) > 0 {
			props["aliases"] = f.Aliases
		}
		summary := f.Summary
		if summary == "" {
			summary = id
		}
		help := fmt.Sprintf("%s: %s\n%s", id, summary, f.URL)
		md := fmt.Sprintf("**%s**: %s\n\n[%s](%s)", id, summary, f.URL, f.URL)
		if len(f.Aliases) > 0 {
			help += "\nAliases: " + strings.Join(f.Aliases, ", ")
			md += "\n\nAliases: " + strings.Join(f.Aliases, ", ")
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: id, Name: strings.NewReplacer("-", "", "_", "").Replace(id),
			ShortDescription:     sarifText{Text: clip(summary, 120)},
			FullDescription:      sarifText{Text: summary},
			HelpURI:              f.URL,
			Help:                 sarifText{Text: help, Markdown: md},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity.Rating)},
			Properties:           props,
		})
	}
	for i := range res.Packages {
		p := &res.Packages[i]
		for _, f := range p.Findings {
			msg := fmt.Sprintf("%s %s is affected by %s (%s)", p.Name, p.Version, f.ID, severityText(f))
			if f.Status == match.StatusUnknown {
				msg = fmt.Sprintf("%s %s may be affected by %s (%s): %s", p.Name, p.Version, f.ID, severityText(f), f.Reason)
			}
			if f.Summary != "" {
				msg += ": " + f.Summary
			}
			msg += "."
			if len(f.Fixed) > 0 {
				msg += " Fixed in " + strings.Join(f.Fixed, ", ") + "."
			}
			if p.FixVersion != "" {
				msg += " Upgrade to " + p.FixVersion + " to fix every known vulnerability of this package."
			}
			if len(p.IntroducedBy) > 0 {
				msg += " Brought in by " + strings.Join(shortPURLs(p.IntroducedBy), ", ") + "."
			}
			if f.KEV != nil {
				msg += " " + f.KEV.CVE + " is in CISA's Known Exploited Vulnerabilities catalogue."
			}
			r := sarifResult{
				RuleID: f.ID, RuleIndex: ruleIndex[f.ID], Level: sarifLevel(f.Severity.Rating),
				Message:             sarifText{Text: msg},
				Locations:           sarifLocations(res, p, opts),
				PartialFingerprints: map[string]string{"hallmark/v1": fingerprint(p.PURL, f.ID)},
				Properties:          map[string]any{"purl": p.PURL, "status": f.Status},
			}
			if f.Reachability != nil {
				r.Properties["reachability"] = f.Reachability.Status
			}
			if f.KEV != nil {
				r.Properties["kev"] = true
			}
			run.Results = append(run.Results, r)
		}
	}
	// What was not checked is said as tool notifications, so that code
	// scanning shows a run that checked nothing for an ecosystem as such,
	// not as a clean one.
	notChecked := notCheckedNotes(res.Summary)
	if line := unresolvedNote(res.Unresolved); line != "" {
		notChecked = append(notChecked, line)
	}
	if len(res.Skipped) > 0 || len(notChecked) > 0 {
		inv := sarifInvocation{ExecutionSuccessful: true}
		for _, sk := range res.Skipped {
			inv.Notifications = append(inv.Notifications, sarifNotification{
				Level:     "error",
				Message:   sarifText{Text: "not checked: " + sk.Reason},
				Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(opts.URIBase, sk.Path)}}}},
			})
		}
		for _, n := range notChecked {
			inv.Notifications = append(inv.Notifications, sarifNotification{Level: "warning", Message: sarifText{Text: n}})
		}
		run.Invocations = []sarifInvocation{inv}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// sarifLocations places a finding at the package's manifests, or at the
// scanned target when the package has no location (an SBOM's component).
func sarifLocations(res *match.Result, p *match.PackageResult, opts FindingsOptions) []sarifLocation {
	locs := p.Locations
	if len(locs) == 0 {
		locs = []inventory.Location{{Path: res.Target.Name}}
	}
	out := make([]sarifLocation, 0, len(locs))
	for _, l := range locs {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: l.Path}}}
		if len(p.Locations) > 0 {
			loc.PhysicalLocation.ArtifactLocation.URI = sarifURI(opts.URIBase, l.Path)
		}
		// The line the extractor found the package on: report never
		// reads an input again.
		if l.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: l.Line}
		}
		out = append(out, loc)
	}
	return out
}

// sarifURI is a location as a SARIF artifact URI (a URI reference, so
// percent-encoded): relative to the run's working directory, which code
// scanning takes as the repository root, or, for a scan outside it, an
// absolute file URI, which resolves to the one file it names.
func sarifURI(base, loc string) string {
	p := path.Join(base, loc)
	if base == "" {
		p = loc
	}
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

func fingerprint(purl, id string) string {
	sum := sha256.Sum256([]byte(purl + "\x00" + id))
	return hex.EncodeToString(sum[:16])
}
