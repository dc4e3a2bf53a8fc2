package inventory

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestPURL(t *testing.T) {
	tests := []struct {
		eco           Ecosystem
		name, version string
		q             map[string]string
		want          string
	}{
		{Go, "github.com/spf13/cobra", "v1.10.2", nil, "pkg:golang/github.com/spf13/cobra@v1.10.2"},
		{Go, "stdlib", "1.22.1", nil, "pkg:golang/stdlib@1.22.1"},
		// Go module paths are case-sensitive: OSV's GO-2022-0411 names
		// github.com/Masterminds/goutils, which a lower-cased purl misses.
		{Go, "github.com/Masterminds/goutils", "v1.1.0", nil, "pkg:golang/github.com/Masterminds/goutils@v1.1.0"},
		{Npm, "@babel/core", "7.24.0", nil, "pkg:npm/%40babel/core@7.24.0"},
		{Npm, "left-pad", "1.3.0", nil, "pkg:npm/left-pad@1.3.0"},
		{PyPI, "Django_REST.framework", "3.15.1", nil, "pkg:pypi/django-rest-framework@3.15.1"},
		{CratesIO, "serde", "1.0.200", nil, "pkg:cargo/serde@1.0.200"},
		{Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", nil, "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
		{RubyGems, "rails", "7.1.3", nil, "pkg:gem/rails@7.1.3"},
		{Packagist, "Symfony/Console", "v6.4.0", nil, "pkg:composer/symfony/console@v6.4.0"},
		{NuGet, "Newtonsoft.Json", "13.0.3", nil, "pkg:nuget/Newtonsoft.Json@13.0.3"},
		{Debian, "libc6", "2.36-9+deb12u7", map[string]string{"arch": "amd64", "distro": "debian-12"}, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12"},
		{Debian, "perl", "5.36.0-7", map[string]string{"arch": "amd64", "epoch": ""}, "pkg:deb/debian/perl@5.36.0-7?arch=amd64"},
		{Alpine, "musl", "1.2.5-r0", map[string]string{"arch": "x86_64", "distro": "alpine-3.20.3"}, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
		{RPM, "curl", "7.50.3-1.fc25", map[string]string{"namespace": "Fedora", "arch": "i386", "distro": "fedora-25"}, "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25"},
		{RPM, "centerim", "4.22.10-1.el6", map[string]string{"arch": "i686", "epoch": "1", "distro": "fedora-25", "namespace": ""}, "pkg:rpm/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1"},
		{Debian, "zlib1g", "1:1.2.13", map[string]string{"namespace": "x"}, "pkg:deb/debian/zlib1g@1:1.2.13?namespace=x"},
		{Unknown, "thing", "1", nil, "pkg:generic/thing@1"},
		{GitHubActions, "actions/checkout", "v4", nil, "pkg:github/actions/checkout@v4"},
		{GitHubActions, "CodSpeedHQ/action", "v5.2.1", nil, "pkg:github/codspeedhq/action@v5.2.1"},
		{GitHubActions, "github/codeql-action", "v3", map[string]string{"subpath": "upload-sarif"}, "pkg:github/github/codeql-action@v3#upload-sarif"},
		{GitHubActions, "anchore/workflows", "7212994dc8fc3a53fe9c8e766ab5b4ddd16ea3d4", map[string]string{"subpath": ".github/workflows/check-gate.yaml"}, "pkg:github/anchore/workflows@7212994dc8fc3a53fe9c8e766ab5b4ddd16ea3d4#.github/workflows/check-gate.yaml"},
		{GitHubActions, "o/r", "feature/x", map[string]string{"subpath": ""}, "pkg:github/o/r@feature%2Fx"},
	}
	for _, tt := range tests {
		got := PURL(tt.eco, tt.name, tt.version, tt.q)
		if got != tt.want {
			t.Errorf("PURL(%q, %q, %q) = %q, want %q", tt.eco, tt.name, tt.version, got, tt.want)
		}
		p, err := ParsePURL(got)
		if err != nil {
			t.Errorf("ParsePURL(%q): %v", got, err)
			continue
		}
		wantName := tt.name
		switch tt.eco {
		case PyPI:
			wantName = NormalizePyPIName(tt.name)
		case Packagist:
			wantName = "symfony/console"
		case GitHubActions:
			// purl-spec's github type lower-cases owner and repository.
			wantName = strings.ToLower(tt.name)
		}
		if p.Ecosystem != tt.eco || p.Name != wantName || p.Version != tt.version {
			t.Errorf("ParsePURL(%q) = %+v, want %s %s %s", got, p, tt.eco, wantName, tt.version)
		}
		if again := PURL(p.Ecosystem, p.Name, p.Version, p.Qualifiers); again != got {
			t.Errorf("PURL(ParsePURL(%q)) = %q", got, again)
		}
	}
}

// TestParsePURLGoCase checks that case-preserving golang purls, as syft
// writes them, keep the module path's case.
func TestParsePURLGoCase(t *testing.T) {
	for _, s := range []string{
		"pkg:golang/github.com/Masterminds/goutils@v1.1.0",
		"pkg:golang/github.com/Masterminds/goutils@v1.1.0?type=module",
		"pkg:golang/github.com/Azure/go-autorest/autorest@v0.9.0#sub",
	} {
		p, err := ParsePURL(s)
		if err != nil {
			t.Fatal(err)
		}
		want := "github.com/Masterminds/goutils"
		if strings.Contains(s, "Azure") {
			want = "github.com/Azure/go-autorest/autorest"
		}
		if p.Ecosystem != Go || p.Name != want {
			t.Errorf("ParsePURL(%q) = %+v, want Go %s", s, p, want)
		}
	}
}

func TestParsePURLError(t *testing.T) {
	if _, err := ParsePURL("not a purl"); err == nil {
		t.Fatal("want error")
	}
}

func TestNormalizePyPIName(t *testing.T) {
	for in, want := range map[string]string{
		"Django":             "django",
		"zope.interface":     "zope-interface",
		"ruamel__yaml":       "ruamel-yaml",
		"a-_.b":              "a-b",
		" Flask_SQLAlchemy ": "flask-sqlalchemy",
	} {
		if got := NormalizePyPIName(in); got != want {
			t.Errorf("NormalizePyPIName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	inv := &Inventory{
		Packages: []Package{
			{Name: "b", PURL: "pkg:npm/b@1", Locations: []Location{{Path: "x/package-lock.json", Line: 12}, {Path: "x/package-lock.json", Line: 3, Layer: "sha256:2"}}, Dev: true},
			{Name: "a", PURL: "pkg:npm/a@1", Locations: []Location{{Path: "package-lock.json"}}, Direct: true},
			{Name: "b", PURL: "pkg:npm/b@1", Locations: []Location{{Path: "x/package-lock.json", Line: 12}, {Path: "a/package-lock.json"}, {Path: "x/package-lock.json", Line: 3, Layer: "sha256:1"}}, Dev: false, Hashes: []Hash{{"SHA-512", "ab"}}},
		},
		Relationships: []Relationship{
			{From: "pkg:npm/a@1", To: "pkg:npm/b@1", Type: DevDependsOn},
			{From: "pkg:npm/a@1", To: "pkg:npm/b@1"},
			{From: "pkg:npm/a@1", To: "pkg:npm/b@1", Type: DependsOn},
			{From: "pkg:npm/a@1", To: "pkg:npm/missing@1"},
			{From: "pkg:npm/a@1", To: "pkg:npm/a@1"},
		},
		Skipped: []Skipped{{"z", "bad"}, {"a", "bad"}, {"z", "bad"}},
	}
	inv.Normalize()
	got, _ := json.Marshal(inv)
	want := `{"target":{"name":"","kind":""},"packages":[` +
		`{"name":"a","purl":"pkg:npm/a@1","locations":[{"path":"package-lock.json"}],"direct":true},` +
		`{"name":"b","purl":"pkg:npm/b@1","locations":[{"path":"a/package-lock.json"},{"path":"x/package-lock.json","line":3,"layer":"sha256:1"},{"path":"x/package-lock.json","line":3,"layer":"sha256:2"},{"path":"x/package-lock.json","line":12}],"hashes":[{"alg":"SHA-512","value":"ab"}]}],` +
		`"relationships":[{"from":"pkg:npm/a@1","to":"pkg:npm/b@1","type":"depends-on"}],` +
		`"skipped":[{"path":"a","reason":"bad"},{"path":"z","reason":"bad"}]}`
	if string(got) != want {
		t.Errorf("Normalize:\n got %s\nwant %s", got, want)
	}
	if p := inv.Package("pkg:npm/b@1"); p == nil || p.Name != "b" {
		t.Errorf("Package lookup failed: %+v", p)
	}
}

// TestNormalizeEmpty: an inventory with no packages says so with an
// empty list, as `hallmark sbom -o json` of an empty directory prints it.
func TestNormalizeEmpty(t *testing.T) {
	inv := &Inventory{Target: Target{Name: "empty", Kind: "directory"}}
	inv.Normalize()
	got, _ := json.Marshal(inv)
	if want := `{"target":{"name":"empty","kind":"directory"},"packages":[]}`; string(got) != want {
		t.Errorf("Normalize:\n got %s\nwant %s", got, want)
	}
}

func TestParseOSRelease(t *testing.T) {
	d := ParseOSRelease([]byte(`PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
garbage line
`))
	want := Distro{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"}
	if d == nil || *d != want {
		t.Fatalf("got %+v, want %+v", d, want)
	}
	if q := d.PURLQualifier(); q != "debian-12" {
		t.Errorf("qualifier %q", q)
	}
	if ParseOSRelease([]byte("NAME=x\n")) != nil {
		t.Error("want nil without ID")
	}
}

func FuzzParseOSRelease(f *testing.F) {
	f.Add([]byte("ID=alpine\nVERSION_ID=3.20.3\n"))
	f.Add([]byte("ID=\"ubuntu\"\nVERSION_ID='22.04'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d := ParseOSRelease(data); d != nil && d.ID == "" {
			t.Fatal("distro without ID")
		}
	})
}

func FuzzParsePURL(f *testing.F) {
	f.Add("pkg:npm/%40babel/core@7.24.0")
	f.Add("pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12")
	f.Add("pkg:golang/github.com/a/b@v1.0.0#sub/path")
	f.Add("pkg:github/actions/cache@v4#restore")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePURL(s)
		if err != nil {
			return
		}
		_ = PURL(p.Ecosystem, p.Name, p.Version, p.Qualifiers)
	})
}

// The same module built into two binaries is one package carrying both
// binaries' settings, each name/value pair once.
func TestNormalizeMergesProperties(t *testing.T) {
	inv := &Inventory{Packages: []Package{
		{Name: "m", PURL: "pkg:golang/example.com/m@v1.0.0", Locations: []Location{{Path: "dist/m_linux"}},
			Properties: []Property{{"hallmark:go:build:GOOS", "linux"}, {"hallmark:go:build:CGO_ENABLED", "0"}}},
		{Name: "m", PURL: "pkg:golang/example.com/m@v1.0.0", Locations: []Location{{Path: "dist/m_darwin"}},
			Properties: []Property{{"hallmark:go:build:GOOS", "darwin"}, {"hallmark:go:build:CGO_ENABLED", "0"}}},
	}}
	inv.Normalize()
	got, _ := json.Marshal(inv.Packages[0].Properties)
	want := `[{"name":"hallmark:go:build:CGO_ENABLED","value":"0"},{"name":"hallmark:go:build:GOOS","value":"linux"},{"name":"hallmark:go:build:GOOS","value":"darwin"}]`
	if string(got) != want {
		t.Errorf("properties:\n got %s\nwant %s", got, want)
	}
}

func TestDirectDependencies(t *testing.T) {
	rel := func(from, to string) Relationship { return Relationship{From: from, To: to, Type: DependsOn} }
	for _, tc := range []struct {
		name string
		inv  Inventory
		want []string
	}{{
		name: "flags win over the root's edges (a go.mod's indirect requirements)",
		inv: Inventory{
			Packages: []Package{
				{PURL: "pkg:golang/example.com/app", Type: "application"},
				{PURL: "pkg:golang/a@v1", Direct: true},
				{PURL: "pkg:golang/b@v1"},
			},
			Relationships: []Relationship{rel("pkg:golang/example.com/app", "pkg:golang/a@v1"), rel("pkg:golang/example.com/app", "pkg:golang/b@v1")},
		},
		want: []string{"pkg:golang/a@v1"},
	}, {
		name: "no flags: what the roots depend on",
		inv: Inventory{
			Packages:      []Package{{PURL: "pkg:npm/app@1", Type: "application"}, {PURL: "pkg:npm/a@1"}, {PURL: "pkg:npm/b@1"}},
			Relationships: []Relationship{rel("pkg:npm/app@1", "pkg:npm/a@1"), rel("pkg:npm/a@1", "pkg:npm/b@1")},
		},
		want: []string{"pkg:npm/a@1"},
	}, {
		name: "neither flags nor edges",
		inv:  Inventory{Packages: []Package{{PURL: "pkg:npm/a@1"}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			isDirect := tc.inv.DirectDependencies()
			var got []string
			for _, p := range tc.inv.Packages {
				if isDirect(p.PURL) {
					got = append(got, p.PURL)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("direct = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNormalizeOrder: packages and relationships come out in purl order
// however they went in (Normalize sorts them by rank, not by moving them),
// each relationship once, and a dev edge beside a runtime edge of the same
// pair is dropped.
func TestNormalizeOrder(t *testing.T) {
	ps := []string{"pkg:npm/e@1", "pkg:npm/b@1", "pkg:npm/d@1", "pkg:npm/a@1", "pkg:npm/c@1", "pkg:npm/b@1"}
	inv := &Inventory{}
	for _, p := range ps {
		inv.Packages = append(inv.Packages, Package{Name: p[8:9], PURL: p})
	}
	r := func(from, to string, typ RelationshipType) Relationship {
		return Relationship{From: "pkg:npm/" + from + "@1", To: "pkg:npm/" + to + "@1", Type: typ}
	}
	inv.Relationships = []Relationship{
		r("e", "a", ""), r("c", "d", DevDependsOn), r("a", "e", DevDependsOn), r("b", "c", DependsOn),
		r("a", "b", DevDependsOn), r("e", "a", DependsOn), r("a", "b", ""), r("c", "d", DevDependsOn),
		r("a", "c", "other"), r("a", "c", DevDependsOn), r("a", "c", "other"), r("d", "x", ""), r("b", "b", ""),
	}
	inv.Normalize()
	var got []string
	for _, p := range inv.Packages {
		got = append(got, p.PURL)
	}
	if want := "pkg:npm/a@1 pkg:npm/b@1 pkg:npm/c@1 pkg:npm/d@1 pkg:npm/e@1"; strings.Join(got, " ") != want {
		t.Errorf("packages %s, want %s", got, want)
	}
	got = nil
	for _, r := range inv.Relationships {
		got = append(got, r.From[8:9]+">"+r.To[8:9]+" "+string(r.Type))
	}
	want := []string{"a>b depends-on", "a>c dev-depends-on", "a>c other", "a>e dev-depends-on", "b>c depends-on", "c>d dev-depends-on", "e>a depends-on"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("relationships\n got %s\nwant %s", strings.Join(got, ", "), strings.Join(want, ", "))
	}
}
