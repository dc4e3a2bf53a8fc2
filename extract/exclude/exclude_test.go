package exclude

import (
	"slices"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	m, err := Compile([]string{"./testdata", "**/node_modules/**", "*/vendor", "/etc/**", "./out/**/*.json", "./never/**"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		dir  bool
		want bool
	}{
		{".", true, false},
		{"testdata", true, true},
		{"testdata/x/go.mod", false, false}, // not reached: the directory was pruned; the glob alone does not match below
		{"a/testdata", true, false},
		{"node_modules", true, true},
		{"web/node_modules/x/package.json", false, true},
		{"a/vendor", true, true},
		{"vendor", true, false},
		{"a/b/vendor", true, false},
		{"etc", true, true},
		{"etc/os-release", false, true},
		{"out/a/b.json", false, true},
		{"out/a/b.lock", false, false},
		{"go.mod", false, false},
	} {
		if got := m.Match(tc.path, tc.dir); got != tc.want {
			t.Errorf("Match(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	if got, want := m.Unused(), []string{"./never/**"}; !slices.Equal(got, want) {
		t.Errorf("Unused() = %q, want %q", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct{ pattern, want string }{
		{"testdata", `--exclude "testdata": a pattern is relative to the target, so it starts with ./, */, **/ or / (e.g. ./testdata)`},
		{"./", `--exclude "./": excludes the whole target`},
		{"/", `--exclude "/": excludes the whole target`},
		{"./[a", `--exclude "./[a": not a valid glob`},
	} {
		_, err := Compile([]string{tc.pattern})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Compile(%q) = %v, want %q", tc.pattern, err, tc.want)
		}
	}
}

func TestNil(t *testing.T) {
	var m *Matcher
	if m.Match("a", false) || m.Unused() != nil {
		t.Error("a nil Matcher excludes nothing")
	}
}
