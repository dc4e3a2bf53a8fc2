package match

import (
	"fmt"
	"slices"

	"golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Verdict is the outcome of evaluating one version against an affected
// entry.
type Verdict int

const (
	// NotAffected: the version is outside every range and not listed.
	NotAffected Verdict = iota
	// Affected: the version is listed or inside a range.
	Affected
	// Unknown: the entry has ranges that could not be evaluated for this
	// version (it cannot be parsed in the ecosystem's ordering) and it is
	// not listed explicitly.
	Unknown
)

func (v Verdict) String() string {
	switch v {
	case Affected:
		return "affected"
	case Unknown:
		return "unknown"
	}
	return "not affected"
}

// Evaluation is the verdict on one affected entry with its reasons.
type Evaluation struct {
	Verdict Verdict
	// Reason says why the verdict is Unknown.
	Reason string
	// GitOnly is true when the entry's only ranges are GIT ranges and the
	// version is not listed: it cannot be evaluated without the repository.
	GitOnly bool
	// Fixed lists the fixed events above the version, in the order of the
	// ecosystem.
	Fixed []string
	// Closing lists, per range that affects the version, the fixed event
	// that ends the vulnerable interval the version is in: the nearest
	// fix on its line.
	Closing []string
	// LastAffected lists last_affected events at or above the version.
	LastAffected []string
}

// Evaluate decides whether version v of package name, in ecosystem eco,
// is affected by entry a, following the evaluation algorithm of the OSV
// schema (https://ossf.github.io/osv-schema/#evaluation): affected when
// listed in versions, or when inside any SEMVER or ECOSYSTEM range, where
// a range's events are sorted and swept (introduced opens, fixed closes at
// its version, last_affected closes after it) and limit events bound the
// range from above. GIT ranges are skipped: they need the repository's
// commit graph.
func Evaluate(eco, name, v string, a *osv.Affected) Evaluation {
	var ev Evaluation
	if slices.Contains(a.Versions, v) || (osv.BaseEcosystem(eco) == "Go" && slices.Contains(a.Versions, trimV(v))) {
		ev.Verdict = Affected
	}
	evaluable, git := false, false
	for _, r := range a.Ranges {
		if r.Type == osv.RangeGit {
			git = true
			continue
		}
		evaluable = true
		in, fixed, last, closing, err := inRange(eco, name, v, r)
		if err != nil {
			if ev.Verdict != Affected {
				ev.Verdict = Unknown
				ev.Reason = err.Error()
			}
			continue
		}
		if in {
			ev.Verdict = Affected
			ev.Reason = ""
		}
		ev.Fixed = append(ev.Fixed, fixed...)
		ev.LastAffected = append(ev.LastAffected, last...)
		if in && closing != "" {
			ev.Closing = append(ev.Closing, closing)
		}
	}
	if ev.Verdict == NotAffected && git && !evaluable && len(a.Versions) == 0 {
		ev.GitOnly = true
	}
	if ev.Verdict == NotAffected && !evaluable && len(a.Versions) > 0 {
		// Only a versions list: exact comparison is all the schema asks
		// for, but a version spelled differently (1.0 vs 1.0.0 under PEP
		// 440) must not be missed when the ordering can tell.
		if pv, err := parseVersion(eco, name, osv.RangeEcosystem, v, true); err == nil {
			for _, lv := range a.Versions {
				if c, err := pv.cmp(lv); err == nil && c == 0 {
					ev.Verdict = Affected
					break
				}
			}
		}
	}
	return ev
}

func trimV(v string) string {
	if len(v) > 1 && v[0] == 'v' {
		return v[1:]
	}
	return v
}

type sortedEvent struct {
	kind    string // "introduced", "fixed", "last_affected", "limit"
	version string
}

// inRange evaluates one SEMVER or ECOSYSTEM range. It also returns the
// fixed events above v, the last_affected events at or above it, and the
// fixed event that closes the interval v is in, for fix guidance.
func inRange(eco, name, v string, r osv.Range) (in bool, fixed, last []string, closing string, err error) {
	pv, err := parseVersion(eco, name, r.Type, v, true)
	if err != nil {
		return false, nil, nil, "", err
	}
	events := make([]sortedEvent, 0, len(r.Events))
	var limits []string
	for _, e := range r.Events {
		switch {
		case e.Introduced != "":
			events = append(events, sortedEvent{"introduced", e.Introduced})
		case e.Fixed != "":
			events = append(events, sortedEvent{"fixed", e.Fixed})
		case e.LastAffected != "":
			events = append(events, sortedEvent{"last_affected", e.LastAffected})
		case e.Limit != "":
			limits = append(limits, e.Limit)
		}
	}
	// BeforeLimits: with limit events, v must be below at least one.
	if len(limits) > 0 {
		below := false
		for _, l := range limits {
			if l == "*" {
				below = true
				break
			}
			c, err := pv.cmp(l)
			if err != nil {
				return false, nil, nil, "", fmt.Errorf("limit %q: %w", l, err)
			}
			if c < 0 {
				below = true
				break
			}
		}
		if !below {
			return false, nil, nil, "", nil
		}
	}
	// Each event version is parsed once and compared with v once; the
	// sweep needs the events in version order, which advisories usually
	// give already, so they are sorted only when they are not.
	parsed := make([]version, len(events))
	cmpV := make([]int, len(events))
	for i, e := range events {
		if e.kind == "introduced" && e.version == "0" {
			cmpV[i] = 1 // "0" sorts before every version
			continue
		}
		ev, err := parseEventVersion(eco, name, r.Type, e.version)
		if err != nil {
			return false, nil, nil, "", fmt.Errorf("%s %q: %w", e.kind, e.version, err)
		}
		c, err := pv.cmpParsed(ev)
		if err != nil {
			return false, nil, nil, "", fmt.Errorf("%s %q: %w", e.kind, e.version, err)
		}
		parsed[i], cmpV[i] = ev, c
	}
	var sortErr error
	cmpEvents := func(i, j int) int {
		switch {
		case parsed[i] == nil && parsed[j] == nil:
			return 0
		case parsed[i] == nil:
			return -1
		case parsed[j] == nil:
			return 1
		}
		c, err := parsed[i].cmpParsed(parsed[j])
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c
	}
	order := make([]int, len(events))
	sorted := true
	for i := range order {
		order[i] = i
		if i > 0 && sorted && cmpEvents(i-1, i) > 0 {
			sorted = false
		}
	}
	if !sorted {
		slices.SortStableFunc(order, cmpEvents)
	}
	if sortErr != nil {
		return false, nil, nil, "", sortErr
	}
	vulnerable := false
	for _, i := range order {
		e, c := events[i], cmpV[i] // c: v compared with e.version
		switch e.kind {
		case "introduced":
			if c >= 0 {
				vulnerable = true
			}
		case "fixed":
			if c >= 0 {
				vulnerable = false
			} else {
				if vulnerable && closing == "" {
					closing = e.version
				}
				fixed = append(fixed, e.version)
			}
		case "last_affected":
			if c > 0 {
				vulnerable = false
			} else {
				last = append(last, e.version)
			}
		}
	}
	return vulnerable, fixed, last, closing, nil
}

// compareEvents orders two events of a range; "introduced: 0" sorts
// first.
func compareEvents(eco, name, rangeType string, a, b sortedEvent) (int, error) {
	az := a.kind == "introduced" && a.version == "0"
	bz := b.kind == "introduced" && b.version == "0"
	switch {
	case az && bz:
		return 0, nil
	case az:
		return -1, nil
	case bz:
		return 1, nil
	}
	return compareVersions(eco, name, rangeType, a.version, b.version)
}

// compareVersions orders two versions written in advisories.
func compareVersions(eco, name, rangeType, a, b string) (int, error) {
	if a == b {
		return 0, nil
	}
	va, err := parseEventVersion(eco, name, rangeType, a)
	if err != nil {
		return 0, err
	}
	return va.cmp(b)
}

// parseEventVersion parses a version written in a range event, which for
// Go has no "v" and for the stdlib is already semantic (1.21.0-rc.2).
func parseEventVersion(eco, name, rangeType, v string) (version, error) {
	if osv.BaseEcosystem(eco) == "Go" {
		sv := "v" + trimV(v)
		if !semver.IsValid(sv) {
			return nil, fmt.Errorf("range event %q is not a semantic version", v)
		}
		return goVersion(sv), nil
	}
	// Events are parsed leniently: a record's versions are what the
	// ecosystem published, even when they predate PEP 440.
	return parseVersion(eco, name, rangeType, v, false)
}
