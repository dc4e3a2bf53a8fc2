package npm

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

// walkInstalled runs the Installed extractor over testdata/<dir> the way
// `hallmark sbom` walks a directory.
func walkInstalled(t *testing.T, dir string) *inventory.Inventory {
	t.Helper()
	inv, err := extract.Run(context.Background(), os.DirFS(filepath.Join("testdata", dir)), extract.Options{Extractors: []extract.Extractor{Installed{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Skipped) > 0 {
		t.Errorf("skipped: %v", inv.Skipped)
	}
	return inv
}

// TestInstalledGolden: testdata/installed is the tree npm 11 wrote for
// `npm install --ignore-scripts debug@2.6.9 ms@2.1.3
// @isaacs/string-locale-compare@1.1.0 my-ms@npm:ms@2.1.2 fast-uri@3.1.0`
// (package.json files and one .js file kept, the lockfile moved to
// testdata/installed-lockfile); testdata/installed-npm6 is npm 6.14.18's
// for `npm install once@1.4.0 @isaacs/string-locale-compare@1.1.0`, whose
// package.json files carry _resolved and _integrity.
func TestInstalledGolden(t *testing.T) {
	for _, dir := range []string{"installed", "installed-npm6"} {
		t.Run(dir, func(t *testing.T) {
			inv := walkInstalled(t, dir)
			got, err := json.MarshalIndent(inv, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", dir, "inventory.golden.json"), append(got, '\n'))
		})
	}
}

func TestInstalledFacts(t *testing.T) {
	inv := walkInstalled(t, "installed")
	var got []string
	for _, p := range inv.Packages {
		line := p.PURL + " " + strings.Join(inventory.Paths(p.Locations), ",")
		if a, ok := p.Property(PropAlias); ok {
			line += " alias=" + a
		}
		if p.Dev || p.Direct || p.Type != "" {
			line += " dev/direct/type set"
		}
		got = append(got, line)
	}
	// Not the project itself (package.json at the root) and not
	// fast-uri/benchmark/package.json, which syft and trivy report as
	// benchmark@1.0.0.
	want := []string{
		"pkg:npm/%40isaacs/string-locale-compare@1.1.0 node_modules/@isaacs/string-locale-compare/package.json",
		"pkg:npm/debug@2.6.9 node_modules/debug/package.json",
		"pkg:npm/fast-uri@3.1.0 node_modules/fast-uri/package.json",
		"pkg:npm/ms@2.0.0 node_modules/debug/node_modules/ms/package.json",
		"pkg:npm/ms@2.1.2 node_modules/my-ms/package.json alias=my-ms",
		"pkg:npm/ms@2.1.3 node_modules/ms/package.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// debug needs ms 2.0.0 and gets its nested copy, not the top-level
	// 2.1.3.
	wantRels := []inventory.Relationship{{From: "pkg:npm/debug@2.6.9", To: "pkg:npm/ms@2.0.0", Type: inventory.DependsOn}}
	if !slices.Equal(inv.Relationships, wantRels) {
		t.Errorf("relationships = %v, want %v", inv.Relationships, wantRels)
	}
	if l := inv.Package("pkg:npm/debug@2.6.9").Licenses; !slices.Equal(l, []string{"MIT"}) {
		t.Errorf("debug licenses = %q", l)
	}

	inv = walkInstalled(t, "installed-npm6")
	once, wrappy := inv.Package("pkg:npm/once@1.4.0"), inv.Package("pkg:npm/wrappy@1.0.2")
	if once == nil || wrappy == nil {
		t.Fatalf("packages: %v", inv.Packages)
	}
	wantHash := []inventory.Hash{{Algorithm: "SHA-512", Value: "9784a9fc346c7a8afdc0be84bd5dbe4ee427eb774c90f8d9feca7d5e48214c46d5f4a94f4b5c54b19deeeff2103b8c31b5c141e1b82940f45c477402bdeccf71"}}
	if !slices.Equal(wrappy.Hashes, wantHash) {
		t.Errorf("wrappy hashes = %v, want %v", wrappy.Hashes, wantHash)
	}
	if _, ok := wrappy.Property(PropResolved); ok {
		t.Error("a registry tarball is recorded as a resolved source")
	}
	if !slices.Contains(inv.Relationships, inventory.Relationship{From: once.PURL, To: wrappy.PURL, Type: inventory.DependsOn}) {
		t.Errorf("no once -> wrappy in %v", inv.Relationships)
	}
}

func TestInstalledClaims(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"node_modules/debug/package.json", true},
		{"node_modules/@isaacs/string-locale-compare/package.json", true},
		{"usr/lib/node_modules/npm/node_modules/abbrev/package.json", true},
		{"a/node_modules/b/node_modules/@s/c/package.json", true},
		{"node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json", true},
		{"package.json", false},
		{"app/package.json", false},
		{"node_modules/package.json", false},
		{"node_modules/fast-uri/benchmark/package.json", false},
		{"node_modules/terser/dist/package.json", false},
		{"node_modules/@isaacs/package.json", false},
		{"node_modules/@/x/package.json", false},
		{"node_modules/.bin/package.json", false},
		{"node_modules/.cache/x/package.json", false},
		{"node_modules/_x/package.json", false},
		{"node_modules/node_modules/package.json", false},
		{"node_modules/debug/index.js", false},
		{"node_modules/debug/package-lock.json", false},
	} {
		if got := (Installed{}).Claims(tc.path, 0o644); got != tc.want {
			t.Errorf("Claims(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestLockfilesInsidePackages: lockfiles a dependency ships do not
// describe what is installed (uri-js's yarn.lock lists babel 6 and its
// other development tools, 338 packages in bench/image's global input);
// a shrinkwrap does, since npm installs from it.
func TestLockfilesInsidePackages(t *testing.T) {
	for _, tc := range []struct {
		ex   extract.Extractor
		path string
		want bool
	}{
		{YarnLock{}, "usr/local/lib/node_modules/eslint/node_modules/uri-js/yarn.lock", false},
		{YarnLock{}, "node_modules/@s/x/yarn.lock", false},
		{YarnLock{}, "app/yarn.lock", true},
		{YarnLock{}, "node_modules/x/test/fixture/yarn.lock", true},
		{PnpmLock{}, "node_modules/x/pnpm-lock.yaml", false},
		{PnpmLock{}, "pnpm-lock.yaml", true},
		{PackageLock{}, "node_modules/x/package-lock.json", false},
		{PackageLock{}, "node_modules/x/npm-shrinkwrap.json", true},
		{PackageLock{}, "package-lock.json", true},
	} {
		if got := tc.ex.Claims(tc.path, 0o644); got != tc.want {
			t.Errorf("%s.Claims(%q) = %v, want %v", tc.ex.Name(), tc.path, got, tc.want)
		}
	}
}

func TestInstalledErrors(t *testing.T) {
	const file = "node_modules/a/package.json"
	for _, tc := range []struct {
		name, data, err string
	}{
		{"version type", `{"name": "a", "version": 1}`, file + `:1:26: version: want string, got number`},
		{"name type", "{\n  \"name\": [\"a\"]\n}", file + `:2:11: name: want string, got array`},
		{"dependencies type", `{"name": "a", "version": "1.0.0", "dependencies": ["b"]}`, file + `:1:51: dependencies: want object, got array`},
		{"dependency spec type", `{"name": "a", "version": "1.0.0", "dependencies": {"b": 1}}`, file + `:1:57: dependencies.b: want string, got number`},
		{"truncated", `{"name": "a", `, file + `:1:15: invalid JSON: unexpected end of JSON input`},
		{"not json", `name: a`, file + `:1:3: invalid JSON: invalid character 'a' in literal null (expecting 'u')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, Installed{}, map[string]string{file: tc.data}, file)
			if err == nil || err.Error() != tc.err {
				t.Errorf("error = %v\nwant %s", err, tc.err)
			}
		})
	}
}

// TestInstalledEdgeCases covers what the fixtures do not: no name or
// version, legacy license forms, a non-registry _resolved, dependency
// names that would leave node_modules, and a lockfile above.
func TestInstalledEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		path  string
		want  []string // purl, then licenses and properties
		rels  int
	}{
		{"no version", map[string]string{"node_modules/a/package.json": `{"name": "a"}`}, "node_modules/a/package.json", nil, 0},
		{"no name", map[string]string{"node_modules/a/package.json": `{"version": "1.0.0"}`}, "node_modules/a/package.json", nil, 0},
		{"legacy licenses", map[string]string{"node_modules/a/package.json": `{"name": "a", "version": "1.0.0", "licenses": [{"type": "MIT", "url": "x"}, "Apache-2.0"]}`},
			"node_modules/a/package.json", []string{"pkg:npm/a@1.0.0", "Apache-2.0", "MIT"}, 0},
		{"license object", map[string]string{"node_modules/a/package.json": `{"name": "a", "version": "1.0.0", "license": {"type": "ISC"}}`},
			"node_modules/a/package.json", []string{"pkg:npm/a@1.0.0", "ISC"}, 0},
		{"git resolved", map[string]string{"node_modules/a/package.json": `{"name": "a", "version": "1.0.0", "_resolved": "git+https://example.com/a.git#0123abc"}`},
			"node_modules/a/package.json", []string{"pkg:npm/a@1.0.0", PropResolved + "=git+https://example.com/a.git#0123abc"}, 0},
		{"escaping names", map[string]string{
			"x/node_modules/a/package.json": `{"name": "a", "version": "1.0.0", "dependencies": {"..": "1", "../a": "1", "b/../a": "1", "@s/../../a": "1"}}`,
			"x/package.json":                `{"name": "x", "version": "1.0.0"}`,
			"x/node_modules/b/package.json": `{"name": "b", "version": "1.0.0"}`},
			"x/node_modules/a/package.json", []string{"pkg:npm/a@1.0.0"}, 0},
		{"peer and optional", map[string]string{
			"node_modules/a/package.json":    `{"name": "a", "version": "1.0.0", "peerDependencies": {"@s/b": "1"}, "optionalDependencies": {"c": "1"}, "devDependencies": {"d": "1"}}`,
			"node_modules/@s/b/package.json": `{"name": "@s/b", "version": "2.0.0"}`,
			"node_modules/d/package.json":    `{"name": "d", "version": "1.0.0"}`,
			"node_modules/c/package.json":    `{"name": "c"}`,
			"node_modules/a/node_modules/.x": ``},
			"node_modules/a/package.json", []string{"pkg:npm/a@1.0.0"}, 1},
		{"beside a lockfile", map[string]string{
			"node_modules/a/package.json": `{"name": "a", "version": "1.0.0"}`,
			"yarn.lock":                   ``},
			"node_modules/a/package.json", nil, 0},
		{"under a package that ships a yarn.lock", map[string]string{
			"node_modules/a/node_modules/b/package.json": `{"name": "b", "version": "1.0.0"}`,
			"node_modules/a/yarn.lock":                   ``},
			"node_modules/a/node_modules/b/package.json", []string{"pkg:npm/b@1.0.0"}, 0},
		{"under a package's shrinkwrap", map[string]string{
			"node_modules/a/node_modules/b/package.json": `{"name": "b", "version": "1.0.0"}`,
			"node_modules/a/npm-shrinkwrap.json":         `{}`},
			"node_modules/a/node_modules/b/package.json", nil, 0},
		{"under a lockfile's tree", map[string]string{
			"app/node_modules/a/node_modules/b/package.json": `{"name": "b", "version": "1.0.0"}`,
			"app/package-lock.json":                          `{}`},
			"app/node_modules/a/node_modules/b/package.json", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := extractRaw(t, tc.files, tc.path)
			var got []string
			for _, p := range inv.pkgs {
				got = append(got, p.PURL)
				got = append(got, p.Licenses...)
				for _, pr := range p.Properties {
					got = append(got, pr.Name+"="+pr.Value)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if len(inv.rels) != tc.rels {
				t.Errorf("relationships %v, want %d", inv.rels, tc.rels)
			}
		})
	}
}

type rawResult struct {
	pkgs []inventory.Package
	rels []inventory.Relationship
}

// extractRaw runs Installed on one file without normalising, so edges to
// packages of other files stay visible.
func extractRaw(t *testing.T, files map[string]string, p string) rawResult {
	t.Helper()
	fsys := mapFS(files)
	pkgs, rels, err := Installed{}.Extract(context.Background(), &extract.Input{FS: fsys, Path: p, MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(pkgs, func(a, b inventory.Package) int { return strings.Compare(a.PURL, b.PURL) })
	for i := range pkgs {
		slices.Sort(pkgs[i].Licenses)
	}
	return rawResult{pkgs, rels}
}

func FuzzInstalled(f *testing.F) {
	for _, dir := range []string{"installed", "installed-npm6"} {
		matches, _ := filepath.Glob(filepath.Join("testdata", dir, "node_modules", "*", "package.json"))
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte(`{"name":"@s/x","version":"1","dependencies":{"..":"1","x":"1"},"license":[{"type":1},"MIT"],"_integrity":"sha512-@@"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{"node_modules/x/package.json", "node_modules/@s/x/package.json"} {
			fsys := mapFS{p: string(data), "node_modules/x/node_modules/x/package.json": string(data)}
			pkgs, rels, err := Installed{}.Extract(context.Background(), &extract.Input{FS: fsys, Path: p, MaxSize: 1 << 20})
			if err != nil {
				continue
			}
			if len(pkgs) > 1 {
				t.Fatalf("%d packages from one package.json", len(pkgs))
			}
			for _, pk := range pkgs {
				if pk.Name == "" || pk.Version == "" || pk.PURL == "" {
					t.Fatalf("package without name, version or purl: %+v", pk)
				}
			}
			for _, r := range rels {
				if len(pkgs) == 0 || r.From != pkgs[0].PURL || r.To == "" || r.To == r.From {
					t.Fatalf("relationship %+v", r)
				}
			}
		}
	})
}

// mapFS is an in-memory tree of text files.
type mapFS map[string]string

func (m mapFS) Open(name string) (fs.File, error) {
	f := fstest.MapFS{}
	for k, v := range m {
		f[k] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
	}
	return f.Open(name)
}
