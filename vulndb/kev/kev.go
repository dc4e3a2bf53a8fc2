// Package kev reads CISA's Known Exploited Vulnerabilities catalogue
// (https://www.cisa.gov/known-exploited-vulnerabilities-catalog, JSON feed
// schema https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json).
// Only the fields hallmark shows are kept; every entry's cveID is checked.
package kev

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// MaxSize bounds the KEV catalogue (about 1.3 MB in 2025).
const MaxSize = 64 << 20

// Catalog is the catalogue.
// Only the fields hallmark shows are kept.
type Catalog struct {
	Title           string  `json:"title"`
	CatalogVersion  string  `json:"catalogVersion"`
	DateReleased    string  `json:"dateReleased"`
	Count           int     `json:"count"`
	Vulnerabilities []Entry `json:"vulnerabilities"`
}

// Entry is one known exploited CVE.
type Entry struct {
	CVE                        string `json:"cveID"`
	VendorProject              string `json:"vendorProject,omitempty"`
	Product                    string `json:"product,omitempty"`
	Name                       string `json:"vulnerabilityName,omitempty"`
	DateAdded                  string `json:"dateAdded"`
	DueDate                    string `json:"dueDate,omitempty"`
	KnownRansomwareCampaignUse string `json:"knownRansomwareCampaignUse,omitempty"`
}

var cveRE = lazyregexp.New(`^CVE-\d{4}-\d{4,}$`)

// Parse decodes and checks the KEV catalogue. Errors name the entry
// index and field.
func Parse(data []byte) (*Catalog, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("KEV catalogue is %d bytes, over the %d-byte limit", len(data), MaxSize)
	}
	if err := osv.CheckDepth(data); err != nil {
		return nil, fmt.Errorf("KEV catalogue: %v", err)
	}
	var c Catalog
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		f, msg := osv.DescribeJSONError(err)
		if f != "" {
			return nil, fmt.Errorf("KEV catalogue: %s: %s", f, msg)
		}
		return nil, fmt.Errorf("KEV catalogue: %s", msg)
	}
	if c.CatalogVersion == "" {
		return nil, fmt.Errorf("KEV catalogue: catalogVersion: missing (is this the KEV JSON feed?)")
	}
	if c.Vulnerabilities == nil {
		return nil, fmt.Errorf("KEV catalogue: vulnerabilities: missing")
	}
	for i, v := range c.Vulnerabilities {
		if !cveRE.MatchString(v.CVE) {
			return nil, fmt.Errorf("KEV catalogue: vulnerabilities[%d].cveID: want CVE-YYYY-NNNN, got %q", i, osv.Truncate(v.CVE, 40))
		}
	}
	if c.Count != 0 && c.Count != len(c.Vulnerabilities) {
		return nil, fmt.Errorf("KEV catalogue: count is %d but %d vulnerabilities are listed (truncated?)", c.Count, len(c.Vulnerabilities))
	}
	return &c, nil
}

// LooksLike tells the KEV catalogue from an OSV record without a full
// parse, so `db import` can take both.
func LooksLike(data []byte) bool {
	var probe struct {
		CatalogVersion *string          `json:"catalogVersion"`
		Vulns          *json.RawMessage `json:"vulnerabilities"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	return probe.CatalogVersion != nil && probe.Vulns != nil
}
