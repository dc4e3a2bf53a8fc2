package match

import (
	"encoding/json"
	"math"
	"strings"

	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Ratings, from lowest to highest. UNKNOWN sorts below LOW.
const (
	RatingUnknown  = "UNKNOWN"
	RatingNone     = "NONE"
	RatingLow      = "LOW"
	RatingMedium   = "MEDIUM"
	RatingHigh     = "HIGH"
	RatingCritical = "CRITICAL"
)

// RatingRank orders ratings: UNKNOWN 0, NONE 1, LOW 2, MEDIUM 3, HIGH 4,
// CRITICAL 5; -1 for anything else.
func RatingRank(r string) int {
	switch strings.ToUpper(r) {
	case RatingUnknown:
		return 0
	case RatingNone:
		return 1
	case RatingLow:
		return 2
	case RatingMedium, "MODERATE":
		return 3
	case RatingHigh:
		return 4
	case RatingCritical:
		return 5
	}
	return -1
}

// Severity is how bad a finding is.
type Severity struct {
	// Rating is CRITICAL, HIGH, MEDIUM, LOW, NONE or UNKNOWN.
	Rating string `json:"rating"`
	// Score is the CVSS base score, when a vector gave one.
	Score float64 `json:"score,omitempty"`
	// Type is the source: CVSS_V3, CVSS_V4, or "ecosystem" when the
	// advisory database's own rating is all there is.
	Type   string `json:"type,omitempty"`
	Vector string `json:"vector,omitempty"`
}

// cvssScore computes the base score and rating of a CVSS vector: v3.0 and
// v3.1 (https://www.first.org/cvss/v3.1/specification-document) and v4.0
// (https://www.first.org/cvss/v4.0/specification-document).
func cvssScore(typ, vector string) (Severity, bool) {
	s := Severity{Type: typ, Vector: vector}
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(vector)
		if err != nil {
			return s, false
		}
		s.Score = c.BaseScore()
		s.Rating, err = gocvss30.Rating(s.Score)
		if err != nil {
			return s, false
		}
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(vector)
		if err != nil {
			return s, false
		}
		s.Score = c.BaseScore()
		s.Rating, err = gocvss31.Rating(s.Score)
		if err != nil {
			return s, false
		}
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(vector)
		if err != nil {
			return s, false
		}
		s.Score = c.Score()
		s.Rating, err = gocvss40.Rating(s.Score)
		if err != nil {
			return s, false
		}
	default:
		return s, false
	}
	s.Score = math.Round(s.Score*10) / 10
	s.Rating = strings.ToUpper(s.Rating)
	return s, true
}

// recordSeverity picks the severity of a record for a package: the highest
// CVSS v3/v4 base score among the record's and the affected entries'
// vectors; failing that, the database's own rating (GitHub's
// database_specific.severity, an Ubuntu priority, ecosystem_specific
// severity); failing that, UNKNOWN.
func recordSeverity(rec *osv.Record, entries []*osv.Affected) Severity {
	best := Severity{Rating: RatingUnknown}
	found := false
	consider := func(list []osv.Severity) {
		for _, s := range list {
			if s.Type != "CVSS_V3" && s.Type != "CVSS_V4" {
				continue
			}
			if sv, ok := cvssScore(s.Type, s.Score); ok && (!found || sv.Score > best.Score || (sv.Score == best.Score && sv.Type > best.Type)) {
				best, found = sv, true
			}
		}
	}
	consider(rec.Severity)
	for _, a := range entries {
		consider(a.Severity)
	}
	if found {
		return best
	}
	var eco []string
	for _, s := range rec.Severity {
		if s.Type == "Ubuntu" {
			eco = append(eco, s.Score)
		}
	}
	eco = append(eco, specificSeverity(rec.DatabaseSpecific))
	for _, a := range entries {
		eco = append(eco, specificSeverity(a.EcosystemSpecific), specificSeverity(a.DatabaseSpecific))
	}
	for _, r := range eco {
		r = normalizeRating(r)
		if r != "" && RatingRank(r) > RatingRank(best.Rating) {
			best = Severity{Rating: r, Type: "ecosystem"}
		}
	}
	return best
}

func specificSeverity(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v struct {
		Severity any `json:"severity"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	s, _ := v.Severity.(string)
	return s
}

// normalizeRating maps the databases' words onto CVSS ratings: GitHub's
// MODERATE is MEDIUM; Ubuntu's negligible is LOW.
func normalizeRating(r string) string {
	switch strings.ToUpper(strings.TrimSpace(r)) {
	case "CRITICAL":
		return RatingCritical
	case "HIGH", "IMPORTANT":
		return RatingHigh
	case "MEDIUM", "MODERATE":
		return RatingMedium
	case "LOW", "NEGLIGIBLE":
		return RatingLow
	}
	return ""
}
