package dpkg

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

// TestGolden runs over a real excerpt of a Debian 12 status file (50
// installed packages and one in config-files state), with some of the real
// copyright files beside it.
func TestGolden(t *testing.T) {
	inv := extracttest.Golden(t, New(), "debian12", "var/lib/dpkg/status")

	// Spot checks that say what the golden file must show.
	if n := len(inv.Packages); n != 51 {
		t.Errorf("got %d packages, want 51 (52 paragraphs, wget is config-files only)", n)
	}
	for _, p := range inv.Packages {
		if p.Name == "wget" {
			t.Errorf("wget (deinstall ok config-files) was inventoried")
		}
	}
	zlib := inv.Package("pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12")
	if zlib == nil {
		t.Fatal("zlib1g with its epoch in the version is missing")
	}
	if zlib.Source == nil || *zlib.Source != (inventory.SourcePackage{Name: "zlib", Version: "1:1.2.13.dfsg-1"}) {
		t.Errorf("zlib1g source = %+v, want zlib at the binary's version", zlib.Source)
	}
	if !slices.Equal(zlib.Licenses, []string{"Zlib"}) {
		t.Errorf("zlib1g licenses = %q, want [Zlib] from its DEP-5 copyright", zlib.Licenses)
	}
	cpp := inv.Package("pkg:deb/debian/cpp@4:12.2.0-3?arch=amd64&distro=debian-12")
	if cpp == nil || cpp.Source == nil || *cpp.Source != (inventory.SourcePackage{Name: "gcc-defaults", Version: "1.203"}) {
		t.Errorf("cpp = %+v, want source gcc-defaults 1.203", cpp)
	}
	if cpp != nil && cpp.Licenses != nil {
		t.Errorf("cpp licenses = %q from a free-form copyright file, want none", cpp.Licenses)
	}
	// libpam0g: "Depends: libaudit1 (>= 1:2.2.1), debconf (>= 0.5) | debconf-2.0".
	want := inventory.Relationship{
		From: "pkg:deb/debian/libpam0g@1.5.2-6%2Bdeb12u1?arch=amd64&distro=debian-12",
		To:   "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12",
		Type: inventory.DependsOn,
	}
	if !slices.Contains(inv.Relationships, want) {
		t.Errorf("missing %v", want)
	}
}

func TestClaims(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"var/lib/dpkg/status", true},
		{"status", true},
		{"var/lib/dpkg/status.d/libc6", true},
		{"var/lib/dpkg/status.d/libc6.md5sums", false},
		{"var/lib/dpkg/status.d/.hidden", false},
		{"var/lib/dpkg/status.d/sub/libc6", false},
		{"var/lib/dpkg/status-old", false},
		{"var/lib/dpkg/available", false},
		{"srv/var/lib/dpkg/status", false},
		{"docs/status", false},
	} {
		if got := New().Claims(tc.path, 0o644); got != tc.want {
			t.Errorf("Claims(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// run extracts files (path → content) from a map file system.
func run(t *testing.T, files map[string]string, target string) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	var distro *inventory.Distro
	if data, err := fs.ReadFile(fsys, "etc/os-release"); err == nil {
		distro = inventory.ParseOSRelease(data)
	}
	return extracttest.Run(t, New(), fsys, target, distro)
}

func purls(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.PURL)
	}
	slices.Sort(out)
	return out
}

func relStrings(rels []inventory.Relationship) []string {
	var out []string
	for _, r := range rels {
		out = append(out, r.From+" -> "+r.To)
	}
	slices.Sort(out)
	return out
}

// Written as dpkg writes them: a Debian 12 multi-arch pair, virtual
// packages, states other than installed.
const multiarch = `Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Depends: libgcc-s1

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Depends: libgcc-s1

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: gcc-12
Version: 12.2.0-14
Provides: libgcc1 (= 1:12.2.0-14)
Depends: libc6 (>= 2.35)

Package: libgcc-s1
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: gcc-12
Version: 12.2.0-14
Provides: libgcc1 (= 1:12.2.0-14)
Depends: libc6 (>= 2.35)

Package: old-tool
Status: install ok installed
Architecture: i386
Version: 1.0-1
Depends: libgcc1,
 libc6:amd64 (>= 2.30)

Package: mawk
Status: install ok installed
Architecture: amd64
Multi-Arch: foreign
Version: 1.3.4.20200120-3.1
Provides: awk
Depends: libc6 (>= 2.29)

Package: script
Status: install ok half-configured
Architecture: all
Version: 2
Depends: gawk | awk, perl:any, missing-pkg

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: broken
Status: install reinstreq half-installed
Architecture: amd64
Version: 3
`

func TestMultiArchAndAlternatives(t *testing.T) {
	pkgs, rels, err := run(t, map[string]string{"status": multiarch}, "status")
	if err != nil {
		t.Fatal(err)
	}
	wantPkgs := []string{
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=i386",
		"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64",
		"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=i386",
		"pkg:deb/debian/mawk@1.3.4.20200120-3.1?arch=amd64",
		"pkg:deb/debian/old-tool@1.0-1?arch=i386",
		"pkg:deb/debian/script@2?arch=all",
	}
	if got := purls(pkgs); !slices.Equal(got, wantPkgs) {
		t.Errorf("packages:\n got %q\nwant %q", got, wantPkgs)
	}
	wantRels := []string{
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64 -> pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64",
		"pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=i386 -> pkg:deb/debian/libgcc-s1@12.2.0-14?arch=i386",
		"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64 -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64",
		"pkg:deb/debian/libgcc-s1@12.2.0-14?arch=i386 -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=i386",
		"pkg:deb/debian/mawk@1.3.4.20200120-3.1?arch=amd64 -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64",
		// libgcc1 is virtual (Provides); the folded second line names
		// libc6:amd64 explicitly.
		"pkg:deb/debian/old-tool@1.0-1?arch=i386 -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64",
		"pkg:deb/debian/old-tool@1.0-1?arch=i386 -> pkg:deb/debian/libgcc-s1@12.2.0-14?arch=i386",
		// gawk is absent, awk is provided by mawk; perl and missing-pkg
		// are not installed.
		"pkg:deb/debian/script@2?arch=all -> pkg:deb/debian/mawk@1.3.4.20200120-3.1?arch=amd64",
	}
	if got := relStrings(rels); !slices.Equal(got, wantRels) {
		t.Errorf("relationships:\n got %q\nwant %q", got, wantRels)
	}
	for _, p := range pkgs {
		st, ok := p.Property(PropStatus)
		if p.Name == "script" != ok || (ok && st != "install ok half-configured") {
			t.Errorf("%s: status property = %q, %v", p.PURL, st, ok)
		}
	}
}

func TestDistroAndEcosystem(t *testing.T) {
	const stanza = "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.1-6ubuntu1.1\n"
	for _, tc := range []struct {
		osRelease, wantPURL string
		wantEco             inventory.Ecosystem
	}{
		{"ID=ubuntu\nVERSION_ID=\"22.04\"\n", "pkg:deb/ubuntu/bash@5.1-6ubuntu1.1?arch=amd64&distro=ubuntu-22.04", inventory.Ubuntu},
		{"ID=linuxmint\nID_LIKE=\"ubuntu debian\"\nVERSION_ID=\"21.3\"\n", "pkg:deb/ubuntu/bash@5.1-6ubuntu1.1?arch=amd64&distro=linuxmint-21.3", inventory.Ubuntu},
		{"ID=raspbian\nID_LIKE=debian\nVERSION_ID=\"12\"\n", "pkg:deb/debian/bash@5.1-6ubuntu1.1?arch=amd64&distro=raspbian-12", inventory.Debian},
		{"ID=debian\n", "pkg:deb/debian/bash@5.1-6ubuntu1.1?arch=amd64&distro=debian", inventory.Debian},
	} {
		pkgs, _, err := run(t, map[string]string{"etc/os-release": tc.osRelease, statusPath: stanza}, statusPath)
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) != 1 || pkgs[0].PURL != tc.wantPURL || pkgs[0].Ecosystem != tc.wantEco {
			t.Errorf("%q: got %+v, want %s in %s", tc.osRelease, pkgs, tc.wantPURL, tc.wantEco)
		}
	}
}

// TestStatusD covers distroless's layout: one file per package, no Status
// field, md5sums lists beside them (not claimed), and relationships to
// packages in other files.
func TestStatusD(t *testing.T) {
	files := map[string]string{
		"etc/os-release":                       "ID=debian\nVERSION_ID=\"12\"\n",
		"var/lib/dpkg/status.d/libc6":          "Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\nSource: glibc\nDepends: libgcc-s1\n",
		"var/lib/dpkg/status.d/libc6.md5sums":  "0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n",
		"var/lib/dpkg/status.d/libssl3":        "Package: libssl3\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\nSource: openssl\nDepends: libc6 (>= 2.34), libzstd1\n",
		"var/lib/dpkg/status.d/libgcc-s1":      "Package: libgcc-s1\nVersion: 12.2.0-14\nArchitecture: amd64\n",
		"var/lib/dpkg/status.d/tzdata":         "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
		"var/lib/dpkg/status.d/tzdata.md5sums": "x",
		"var/lib/dpkg/status.d/broken":         "garbage\n",
	}
	pkgs, rels, err := run(t, files, "var/lib/dpkg/status.d/libssl3")
	if err != nil {
		t.Fatal(err)
	}
	if got := purls(pkgs); !slices.Equal(got, []string{"pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12"}) {
		t.Errorf("packages = %q", got)
	}
	want := []string{"pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12 -> pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12"}
	if got := relStrings(rels); !slices.Equal(got, want) {
		t.Errorf("relationships = %q, want %q (libzstd1 has no file)", got, want)
	}
	if _, _, err := run(t, files, "var/lib/dpkg/status.d/broken"); err == nil ||
		err.Error() != `var/lib/dpkg/status.d/broken:1: want "Field: value", got "garbage"` {
		t.Errorf("err = %v", err)
	}
}

// TestNotAStatusFile: a file named "status" given as the target that is
// not a dpkg database yields nothing rather than an error.
func TestNotAStatusFile(t *testing.T) {
	pkgs, rels, err := run(t, map[string]string{"status": "# project status\n\nAll green.\n"}, "status")
	if err != nil || pkgs != nil || rels != nil {
		t.Errorf("got %v, %v, %v; want nothing", pkgs, rels, err)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"no colon", "Package: a\nStatus: install ok installed\nVersion: 1\ngarbage line\n",
			`var/lib/dpkg/status:4: want "Field: value", got "garbage line"`},
		{"continuation first", " leading space\n",
			`var/lib/dpkg/status:1: continuation line outside a field: " leading space"`},
		{"no package", "Package: a\nStatus: install ok installed\nVersion: 1\n\nVersion: 2\nStatus: install ok installed\n",
			`var/lib/dpkg/status:5: paragraph has no Package field`},
		{"no status", "Package: a\nVersion: 1\n",
			`var/lib/dpkg/status:1: package "a" has no Status field`},
		{"bad status", "Package: a\nVersion: 1\nStatus: install ok\n",
			`var/lib/dpkg/status:3: package "a": Status: want "want flag state", got "install ok"`},
		{"unknown state", "Package: a\nVersion: 1\nStatus: install ok sideways\n",
			`var/lib/dpkg/status:3: package "a": Status: unknown state "sideways"`},
		{"no version", "Package: a\nStatus: install ok installed\n",
			`var/lib/dpkg/status:1: installed package "a" has no Version field`},
		{"duplicate", "Package: a\nStatus: install ok installed\nVersion: 1\nversion: 2\n",
			`var/lib/dpkg/status:4: duplicate version field`},
		{"bad source", "Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (1\n",
			`var/lib/dpkg/status:1: package "a": Source: want "name" or "name (version)", got "b (1"`},
		{"bad size", "Package: a\nStatus: install ok installed\nVersion: 1\nInstalled-Size: lots\n",
			`var/lib/dpkg/status:4: package "a": Installed-Size: want a number of KiB, got "lots"`},
		{"space in name", "Package: a\nStatus: install ok installed\nVersion: 1\nBad Field: x\n",
			`var/lib/dpkg/status:4: field name "Bad Field" contains whitespace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, map[string]string{statusPath: tc.data}, statusPath)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func TestDEP5Licenses(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"header and files", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: GPL-2+\n\nFiles: *\nCopyright: 2020 A\nLicense: GPL-2+ or Artistic\n\nFiles: lib/*\nCopyright: 2021 B\nLicense: BSD-3-clause\n\nFiles: debian/*\nCopyright: 2022 C\nLicense: public-domain\n\nLicense: BSD-3-clause\n Redistribution and use...\n",
			[]string{"GPL-2+", "GPL-2+ or Artistic", "BSD-3-clause"}},
		{"free form", "This is the Debian prepackaged version of X.\n\nLicense: GPL\n", nil},
		{"broken", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n continuation\n", nil},
	} {
		if got := dep5Licenses(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestThisMachine parses the whole dpkg database of the machine the test
// runs on and compares the count with dpkg-query's: packages whose state
// (the second letter of db:Status-Abbrev) is installed (i), unpacked (U),
// half-configured (F), triggers-awaited (W) or triggers-pending (T).
func TestThisMachine(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("dpkg-query not found: not a Debian-family machine")
	}
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		t.Skip(err)
	}
	out, err := exec.Command("dpkg-query", "-W", "-f", "${db:Status-Abbrev}\n").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for line := range strings.SplitSeq(string(out), "\n") {
		if len(line) >= 2 && strings.IndexByte("iUFWT", line[1]) >= 0 {
			want++
		}
	}
	pkgs, rels, err := run(t, map[string]string{statusPath: string(data)}, statusPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != want {
		t.Errorf("got %d packages, dpkg-query lists %d installed", len(pkgs), want)
	}
	if len(rels) == 0 {
		t.Error("no relationships")
	}
}

func BenchmarkThisMachine(b *testing.B) {
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		b.Skip(err)
	}
	fsys := fstest.MapFS{statusPath: {Data: data}}
	info, _ := fs.Stat(fsys, statusPath)
	in := &extract.Input{FS: fsys, Path: statusPath, Info: info, MaxSize: 1 << 30}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := New().Extract(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzStatus(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/var/lib/dpkg/status")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		// The whole file and its first few paragraphs, so mutations reach
		// every field quickly.
		f.Add(data)
		if i := bytes.Index(data[min(len(data), 2000):], []byte("\n\n")); i >= 0 {
			f.Add(data[:2000+i+2])
		}
	}
	f.Add([]byte(multiarch))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, New(), statusPath, data)
		extracttest.Fuzz(t, New(), "var/lib/dpkg/status.d/pkg", data)
	})
}
