// Package match finds the OSV advisories that affect the packages of an
// inventory, and says how bad each is and what fixes it.
//
// It implements the OSV schema's evaluation
// (https://ossf.github.io/osv-schema/#evaluation) for SEMVER and ECOSYSTEM
// ranges with introduced, fixed, last_affected and limit events and for
// explicit versions lists; withdrawn advisories never match; GIT ranges
// are not evaluated (they need the repository) and are counted instead.
// Versions are ordered with osv-scalibr's semantic package, which follows
// each ecosystem's own rules, and with golang.org/x/mod/semver for Go
// (pseudo-versions, +incompatible, the stdlib's go1.x spellings). A
// version that cannot be ordered gives an "unknown" finding, never a
// silent miss.
//
// On top of matching: advisories that alias each other are merged into one
// finding per vulnerability per package; severities come from CVSS v3.x
// and v4.0 vectors (github.com/pandatix/go-cvss), falling back to the
// database's own rating; CVE aliases are checked against CISA's KEV
// catalogue; each package gets the smallest version that fixes all its
// findings and each transitive finding the direct dependencies that bring
// it in; OpenVEX and CycloneDX VEX statements suppress findings; and for
// Go binaries, findings are marked "called" when a vulnerable symbol is in
// the binary's symbol table (a binary-level approximation of govulncheck).
// Matching takes data and opens no file: the symbol tables come with the
// inventory (inventory.GoBinary, recorded by extract/golang when the
// extraction is asked for binary facts), so a binary inside an image is
// labelled as one on disk is.
package match

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/vulndb"
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Source is where advisories come from: a vulndb.Store.
type Source interface {
	Lookup(ctx context.Context, ecosystem string, names []string) (map[string][]*osv.Record, error)
	KEV(ctx context.Context, cves []string) (map[string]kev.Entry, error)
}

// foldingSource is a Source that can also look names up ignoring case
// (vulndb.Store.LookupFold), for Go module paths an SBOM lower-cased.
type foldingSource interface {
	LookupFold(ctx context.Context, ecosystem string, names []string) (map[string][]*osv.Record, error)
}

// noteFolded is the note on a package matched only ignoring case.
const noteFolded = "matched ignoring case: the input lower-cased this Go module path, which the advisories spell with capitals; the match assumes they name the same module"

// Finding statuses.
const (
	StatusAffected = "affected"
	StatusUnknown  = "unknown"
)

// Finding is one vulnerability in one package, with every advisory ID that
// describes it.
type Finding struct {
	// ID is the preferred identifier: the ecosystem database's own (GO-,
	// PYSEC-, RUSTSEC-), then GHSA-, then CVE-.
	ID string `json:"id"`
	// Aliases are the other identifiers, sorted.
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	// Status is "affected", or "unknown" when the package's version could
	// not be placed in the advisory's ranges (Reason says why).
	Status   string   `json:"status"`
	Reason   string   `json:"reason,omitempty"`
	Severity Severity `json:"severity"`
	// KEV is set when a CVE of the finding is in CISA's catalogue of
	// known exploited vulnerabilities.
	KEV *KEV `json:"kev,omitempty"`
	// Fixed lists the versions to upgrade to, lowest first: the fix that
	// ends the vulnerable interval the package's version is in, and the
	// advisory's highest fix when that is another line.
	Fixed []string `json:"fixed,omitempty"`
	// LastAffected lists last_affected versions at or above the package's
	// version, when the advisory names no fix.
	LastAffected []string `json:"last_affected,omitempty"`
	// Informational is RustSec's kind for advisories that are not
	// vulnerabilities (unmaintained, unsound, notice).
	Informational string `json:"informational,omitempty"`
	// Reachability is set for Go packages found in binaries.
	Reachability *Reachability `json:"reachability,omitempty"`
	URL          string        `json:"url"`

	records []*osv.Record
	entries []*osv.Affected
	// allFixed is every fixed event above the version, the candidates for
	// the package's smallest fix.
	allFixed []string
}

// KEV is the catalogue entry of an exploited CVE.
type KEV struct {
	CVE        string `json:"cve"`
	DateAdded  string `json:"date_added"`
	Ransomware bool   `json:"known_ransomware_use,omitempty"`
}

// PackageResult is a package of the inventory with its findings.
type PackageResult struct {
	// Package is the inventory's package, not a copy of its fields: it
	// points into the inventory Match was given. The JSON report writes its
	// name, version, purl, locations, direct and dev (MarshalJSON).
	*inventory.Package
	// Ecosystem is the one the package was matched in: the package's own,
	// or its purl's when the inventory left it empty (components of other
	// tools' SBOMs).
	Ecosystem inventory.Ecosystem
	Findings  []Finding
	// FixVersion is the smallest version that fixes every affected
	// finding, when there is one.
	FixVersion string
	// IntroducedBy lists the direct dependencies (purls) through which a
	// transitive package arrives.
	IntroducedBy []string
	// Note qualifies the package's version, e.g. a Go stdlib version that
	// is go.mod's minimum rather than the toolchain that builds it.
	Note string
}

// packageResultJSON is a PackageResult as the JSON report (schema
// scan/v1) writes it: the fields of the package a finding needs, in this
// order, then the findings.
type packageResultJSON struct {
	Name         string               `json:"name"`
	Version      string               `json:"version,omitempty"`
	Ecosystem    inventory.Ecosystem  `json:"ecosystem"`
	PURL         string               `json:"purl"`
	Locations    []inventory.Location `json:"locations,omitempty"`
	Direct       bool                 `json:"direct,omitempty"`
	Dev          bool                 `json:"dev,omitempty"`
	Findings     []Finding            `json:"findings"`
	FixVersion   string               `json:"fix_version,omitempty"`
	IntroducedBy []string             `json:"introduced_by,omitempty"`
	Note         string               `json:"note,omitempty"`
}

// MarshalJSON writes the package's identity and place beside the
// findings, not the whole inventory package (its hashes, licenses and
// properties belong to the SBOM).
func (p PackageResult) MarshalJSON() ([]byte, error) {
	out := packageResultJSON{
		Ecosystem: p.Ecosystem, Findings: p.Findings,
		FixVersion: p.FixVersion, IntroducedBy: p.IntroducedBy, Note: p.Note,
	}
	if q := p.Package; q != nil {
		out.Name, out.Version, out.PURL = q.Name, q.Version, q.PURL
		out.Locations, out.Direct, out.Dev = q.Locations, q.Direct, q.Dev
	}
	// Not json.Marshal, which escapes <, > and & whatever the caller's
	// encoder says; left as they are, the caller's encoder escapes them
	// or not when it copies this in (report writes them unescaped).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// propStdlibSource is the inventory property extract/golang sets on the
// stdlib package: "go.mod" when its version is the go or toolchain line.
const propStdlibSource = "hallmark:go:stdlib-source"

// Suppressed is a finding a VEX statement set aside.
type Suppressed struct {
	PURL          string `json:"purl"`
	ID            string `json:"id"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
	Statement     string `json:"statement,omitempty"`
	Source        string `json:"source"`
}

// Summary counts what a scan found.
type Summary struct {
	Packages   int            `json:"packages"`
	Vulnerable int            `json:"vulnerable_packages"`
	Findings   int            `json:"findings"`
	Unknown    int            `json:"unknown"`
	BySeverity map[string]int `json:"by_severity"`
	KEV        int            `json:"kev"`
	Suppressed int            `json:"suppressed"`
	// SuppressedBy counts suppressions per VEX status/justification.
	SuppressedBy map[string]int `json:"suppressed_by,omitempty"`
	// GitOnly counts advisories naming a scanned package whose only
	// ranges are GIT ranges, which are not evaluated.
	GitOnly int `json:"git_only_advisories,omitempty"`
	// Unversioned lists packages with advisories but no version to check
	// (an unpinned requirement); none of their advisories is evaluated.
	Unversioned []string `json:"unversioned,omitempty"`
	// NoEcosystem counts packages with no OSV ecosystem (not matched).
	NoEcosystem int `json:"no_ecosystem,omitempty"`
	// NotChecked counts, per ecosystem, packages whose ecosystem the
	// database holds no advisories for: they were looked up but could not
	// have matched anything. Set by the caller, which knows the database.
	NotChecked map[string]int `json:"not_checked,omitempty"`
	// NotCheckedReasons says, per ecosystem of NotChecked, why the
	// database has no advisories for it (not downloaded with --offline, a
	// download that failed and how, no export to download). Set by the
	// caller, as NotChecked is.
	NotCheckedReasons map[string]string `json:"not_checked_reasons,omitempty"`
	// KEVUnavailable is why the CISA KEV catalogue could not be downloaded
	// for this scan: known-exploited flags then come only from a copy the
	// database already had. Set by the caller.
	KEVUnavailable string `json:"kev_unavailable,omitempty"`
}

// Checked is the number of packages whose ecosystem the database covers.
func (s *Summary) Checked() int {
	n := s.Packages
	for _, c := range s.NotChecked {
		n -= c
	}
	return n
}

// Result is the outcome of a scan.
type Result struct {
	Target     inventory.Target `json:"target"`
	Packages   []PackageResult  `json:"packages"`
	Suppressed []Suppressed     `json:"suppressed,omitempty"`
	// Skipped lists the inputs the inventory could not read: nothing in
	// them was checked, so a report without findings is not a clean bill.
	Skipped []inventory.Skipped `json:"skipped,omitempty"`
	// Unresolved lists the manifests with no lockfile: their dependencies
	// were not checked.
	Unresolved []inventory.Unresolved `json:"unresolved,omitempty"`
	Summary    Summary                `json:"summary"`
	// ReachabilityNote explains the reachability labels when any are set.
	ReachabilityNote string `json:"reachability_note,omitempty"`
}

// Options configures Match.
type Options struct {
	// VEX statements to apply.
	VEX *VEX
}

// Match matches every package of inv against src.
func Match(ctx context.Context, src Source, inv *inventory.Inventory, opts Options) (*Result, error) {
	res := &Result{Target: inv.Target, Skipped: slices.Clone(inv.Skipped), Unresolved: slices.Clone(inv.Unresolved), Summary: Summary{BySeverity: map[string]int{}}}
	byEco := map[inventory.Ecosystem][]int{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		eco := packageEcosystem(p)
		if eco == inventory.Unknown {
			res.Summary.NoEcosystem++
			continue
		}
		res.Summary.Packages++
		byEco[eco] = append(byEco[eco], i)
	}
	ecos := make([]inventory.Ecosystem, 0, len(byEco))
	for e := range byEco {
		ecos = append(ecos, e)
	}
	slices.Sort(ecos)
	for _, eco := range ecos {
		idx := byEco[eco]
		names := make([]string, len(idx))
		for k, i := range idx {
			names[k] = inv.Packages[i].Name
		}
		recs, err := src.Lookup(ctx, string(eco), names)
		if err != nil {
			return nil, err
		}
		// Go module paths compare exactly; a path with no capitals that
		// nothing names may have lost them in another tool's SBOM, so it
		// is looked up again ignoring case, and a match says so.
		var folded map[string][]*osv.Record
		if fs, ok := src.(foldingSource); ok && eco == inventory.Go {
			var missed []string
			for _, n := range names {
				if len(recs[n]) == 0 && n == strings.ToLower(n) {
					missed = append(missed, n)
				}
			}
			if folded, err = fs.LookupFold(ctx, string(eco), missed); err != nil {
				return nil, err
			}
		}
		for _, i := range idx {
			p := &inv.Packages[i]
			cands := recs[vulndb.NormalizeName(string(eco), p.Name)]
			fold := false
			if len(cands) == 0 && folded != nil && p.Name == strings.ToLower(p.Name) {
				cands, fold = folded[p.Name], true
			}
			if len(cands) == 0 {
				continue
			}
			if p.Version == "" {
				if p.Type != "application" {
					res.Summary.Unversioned = append(res.Summary.Unversioned, p.PURL)
				}
				continue
			}
			pr := matchPackage(eco, p, cands, fold, &res.Summary)
			if pr != nil {
				res.Packages = append(res.Packages, *pr)
			}
		}
	}
	if err := flagKEV(ctx, src, res); err != nil {
		return nil, err
	}
	introducedBy(inv, res)
	if opts.VEX != nil {
		var apps []*inventory.Package
		for i := range inv.Packages {
			if p := &inv.Packages[i]; p.Type == "application" && p.PURL != "" {
				apps = append(apps, p)
			}
		}
		opts.VEX.apply(res, apps)
	}
	markReachability(inv, res)
	res.finish()
	return res, nil
}

// packageEcosystem is the package's ecosystem, from its purl when the
// extractor or SBOM left it empty.
func packageEcosystem(p *inventory.Package) inventory.Ecosystem {
	if p.Ecosystem != inventory.Unknown {
		return p.Ecosystem
	}
	if p.PURL == "" {
		return inventory.Unknown
	}
	pp, err := inventory.ParsePURL(p.PURL)
	if err != nil {
		return inventory.Unknown
	}
	return pp.Ecosystem
}

// matchPackage evaluates the candidate records of one package and merges
// the matches by alias.
func matchPackage(eco inventory.Ecosystem, p *inventory.Package, cands []*osv.Record, fold bool, sum *Summary) *PackageResult {
	key := vulndb.NormalizeName(string(eco), p.Name)
	var found []Finding
	for _, rec := range cands {
		if rec.Withdrawn != nil {
			continue
		}
		var entries []*osv.Affected
		f := Finding{Status: "", records: []*osv.Record{rec}}
		gitOnly := false
		for k := range rec.Affected {
			a := &rec.Affected[k]
			if a.Package == nil || osv.BaseEcosystem(a.Package.Ecosystem) != string(eco) || !sameName(vulndb.NormalizeName(string(eco), a.Package.Name), key, fold) {
				continue
			}
			ev := Evaluate(string(eco), p.Name, p.Version, a)
			gitOnly = gitOnly || ev.GitOnly
			switch ev.Verdict {
			case Affected:
				f.Status = StatusAffected
				f.Reason = ""
				entries = append(entries, a)
				f.allFixed = append(f.allFixed, ev.Fixed...)
				f.Fixed = append(f.Fixed, ev.Closing...)
				f.LastAffected = append(f.LastAffected, ev.LastAffected...)
			case Unknown:
				if f.Status == "" {
					f.Status, f.Reason = StatusUnknown, ev.Reason
				}
				entries = append(entries, a)
			}
		}
		if f.Status == "" {
			if gitOnly {
				sum.GitOnly++
			}
			continue
		}
		f.entries = entries
		found = append(found, f)
	}
	if len(found) == 0 {
		return nil
	}
	merged := mergeAliases(found)
	pr := &PackageResult{Package: p, Ecosystem: eco}
	if src, _ := p.Property(propStdlibSource); src == "go.mod" {
		pr.Note = "stdlib version is go.mod's go/toolchain line, the oldest Go allowed, not the one that builds it"
	}
	if fold {
		pr.Note = noteFolded
	}
	for i := range merged {
		f := &merged[i]
		f.finish(string(eco), p.Name)
	}
	slices.SortFunc(merged, func(a, b Finding) int { return cmp.Compare(a.ID, b.ID) })
	pr.Findings = merged
	if fix := smallestFix(string(eco), p.Name, merged); fix != "" {
		pr.FixVersion = displayVersion(string(eco), p.Name, fix)
	}
	for i := range merged {
		merged[i].display(string(eco), p.Name)
	}
	return pr
}

// mergeAliases joins findings whose records name each other (or a common
// alias) into one.
func mergeAliases(fs []Finding) []Finding {
	parent := make([]int, len(fs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i, f := range fs {
		rec := f.records[0]
		for _, id := range append([]string{rec.ID}, rec.Aliases...) {
			if j, ok := owner[id]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[id] = i
			}
		}
	}
	groups := map[int]*Finding{}
	var order []int
	for i := range fs {
		r := find(i)
		g, ok := groups[r]
		if !ok {
			c := fs[i]
			groups[r] = &c
			order = append(order, r)
			continue
		}
		f := fs[i]
		g.records = append(g.records, f.records...)
		g.entries = append(g.entries, f.entries...)
		g.Fixed = append(g.Fixed, f.Fixed...)
		g.allFixed = append(g.allFixed, f.allFixed...)
		g.LastAffected = append(g.LastAffected, f.LastAffected...)
		if f.Status == StatusAffected && g.Status != StatusAffected {
			g.Status, g.Reason = StatusAffected, ""
		}
	}
	out := make([]Finding, 0, len(order))
	for _, r := range order {
		out = append(out, *groups[r])
	}
	return out
}

// idRank orders identifiers for choosing a finding's ID: an ecosystem
// database's own first, then GitHub's, then CVE.
func idRank(id string) int {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return 2
	case strings.HasPrefix(id, "GHSA-"):
		return 1
	}
	return 0
}

// finish fills the merged finding's ID, aliases, summary, severity and
// fixes.
func (f *Finding) finish(eco, name string) {
	slices.SortFunc(f.records, func(a, b *osv.Record) int {
		return cmp.Or(cmp.Compare(idRank(a.ID), idRank(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	primary := f.records[0]
	f.ID = primary.ID
	f.URL = "https://osv.dev/vulnerability/" + primary.ID
	ids := map[string]bool{}
	for _, r := range f.records {
		ids[r.ID] = true
		for _, a := range r.Aliases {
			ids[a] = true
		}
	}
	delete(ids, f.ID)
	f.Aliases = nil
	for id := range ids {
		f.Aliases = append(f.Aliases, id)
	}
	slices.Sort(f.Aliases)
	for _, r := range f.records {
		if f.Summary == "" {
			f.Summary = strings.TrimSpace(r.Summary)
		}
	}
	if f.Summary == "" {
		f.Summary = firstLine(primary.Details)
	}
	f.Severity = Severity{Rating: RatingUnknown}
	for _, r := range f.records {
		s := recordSeverity(r, entriesOf(r, f.entries))
		if RatingRank(s.Rating) > RatingRank(f.Severity.Rating) || (s.Rating == f.Severity.Rating && s.Score > f.Severity.Score) {
			f.Severity = s
		}
	}
	for _, a := range f.entries {
		if k := informational(a); k != "" {
			f.Informational = k
		}
	}
	f.allFixed = sortVersions(eco, name, f.allFixed)
	if n := len(f.allFixed); n > 0 {
		f.Fixed = append(f.Fixed, f.allFixed[n-1])
	}
	f.Fixed = sortVersions(eco, name, f.Fixed)
	f.LastAffected = sortVersions(eco, name, f.LastAffected)
	if f.Status == StatusUnknown {
		// Without a version to compare, "fixed above" means nothing.
		f.Fixed, f.LastAffected = nil, nil
	}
}

// display rewrites the finding's versions in the ecosystem's spelling.
func (f *Finding) display(eco, name string) {
	for i, v := range f.Fixed {
		f.Fixed[i] = displayVersion(eco, name, v)
	}
	for i, v := range f.LastAffected {
		f.LastAffected[i] = displayVersion(eco, name, v)
	}
}

// entriesOf returns those of entries that belong to record r.
func entriesOf(r *osv.Record, entries []*osv.Affected) []*osv.Affected {
	var out []*osv.Affected
	for _, a := range entries {
		for k := range r.Affected {
			if &r.Affected[k] == a {
				out = append(out, a)
			}
		}
	}
	return out
}

func informational(a *osv.Affected) string {
	if len(a.DatabaseSpecific) == 0 {
		return ""
	}
	var v struct {
		Informational any `json:"informational"`
	}
	if json.Unmarshal(a.DatabaseSpecific, &v) != nil {
		return ""
	}
	s, _ := v.Informational.(string)
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// sortVersions sorts and de-duplicates event versions in the ecosystem's
// order; versions that cannot be ordered go last, by string.
func sortVersions(eco, name string, vs []string) []string {
	if len(vs) == 0 {
		return nil
	}
	slices.Sort(vs)
	vs = slices.Compact(vs)
	slices.SortStableFunc(vs, func(a, b string) int {
		c, err := compareVersions(eco, name, osv.RangeEcosystem, a, b)
		if err != nil {
			return 0
		}
		return c
	})
	return vs
}

// smallestFix finds the lowest of the findings' fixed versions that no
// affected finding affects; "" when some finding has no fix or no single
// version fixes them all.
func smallestFix(eco, name string, fs []Finding) string {
	var cands []string
	affected := false
	for _, f := range fs {
		if f.Status != StatusAffected {
			continue
		}
		affected = true
		if len(f.allFixed) == 0 {
			return ""
		}
		cands = append(cands, f.allFixed...)
	}
	if !affected {
		return ""
	}
	cands = sortVersions(eco, name, cands)
	// No version below a finding's nearest fix can fix it (the versions in
	// between are in the same vulnerable interval), so candidates start at
	// the highest of those.
	floor := ""
	for _, f := range fs {
		if f.Status == StatusAffected && len(f.Fixed) > 0 {
			if floor == "" {
				floor = f.Fixed[0]
			} else if c, err := compareVersions(eco, name, osv.RangeEcosystem, f.Fixed[0], floor); err == nil && c > 0 {
				floor = f.Fixed[0]
			}
		}
	}
	for _, c := range cands {
		if floor != "" {
			if cmp, err := compareVersions(eco, name, osv.RangeEcosystem, c, floor); err == nil && cmp < 0 {
				continue
			}
		}
		ok := true
		for _, f := range fs {
			if f.Status != StatusAffected {
				continue
			}
			for _, a := range f.entries {
				if Evaluate(eco, name, c, a).Verdict != NotAffected {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
		}
		if ok {
			return c
		}
	}
	return ""
}

// flagKEV marks findings with a CVE in the KEV catalogue.
func flagKEV(ctx context.Context, src Source, res *Result) error {
	var cves []string
	for _, p := range res.Packages {
		for _, f := range p.Findings {
			for _, id := range append([]string{f.ID}, f.Aliases...) {
				if strings.HasPrefix(id, "CVE-") {
					cves = append(cves, id)
				}
			}
		}
	}
	if len(cves) == 0 {
		return nil
	}
	slices.Sort(cves)
	cves = slices.Compact(cves)
	kev, err := src.KEV(ctx, cves)
	if err != nil {
		return fmt.Errorf("KEV lookup: %w", err)
	}
	for i := range res.Packages {
		for j := range res.Packages[i].Findings {
			f := &res.Packages[i].Findings[j]
			for _, id := range append([]string{f.ID}, f.Aliases...) {
				if e, ok := kev[id]; ok {
					f.KEV = &KEV{CVE: e.CVE, DateAdded: e.DateAdded, Ransomware: strings.EqualFold(e.KnownRansomwareCampaignUse, "Known")}
					break
				}
			}
		}
	}
	return nil
}

// introducedBy names, for each transitive vulnerable package, the direct
// dependencies that pull it in: those reached walking the relationships
// back through transitive packages (not through unknown or application
// components). One breadth-first walk per vulnerable package cost
// vulnerable × graph, quadratic on a deep hostile SBOM (5 s of a scan of
// 300,000 components); the walks share one pass instead: the ancestors of
// the vulnerable packages are collected once, grouped into strongly
// connected components (a cycle's members reach the same introducers),
// and each component's introducers are the union of its own direct
// parents' and its parent components', computed once, parents first.
func introducedBy(inv *inventory.Inventory, res *Result) {
	if len(inv.Relationships) == 0 {
		return
	}
	g := newDepGraph(inv)
	// through: a walk goes on through a package; introducer: it stops
	// there and names it.
	through := func(v int32) bool { return g.known[v] && !g.direct[v] }
	introducer := func(v int32) bool { return g.known[v] && g.direct[v] }

	var targets []int
	var targetNodes []int32
	for i := range res.Packages {
		pr := &res.Packages[i]
		// A purl no package or relationship names has no parents.
		if v, ok := g.id[pr.PURL]; ok && !pr.Direct && !g.direct[v] {
			targets = append(targets, i)
			targetNodes = append(targetNodes, v)
		}
	}
	if len(targets) == 0 {
		return
	}
	// The through-packages above the targets, numbered: index[v] is the
	// number of node v, -1 for a node that is none of them.
	index := make([]int32, len(g.purls))
	for v := range index {
		index[v] = -1
	}
	var nodes []int32
	add := func(v int32) {
		if index[v] < 0 {
			index[v] = int32(len(nodes))
			nodes = append(nodes, v)
		}
	}
	for _, v := range targetNodes {
		for _, par := range g.parents(v) {
			if through(par) {
				add(par)
			}
		}
	}
	for k := 0; k < len(nodes); k++ {
		for _, par := range g.parents(nodes[k]) {
			if through(par) {
				add(par)
			}
		}
	}
	// Tarjan's algorithm, iterative; edges go from a package to its
	// through-parents. A component is complete after every component it
	// reaches, so its parents' introducers are known when it is.
	n := len(nodes)
	low, order, comp := make([]int, n), make([]int, n), make([]int, n)
	for k := range order {
		order[k] = -1
	}
	var stack []int
	onStack := make([]bool, n)
	var compSets [][]string
	next := 0
	type frame struct{ v, edge int }
	for root := range n {
		if order[root] >= 0 {
			continue
		}
		call := []frame{{v: root}}
		order[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			ps := g.parents(nodes[f.v])
			if f.edge < len(ps) {
				par := ps[f.edge]
				f.edge++
				if index[par] < 0 || !through(par) {
					continue
				}
				w := int(index[par])
				if order[w] < 0 {
					order[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], order[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] != order[v] {
				continue
			}
			c := len(compSets)
			var members []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				comp[w] = c
				members = append(members, w)
				if w == v {
					break
				}
			}
			var sets [][]string
			var own []string
			for _, m := range members {
				for _, par := range g.parents(nodes[m]) {
					switch {
					case introducer(par):
						own = append(own, g.purls[par])
					case through(par):
						if pc := comp[index[par]]; pc != c {
							sets = append(sets, compSets[pc])
						}
					}
				}
			}
			compSets = append(compSets, union(own, sets))
		}
	}
	for k, i := range targets {
		pr := &res.Packages[i]
		v := targetNodes[k]
		var own []string
		var sets [][]string
		for _, par := range g.parents(v) {
			switch {
			case par == v:
			case introducer(par):
				own = append(own, g.purls[par])
			case through(par):
				sets = append(sets, compSets[comp[index[par]]])
			}
		}
		if direct := union(own, sets); len(direct) > 0 {
			pr.IntroducedBy = slices.Clone(direct)
		}
	}
}

// depGraph is the dependency graph with its nodes numbered, so that walks
// over it index slices: keyed by purl, its maps were most of introducedBy's
// 5.9 s on an SBOM of 300,000 components (issue 15, item 14).
type depGraph struct {
	id    map[string]int32 // purl → node: the packages', then other purls the relationships name
	purls []string         // node → purl
	// The parents of node v (the froms of the relationships to it, in
	// the relationships' order) are from[start[v]:start[v+1]].
	start, from []int32
	// known: a package of the inventory, not an application component;
	// direct: a direct dependency (see newDepGraph).
	known, direct []bool
}

func (g *depGraph) parents(v int32) []int32 { return g.from[g.start[v]:g.start[v+1]] }

// newDepGraph numbers inv's packages and relationships; directness is
// inventory.DirectDependencies'. Where a purl is listed twice, its last
// package says whether it is an application.
func newDepGraph(inv *inventory.Inventory) *depGraph {
	g := &depGraph{id: make(map[string]int32, len(inv.Packages))}
	node := func(purl string) int32 {
		if v, ok := g.id[purl]; ok {
			return v
		}
		v := int32(len(g.purls))
		g.id[purl] = v
		g.purls = append(g.purls, purl)
		return v
	}
	var pkgOf []int // node → package, for the nodes that are packages
	for i := range inv.Packages {
		if v := node(inv.Packages[i].PURL); int(v) == len(pkgOf) {
			pkgOf = append(pkgOf, i)
		} else {
			pkgOf[v] = i
		}
	}
	froms, tos := make([]int32, len(inv.Relationships)), make([]int32, len(inv.Relationships))
	for i := range inv.Relationships {
		froms[i], tos[i] = node(inv.Relationships[i].From), node(inv.Relationships[i].To)
	}
	n := len(g.purls)
	g.start = make([]int32, n+1)
	for _, t := range tos {
		g.start[t+1]++
	}
	for v := range n {
		g.start[v+1] += g.start[v]
	}
	g.from = make([]int32, len(froms))
	fill := slices.Clone(g.start[:n])
	for i, t := range tos {
		g.from[fill[t]] = froms[i]
		fill[t]++
	}
	g.known, g.direct = make([]bool, n), make([]bool, n)
	for v, i := range pkgOf {
		g.known[v] = inv.Packages[i].Type != "application"
	}
	isDirect := inv.DirectDependencies()
	for v, purl := range g.purls {
		g.direct[v] = isDirect(purl)
	}
	return g
}

// union returns the sorted, deduplicated union of own and the sorted sets,
// sharing a set rather than copying it when it alone is the union.
func union(own []string, sets [][]string) []string {
	var nonEmpty [][]string
	for _, s := range sets {
		if len(s) > 0 {
			nonEmpty = append(nonEmpty, s)
		}
	}
	if len(own) == 0 && len(nonEmpty) == 1 {
		return nonEmpty[0]
	}
	out := slices.Clone(own)
	for _, s := range nonEmpty {
		out = append(out, s...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// finish sorts the result and computes the summary.
func (res *Result) finish() {
	if res.Packages == nil {
		// A clean scan is "packages": [], not null, for consumers that
		// iterate over it (jq '.packages[]').
		res.Packages = []PackageResult{}
	}
	slices.SortFunc(res.Packages, func(a, b PackageResult) int {
		return cmp.Or(cmp.Compare(a.Ecosystem, b.Ecosystem), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.PURL, b.PURL))
	})
	slices.Sort(res.Summary.Unversioned)
	res.Summary.Unversioned = slices.Compact(res.Summary.Unversioned)
	slices.SortFunc(res.Suppressed, func(a, b Suppressed) int {
		return cmp.Or(cmp.Compare(a.PURL, b.PURL), cmp.Compare(a.ID, b.ID))
	})
	s := &res.Summary
	s.Vulnerable, s.Findings, s.Unknown, s.KEV = 0, 0, 0, 0
	s.BySeverity = map[string]int{}
	for _, p := range res.Packages {
		vuln := false
		for _, f := range p.Findings {
			if f.Status == StatusUnknown {
				s.Unknown++
				continue
			}
			vuln = true
			s.Findings++
			s.BySeverity[f.Severity.Rating]++
			if f.KEV != nil {
				s.KEV++
			}
		}
		if vuln {
			s.Vulnerable++
		}
	}
	s.Suppressed = len(res.Suppressed)
	if s.Suppressed > 0 {
		s.SuppressedBy = map[string]int{}
		for _, x := range res.Suppressed {
			key := x.Status
			if x.Justification != "" {
				key += ": " + x.Justification
			}
			s.SuppressedBy[key]++
		}
	}
}

// AtOrAbove counts affected findings rated at or above rating ("any"
// counts every affected finding, UNKNOWN severity included).
func (res *Result) AtOrAbove(rating string) int {
	n := 0
	min := RatingRank(rating)
	for _, p := range res.Packages {
		for _, f := range p.Findings {
			if f.Status != StatusAffected {
				continue
			}
			if strings.EqualFold(rating, "any") || RatingRank(f.Severity.Rating) >= min {
				n++
			}
		}
	}
	return n
}

// sameName compares an advisory's package name with a package's, ignoring
// case when fold is set.
func sameName(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}
