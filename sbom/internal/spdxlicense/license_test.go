package spdxlicense

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
)

// TestListMatchesSchema fails when the shared CycloneDX schemas carry a
// newer SPDX list than ids.txt: run go generate.
func TestListMatchesSchema(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "schemas", "cyclonedx", "spdx.SNAPSHOT.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct{ Enum []string }
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	slices.Sort(schema.Enum)
	if !slices.Equal(IDs(), schema.Enum) {
		t.Errorf("ids.txt (%d ids) differs from spdx.SNAPSHOT.schema.json (%d ids): run go generate ./sbom/internal/spdxlicense", len(IDs()), len(schema.Enum))
	}
}

func TestExpression(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"MIT", "MIT", true},
		{"mit", "MIT", true},
		{"apache-2.0", "Apache-2.0", true},
		{"(MIT OR Apache-2.0)", "MIT OR Apache-2.0", true},
		{"((MIT))", "MIT", true},
		{"MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT AND (Apache-2.0 OR BSD-3-Clause)", true},
		{"(MIT OR Apache-2.0) AND (ISC)", "(MIT OR Apache-2.0) AND (ISC)", true},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0", true},
		{"GPL-2.0+", "GPL-2.0+", true},
		{"Apache-2.0+", "Apache-2.0+", true},
		{"LicenseRef-my-license", "LicenseRef-my-license", true},
		{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", true},
		{"MIT  OR\tISC", "MIT OR ISC", true},
		{"MIT License", "", false},
		{"Apache 2.0", "", false},
		{"MIT or ISC", "", false}, // operators are case-sensitive
		{"MIT WITH MIT-2.0", "", false},
		{"MIT WITH", "", false},
		{"(MIT", "", false},
		{"MIT)", "", false},
		{"AND", "", false},
		{"", "", false},
		{"LicenseRef-", "", false},
		{"LicenseRef-a b", "", false},
	} {
		got, ok := Expression(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Expression(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSplitJoin(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"MIT", []string{"MIT"}},
		{"MIT AND ISC", []string{"MIT", "ISC"}},
		{"(MIT OR ISC) AND LicenseRef-x", []string{"MIT OR ISC", "LicenseRef-x"}},
		{"MIT OR ISC AND Apache-2.0", []string{"MIT OR ISC AND Apache-2.0"}},
		{"(MIT AND ISC)", []string{"MIT", "ISC"}},
		{"GPL-2.0-only WITH Classpath-exception-2.0 AND MIT", []string{"GPL-2.0-only WITH Classpath-exception-2.0", "MIT"}},
	} {
		got := SplitAnd(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("SplitAnd(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := Join([]string{"MIT OR ISC", "Apache-2.0", "A AND B"}), "(MIT OR ISC) AND Apache-2.0 AND A AND B"; got != want {
		t.Errorf("Join = %q, want %q", got, want)
	}
}

func TestRef(t *testing.T) {
	for in, want := range map[string]string{
		"Custom Shop License": "LicenseRef-Custom-Shop-License",
		"BSD (3 clause)":      "LicenseRef-BSD-3-clause",
		"Ünïcode":             "LicenseRef-n-code",
		"???":                 "LicenseRef-unnamed",
	} {
		if got := Ref(in); got != want {
			t.Errorf("Ref(%q) = %q, want %q", in, got, want)
		}
		if !IsRef(Ref(in)) {
			t.Errorf("Ref(%q) = %q is not a valid LicenseRef", in, Ref(in))
		}
	}
}

func FuzzExpression(f *testing.F) {
	for _, s := range []string{"MIT", "(MIT OR Apache-2.0) AND LicenseRef-x", "GPL-2.0+ WITH Classpath-exception-2.0", "((("} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := Expression(s)
		if !ok {
			return
		}
		// The normal form is a fixed point, and splitting and joining keeps it valid.
		if again, ok := Expression(e); !ok || again != e {
			t.Fatalf("Expression(%q) = %q, but Expression(%q) = %q, %v", s, e, e, again, ok)
		}
		if _, ok := Expression(Join(SplitAnd(e))); !ok {
			t.Fatalf("Join(SplitAnd(%q)) is not valid", e)
		}
	})
}
