package ruby

import (
	"os"
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	inv := extracttest.Golden(t, New(), "rails", "Gemfile.lock")
	if len(inv.Packages) != 14 {
		t.Errorf("got %d packages, want 14", len(inv.Packages))
	}
	linux := inv.Package("pkg:gem/nokogiri@1.16.7?platform=x86_64-linux")
	if linux == nil || !linux.Direct || len(linux.Hashes) != 1 {
		t.Errorf("nokogiri x86_64-linux = %+v, want direct with its checksum", linux)
	}
	san := inv.Package("pkg:gem/rails-html-sanitizer@1.6.1")
	if v, _ := san.Property(PropSource); v != "git:https://github.com/rails/rails-html-sanitizer.git@2a5d3e2f0d1b1ba9b5ad5e8a1f5b3a8a48e3a4f6" {
		t.Errorf("rails-html-sanitizer source = %q", v)
	}
	if inv.Package("pkg:gem/racc@1.8.1").Direct {
		t.Error("racc is transitive")
	}
	// loofah depends on nokogiri: every locked platform variant.
	var to []string
	for _, r := range inv.Relationships {
		if r.From == "pkg:gem/loofah@2.23.1" {
			to = append(to, r.To)
		}
	}
	want := []string{"pkg:gem/crass@1.0.6", "pkg:gem/nokogiri@1.16.7", "pkg:gem/nokogiri@1.16.7?platform=arm64-darwin", "pkg:gem/nokogiri@1.16.7?platform=x86_64-linux"}
	if !slices.Equal(to, want) {
		t.Errorf("loofah depends on %q, want %q", to, want)
	}
}

func TestClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"Gemfile.lock": true, "app/Gemfile.lock": true, "gems.locked": true,
		"Gemfile": false, "Gemfile.lock.bak": false,
	} {
		if got := New().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func run(t *testing.T, data string) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	return extracttest.RunFile(t, New(), "Gemfile.lock", []byte(data))
}

func TestNameVersion(t *testing.T) {
	for _, tc := range []struct {
		line   string
		indent int
		want   nv
	}{
		{"    rack (3.1.8)", 4, nv{name: "rack", version: "3.1.8"}},
		{"    nokogiri (1.16.7-x86_64-linux-musl)", 4, nv{name: "nokogiri", version: "1.16.7", platform: "x86_64-linux-musl"}},
		{"    sorbet-static (0.5.11609-universal-darwin)", 4, nv{name: "sorbet-static", version: "0.5.11609", platform: "universal-darwin"}},
		{"      nio4r (~> 2.0)", 6, nv{name: "nio4r"}},
		{"      activesupport (= 7.2.1)", 6, nv{name: "activesupport"}},
		{"      racc", 6, nv{name: "racc"}},
		{"  rails!", 2, nv{name: "rails"}},
		{"  rails (~> 7.2)!", 2, nv{name: "rails"}},
		{"  rack (3.1.8) sha256=abc", 2, nv{name: "rack", version: "3.1.8", rest: "sha256=abc"}},
	} {
		indent, got, err := nameVersion(tc.line)
		if err != nil || indent != tc.indent || got != tc.want {
			t.Errorf("nameVersion(%q) = %d, %+v, %v; want %d, %+v", tc.line, indent, got, err, tc.indent, tc.want)
		}
	}
}

// TestOldLockfile: a Bundler 1.x lockfile with CRLF line ends, no
// CHECKSUMS and a platform-only gem.
func TestOldLockfile(t *testing.T) {
	const lock = "GEM\r\n  remote: https://rubygems.org/\r\n  specs:\r\n    json (1.8.6-java)\r\n    rake (10.5.0)\r\n\r\nPLATFORMS\r\n  java\r\n\r\nDEPENDENCIES\r\n  json\r\n\r\nBUNDLED WITH\r\n   1.17.3\r\n"
	pkgs, rels, err := run(t, lock)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.PURL)
		if p.Direct != (p.Name == "json") {
			t.Errorf("%s: Direct = %v", p.PURL, p.Direct)
		}
	}
	if want := []string{"pkg:gem/json@1.8.6?platform=java", "pkg:gem/rake@10.5.0"}; !slices.Equal(got, want) || rels != nil {
		t.Errorf("got %q, %v; want %q", got, rels, want)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"conflict", "GEM\n  specs:\n<<<<<<< HEAD\n", "Gemfile.lock:3: merge conflict marker"},
		{"no version", "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack\n", `Gemfile.lock:4: want "name (version)", got "rack"`},
		{"orphan dependency", "GEM\n  specs:\n      rack (~> 3.0)\n", `Gemfile.lock:3: dependency "rack" before any gem`},
		{"bad indent", "GEM\n  specs:\n     rack (3.0.0)\n", `Gemfile.lock:3: want a gem indented 4 spaces or a dependency indented 6, got "     rack (3.0.0)"`},
		{"unclosed", "GEM\n  specs:\n    rack (3.0.0\n", `Gemfile.lock:3: unclosed parenthesis in "rack (3.0.0"`},
		{"empty version", "GEM\n  specs:\n    rack (-java)\n", `Gemfile.lock:3: empty version in "rack (-java)"`},
		{"bad option", "GEM\n  remote https://rubygems.org/\n", `Gemfile.lock:2: GEM: want "  option: value" or "  specs:", got "  remote https://rubygems.org/"`},
		{"bad checksum", "CHECKSUMS\n  rack (3.0.0) sha256=xyz\n", `Gemfile.lock:2: CHECKSUMS: rack: want 64 hex digits after sha256=, got "xyz"`},
		{"dependency indent", "DEPENDENCIES\n    rack\n", `Gemfile.lock:2: DEPENDENCIES: want a gem indented 2 spaces, got "    rack"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func FuzzGemfileLock(f *testing.F) {
	data, err := os.ReadFile("testdata/rails/Gemfile.lock")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("GEM\n  specs:\n    a (1-x)\n      b\n    b (2)\n\nDEPENDENCIES\n  a!\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, New(), "Gemfile.lock", data)
	})
}
