package rust

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

// The fixtures are Cargo.lock files as cargo wrote them:
//   - v1: a guessing-game project locked by cargo 1.34 (2019): no version
//     key, long dependency spellings, checksums in [metadata].
//   - v3: written by cargo 1.95 (`cargo generate-lockfile`) for a
//     two-member workspace with a path dependency and a git dependency on a
//     branch; cargo chose version 3 because a member sets
//     rust-version = "1.70". The git repository was local, reached through
//     git's url.insteadOf so the lockfile names a GitHub URL.
//   - v4: in-toto/attestation v1.2.0's rust/Cargo.lock.
//   - v1-git: version 1 shaped as alacritty v0.4.0's (which hallmark read
//     as 0 packages): workspace members and path crates with short
//     references, registry crates with [metadata] checksums (libc and log
//     as alacritty's lockfile has them), and git crates referred to as
//     "(git+URL)" and "(git+URL?branch=…)" while their source carries the
//     commit, the way cargo wrote version 1. Written by hand: alacritty
//     v0.4.0's own file is not among the stored sources.
func TestCargoLockGolden(t *testing.T) {
	for _, v := range []string{"v1", "v1-git", "v3", "v4"} {
		t.Run(v, func(t *testing.T) {
			extracttest.Golden(t, CargoLock{}, filepath.Join("cargolock", v), "Cargo.lock")
		})
	}
}

// TestCargoLockV1 checks the version 1 specifics the golden file shows:
// checksums from [metadata] and long dependency spellings resolved.
func TestCargoLockV1(t *testing.T) {
	inv, err := extracttest.Extract(t, CargoLock{}, os.DirFS("testdata/cargolock/v1"), "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 11 {
		t.Errorf("got %d packages, want 11", len(inv.Packages))
	}
	libc := inv.Package("pkg:cargo/libc@0.2.58")
	if libc == nil || len(libc.Hashes) != 1 || libc.Hashes[0] != (inventory.Hash{Algorithm: "SHA-256", Value: "6281b86796ba5e4366000be6e9e18bf35580adf9e63fbe2294aadb587613a319"}) {
		t.Errorf("libc: %+v", libc)
	}
	root := inv.Package("pkg:cargo/guessing_game@0.1.0")
	if root == nil || root.Type != "application" || !root.Direct || len(root.Hashes) != 0 {
		t.Errorf("root: %+v", root)
	}
	if p := inv.Package("pkg:cargo/rand@0.3.23"); p == nil || !p.Direct {
		t.Errorf("rand 0.3.23 should be direct: %+v", p)
	}
	if p := inv.Package("pkg:cargo/rand@0.4.6"); p == nil || p.Direct {
		t.Errorf("rand 0.4.6 should be transitive: %+v", p)
	}
	want := []string{
		"pkg:cargo/rand@0.4.6 -> pkg:cargo/fuchsia-cprng@0.1.1",
		"pkg:cargo/rand@0.4.6 -> pkg:cargo/libc@0.2.58",
		"pkg:cargo/rand@0.4.6 -> pkg:cargo/rand_core@0.3.1",
		"pkg:cargo/rand@0.4.6 -> pkg:cargo/rdrand@0.4.0",
		"pkg:cargo/rand@0.4.6 -> pkg:cargo/winapi@0.3.7",
	}
	var got []string
	for _, r := range inv.Relationships {
		if r.From == "pkg:cargo/rand@0.4.6" {
			got = append(got, r.From+" -> "+r.To)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("rand 0.4.6 depends on\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCargoLockV3 checks path and git packages.
func TestCargoLockV3(t *testing.T) {
	inv, err := extracttest.Extract(t, CargoLock{}, os.DirFS("testdata/cargolock/v3"), "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	git := inv.Package("pkg:cargo/tinyfmt@0.2.1?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fexample%2Ftinyfmt%4060c412c14644d98d1da04d34c1d59dff238e6f9d")
	if git == nil {
		t.Fatalf("git package not found with a vcs_url qualifier: %+v", inv.Packages)
	}
	if src, _ := git.Property(PropSource); src != "git+https://github.com/example/tinyfmt?branch=main#60c412c14644d98d1da04d34c1d59dff238e6f9d" {
		t.Errorf("source property %q", src)
	}
	if !git.Direct || git.Type != "" {
		t.Errorf("git package: direct %v type %q; want direct library", git.Direct, git.Type)
	}
	for _, id := range []string{"pkg:cargo/app@0.1.0", "pkg:cargo/demo-core@0.3.0", "pkg:cargo/tinyfmt@0.1.0"} {
		if p := inv.Package(id); p == nil || p.Type != "application" || !p.Direct {
			t.Errorf("path package %s: %+v", id, p)
		}
	}
	if len(inv.Relationships) != 3 {
		t.Errorf("relationships: %+v", inv.Relationships)
	}
}

// TestCargoLockV2 reads version 2, which differs from version 3 only by
// having no version key (version 3 changed how cargo encodes git
// references, which the v3 fixture's plain branch name does not exercise):
// the v3 fixture without that line must give the same inventory.
func TestCargoLockV2(t *testing.T) {
	v3, err := os.ReadFile("testdata/cargolock/v3/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(string(v3), "version = 3\n", "", 1)
	if v2 == string(v3) {
		t.Fatal("v3 fixture has no version line")
	}
	want, err := extracttest.Extract(t, CargoLock{}, fstest.MapFS{"Cargo.lock": {Data: v3}}, "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	got, err := extracttest.Extract(t, CargoLock{}, fstest.MapFS{"Cargo.lock": {Data: []byte(v2)}}, "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	// One line fewer before every package.
	for i := range want.Packages {
		want.Packages[i].Locations[0].Line--
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("version 2 reads differently:\n%+v\nwant\n%+v", got.Packages, want.Packages)
	}
}

func TestCargoLockSources(t *testing.T) {
	tests := []struct {
		source, purl, prop string
	}{
		{cratesIOGit, "pkg:cargo/serde@1.0.0", ""},
		{cratesIOSparse, "pkg:cargo/serde@1.0.0", ""},
		{"sparse+https://cargo.example.com/index/", "pkg:cargo/serde@1.0.0?repository_url=https:%2F%2Fcargo.example.com%2Findex%2F", "sparse+https://cargo.example.com/index/"},
		{"registry+https://github.com/acme/index", "pkg:cargo/serde@1.0.0?repository_url=https:%2F%2Fgithub.com%2Facme%2Findex", "registry+https://github.com/acme/index"},
		{"git+https://github.com/serde-rs/serde?tag=v1.0.0#abc123", "pkg:cargo/serde@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fserde-rs%2Fserde%40abc123", "git+https://github.com/serde-rs/serde?tag=v1.0.0#abc123"},
		{"git+ssh://git@github.com/serde-rs/serde#abc123", "pkg:cargo/serde@1.0.0?vcs_url=git%2Bssh:%2F%2Fgit%40github.com%2Fserde-rs%2Fserde%40abc123", "git+ssh://git@github.com/serde-rs/serde#abc123"},
	}
	for _, tt := range tests {
		p := crate("serde", "1.0.0", tt.source)
		prop, _ := p.Property(PropSource)
		if p.PURL != tt.purl || prop != tt.prop || p.Ecosystem != inventory.CratesIO {
			t.Errorf("%s: purl %s prop %q, want %s %q", tt.source, p.PURL, prop, tt.purl, tt.prop)
		}
	}
}

func TestCargoLockErrors(t *testing.T) {
	tests := []struct{ name, lock, want string }{
		{"toml syntax", "[[package]\nname = 1", "Cargo.lock: toml: line 2: expected end of table array name"},
		{"wrong type", "[[package]]\nname = 1\n", `Cargo.lock: toml: line 2 (last key "package.name"): incompatible types`},
		{"future version", "version = 9\n", "Cargo.lock: version = 9: want 1 to 4"},
		{"no version", "[[package]]\nname = \"a\"\n", `Cargo.lock: package[0] ("a"): version: want a version, got none`},
		{"bad checksum", "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"" + cratesIOGit + "\"\nchecksum = \"xyz\"\n", `Cargo.lock: package[0] (a 1.0.0): checksum "xyz": want 64 hex digits`},
		{"deep nesting", "a = " + strings.Repeat("[", 100) + strings.Repeat("]", 100), "Cargo.lock:1: brackets nest deeper than 32 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"Cargo.lock": {Data: []byte(tt.lock)}}
			_, err := extracttest.Extract(t, CargoLock{}, fsys, "Cargo.lock")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestCargoLockV1Git checks that version 1's git references, which omit
// the commit their package's source carries, resolve; alacritty v0.4.0's
// lockfile was dropped whole because they did not.
func TestCargoLockV1Git(t *testing.T) {
	inv, err := extracttest.Extract(t, CargoLock{}, os.DirFS("testdata/cargolock/v1-git"), "Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Packages) != 9 || len(inv.Skipped) != 0 {
		t.Errorf("got %d packages, skipped %+v; want 9 and none skipped", len(inv.Packages), inv.Skipped)
	}
	var got []string
	for _, r := range inv.Relationships {
		if strings.Contains(r.To, "vcs_url") {
			got = append(got, r.From+" -> "+r.To)
		}
	}
	want := []string{
		"pkg:cargo/alacritty_terminal@0.4.0 -> pkg:cargo/vte@0.3.3?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fjwilm%2Fvte%409ff2b6a2b4a1a3e6de1a3a9b4fe0e6c2c1f5f4f1",
		"pkg:cargo/font@0.1.0 -> pkg:cargo/servo-fontconfig@0.4.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fjwilm%2Frust-fontconfig%40a6c9ad1ac5a1ad5d0fb1b6a5fa4ac3bf1b0a4b3c",
	}
	if !slices.Equal(got, want) {
		t.Errorf("git relationships\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCargoLockBadReference checks that a reference naming no package, or
// more than one, loses only its relationship: every package is kept and
// the reference is listed as skipped, with the reason.
func TestCargoLockBadReference(t *testing.T) {
	tests := []struct{ name, lock, want string }{
		{"unknown", "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\", \"c\"]\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n",
			`package[0] (a 1.0.0): dependencies[0] "b": no such package in the lockfile; that relationship is left out`},
		{"ambiguous", "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\", \"c\"]\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n",
			`package[0] (a 1.0.0): dependencies[0] "b": names more than one package; that relationship is left out`},
		{"other commit", "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b 1.0.0 (git+https://example.com/b#2222)\", \"c\"]\n[[package]]\nname = \"b\"\nversion = \"1.0.0\"\nsource = \"git+https://example.com/b#1111\"\n[[package]]\nname = \"c\"\nversion = \"1.0.0\"\n",
			`package[0] (a 1.0.0): dependencies[0] "b 1.0.0 (git+https://example.com/b#2222)": no such package in the lockfile; that relationship is left out`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"Cargo.lock": {Data: []byte(tt.lock)}}
			inv, err := extracttest.Extract(t, CargoLock{}, fsys, "Cargo.lock")
			if err != nil {
				t.Fatal(err)
			}
			want := []inventory.Skipped{{Path: "Cargo.lock", Reason: tt.want}}
			if !reflect.DeepEqual(inv.Skipped, want) {
				t.Errorf("skipped %+v, want %+v", inv.Skipped, want)
			}
			if inv.Package("pkg:cargo/a@1.0.0") == nil || inv.Package("pkg:cargo/c@1.0.0") == nil || len(inv.Relationships) != 1 {
				t.Errorf("packages %+v relationships %+v; want a and c, a -> c", inv.Packages, inv.Relationships)
			}
		})
	}
}

func TestCheckTOMLDepth(t *testing.T) {
	tests := []struct {
		in   string
		ok   bool
		line int
	}{
		{`a = [[1], [2]]`, true, 1},
		{"a = \"[[[[\"\nb = '{{{{'\n# [[[[[\n", true, 4},
		{"a = \"\"\"\n[[[[\n\\\"\"\"\"\nb = '''[[[['''", true, 4},
		{"a = \"\\\"[[[[\"", true, 1},
		{"\n\na = [[[[[", false, 3},
		{"a = {b = {c = {d = {e = {f = 1}}}}}", false, 1},
	}
	for _, tt := range tests {
		line, err := checkTOMLDepth([]byte(tt.in), 4)
		if (err == nil) != tt.ok || (!tt.ok && line != tt.line) {
			t.Errorf("checkTOMLDepth(%q) = %d, %v; want ok=%v line %d", tt.in, line, err, tt.ok, tt.line)
		}
	}
}

func FuzzCargoLock(f *testing.F) {
	for _, v := range []string{"v1", "v1-git", "v3", "v4"} {
		data, err := os.ReadFile(filepath.Join("testdata", "cargolock", v, "Cargo.lock"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, CargoLock{}, "Cargo.lock", data)
	})
}
