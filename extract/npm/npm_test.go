package npm

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

// The fixtures under testdata/ were written by the real tools from one
// project (testdata/*/package.json): npm 11 with --lockfile-version 1, 2
// and 3, npm shrinkwrap, yarn 1.22, yarn 4 (berry), pnpm 7 (lockfile 5.4),
// pnpm 8 (6.0) and pnpm 9 (9.0). The project has a nested node_modules
// version (debug needs ms 2.1.3, the root pins ms 2.0.0), an alias
// (my-lodash → lodash), a "file:" folder, a workspace with its own dev
// dependency, an optional dependency, a peer dependency and a scoped
// package. yarn 1's resolved URLs name yarn's default registry host, as
// yarn writes them.
func TestGolden(t *testing.T) {
	cases := []struct {
		ex        extract.Extractor
		dir, file string
	}{
		{PackageLock{}, "lock-v1", "package-lock.json"},
		{PackageLock{}, "lock-v2", "package-lock.json"},
		{PackageLock{}, "lock-v3", "package-lock.json"},
		// Workspaces ["packages/**", "!packages/legacy"], made by npm 11
		// (--package-lock-only) and yarn 1.22.22 (install): npm excludes
		// packages/legacy, yarn 1 ignores the "!" pattern and keeps it.
		{PackageLock{}, "lock-v3-globs", "package-lock.json"},
		{PackageLock{}, "shrinkwrap", "npm-shrinkwrap.json"},
		{YarnLock{}, "yarn-v1", "yarn.lock"},
		{YarnLock{}, "yarn-v1-globs", "yarn.lock"},
		{YarnLock{}, "yarn-berry", "yarn.lock"},
		{PnpmLock{}, "pnpm-v5", "pnpm-lock.yaml"},
		{PnpmLock{}, "pnpm-v6", "pnpm-lock.yaml"},
		{PnpmLock{}, "pnpm-v9", "pnpm-lock.yaml"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			extracttest.Golden(t, c.ex, c.dir, c.file)
		})
	}
}

// summary renders the facts the formats must agree on, one line per
// package: purl, type, direct, dev, alias.
func summary(inv *inventory.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		line := p.PURL
		if p.Type != "" {
			line += " " + p.Type
		}
		if p.Direct {
			line += " direct"
		}
		if p.Dev {
			line += " dev"
		}
		if a, ok := p.Property(PropAlias); ok {
			line += " alias=" + a
		}
		out = append(out, line)
	}
	return out
}

// TestFormatsAgree checks that every lockfile of the same project gives the
// same registry packages with the same Direct and Dev marks: the facts
// come from different places in each format (flags, nesting, importers,
// reachability), so agreement is a strong check of each.
func TestFormatsAgree(t *testing.T) {
	want := []string{
		"pkg:npm/%40isaacs/string-locale-compare@1.1.0 direct",
		"pkg:npm/debug@4.4.3 direct",
		"pkg:npm/es-errors@1.3.0 dev",
		"pkg:npm/function-bind@1.1.2 dev",
		"pkg:npm/hasown@2.0.4 dev",
		"pkg:npm/is-core-module@2.18.0 dev",
		"pkg:npm/is-number@6.0.0",
		"pkg:npm/is-number@7.0.0 direct",
		"pkg:npm/is-odd@3.0.1 direct",
		"pkg:npm/js-tokens@4.0.0",
		"pkg:npm/left-pad@1.3.0 direct dev",
		"pkg:npm/lodash@4.18.1 direct alias=my-lodash",
		"pkg:npm/loose-envify@1.4.0",
		"pkg:npm/ms@2.0.0 direct",
		"pkg:npm/ms@2.1.3",
		"pkg:npm/path-parse@1.0.7 dev",
		"pkg:npm/react-dom@18.3.1 direct",
		"pkg:npm/react@18.3.1 direct",
		"pkg:npm/resolve@1.22.14 direct dev",
		"pkg:npm/scheduler@0.23.2",
		"pkg:npm/semver@7.8.6 direct dev",
		"pkg:npm/supports-preserve-symlinks-flag@1.0.0 dev",
	}
	cases := []struct {
		ex        extract.Extractor
		dir, file string
		// v1 has no workspaces: npm 7+ writes v1 for old npm, which reads
		// only the root's tree, so lib-a's packages are not direct there.
		v1 bool
	}{
		{PackageLock{}, "lock-v1", "package-lock.json", true},
		{PackageLock{}, "lock-v2", "package-lock.json", false},
		{PackageLock{}, "lock-v3", "package-lock.json", false},
		{YarnLock{}, "yarn-v1", "yarn.lock", false},
		{YarnLock{}, "yarn-berry", "yarn.lock", false},
		{PnpmLock{}, "pnpm-v5", "pnpm-lock.yaml", false},
		{PnpmLock{}, "pnpm-v6", "pnpm-lock.yaml", false},
		{PnpmLock{}, "pnpm-v9", "pnpm-lock.yaml", false},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			inv, err := extracttest.Extract(t, c.ex, os.DirFS(filepath.Join("testdata", c.dir)), c.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range summary(inv) {
				if !strings.Contains(l, "application") {
					got = append(got, l)
				}
			}
			w := want
			if c.v1 {
				w = slices.Clone(want)
				for i, l := range w {
					for _, ws := range []string{"is-odd", "left-pad", "react-dom", "react@"} {
						if strings.Contains(l, "/"+ws) {
							l = strings.Replace(l, " direct", "", 1)
						}
					}
					w[i] = l
				}
			}
			if !slices.Equal(got, w) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(w, "\n"))
			}
		})
	}
}

// TestProjects checks the application packages: the root, the workspace
// and the "file:" folder, which are never registry packages.
func TestProjects(t *testing.T) {
	cases := []struct {
		ex        extract.Extractor
		dir, file string
		want      []string
	}{
		{PackageLock{}, "lock-v1", "package-lock.json", []string{
			"pkg:npm/fixture-app@1.0.0 application",
			"pkg:npm/lib-a@0.2.0 application",
			"pkg:npm/local-pkg@0.0.1 application direct",
		}},
		{PackageLock{}, "lock-v3", "package-lock.json", []string{
			"pkg:npm/fixture-app@1.0.0 application",
			"pkg:npm/lib-a@0.2.0 application direct",
			"pkg:npm/local-pkg@0.0.1 application direct",
		}},
		{YarnLock{}, "yarn-v1", "yarn.lock", []string{
			"pkg:npm/fixture-app@1.0.0 application",
			"pkg:npm/lib-a@0.2.0 application direct",
			"pkg:npm/local-pkg@0.0.1 application direct",
		}},
		{YarnLock{}, "yarn-berry", "yarn.lock", []string{
			"pkg:npm/fixture-app@1.0.0 application",
			"pkg:npm/lib-a@0.2.0 application direct",
			"pkg:npm/local-pkg@0.0.1 application direct",
		}},
		{PnpmLock{}, "pnpm-v9", "pnpm-lock.yaml", []string{
			"pkg:npm/fixture-app@1.0.0 application",
			"pkg:npm/lib-a@0.2.0 application direct",
			"pkg:npm/local-pkg application direct",
		}},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			inv, err := extracttest.Extract(t, c.ex, os.DirFS(filepath.Join("testdata", c.dir)), c.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range summary(inv) {
				if strings.Contains(l, "application") {
					got = append(got, l)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestClaims(t *testing.T) {
	cases := []struct {
		ex   extract.Extractor
		path string
		want bool
	}{
		{PackageLock{}, "package-lock.json", true},
		{PackageLock{}, "web/npm-shrinkwrap.json", true},
		{PackageLock{}, "node_modules/.package-lock.json", false},
		{PackageLock{}, "package.json", false},
		{YarnLock{}, "a/b/yarn.lock", true},
		{YarnLock{}, "yarn.lock.bak", false},
		{PnpmLock{}, "pnpm-lock.yaml", true},
		{PnpmLock{}, "pnpm-workspace.yaml", false},
	}
	for _, c := range cases {
		if got := c.ex.Claims(c.path, 0o644); got != c.want {
			t.Errorf("%s.Claims(%q) = %v, want %v", c.ex.Name(), c.path, got, c.want)
		}
	}
}

// run extracts one in-memory file with ex.
func run(t *testing.T, ex extract.Extractor, files map[string]string, name string) (*inventory.Inventory, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
	}
	return extracttest.Extract(t, ex, fsys, name)
}

func relations(inv *inventory.Inventory) []string {
	var out []string
	for _, r := range inv.Relationships {
		out = append(out, r.From+" -> "+r.To+" "+string(r.Type))
	}
	return out
}

// TestNodeResolution checks that a dependency name resolves to the copy in
// the nearest node_modules up the path, as Node's require does, including
// scoped packages, links and project folders.
func TestNodeResolution(t *testing.T) {
	lock := `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"a": "^1", "@s/b": "^1", "w": "*"}},
    "node_modules/a": {"version": "1.0.0", "dependencies": {"c": "^2", "@s/b": "^1"}},
    "node_modules/a/node_modules/c": {"version": "2.0.0", "dependencies": {"d": "*"}},
    "node_modules/c": {"version": "1.0.0"},
    "node_modules/d": {"version": "4.0.0"},
    "node_modules/@s/b": {"version": "1.1.0", "dependencies": {"c": "^1"}},
    "node_modules/@s/b/node_modules/d": {"version": "5.0.0"},
    "node_modules/w": {"resolved": "packages/w", "link": true},
    "packages/w": {"name": "w", "version": "0.1.0", "dependencies": {"c": "^3", "a": "^1"}},
    "packages/w/node_modules/c": {"version": "3.0.0"}
  }
}`
	inv, err := run(t, PackageLock{}, map[string]string{"package-lock.json": lock}, "package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"pkg:npm/%40s/b@1.1.0 -> pkg:npm/c@1.0.0 depends-on",
		"pkg:npm/a@1.0.0 -> pkg:npm/%40s/b@1.1.0 depends-on",
		"pkg:npm/a@1.0.0 -> pkg:npm/c@2.0.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/%40s/b@1.1.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/a@1.0.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/w@0.1.0 depends-on",
		// c@2 is under a's node_modules; d is found at the top, not in
		// @s/b's node_modules, which c cannot see.
		"pkg:npm/c@2.0.0 -> pkg:npm/d@4.0.0 depends-on",
		"pkg:npm/w@0.1.0 -> pkg:npm/a@1.0.0 depends-on",
		"pkg:npm/w@0.1.0 -> pkg:npm/c@3.0.0 depends-on",
	}
	if got := relations(inv); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The link itself is no package; the folder it points at is.
	for _, p := range inv.Packages {
		if p.Name == "w" && p.Type != "application" {
			t.Errorf("workspace w: type %q, want application", p.Type)
		}
	}
	if n := len(inv.Packages); n != 9 {
		t.Errorf("%d packages, want 9: app, a, @s/b, c@1, c@2, c@3, d@4, d@5, w", n)
	}
}

// TestV1Resolution is the same check for the nested v1 tree.
func TestV1Resolution(t *testing.T) {
	lock := `{
  "name": "app", "version": "1.0.0", "lockfileVersion": 1, "requires": true,
  "dependencies": {
    "a": {"version": "1.0.0", "requires": {"c": "^2", "b": "^1"},
      "dependencies": {"c": {"version": "2.0.0", "requires": {"b": "*"}}}},
    "b": {"version": "1.0.0", "dev": true},
    "c": {"version": "1.0.0"},
    "x": {"version": "npm:@s/real@3.0.0"},
    "g": {"version": "git+ssh://git@example.com/g.git#0123456789abcdef0123456789abcdef01234567", "from": "git+ssh://git@example.com/g.git"}
  }
}`
	manifest := `{"name": "app", "dependencies": {"a": "^1", "x": "npm:@s/real@^3", "g": "git+ssh://git@example.com/g.git"}, "devDependencies": {"b": "^1"}}`
	inv, err := run(t, PackageLock{}, map[string]string{"package-lock.json": lock, "package.json": manifest}, "package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	wantRels := []string{
		"pkg:npm/a@1.0.0 -> pkg:npm/b@1.0.0 depends-on",
		"pkg:npm/a@1.0.0 -> pkg:npm/c@2.0.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/%40s/real@3.0.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/a@1.0.0 depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/b@1.0.0 dev-depends-on",
		"pkg:npm/app@1.0.0 -> pkg:npm/g depends-on",
		"pkg:npm/c@2.0.0 -> pkg:npm/b@1.0.0 depends-on",
	}
	if got := relations(inv); !slices.Equal(got, wantRels) {
		t.Errorf("relationships: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantRels, "\n"))
	}
	wantPkgs := []string{
		"pkg:npm/%40s/real@3.0.0 direct alias=x",
		"pkg:npm/a@1.0.0 direct",
		"pkg:npm/app@1.0.0 application",
		"pkg:npm/b@1.0.0 direct dev",
		"pkg:npm/c@1.0.0",
		"pkg:npm/c@2.0.0",
		"pkg:npm/g direct",
	}
	if got := summary(inv); !slices.Equal(got, wantPkgs) {
		t.Errorf("packages: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantPkgs, "\n"))
	}
	if g := inv.Package("pkg:npm/g"); g == nil {
		t.Error("git dependency missing")
	} else if v, _ := g.Property(PropResolved); !strings.HasPrefix(v, "git+ssh://") {
		t.Errorf("git dependency resolved = %q", v)
	}
}

// TestAlias checks "npm:" aliases in every format: the real package is
// reported under its own name, with the installed name as a property, and
// an alias of a scoped package keeps its scope.
func TestAlias(t *testing.T) {
	cases := []struct {
		name  string
		ex    extract.Extractor
		file  string
		data  string
		purl  string
		alias string
	}{
		{"lock v3", PackageLock{}, "package-lock.json", `{"lockfileVersion": 3, "packages": {
			"": {"dependencies": {"foo": "npm:@s/bar@^1"}},
			"node_modules/foo": {"name": "@s/bar", "version": "1.2.3"}}}`, "pkg:npm/%40s/bar@1.2.3", "foo"},
		{"lock v3 scoped alias", PackageLock{}, "package-lock.json", `{"lockfileVersion": 3, "packages": {
			"node_modules/@me/foo": {"name": "bar", "version": "1.2.3"}}}`, "pkg:npm/bar@1.2.3", "@me/foo"},
		{"lock v1", PackageLock{}, "package-lock.json", `{"lockfileVersion": 1, "dependencies": {
			"foo": {"version": "npm:bar@1.2.3"}}}`, "pkg:npm/bar@1.2.3", "foo"},
		{"yarn v1", YarnLock{}, "yarn.lock", "# yarn lockfile v1\n\n\n\"foo@npm:@s/bar@^1\":\n  version \"1.2.3\"\n", "pkg:npm/%40s/bar@1.2.3", "foo"},
		{"yarn berry", YarnLock{}, "yarn.lock", "__metadata:\n  version: 8\n\n\"foo@npm:bar@^1\":\n  version: 1.2.3\n  resolution: \"bar@npm:1.2.3\"\n", "pkg:npm/bar@1.2.3", "foo"},
		{"pnpm v9", PnpmLock{}, "pnpm-lock.yaml", "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      foo:\n        specifier: npm:bar@^1\n        version: bar@1.2.3\npackages:\n  bar@1.2.3:\n    resolution: {integrity: sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA=}\nsnapshots:\n  bar@1.2.3: {}\n", "pkg:npm/bar@1.2.3", "foo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := run(t, c.ex, map[string]string{c.file: c.data}, c.file)
			if err != nil {
				t.Fatal(err)
			}
			p := inv.Package(c.purl)
			if p == nil {
				t.Fatalf("no %s in %v", c.purl, summary(inv))
			}
			if a, _ := p.Property(PropAlias); a != c.alias {
				t.Errorf("alias = %q, want %q", a, c.alias)
			}
			if c.ex.Name() == "npm/pnpm-lock" && !p.Direct {
				t.Error("pnpm alias target is not direct")
			}
		})
	}
}

func TestParseIntegrity(t *testing.T) {
	got := parseIntegrity("sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA== sha1-V0yBOM4dK1hh8LRFedut1gxmFbI= md5-xx nonsense sha256-!!!")
	want := []inventory.Hash{
		{Algorithm: "SHA-512", Value: "e85973b9b4cb646dc9d9afcd542025784863ceae68c601f268253dc985ef70bb2fa1568726afece715c8ebf5d73fab73ed1f7100eb479d23bfb57b45dd645394"},
		{Algorithm: "SHA-1", Value: "574c8138ce1d2b5861f0b44579dbadd60c6615b2"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestBundledAndResolved(t *testing.T) {
	lock := `{"lockfileVersion": 3, "packages": {
		"": {"name": "app", "dependencies": {"a": "1", "t": "https://example.com/t.tgz"}},
		"node_modules/a": {"version": "1.0.0", "resolved": "https://registry.example.com/a/-/a-1.0.0.tgz", "dependencies": {"b": "1"}},
		"node_modules/a/node_modules/b": {"version": "1.0.0", "inBundle": true, "license": {"type": "BSD-3-Clause"}},
		"node_modules/t": {"version": "0.1.0", "resolved": "https://example.com/t.tgz", "licenses": [{"type": "MIT"}, "Apache-2.0"]}
	}}`
	inv, err := run(t, PackageLock{}, map[string]string{"package-lock.json": lock}, "package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	a := inv.Package("pkg:npm/a@1.0.0")
	if _, ok := a.Property(PropResolved); ok {
		t.Error("a registry tarball was recorded as a resolved property")
	}
	b := inv.Package("pkg:npm/b@1.0.0")
	if v, _ := b.Property(PropBundled); v != "true" {
		t.Errorf("bundled = %q, want true", v)
	}
	if !slices.Equal(b.Licenses, []string{"BSD-3-Clause"}) {
		t.Errorf("b licenses %v", b.Licenses)
	}
	tp := inv.Package("pkg:npm/t@0.1.0")
	if v, _ := tp.Property(PropResolved); v != "https://example.com/t.tgz" {
		t.Errorf("t resolved = %q", v)
	}
	if !slices.Equal(tp.Licenses, []string{"Apache-2.0", "MIT"}) {
		t.Errorf("t licenses %v", tp.Licenses)
	}
}

// TestDevFlags checks npm's flags: dev is dev-only, devOptional and
// optional are not.
func TestDevFlags(t *testing.T) {
	lock := `{"lockfileVersion": 3, "packages": {
		"node_modules/a": {"version": "1.0.0", "dev": true},
		"node_modules/b": {"version": "1.0.0", "devOptional": true},
		"node_modules/c": {"version": "1.0.0", "optional": true},
		"node_modules/d": {"version": "1.0.0", "dev": true, "optional": true}
	}}`
	inv, err := run(t, PackageLock{}, map[string]string{"package-lock.json": lock}, "package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pkg:npm/a@1.0.0 dev", "pkg:npm/b@1.0.0", "pkg:npm/c@1.0.0", "pkg:npm/d@1.0.0 dev"}
	if got := summary(inv); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestPnpmKeys covers the key and reference spellings of each lockfile
// version, including peer suffixes.
func TestPnpmKeys(t *testing.T) {
	cases := []struct {
		major      int
		name, ref  string
		key        string
		kname, kv  string
		stripped   string
		keyForName string
	}{
		{9, "react-dom", "18.3.1(react@18.3.1)", "react-dom@18.3.1(react@18.3.1)", "react-dom", "18.3.1", "18.3.1", ""},
		{9, "foo", "bar@1.0.0", "bar@1.0.0", "bar", "1.0.0", "bar@1.0.0", ""},
		{9, "foo", "@s/bar@1.0.0(x@1)", "@s/bar@1.0.0(x@1)", "@s/bar", "1.0.0", "@s/bar@1.0.0", ""},
		{9, "local", "file:local", "local@file:local", "local", "file:local", "file:local", ""},
		{9, "g", "git+ssh://git@example.com/g.git#abc", "g@git+ssh://git@example.com/g.git#abc", "g", "git+ssh://git@example.com/g.git#abc", "git+ssh://git@example.com/g.git#abc", ""},
		{6, "react-dom", "18.3.1(react@18.3.1)", "/react-dom@18.3.1(react@18.3.1)", "react-dom", "18.3.1", "18.3.1", ""},
		{6, "foo", "/@s/bar@1.0.0", "/@s/bar@1.0.0", "@s/bar", "1.0.0", "/@s/bar@1.0.0", ""},
		{5, "react-dom", "18.3.1_react@18.3.1", "/react-dom/18.3.1_react@18.3.1", "react-dom", "18.3.1", "18.3.1", ""},
		{5, "foo", "/@s/bar/1.0.0", "/@s/bar/1.0.0", "@s/bar", "1.0.0", "/@s/bar/1.0.0", ""},
	}
	for _, c := range cases {
		key := depKey(c.name, c.ref, c.major)
		if key != c.key {
			t.Errorf("v%d depKey(%q, %q) = %q, want %q", c.major, c.name, c.ref, key, c.key)
		}
		n, v := keyNameVersion(key, c.major)
		if n != c.kname || v != c.kv {
			t.Errorf("v%d keyNameVersion(%q) = %q, %q, want %q, %q", c.major, key, n, v, c.kname, c.kv)
		}
		if s := stripPeers(c.ref, c.major); s != c.stripped {
			t.Errorf("v%d stripPeers(%q) = %q, want %q", c.major, c.ref, s, c.stripped)
		}
	}
}

func TestYarnV1Syntax(t *testing.T) {
	lock := "# yarn lockfile v1\n\n" +
		"\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n" +
		"  version \"7.12.13\"\n" +
		"  resolved \"https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826beef65e75c50e21d3837d7d95798dd658\"\n" +
		"  dependencies:\n" +
		"    \"@babel/highlight\" \"^7.12.13\"\n" +
		"\n" +
		"\"@babel/highlight@^7.12.13\":\n" +
		"  version \"7.13.10\"\n" +
		"  integrity sha512-5aPpe5XQPzflQrFwL1/QoeHkP2MsA4JCntcXHRhEsdsfPVkvPi2w7Qix4iV7t5S/oC9OodGrggd8aco1g3SZFg==\n" +
		"\"esc\\\"aped@1\":\n" +
		"  version \"1.0.0\"\n"
	entries, err := parseYarnV1([]byte(lock))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	if !slices.Equal(entries[0].keys, []string{"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4"}) {
		t.Errorf("keys %q", entries[0].keys)
	}
	if entries[0].deps[0] != (declared{name: "@babel/highlight", spec: "^7.12.13"}) {
		t.Errorf("deps %v", entries[0].deps)
	}
	if entries[2].keys[0] != `esc"aped@1` {
		t.Errorf("escaped key %q", entries[2].keys[0])
	}
	inv, err := run(t, YarnLock{}, map[string]string{"yarn.lock": lock}, "yarn.lock")
	if err != nil {
		t.Fatal(err)
	}
	cf := inv.Package("pkg:npm/%40babel/code-frame@7.12.13")
	if cf == nil || len(cf.Hashes) != 1 || cf.Hashes[0] != (inventory.Hash{Algorithm: "SHA-1", Value: "dcfc826beef65e75c50e21d3837d7d95798dd658"}) {
		t.Errorf("code-frame: %+v", cf)
	}
	if got := relations(inv); !slices.Equal(got, []string{"pkg:npm/%40babel/code-frame@7.12.13 -> pkg:npm/%40babel/highlight@7.13.10 depends-on"}) {
		t.Errorf("relations %v", got)
	}
}

// TestErrors checks that bad input fails with the file, the position and
// what was expected.
func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		ex   extract.Extractor
		file string
		data string
		want string
	}{
		{"json type", PackageLock{}, "web/package-lock.json",
			"{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/x\": {\"version\": 12}\n  }\n}",
			`web/package-lock.json:4:35: packages["node_modules/x"].version: want string, got number`},
		{"json nested map", PackageLock{}, "package-lock.json",
			`{"lockfileVersion": 3, "packages": {"node_modules/a.b": {"dependencies": {"c": true}}}}`,
			`package-lock.json:1:80: packages["node_modules/a.b"].dependencies.c: want string, got bool`},
		{"json v1 nested", PackageLock{}, "package-lock.json",
			`{"lockfileVersion": 1, "dependencies": {"a": {"dependencies": {"b": {"integrity": []}}}}}`,
			`package-lock.json:1:83: dependencies.a.dependencies.b.integrity: want string, got array`},
		{"json top", PackageLock{}, "package-lock.json", `[1, 2]`,
			`package-lock.json:1:1: top level: want object, got array`},
		{"json syntax", PackageLock{}, "package-lock.json", "{\n  \"packages\": {,}\n}",
			`package-lock.json:2:17: invalid JSON: invalid character ',' looking for beginning of object key string`},
		{"json truncated", PackageLock{}, "package-lock.json", `{"packages": {`,
			`package-lock.json:1:15: invalid JSON: unexpected end of JSON input`},
		{"not a lockfile", PackageLock{}, "package-lock.json", `{"name": "x"}`,
			`package-lock.json: neither "packages" nor "dependencies" nor "lockfileVersion": not an npm lockfile`},
		{"yarn header", YarnLock{}, "yarn.lock", "# yarn lockfile v1\n\nfoo@^1\n  version \"1\"\n",
			`yarn.lock:3: entry header does not end in ":"`},
		{"yarn indent", YarnLock{}, "yarn.lock", "foo@^1:\n   version \"1\"\n",
			`yarn.lock:2: indented by 3 spaces, want a multiple of 2`},
		{"yarn quote", YarnLock{}, "yarn.lock", "\"foo@^1:\n",
			`yarn.lock:1: unterminated quoted string`},
		{"yarn conflict", YarnLock{}, "yarn.lock", "<<<<<<< HEAD\n",
			`yarn.lock:1: merge conflict marker`},
		{"yarn orphan", YarnLock{}, "yarn.lock", "  version \"1\"\n",
			`yarn.lock:1: field outside an entry`},
		{"berry type", YarnLock{}, "yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1\":\n  version: [1]\n",
			"yarn.lock: line 5: cannot unmarshal !!seq into string"},
		{"berry syntax", YarnLock{}, "yarn.lock", "__metadata:\n  version: 8\n\"a@npm:^1\":\n  version: \"1\n",
			"yarn.lock: yaml: line 4: found unexpected end of stream"},
		{"pnpm type", PnpmLock{}, "pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: [x]\n",
			"pnpm-lock.yaml: line 4: cannot unmarshal !!seq into struct"},
		{"pnpm version", PnpmLock{}, "pnpm-lock.yaml", "lockfileVersion: banana\n",
			`pnpm-lock.yaml: lockfileVersion: "banana" is not a pnpm lockfile version (want 5.x, 6.x or 9.0)`},
		{"pnpm no version", PnpmLock{}, "pnpm-lock.yaml", "packages: {}\n",
			`pnpm-lock.yaml: lockfileVersion: missing, want a version such as '9.0'`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := run(t, c.ex, map[string]string{c.file: c.data}, c.file)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n got: %s\nwant: %s", err, c.want)
			}
		})
	}
}

func TestYAMLSizeLimit(t *testing.T) {
	big := "lockfileVersion: '9.0'\n#" + strings.Repeat("x", maxYAMLSize) + "\n"
	fsys := fstest.MapFS{"pnpm-lock.yaml": {Data: []byte(big)}}
	info, _ := fs.Stat(fsys, "pnpm-lock.yaml")
	in := &extract.Input{FS: fsys, Path: "pnpm-lock.yaml", Info: info, MaxSize: extract.DefaultMaxFileSize}
	_, _, err := PnpmLock{}.Extract(t.Context(), in)
	if err == nil || !strings.Contains(err.Error(), extract.ErrTooLarge.Error()) {
		t.Errorf("err = %v, want the size limit", err)
	}
}
