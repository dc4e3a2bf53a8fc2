package npm_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/npm"
	"github.com/hallmark-dev/hallmark/extract/registry"
)

// TestInstalledBesideLockfile: a project with package-lock.json and its
// node_modules (testdata/installed plus the lockfile npm wrote for it)
// gives the same inventory with npm.Installed registered as without it,
// with and without --node-modules: the lockfile speaks for the tree, and
// the installed package.json files add nothing and take no Dev mark away.
func TestInstalledBesideLockfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "installed"))); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "inventory.golden.json"))
	lock, err := os.ReadFile(filepath.Join("testdata", "installed-lockfile", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), lock, 0o644); err != nil {
		t.Fatal(err)
	}
	all := registry.Default()
	if !slices.ContainsFunc(all, func(e extract.Extractor) bool { _, ok := e.(npm.Installed); return ok }) {
		t.Fatal("npm.Installed is not registered")
	}
	without := slices.DeleteFunc(slices.Clone(all), func(e extract.Extractor) bool { _, ok := e.(npm.Installed); return ok })
	for _, walk := range []bool{false, true} {
		render := func(exs []extract.Extractor) string {
			inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: exs, WalkNodeModules: walk})
			if err != nil {
				t.Fatal(err)
			}
			out, err := json.MarshalIndent(inv, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		got, want := render(all), render(without)
		if got != want {
			t.Errorf("--node-modules=%v: inventory with npm.Installed:\n%s\nwithout:\n%s", walk, got, want)
		}
		// The lockfile's packages are there: the test would pass
		// vacuously if nothing were found.
		if n := len(registryPackages(t, dir, walk)); n != 7 {
			t.Errorf("--node-modules=%v: %d packages, want 7 (the project and 6 installed)", walk, n)
		}
	}
}

func registryPackages(t *testing.T, dir string, walk bool) []string {
	inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: registry.Default(), WalkNodeModules: walk})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.PURL)
	}
	return out
}
