package python

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

// TestInstalledGolden walks testdata/installed (real metadata files, see
// testdata/README.md) the way `hallmark sbom` does and compares the whole
// inventory, relationships across distributions included.
func TestInstalledGolden(t *testing.T) {
	root := filepath.Join("testdata", "installed")
	inv, err := extract.Run(context.Background(), os.DirFS(root), extract.Options{Extractors: []extract.Extractor{Installed{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Skipped) > 0 {
		t.Errorf("skipped: %v", inv.Skipped)
	}
	got, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join(root, "inventory.golden.json"), append(got, '\n'))
}

// TestInstalledFacts pins what the golden file must show.
func TestInstalledFacts(t *testing.T) {
	inv, err := extract.Run(context.Background(), os.DirFS(filepath.Join("testdata", "installed")), extract.Options{Extractors: []extract.Extractor{Installed{}}})
	if err != nil {
		t.Fatal(err)
	}
	var purls []string
	for _, p := range inv.Packages {
		purls = append(purls, p.PURL)
	}
	wantPURLs := []string{
		"pkg:pypi/backcall@0.2.0",
		"pkg:pypi/blinker@1.9.0",
		"pkg:pypi/click@8.4.0",
		"pkg:pypi/colorama@0.4.6",
		"pkg:pypi/cryptography@38.0.4",
		"pkg:pypi/flask@3.1.3",
		"pkg:pypi/itsdangerous@2.2.0",
		"pkg:pypi/jinja2@3.1.6",
		"pkg:pypi/lazr-uri@1.0.6",
		"pkg:pypi/markupsafe@3.0.3",
		"pkg:pypi/pygobject@3.42.2",
		"pkg:pypi/python@2.7.18",
		"pkg:pypi/pyyaml@6.0",
		"pkg:pypi/requests@2.28.1",
		"pkg:pypi/werkzeug@3.1.8",
		"pkg:pypi/wsgiref@0.1.2",
	}
	if !slices.Equal(purls, wantPURLs) {
		t.Errorf("packages:\n%s\nwant:\n%s", strings.Join(purls, "\n"), strings.Join(wantPURLs, "\n"))
	}
	var rels []string
	for _, r := range inv.Relationships {
		rels = append(rels, strings.TrimPrefix(r.From, "pkg:pypi/")+" -> "+strings.TrimPrefix(r.To, "pkg:pypi/"))
	}
	// flask's extras (asgiref, python-dotenv) and its importlib-metadata
	// for old Pythons are not installed here; click's colorama has a
	// platform marker without an extra, so it counts.
	wantRels := []string{
		"click@8.4.0 -> colorama@0.4.6",
		"flask@3.1.3 -> blinker@1.9.0",
		"flask@3.1.3 -> click@8.4.0",
		"flask@3.1.3 -> itsdangerous@2.2.0",
		"flask@3.1.3 -> jinja2@3.1.6",
		"flask@3.1.3 -> markupsafe@3.0.3",
		"flask@3.1.3 -> werkzeug@3.1.8",
		"jinja2@3.1.6 -> markupsafe@3.0.3",
		"werkzeug@3.1.8 -> markupsafe@3.0.3",
	}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("relationships:\n%s\nwant:\n%s", strings.Join(rels, "\n"), strings.Join(wantRels, "\n"))
	}
	for _, tc := range []struct {
		purl      string
		licenses  []string
		installer string
		locations []string
	}{
		// License-Expression
		{"pkg:pypi/flask@3.1.3", []string{"BSD-3-Clause"}, "pip", []string{"site-packages/flask-3.1.3.dist-info/METADATA"}},
		// License: UNKNOWN, so the BSD classifier, which has no one SPDX id
		{"pkg:pypi/backcall@0.2.0", nil, "pip", nil},
		// no License, classifier "MIT License"
		{"pkg:pypi/blinker@1.9.0", []string{"MIT"}, "pip", nil},
		// License as written, Debian's egg-info, no INSTALLER
		{"pkg:pypi/requests@2.28.1", []string{"Apache 2.0"}, "", []string{"dist-packages/requests-2.28.1.egg-info/PKG-INFO"}},
		// both forms Debian installs, merged
		{"pkg:pypi/cryptography@38.0.4", []string{"BSD-3-Clause OR Apache-2.0"}, "", []string{
			"dist-packages/cryptography-38.0.4.dist-info/METADATA", "dist-packages/cryptography.egg-info/PKG-INFO"}},
		// the single-file egg-info of Python 2's standard library
		{"pkg:pypi/wsgiref@0.1.2", []string{"PSF or ZPL"}, "", []string{"python2.7/wsgiref.egg-info"}},
	} {
		p := inv.Package(tc.purl)
		if p == nil {
			t.Errorf("no %s", tc.purl)
			continue
		}
		if !slices.Equal(p.Licenses, tc.licenses) {
			t.Errorf("%s licenses = %q, want %q", tc.purl, p.Licenses, tc.licenses)
		}
		if got, _ := p.Property(propInstaller); got != tc.installer {
			t.Errorf("%s installer = %q, want %q", tc.purl, got, tc.installer)
		}
		if tc.locations != nil && !slices.Equal(inventory.Paths(p.Locations), tc.locations) {
			t.Errorf("%s locations = %q, want %q", tc.purl, inventory.Paths(p.Locations), tc.locations)
		}
	}
}

func TestInstalledClaims(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO", true},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info", true},
		{"venv/lib/python3.12/site-packages/flask-3.1.3.dist-info/METADATA", true},
		{"flask-3.1.3.dist-info/METADATA", true},
		{"src/mypkg.egg-info/PKG-INFO", true},
		{".dist-info/METADATA", false},
		{".egg-info", false},
		{"flask-3.1.3.dist-info/RECORD", false},
		{"flask-3.1.3.dist-info/INSTALLER", false},
		{"flask-3.1.3.egg-info/METADATA", false},
		{"flask-3.1.3.dist-info/PKG-INFO", false},
		{"sdist/flask-3.1.3/PKG-INFO", false},
		{"docs/METADATA", false},
	} {
		if got := (Installed{}).Claims(tc.path, 0o644); got != tc.want {
			t.Errorf("Claims(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	if (Installed{}).Claims("x.egg-info", 0o755|os.ModeDir) {
		t.Error("claims a directory")
	}
	if !(Installed{}).Companion("a/flask-3.1.3.dist-info/INSTALLER") || !(Installed{}).Companion("a/x.egg-info/requires.txt") {
		t.Error("companions not wanted")
	}
}

func TestInstalledErrors(t *testing.T) {
	const meta = "site-packages/a-1.dist-info/METADATA"
	for _, tc := range []struct {
		name, file, data string
		extra            map[string]string
		err              string
	}{
		{"no colon", meta, "Metadata-Version: 2.1\nName: a\nVersion 1.0\n",
			nil, meta + `:3: want a "Name: value" header, got "Version 1.0"`},
		{"space in header name", meta, "Metadata-Version: 2.1\nName: a\nRequires Dist: b\n",
			nil, meta + `:3: want a "Name: value" header, got "Requires Dist: b"`},
		{"continuation first", meta, " Name: a\nVersion: 1\n",
			nil, meta + `:1: continuation line before any header: want "Name: value"`},
		{"no name", meta, "Metadata-Version: 2.1\nVersion: 1\n\nName: in the description\n",
			nil, meta + `: no Name header: want the distribution's name`},
		{"no version", meta, "Metadata-Version: 2.1\nName: a\n",
			nil, meta + `: no Version header: want the distribution's version`},
		{"bad name", meta, "Metadata-Version: 2.1\nName: -a-\nVersion: 1\n",
			nil, meta + `:2: Name "-a-" is not a valid distribution name`},
		{"bad requires-dist", meta, "Name: a\nVersion: 1\nRequires-Dist: b (>=1\n",
			nil, meta + `:3: Requires-Dist: version of "b": want a closing ')'`},
		{"bad requires.txt", "d/a-1.egg-info/PKG-INFO", "Name: a\nVersion: 1\n",
			map[string]string{"d/a-1.egg-info/requires.txt": "b>=1\n\n[test\nc\n"},
			`d/a-1.egg-info/requires.txt:3: section "[test": want a closing ']'`},
		{"bad requirement in requires.txt", "d/a-1.egg-info/PKG-INFO", "Name: a\nVersion: 1\n",
			map[string]string{"d/a-1.egg-info/requires.txt": "b>>1\n"},
			`d/a-1.egg-info/requires.txt:1: version of "b": version ">1" has '>', want letters, digits and . * + ! _ -`},
		{"long line", meta, "Name: a\nVersion: 1\nSummary: " + strings.Repeat("x", maxHeaderBytes) + "\n",
			nil, meta + `:3: headers longer than 1048576 bytes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{tc.file: tc.data}
			for k, v := range tc.extra {
				files[k] = v
			}
			_, err := run(t, Installed{}, files, tc.file)
			if err == nil || err.Error() != tc.err {
				t.Errorf("error = %v\nwant %s", err, tc.err)
			}
		})
	}
}

// TestInstalledHeaders checks header syntax against Python's email parser:
// folded values, case-insensitive names, CRLF, first-wins for single
// fields, and the description after the empty line left unread.
func TestInstalledHeaders(t *testing.T) {
	data := "metadata-version: 2.1\r\nNAME: Foo.Bar\r\nVersion: 1.0\r\nVersion: 2.0\r\nLicense: Some\r\n        long text\r\n" +
		"Requires-Dist: baz ; extra == 'test'\r\nRequires-Dist: qux; python_version < \"3.8\" and sys_platform == \"extra\"\r\n" +
		"Requires-Dist: quux\r\n\r\nRequires-Dist: not-a-header\r\n"
	md, err := parseMetadata("METADATA", strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if md.name != "Foo.Bar" || md.version != "1.0" || md.license != "Some\nlong text" {
		t.Errorf("name %q version %q license %q", md.name, md.version, md.license)
	}
	var reqs []string
	for _, r := range md.requires {
		reqs = append(reqs, r.Name)
	}
	if !slices.Equal(reqs, []string{"qux", "quux"}) {
		t.Errorf("requires = %q, want [qux quux]", reqs)
	}
	if l := md.licenses(); l != nil {
		t.Errorf("a folded License is a text, not a name: got %q", l)
	}
}

func TestMarkerTestsExtra(t *testing.T) {
	for _, tc := range []struct {
		marker string
		want   bool
	}{
		{"", false},
		{`extra == "async"`, true},
		{`python_version < "3.10" and extra=='x'`, true},
		{`(extra == "a" or extra == "b")`, true},
		{`sys_platform == "extra"`, false},
		{`platform_system == "Windows"`, false},
		{`extras == "x"`, false},
	} {
		if got := markerTestsExtra(tc.marker); got != tc.want {
			t.Errorf("markerTestsExtra(%q) = %v, want %v", tc.marker, got, tc.want)
		}
	}
}

func TestLicenses(t *testing.T) {
	for _, tc := range []struct {
		name string
		md   metadata
		want []string
	}{
		{"expression wins", metadata{expression: "MIT", license: "BSD", classifiers: []string{"License :: OSI Approved :: ISC License (ISCL)"}}, []string{"MIT"}},
		{"short license", metadata{license: "Apache 2.0"}, []string{"Apache 2.0"}},
		{"unknown", metadata{license: "UNKNOWN", classifiers: []string{"License :: OSI Approved :: MIT License"}}, []string{"MIT"}},
		{"long license", metadata{license: strings.Repeat("x", 101)}, nil},
		{"two exact classifiers", metadata{classifiers: []string{"Classifier: Topic :: X", "License :: OSI Approved :: MIT License", "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)"}}, []string{"MIT", "MPL-2.0"}},
		{"one inexact classifier", metadata{classifiers: []string{"License :: OSI Approved :: MIT License", "License :: OSI Approved :: Apache Software License"}}, nil},
	} {
		if got := tc.md.licenses(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseRequiresTxt(t *testing.T) {
	// urllib3 1.26.12's requires.txt from Debian's python3-urllib3: extras
	// with markers only.
	data := "\n[brotli]\n\n[brotli:(os_name != \"nt\" or python_version >= \"3\") and platform_python_implementation != \"CPython\"]\nbrotlicffi>=0.8.0\n\n" +
		"[secure]\ncertifi\n\n[socks]\nPySocks!=1.5.7,<2.0,>=1.5.6\n"
	reqs, err := parseRequiresTxt("requires.txt", []byte(data))
	if err != nil || len(reqs) != 0 {
		t.Errorf("got %v, %v; want nothing", reqs, err)
	}
	data = "pycairo>=1.16.0\n# note\n[:python_version < \"3.8\"]\nimportlib-metadata\n[test]\npytest\n"
	reqs, err = parseRequiresTxt("requires.txt", []byte(data))
	var names []string
	for _, r := range reqs {
		names = append(names, r.Name)
	}
	if err != nil || !slices.Equal(names, []string{"pycairo", "importlib-metadata"}) {
		t.Errorf("got %q, %v; want [pycairo importlib-metadata]", names, err)
	}
}

// TestInstalledSiblings: a requirement only resolves to a
// distribution in the same directory, whose metadata name matches.
func TestInstalledSiblings(t *testing.T) {
	fsys := fstest.MapFS{
		"a/x-1.dist-info/METADATA":       {Data: []byte("Name: x\nVersion: 1\nRequires-Dist: Y_Y\nRequires-Dist: z\nRequires-Dist: w\n")},
		"a/y.y-2.0.dist-info/METADATA":   {Data: []byte("Name: y.y\nVersion: 2.0\n")},
		"a/w-3.dist-info/METADATA":       {Data: []byte("Name: not-w\nVersion: 3\n")},
		"b/z-1.dist-info/METADATA":       {Data: []byte("Name: z\nVersion: 1\n")},
		"a/y_y-9.egg-info":               {Data: []byte("Name: y-y\nVersion: 9\n")},
		"a/y_y-broken.egg-info/PKG-INFO": {Data: []byte("garbage\n")},
	}
	in := &extract.Input{FS: fsys, Path: "a/x-1.dist-info/METADATA", MaxSize: 1 << 20}
	_, rels, err := Installed{}.Extract(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rels {
		got = append(got, r.To)
	}
	want := []string{"pkg:pypi/y-y@2.0", "pkg:pypi/y-y@9"}
	if !slices.Equal(got, want) {
		t.Errorf("edges to %q, want %q", got, want)
	}
}

func FuzzInstalled(f *testing.F) {
	seed(f, "installed/site-packages/flask-3.1.3.dist-info/METADATA",
		"installed/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
		"installed/python2.7/wsgiref.egg-info")
	f.Add([]byte("Name: a\nVersion: 1\nRequires-Dist: b; extra == 'x'\n License: x\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, Installed{}, "x-1.dist-info/METADATA", data)
		md, err := parseMetadata("METADATA", strings.NewReader(string(data)))
		if err != nil {
			return
		}
		for _, r := range md.requires {
			if !validName(r.Name) || markerTestsExtra(r.Marker) {
				t.Fatalf("requirement %+v kept", r)
			}
		}
		if reqs, err := parseRequiresTxt("requires.txt", data); err == nil {
			for _, r := range reqs {
				if !validName(r.Name) {
					t.Fatalf("requires.txt requirement %+v", r)
				}
			}
		}
	})
}
