package posture

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
)

// binaryExts are Scorecard's binary artifact types (checks/raw/binary_artifact.go).
var binaryExts = map[string]bool{
	"crx": true, "deb": true, "dex": true, "dey": true, "elf": true, "o": true, "so": true,
	"iso": true, "class": true, "jar": true, "bundle": true, "dylib": true, "lib": true,
	"msi": true, "dll": true, "drv": true, "efi": true, "exe": true, "ocx": true, "pyc": true,
	"pyo": true, "par": true, "rpm": true, "whl": true,
}

// magicType names a binary type from its first bytes, for the types of
// binaryExts that have a reliable signature.
func magicType(h []byte) string {
	switch {
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return "elf"
	case bytes.HasPrefix(h, []byte{0xca, 0xfe, 0xba, 0xbe}):
		return "class"
	case bytes.HasPrefix(h, []byte("dex\n")):
		return "dex"
	case bytes.HasPrefix(h, []byte("Cr24")):
		return "crx"
	case bytes.HasPrefix(h, []byte("!<arch>\ndebian-binary")):
		return "deb"
	case bytes.HasPrefix(h, []byte{0xed, 0xab, 0xee, 0xdb}):
		return "rpm"
	case bytes.HasPrefix(h, []byte("MZ")) && !isText(h):
		return "exe"
	}
	return ""
}

// isText is Scorecard's test: every rune printable, tab, CR or LF. A rune
// cut at the end of the sniffed prefix does not count against it.
func isText(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 && len(b) < utf8.UTFMax && !utf8.FullRune(b) {
			return true
		}
		b = b[n:]
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

const sniffSize = 8 << 10

func (r *run) binaryArtifacts() Result {
	res := Result{Name: BinaryArtifacts}
	for i, p := range r.repo.Files {
		// Every tracked file is opened: honour cancellation on the way.
		if i&1023 == 1023 && r.ctx.Err() != nil {
			break
		}
		h, ok := r.head(p, sniffSize)
		if !ok || len(h) == 0 {
			continue
		}
		if t := magicType(h); t != "" && binaryExts[t] {
			res.Findings = append(res.Findings, Finding{Path: p, Message: fmt.Sprintf("binary artifact (%s)", t)})
			continue
		}
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(p), "."))
		if binaryExts[ext] && !isText(h) {
			res.Findings = append(res.Findings, Finding{Path: p, Message: fmt.Sprintf("binary artifact (.%s, not text)", ext)})
		}
	}
	if len(res.Findings) == 0 {
		res.Score, res.Reason = score(10), "no binaries found in the repo"
		return res
	}
	res.Score = score(10 - len(res.Findings))
	res.Reason = fmt.Sprintf("%d binary artifact(s) in the source tree (10 minus one per file)", len(res.Findings))
	return res
}

// untrustedContext are the github.event fields an attacker controls
// (Scorecard's containsUntrustedContextPattern).
var untrustedContext = lazyregexp.New(`(issue\.title|issue\.body|pull_request\.title|pull_request\.body|comment\.body|review\.body|review_comment\.body|pages.*\.page_name|commits.*\.message|head_commit\.message|head_commit\.author\.email|head_commit\.author\.name|commits.*\.author\.email|commits.*\.author\.name|pull_request\.head\.ref|pull_request\.head\.label|pull_request\.head\.repo\.default_branch)`)

func isUntrusted(expr string) bool {
	if strings.Contains(expr, "github.head_ref") {
		return true
	}
	return strings.Contains(expr, "github.event.") && untrustedContext.MatchString(expr)
}

func (r *run) dangerousWorkflow() Result {
	res := Result{Name: DangerousWorkflow, Partial: len(r.workflowErrs) > 0}
	if len(r.workflows) == 0 {
		return r.noWorkflows(res)
	}
	for _, w := range r.workflows {
		privileged := slices.ContainsFunc(w.On, func(e Event) bool {
			return e.Name == "pull_request_target" || e.Name == "workflow_run"
		})
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if privileged && s.Uses != nil && strings.Contains(s.Uses.Value, "actions/checkout") {
					if ref, ok := s.With["ref"]; ok && (strings.Contains(ref.Value, "github.event.pull_request") || strings.Contains(ref.Value, "github.event.workflow_run")) {
						res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Line,
							Message: fmt.Sprintf("untrusted code checkout: job %q checks out %s in a %s workflow", j.ID, ref.Value, triggerNames(w.On))})
					}
				}
				if s.Run != nil {
					res.Findings = append(res.Findings, scriptInjections(w.Path, j.ID, s.Run)...)
				}
			}
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(0), fmt.Sprintf("%d dangerous workflow pattern(s) detected", len(res.Findings))
		return res
	}
	res.Score, res.Reason = score(10), fmt.Sprintf("no dangerous workflow patterns detected in %d workflow(s)", len(r.workflows))
	return res
}

func triggerNames(on []Event) string {
	var names []string
	for _, e := range on {
		if e.Name == "pull_request_target" || e.Name == "workflow_run" {
			names = append(names, e.Name)
		}
	}
	return strings.Join(names, "/")
}

func scriptInjections(p, job string, run *Scalar) []Finding {
	var out []Finding
	script := run.Value
	off := 0
	for {
		s := strings.Index(script[off:], "${{")
		if s < 0 {
			break
		}
		s += off
		e := strings.Index(script[s:], "}}")
		if e < 0 {
			break
		}
		expr := strings.TrimSpace(script[s+3 : s+e])
		if isUntrusted(expr) {
			out = append(out, Finding{Path: p, Line: run.LineOf(s),
				Message: fmt.Sprintf("script injection: job %q expands ${{ %s }} in run:", job, expr)})
		}
		off = s + e + 2
	}
	return out
}

func (r *run) noWorkflows(res Result) Result {
	res.Reason = "not evaluated: no GitHub workflows found"
	if len(r.workflowErrs) > 0 {
		res.Reason = fmt.Sprintf("not evaluated: none of %d workflow file(s) could be parsed", len(r.workflowErrs))
		res.Findings = append(res.Findings, r.workflowErrs...)
	}
	return res
}

func (r *run) tokenPermissions() Result {
	res := Result{Name: TokenPermissions, Partial: len(r.workflowErrs) > 0}
	if len(r.workflows) == 0 {
		return r.noWorkflows(res)
	}
	sc := 10.0
	zero := false
	for _, w := range r.workflows {
		top := w.Permissions
		topUndeclared := top == nil
		topWriteAll := top != nil && top.All == "write-all"
		var topWrites []Scope
		if top != nil {
			for _, s := range top.Scopes {
				if isRiskyWrite(s, nil) {
					topWrites = append(topWrites, s)
				}
			}
		}
		ignored := ignoredJobPermissions(w)
		var undeclaredJobs, writeJobs []*Job
		for _, j := range w.Jobs {
			switch {
			case j.Permissions == nil:
				undeclaredJobs = append(undeclaredJobs, j)
			case j.Permissions.All == "write-all" || slices.ContainsFunc(j.Permissions.Scopes, func(s Scope) bool { return isRiskyWrite(s, ignored) }):
				writeJobs = append(writeJobs, j)
			}
		}
		if topUndeclared {
			res.Findings = append(res.Findings, Finding{Path: w.Path, Line: 1, Message: "no top-level permissions declared"})
			if len(undeclaredJobs) > 0 {
				zero = true
				for _, j := range undeclaredJobs {
					res.Findings = append(res.Findings, Finding{Path: w.Path, Line: j.Line, Message: fmt.Sprintf("job %q declares no permissions either: the token gets the repository default", j.ID)})
				}
			} else {
				sc -= 0.5
			}
			for _, j := range writeJobs {
				res.Findings = append(res.Findings, Finding{Path: w.Path, Line: j.Permissions.Line, Message: fmt.Sprintf("job %q has write permissions and the workflow declares none at top level", j.ID)})
				sc -= 0.5
			}
		}
		if topWriteAll {
			res.Findings = append(res.Findings, Finding{Path: w.Path, Line: top.Line, Message: "top-level permissions: write-all"})
			if len(writeJobs) > 0 || len(undeclaredJobs) > 0 {
				zero = true
			} else {
				sc -= 0.5
			}
		}
		for _, s := range topWrites {
			res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Line, Message: fmt.Sprintf("top-level permission %s: write", s.Name)})
			sc -= reduceBy(s.Name)
		}
		if len(topWrites) > 0 && (len(writeJobs) > 0 || len(undeclaredJobs) > 0) {
			zero = true
		}
	}
	if zero {
		sc = 0
	}
	n := int(max(sc, 0))
	res.Score = score(n)
	if n == 10 {
		res.Reason = "GitHub workflow tokens follow the principle of least privilege"
		res.Findings = nil
	} else {
		res.Reason = "GitHub workflow tokens with excessive permissions detected"
	}
	return res
}

// permissionsOfInterest are the scopes whose write access Scorecard holds
// against a workflow (checks/raw/permissions.go). Writing to any other scope
// (pull-requests, issues, id-token, ...) is recorded there as "unknown" and
// costs nothing, at top level or in a job.
var permissionsOfInterest = []string{"statuses", "checks", "security-events", "deployments", "contents", "packages", "actions"}

// isRiskyWrite reports whether s grants write access to a scope of
// interest that is not in ignored. Scorecard compares both the level and
// the scope name case-insensitively.
func isRiskyWrite(s Scope, ignored map[string]bool) bool {
	if !strings.EqualFold(s.Level, "write") {
		return false
	}
	for _, p := range permissionsOfInterest {
		if strings.EqualFold(s.Name, p) && !ignored[p] {
			return true
		}
	}
	return false
}

// sarifActions upload code-scanning results, which needs security-events:
// write (Scorecard's isAllowedWorkflow, compared without the @ref).
var sarifActions = []string{"github/codeql-action/analyze", "github/codeql-action/upload-sarif", "ossf/scorecard-action"}

// ignoredJobPermissions are the job-level write scopes Scorecard does not
// count for this workflow because its purpose needs them
// (createIgnoredPermissions): packages in a packaging workflow, contents in
// a releasing or GitHub Pages workflow, security-events in a workflow that
// uploads SARIF. Top-level permissions never get these exemptions.
func ignoredJobPermissions(w *Workflow) map[string]bool {
	ignored := map[string]bool{}
	for _, j := range w.Jobs {
		var setupGo, goreleaser bool
		for _, s := range j.Steps {
			if isPackagingStep(s) {
				ignored["packages"] = true
			}
			if s.Run != nil && mvnReleasePrepare.MatchString(s.Run.Value) {
				ignored["contents"] = true
			}
			if s.Uses == nil {
				continue
			}
			action, _, _ := strings.Cut(strings.TrimSpace(s.Uses.Value), "@")
			switch {
			case slices.Contains(sarifActions, action):
				ignored["security-events"] = true
			case action == "relekang/python-semantic-release", action == "peaceiris/actions-gh-pages":
				ignored["contents"] = true
			case action == "actions/setup-go":
				setupGo = true
			case action == "goreleaser/goreleaser-action":
				goreleaser = true
			}
		}
		// Scorecard's Go release matcher wants both steps in one job.
		if setupGo && goreleaser {
			ignored["contents"] = true
		}
	}
	return ignored
}

var mvnReleasePrepare = lazyregexp.New(`mvn.*release:prepare`)

// reduceBy is Scorecard's deduction for a top-level write permission.
func reduceBy(token string) float64 {
	switch token {
	case "checks", "statuses":
		return 0.5
	case "contents", "packages", "actions":
		return 10
	case "deployments", "security-events":
		return 1
	}
	return 0
}

// updateToolFiles are the configuration files of the dependency update tools
// Scorecard recognises (dependabot, renovate, PyUp, Sonatype Lift).
var updateToolFiles = map[string]string{
	".github/dependabot.yml":  "Dependabot",
	".github/dependabot.yaml": "Dependabot",
	"renovate.json":           "Renovate",
	"renovate.json5":          "Renovate",
	".renovaterc":             "Renovate",
	".renovaterc.json":        "Renovate",
	".renovaterc.json5":       "Renovate",
	".github/renovate.json":   "Renovate",
	".github/renovate.json5":  "Renovate",
	".gitlab/renovate.json":   "Renovate",
	".gitlab/renovate.json5":  "Renovate",
	".pyup.yml":               "PyUp",
	".lift.toml":              "Sonatype Lift",
	".lift/config.toml":       "Sonatype Lift",
}

func (r *run) dependencyUpdateTool() Result {
	res := Result{Name: DependencyUpdateTool}
	for _, p := range r.repo.Files {
		if tool, ok := updateToolFiles[p]; ok {
			res.Findings = append(res.Findings, Finding{Path: p, Message: tool + " configuration"})
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(10), "update tool detected"
		return res
	}
	res.Score, res.Reason = score(0), "no update tool detected (dependabot, renovate, PyUp or Sonatype Lift configuration)"
	return res
}

var (
	goFuzzFunc     = lazyregexp.New(`(?m)^func (Fuzz[A-Z0-9_][A-Za-z0-9_]*|Fuzz)\(\s*\w+\s+\*testing\.F\s*\)`)
	fuzzMarkerByEx = map[string][]struct{ marker, what string }{
		".c":    {{"LLVMFuzzerTestOneInput", "libFuzzer"}},
		".cc":   {{"LLVMFuzzerTestOneInput", "libFuzzer"}},
		".cpp":  {{"LLVMFuzzerTestOneInput", "libFuzzer"}},
		".cxx":  {{"LLVMFuzzerTestOneInput", "libFuzzer"}},
		".py":   {{"import atheris", "atheris"}},
		".rs":   {{"fuzz_target!", "cargo-fuzz"}},
		".java": {{"com.code_intelligence.jazzer", "Jazzer"}, {"@FuzzTest", "Jazzer"}},
		".kt":   {{"com.code_intelligence.jazzer", "Jazzer"}, {"@FuzzTest", "Jazzer"}},
		".js":   {{"@jazzer.js", "Jazzer.js"}},
		".ts":   {{"@jazzer.js", "Jazzer.js"}},
	}
)

func (r *run) fuzzing() Result {
	res := Result{Name: Fuzzing}
	seen := map[string]bool{}
	add := func(what string, f Finding) {
		if !seen[what] {
			seen[what] = true
			res.Findings = append(res.Findings, f)
		}
	}
	for _, p := range r.repo.Files {
		base := path.Base(p)
		switch {
		case strings.HasPrefix(p, ".clusterfuzzlite/"):
			add("ClusterFuzzLite", Finding{Path: p, Message: "ClusterFuzzLite configuration"})
			continue
		case base == ".onefuzz" || strings.HasPrefix(p, ".onefuzz/"):
			add("OneFuzz", Finding{Path: p, Message: "OneFuzz integration file"})
			continue
		case strings.HasSuffix(p, "_test.go"):
			if seen["Go"] {
				continue
			}
			data, ok := r.read(p, maxReadSize)
			if !ok {
				continue
			}
			if loc := goFuzzFunc.FindIndex(data); loc != nil {
				add("Go", Finding{Path: p, Line: 1 + bytes.Count(data[:loc[0]], []byte{'\n'}),
					Message: "Go native fuzz target " + strings.TrimSpace(string(data[loc[0]:loc[1]]))})
			}
			continue
		}
		markers := fuzzMarkerByEx[strings.ToLower(path.Ext(p))]
		if len(markers) == 0 || seen[markers[0].what] {
			continue
		}
		data, ok := r.read(p, maxReadSize)
		if !ok {
			continue
		}
		for _, m := range markers {
			if i := bytes.Index(data, []byte(m.marker)); i >= 0 {
				add(m.what, Finding{Path: p, Line: 1 + bytes.Count(data[:i], []byte{'\n'}), Message: m.what + " fuzz target (" + m.marker + ")"})
				break
			}
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(10), "project is fuzzed"
		return res
	}
	res.Score, res.Reason = score(0), "no fuzzer integration found (the OSS-Fuzz project list is not consulted offline)"
	return res
}

var (
	licenseName = lazyregexp.New(`(?i)^(?:([a-z0-9.+-]+)[-_.])?(licen[cs]e|copying|copyright)(?:[-_.]([a-z0-9.+-]+?))?(?:\.(md|markdown|txt|html|rst|adoc|asc|doc|docx|xml|ext|text))?$`)
	spdxLine    = lazyregexp.New(`SPDX-License-Identifier:\s*([A-Za-z0-9.+-]+)`)
)

// knownLicenses maps SPDX identifiers hallmark recognises by name, and the
// phrases that identify their texts. FSF/OSI recognition in Scorecard comes
// from GitHub's licence API; this is a fixed list of common licences.
var knownLicenses = []struct {
	id      string
	phrases []string
}{
	{"Apache-2.0", []string{"Apache License", "Version 2.0"}},
	{"MIT", []string{"Permission is hereby granted, free of charge"}},
	{"AGPL-3.0", []string{"GNU AFFERO GENERAL PUBLIC LICENSE"}},
	{"LGPL-3.0", []string{"GNU LESSER GENERAL PUBLIC LICENSE", "Version 3"}},
	{"LGPL-2.1", []string{"GNU LESSER GENERAL PUBLIC LICENSE", "Version 2.1"}},
	{"GPL-3.0", []string{"GNU GENERAL PUBLIC LICENSE", "Version 3"}},
	{"GPL-2.0", []string{"GNU GENERAL PUBLIC LICENSE", "Version 2"}},
	{"MPL-2.0", []string{"Mozilla Public License", "2.0"}},
	{"BSD-3-Clause", []string{"Redistribution and use in source and binary forms", "Neither the name"}},
	{"BSD-2-Clause", []string{"Redistribution and use in source and binary forms"}},
	{"ISC", []string{"Permission to use, copy, modify, and/or distribute this software for any"}},
	{"Unlicense", []string{"This is free and unencumbered software released into the public domain"}},
	{"EPL-2.0", []string{"Eclipse Public License - v 2.0"}},
	{"BSL-1.0", []string{"Boost Software License - Version 1.0"}},
	{"CC0-1.0", []string{"CC0 1.0 Universal"}},
	{"Zlib", []string{"This software is provided 'as-is', without any express or implied"}},
}

func knownID(s string) string {
	for _, l := range knownLicenses {
		if strings.EqualFold(l.id, s) || strings.EqualFold(strings.TrimSuffix(l.id, ".0"), s) {
			return l.id
		}
	}
	return ""
}

func (r *run) license() Result {
	res := Result{Name: License}
	type cand struct {
		path string
		top  bool
		id   string
	}
	var found []cand
	for _, p := range r.repo.Files {
		dir, base := path.Split(p)
		switch {
		case dir == "":
			m := licenseName.FindStringSubmatch(base)
			if m == nil {
				continue
			}
			id := knownID(m[1])
			if id == "" {
				id = knownID(m[3])
			}
			found = append(found, cand{p, true, id})
		case strings.EqualFold(dir, "LICENSES/"):
			found = append(found, cand{p, false, knownID(strings.TrimSuffix(base, path.Ext(base)))})
		}
	}
	if len(found) == 0 {
		res.Score, res.Reason = score(0), "license file not detected (LICENSE, LICENCE, COPYING or COPYRIGHT at the top level, or LICENSES/)"
		return res
	}
	slices.SortStableFunc(found, func(a, b cand) int {
		if a.top != b.top {
			if a.top {
				return -1
			}
			return 1
		}
		return 0
	})
	best := found[0]
	if best.id == "" {
		if data, ok := r.read(best.path, maxReadSize); ok {
			best.id = identify(data)
		}
	}
	n := 6
	res.Findings = append(res.Findings, Finding{Path: best.path, Message: "license file"})
	if best.top {
		n += 3
	}
	if best.id != "" {
		n++
		res.Findings[0].Message = "license file (" + best.id + ")"
	}
	res.Score = score(n)
	switch {
	case best.top && best.id != "":
		res.Reason = "license file detected at the top level, " + best.id
	case best.top:
		res.Reason = "license file detected at the top level; its licence is not one hallmark recognises"
	default:
		res.Reason = "license file detected, not at the top level"
	}
	return res
}

func identify(data []byte) string {
	if m := spdxLine.FindSubmatch(data); m != nil {
		if id := knownID(string(m[1])); id != "" {
			return id
		}
	}
	text := strings.Join(strings.Fields(string(data)), " ")
	for _, l := range knownLicenses {
		all := true
		for _, ph := range l.phrases {
			if !strings.Contains(text, ph) {
				all = false
				break
			}
		}
		if all {
			return l.id
		}
	}
	return ""
}

var securityPolicyPaths = []string{
	"security.md", ".github/security.md", "docs/security.md",
	"security.adoc", ".github/security.adoc", "docs/security.adoc",
	"security.rst", "doc/security.rst", "docs/security.rst", "security.markdown",
}

var (
	emailRe    = lazyregexp.New(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	urlRe      = lazyregexp.New(`https?://[^\s<>()\[\]"']+`)
	disclosure = lazyregexp.New(`(?i)(\b[0-9]{1,4}\b|disclos|vuln)`)
)

func (r *run) securityPolicy() Result {
	res := Result{Name: SecurityPolicy}
	var p string
	for _, f := range r.repo.Files {
		if slices.Contains(securityPolicyPaths, strings.ToLower(f)) {
			p = f
			break
		}
	}
	if p == "" {
		res.Score, res.Reason = score(0), "security policy file not detected"
		return res
	}
	data, ok := r.read(p, maxReadSize)
	if !ok {
		res.Reason = "not evaluated: " + p + " could not be read"
		return res
	}
	linked := 0
	uniq := map[string]bool{}
	for _, m := range emailRe.FindAll(data, -1) {
		if !uniq[string(m)] {
			uniq[string(m)] = true
			linked += len(m)
		}
	}
	emails := len(uniq)
	for _, m := range urlRe.FindAll(data, -1) {
		if !uniq[string(m)] {
			uniq[string(m)] = true
			linked += len(m)
		}
	}
	urls := len(uniq) - emails
	n := 0
	var parts []string
	if emails+urls > 0 {
		n += 6
		parts = append(parts, fmt.Sprintf("%d e-mail address(es) and %d URL(s) to report to", emails, urls))
	} else {
		parts = append(parts, "no e-mail or URL to report to")
	}
	if len(data) > 1 && len(data) > linked+(urls+emails)*2 {
		n += 3
		parts = append(parts, "free text")
	}
	if hits := len(disclosure.FindAll(data, -1)); hits > 1 {
		n++
		parts = append(parts, "disclosure/vulnerability/timeline wording")
	}
	res.Findings = []Finding{{Path: p, Line: 1, Message: "security policy: " + strings.Join(parts, ", ")}}
	res.Score, res.Reason = score(n), "security policy file detected"
	return res
}

// sastActions are workflow actions (prefix before "@") of SAST tools.
var sastActions = []struct{ prefix, tool string }{
	{"github/codeql-action/analyze", "CodeQL"},
	{"github/codeql-action/init", "CodeQL"},
	{"returntocorp/semgrep-action", "Semgrep"},
	{"semgrep/semgrep-action", "Semgrep"},
	{"securego/gosec", "gosec"},
	{"sonarsource/sonarcloud-github-action", "SonarCloud"},
	{"sonarsource/sonarqube-scan-action", "SonarQube"},
	{"snyk/actions", "Snyk"},
	{"facebook/pysa-action", "Pysa"},
	{"jetbrains/qodana-action", "Qodana"},
	{"pycqa/bandit-action", "Bandit"},
	{"mdegis/bandit-action", "Bandit"},
	{"hadolint/hadolint-action", "hadolint"},
}

var sastCommands = lazyregexp.New(`(?m)(^|[\s;&|(])(semgrep (ci|scan|--config)|gosec |bandit |codeql database |brakeman)`)

func (r *run) sast() Result {
	res := Result{Name: SAST, Partial: len(r.workflowErrs) > 0}
	for _, w := range r.workflows {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if s.Uses != nil {
					u := strings.ToLower(s.Uses.Value)
					for _, a := range sastActions {
						if strings.HasPrefix(u, a.prefix) {
							res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Uses.Line, Message: a.tool + " (" + s.Uses.Value + ")"})
							break
						}
					}
				}
				if s.Run != nil {
					if loc := sastCommands.FindStringSubmatchIndex(s.Run.Value); loc != nil {
						res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Run.LineOf(loc[4]), Message: "SAST command: " + strings.TrimSpace(s.Run.Value[loc[4]:loc[5]])})
					}
				}
			}
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(10), "SAST tool detected in workflows (pull-request check runs are not read offline)"
		return res
	}
	res.Score, res.Reason = score(0), "no SAST tool detected in workflows (pull-request check runs are not read offline)"
	return res
}

// packagingActions and packagingCommands publish packages.
var packagingActions = []struct{ prefix, what string }{
	{"pypa/gh-action-pypi-publish", "PyPI"},
	{"casperdcl/deploy-pypi", "PyPI"},
	{"docker/build-push-action", "container image"},
	{"goreleaser/goreleaser-action", "GoReleaser"},
	{"cycjimmy/semantic-release-action", "semantic-release"},
	{"js-devtools/npm-publish", "npm"},
	{"jreleaser/release-action", "JReleaser"},
	{"rubygems/release-gem", "RubyGems"},
	{"ko-build/setup-ko", "ko"},
}

var packagingCommands = lazyregexp.New(`(?m)(^|[\s;&|(])(npm publish|yarn publish|pnpm publish|npx semantic-release|mvn [^\n]*\bdeploy\b|gradlew? [^\n]*\bpublish|twine upload|poetry publish|flit publish|hatch publish|uv publish|cargo publish|gem push|dotnet nuget push|nuget push|docker push|podman push|ko (publish|build)|mix hex\.publish|goreleaser release)`)

// isPackagingStep reports whether s publishes a package, by the same lists
// the Packaging check uses.
func isPackagingStep(s *Step) bool {
	if s.Uses != nil {
		u := strings.ToLower(s.Uses.Value)
		for _, a := range packagingActions {
			if strings.HasPrefix(u, a.prefix) {
				return true
			}
		}
	}
	return s.Run != nil && packagingCommands.MatchString(s.Run.Value)
}

func (r *run) packaging() Result {
	res := Result{Name: Packaging, Partial: len(r.workflowErrs) > 0}
	for _, w := range r.workflows {
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if s.Uses != nil {
					u := strings.ToLower(s.Uses.Value)
					for _, a := range packagingActions {
						if strings.HasPrefix(u, a.prefix) {
							res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Uses.Line, Message: "publishes " + a.what + " (" + s.Uses.Value + ")"})
							break
						}
					}
				}
				if s.Run != nil {
					if loc := packagingCommands.FindStringSubmatchIndex(s.Run.Value); loc != nil {
						res.Findings = append(res.Findings, Finding{Path: w.Path, Line: s.Run.LineOf(loc[4]), Message: "publishing command: " + strings.TrimSpace(s.Run.Value[loc[4]:loc[5]])})
					}
				}
			}
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(10), "packaging workflow detected"
		return res
	}
	// Scorecard reports this as inconclusive, not 0: the project may publish
	// packages some other way.
	res.Reason = "not evaluated: no packaging workflow detected"
	return res
}

var (
	sbomFile = lazyregexp.New(`(?i).+\.(cdx\.json|cdx\.xml|spdx|spdx\.json|spdx\.xml|spdx\.ya?ml|spdx\.rdf|spdx\.rdf\.xml)$`)
	rootFile = lazyregexp.New(`^[^.][^/]*$`)
)

func (r *run) sbom() Result {
	res := Result{Name: SBOM}
	for _, p := range r.repo.Files {
		if sbomFile.MatchString(p) && rootFile.MatchString(p) {
			res.Findings = append(res.Findings, Finding{Path: p, Message: "SBOM file"})
		}
	}
	if len(res.Findings) > 0 {
		res.Score, res.Reason = score(5), "SBOM file found in project (release assets, the other 5 points, are not visible offline)"
		return res
	}
	res.Score, res.Reason = score(0), "SBOM file not detected"
	return res
}

// maintainedWindow is Scorecard's activity threshold: one commit per week
// over 90 days, 90/7 = 12 with integer division.
const maintainedWindow = 90 / 7

func (r *run) maintained() Result {
	res := Result{Name: Maintained}
	h := r.repo.History
	if h == nil {
		return notEvaluated(Maintained, "no git history")
	}
	if h.Commits == 0 {
		return notEvaluated(Maintained, "no commits on or before the as-of date")
	}
	if h.AsOf.Sub(h.First) < 90*24*time.Hour {
		res.Score = score(0)
		res.Reason = fmt.Sprintf("project was created in the last 90 days (first commit %s); please review its contents carefully", h.First.Format(time.DateOnly))
		return res
	}
	n := h.CommitsLast90Days
	res.Score = score(min(10*n/maintainedWindow, 10))
	res.Reason = fmt.Sprintf("%d commit(s) in the last 90 days (issue activity is not read offline)", n)
	if h.Shallow {
		res.Reason += "; shallow clone"
	}
	return res
}

func (r *run) signedReleases() Result {
	res := Result{Name: SignedReleases}
	h := r.repo.History
	if h == nil {
		return notEvaluated(SignedReleases, "no git history")
	}
	if len(h.Tags) == 0 {
		return notEvaluated(SignedReleases, "no releases (tags) found")
	}
	tags := h.Tags[:min(5, len(h.Tags))]
	signed := 0
	for _, t := range tags {
		if t.Signature != "" {
			signed++
			res.Findings = append(res.Findings, Finding{Path: "refs/tags/" + t.Name, Message: fmt.Sprintf("signed (%s), %s; signature not verified", t.Signature, t.Date.Format(time.DateOnly))})
		} else {
			kind := "lightweight tag"
			if t.Annotated {
				kind = "annotated tag without signature"
			}
			res.Findings = append(res.Findings, Finding{Path: "refs/tags/" + t.Name, Message: fmt.Sprintf("not signed (%s), %s", kind, t.Date.Format(time.DateOnly))})
		}
	}
	switch {
	case signed == len(tags):
		res.Score = score(8)
		res.Reason = fmt.Sprintf("all %d recent release tag(s) are signed (provenance, worth 10, is only visible in release assets)", len(tags))
	case signed > 0:
		res.Score = score(9 * signed / len(tags))
		res.Reason = fmt.Sprintf("%d out of %d recent release tags are signed", signed, len(tags))
	default:
		res.Score = score(0)
		res.Reason = fmt.Sprintf("none of the %d most recent tags is signed", len(tags))
	}
	return res
}

func (r *run) vulnerabilities() Result {
	if r.repo.Vulns == nil {
		return notEvaluated(Vulnerabilities, "no vulnerability database (run `hallmark db update`)")
	}
	vulns, err := r.repo.Vulns.OpenVulnerabilities(r.ctx, r.repo.Root)
	if err != nil {
		return notEvaluated(Vulnerabilities, fmt.Sprintf("scan failed: %v", err))
	}
	res := Result{Name: Vulnerabilities}
	for _, v := range vulns {
		p := v.Path
		if p == "" {
			p = "."
		}
		msg := v.ID + " in " + v.Package
		if v.Version != "" {
			msg += "@" + v.Version
		}
		res.Findings = append(res.Findings, Finding{Path: p, Message: msg})
	}
	res.Score = score(10 - len(vulns))
	res.Reason = fmt.Sprintf("%d open vulnerabilit(ies) from %s (10 minus one per vulnerability)", len(vulns), r.repo.Vulns.Name())
	if len(vulns) == 0 {
		res.Reason = "no open vulnerabilities in " + r.repo.Vulns.Name()
	}
	return res
}
