package extract_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/inventory"
)

// lineList is a walker test extractor: "pkgs.txt" files hold one package
// name per line; "boom" makes it panic; "bad" makes it fail.
type lineList struct{}

func (lineList) Name() string { return "test/lines" }

// Covers: its package-lock.json speaks for node_modules, as npm's does;
// the walker learns the rule from the extractor, not from a list of its own.
func (lineList) Covers() (string, []string) { return "node_modules", []string{"package-lock.json"} }
func (lineList) Claims(p string, _ fs.FileMode) bool {
	return path.Base(p) == "pkgs.txt" || path.Base(p) == "package-lock.json"
}
func (lineList) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	var pkgs []inventory.Package
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch l {
		case "boom":
			panic("boom")
		case "bad":
			return nil, nil, errors.New(in.Path + ":" + string(rune('1'+i)) + ": bad line")
		}
		pkgs = append(pkgs, inventory.Package{Name: l, Ecosystem: inventory.Npm, PURL: inventory.PURL(inventory.Npm, l, "1.0.0", nil)})
	}
	return pkgs, nil, nil
}

// execs claims executables only.
type execs struct{ seen *[]string }

func (execs) Name() string                           { return "test/exec" }
func (execs) Claims(_ string, mode fs.FileMode) bool { return extract.IsExecutable(mode) }
func (e execs) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	*e.seen = append(*e.seen, in.Path)
	return nil, nil, nil
}

func names(inv *inventory.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.Name+"@"+strings.Join(inventory.Paths(p.Locations), ","))
	}
	return out
}

func TestRunWalk(t *testing.T) {
	fsys := fstest.MapFS{
		"pkgs.txt":                       {Data: []byte("a\nb\n")},
		"sub/pkgs.txt":                   {Data: []byte("b\nc\n")},
		".git/pkgs.txt":                  {Data: []byte("ignored\n")},
		"web/package-lock.json":          {Data: []byte("d\n")},
		"web/node_modules/x/pkgs.txt":    {Data: []byte("beside-lockfile\n")},
		"nolock/node_modules/y/pkgs.txt": {Data: []byte("e\n")},
		"broken/pkgs.txt":                {Data: []byte("ok\nbad\n")},
		"panics/pkgs.txt":                {Data: []byte("boom\n")},
		"big/pkgs.txt":                   {Data: []byte(strings.Repeat("x", 100))},
		"etc/os-release":                 {Data: []byte("ID=debian\nVERSION_ID=12\n")},
	}
	inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: []extract.Extractor{lineList{}}, MaxFileSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a@pkgs.txt",
		"b@pkgs.txt,sub/pkgs.txt",
		"c@sub/pkgs.txt",
		"d@web/package-lock.json",
		"e@nolock/node_modules/y/pkgs.txt",
	}
	if got := names(inv); !slices.Equal(got, want) {
		t.Errorf("packages:\n got %q\nwant %q", got, want)
	}
	wantSkipped := []inventory.Skipped{
		{Path: "big/pkgs.txt", Reason: "100 bytes is over the 50-byte limit"},
		{Path: "broken/pkgs.txt", Reason: "broken/pkgs.txt:2: bad line"},
		{Path: "panics/pkgs.txt", Reason: "test/lines: internal error: boom"},
	}
	if !slices.Equal(inv.Skipped, wantSkipped) {
		t.Errorf("skipped:\n got %+v\nwant %+v", inv.Skipped, wantSkipped)
	}
	if inv.Distro == nil || inv.Distro.PURLQualifier() != "debian-12" {
		t.Errorf("distro = %+v", inv.Distro)
	}

	// With WalkNodeModules the lockfile's node_modules is read too.
	inv, err = extract.Run(context.Background(), fsys, extract.Options{Extractors: []extract.Extractor{lineList{}}, MaxFileSize: 50, WalkNodeModules: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names(inv), "beside-lockfile@web/node_modules/x/pkgs.txt") {
		t.Errorf("WalkNodeModules did not walk node_modules: %q", names(inv))
	}
}

func TestRunSymlinkLoopAndExecutables(t *testing.T) {
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "a/b"), 0o755))
	must(t, os.Symlink("..", filepath.Join(dir, "a/b/loop")))
	must(t, os.WriteFile(filepath.Join(dir, "a/b/pkgs.txt"), []byte("x\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "a/tool"), []byte("\x7fELF"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "a/data.bin"), []byte("\x7fELF"), 0o644))
	var seen []string
	inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: []extract.Extractor{lineList{}, execs{&seen}}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inv); !slices.Equal(got, []string{"x@a/b/pkgs.txt"}) {
		t.Errorf("got %q", got)
	}
	if !slices.Equal(seen, []string{"a/tool"}) {
		t.Errorf("executables claimed: %q", seen)
	}

	// A single-file target is offered to binary extractors whatever its mode.
	seen = nil
	if _, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: []extract.Extractor{execs{&seen}}, Only: []string{"a/data.bin"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seen, []string{"a/data.bin"}) {
		t.Errorf("single file not offered: %q", seen)
	}
}

// errDirFS fails to list one directory, as an unreadable directory does
// (tests run as root in CI, where permissions cannot make one).
type errDirFS struct{ fstest.MapFS }

func (e errDirFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == "locked" {
		return nil, &fs.PathError{Op: "readdirent", Path: name, Err: fs.ErrPermission}
	}
	return e.MapFS.ReadDir(name)
}

func TestRunUnreadableDirectory(t *testing.T) {
	fsys := errDirFS{fstest.MapFS{
		"locked/pkgs.txt": {Data: []byte("hidden\n")},
		"open/pkgs.txt":   {Data: []byte("seen\n")},
	}}
	inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: []extract.Extractor{lineList{}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inv); !slices.Equal(got, []string{"seen@open/pkgs.txt"}) {
		t.Errorf("got %q", got)
	}
	if len(inv.Skipped) != 1 || inv.Skipped[0].Path != "locked" || !strings.Contains(inv.Skipped[0].Reason, "permission denied") {
		t.Errorf("skipped = %+v", inv.Skipped)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := extract.Run(ctx, fstest.MapFS{"pkgs.txt": {Data: []byte("a\n")}}, extract.Options{Extractors: []extract.Extractor{lineList{}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestNodeModulesExecutables: with NodeModulesExecutables the node_modules
// a lockfile speaks for is walked for executables only (a Go binary that
// an npm package ships); its other files stay the lockfile's business.
func TestNodeModulesExecutables(t *testing.T) {
	fsys := fstest.MapFS{
		"web/package-lock.json":                           {Data: []byte("d\n")},
		"web/node_modules/x/pkgs.txt":                     {Data: []byte("beside-lockfile\n")},
		"web/node_modules/@esbuild/linux-x64/bin/esbuild": {Data: []byte("\x7fELF"), Mode: 0o755},
		"web/node_modules/x/node_modules/y/tool":          {Data: []byte("\x7fELF"), Mode: 0o755},
		"web/node_modules/x/README.md":                    {Data: []byte("docs"), Mode: 0o644},
		// uri-js ships an executable yarn.lock: a name claim, not ours
		"web/node_modules/z/pkgs.txt": {Data: []byte("not-installed\n"), Mode: 0o755},
	}
	for _, tc := range []struct {
		executables bool
		want        []string
	}{
		{false, nil},
		{true, []string{"web/node_modules/@esbuild/linux-x64/bin/esbuild", "web/node_modules/x/node_modules/y/tool", "web/node_modules/z/pkgs.txt"}},
	} {
		var seen []string
		inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: []extract.Extractor{lineList{}, execs{&seen}}, Workers: 1, NodeModulesExecutables: tc.executables})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, tc.want) {
			t.Errorf("NodeModulesExecutables %v: executables claimed %q, want %q", tc.executables, seen, tc.want)
		}
		if got := names(inv); !slices.Equal(got, []string{"d@web/package-lock.json"}) {
			t.Errorf("NodeModulesExecutables %v: packages %q", tc.executables, got)
		}
	}
}

// TestLongReasonCut: an extractor that quotes a whole hostile line in its
// error does not carry it into the report.
func TestLongReasonCut(t *testing.T) {
	dir := t.TempDir()
	long := "group:artifact:" + strings.Repeat("A", 1<<20) + "\x1b[2J"
	must(t, os.WriteFile(filepath.Join(dir, "gradle.lockfile"), []byte(long+"\n"), 0o644))
	inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: []extract.Extractor{claimAll{}}})
	must(t, err)
	if len(inv.Skipped) != 1 {
		t.Fatalf("skipped %v, want one", inv.Skipped)
	}
	r := inv.Skipped[0].Reason
	if n := utf8.RuneCountInString(r); n != extract.MaxReason+1 || !strings.HasSuffix(r, "…") || strings.Contains(r, "\x1b") {
		t.Errorf("reason of %d runes: %.80q…", n, r)
	}
}

// claimAll fails on every file, quoting all of it.
type claimAll struct{}

func (claimAll) Name() string                        { return "test/quote-all" }
func (claimAll) Claims(p string, _ fs.FileMode) bool { return true }
func (claimAll) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	return nil, nil, fmt.Errorf("want group:artifact:version, got %s", data)
}

// TestRunUnresolved: the real extractors' manifests with no lockfile in
// their directory or above are listed with the command that writes one;
// a workspace member under a root lockfile, an installed node_modules and
// a manifest inside node_modules are not.
func TestRunUnresolved(t *testing.T) {
	fsys := fstest.MapFS{
		"web/package.json":                      {Data: []byte(`{"dependencies": {"left-pad": "^1.3.0"}}`)},
		"ws/package-lock.json":                  {Data: []byte(`{"lockfileVersion": 3, "packages": {}}`)},
		"ws/packages/a/package.json":            {Data: []byte(`{}`)},
		"installed/package.json":                {Data: []byte(`{}`)},
		"installed/node_modules/x/package.json": {Data: []byte(`{"name": "x", "version": "1.0.0"}`)},
		"py/pyproject.toml":                     {Data: []byte("[project]\nname = \"x\"\n")},
		"rb/Gemfile":                            {Data: []byte("gem \"rails\"\n")},
		"rs/Cargo.toml":                         {Data: []byte("[package]\nname = \"x\"\n")},
		"php/composer.json":                     {Data: []byte(`{}`)},
		"php/vendor/a/b/composer.json":          {Data: []byte(`{}`)},
		"pipenv/Pipfile":                        {Data: []byte("[packages]\n")},
		"locked/Gemfile":                        {Data: []byte("gem \"rails\"\n")},
		"locked/Gemfile.lock":                   {Data: []byte("GEM\n  specs:\n")},
	}
	inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: registry.Default()})
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Unresolved{
		{Path: "php/composer.json", Command: "composer update --no-install"},
		{Path: "pipenv/Pipfile", Command: "pipenv lock"},
		{Path: "py/pyproject.toml", Command: "uv lock"},
		{Path: "rb/Gemfile", Command: "bundle lock"},
		{Path: "rs/Cargo.toml", Command: "cargo generate-lockfile"},
		{Path: "web/package.json", Command: "npm install --package-lock-only"},
	}
	if !slices.Equal(inv.Unresolved, want) {
		t.Errorf("unresolved:\n got %v\nwant %v", inv.Unresolved, want)
	}

	// A single-file target is checked against its own directory.
	inv, err = extract.Run(context.Background(), fsys, extract.Options{Extractors: registry.Default(), Only: []string{"web/package.json"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []inventory.Unresolved{{Path: "web/package.json", Command: "npm install --package-lock-only"}}; !slices.Equal(inv.Unresolved, want) {
		t.Errorf("single file: %v, want %v", inv.Unresolved, want)
	}
}

// TestRunPartlySkipped checks that what an extractor could not read of a
// file it otherwise read (Input.Skip) is listed in Inventory.Skipped beside
// the packages it did read.
func TestRunPartlySkipped(t *testing.T) {
	fsys := fstest.MapFS{
		"Cargo.lock": {Data: []byte("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"b\"]\n")},
	}
	inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: registry.Default()})
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Skipped{{Path: "Cargo.lock", Reason: `package[0] (a 1.0.0): dependencies[0] "b": no such package in the lockfile; that relationship is left out`}}
	if got := names(inv); !slices.Equal(got, []string{"a@Cargo.lock"}) || !slices.Equal(inv.Skipped, want) {
		t.Errorf("packages %v skipped %+v; want [a] and %+v", got, inv.Skipped, want)
	}
}
