package rpm

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestFileGolden(t *testing.T) {
	for _, tc := range []struct {
		file, purl, version string
		source              *inventory.SourcePackage
	}{
		// Built by rpmbuild 4.18 (make-rpmdb.sh packages); the vendor is
		// "Fedora Project", so the namespace is fedora.
		{"hello-1.2.3-4.fc40.x86_64.rpm", "pkg:rpm/fedora/hello@1.2.3-4.fc40?arch=x86_64&epoch=2", "2:1.2.3-4.fc40", &inventory.SourcePackage{Name: "hello", Version: "1.2.3-4.fc40"}},
		{"tiny-shell-5.2.26-3.fc40.src.rpm", "pkg:rpm/fedora/tiny-shell@5.2.26-3.fc40?arch=src", "5.2.26-3.fc40", nil},
		// Built by rpm 4.7.1 in 2010, no vendor: no namespace.
		{"simple-1.0.1-1.i386.rpm", "pkg:rpm/simple@1.0.1-1?arch=i386", "1.0.1-1", &inventory.SourcePackage{Name: "simple", Version: "1.0.1-1"}},
		// Written by nfpm, not rpm, with an explicit epoch 0.
		{"nfpm-test-1.0.0.x86_64.rpm", "pkg:rpm/test@1.0.0-1?arch=x86_64&epoch=0", "0:1.0.0-1", &inventory.SourcePackage{Name: "test", Version: "1.0.0-1"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			inv := extracttest.Golden(t, NewFile(), "packages", tc.file)
			if len(inv.Packages) != 1 {
				t.Fatalf("got %d packages, want 1", len(inv.Packages))
			}
			p := inv.Packages[0]
			if p.PURL != tc.purl || p.Version != tc.version || p.Ecosystem != inventory.RPM {
				t.Errorf("got %s %s, want %s %s", p.PURL, p.Version, tc.purl, tc.version)
			}
			if (p.Source == nil) != (tc.source == nil) || p.Source != nil && *p.Source != *tc.source {
				t.Errorf("source = %+v, want %+v", p.Source, tc.source)
			}
		})
	}
}

// TestFileDigests: the signature header's MD5 and SHA-256 are the
// SIGMD5 and SHA256HEADER the database holds for the same package once
// installed (make-rpmdb.sh installs this very file).
func TestFileDigests(t *testing.T) {
	inv, err := extracttest.Extract(t, NewFile(), os.DirFS("testdata/packages"), "hello-1.2.3-4.fc40.x86_64.rpm")
	if err != nil {
		t.Fatal(err)
	}
	db, err := extracttest.Extract(t, New(), os.DirFS("testdata/fedora40"), "usr/lib/sysimage/rpm/rpmdb.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	installed := db.Package("pkg:rpm/fedora/hello@1.2.3-4.fc40?arch=x86_64&distro=fedora-40&epoch=2")
	for _, prop := range []string{PropSigMD5, PropSHA256Header, PropSize, PropVendor} {
		got, _ := inv.Packages[0].Property(prop)
		want, _ := installed.Property(prop)
		if got == "" || got != want {
			t.Errorf("%s = %q, want %q as in the database", prop, got, want)
		}
	}
}

func TestFileClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"a-1-1.x86_64.rpm": true, "x/y/a-1-1.src.rpm": true,
		".rpm": false, "a.rpm.sig": false, "a.drpm": false, "var/lib/rpm/rpmdb.sqlite": false,
	} {
		if got := NewFile().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

// lead is a binary package's lead, as rpmbuild writes it.
func lead() []byte {
	l := make([]byte, leadSize)
	copy(l, leadMagic)
	l[4], l[5] = 3, 0
	binary.BigEndian.PutUint16(l[8:], 1) // archnum: i386/x86_64
	copy(l[10:], "a-1-1")
	binary.BigEndian.PutUint16(l[76:], 1) // osnum: Linux
	binary.BigEndian.PutUint16(l[78:], sigTypeHdr)
	return l
}

// withMagic prefixes a header blob with a package file header's magic.
func withMagic(b []byte) []byte {
	return append([]byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}, b...)
}

// pkgFile lays out lead, signature (padded to 8 bytes) and header.
func pkgFile(l, sig, main []byte) []byte {
	b := append(append([]byte{}, l...), sig...)
	for len(sig)%8 != 0 {
		b, sig = append(b, 0), append(sig, 0)
	}
	return append(b, main...)
}

func runFile(t *testing.T, data []byte) ([]inventory.Package, error) {
	t.Helper()
	pkgs, _, err := extracttest.RunFile(t, NewFile(), "a.rpm", data)
	return pkgs, err
}

func TestFileBuilt(t *testing.T) {
	// A 5-byte signature header store makes 3 bytes of padding.
	sig := withMagic((&hdr{}).add(sigTagSHA256, "abcd").bytes())
	main := withMagic((&hdr{}).add(tagName, "a").add(tagVersion, "1").add(tagRelease, "1").add(tagArch, "noarch").add(tagVendor, "SUSE LLC <https://www.suse.com/>").bytes())
	pkgs, err := runFile(t, pkgFile(lead(), sig, main))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 1 || pkgs[0].PURL != "pkg:rpm/suse/a@1-1?arch=noarch" {
		t.Fatalf("got %+v", pkgs)
	}
	if v, _ := pkgs[0].Property(PropSHA256Header); v != "abcd" {
		t.Errorf("sha256 header = %q", v)
	}
	// rpm accepts lead version 4.
	l := lead()
	l[4] = 4
	if _, err := runFile(t, pkgFile(l, sig, main)); err != nil {
		t.Errorf("lead version 4: %v", err)
	}
}

func TestFileMalformed(t *testing.T) {
	sig := withMagic((&hdr{}).add(sigTagMD5, make([]byte, 16)).bytes())
	main := withMagic((&hdr{}).add(tagName, "a").add(tagVersion, "1").add(tagRelease, "1").bytes())
	good := pkgFile(lead(), sig, main)
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte{}, good...)) }
	sigEnd := leadSize + len(sig)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "a.rpm: lead: file ends before the 96 bytes it needs"},
		{"short lead", good[:50], "a.rpm: lead: file ends before the 96 bytes it needs"},
		{"not rpm", mod(func(b []byte) []byte { copy(b, "PK\x03\x04"); return b }), "a.rpm: lead: magic 50 4b 03 04, want ed ab ee db (not an RPM package)"},
		{"version 2", mod(func(b []byte) []byte { b[4] = 2; return b }), "a.rpm: lead: format version 2.0, want 3 or 4"},
		{"type", mod(func(b []byte) []byte { b[7] = 7; return b }), "a.rpm: lead: type 7, want 0 (binary) or 1 (source)"},
		{"signature type", mod(func(b []byte) []byte { b[79] = 1; return b }), "a.rpm: lead: signature type 1, want 5 (header-style)"},
		{"no signature", good[:leadSize], "a.rpm: signature header: file ends before the 16 bytes it needs"},
		{"signature magic", mod(func(b []byte) []byte { b[leadSize] = 0; return b }), "a.rpm: signature header: magic 00 ad e8 01, want 8e ad e8 01"},
		{"signature count", mod(func(b []byte) []byte { binary.BigEndian.PutUint32(b[leadSize+8:], 0); return b }), "a.rpm: signature header: index count 0, want 1 to 65535"},
		{"signature data size", mod(func(b []byte) []byte { binary.BigEndian.PutUint32(b[leadSize+12:], 1<<30); return b }), "a.rpm: signature header: data size 1073741824, want at most 16777216"},
		{"signature cut", good[:leadSize+20], "a.rpm: signature header: 1 index entries and 16 bytes of data: file ends before the 32 bytes it needs"},
		{"signature entry", mod(func(b []byte) []byte { binary.BigEndian.PutUint32(b[leadSize+16+8:], 99); return b }), "a.rpm: signature header: index entry 0: tag 1004: offset 99 is outside the 16-byte data store"},
		{"padding cut", good[:sigEnd], "a.rpm: header: file ends before the 16 bytes it needs"},
		{"no header", append(append([]byte{}, good[:sigEnd]...), make([]byte, 16)...), "a.rpm: header: magic 00 00 00 00, want 8e ad e8 01"},
		{"header cut", good[:len(good)-1], "a.rpm: header: 3 index entries and 6 bytes of data: file ends before the 54 bytes it needs"},
		{"no name", pkgFile(lead(), sig, withMagic((&hdr{}).add(tagVersion, "1").add(tagRelease, "1").bytes())), "a.rpm: header: tag 1000 (NAME): missing or empty"},
		{"epoch type", pkgFile(lead(), sig, withMagic((&hdr{}).add(tagName, "a").add(tagVersion, "1").add(tagRelease, "1").add(tagEpoch, "1").bytes())), "a.rpm: header: tag 1003 (EPOCH): want INT32, got STRING"},
		{"md5 type", pkgFile(lead(), withMagic((&hdr{}).add(sigTagMD5, "x").bytes()), main), "a.rpm: signature header: tag 1004: want BIN, got STRING"},
		{"source rpm", pkgFile(lead(), sig, withMagic((&hdr{}).add(tagName, "a").add(tagVersion, "1").add(tagRelease, "1").add(tagSourceRPM, "a.src.rpm").bytes())), `a.rpm: header: tag 1044 (SOURCERPM): want NAME-VERSION-RELEASE.src.rpm, got "a.src.rpm"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runFile(t, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func FuzzFile(f *testing.F) {
	for _, name := range []string{"hello-1.2.3-4.fc40.x86_64.rpm", "tiny-shell-5.2.26-3.fc40.src.rpm", "simple-1.0.1-1.i386.rpm", "nfpm-test-1.0.0.x86_64.rpm"} {
		data, err := os.ReadFile("testdata/packages/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, NewFile(), "a.rpm", data)
		pkgs, err := runFile(t, data)
		if err != nil {
			return
		}
		if len(pkgs) != 1 || pkgs[0].Ecosystem != inventory.RPM || pkgs[0].Version == "" {
			t.Fatalf("got %+v, want one RPM package with a version", pkgs)
		}
	})
}
