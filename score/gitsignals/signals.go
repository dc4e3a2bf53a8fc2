package gitsignals

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/score/criticality"
)

// Signal field names, as criticality_score names them.
const (
	CreatedSince       = "legacy.created_since"
	UpdatedSince       = "legacy.updated_since"
	ContributorCount   = "legacy.contributor_count"
	OrgCount           = "legacy.org_count"
	CommitFrequency    = "legacy.commit_frequency"
	RecentReleaseCount = "legacy.recent_release_count"
)

// Fields lists the signals history gives, in criticality_score's order.
var Fields = []string{CreatedSince, UpdatedSince, ContributorCount, OrgCount, CommitFrequency, RecentReleaseCount}

// Note explains how a signal was obtained, or why it is weaker than it looks.
type Note struct {
	Field string `json:"field,omitempty"`
	Text  string `json:"text"`
}

// Signals derives the criticality signals from the history. Notes say how
// each was obtained and flag proxies, estimates and shallow clones.
func (h *History) Signals() (criticality.Signals, []Note) {
	s := criticality.Signals{}
	var notes []Note
	if h.Commits == 0 {
		notes = append(notes, Note{Text: fmt.Sprintf("no commits dated on or before %s; history signals are missing", h.AsOf.Format(time.DateOnly))})
		return s, notes
	}
	s[CreatedSince] = float64(months(h.AsOf, h.First))
	s[UpdatedSince] = float64(months(h.AsOf, h.Last))
	s[ContributorCount] = float64(len(h.Authors))
	s[OrgCount] = float64(len(h.OrgDomains()))
	s[CommitFrequency] = round(float64(h.CommitsLastYear)/52, 2)
	notes = append(notes,
		Note{CreatedSince, fmt.Sprintf("months since the earliest commit (%s)", h.First.Format(time.DateOnly))},
		Note{UpdatedSince, fmt.Sprintf("months since the latest commit (%s)", h.Last.Format(time.DateOnly))},
		Note{ContributorCount, fmt.Sprintf("distinct authors after .mailmap; %d bot account(s) not counted", len(h.Bots))},
		Note{OrgCount, "proxy: distinct non-webmail e-mail domains among the top 15 authors (criticality_score reads GitHub profile companies)"},
		Note{CommitFrequency, fmt.Sprintf("%d commits in the last 365 days / 52", h.CommitsLastYear)},
	)

	recent := 0
	for _, t := range h.Tags {
		if h.AsOf.Sub(t.Date) <= Year {
			recent++
		}
	}
	switch {
	case recent > 0:
		s[RecentReleaseCount] = float64(recent)
		notes = append(notes, Note{RecentReleaseCount, "tags dated in the last 365 days"})
	default:
		// criticality_score v2 estimates from all tags over the project's
		// age when no release falls in the last year.
		days := int(h.AsOf.Sub(h.First).Hours()) / 24
		est := 0
		if days > 0 {
			est = len(h.Tags) * 365 / days
		}
		s[RecentReleaseCount] = float64(est)
		notes = append(notes, Note{RecentReleaseCount, fmt.Sprintf("no tag in the last 365 days; estimated as %d tags × 365 / %d days (criticality_score v2's rule)", len(h.Tags), days)})
	}
	if h.Shallow {
		notes = append(notes, Note{Text: "shallow clone: history is truncated, so created_since, contributor_count, org_count and possibly commit_frequency are understated (run `git fetch --unshallow`)"})
	}
	return s, notes
}

// months is criticality_score v2's legacy.TimeDelta in 30-day units.
func months(a, b time.Time) int {
	d := a.Sub(b)
	if d < 0 {
		d = -d
	}
	return int(d / Month)
}

// round is criticality_score v2's legacy.Round.
func round(v float64, p int) float64 {
	m := math.Pow10(p)
	return math.Round(v*m) / m
}

// webmail are e-mail domains that say nothing about an organisation.
var webmail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "hotmail.com": true, "outlook.com": true,
	"live.com": true, "msn.com": true, "yahoo.com": true, "yahoo.co.jp": true, "ymail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true, "gmx.de": true,
	"gmx.net": true, "gmx.com": true, "web.de": true, "mail.ru": true, "yandex.ru": true,
	"yandex.com": true, "qq.com": true, "163.com": true, "126.com": true, "foxmail.com": true,
	"sina.com": true, "protonmail.com": true, "proton.me": true, "pm.me": true, "fastmail.com": true,
	"fastmail.fm": true, "zoho.com": true, "hey.com": true, "tutanota.com": true, "posteo.de": true,
	"users.noreply.github.com": true, "noreply.github.com": true, "github.com": true,
	"localhost": true, "localhost.localdomain": true, "example.com": true, "none": true,
}

// OrgDomains returns the organisation domains of the top 15 human authors:
// their e-mail domains reduced to the registrable part, without webmail.
func (h *History) OrgDomains() []string {
	var out []string
	for i, a := range h.Authors {
		if i == TopForOrgs {
			break
		}
		_, domain, ok := strings.Cut(strings.ToLower(a.Email), "@")
		if !ok || domain == "" || webmail[domain] {
			continue
		}
		d := registrable(domain)
		if webmail[d] || slices.Contains(out, d) {
			continue
		}
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// registrable keeps the last two labels, or three under a two-letter
// country code with a generic second level (example.co.uk, example.com.au).
// It is a heuristic, not the Public Suffix List.
func registrable(domain string) string {
	labels := strings.Split(strings.Trim(domain, "."), ".")
	n := len(labels)
	if n <= 2 {
		return strings.Join(labels, ".")
	}
	if len(labels[n-1]) == 2 {
		switch labels[n-2] {
		case "co", "com", "ac", "org", "net", "gov", "edu", "or", "ne", "go":
			return strings.Join(labels[n-3:], ".")
		}
	}
	return strings.Join(labels[n-2:], ".")
}
