package golang

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

// buildGoBinary builds a tiny real Go program and returns its path. The
// program's module requires two modules served from a file:// GOPROXY made
// here with golang.org/x/mod/zip (so the sums in the binary are real and no
// network is used), replaces one of them by a newer version and replaces a
// third by a local directory. The build pins GOOS, GOARCH, tags and ldflags
// so that everything in the build information except the Go version is the
// same on every machine. (Not -trimpath: with it the go command leaves
// -ldflags out of the build information.)
func buildGoBinary(t *testing.T) (bin, goVersion string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found; cannot build the test binary")
	}
	tmp := t.TempDir()
	env := []string{
		"GOTOOLCHAIN=local", "GOENV=off", "GOWORK=off", "GOFLAGS=-mod=mod -modcacherw -buildvcs=false",
		"GOPROXY=file://" + filepath.ToSlash(filepath.Join(tmp, "proxy")), "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=",
		"GOMODCACHE=" + filepath.Join(tmp, "modcache"), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1", "GOEXPERIMENT=",
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GO") && !strings.HasPrefix(kv, "CGO_") {
			env = append(env, kv)
		}
	}
	run := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goTool, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	goVersion = run(tmp, "env", "GOVERSION")
	// The go line matches the toolchain's language version so the build
	// records no DefaultGODEBUG, which would differ between toolchains.
	lang := StdlibVersion(goVersion)
	if lang == "" {
		t.Skipf("toolchain %q is not a release; its build information cannot be pinned", goVersion)
	}
	lang = lang[:strings.LastIndexByte(lang, '.')]

	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// publish puts one module version into the proxy, laid out as the
	// GOPROXY protocol says (https://go.dev/ref/mod#goproxy-protocol).
	publish := func(path, version, src string) {
		t.Helper()
		dir := filepath.Join(tmp, "src", path+"@"+version)
		gomod := "module " + path + "\n\ngo 1.21\n"
		write(filepath.Join(dir, "go.mod"), gomod)
		write(filepath.Join(dir, filepath.Base(path)+".go"), src)
		at := filepath.Join(tmp, "proxy", path, "@v")
		var zip bytes.Buffer
		if err := modzip.CreateFromDir(&zip, module.Version{Path: path, Version: version}, dir); err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(at, version+".zip"), zip.String())
		write(filepath.Join(at, version+".mod"), gomod)
		write(filepath.Join(at, version+".info"), `{"Version":"`+version+`","Time":"2024-01-02T03:04:05Z"}`)
		list, _ := os.ReadFile(filepath.Join(at, "list"))
		write(filepath.Join(at, "list"), string(list)+version+"\n")
	}
	publish("example.com/greet", "v1.0.0", "package greet\n\nfunc Hello() string { return \"hello\" }\n")
	publish("example.com/greet", "v1.1.0", "package greet\n\nfunc Hello() string { return \"hello, again\" }\n")
	publish("example.com/util", "v0.3.0", "package util\n\nfunc Twice(s string) string { return s + s }\n")

	app := filepath.Join(tmp, "app")
	write(filepath.Join(app, "go.mod"), `module example.com/app

go `+lang+`

require (
	example.com/greet v1.0.0
	example.com/local v0.0.0-00010101000000-000000000000
	example.com/util v0.3.0
)

replace example.com/greet v1.0.0 => example.com/greet v1.1.0

replace example.com/local => ./local
`)
	write(filepath.Join(app, "local", "go.mod"), "module example.com/local\n\ngo 1.21\n")
	write(filepath.Join(app, "local", "local.go"), "package local\n\nconst Name = \"local\"\n")
	write(filepath.Join(app, "cmd", "app", "main.go"), `package main

import (
	"fmt"

	"example.com/greet"
	"example.com/local"
	"example.com/util"
)

var version = "dev"

// Called through variables, so that the compiler cannot inline them and
// the binary's function table lists them.
var hello, twice = greet.Hello, util.Twice

func main() { fmt.Println(hello(), local.Name, twice("!"), version) }
`)
	bin = filepath.Join(app, "app")
	run(app, "build", "-tags=netgo,hallmark", "-ldflags=-X main.version=1.2.3", "-o", bin, "./cmd/app")
	return bin, goVersion
}

// TestBinaryGolden extracts the binary built above. The Go version is the
// one thing that differs between machines; it is replaced by GOVERSION
// (raw) and STDLIB (as OSV writes it) before comparing.
func TestBinaryGolden(t *testing.T) {
	bin, goVersion := buildGoBinary(t)
	inv, err := extracttest.Extract(t, Binary{}, os.DirFS(filepath.Dir(bin)), filepath.Base(bin))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	std := StdlibVersion(goVersion)
	s := strings.ReplaceAll(string(got), `"`+goVersion+`"`, `"GOVERSION"`)
	s = strings.ReplaceAll(s, "stdlib@"+std+`"`, `stdlib@STDLIB"`)
	s = strings.ReplaceAll(s, `"version": "`+std+`"`, `"version": "STDLIB"`)
	golden.Check(t, filepath.Join("testdata", "binary", "app.golden.json"), []byte(s+"\n"))

	// The same facts, asserted directly.
	main := inv.Package("pkg:golang/example.com/app")
	if main == nil || main.Type != "application" || main.Version != "" {
		t.Fatalf("main module: %+v", main)
	}
	for k, want := range map[string]string{
		PropMainPackage:              "example.com/app/cmd/app",
		PropBuildPrefix + "-tags":    "netgo,hallmark",
		PropBuildPrefix + "-ldflags": "-X main.version=1.2.3",
		PropBuildPrefix + "GOOS":     "linux",
		PropBuildPrefix + "GOARCH":   "amd64",
	} {
		if v, _ := main.Property(k); v != want {
			t.Errorf("main module %s = %q, want %q", k, v, want)
		}
	}
	greet := inv.Package("pkg:golang/example.com/greet@v1.1.0")
	if greet == nil || len(greet.Hashes) != 1 {
		t.Fatalf("replaced module not reported under its replacement with a hash: %+v", greet)
	}
	if v, _ := greet.Property(PropReplacedFrom); v != "example.com/greet@v1.0.0" {
		t.Errorf("replaced-from = %q", v)
	}
	local := inv.Package("pkg:golang/example.com/local")
	if v, _ := local.Property(PropReplaceDir); local == nil || v != "./local" {
		t.Errorf("directory replace: %+v", local)
	}
	if p := inv.Package("pkg:golang/stdlib@" + std); p == nil {
		t.Errorf("no stdlib@%s", std)
	}
	if len(inv.Relationships) != 4 {
		t.Errorf("want main → greet, local, util, stdlib; got %+v", inv.Relationships)
	}
}

// TestBinaryOwnTestExecutable reads this test's own executable, a Go
// binary of the hallmark module, which needs no build step.
func TestBinaryOwnTestExecutable(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	bi, err := buildinfo.ReadFile(exe)
	if err != nil {
		t.Skipf("test executable has no build information: %v", err)
	}
	inv, err := extracttest.Extract(t, Binary{}, os.DirFS(filepath.Dir(exe)), filepath.Base(exe))
	if err != nil {
		t.Fatal(err)
	}
	var std *inventory.Package
	for i := range inv.Packages {
		if inv.Packages[i].Name == StdlibName {
			std = &inv.Packages[i]
		}
	}
	if std == nil || std.Version != StdlibVersion(bi.GoVersion) {
		t.Errorf("stdlib %+v, want version %q", std, StdlibVersion(bi.GoVersion))
	}
	if bi.Main.Path != "" {
		if p := inv.Package(inventory.PURL(inventory.Go, bi.Main.Path, "", nil)); p == nil || p.Type != "application" {
			t.Errorf("main module %s: %+v", bi.Main.Path, p)
		}
	}
	for _, d := range bi.Deps {
		if d.Replace == nil && inv.Package(inventory.PURL(inventory.Go, d.Path, d.Version, nil)) == nil {
			t.Errorf("dependency %s@%s missing", d.Path, d.Version)
		}
	}
}

func TestBinaryNotGo(t *testing.T) {
	fsys := fstest.MapFS{
		"script.sh": {Data: []byte("#!/bin/sh\necho hi\n"), Mode: 0o755},
		"empty":     {Data: nil, Mode: 0o755},
		"elfish":    {Data: []byte("\x7fELF\x02\x01\x01\x00garbage"), Mode: 0o755},
		"tool.exe":  {Data: []byte("MZ\x90\x00"), Mode: 0o644},
	}
	for name := range fsys {
		inv, err := extracttest.Extract(t, Binary{}, fsys, name)
		if err != nil || len(inv.Packages) != 0 {
			t.Errorf("%s: %d packages, error %v; want nothing", name, len(inv.Packages), err)
		}
	}
	if (Binary{}).Claims("data.txt", 0o644) {
		t.Error("claims a non-executable file")
	}
}

func FuzzBinary(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("MZ\x90\x00\x03\x00\x00\x00"))
	f.Add([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"))
	// The test binary is a real Go executable; it seeds the corpus with a
	// valid build information blob when the fuzzer runs on this machine.
	if exe, err := os.Executable(); err == nil {
		if data, err := os.ReadFile(exe); err == nil && len(data) < 64<<20 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, Binary{}, "app.exe", data)
		// The function table, read only when binary facts are asked for.
		if bi, err := buildinfo.Read(bytes.NewReader(data)); err == nil {
			if b, err := goBinaryFacts(bytes.NewReader(data), "app.exe", bi); err == nil && b.Functions.Len() == 0 {
				t.Fatal("facts without functions")
			}
		}
	})
}
