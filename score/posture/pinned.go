package posture

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
)

// Dependency kinds, Scorecard's DependencyUseType names.
const (
	depAction    = "GitHubAction"
	depContainer = "containerImage"
	depDownload  = "downloadThenRun"
	depGo        = "goCommand"
	depNpm       = "npmCommand"
	depPip       = "pipCommand"
)

// Scorecard's weights: every ecosystem weighs 10; within GitHub Actions,
// third-party actions weigh 8 and GitHub-owned ones 2 when both occur.
const (
	gitHubOwnedWeight = 2
	thirdPartyWeight  = 8
	normalWeight      = gitHubOwnedWeight + thirdPartyWeight
)

type dep struct {
	kind        string
	pinned      bool
	githubOwned bool
	at          Finding
}

var (
	fullSHA   = lazyregexp.New(`^[0-9a-f]{40}$`)
	goSemver  = lazyregexp.New(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	hexDigest = lazyregexp.New(`@sha256:[0-9a-f]{64}`)
)

func (r *run) pinnedDependencies() Result {
	res := Result{Name: PinnedDependencies, Partial: len(r.workflowErrs) > 0}
	var deps []dep
	for _, w := range r.workflows {
		for _, j := range w.Jobs {
			if j.Uses != nil {
				deps = append(deps, actionDep(w.Path, j.Uses)...)
			}
			for _, s := range j.Steps {
				if s.Uses != nil {
					deps = append(deps, actionDep(w.Path, s.Uses)...)
				}
				if s.Run != nil {
					deps = append(deps, shellDeps(w.Path, s.Run.Value, func(i int) int { return s.Run.LineOf(i) })...)
				}
			}
		}
	}
	for _, p := range r.repo.Files {
		switch {
		case isDockerfile(p):
			if data, ok := r.read(p, maxReadSize); ok {
				deps = append(deps, dockerfileDeps(p, string(data))...)
			}
		case isShellScript(p):
			if data, ok := r.read(p, maxReadSize); ok {
				text := string(data)
				deps = append(deps, shellDeps(p, text, lineIndex(text))...)
			}
		}
	}

	type tally struct{ pinned, total int }
	var owned, third tally
	byKind := map[string]*tally{}
	for _, d := range deps {
		t := byKind[d.kind]
		if d.kind == depAction {
			t = &third
			if d.githubOwned {
				t = &owned
			}
		} else if t == nil {
			t = &tally{}
			byKind[d.kind] = t
		}
		t.total++
		if d.pinned {
			t.pinned++
		} else {
			res.Findings = append(res.Findings, d.at)
		}
	}
	type group struct{ success, total, weight int }
	var groups []group
	switch {
	case owned.total > 0 && third.total > 0:
		groups = append(groups, group{owned.pinned, owned.total, gitHubOwnedWeight}, group{third.pinned, third.total, thirdPartyWeight})
	case owned.total > 0:
		groups = append(groups, group{owned.pinned, owned.total, normalWeight})
	case third.total > 0:
		groups = append(groups, group{third.pinned, third.total, normalWeight})
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var summary []string
	if owned.total+third.total > 0 {
		summary = append(summary, fmt.Sprintf("GitHub-owned actions %d/%d, third-party actions %d/%d", owned.pinned, owned.total, third.pinned, third.total))
	}
	for _, k := range kinds {
		t := byKind[k]
		groups = append(groups, group{t.pinned, t.total, normalWeight})
		summary = append(summary, fmt.Sprintf("%s %d/%d", k, t.pinned, t.total))
	}
	if len(groups) == 0 {
		res.Reason = "not evaluated: no dependencies found in workflows, Dockerfiles or shell scripts"
		return res
	}
	// Scorecard's CreateProportionalScoreWeighted.
	var ws, wt int
	for _, g := range groups {
		ws += g.success * g.weight
		wt += g.total * g.weight
	}
	res.Score = score(min(10*ws/wt, 10))
	if *res.Score == 10 {
		res.Reason = "all dependencies are pinned (" + strings.Join(summary, ", ") + " pinned)"
	} else {
		res.Reason = "dependency not pinned by hash detected (" + strings.Join(summary, ", ") + " pinned)"
	}
	return res
}

func actionDep(p string, uses *Scalar) []dep {
	u := strings.TrimSpace(uses.Value)
	switch {
	case u == "" || strings.HasPrefix(u, "./") || strings.Contains(u, "${{"):
		return nil // local action, or not resolvable statically
	case strings.HasPrefix(u, "docker://"):
		pinned := hexDigest.MatchString(u)
		return []dep{{kind: depContainer, pinned: pinned, at: Finding{Path: p, Line: uses.Line, Message: "container image not pinned by digest: " + u}}}
	}
	name, ref, _ := strings.Cut(u, "@")
	owned := strings.HasPrefix(strings.ToLower(name), "actions/") || strings.HasPrefix(strings.ToLower(name), "github/")
	who := "third-party"
	if owned {
		who = "GitHub-owned"
	}
	return []dep{{kind: depAction, pinned: fullSHA.MatchString(ref), githubOwned: owned,
		at: Finding{Path: p, Line: uses.Line, Message: who + " action not pinned by hash: " + u}}}
}

func isDockerfile(p string) bool {
	b := strings.ToLower(path.Base(p))
	return b == "dockerfile" || b == "containerfile" || strings.HasPrefix(b, "dockerfile.") || strings.HasSuffix(b, ".dockerfile")
}

func isShellScript(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".sh" || ext == ".bash"
}

func lineIndex(text string) func(int) int {
	return func(i int) int { return 1 + strings.Count(text[:max(0, min(i, len(text)))], "\n") }
}

var fromLine = lazyregexp.New(`(?i)^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?`)

// dockerfileDeps reads FROM images and RUN commands.
func dockerfileDeps(p, text string) []dep {
	var deps []dep
	stages := map[string]bool{}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := fromLine.FindStringSubmatch(line); m != nil {
			img := m[1]
			if m[2] != "" {
				stages[strings.ToLower(m[2])] = true
			}
			switch {
			case strings.EqualFold(img, "scratch"), stages[strings.ToLower(img)] && !strings.EqualFold(m[2], img):
				continue
			case strings.Contains(img, "$"):
				continue // an ARG: not resolvable without building
			}
			deps = append(deps, dep{kind: depContainer, pinned: hexDigest.MatchString(img),
				at: Finding{Path: p, Line: i + 1, Message: "container image not pinned by digest: " + img}})
			continue
		}
		t := strings.TrimSpace(line)
		if len(t) >= 4 && strings.EqualFold(t[:4], "RUN ") {
			start := i
			cmd := t[4:]
			for strings.HasSuffix(strings.TrimSpace(lines[i]), "\\") && i+1 < len(lines) {
				i++
				cmd = strings.TrimSuffix(strings.TrimSpace(cmd), "\\") + "\n" + lines[i]
			}
			deps = append(deps, shellDeps(p, cmd, func(off int) int { return start + 1 + strings.Count(cmd[:max(0, min(off, len(cmd)))], "\n") })...)
		}
	}
	return deps
}

var (
	pipInstall = lazyregexp.New(`(?:^|\s)(?:python[0-9.]*\s+-m\s+)?pip[0-9.]*\s+install\b([^\n;&|]*)`)
	npmInstall = lazyregexp.New(`(?:^|\s)npm\s+(install|i)\b([^\n;&|]*)`)
	goInstall  = lazyregexp.New(`(?:^|\s)go\s+(install|get)\b([^\n;&|]*)`)
	pipeToSh   = lazyregexp.New(`(curl|wget)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|k|da)?sh\b`)
	procSubst  = lazyregexp.New(`(ba|z)?sh\s+<\(\s*(curl|wget)\b`)
	download   = lazyregexp.New(`(?:curl\b[^\n;&|]*\s(?:-[A-Za-z]*o|--output)\s+(\S+)|wget\b[^\n;&|]*\s-O\s*(\S+))`)
	hashCheck  = lazyregexp.New(`(sha(1|224|256|384|512)sum|shasum|gpg\s+--verify|cosign\s+verify)`)
)

// shellDeps finds package installs and downloads in a shell script. at maps
// a byte offset in text to its line.
func shellDeps(p, text string, lineAt func(int) int) []dep {
	var deps []dep
	// Matches may start with the whitespace before the command.
	at := func(i int) int {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
			i++
		}
		return lineAt(i)
	}
	for _, m := range pipInstall.FindAllStringSubmatchIndex(text, -1) {
		args := text[m[2]:m[3]]
		if pipLocal(args) {
			continue
		}
		pinned := strings.Contains(args, "--require-hashes")
		deps = append(deps, dep{kind: depPip, pinned: pinned,
			at: Finding{Path: p, Line: at(m[0]), Message: "pip install without --require-hashes: " + strings.TrimSpace(text[m[0]:m[1]])}})
	}
	for _, m := range npmInstall.FindAllStringSubmatchIndex(text, -1) {
		deps = append(deps, dep{kind: depNpm, pinned: false,
			at: Finding{Path: p, Line: at(m[0]), Message: "npm install (use npm ci with a lockfile): " + strings.TrimSpace(text[m[0]:m[1]])}})
	}
	for _, m := range goInstall.FindAllStringSubmatchIndex(text, -1) {
		for _, arg := range strings.Fields(text[m[4]:m[5]]) {
			if strings.HasPrefix(arg, "-") || arg == "." || strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../") || strings.ContainsAny(arg, "$`") {
				continue // flags, local packages, shell variables
			}
			_, ver, _ := strings.Cut(arg, "@")
			pinned := goSemver.MatchString(ver) || fullSHA.MatchString(ver)
			deps = append(deps, dep{kind: depGo, pinned: pinned,
				at: Finding{Path: p, Line: at(m[0]), Message: "go " + text[m[2]:m[3]] + " without a full version: " + arg}})
		}
	}
	for _, re := range []*lazyregexp.Regexp{pipeToSh, procSubst} {
		for _, m := range re.FindAllStringIndex(text, -1) {
			deps = append(deps, dep{kind: depDownload, pinned: false,
				at: Finding{Path: p, Line: at(m[0]), Message: "downloaded script run without hash verification: " + strings.TrimSpace(text[m[0]:m[1]])}})
		}
	}
	// A file downloaded, then executed: pinned when a hash check of it sits
	// in between (download-then-verify).
	for _, m := range download.FindAllStringSubmatchIndex(text, -1) {
		file := ""
		if m[2] >= 0 {
			file = text[m[2]:m[3]]
		} else if m[4] >= 0 {
			file = text[m[4]:m[5]]
		}
		file = strings.Trim(file, `"'`)
		if file == "" || file == "-" {
			continue
		}
		rest := text[m[1]:]
		runRe := regexp.MustCompile(`(?:^|[\s;&|])(?:(?:ba|z)?sh|python[0-9.]*|perl|ruby|node)\s+` + regexp.QuoteMeta(file) + `\b|(?:^|[\s;&|])` + regexp.QuoteMeta("./"+strings.TrimPrefix(file, "./")) + `\b`)
		run := runRe.FindStringIndex(rest)
		if run == nil {
			continue
		}
		verified := hashCheck.MatchString(rest[:run[0]])
		deps = append(deps, dep{kind: depDownload, pinned: verified,
			at: Finding{Path: p, Line: at(m[1] + run[0]), Message: "downloaded file " + file + " executed without hash verification"}})
	}
	return deps
}

// pipLocal reports whether a pip install installs only local paths.
func pipLocal(args string) bool {
	local := false
	for _, a := range strings.Fields(args) {
		switch {
		case strings.HasPrefix(a, "-") && a != "-e":
			if a == "-r" || a == "--requirement" || a == "-c" {
				return false
			}
			continue
		case a == "-e":
			continue
		case a == "." || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "/") || strings.HasSuffix(a, ".whl") || strings.HasPrefix(a, ".["):
			local = true
		default:
			return false
		}
	}
	return local
}
