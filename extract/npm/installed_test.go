package npm

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestUninstalledOptional: testdata/platform-binaries was written by npm 11
// (`npm install --package-lock-only esbuild@0.24.2`): esbuild locks one
// optional package per platform. In an installed tree only the matching
// one is in node_modules, and only it is reported; a source checkout
// without node_modules reports them all, as npm would install them
// somewhere.
func TestUninstalledOptional(t *testing.T) {
	lock, err := os.ReadFile("testdata/platform-binaries/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		installed []string
		want      []string // registry packages, or their number when nil
		wantN     int
	}{
		{
			name:      "installed on linux/amd64",
			installed: []string{"node_modules/esbuild/package.json", "node_modules/@esbuild/linux-x64/package.json"},
			want:      []string{"pkg:npm/%40esbuild/linux-x64@0.24.2", "pkg:npm/esbuild@0.24.2"},
		},
		{name: "source checkout", wantN: 26},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"package-lock.json": string(lock), "package.json": `{"name":"platform-binaries","version":"1.0.0","private":true,"dependencies":{"esbuild":"^0.24.2"}}`}
			for _, f := range tc.installed {
				files[f] = `{}`
			}
			inv, err := run(t, PackageLock{}, files, "package-lock.json")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range inv.Packages {
				if p.Type != "application" {
					got = append(got, p.PURL)
				}
			}
			slices.Sort(got)
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("packages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.want == nil && len(got) != tc.wantN {
				t.Errorf("%d packages, want %d", len(got), tc.wantN)
			}
			for _, r := range inv.Relationships {
				if tc.installed != nil && strings.Contains(r.To, "darwin") {
					t.Errorf("relationship to a package not installed: %v", r)
				}
			}
		})
	}
}
