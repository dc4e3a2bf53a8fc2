package apk

import (
	"os"
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	inv := extracttest.Golden(t, New(), "alpine320", "lib/apk/db/installed")
	if len(inv.Packages) != 13 {
		t.Errorf("got %d packages, want 13", len(inv.Packages))
	}
	libssl := inv.Package("pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3")
	if libssl == nil {
		t.Fatal("libssl3 missing")
	}
	if libssl.Source == nil || *libssl.Source != (inventory.SourcePackage{Name: "openssl", Version: "3.3.2-r0"}) {
		t.Errorf("libssl3 source = %+v, want openssl 3.3.2-r0", libssl.Source)
	}
	// alpine-baselayout: "D:alpine-baselayout-data=3.6.5-r0 /bin/sh"; /bin/sh
	// is provided by busybox-binsh.
	for _, want := range []inventory.Relationship{
		{From: "pkg:apk/alpine/alpine-baselayout@3.6.5-r0?arch=x86_64&distro=alpine-3.20.3", To: "pkg:apk/alpine/busybox-binsh@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3", Type: inventory.DependsOn},
		{From: "pkg:apk/alpine/libssl3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3", To: "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3", Type: inventory.DependsOn},
		{From: "pkg:apk/alpine/apk-tools@2.14.4-r1?arch=x86_64&distro=alpine-3.20.3", To: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", Type: inventory.DependsOn},
	} {
		if !slices.Contains(inv.Relationships, want) {
			t.Errorf("missing %s -> %s", want.From, want.To)
		}
	}
}

func TestClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"lib/apk/db/installed":     true,
		"installed":                true,
		"lib/apk/db/installed.new": false,
		"lib/apk/db/scripts.tar":   false,
		"x/lib/apk/db/installed":   false,
		"docs/installed":           false,
	} {
		if got := New().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func run(t *testing.T, path, data string) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	return extracttest.RunFile(t, New(), path, []byte(data))
}

func TestRecords(t *testing.T) {
	// Provider priority decides between two providers of /bin/sh; conflicts
	// are skipped; checksums in each encoding; no os-release, so no distro.
	const db = `C:Q2n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=
P:dash-binsh
V:0.5.12-r3
A:aarch64
k:60
p:/bin/sh cmd:sh=0.5.12-r3

C:Q1CW3115DzN4Wd96h+TTlLTE+JcoQ=
P:busybox-binsh
V:1.36.1-r29
A:aarch64
k:100
p:/bin/sh cmd:sh=1.36.1-r29

C:d41d8cd98f00b204e9800998ecf8427e
P:app
V:1.0-r0
A:aarch64
o:app-src
D:/bin/sh !busybox-extras so:libmissing.so.1 app
`
	pkgs, rels, err := run(t, "lib/apk/db/installed", db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.PURL+" "+p.Hashes[0].Algorithm+":"+p.Hashes[0].Value+" src="+p.Source.Name)
	}
	want := []string{
		"pkg:apk/alpine/dash-binsh@0.5.12-r3?arch=aarch64 SHA-256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 src=dash-binsh",
		"pkg:apk/alpine/busybox-binsh@1.36.1-r29?arch=aarch64 SHA-1:096df5d790f337859df7a87e4d394b4c4f897284 src=busybox-binsh",
		"pkg:apk/alpine/app@1.0-r0?arch=aarch64 MD5:d41d8cd98f00b204e9800998ecf8427e src=app-src",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n got %q\nwant %q", got, want)
	}
	wantRels := []inventory.Relationship{{From: "pkg:apk/alpine/app@1.0-r0?arch=aarch64", To: "pkg:apk/alpine/busybox-binsh@1.36.1-r29?arch=aarch64", Type: inventory.DependsOn}}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("relationships = %v, want %v", rels, wantRels)
	}
}

func TestNotADatabase(t *testing.T) {
	pkgs, _, err := run(t, "installed", "Installed on 2024-01-02 by ops\n")
	if err != nil || pkgs != nil {
		t.Errorf("got %v, %v; want nothing", pkgs, err)
	}
}

func TestMalformed(t *testing.T) {
	const p = "lib/apk/db/installed"
	for _, tc := range []struct{ name, data, want string }{
		{"not a field", "P:a\nV:1\nnonsense\n", p + `:3: want "X:value", got "nonsense"`},
		{"no name", "V:1\nA:x86_64\n\nP:b\nV:2\n", p + `:1: record has no P: (package name) line`},
		{"no version", "P:a\nA:x86_64\n", p + `:1: package "a" has no V: (version) line`},
		{"bad checksum", "C:Q1notbase64!\nP:a\nV:1\n", p + `:1: package "a": C: want a 20-byte SHA-1 digest, got "Q1notbase64!"`},
		{"short checksum", "C:Q1AAAA\nP:a\nV:1\n", p + `:1: package "a": C: want a 20-byte SHA-1 digest, got "Q1AAAA"`},
		{"unknown checksum", "C:X9abc\nP:a\nV:1\n", p + `:1: package "a": C: want "Q1" or "Q2" and base64, or 32 hex digits, got "X9abc"`},
		{"bad build time", "P:a\nV:1\nt:yesterday\n", p + `:3: package "a": t: (build time): want seconds since 1970, got "yesterday"`},
		{"bad priority", "P:a\nV:1\nk:high\n", p + `:3: k: (provider priority): want a number, got "high"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, p, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func FuzzInstalled(f *testing.F) {
	data, err := os.ReadFile("testdata/alpine320/lib/apk/db/installed")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("P:a\nV:1\nD:b so:x !c\n\nP:b\nV:2\np:so:x=1\nk:5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, New(), "lib/apk/db/installed", data)
	})
}
