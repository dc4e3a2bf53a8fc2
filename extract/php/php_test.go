package php

import (
	"os"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	inv := extracttest.Golden(t, New(), "app", "composer.lock")
	if len(inv.Packages) != 13 {
		t.Errorf("got %d packages, want 13", len(inv.Packages))
	}
	dep := inv.Package("pkg:composer/symfony/deprecation-contracts@3.5.0")
	if dep == nil {
		t.Fatal("symfony/deprecation-contracts at 3.5.0 (locked as v3.5.0) is missing")
	}
	if v, _ := dep.Property(PropVersion); v != "v3.5.0" || dep.Version != "3.5.0" {
		t.Errorf("deprecation-contracts version %q, lockfile version %q", dep.Version, v)
	}
	acme := inv.Package("pkg:composer/acme/billing-client@1.4.2")
	if acme == nil || !acme.Direct || len(acme.Hashes) != 1 || acme.Hashes[0].Algorithm != "SHA-1" {
		t.Errorf("acme/billing-client = %+v, want direct with a SHA-1", acme)
	}
	mock := inv.Package("pkg:composer/mockery/mockery@1.6.12")
	if mock == nil || !mock.Dev || !mock.Direct {
		t.Errorf("mockery = %+v, want direct and dev", mock)
	}
	if p := inv.Package("pkg:composer/psr/log@3.0.2"); p == nil || p.Direct || p.Dev {
		t.Errorf("psr/log = %+v, want transitive, not dev", p)
	}
	for _, r := range inv.Relationships {
		if r.From == "pkg:composer/mockery/mockery@1.6.12" && r.To != "pkg:composer/hamcrest/hamcrest-php@2.0.1" {
			t.Errorf("mockery depends on %s (lib-pcre and php are platform requirements)", r.To)
		}
	}
}

func TestClaims(t *testing.T) {
	for p, want := range map[string]bool{"composer.lock": true, "a/b/composer.lock": true, "composer.json": false, "composer.lock.orig": false} {
		if got := New().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func run(t *testing.T, files map[string]string) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c)}
	}
	return extracttest.Run(t, New(), fsys, "composer.lock", nil)
}

// TestProvides: a requirement on a virtual package resolves to the package
// that provides or replaces it. No composer.json: nothing is direct.
func TestProvides(t *testing.T) {
	const lock = `{
    "packages": [
        {"name": "php-http/discovery", "version": "1.19.4", "require": {"php": "^7.1 || ^8.0", "psr/http-client-implementation": "*", "Psr/Http-Factory": "^1.0"}},
        {"name": "guzzlehttp/guzzle", "version": "7.9.2", "provide": {"psr/http-client-implementation": "1.0"}},
        {"name": "psr/http-factory", "version": "1.1.0"},
        {"name": "laminas/laminas-zendframework-bridge", "version": "1.8.0", "replace": {"zendframework/zend-stdlib": "*"}},
        {"name": "old/consumer", "version": "dev-main", "require": {"zendframework/zend-stdlib": "^3", "missing/pkg": "^1"}}
    ]
}`
	pkgs, rels, err := run(t, map[string]string{"composer.lock": lock})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if p.Direct {
			t.Errorf("%s is direct without a composer.json", p.PURL)
		}
	}
	var got []string
	for _, r := range rels {
		got = append(got, r.From+" -> "+r.To)
	}
	slices.Sort(got)
	want := []string{
		"pkg:composer/old/consumer@dev-main -> pkg:composer/laminas/laminas-zendframework-bridge@1.8.0",
		"pkg:composer/php-http/discovery@1.19.4 -> pkg:composer/guzzlehttp/guzzle@7.9.2",
		"pkg:composer/php-http/discovery@1.19.4 -> pkg:composer/psr/http-factory@1.1.0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("relationships:\n got %q\nwant %q", got, want)
	}
}

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{
		"v6.4.3": "6.4.3", "V1.0": "1.0", "6.4.3": "6.4.3", "dev-main": "dev-main",
		"v": "v", "vendor-branch": "vendor-branch", "2.x-dev": "2.x-dev", "v2.0.0-beta1": "2.0.0-beta1",
	} {
		if got := NormalizeVersion(in); got != want {
			t.Errorf("NormalizeVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, lock, json, want string }{
		{"version number", "{\n  \"packages\": [\n    {\"name\": \"a/b\",\n     \"version\": 1}\n  ]\n}", "",
			`composer.lock:4: packages[0] ("a/b").version: want string, got number`},
		{"shasum", "{\"packages-dev\": [{\"name\": \"a/b\", \"version\": \"1.0\", \"dist\": {\"shasum\": \"abc\"}}]}", "",
			`composer.lock:1: packages-dev[0] ("a/b").dist.shasum: want 40 hex digits (SHA-1), got "abc"`},
		{"name", "{\"packages\": [{\"name\": \"monolog\", \"version\": \"1.0\"}]}", "",
			`composer.lock:1: packages[0] ("monolog").name: want "vendor/package", got "monolog"`},
		{"no version", "{\"packages\": [{\"name\": \"a/b\"}]}", "",
			`composer.lock:1: packages[0] ("a/b").version: missing`},
		{"packages object", "{\n\"packages\": {}}", "",
			`composer.lock:2: packages: want array, got object`},
		{"syntax", "{\"packages\": [\n{\"name\": tru}]}", "",
			`composer.lock:2: packages[0]: invalid character '}' in literal true (expecting 'e')`},
		{"require array", "{\"packages\": [{\"name\": \"a/b\", \"version\": \"1\", \"require\": [\"c/d\"]}]}", "",
			`composer.lock:1: packages[0] ("a/b").require: want object, got array`},
		{"not an object", "[]", "", `composer.lock:1: want a JSON object, got [`},
		{"deep", "{\"x\": " + deep(100) + "}", "", `composer.lock:1: JSON nested deeper than 64 levels`},
		{"composer.json", `{"packages": []}`, "{\n  \"require\": {\"a/b\": 2}\n}",
			`composer.json:2: require: want string, got number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"composer.lock": tc.lock}
			if tc.json != "" {
				files["composer.json"] = tc.json
			}
			_, _, err := run(t, files)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func deep(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

func FuzzComposerLock(f *testing.F) {
	data, err := os.ReadFile("testdata/app/composer.lock")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"packages": [{"name": "a/b", "version": "v1", "require": {"c/d": "*"}, "provide": {"x/y": "1"}}], "packages-dev": [{"name": "c/d", "version": "2", "dist": {"shasum": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, New(), "composer.lock", data)
	})
}
