package posture

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParseWorkflow(t *testing.T) {
	data, err := os.ReadFile("testdata/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	w, err := ParseWorkflow(".github/workflows/ci.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "on %v\n", w.On)
	fmt.Fprintf(&b, "permissions %+v\n", *w.Permissions)
	for _, j := range w.Jobs {
		fmt.Fprintf(&b, "job %s line %d", j.ID, j.Line)
		if j.Permissions != nil {
			fmt.Fprintf(&b, " permissions %+v", *j.Permissions)
		}
		if j.Uses != nil {
			fmt.Fprintf(&b, " uses %s@%d", j.Uses.Value, j.Uses.Line)
		}
		b.WriteString("\n")
		for _, s := range j.Steps {
			fmt.Fprintf(&b, "  step line %d", s.Line)
			if s.Uses != nil {
				fmt.Fprintf(&b, " uses %s", s.Uses.Value)
			}
			if s.Run != nil {
				fmt.Fprintf(&b, " run %q", s.Run.Value)
			}
			b.WriteString("\n")
		}
	}
	want := `on [{push 2} {pull_request 2}]
permissions {Line:3 All:read-all Scopes:[]}
job test line 5 permissions {Line:8 All: Scopes:[{Name:contents Level:read Line:8} {Name:checks Level:write Line:9}]}
  step line 11 uses actions/checkout@b4ffde65f46336ab88eb53be808477a3936bc11b
  step line 12 run "go test ./..."
job call line 13 uses org/repo/.github/workflows/reuse.yml@main@14
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseWorkflowErrors(t *testing.T) {
	const p = ".github/workflows/x.yml"
	for _, tc := range []struct{ data, want string }{
		{"", p + ": empty workflow"},
		{"- a\n- b\n", p + ":1: want a mapping at the top level, got a sequence"},
		{"on: push\njobs: [a, b\n", p + ": yaml: line 1: did not find expected ',' or ']'"},
		{"on: push\njobs:\n  - build\n", p + ":3: jobs: want a mapping, got a sequence"},
		{"on: push\njobs:\n  build: yes\n", p + `:3: jobs.build: want a mapping, got the scalar "yes"`},
		{"on: push\njobs:\n  build:\n    steps: run\n", p + `:4: jobs.build.steps: want a sequence, got the scalar "run"`},
		{"on: push\njobs:\n  build:\n    steps:\n      - echo\n", p + `:5: jobs.build.steps[0]: want a mapping, got the scalar "echo"`},
		{"on: push\npermissions: all\n", p + `:2: permissions: want read-all, write-all or a mapping, got "all"`},
		{"on: push\npermissions:\n  contents: [read]\n", p + ":3: permissions.contents: want read, write or none, got a sequence"},
		{"on: {push: [a]}\njobs:\n  b:\n    permissions: [x]\n", p + ":4: jobs.b.permissions: want read-all, write-all or a mapping, got a sequence"},
		{"on:\n  - [push]\n", p + ":2: on: want event names, got a sequence"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), p + ": YAML nested deeper than 64 or larger than 200000 nodes"},
	} {
		_, err := ParseWorkflow(p, []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.data, err, tc.want)
		}
	}
}

func FuzzParseWorkflow(f *testing.F) {
	data, _ := os.ReadFile("testdata/ci.yml")
	f.Add(data)
	f.Add([]byte("on: pull_request_target\njobs:\n  a:\n    steps:\n      - run: |\n          echo ${{ github.event.issue.title }}\n"))
	f.Add([]byte("x: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWorkflow(".github/workflows/f.yml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), ".github/workflows/f.yml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if s.Run != nil {
					scriptInjections(w.Path, j.ID, s.Run)
					shellDeps(w.Path, s.Run.Value, s.Run.LineOf)
					if l := s.Run.LineOf(len(s.Run.Value)); l < s.Run.Line {
						t.Fatalf("line %d before the scalar's %d", l, s.Run.Line)
					}
				}
			}
		}
	})
}

// tokenScore runs Token-Permissions on workflows given as text.
func tokenScore(t *testing.T, workflows ...string) Result {
	t.Helper()
	r := &run{repo: &Repo{}}
	for i, text := range workflows {
		w, err := ParseWorkflow(fmt.Sprintf("w%d.yml", i), []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		r.workflows = append(r.workflows, w)
	}
	return r.tokenPermissions()
}

// TestTokenPermissions follows Scorecard's evaluation/permissions.go.
func TestTokenPermissions(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       int
	}{
		{"read-all top, write job", "permissions: read-all\njobs:\n  a:\n    permissions:\n      contents: write\n", 10},
		{"top undeclared, job declared read", "jobs:\n  a:\n    permissions: {}\n", 9},
		{"top undeclared, job writes", "jobs:\n  a:\n    permissions:\n      packages: write\n", 9},
		{"nothing declared", "jobs:\n  a:\n    runs-on: x\n", 0},
		{"write-all top, job read", "permissions: write-all\njobs:\n  a:\n    permissions: read-all\n", 9},
		{"write-all top, job undeclared", "permissions: write-all\njobs:\n  a:\n    runs-on: x\n", 0},
		{"top statuses write", "permissions:\n  statuses: write\njobs:\n  a:\n    permissions: read-all\n", 9},
		{"top deployments write", "permissions:\n  deployments: write\njobs:\n  a:\n    permissions: read-all\n", 9},
		{"top contents write", "permissions:\n  contents: write\njobs:\n  a:\n    permissions: read-all\n", 0},
		// Writes to scopes outside Scorecard's permissionsOfInterest cost
		// nothing: gpustack/gguf-parser-go's code-review.yml (top-level
		// pull-requests: write, a reusable-workflow job without permissions)
		// scores 10 in Scorecard.
		{"top pull-requests write, job undeclared", "permissions:\n  contents: read\n  pull-requests: write\non: pull_request_target\njobs:\n  review:\n    uses: gpustack/.github/.github/workflows/code-review.yml@main\n", 10},
		{"top undeclared, job id-token and issues write", "jobs:\n  a:\n    permissions:\n      id-token: write\n      issues: write\n", 9},
		{"top checks write, job pull-requests write", "permissions:\n  checks: write\njobs:\n  a:\n    permissions:\n      pull-requests: write\n", 9},
		{"top checks write, job statuses write", "permissions:\n  checks: write\njobs:\n  a:\n    permissions:\n      statuses: write\n", 0},
		// Job-level exemptions (createIgnoredPermissions): a CodeQL job's
		// security-events, a GoReleaser job's contents.
		{"codeql job security-events write", "permissions:\n  checks: write\njobs:\n  a:\n    permissions:\n      security-events: write\n    steps:\n      - uses: github/codeql-action/analyze@v3\n", 9},
		{"goreleaser job contents write", "permissions:\n  checks: write\njobs:\n  a:\n    permissions:\n      contents: write\n    steps:\n      - uses: actions/setup-go@v5\n      - uses: goreleaser/goreleaser-action@v6\n", 9},
		{"goreleaser without setup-go", "permissions:\n  checks: write\njobs:\n  a:\n    permissions:\n      contents: write\n    steps:\n      - uses: goreleaser/goreleaser-action@v6\n", 0},
		// The exemptions are for jobs only: top-level contents: write still costs 10.
		{"goreleaser top contents write", "permissions:\n  contents: write\njobs:\n  a:\n    permissions: read-all\n    steps:\n      - uses: actions/setup-go@v5\n      - uses: goreleaser/goreleaser-action@v6\n", 0},
	} {
		res := tokenScore(t, tc.yaml)
		if res.Score == nil || *res.Score != tc.want {
			t.Errorf("%s: score %v, want %d (%v)", tc.name, derefScore(res.Score), tc.want, res.Findings)
		}
	}
}

func derefScore(p *int) any {
	if p == nil {
		return "not evaluated"
	}
	return *p
}

// TestShellDeps: downloads verified before they run count as pinned;
// npm ci, local go installs and local pip installs are not dependencies.
func TestShellDeps(t *testing.T) {
	script := `set -e
curl -fsSLo install.sh https://example.com/install.sh
echo "abc  install.sh" | sha256sum -c
bash install.sh
wget -O tool.sh https://example.com/tool.sh
sh tool.sh
pip install -r requirements.txt --require-hashes
pip install -e .
npm ci
npm install -g yarn
go install ./cmd/...
go install example.com/x@latest
go get example.com/y@v1.2.3
`
	var got []string
	for _, d := range shellDeps("s.sh", script, lineIndex(script)) {
		got = append(got, fmt.Sprintf("%d %s %v", d.at.Line, d.kind, d.pinned))
	}
	want := "7 pipCommand true\n10 npmCommand false\n12 goCommand false\n13 goCommand true\n4 downloadThenRun true\n6 downloadThenRun false"
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}

// aliasBomb is a workflow whose jobs all alias one job of steps: small on
// disk, jobs×steps once expanded.
func aliasBomb(steps, jobs int) []byte {
	var b strings.Builder
	b.WriteString("on: push\njobs:\n  j0: &a\n    runs-on: ubuntu-latest\n    steps:\n")
	for range steps {
		b.WriteString("      - uses: actions/checkout@v4\n")
	}
	for i := 1; i < jobs; i++ {
		fmt.Fprintf(&b, "  j%d: *a\n", i)
	}
	return []byte(b.String())
}

// TestAliasBomb: expansion is bounded by nodes visited (issue 15 item 6);
// the file is not read, with an error naming it and the limit.
func TestAliasBomb(t *testing.T) {
	const p = ".github/workflows/bomb.yml"
	_, err := ParseWorkflow(p, aliasBomb(600, 1000)) // 600,000 steps expanded
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), p+": not read: ") || !strings.Contains(err.Error(), "1000000") {
		t.Errorf("err = %v, want ErrTooLarge naming the file and the limit", err)
	}
	w, err := ParseWorkflow(p, aliasBomb(10, 100))
	if err != nil || len(w.Jobs) != 100 || len(w.Jobs[99].Steps) != 10 {
		t.Errorf("within the budget: %v, want 100 jobs of 10 steps", err)
	}
}

// BenchmarkAliasBomb is issue 15's bomb at full size (16,000 steps under
// an anchor, 36,000 jobs aliasing it, 1 MB): before the visit budget it
// ran out of memory past 6 GB.
func BenchmarkAliasBomb(b *testing.B) {
	data := aliasBomb(16000, 36000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseWorkflow(".github/workflows/bomb.yml", data); !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
}
