package npm

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestWorkspaceMatch(t *testing.T) {
	for _, c := range []struct {
		globs []string
		p     string
		want  bool
	}{
		{[]string{"packages/*"}, "packages/a", true},
		{[]string{"./packages/*/"}, "packages/a", true},
		{[]string{"packages/*"}, "packages/a/b", false},
		{[]string{"packages/*"}, "packages", false},
		{[]string{"packages/**"}, "packages", true}, // "**" may be no folder
		{[]string{"packages/**"}, "packages/a/b/c", true},
		{[]string{"**/pkg-*"}, "apps/web/pkg-ui", true},
		{[]string{"**/pkg-*"}, "pkg-ui", true},
		{[]string{"**/pkg-*"}, "apps/web/ui", false},
		{[]string{"apps/**/service"}, "apps/a/b/service", true},
		{[]string{"apps/**/service"}, "apps/service", true},
		{[]string{"apps/**/service"}, "apps/a/b/service/x", false},
		{[]string{"packages/*", "!packages/legacy"}, "packages/legacy", false},
		{[]string{"packages/*", "!packages/legacy"}, "packages/new", true},
		{[]string{"!packages/legacy", "packages/*"}, "packages/legacy", true}, // order matters
		{[]string{"packages/**", "!packages/**/test-*"}, "packages/a/test-utils", false},
		{[]string{"a/b"}, "a/b", true},
		{[]string{"../outside"}, "../outside", false},
		{[]string{"/abs"}, "abs", false},
		{[]string{"[z-a]"}, "x", false}, // a malformed class matches nothing
		{[]string{strings.Repeat("**/", 40) + "x"}, strings.Repeat("d/", 40) + "x", true},
		{nil, "packages/a", false},
	} {
		if got := workspaceMatch(c.globs, c.p); got != c.want {
			t.Errorf("workspaceMatch(%q, %q) = %v, want %v", c.globs, c.p, got, c.want)
		}
	}
}

func TestWorkspaceDirs(t *testing.T) {
	pkg := &fstest.MapFile{Data: []byte(`{"name":"x"}`)}
	fsys := fstest.MapFS{
		"repo/package.json":                                 pkg,
		"repo/packages/a/package.json":                      pkg,
		"repo/packages/legacy/package.json":                 pkg,
		"repo/packages/group/b/package.json":                pkg,
		"repo/packages/group/b/node_modules/c/package.json": pkg, // installed, not a workspace
		"repo/packages/.cache/d/package.json":               pkg, // hidden
		"repo/packages/group/README.md":                     {Data: []byte("no package.json here")},
		"repo/apps/web/package.json":                        pkg,
		"repo/apps/web/src/package.json":                    pkg,
		"repo/apps/web/notes.txt":                           {},
	}
	for _, c := range []struct {
		globs []string
		want  []string
	}{
		{[]string{"packages/*"}, []string{"repo/packages/a", "repo/packages/legacy"}},
		{[]string{"packages/**", "!packages/legacy"}, []string{"repo/packages/a", "repo/packages/group/b"}},
		{[]string{"apps/*", "packages/*/b"}, []string{"repo/apps/web", "repo/packages/group/b"}},
		{[]string{"**"}, []string{"repo/apps/web", "repo/apps/web/src", "repo/packages/a", "repo/packages/group/b", "repo/packages/legacy"}},
		{[]string{"../*", "."}, nil},
	} {
		if got := workspaceDirs(fsys, "repo", c.globs); !slices.Equal(got, c.want) {
			t.Errorf("workspaceDirs(%q) = %q, want %q", c.globs, got, c.want)
		}
	}
}

// FuzzWorkspaceMatch: any pattern and folder from a lockfile is matched
// without a panic and in time linear in their product.
func FuzzWorkspaceMatch(f *testing.F) {
	f.Add("packages/**/!x", "packages/a/b")
	f.Add("[", "a")
	f.Fuzz(func(t *testing.T, glob, p string) {
		workspaceMatch([]string{glob, "!" + glob}, p)
	})
}
