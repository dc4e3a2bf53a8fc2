// Package posture runs the OpenSSF Scorecard checks that can be decided from
// a local checkout's files and git history
// (https://github.com/ossf/scorecard/blob/main/docs/checks.md), each scored
// 0–10 as Scorecard scores it, or reported "not evaluated" with the reason —
// never a default 10 — and aggregates them with Scorecard's risk weights
// (Critical 10, High 7.5, Medium 5, Low 2.5) over the evaluated checks.
//
// Checks: Binary-Artifacts, Dangerous-Workflow, Token-Permissions,
// Pinned-Dependencies, Dependency-Update-Tool, Fuzzing, License,
// Security-Policy, SAST, Packaging, SBOM, Maintained, Signed-Releases and
// Vulnerabilities (only with a vulnerability source). Where Scorecard asks
// the forge (pull requests, releases, issues, the OSS-Fuzz project list, the
// GitHub licence API), the local reading is narrower, and each check's
// reason says so: SAST reads workflows only, Maintained counts commits but
// not issue activity, Signed-Releases looks at the signatures of the last
// five tags instead of release assets, SBOM cannot see release assets
// (at most 5 of 10), License recognises a fixed list of common licences.
// Every finding names the file (or ref) and line.
package posture

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/score/gitsignals"
)

// Check names, as Scorecard spells them.
const (
	BinaryArtifacts      = "Binary-Artifacts"
	DangerousWorkflow    = "Dangerous-Workflow"
	TokenPermissions     = "Token-Permissions"
	PinnedDependencies   = "Pinned-Dependencies"
	DependencyUpdateTool = "Dependency-Update-Tool"
	Fuzzing              = "Fuzzing"
	License              = "License"
	SecurityPolicy       = "Security-Policy"
	SAST                 = "SAST"
	Packaging            = "Packaging"
	SBOM                 = "SBOM"
	Maintained           = "Maintained"
	SignedReleases       = "Signed-Releases"
	Vulnerabilities      = "Vulnerabilities"
)

// Risk levels and their aggregate weights (Scorecard's GetAggregateScore).
var riskWeight = map[string]float64{"Critical": 10, "High": 7.5, "Medium": 5, "Low": 2.5}

// checkRisk is each check's risk in Scorecard's docs/checks.yaml.
var checkRisk = map[string]string{
	BinaryArtifacts:      "High",
	DangerousWorkflow:    "Critical",
	TokenPermissions:     "High",
	PinnedDependencies:   "Medium",
	DependencyUpdateTool: "High",
	Fuzzing:              "Medium",
	License:              "Low",
	SecurityPolicy:       "Medium",
	SAST:                 "Medium",
	Packaging:            "Medium",
	SBOM:                 "Medium",
	Maintained:           "High",
	SignedReleases:       "High",
	Vulnerabilities:      "High",
}

// Vuln is one open advisory affecting the checkout's dependencies.
type Vuln struct {
	ID      string `json:"id"`
	Package string `json:"package"`
	Version string `json:"version,omitempty"`
	// Path is the manifest or lockfile the package was found in.
	Path string `json:"path,omitempty"`
}

// VulnSource finds open vulnerabilities in a checkout. hallmark's scanner
// implements it when a vulnerability database is present; without one the
// Vulnerabilities check is not evaluated.
type VulnSource interface {
	// Name says where the vulnerabilities come from ("hallmark db at ...").
	Name() string
	OpenVulnerabilities(ctx context.Context, root string) ([]Vuln, error)
}

// Repo is what the checks look at.
type Repo struct {
	// Root is the checkout's directory (for VulnSource); FS reads its files.
	Root string
	FS   fs.FS
	// Files are the tracked regular files, slash-separated, sorted.
	Files []string
	// History is nil when there is none; Maintained and Signed-Releases are
	// then not evaluated.
	History *gitsignals.History
	// Vulns is nil when no vulnerability database is present.
	Vulns VulnSource
}

// Finding is one piece of evidence, at a file and line (line 0: the file
// as a whole) or a ref.
type Finding struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.Path, f.Line, f.Message)
	}
	return fmt.Sprintf("%s: %s", f.Path, f.Message)
}

// Result is one check's outcome.
type Result struct {
	Name string `json:"name"`
	Risk string `json:"risk"`
	// Score is 0..10, or nil when the check was not evaluated.
	Score  *int   `json:"score"`
	Reason string `json:"reason"`
	// Partial is set when some input could not be read (a corrupt workflow);
	// the score covers the rest.
	Partial  bool      `json:"partial,omitempty"`
	Findings []Finding `json:"findings,omitempty"`
}

// Evaluated reports whether the check produced a score.
func (r Result) Evaluated() bool { return r.Score != nil }

// Report is every check and the aggregate.
type Report struct {
	Checks []Result `json:"checks"`
	// Aggregate is Scorecard's risk-weighted mean over evaluated checks;
	// nil when none was evaluated.
	Aggregate *float64 `json:"aggregate"`
	// Partial lists inputs that could not be read.
	Partial []string `json:"partial,omitempty"`
}

// Run runs every check on the repository.
func Run(ctx context.Context, repo *Repo) (*Report, error) {
	r := &run{repo: repo, ctx: ctx}
	if err := r.loadWorkflows(); err != nil {
		return nil, err
	}
	checks := []func() Result{
		r.binaryArtifacts, r.dangerousWorkflow, r.tokenPermissions, r.pinnedDependencies,
		r.dependencyUpdateTool, r.fuzzing, r.license, r.securityPolicy, r.sast,
		r.packaging, r.sbom, r.maintained, r.signedReleases, r.vulnerabilities,
	}
	rep := &Report{}
	for _, c := range checks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := c()
		res.Risk = checkRisk[res.Name]
		if res.Partial && len(r.workflowErrs) > 0 {
			res.Reason += fmt.Sprintf(" (partial: %d workflow file(s) could not be parsed)", len(r.workflowErrs))
		}
		rep.Checks = append(rep.Checks, res)
	}
	for _, e := range r.workflowErrs {
		rep.Partial = append(rep.Partial, e.String())
	}
	for _, e := range r.readErrs {
		rep.Partial = append(rep.Partial, e)
	}
	slices.Sort(rep.Partial)
	rep.Partial = slices.Compact(rep.Partial)
	rep.Aggregate = Aggregate(rep.Checks)
	return rep, nil
}

// Aggregate is Scorecard's aggregate score: the mean of the evaluated
// checks' scores weighted by their risk.
func Aggregate(checks []Result) *float64 {
	var total, sum float64
	for _, c := range checks {
		if c.Score == nil {
			continue
		}
		w := riskWeight[checkRisk[c.Name]]
		total += w
		sum += w * float64(*c.Score)
	}
	if total == 0 {
		return nil
	}
	a := sum / total
	return &a
}

func score(n int) *int {
	n = max(0, min(n, 10))
	return &n
}

func notEvaluated(name, reason string) Result {
	return Result{Name: name, Reason: "not evaluated: " + reason}
}

// run holds what several checks share.
type run struct {
	ctx          context.Context
	repo         *Repo
	workflows    []*Workflow
	workflowErrs []Finding
	readErrs     []string
}

// maxReadSize bounds files read whole for content checks.
const maxReadSize = 4 << 20

// read returns a file's content when it is no larger than limit.
func (r *run) read(p string, limit int64) ([]byte, bool) {
	f, err := r.repo.FS.Open(p)
	if err != nil {
		r.readErrs = append(r.readErrs, fmt.Sprintf("%s: %v", p, err))
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, false
	}
	if st.Size() > limit {
		r.readErrs = append(r.readErrs, fmt.Sprintf("%s: %d bytes, larger than the %d-byte limit for content checks; not read", p, st.Size(), limit))
		return nil, false
	}
	buf := make([]byte, st.Size())
	n, err := readFull(f, buf)
	if err != nil {
		r.readErrs = append(r.readErrs, fmt.Sprintf("%s: %v", p, err))
		return nil, false
	}
	return buf[:n], true
}

// head returns up to n bytes from the start of a file.
func (r *run) head(p string, n int) ([]byte, bool) {
	f, err := r.repo.FS.Open(p)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	buf := make([]byte, n)
	k, err := readFull(f, buf)
	if err != nil {
		return nil, false
	}
	return buf[:k], true
}

func readFull(f fs.File, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := f.Read(buf[n:])
		n += k
		if err != nil {
			if err.Error() == "EOF" {
				return n, nil
			}
			return n, err
		}
		if k == 0 {
			break
		}
	}
	return n, nil
}

func (r *run) loadWorkflows() error {
	for _, p := range r.repo.Files {
		if !IsWorkflowPath(p) {
			continue
		}
		data, ok := r.read(p, MaxWorkflowSize)
		if !ok {
			r.workflowErrs = append(r.workflowErrs, Finding{Path: p, Message: fmt.Sprintf("not read (larger than %d bytes or unreadable)", MaxWorkflowSize)})
			continue
		}
		if !hasContent(data) {
			continue // only comments: Scorecard does not count it either
		}
		w, err := ParseWorkflow(p, data)
		if err != nil {
			r.workflowErrs = append(r.workflowErrs, Finding{Path: p, Message: strings.TrimPrefix(err.Error(), p+": ")})
			continue
		}
		r.workflows = append(r.workflows, w)
	}
	return nil
}

// hasContent reports whether data has a line that is not blank or a comment.
func hasContent(data []byte) bool {
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// filesMatching returns the tracked files for which match is true.
func (r *run) filesMatching(match func(string) bool) []string {
	var out []string
	for _, p := range r.repo.Files {
		if match(p) {
			out = append(out, p)
		}
	}
	return out
}
