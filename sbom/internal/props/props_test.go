package props

import (
	"slices"
	"testing"

	"github.com/hallmark-dev/hallmark/inventory"
)

func TestTopLevel(t *testing.T) {
	pkg := func(purl, typ string, direct bool) inventory.Package {
		return inventory.Package{PURL: purl, Type: typ, Direct: direct}
	}
	dep := func(from, to string) inventory.Relationship {
		return inventory.Relationship{From: from, To: to, Type: inventory.DependsOn}
	}
	tests := []struct {
		name string
		inv  inventory.Inventory
		want []string
	}{
		{"empty", inventory.Inventory{}, nil},
		{"no roots: the direct packages", inventory.Inventory{
			Packages:      []inventory.Package{pkg("pkg:npm/a@1", "", true), pkg("pkg:npm/b@1", "", false), pkg("pkg:npm/c@1", "", true)},
			Relationships: []inventory.Relationship{dep("pkg:npm/a@1", "pkg:npm/b@1")},
		}, []string{"pkg:npm/a@1", "pkg:npm/c@1"}},
		{"a direct package a root reaches is left to the root", inventory.Inventory{
			Packages: []inventory.Package{
				pkg("pkg:golang/app", "application", false), pkg("pkg:golang/x@1", "", true),
				pkg("pkg:golang/y@1", "", true), pkg("pkg:golang/z@1", "", false),
			},
			Relationships: []inventory.Relationship{
				dep("pkg:golang/app", "pkg:golang/x@1"), dep("pkg:golang/x@1", "pkg:golang/z@1"),
				dep("pkg:golang/z@1", "pkg:golang/x@1"), // a cycle ends the walk
			},
		}, []string{"pkg:golang/app", "pkg:golang/y@1"}},
		{"a root another root reaches is still top level", inventory.Inventory{
			Packages:      []inventory.Package{pkg("pkg:generic/a", "application", false), pkg("pkg:generic/b", "application", true)},
			Relationships: []inventory.Relationship{dep("pkg:generic/a", "pkg:generic/b")},
		}, []string{"pkg:generic/a", "pkg:generic/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Normalized(&tt.inv)
			var got []string
			for _, i := range TopLevel(g) {
				got = append(got, g.Packages[i].PURL)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("TopLevel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestForTarget(t *testing.T) {
	tg := inventory.Target{Kind: "image", Properties: []inventory.Property{{Name: "z", Value: "1"}, {Name: "a", Value: "2"}}}
	got := ForTarget(&tg)
	want := []inventory.Property{{Name: "a", Value: "2"}, {Name: TargetKind, Value: "image"}, {Name: "z", Value: "1"}}
	if !slices.Equal(got, want) {
		t.Errorf("ForTarget = %v, want %v", got, want)
	}
	if tg.Properties[0].Name != "z" {
		t.Errorf("ForTarget reordered the target's own properties: %v", tg.Properties)
	}
	if got := ForTarget(&inventory.Target{}); len(got) != 0 {
		t.Errorf("ForTarget(empty) = %v, want none", got)
	}
}

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{
		"UNKNOWN": "", "unknown": "", "NOASSERTION": "", " NONE ": "", "N/A": "",
		"1.2.3": "1.2.3", " v1.0.0 ": "v1.0.0", "": "", "unknown-1.0": "unknown-1.0",
	} {
		if got := Version(in); got != want {
			t.Errorf("Version(%q) = %q, want %q", in, got, want)
		}
	}
}
