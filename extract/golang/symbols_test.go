package golang

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

// TestBinaryFacts extracts the binary buildGoBinary builds with and
// without binary facts: with them the inventory holds its platform, its
// packages and its functions in the Go vulnerability database's spelling;
// without them (hallmark sbom) nothing of the symbol table is read.
func TestBinaryFacts(t *testing.T) {
	bin, _ := buildGoBinary(t)
	dir, name := filepath.Dir(bin), filepath.Base(bin)
	run := func(facts bool) *inventory.Inventory {
		t.Helper()
		inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: []extract.Extractor{Binary{}}, Only: []string{name}, BinaryFacts: facts})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	if inv := run(false); len(inv.GoBinaries) != 0 || len(inv.Packages) == 0 {
		t.Fatalf("without BinaryFacts: %d binaries, %d packages; want 0 and the modules", len(inv.GoBinaries), len(inv.Packages))
	}
	inv := run(true)
	b := inv.GoBinary(name)
	if b == nil || len(inv.GoBinaries) != 1 {
		t.Fatalf("GoBinaries = %+v, want one for %s", inv.GoBinaries, name)
	}
	if b.GOOS != "linux" || b.GOARCH != "amd64" {
		t.Errorf("platform %s/%s, want linux/amd64", b.GOOS, b.GOARCH)
	}
	for _, p := range []string{"example.com/greet", "example.com/util", "fmt", "main", "runtime"} {
		if !b.HasPackage(p) {
			t.Errorf("package %s missing from %v", p, b.Packages)
		}
	}
	// example.com/local holds only a constant: no function, no package.
	for _, p := range []string{"example.com/local", "net/smtp"} {
		if b.HasPackage(p) {
			t.Errorf("package %s listed, but has no function in the binary", p)
		}
	}
	// Compiler-made functions (type:.eq.*, go:buildid) name no package.
	for _, p := range b.Packages {
		if strings.HasPrefix(p, "type:") || strings.HasPrefix(p, "go:") {
			t.Errorf("package %q listed", p)
		}
	}
	if !slices.IsSorted(b.Packages) {
		t.Errorf("packages not sorted: %v", b.Packages)
	}
	for _, f := range []string{"example.com/greet.Hello", "example.com/util.Twice", "main.main", "fmt.Fprintln", "os.File.Write"} {
		if !b.Functions.Has(f) {
			t.Errorf("function %s missing", f)
		}
	}
	for _, f := range []string{"net/smtp.SendMail", "example.com/greet.Goodbye", "fmt.(*pp).doPrintln", "Println"} {
		if b.Functions.Has(f) {
			t.Errorf("function %s present", f)
		}
	}
}

// TestBinaryFactsOwnExecutable reads this test's own function table, which
// needs no build step: it calls testing.(*T).Run.
func TestBinaryFactsOwnExecutable(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bi, err := buildinfo.Read(f)
	if err != nil {
		t.Skipf("test executable has no build information: %v", err)
	}
	b, err := goBinaryFacts(f, "golang.test", bi)
	if err != nil {
		t.Fatal(err)
	}
	if b.Path != "golang.test" || !b.Functions.Has("testing.T.Run") || !b.HasPackage("testing") || !b.HasModule("golang.org/x/mod") {
		t.Errorf("own executable: path %q, T.Run %v, testing %v, x/mod %v", b.Path, b.Functions.Has("testing.T.Run"), b.HasPackage("testing"), b.HasModule("golang.org/x/mod"))
	}
	if b.Functions.Len() < 1000 {
		t.Errorf("%d functions, want thousands", b.Functions.Len())
	}
	if goos := buildSetting(bi, "GOOS"); goos != "" && b.GOOS != runtime.GOOS {
		t.Errorf("GOOS %q, want %q", b.GOOS, runtime.GOOS)
	}
}

func buildSetting(bi *buildinfo.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// TestFunctionCount reads the count from each layout's header, and
// goBinaryFacts refuses a table claiming more functions than the bound
// before debug/gosym allocates for them.
func TestFunctionCount(t *testing.T) {
	header := func(order binary.ByteOrder, magic uint32, ptr byte, n uint64) []byte {
		h := make([]byte, 64)
		order.PutUint32(h, magic)
		h[6], h[7] = 1, ptr
		if ptr == 4 {
			order.PutUint32(h[8:], uint32(n))
		} else {
			order.PutUint64(h[8:], n)
		}
		return h
	}
	for _, tt := range []struct {
		name string
		data []byte
		want uint64
		ok   bool
	}{
		{"go1.20 little-endian 64-bit", header(binary.LittleEndian, 0xfffffff1, 8, 33003), 33003, true},
		{"go1.18 big-endian 32-bit", header(binary.BigEndian, 0xfffffff0, 4, 7), 7, true},
		{"go1.16", header(binary.LittleEndian, 0xfffffffa, 8, 1<<40), 1 << 40, true},
		{"go1.2", header(binary.LittleEndian, 0xfffffffb, 4, 12), 12, true},
		{"unknown magic", header(binary.LittleEndian, 0xfffffff2, 8, 1), 0, false},
		{"pointer size 2", header(binary.LittleEndian, 0xfffffff1, 2, 1), 0, false},
		{"short", []byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8}, 0, false},
	} {
		n, ok := functionCount(tt.data)
		if n != tt.want || ok != tt.ok {
			t.Errorf("%s: functionCount = %d, %v; want %d, %v", tt.name, n, ok, tt.want, tt.ok)
		}
	}

	// A real binary whose header is made to claim too many functions.
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Skipf("test executable has no build information: %v", err)
	}
	tab, _, err := pclntab(bytes.NewReader(data))
	if err != nil {
		t.Skipf("cannot read this platform's function table: %v", err)
	}
	i := bytes.Index(data, tab[:16])
	if i < 0 || tab[7] != 8 {
		t.Skip("function table not found in the file")
	}
	binary.LittleEndian.PutUint64(data[i+8:], maxFunctions+1)
	if _, err := goBinaryFacts(bytes.NewReader(data), "big", bi); err == nil {
		t.Errorf("a table of %d functions was read", maxFunctions+1)
	}
}

func TestSplitSymbol(t *testing.T) {
	for in, want := range map[string]string{
		"net/http.(*Server).ListenAndServe":               "net/http Server.ListenAndServe",
		"golang.org/x/net/http2.(*serverConn).goAway":     "golang.org/x/net/http2 serverConn.goAway",
		"example.com/m/v2.Map[go.shape.int,go.shape.int]": "example.com/m/v2 Map",
		"example.com/m.(*T[...]).Method":                  "example.com/m T.Method",
		"main.main":                                       "main main",
		"gopkg.in/yaml%2ev3.Unmarshal":                    "gopkg.in/yaml.v3 Unmarshal",
		"noDot":                                           " ",
		"type:.eq.[16]sync/atomic.Pointer[go.shape.int]":  " ",
		"go:buildid":                                      " ",
		"example.com/m.F[unclosed":                        "example.com/m F",
	} {
		p, s := splitSymbol(in)
		if p+" "+s != want {
			t.Errorf("splitSymbol(%q) = %q %q, want %q", in, p, s, want)
		}
	}
}

// BenchmarkGoBinaryFacts reads this test's own function table, the work
// binary facts add to a scan of a Go binary.
func BenchmarkGoBinaryFacts(b *testing.B) {
	exe, err := os.Executable()
	if err != nil {
		b.Skip(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		b.Fatal(err)
	}
	bi, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		b.Skip(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := goBinaryFacts(bytes.NewReader(data), "golang.test", bi); err != nil {
			b.Fatal(err)
		}
	}
}
