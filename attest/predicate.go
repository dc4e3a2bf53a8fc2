package attest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Predicate type URIs.
const (
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	PredicateSPDX      = "https://spdx.dev/Document"
	PredicateSLSA1     = "https://slsa.dev/provenance/v1"
	PredicateSLSA02    = "https://slsa.dev/provenance/v0.2"
	PredicateOpenVEX   = "https://openvex.dev/ns/v0.2.0"
	PredicateScan      = "https://hallmark.dev/scan/v1"
)

// predicateNames are the short names --type accepts, cosign's where cosign
// has one (cyclonedx, spdx, spdxjson, slsaprovenance1, openvex) so that
// scripts move between the tools. Note: cosign maps "openvex" to
// "https://openvex.dev/ns"; hallmark uses the versioned namespace the
// OpenVEX v0.2.0 spec gives documents, and verifies either.
var predicateNames = map[string]string{
	"cyclonedx":        PredicateCycloneDX,
	"spdx":             PredicateSPDX,
	"spdxjson":         PredicateSPDX,
	"slsaprovenance1":  PredicateSLSA1,
	"slsaprovenance02": PredicateSLSA02,
	"slsaprovenance":   PredicateSLSA02,
	"openvex":          PredicateOpenVEX,
	"scan":             PredicateScan,
	"hallmark-scan":    PredicateScan,
}

// PredicateNames lists the short names PredicateType accepts.
func PredicateNames() []string {
	names := make([]string, 0, len(predicateNames))
	for n := range predicateNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PredicateType resolves a short name (cyclonedx, spdx, slsaprovenance1,
// openvex, scan, ...) or an absolute URI to the predicate type URI.
func PredicateType(name string) (string, error) {
	if uri, ok := predicateNames[strings.ToLower(name)]; ok {
		return uri, nil
	}
	if u, err := url.Parse(name); err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") {
		return name, nil
	}
	return "", fmt.Errorf("predicate type %q: want one of %s, or an absolute URI", name, strings.Join(PredicateNames(), ", "))
}

// CheckPredicate checks that predicate has the shape its type promises:
// a JSON object always, plus for known types the fields that identify
// the document (a CycloneDX BOM says bomFormat "CycloneDX", an SPDX
// document has spdxVersion "SPDX-...", SLSA provenance v1 has a build
// type and a builder, OpenVEX has its @context and statements). It is a
// guard against attesting the wrong file, not schema validation.
func CheckPredicate(predicateType string, predicate []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(predicate, &obj); err != nil || obj == nil {
		return fmt.Errorf("predicate: want a JSON object")
	}
	str := func(key string) string {
		var s string
		_ = json.Unmarshal(obj[key], &s)
		return s
	}
	switch predicateType {
	case PredicateCycloneDX:
		if str("bomFormat") != "CycloneDX" {
			return fmt.Errorf(`predicate: bomFormat: want "CycloneDX" for %s (is this a CycloneDX JSON SBOM?)`, predicateType)
		}
	case PredicateSPDX:
		if !strings.HasPrefix(str("spdxVersion"), "SPDX-") {
			return fmt.Errorf(`predicate: spdxVersion: want "SPDX-2.x" for %s (is this an SPDX JSON document?)`, predicateType)
		}
	case PredicateSLSA1, PredicateSLSA02:
		p, err := ParseProvenance(predicateType, predicate)
		if err != nil {
			return err
		}
		if p.BuildType == "" {
			return fmt.Errorf("predicate: buildType: missing for %s", predicateType)
		}
		if p.BuilderID == "" {
			return fmt.Errorf("predicate: builder.id: missing for %s", predicateType)
		}
	case PredicateOpenVEX, "https://openvex.dev/ns":
		if !strings.HasPrefix(str("@context"), "https://openvex.dev/ns") {
			return fmt.Errorf(`predicate: @context: want "https://openvex.dev/ns/v0.2.0" for %s (is this an OpenVEX document?)`, predicateType)
		}
		if _, ok := obj["statements"]; !ok {
			return fmt.Errorf("predicate: statements: missing for %s", predicateType)
		}
	}
	return nil
}

// Provenance is what hallmark reads from a SLSA provenance predicate.
type Provenance struct {
	BuildType    string `json:"buildType"`
	BuilderID    string `json:"builderId"`
	InvocationID string `json:"invocationId,omitempty"`
	StartedOn    string `json:"startedOn,omitempty"`
	FinishedOn   string `json:"finishedOn,omitempty"`
}

// ParseProvenance reads SLSA provenance v1 (buildDefinition/runDetails)
// or v0.2 (builder/buildType/metadata). Field names are matched the way
// producers actually spell them: the v1 spec's "invocationId" and the
// "invocationID" that cosign v2 writes, v0.2's "buildInvocationId" and
// "buildInvocationID".
func ParseProvenance(predicateType string, predicate []byte) (*Provenance, error) {
	// encoding/json matches field names case-insensitively, which is
	// exactly the leniency needed for the ID/Id spellings.
	switch predicateType {
	case PredicateSLSA1:
		var v1 struct {
			BuildDefinition struct {
				BuildType string `json:"buildType"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder struct {
					ID string `json:"id"`
				} `json:"builder"`
				Metadata struct {
					InvocationID string `json:"invocationId"`
					StartedOn    string `json:"startedOn"`
					FinishedOn   string `json:"finishedOn"`
				} `json:"metadata"`
			} `json:"runDetails"`
		}
		if err := json.Unmarshal(predicate, &v1); err != nil {
			return nil, fmt.Errorf("predicate: SLSA provenance v1: %w", err)
		}
		return &Provenance{
			BuildType: v1.BuildDefinition.BuildType, BuilderID: v1.RunDetails.Builder.ID,
			InvocationID: v1.RunDetails.Metadata.InvocationID,
			StartedOn:    v1.RunDetails.Metadata.StartedOn, FinishedOn: v1.RunDetails.Metadata.FinishedOn,
		}, nil
	case PredicateSLSA02:
		var v02 struct {
			Builder struct {
				ID string `json:"id"`
			} `json:"builder"`
			BuildType string `json:"buildType"`
			Metadata  struct {
				InvocationID string `json:"buildInvocationId"`
				StartedOn    string `json:"buildStartedOn"`
				FinishedOn   string `json:"buildFinishedOn"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(predicate, &v02); err != nil {
			return nil, fmt.Errorf("predicate: SLSA provenance v0.2: %w", err)
		}
		return &Provenance{
			BuildType: v02.BuildType, BuilderID: v02.Builder.ID, InvocationID: v02.Metadata.InvocationID,
			StartedOn: v02.Metadata.StartedOn, FinishedOn: v02.Metadata.FinishedOn,
		}, nil
	}
	return nil, fmt.Errorf("predicate type %q is not SLSA provenance", predicateType)
}
