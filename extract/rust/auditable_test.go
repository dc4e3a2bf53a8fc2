package rust

import (
	"bytes"
	"compress/zlib"
	"debug/macho"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

// auditPayload returns testdata/auditable/dep-v0.json compressed with zlib,
// as cargo-auditable stores it. The JSON is written the way cargo-auditable
// 0.6 writes it: compact, packages sorted by name, "kind" and "root" only
// when not the default, "format" last.
func auditPayload(t testing.TB) []byte {
	t.Helper()
	js, err := os.ReadFile(filepath.Join("testdata", "auditable", "dep-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	return deflate(js)
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// machO builds a minimal 64-bit x86-64 Mach-O executable whose only load
// command is a __DATA segment holding one section, __DATA,.dep-v0, with
// payload: the layout of <mach-o/loader.h>, written with debug/macho's own
// header structs. (Building a real Mach-O needs Apple's linker.)
func machO(t testing.TB, payload []byte) []byte {
	t.Helper()
	const hdrSize, segSize, sectSize = 32, 72, 80
	var b bytes.Buffer
	le := binary.LittleEndian
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(binary.Write(&b, le, macho.FileHeader{
		Magic: macho.Magic64, Cpu: macho.CpuAmd64, SubCpu: 3, Type: macho.TypeExec,
		Ncmd: 1, Cmdsz: segSize + sectSize,
	}))
	must(binary.Write(&b, le, uint32(0))) // reserved, 64-bit header only
	off := uint64(hdrSize + segSize + sectSize)
	var segName, sectName [16]byte
	copy(segName[:], "__DATA")
	copy(sectName[:], auditSection)
	must(binary.Write(&b, le, macho.Segment64{
		Cmd: macho.LoadCmdSegment64, Len: segSize + sectSize, Name: segName,
		Addr: 0x100000000, Memsz: uint64(len(payload)), Offset: off, Filesz: uint64(len(payload)),
		Maxprot: 3, Prot: 3, Nsect: 1,
	}))
	must(binary.Write(&b, le, macho.Section64{
		Name: sectName, Seg: segName, Addr: 0x100000000, Size: uint64(len(payload)), Offset: uint32(off),
	}))
	b.Write(payload)
	return b.Bytes()
}

// fat wraps thin Mach-O files in a universal binary (<mach-o/fat.h>,
// big-endian headers, each slice 4 KiB aligned).
func fat(t testing.TB, thins ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	be := binary.BigEndian
	binary.Write(&b, be, uint32(macho.MagicFat))
	binary.Write(&b, be, uint32(len(thins)))
	off := uint32(4096)
	for i, th := range thins {
		cpu := macho.CpuAmd64
		if i == 1 {
			cpu = macho.CpuArm64
		}
		binary.Write(&b, be, macho.FatArchHeader{Cpu: cpu, Offset: off, Size: uint32(len(th)), Align: 12})
		off += (uint32(len(th)) + 4095) &^ 4095
	}
	for _, th := range thins {
		b.Write(make([]byte, 4096-b.Len()%4096))
		b.Write(th)
	}
	return b.Bytes()
}

// rustBinary builds a real Rust executable with rustc that carries payload
// in a .dep-v0 section through #[link_section], the way the original
// `auditable` crate embedded it (cargo-auditable now links an object file
// with the same section). It skips when rustc is not installed.
func rustBinary(t *testing.T, payload []byte) string {
	t.Helper()
	rustc, err := exec.LookPath("rustc")
	if err != nil {
		t.Skip("rustc not found; cannot build a Rust test binary")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "deps.zlib"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	src := `#[used]
#[link_section = ".dep-v0"]
static AUDITABLE_VERSION_INFO: [u8; include_bytes!("deps.zlib").len()] = *include_bytes!("deps.zlib");

fn main() { println!("grep-demo"); }
`
	if err := os.WriteFile(filepath.Join(dir, "main.rs"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "grep-demo")
	cmd := exec.Command(rustc, "-C", "opt-level=1", "-C", "strip=symbols", "main.rs", "-o", bin)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rustc: %v\n%s", err, out)
	}
	return bin
}

func extractFile(t *testing.T, path string) *inventory.Inventory {
	t.Helper()
	inv, err := extracttest.Extract(t, Auditable{}, os.DirFS(filepath.Dir(path)), filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func extractBytes(t *testing.T, name string, data []byte) *inventory.Inventory {
	t.Helper()
	fsys := fstest.MapFS{name: {Data: data, Mode: 0o755}}
	inv, err := extracttest.Extract(t, Auditable{}, fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// withoutLocations lets inventories from differently named files compare.
func withoutLocations(inv *inventory.Inventory) string {
	for i := range inv.Packages {
		inv.Packages[i].Locations = nil
	}
	b, _ := json.MarshalIndent(inv, "", "  ")
	return string(b)
}

// TestAuditableGolden checks the Mach-O reading against the golden file,
// then the ELF and PE reading (when the tools to make them exist) against
// the same result.
func TestAuditableGolden(t *testing.T) {
	payload := auditPayload(t)
	inv := extractBytes(t, "grep-demo", machO(t, payload))
	got, _ := json.MarshalIndent(inv, "", "  ")
	golden.Check(t, filepath.Join("testdata", "auditable", "grep-demo.golden.json"), append(got, '\n'))
	want := withoutLocations(inv)

	t.Run("mach-o universal", func(t *testing.T) {
		u := fat(t, machO(t, []byte("no audit data here")), machO(t, payload))
		// The first slice's section is not zlib: the error names the section.
		fsys := fstest.MapFS{"grep-demo": {Data: u, Mode: 0o755}}
		if _, err := extracttest.Extract(t, Auditable{}, fsys, "grep-demo"); err == nil || !strings.Contains(err.Error(), "grep-demo: section .dep-v0: want zlib data") {
			t.Errorf("error %v", err)
		}
		u = fat(t, machO(t, payload), machO(t, payload))
		if got := withoutLocations(extractBytes(t, "grep-demo", u)); got != want {
			t.Errorf("universal binary differs:\n%s", got)
		}
	})
	t.Run("elf", func(t *testing.T) {
		bin := rustBinary(t, payload)
		if got := withoutLocations(extractFile(t, bin)); got != want {
			t.Errorf("ELF differs:\n%s", got)
		}
	})
	t.Run("pe", func(t *testing.T) {
		bin := rustBinary(t, payload)
		objcopy, err := exec.LookPath("objcopy")
		if err != nil {
			t.Skip("objcopy not found")
		}
		// GNU objcopy rewrites the ELF program as a PE image, keeping its
		// sections, .dep-v0 among them.
		exe := bin + ".exe"
		if out, err := exec.Command(objcopy, "-O", "pei-x86-64", bin, exe).CombinedOutput(); err != nil {
			t.Skipf("objcopy cannot write PE here: %v\n%s", err, out)
		}
		if err := os.Chmod(exe, 0o644); err != nil { // claimed by its name, not its mode
			t.Fatal(err)
		}
		if got := withoutLocations(extractFile(t, exe)); got != want {
			t.Errorf("PE differs:\n%s", got)
		}
	})
}

// TestAuditableContent states what the golden file must contain.
func TestAuditableContent(t *testing.T) {
	inv := extractBytes(t, "grep-demo", machO(t, auditPayload(t)))
	if len(inv.Packages) != 10 || len(inv.Relationships) != 13 {
		t.Errorf("%d packages, %d relationships; want 10, 13", len(inv.Packages), len(inv.Relationships))
	}
	root := inv.Package("pkg:cargo/grep-demo@0.1.0")
	if root == nil || root.Type != "application" {
		t.Fatalf("root: %+v", root)
	}
	if v, _ := root.Property(PropSource); v != "local" {
		t.Errorf("root source %q", v)
	}
	for id, direct := range map[string]bool{
		"pkg:cargo/cc@1.2.16": true, "pkg:cargo/libc@0.2.171": true, "pkg:cargo/regex@1.11.1": true, "pkg:cargo/tinyfmt@0.2.1": true,
		"pkg:cargo/memchr@2.7.4": false, "pkg:cargo/shlex@1.3.0": false,
	} {
		if p := inv.Package(id); p == nil || p.Direct != direct {
			t.Errorf("%s: %+v, want direct=%v", id, p, direct)
		}
	}
	if v, _ := inv.Package("pkg:cargo/cc@1.2.16").Property(PropDependencyKind); v != "build" {
		t.Errorf("cc kind %q, want build", v)
	}
	if v, _ := inv.Package("pkg:cargo/tinyfmt@0.2.1").Property(PropSource); v != "git" {
		t.Errorf("tinyfmt source %q, want git", v)
	}
}

func TestAuditableNotAudited(t *testing.T) {
	for name, data := range map[string][]byte{
		"script":   []byte("#!/bin/sh\n"),
		"tiny":     []byte("MZ"),
		"elfish":   []byte("\x7fELF\x02\x01\x01\x00garbage"),
		"bare-mac": machO(t, nil)[:32],
	} {
		if inv := extractBytes(t, name, data); len(inv.Packages) != 0 {
			t.Errorf("%s: %d packages", name, len(inv.Packages))
		}
	}
	// A Mach-O whose section sits in another segment is not audit data.
	m := machO(t, auditPayload(t))
	copy(m[32+8:], "__TEXT\x00")     // the segment's name
	copy(m[32+72+16:], "__TEXT\x00") // the section's segment name
	if inv := extractBytes(t, "app", m); len(inv.Packages) != 0 {
		t.Errorf("__TEXT,.dep-v0 read as audit data: %d packages", len(inv.Packages))
	}
}

func TestAuditableErrors(t *testing.T) {
	bomb := deflate(make([]byte, maxAuditData+1))
	tests := []struct{ name, json, want string }{
		{"not json", "{", "want JSON"},
		{"no packages", `{}`, `"packages": want an array, got none`},
		{"wrong type", `{"packages":[{"name":1}]}`, "packages.name: want string, got number"},
		{"no version", `{"packages":[{"name":"a","source":"crates.io"}]}`, "packages[0].version (a): want a version"},
		{"bad source", `{"packages":[{"name":"a","version":"1.0.0","source":7}]}`, "packages[0].source (a): want a string, got 7"},
		{"bad kind", `{"packages":[{"name":"a","version":"1.0.0","source":"crates.io","kind":"dev"}]}`, `packages[0].kind (a): want "build" or "runtime", got "dev"`},
		{"index out of range", `{"packages":[{"name":"a","version":"1.0.0","source":"crates.io","dependencies":[1]}]}`, "packages[0].dependencies[0] (a): index 1, want 0 to 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"app": {Data: machO(t, deflate([]byte(tt.json))), Mode: 0o755}}
			_, err := extracttest.Extract(t, Auditable{}, fsys, "app")
			if err == nil || !strings.Contains(err.Error(), "app: section .dep-v0: "+tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("zlib bomb", func(t *testing.T) {
		fsys := fstest.MapFS{"app": {Data: machO(t, bomb), Mode: 0o755}}
		_, err := extracttest.Extract(t, Auditable{}, fsys, "app")
		if err == nil || !strings.Contains(err.Error(), "inflates to more than 8388608 bytes") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("oversized section", func(t *testing.T) {
		m := machO(t, []byte("x"))
		binary.LittleEndian.PutUint64(m[32+72+40:], maxAuditData+1) // section_64.size
		fsys := fstest.MapFS{"app": {Data: m, Mode: 0o755}}
		_, err := extracttest.Extract(t, Auditable{}, fsys, "app")
		if err == nil || !strings.Contains(err.Error(), "over the 8388608-byte limit") {
			t.Errorf("error %v", err)
		}
	})
}

// FuzzAuditData fuzzes the JSON through the whole extractor, wrapped in a
// Mach-O so that the section and zlib layers are exercised too.
func FuzzAuditData(f *testing.F) {
	js, err := os.ReadFile(filepath.Join("testdata", "auditable", "dep-v0.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js)
	f.Add([]byte(`{"packages":[{"name":"a","version":"1","source":{"Other":"x"},"dependencies":[0],"root":true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, Auditable{}, "app", machO(t, deflate(data)))
	})
}

// FuzzAuditableBinary fuzzes the executable parsing itself.
func FuzzAuditableBinary(f *testing.F) {
	payload := auditPayload(f)
	f.Add(machO(f, payload))
	f.Add(fat(f, machO(f, payload)))
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("MZ\x90\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, Auditable{}, "app.exe", data)
	})
}
