package githubactions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func purls(inv *inventory.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.PURL)
	}
	return out
}

func TestGoldenWorkflow(t *testing.T) {
	inv := extracttest.Golden(t, New(), "repo", ".github/workflows/ci.yml")
	// The local action, the local reusable workflow and the docker:// use
	// are left out.
	want := []string{
		"pkg:github/actions/cache@v4#restore",
		"pkg:github/actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
		"pkg:github/actions/setup-go@v5",
		"pkg:github/anchore/workflows@v0.8.0#.github/workflows/check-gate.yaml",
		"pkg:github/codspeedhq/action@v3",
	}
	if got := purls(inv); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	co := inv.Package("pkg:github/actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")
	if k, _ := co.Property(PropRefKind); k != "sha" {
		t.Errorf("checkout ref kind = %q", k)
	}
	if v, _ := co.Property(PropCommentVersion); v != "v4.2.2" {
		t.Errorf("checkout comment version = %q", v)
	}
	cs := inv.Package("pkg:github/codspeedhq/action@v3")
	if cs.Name != "CodSpeedHQ/action" || cs.Ecosystem != inventory.GitHubActions || !cs.Direct {
		t.Errorf("CodSpeedHQ/action = %+v", cs)
	}
}

func TestGoldenAnchors(t *testing.T) {
	inv := extracttest.Golden(t, New(), "repo", ".github/workflows/codeql.yaml")
	// The scorecard job's checkout is an alias of the analyze job's.
	got := purls(inv)
	want := []string{
		"pkg:github/actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
		"pkg:github/github/codeql-action@9e8d0789d4a0fa9ceb6b1738f7e269594bdd67f0#upload-sarif",
		"pkg:github/github/codeql-action@v3#analyze",
		"pkg:github/github/codeql-action@v3#init",
		"pkg:github/ossf/scorecard-action@f49aabe0b5af0936a0987cfb85d86b75731b0186",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	sc := inv.Package("pkg:github/ossf/scorecard-action@f49aabe0b5af0936a0987cfb85d86b75731b0186")
	if v, _ := sc.Property(PropCommentVersion); v != "v2.4.1" {
		t.Errorf("scorecard comment version = %q, want v2.4.1 (from tag=v2.4.1)", v)
	}
	up := inv.Package("pkg:github/github/codeql-action@9e8d0789d4a0fa9ceb6b1738f7e269594bdd67f0#upload-sarif")
	if _, ok := up.Property(PropCommentVersion); ok {
		t.Error("upload-sarif has no comment, so no comment version")
	}
}

func TestGoldenCompositeAction(t *testing.T) {
	inv := extracttest.Golden(t, New(), "repo", ".github/actions/setup/action.yml")
	want := []string{
		"pkg:github/actions/setup-go@v5",
		"pkg:github/arduino/setup-protoc@c65c819552d16ad3c9b72d9dfd5ba5237b9c906b",
	}
	if got := purls(inv); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestDockerAction(t *testing.T) {
	inv, err := extracttest.Extract(t, New(), os.DirFS("testdata/docker-action"), "action.yaml")
	if err != nil || len(inv.Packages) != 0 {
		t.Errorf("got %v, %v; want nothing: a container action uses no action", inv, err)
	}
}

func TestClaims(t *testing.T) {
	for p, want := range map[string]bool{
		".github/workflows/ci.yml":               true,
		".github/workflows/ci.yaml":              true,
		"mod@v1/.github/workflows/release.yaml":  true,
		"action.yml":                             true,
		"sub/dir/action.yaml":                    true,
		".github/actions/setup/action.yml":       true,
		".github/workflows/sub/ci.yml":           false,
		".github/workflows/README.md":            false,
		"x.github/workflows/ci.yml":              false,
		"workflows/ci.yml":                       false,
		".github/dependabot.yml":                 false,
		"my-action.yml":                          false,
		".github/workflows/ci.yml.disabled":      false,
		"testdata/.github/workflows/ci.yml.orig": false,
		// a dependency's own CI, installed with it
		"node_modules/undefsafe/.github/workflows/release.yml": false,
		"web/node_modules/@s/x/action.yml":                     false,
	} {
		if got := New().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func TestPackageOf(t *testing.T) {
	for _, tc := range []struct {
		use, comment string
		purl, kind   string // purl "" when skipped
		commentVer   string
	}{
		{"actions/checkout@v4", "", "pkg:github/actions/checkout@v4", "tag-or-branch", ""},
		{"actions/checkout@main", "", "pkg:github/actions/checkout@main", "tag-or-branch", ""},
		{"o/r@refs/heads/feature/x", "", "pkg:github/o/r@refs%2Fheads%2Ffeature%2Fx", "tag-or-branch", ""},
		{"o/r/a/b/@v1", "", "pkg:github/o/r@v1#a/b", "tag-or-branch", ""},
		{"o/r//a@v1", "", "pkg:github/o/r@v1#a", "tag-or-branch", ""},
		{"o/r@0123456789abcdef0123456789abcdef01234567", "# v1.2.3", "pkg:github/o/r@0123456789abcdef0123456789abcdef01234567", "sha", "v1.2.3"},
		{"o/r@0123456789abcdef0123456789abcdef01234567", "#v7.0.1", "pkg:github/o/r@0123456789abcdef0123456789abcdef01234567", "sha", "v7.0.1"},
		{"o/r@0123456789abcdef0123456789abcdef01234567", "# v4", "pkg:github/o/r@0123456789abcdef0123456789abcdef01234567", "sha", "v4"},
		{"o/r@0123456789abcdef0123456789abcdef01234567", "# ubuntu-24-04 support", "pkg:github/o/r@0123456789abcdef0123456789abcdef01234567", "sha", ""},
		// A short or upper-case SHA is a ref the runner looks up by name.
		{"o/r@0123456", "# v1.2.3", "pkg:github/o/r@0123456", "tag-or-branch", ""},
		{"o/r@0123456789ABCDEF0123456789ABCDEF01234567", "", "pkg:github/o/r@0123456789ABCDEF0123456789ABCDEF01234567", "tag-or-branch", ""},
		{"./.github/actions/setup", "", "", "", ""},
		{"./.github/workflows/release.yml", "", "", "", ""},
		{"docker://alpine:3.20", "", "", "", ""},
		{"docker://avtodev/markdown-lint:v1@sha256:6aeedc2f", "", "", "", ""},
		{"$/.github/actions/bootstrap", "", "", "", ""},
		{"actions/checkout", "", "", "", ""},
		{"actions/checkout@", "", "", "", ""},
		{"actions@v1", "", "", "", ""},
		{"/r@v1", "", "", "", ""},
		{"o/r@v1@v2", "", "", "", ""},
		{"o/r/../x@v1", "", "", "", ""},
		{"../r@v1", "", "", "", ""},
		{"o/r@${{ matrix.v }}", "", "", "", ""},
		{"o/r@${{matrix.v}}", "", "", "", ""},
		{"${{matrix.o}}/r@v1", "", "", "", ""},
	} {
		p, ok := packageOf(use{value: tc.use, comment: tc.comment})
		if ok != (tc.purl != "") || p.PURL != tc.purl {
			t.Errorf("packageOf(%q) = %q, %v; want %q", tc.use, p.PURL, ok, tc.purl)
			continue
		}
		if !ok {
			continue
		}
		if k, _ := p.Property(PropRefKind); k != tc.kind {
			t.Errorf("packageOf(%q) ref kind = %q, want %q", tc.use, k, tc.kind)
		}
		if v, _ := p.Property(PropCommentVersion); v != tc.commentVer {
			t.Errorf("packageOf(%q, %q) comment version = %q, want %q", tc.use, tc.comment, v, tc.commentVer)
		}
	}
}

func run(t *testing.T, name, data string) ([]inventory.Package, error) {
	t.Helper()
	pkgs, _, err := extracttest.RunFile(t, New(), name, []byte(data))
	return pkgs, err
}

func TestMalformed(t *testing.T) {
	const wf = ".github/workflows/ci.yml"
	for _, tc := range []struct{ name, file, data, want string }{
		{"syntax", wf, "jobs:\n  a: [\n", wf + ":2: did not find expected node content"},
		{"tab", wf, "jobs:\n\ta: 1\n", wf + ":2: found character that cannot start any token"},
		{"document", wf, "- a\n", wf + ":1: document: want a mapping, got a sequence"},
		{"jobs", wf, "on: push\njobs: [a]\n", wf + ":2: jobs: want a mapping, got a sequence"},
		{"job", wf, "jobs:\n  build: true\n", wf + `:2: jobs.build: want a mapping, got bool "true"`},
		{"steps", wf, "jobs:\n  build:\n    steps:\n      uses: a/b@v1\n", wf + ":4: jobs.build.steps: want a sequence, got a mapping"},
		{"step", wf, "jobs:\n  build:\n    steps:\n      - run: x\n      - [a]\n", wf + ":5: jobs.build.steps[1]: want a mapping, got a sequence"},
		{"uses", wf, "jobs:\n  build:\n    steps:\n      - uses: [a/b@v1]\n", wf + ":4: jobs.build.steps[0].uses: want a string, got a sequence"},
		{"uses number", wf, "jobs:\n  build:\n    steps:\n      - uses: 12\n", wf + `:4: jobs.build.steps[0].uses: want a string, got int "12"`},
		{"job uses", wf, "jobs:\n  call:\n    uses: {a: b}\n", wf + ":3: jobs.call.uses: want a string, got a mapping"},
		{"runs", "action.yml", "name: x\nruns: node20\n", `action.yml:2: runs: want a mapping, got str "node20"`},
		{"runs.steps", "action.yml", "runs:\n  using: composite\n  steps: a/b@v1\n", `action.yml:3: runs.steps: want a sequence, got str "a/b@v1"`},
		{"depth", wf, "jobs:\n  a:\n    steps:\n      - with:\n          x: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n", wf + ":5: nested more than 64 levels deep"},
		{"alias", wf, "a: &a [1]\njobs:\n  x: *a\n", wf + ":1: jobs.x: want a mapping, got a sequence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, tc.file, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

// TestTolerated: files with nothing to read, nulls where GitHub allows
// them, and uses the runner would reject, which are skipped while the rest
// of the file is read.
func TestTolerated(t *testing.T) {
	for _, tc := range []struct{ name, file, data string }{
		{"empty", ".github/workflows/a.yml", ""},
		{"comments", ".github/workflows/a.yml", "# nothing yet\n"},
		{"no jobs", ".github/workflows/a.yml", "name: x\non: push\n"},
		{"null jobs", ".github/workflows/a.yml", "jobs:\n"},
		{"null job and step", ".github/workflows/a.yml", "jobs:\n  a:\n  b:\n    steps:\n      -\n      - run: x\n"},
		{"javascript action", "action.yml", "runs:\n  using: node20\n  main: index.js\n"},
		{"no runs", "action.yml", "name: x\n"},
		{"bad uses", ".github/workflows/a.yml", "jobs:\n  a:\n    steps:\n      - uses: $/.github/actions/bootstrap\n      - uses: docker://alpine\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := run(t, tc.file, tc.data)
			if err != nil || len(pkgs) != 0 {
				t.Errorf("got %v, %v; want nothing", pkgs, err)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	big := "jobs: {}\n#" + strings.Repeat("x", maxFileSize) + "\n"
	fsys := fstest.MapFS{"action.yml": {Data: []byte(big)}}
	info, _ := fs.Stat(fsys, "action.yml")
	_, _, err := New().Extract(context.Background(), &extract.Input{FS: fsys, Path: "action.yml", Info: info, MaxSize: 1 << 30})
	if want := "action.yml: file exceeds the size limit (4194304 bytes)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func FuzzWorkflow(f *testing.F) {
	for _, p := range []string{"testdata/repo/.github/workflows/ci.yml", "testdata/repo/.github/workflows/codeql.yaml", "testdata/repo/.github/actions/setup/action.yml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.HasSuffix(p, "action.yml"))
	}
	f.Add([]byte("jobs:\n  a: &j\n    steps:\n      - uses: o/r/p@v1 # v1.0.0\n  b: *j\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, action bool) {
		name := ".github/workflows/ci.yml"
		if action {
			name = "action.yml"
		}
		extracttest.Fuzz(t, New(), name, data)
		pkgs, err := run(t, name, string(data))
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Ecosystem != inventory.GitHubActions || p.Version == "" || !strings.HasPrefix(p.PURL, "pkg:github/") {
				t.Fatalf("bad package %+v", p)
			}
			pp, err := inventory.ParsePURL(p.PURL)
			if err != nil || pp.Ecosystem != inventory.GitHubActions || pp.Version != p.Version {
				t.Fatalf("purl %q does not parse back to %+v: %+v, %v", p.PURL, p, pp, err)
			}
		}
	})
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
// the file is skipped with an error naming it and the limit.
func TestAliasBomb(t *testing.T) {
	const wf = ".github/workflows/bomb.yml"
	_, err := run(t, wf, string(aliasBomb(400, 1000))) // 400,000 steps expanded, 1.2 million visits
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), wf+": not read: ") || !strings.Contains(err.Error(), "1000000") {
		t.Errorf("err = %v, want ErrTooLarge naming the file and the limit", err)
	}
	// Within the budget, aliased uses are read, once per node: the ten
	// steps of the anchor, not a thousand.
	pkgs, err := run(t, wf, string(aliasBomb(10, 100)))
	if err != nil || len(pkgs) != 10 || pkgs[0].PURL != "pkg:github/actions/checkout@v4" {
		t.Errorf("got %d packages, %v; want the anchor's 10", len(pkgs), err)
	}
}

// BenchmarkAliasBomb is issue 15's bomb at full size (16,000 steps under
// an anchor, 36,000 jobs aliasing it, 1 MB): before the visit budget it
// ran out of memory past 5 GB.
func BenchmarkAliasBomb(b *testing.B) {
	data := aliasBomb(16000, 36000)
	fsys := fstest.MapFS{".github/workflows/bomb.yml": {Data: data}}
	info, _ := fs.Stat(fsys, ".github/workflows/bomb.yml")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, _, err := New().Extract(context.Background(), &extract.Input{FS: fsys, Path: ".github/workflows/bomb.yml", Info: info})
		if !errors.Is(err, ErrTooLarge) {
			b.Fatal(err)
		}
	}
}
