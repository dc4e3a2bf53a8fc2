package python

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		ex        extract.Extractor
		dir, file string
	}{
		{Requirements{}, "requirements", "requirements.txt"},
		{Requirements{}, "requirements", "requirements-dev.txt"},
		{Requirements{}, "requirements", "requirements/base.txt"},
		{Poetry{}, "poetry", "poetry.lock"},
		{Poetry{}, "poetry-legacy", "poetry.lock"},
		{Pipenv{}, "pipenv", "Pipfile.lock"},
		{Pipenv{}, "pipenv-legacy", "Pipfile.lock"},
		{UV{}, "uv", "uv.lock"},
		{PDM{}, "pdm", "pdm.lock"},
		{PDM{}, "pdm-legacy", "pdm.lock"},
	}
	for _, tt := range tests {
		t.Run(tt.dir+"/"+tt.file, func(t *testing.T) {
			extracttest.Golden(t, tt.ex, tt.dir, tt.file)
		})
	}
}

// TestGoldenFacts pins the facts the golden files must show, so that a
// regenerated golden file cannot silently lose them.
func TestGoldenFacts(t *testing.T) {
	get := func(t *testing.T, ex extract.Extractor, dir, file string) *inventory.Inventory {
		inv, err := extracttest.Extract(t, ex, os.DirFS(filepath.Join("testdata", dir)), file)
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	pkg := func(t *testing.T, inv *inventory.Inventory, purl string) *inventory.Package {
		p := inv.Package(purl)
		if p == nil {
			t.Fatalf("no package %s", purl)
		}
		return p
	}

	t.Run("requirements", func(t *testing.T) {
		inv := get(t, Requirements{}, "requirements", "requirements.txt")
		c := pkg(t, inv, "pkg:pypi/certifi@2024.2.2")
		if len(c.Hashes) != 2 || !c.Direct {
			t.Errorf("certifi: %+v", c)
		}
		r := pkg(t, inv, "pkg:pypi/requests@2.31.0")
		if v, _ := r.Property(propExtras); v != "security,socks" {
			t.Errorf("requests extras = %q", v)
		}
		if v, _ := r.Property(propMarker); v != `python_version >= "3.7"` {
			t.Errorf("requests marker = %q", v)
		}
		d := pkg(t, inv, "pkg:pypi/django")
		if d.Version != "" || d.Constraint != ">=4.2,<5.0" {
			t.Errorf("django: version %q constraint %q", d.Version, d.Constraint)
		}
		u := pkg(t, inv, "pkg:pypi/urllib3@2.2.1")
		if !reflect.DeepEqual(inventory.Paths(u.Locations), []string{"requirements/base.txt"}) {
			t.Errorf("urllib3 locations = %v", u.Locations)
		}
		pkg(t, inv, "pkg:pypi/zope-interface@6.1")
		pkg(t, inv, "pkg:pypi/click")
		pkg(t, inv, "pkg:pypi/pytest@3.2.5")
	})
	t.Run("poetry-legacy dev by category", func(t *testing.T) {
		inv := get(t, Poetry{}, "poetry-legacy", "poetry.lock")
		for _, p := range inv.Packages {
			if p.Type == "" && !p.Dev {
				t.Errorf("%s: want dev (category = \"dev\")", p.PURL)
			}
		}
		if p := pkg(t, inv, "pkg:pypi/requests@2.28.1"); !p.Direct || len(p.Hashes) != 2 {
			t.Errorf("requests: %+v", p)
		}
		if p := pkg(t, inv, "pkg:pypi/dependency-groups@0.1.0"); p.Type != "application" {
			t.Errorf("project: %+v", p)
		}
	})
	t.Run("uv dev by reachability", func(t *testing.T) {
		inv := get(t, UV{}, "uv", "uv.lock")
		if p := pkg(t, inv, "pkg:pypi/isort@6.0.1"); !p.Dev || !p.Direct {
			t.Errorf("isort: %+v", p)
		}
		if p := pkg(t, inv, "pkg:pypi/colorama@0.4.6"); p.Dev {
			t.Errorf("colorama (via loguru) is not dev: %+v", p)
		}
		if p := pkg(t, inv, "pkg:pypi/duck-pypi@0.1.0"); p.Type != "application" {
			t.Errorf("project: %+v", p)
		}
	})
	t.Run("pipenv develop", func(t *testing.T) {
		inv := get(t, Pipenv{}, "pipenv-legacy", "Pipfile.lock")
		if p := pkg(t, inv, "pkg:pypi/pytest@3.1.3"); !p.Dev {
			t.Errorf("pytest: %+v", p)
		}
		inv = get(t, Pipenv{}, "pipenv", "Pipfile.lock")
		if p := pkg(t, inv, "pkg:pypi/djangorestframework@3.12.4"); !p.Direct || p.Dev {
			t.Errorf("djangorestframework: %+v", p)
		}
		if p := pkg(t, inv, "pkg:pypi/django@4.0.3"); p.Direct {
			t.Errorf("django is not in Pipfile: %+v", p)
		}
	})
	t.Run("pdm optional groups are not dev", func(t *testing.T) {
		inv := get(t, PDM{}, "pdm", "pdm.lock")
		if p := pkg(t, inv, "pkg:pypi/pytest@3.2.5"); p.Dev || !p.Direct {
			t.Errorf("pytest (extra \"tests\"): %+v", p)
		}
	})
}

func TestClaims(t *testing.T) {
	tests := []struct {
		ex   extract.Extractor
		path string
		want bool
	}{
		{Requirements{}, "requirements.txt", true},
		{Requirements{}, "a/requirements-dev.txt", true},
		{Requirements{}, "requirements_test.txt", true},
		{Requirements{}, "docs-requirements.txt", true},
		{Requirements{}, "requirements/prod.txt", true},
		{Requirements{}, "requirements.in", false},
		{Requirements{}, "notes.txt", false},
		{Requirements{}, "myrequirements.txt", false},
		{Poetry{}, "x/poetry.lock", true},
		{Pipenv{}, "Pipfile.lock", true},
		{Pipenv{}, "Pipfile", false},
		{UV{}, "uv.lock", true},
		{PDM{}, "pdm.lock", true},
	}
	for _, tt := range tests {
		if got := tt.ex.Claims(tt.path, 0o644); got != tt.want {
			t.Errorf("%s.Claims(%q) = %v, want %v", tt.ex.Name(), tt.path, got, tt.want)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in   string
		want requirement
		err  string
	}{
		{in: "requests", want: requirement{Name: "requests"}},
		{in: "requests==2.31.0", want: requirement{Name: "requests", Specifier: "==2.31.0"}},
		{in: "requests >= 2.0 , < 3", want: requirement{Name: "requests", Specifier: ">=2.0,<3"}},
		{in: "requests (>=2.0)", want: requirement{Name: "requests", Specifier: ">=2.0"}},
		{in: "requests[socks, security]==2.0", want: requirement{Name: "requests", Extras: []string{"socks", "security"}, Specifier: "==2.0"}},
		{in: `pywin32==306; sys_platform == "win32"`, want: requirement{Name: "pywin32", Specifier: "==306", Marker: `sys_platform == "win32"`}},
		{in: "pip @ https://github.com/pypa/pip/archive/22.0.2.zip", want: requirement{Name: "pip", URL: "https://github.com/pypa/pip/archive/22.0.2.zip"}},
		{in: `pip @ file:///x.zip ; python_version > "3"`, want: requirement{Name: "pip", URL: "file:///x.zip", Marker: `python_version > "3"`}},
		{in: "zope.interface===6.1", want: requirement{Name: "zope.interface", Specifier: "===6.1"}},
		{in: "==1.0", err: `want a project name, got "==1.0"`},
		{in: "-foo", err: `project name "-foo" must start and end with a letter or digit`},
		{in: "foo-==1", err: `project name "foo-" must start and end with a letter or digit`},
		{in: "foo[bar", err: `extras of "foo": want a closing ']'`},
		{in: "foo[b@r]", err: `extras of "foo": "b@r" is not a valid extra name`},
		{in: "foo==", err: `version of "foo": want a version after "=="`},
		{in: "foo 1.0", err: `version of "foo": want an operator (==, !=, <=, >=, ~=, <, >, ===) before "1.0"`},
		{in: "foo==1.0$", err: `version of "foo": version "1.0$" has '$', want letters, digits and . * + ! _ -`},
		{in: "foo (>=1", err: `version of "foo": want a closing ')'`},
		{in: "foo==1;", err: `"foo": want an environment marker after ';'`},
		{in: "foo @", err: `"foo": want a URL after '@'`},
		{in: "foo @ http://x y", err: `"foo": unexpected "y" after the URL`},
	}
	for _, tt := range tests {
		got, err := parseRequirement(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseRequirement(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseRequirement(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRequirement(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestPinnedVersion(t *testing.T) {
	tests := []struct {
		spec, want string
		ok         bool
	}{
		{"==1.0", "1.0", true},
		{"===1.0+local", "1.0+local", true},
		{"==1.*", "", false},
		{">=1.0", "", false},
		{"==1.0,!=1.1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := pinnedVersion(tt.spec)
		if got != tt.want || ok != tt.ok {
			t.Errorf("pinnedVersion(%q) = %q, %v; want %q, %v", tt.spec, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseReqLine(t *testing.T) {
	h := func(v string) inventory.Hash { return inventory.Hash{Algorithm: "SHA-256", Value: v} }
	const d = "0569859f95fc761b18b45ef421b1290a0f65f147e92a1e5eb3e635f9a5e4e66f"
	tests := []struct {
		in   string
		want reqLine
		err  string
	}{
		{in: "-r base.txt", want: reqLine{Include: "base.txt"}},
		{in: "--requirement=base.txt", want: reqLine{Include: "base.txt"}},
		{in: "-rbase.txt", want: reqLine{Include: "base.txt"}},
		{in: "-c constraints.txt", want: reqLine{}},
		{in: "--index-url https://example.org/simple", want: reqLine{}},
		{in: "-e git+https://x/y.git#egg=y", want: reqLine{Editable: "git+https://x/y.git#egg=y"}},
		{in: "certifi==1 --hash=sha256:" + d, want: reqLine{Req: "certifi==1", Hashes: []inventory.Hash{h(d)}}},
		{in: "certifi==1 --hash sha256:" + strings.ToUpper(d), want: reqLine{Req: "certifi==1", Hashes: []inventory.Hash{h(d)}}},
		{in: "foo >= 1.0 --global-option=x", want: reqLine{Req: "foo >= 1.0"}},
		{in: "-r", err: "-r: want a value"},
		{in: "--hash=sha256:" + d, err: "--hash must follow a requirement"},
		{in: "foo==1 --hash=sha256:abc", err: `--hash: hash "sha256:abc": want 64 hex digits after "sha256:"`},
		{in: "foo==1 --hash=crc32:abc", err: `--hash: hash "crc32:abc": unknown algorithm "crc32", want sha256, sha384 or sha512`},
		{in: "foo==1 --hash", err: "--hash: want a value"},
		{in: "foo==1 -r x.txt", err: "-r is not allowed after a requirement"},
	}
	for _, tt := range tests {
		got, err := parseReqLine(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseReqLine(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseReqLine(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseReqLine(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestLogicalLines(t *testing.T) {
	in := "# comment\r\n" +
		"a==1 \\\n" +
		"  --hash=sha256:x \\\n" +
		"  --hash=sha256:y\n" +
		"\n" +
		"b==2  # trailing comment\n" +
		"c @ https://x/c.zip#sha256=abc\n" +
		"d==1 \\\n" +
		"# a comment ends the join\n" +
		"e==5 \\"
	want := []logicalLine{
		{2, "a==1   --hash=sha256:x   --hash=sha256:y"},
		{6, "b==2"},
		{7, "c @ https://x/c.zip#sha256=abc"},
		{8, "d==1"},
		{10, "e==5"},
	}
	if got := logicalLines(in); !reflect.DeepEqual(got, want) {
		t.Errorf("logicalLines:\n got %+v\nwant %+v", got, want)
	}
}

// run extracts path from an in-memory tree and returns the error text.
func run(t *testing.T, ex extract.Extractor, files map[string]string, path string) (*inventory.Inventory, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v), Mode: 0o644}
	}
	return extracttest.Extract(t, ex, fsys, path)
}

func TestRequirementsIncludes(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		err   string
	}{
		{"missing include", map[string]string{"requirements.txt": "a==1\n-r other.txt\n"},
			"requirements.txt:2: -r other.txt: other.txt does not exist"},
		{"cycle", map[string]string{"requirements.txt": "-r requirements-b.txt\n", "requirements-b.txt": "\n\n-r requirements.txt\n"},
			"requirements-b.txt:3: -r requirements.txt: include cycle (requirements.txt -> requirements-b.txt -> requirements.txt)"},
		{"escape", map[string]string{"requirements.txt": "-r ../x.txt\n"},
			"requirements.txt:1: -r ../x.txt: want a path inside the scanned tree"},
		{"invalid requirement", map[string]string{"requirements.txt": "ok==1\n\nfoo[bar==1\n"},
			`requirements.txt:3: invalid requirement "foo[bar==1": extras of "foo": want a closing ']'`},
		{"bad hash on a continuation line", map[string]string{"requirements.txt": "a==1 \\\n  --hash=sha256:zz\n"},
			`requirements.txt:1: --hash: hash "sha256:zz": want 64 hex digits after "sha256:"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, Requirements{}, tt.files, "requirements.txt")
			if err == nil || err.Error() != tt.err {
				t.Errorf("error = %v\nwant %s", err, tt.err)
			}
		})
	}

	t.Run("depth limit", func(t *testing.T) {
		files := map[string]string{}
		for i := 0; i <= maxIncludeDepth+1; i++ {
			files["r/requirements-"+string(rune('a'+i))+".txt"] = "-r requirements-" + string(rune('a'+i+1)) + ".txt\n"
		}
		files["r/requirements-"+string(rune('a'+maxIncludeDepth+2))+".txt"] = "x==1\n"
		_, err := run(t, Requirements{}, files, "r/requirements-a.txt")
		if err == nil || !strings.Contains(err.Error(), "includes nest deeper than 10 files") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("diamond is not a cycle", func(t *testing.T) {
		inv, err := run(t, Requirements{}, map[string]string{
			"requirements.txt":   "-r requirements-a.txt\n-r requirements-b.txt\n",
			"requirements-a.txt": "-r requirements-c.txt\n",
			"requirements-b.txt": "-r requirements-c.txt\n",
			"requirements-c.txt": "six==1.16.0\n",
		}, "requirements.txt")
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.Packages) != 1 || inv.Packages[0].Locations[0].Path != "requirements-c.txt" {
			t.Errorf("got %+v", inv.Packages)
		}
	})
}

func TestLockErrors(t *testing.T) {
	tests := []struct {
		name  string
		ex    extract.Extractor
		files map[string]string
		path  string
		err   string
	}{
		{"poetry bad toml", Poetry{}, map[string]string{"poetry.lock": "[[package]]\nname = \n"}, "poetry.lock",
			"poetry.lock: toml: line 2 (last key \"package.name\"): expected value but found '\\n' instead"},
		{"poetry wrong type", Poetry{}, map[string]string{"poetry.lock": "[[package]]\nname = \"a\"\nversion = 1\n"}, "poetry.lock",
			"poetry.lock: toml: line 3 (last key \"package.version\"): incompatible types: TOML value has type int64; destination has type string"},
		{"poetry no version", Poetry{}, map[string]string{"poetry.lock": "[[package]]\nname = \"a\"\n"}, "poetry.lock",
			"poetry.lock: package[0]: want name and version"},
		{"poetry bad hash", Poetry{}, map[string]string{"poetry.lock": "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{file = \"a.whl\", hash = \"sha256:00\"}]\n"}, "poetry.lock",
			`poetry.lock: package "a": files[0]: hash "sha256:00": want 64 hex digits after "sha256:"`},
		{"poetry bad pyproject", Poetry{}, map[string]string{"poetry.lock": "", "pyproject.toml": "[project]\ndependencies = [\"==1\"]\n"}, "poetry.lock",
			`pyproject.toml: project.dependencies[0]: want a project name, got "==1"`},
		{"pipenv version type", Pipenv{}, map[string]string{"Pipfile.lock": `{"default": {"django": {"version": 4}}}`}, "Pipfile.lock",
			`Pipfile.lock: default["django"].version: want string, got number`},
		{"pipenv section type", Pipenv{}, map[string]string{"Pipfile.lock": `{"develop": []}`}, "Pipfile.lock",
			`Pipfile.lock: develop: want an object, got array`},
		{"pipenv hashes type", Pipenv{}, map[string]string{"Pipfile.lock": `{"default": {"six": {"version": "==1", "hashes": "sha256:x"}}}`}, "Pipfile.lock",
			`Pipfile.lock: default["six"].hashes: want array of strings, got string`},
		{"pipenv not json", Pipenv{}, map[string]string{"Pipfile.lock": `{"default": `}, "Pipfile.lock",
			`Pipfile.lock: unexpected end of JSON input`},
		{"uv no version", UV{}, map[string]string{"uv.lock": "version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://pypi.org/simple\" }\n"}, "uv.lock",
			`uv.lock: package "a": want a version`},
		{"uv bad hash", UV{}, map[string]string{"uv.lock": "version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsdist = { url = \"x\", hash = \"md4:00\" }\n"}, "uv.lock",
			`uv.lock: package "a": artifact 0: hash "md4:00": unknown algorithm "md4", want sha256, sha384 or sha512`},
		{"pdm bad dependency", PDM{}, map[string]string{"pdm.lock": "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b>>1\"]\n"}, "pdm.lock",
			`pdm.lock: package "a": dependencies[0]: version of "b": version ">1" has '>', want letters, digits and . * + ! _ -`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run(t, tt.ex, tt.files, tt.path)
			if err == nil || err.Error() != tt.err {
				t.Errorf("error = %v\nwant %s", err, tt.err)
			}
		})
	}
}

func TestPoetryGroups(t *testing.T) {
	// Poetry 2 (lock-version 2.1) records groups per package.
	lock := `[[package]]
name = "certifi"
version = "2025.1.31"
description = "Python package for providing Mozilla's CA Bundle."
optional = false
python-versions = ">=3.6"
groups = ["main"]
files = []

[[package]]
name = "pytest"
version = "8.3.5"
description = "pytest: simple powerful testing with Python"
optional = false
python-versions = ">=3.8"
groups = ["dev"]
files = []

[metadata]
lock-version = "2.1"
python-versions = ">=3.9"
content-hash = "0000000000000000000000000000000000000000000000000000000000000000"
`
	inv, err := run(t, Poetry{}, map[string]string{"poetry.lock": lock}, "poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	if p := inv.Package("pkg:pypi/certifi@2025.1.31"); p == nil || p.Dev {
		t.Errorf("certifi: %+v", p)
	}
	if p := inv.Package("pkg:pypi/pytest@8.3.5"); p == nil || !p.Dev {
		t.Errorf("pytest: %+v", p)
	}
}

func seed(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzRequirements(f *testing.F) {
	seed(f, "requirements/requirements.txt", "requirements/requirements/base.txt")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, Requirements{}, "requirements.txt", data) })
}

func FuzzPoetry(f *testing.F) {
	seed(f, "poetry/poetry.lock", "poetry-legacy/poetry.lock")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, Poetry{}, "poetry.lock", data) })
}

func FuzzPipenv(f *testing.F) {
	seed(f, "pipenv/Pipfile.lock", "pipenv-legacy/Pipfile.lock")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, Pipenv{}, "Pipfile.lock", data) })
}

func FuzzUV(f *testing.F) {
	seed(f, "uv/uv.lock")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, UV{}, "uv.lock", data) })
}

func FuzzPDM(f *testing.F) {
	seed(f, "pdm/pdm.lock", "pdm-legacy/pdm.lock")
	f.Fuzz(func(t *testing.T, data []byte) { extracttest.Fuzz(t, PDM{}, "pdm.lock", data) })
}

// FuzzParseRequirement checks the PEP 508 parser directly: no panic, and a
// successful parse yields a valid name and a specifier it accepts again.
func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{"requests[socks]==2.0; python_version > '3'", "pip @ https://x/y.zip ; os_name == 'nt'", "a (>=1,<2)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRequirement(s)
		if err != nil {
			return
		}
		if !validName(r.Name) {
			t.Fatalf("parseRequirement(%q) accepted name %q", s, r.Name)
		}
		if again, err := normalizeSpecifier(r.Specifier); err != nil || again != r.Specifier {
			t.Fatalf("specifier %q does not round-trip: %q, %v", r.Specifier, again, err)
		}
	})
}

// FuzzLogicalLines checks line joining and option splitting: no panic, and
// line numbers never decrease.
func FuzzLogicalLines(f *testing.F) {
	seed(f, "requirements/requirements.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		last := 0
		for _, ll := range logicalLines(string(data)) {
			if ll.n < last || ll.text == "" {
				t.Fatalf("bad logical line %+v after %d", ll, last)
			}
			last = ll.n
			_, _ = parseReqLine(ll.text)
		}
	})
}

var _ fs.FS = fstest.MapFS{}
