package ruby

import (
	"context"
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

func TestGemspecGolden(t *testing.T) {
	for _, tc := range []struct {
		file, purl, typ string
		licenses        []string
	}{
		// RubyGems' own specifications of installed gems.
		{"specifications/rake-13.0.6.gemspec", "pkg:gem/rake@13.0.6", "", []string{"MIT"}},
		{"specifications/webrick-1.8.1.gemspec", "pkg:gem/webrick@1.8.1", "", []string{"BSD-2-Clause", "Ruby"}}, // sorted by Normalize
		// Authors' gemspecs: the project's own gem. The version of the
		// first is a constant, so it has none.
		{"project/sigstore_protobuf_specs.gemspec", "pkg:gem/sigstore_protobuf_specs", "application", []string{"Apache-2.0"}},
		{"project/tiny_http.gemspec", "pkg:gem/tiny_http@0.4.1", "application", []string{"Apache-2.0", "MIT"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			inv := extracttest.Golden(t, NewGemspec(), "gemspec", tc.file)
			if len(inv.Packages) != 1 {
				t.Fatalf("got %d packages, want 1", len(inv.Packages))
			}
			p := inv.Packages[0]
			if p.PURL != tc.purl || p.Type != tc.typ || !slices.Equal(p.Licenses, tc.licenses) || p.Ecosystem != inventory.RubyGems {
				t.Errorf("got %s type %q licenses %q, want %s type %q licenses %q", p.PURL, p.Type, p.Licenses, tc.purl, tc.typ, tc.licenses)
			}
		})
	}
}

func TestGemspecClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"rake.gemspec": true, "gems/specifications/rake-13.0.6.gemspec": true,
		".gemspec": false, "rake.gemspec.orig": false, "Gemfile": false,
	} {
		if got := NewGemspec().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func runGemspec(t *testing.T, name, data string) ([]inventory.Package, error) {
	t.Helper()
	pkgs, _, err := extracttest.RunFile(t, NewGemspec(), name, []byte(data))
	return pkgs, err
}

// TestGemspecLiterals: which right-hand sides are literals, and what they
// read as.
func TestGemspecLiterals(t *testing.T) {
	for _, tc := range []struct {
		body          string
		name, version string
		licenses      []string
	}{
		{`s.name = "a".freeze` + "\n" + `s.version = "1.0"`, "a", "1.0", nil},
		{`s.name = 'a'` + "\n" + `s.version = '1.0'.freeze # release`, "a", "1.0", nil},
		{`s.name = %q{a}` + "\n" + `s.version = %q<1.0>`, "a", "1.0", nil},
		{`s.name = %q(a)` + "\n" + `s.version = %Q[1.0]`, "a", "1.0", nil},
		{`s.name = "a"` + "\n" + `s.version = A::VERSION`, "a", "", nil},
		{`s.name = "a"` + "\n" + `s.version = "1.#{x}"`, "a", "", nil},
		{`s.name = "a"` + "\n" + `s.version = "1.0" + x`, "a", "", nil},
		// A later assignment replaces an earlier one, literal or not.
		{`s.name = "a"` + "\n" + `s.version = "1.0"` + "\n" + `s.version = V`, "a", "", nil},
		{`s.name = "a"` + "\n" + `s.version = V` + "\n" + `s.version = "2.0"`, "a", "2.0", nil},
		{`s.name = "a"` + "\n" + `s.license = "MIT"`, "a", "", []string{"MIT"}},
		{`s.name = "a"` + "\n" + `s.licenses = "MIT"`, "a", "", []string{"MIT"}},
		{`s.name = "a"` + "\n" + `s.licenses = %w[MIT Ruby]`, "a", "", []string{"MIT", "Ruby"}},
		{`s.name = "a"` + "\n" + `s.licenses = ["MIT".freeze, 'Ruby']`, "a", "", []string{"MIT", "Ruby"}},
		{`s.name = "a"` + "\n" + `s.licenses = [LICENSE]`, "a", "", nil},
		{`s.name = "a"` + "\n" + `s.licenses = []`, "a", "", nil},
		{`s.name = "a"` + "\n" + `s.licenses = ["MIT",` + "\n" + `  "Ruby"]`, "a", "", []string{"MIT", "Ruby"}},
		// Escapes as in Ruby's double and single quotes.
		{`s.name = "a\u0062\u{63}"` + "\n" + `s.version = "1\.0"`, "abc", "1.0", nil},
		{`s.name = 'a'` + "\n" + `s.licenses = ['It\'s', 'a\b']`, "a", "", []string{"It's", `a\b`}},
		// Only the block variable's assignments count.
		{`s.name = "a"` + "\n" + `other.version = "9"` + "\n" + `s.version == "1"`, "a", "", nil},
		{`s.name = "a"` + "\n" + `  s.version = "1.0" if ENV["X"]`, "a", "", nil},
	} {
		data := "Gem::Specification.new do |s|\n" + tc.body + "\nend\n"
		pkgs, err := runGemspec(t, "a.gemspec", data)
		if err != nil || len(pkgs) != 1 {
			t.Errorf("%q: got %v, %v", tc.body, pkgs, err)
			continue
		}
		p := pkgs[0]
		if p.Name != tc.name || p.Version != tc.version || !slices.Equal(p.Licenses, tc.licenses) {
			t.Errorf("%q: got %q %q %q, want %q %q %q", tc.body, p.Name, p.Version, p.Licenses, tc.name, tc.version, tc.licenses)
		}
	}
}

func TestGemspecNewArgs(t *testing.T) {
	for _, data := range []string{
		"Gem::Specification.new \"a\", \"1.0\" do |s|\n  s.summary = \"x\"\nend\n",
		"Gem::Specification.new('a', '1.0') { |s|\n  s.summary = \"x\"\n}\n",
		"spec = Gem::Specification.new do |gem|\n  gem.name = 'a'\n  gem.version = '1.0'\nend\n",
	} {
		pkgs, err := runGemspec(t, "a.gemspec", data)
		if err != nil || len(pkgs) != 1 || pkgs[0].PURL != "pkg:gem/a@1.0" {
			t.Errorf("%q: got %v, %v; want pkg:gem/a@1.0", data, pkgs, err)
		}
	}
}

func TestGemspecMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"no block", "# nothing\n", `a.gemspec: no "Gem::Specification.new do |spec|" block`},
		{"yaml", "--- !ruby/object:Gem::Specification\nname: a\n", `a.gemspec: no "Gem::Specification.new do |spec|" block`},
		{"no name", "Gem::Specification.new do |s|\n  s.version = '1'\nend\n", "a.gemspec: no s.name assignment"},
		{"name constant", "Gem::Specification.new do |spec|\n  spec.name = NAME\nend\n", `a.gemspec:2: spec.name: want a string literal, got "NAME" (hallmark does not evaluate Ruby)`},
		{"name interpolated", "Gem::Specification.new do |s|\n  s.name = \"a-#{x}\"\nend\n", `a.gemspec:2: s.name: want a string literal, got "\"a-#{x}\"" (hallmark does not evaluate Ruby)`},
		{"unterminated", "Gem::Specification.new do |s|\n  s.name = \"a\nend\n", `a.gemspec:2: s.name: want a string literal, got "\"a" (hallmark does not evaluate Ruby)`},
		{"empty name", "Gem::Specification.new do |s|\n  s.name = ''\nend\n", "a.gemspec:2: s.name: empty"},
		{"bad name", "Gem::Specification.new do |s|\n  s.name = 'a b'\nend\n", `a.gemspec:2: s.name: "a b" is not a gem name`},
		{"digits only", "Gem::Specification.new do |s|\n  s.name = '123'\nend\n", `a.gemspec:2: s.name: "123" is not a gem name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runGemspec(t, "a.gemspec", tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func TestGemspecTooLarge(t *testing.T) {
	big := "Gem::Specification.new do |s|\n  s.name = 'a'\n#" + strings.Repeat("x", maxGemspecSize) + "\nend\n"
	fsys := fstest.MapFS{"a.gemspec": {Data: []byte(big)}}
	info, _ := fs.Stat(fsys, "a.gemspec")
	_, _, err := NewGemspec().Extract(context.Background(), &extract.Input{FS: fsys, Path: "a.gemspec", Info: info, MaxSize: 1 << 30})
	if want := "a.gemspec: file exceeds the size limit (1048576 bytes)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func FuzzGemspec(f *testing.F) {
	for _, p := range []string{"specifications/rake-13.0.6.gemspec", "project/sigstore_protobuf_specs.gemspec", "project/tiny_http.gemspec"} {
		data, err := os.ReadFile("testdata/gemspec/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Gem::Specification.new('a', %q<1>) { |s|\n s.licenses = %w[A B]\n s.name = \"\\u{62}\"\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, NewGemspec(), "x.gemspec", data)
		pkgs, err := runGemspec(t, "x.gemspec", string(data))
		if err != nil {
			return
		}
		if len(pkgs) != 1 || !validGemName(pkgs[0].Name) {
			t.Fatalf("got %+v, want one package with a valid gem name", pkgs)
		}
	})
}
