package score

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/score/criticality"
	"github.com/hallmark-dev/hallmark/score/gitsignals"
	"github.com/hallmark-dev/hallmark/score/internal/fixture"
	"github.com/hallmark-dev/hallmark/score/posture"
	"github.com/hallmark-dev/hallmark/score/signals"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

var asOf = time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)

const ciWorkflow = `name: ci
on:
  pull_request_target:
    types: [opened]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: actions/setup-go@0c52d547c9bc32b1aa3301fd7a9cb496313a4491
      - uses: some/action@v1
      - name: greet
        run: |
          echo "building"
          echo "${{ github.event.issue.title }}"
      - run: curl -sSL https://example.com/install.sh | bash
      - run: pip install requests
      - run: go install golang.org/x/tools/cmd/goimports@v0.20.0
      - uses: github/codeql-action/analyze@v3
`

const releaseWorkflow = `on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bc11b
      - uses: pypa/gh-action-pypi-publish@release/v1
`

const dockerfile = `FROM golang:1.22 AS build
RUN go build ./...
FROM gcr.io/distroless/static@sha256:41972110a1c1a5c0b6adb283e8aa092c43c31f7c5d79b8656fbffff2c3e61f05
COPY --from=build /app /app
`

const license = `
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/
`

const securityPolicy = `# Security policy

Please report vulnerabilities privately to security@corp.example.
We aim to disclose fixes within 90 days.
`

// buildFixture makes the repository every posture and signal expectation
// below is computed for.
func buildFixture(t *testing.T) *fixture.Repo {
	r := fixture.New(t)
	r.Write("README.md", "# fixture\n")
	r.Write("LICENSE", license)
	r.Commit("Alice", "alice@corp.example", date("2022-01-10"), "init")

	r.Write("SECURITY.md", securityPolicy)
	r.Commit("Bob", "bob@gmail.com", date("2023-03-01"), "security policy")
	r.Tag("v1.0.0")

	r.Write(".mailmap", "Alice <alice@corp.example> <alice@old.example>\n")
	r.Commit("Alice Old", "alice@old.example", date("2024-04-02"), "mailmap")
	r.AnnotatedTag("v1.1.0", date("2024-04-02"))

	r.Write(".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: gomod\n    directory: /\n    schedule:\n      interval: weekly\n")
	r.Commit("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", date("2024-05-15"), "dependabot config")

	r.Write(".github/workflows/ci.yml", ciWorkflow)
	r.Write(".github/workflows/release.yml", releaseWorkflow)
	r.Write(".github/workflows/broken.yml", "on: push\njobs: [a, b\n")
	r.Write("Dockerfile", dockerfile)
	r.Write("bin/tool.exe", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	r.Write("fuzz_test.go", "package x\n\nimport \"testing\"\n\nfunc FuzzParse(f *testing.F) {}\n")
	r.Write("sbom.cdx.json", `{"bomFormat":"CycloneDX","specVersion":"1.6"}`+"\n")
	r.Commit("Carol", "carol@uni.ac.uk", date("2024-06-01"), "ci")
	r.SignedTag("v1.2.0", date("2024-06-01"))

	r.Write("later.txt", "after the as-of date\n")
	r.Commit("Dave", "dave@later.example", date("2024-08-01"), "later")
	return r
}

func TestProjectFixture(t *testing.T) {
	r := buildFixture(t)
	rep, err := Project(context.Background(), r.Dir, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}

	wantSignals := map[string]float64{
		gitsignals.CreatedSince:       30, // 2022-01-10 .. 2024-06-30: 901.5 days / 30
		gitsignals.UpdatedSince:       0,
		gitsignals.ContributorCount:   3, // Alice (two e-mails, one after .mailmap), Bob, Carol; the bot apart
		gitsignals.OrgCount:           2, // corp.example, uni.ac.uk; gmail.com is webmail
		gitsignals.CommitFrequency:    0.06,
		gitsignals.RecentReleaseCount: 2, // v1.1.0, v1.2.0; v1.0.0 is older than a year
	}
	for _, s := range rep.Signals {
		want, ok := wantSignals[s.Field]
		switch {
		case ok && (s.Value == nil || *s.Value != want):
			t.Errorf("%s = %v, want %v", s.Field, deref(s.Value), want)
		case !ok && s.Value != nil:
			t.Errorf("%s = %v, want missing", s.Field, *s.Value)
		}
	}
	if rep.Commits != 5 || len(rep.Bots) != 1 {
		t.Errorf("commits %d bots %v, want 5 and [dependabot[bot]]", rep.Commits, rep.Bots)
	}

	wantChecks := map[string]int{
		posture.BinaryArtifacts:      9,
		posture.DangerousWorkflow:    0,
		posture.TokenPermissions:     0,
		posture.PinnedDependencies:   3, // 10*24/74, see the comment in TestPinnedArithmetic
		posture.DependencyUpdateTool: 10,
		posture.Fuzzing:              10,
		posture.License:              10,
		posture.SecurityPolicy:       10,
		posture.SAST:                 10,
		posture.Packaging:            10,
		posture.SBOM:                 5,
		posture.Maintained:           2, // 3 commits in 90 days: 10*3/12
		posture.SignedReleases:       3, // 1 of the last 3 tags signed: 9*1/3
	}
	for _, c := range rep.Posture.Checks {
		want, ok := wantChecks[c.Name]
		switch {
		case ok && (c.Score == nil || *c.Score != want):
			t.Errorf("%s = %v (%s), want %d", c.Name, derefInt(c.Score), c.Reason, want)
		case !ok && c.Score != nil:
			t.Errorf("%s = %d, want not evaluated", c.Name, *c.Score)
		}
	}
	if a := rep.Posture.Aggregate; a == nil || *a != 445.0/80 {
		t.Errorf("aggregate %v, want %v", a, 445.0/80)
	}
	if len(rep.Partial) != 1 || rep.Partial[0] != ".github/workflows/broken.yml: yaml: line 1: did not find expected ',' or ']'" {
		t.Errorf("partial %q, want the broken workflow", rep.Partial)
	}

	// The whole report, with the temporary path and commit ids masked.
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := strings.ReplaceAll(string(data), r.Dir, "REPO")
	out = strings.ReplaceAll(out, rep.Head, "HEAD")
	golden.Check(t, "testdata/fixture.golden.json", []byte(out+"\n"))
}

func deref(v *float64) any {
	if v == nil {
		return "missing"
	}
	return *v
}

func derefInt(v *int) any {
	if v == nil {
		return "not evaluated"
	}
	return *v
}

func TestProjectWithSignalsFile(t *testing.T) {
	r := buildFixture(t)
	f, err := signals.Parse("sig.json", []byte(`{"repo":{"url":"https://github.com/x/repo"},"legacy":{"updated_issues_count":100,"closed_issues_count":80,"issue_comment_frequency":2.5,"github_mention_count":1000},"depsdev":{"dependent_count":5000}}`))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := criticality.Builtin("pike_depsdev")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Project(context.Background(), r.Dir, Options{AsOf: asOf, Signals: f, Scorer: sc})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Criticality
	if len(c.Coverage.Missing) != 0 || c.Coverage.PresentShare != 1 {
		t.Errorf("coverage %+v, want every signal present", c.Coverage)
	}
	// By hand: (0.71604 + 1 + 2·0.16276 + 0.45815 + 0.00843 + 0.5·0.33333 +
	// 0.5·0.54185 + 0.5·0.51594 + 0.45184 + 1·0.52649 + 4·0.69780) / 13.5.
	// With dependents present, mentions count with weight 1, not 2.
	for _, term := range c.Terms {
		if term.Field == "legacy.github_mention_count" && (term.Weight == 2) != (term.State == criticality.NotApplicable) {
			t.Errorf("mention term %+v: the weight-2 variant must be the inapplicable one", term)
		}
	}
	if got := c.Format(); got != "0.51654" {
		t.Errorf("score %s, want 0.51654", got)
	}
}

func TestProjectBadInput(t *testing.T) {
	ctx := context.Background()

	plain := t.TempDir()
	_, err := Project(ctx, plain, Options{})
	if !errors.Is(err, gitsignals.ErrNotRepository) {
		t.Errorf("plain directory: %v, want ErrNotRepository", err)
	}
	want := plain + ": not a git repository (no .git in it or any parent directory)"
	if err == nil || err.Error() != want {
		t.Errorf("plain directory:\n got %v\nwant %s", err, want)
	}

	empty := fixture.New(t)
	_, err = Project(ctx, empty.Dir, Options{})
	if err == nil || err.Error() != empty.Dir+": the repository has no commits" {
		t.Errorf("empty repository: %v", err)
	}

	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	_, err = Project(ctx, file, Options{})
	if err == nil || err.Error() != file+": not a git repository (it is a file; give the checkout's directory)" {
		t.Errorf("file: %v", err)
	}

	_, err = gitsignals.Read(ctx, plain, gitsignals.Options{Git: "no-such-git-binary"})
	if !errors.Is(err, gitsignals.ErrNoGit) || err.Error() != "git command not found in PATH (hallmark reads history through git)" {
		t.Errorf("no git: %v", err)
	}
}

func TestProjectShallow(t *testing.T) {
	r := buildFixture(t)
	dst := filepath.Join(t.TempDir(), "shallow")
	cmd := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+r.Dir, dst)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	rep, err := Project(context.Background(), dst, Options{AsOf: date("2024-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Shallow || rep.Commits != 1 {
		t.Errorf("shallow %v commits %d, want true and 1", rep.Shallow, rep.Commits)
	}
	if len(rep.Partial) == 0 || rep.Partial[0] != "shallow clone: history-derived signals and checks see only the fetched commits" {
		t.Errorf("partial %q", rep.Partial)
	}
}
