package score

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestRank(t *testing.T) {
	app := func(purl string) inventory.Package {
		return inventory.Package{PURL: purl, Type: "application"}
	}
	pkg := func(eco inventory.Ecosystem, name, version, purl string, direct bool) inventory.Package {
		return inventory.Package{Name: name, Version: version, Ecosystem: eco, PURL: purl, Direct: direct}
	}
	a := &inventory.Inventory{
		Packages: []inventory.Package{
			app("pkg:golang/example.com/a"),
			pkg(inventory.Go, "github.com/spf13/cobra", "v1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0", false),
			pkg(inventory.Go, "github.com/spf13/pflag", "v1.0.5", "pkg:golang/github.com/spf13/pflag@v1.0.5", false),
			pkg(inventory.Go, "gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1", false),
			pkg(inventory.Go, "golang.org/x/sys", "v0.20.0", "pkg:golang/golang.org/x/sys@v0.20.0", false),
		},
		Relationships: []inventory.Relationship{
			{From: "pkg:golang/example.com/a", To: "pkg:golang/github.com/spf13/cobra@v1.8.0", Type: inventory.DependsOn},
			{From: "pkg:golang/github.com/spf13/cobra@v1.8.0", To: "pkg:golang/github.com/spf13/pflag@v1.0.5", Type: inventory.DependsOn},
		},
	}
	b := &inventory.Inventory{
		Packages: []inventory.Package{
			app("pkg:golang/example.com/b"),
			pkg(inventory.Go, "github.com/spf13/cobra", "v1.9.1", "pkg:golang/github.com/spf13/cobra@v1.9.1", true),
			pkg(inventory.Go, "github.com/spf13/pflag", "v1.0.6", "pkg:golang/github.com/spf13/pflag@v1.0.6", false),
			pkg(inventory.Npm, "left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fleft-pad%2Fleft-pad.git", true),
			pkg(inventory.Npm, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21", true),
		},
		Relationships: []inventory.Relationship{
			{From: "pkg:golang/github.com/spf13/cobra@v1.9.1", To: "pkg:golang/github.com/spf13/pflag@v1.0.6", Type: inventory.DependsOn},
			{From: "pkg:npm/lodash@4.17.21", To: "pkg:golang/github.com/spf13/pflag@v1.0.6", Type: inventory.DependsOn},
		},
	}
	ranked := Rank([]Product{{"a", a}, {"b", b}})
	data, err := json.MarshalIndent(ranked, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// cobra: 2 products, direct in both (a, an SBOM with no direct flags,
	// by its root's edge; b by flag);
	// pflag: 2 products, 0 direct, 2 dependent packages (cobra, lodash).
	if ranked[0].Name != "github.com/spf13/cobra" || ranked[1].Name != "github.com/spf13/pflag" || ranked[1].PackageDependents != 2 {
		t.Errorf("order: %s, %s (%d)", ranked[0].Name, ranked[1].Name, ranked[1].PackageDependents)
	}
	golden.Check(t, "testdata/rank.golden.json", append(data, '\n'))
}

// TestRankDirectIsTheInventorys: where the inventory marks its direct
// dependencies (every extractor does), an edge from the project does not
// make a package direct: a go.mod requires its "// indirect" modules too,
// and sbom calls them transitive, so rank must.
func TestRankDirectIsTheInventorys(t *testing.T) {
	inv := &inventory.Inventory{
		Packages: []inventory.Package{
			{PURL: "pkg:golang/example.com/a", Type: "application"},
			{Name: "github.com/spf13/cobra", Version: "v1.8.0", Ecosystem: inventory.Go, PURL: "pkg:golang/github.com/spf13/cobra@v1.8.0", Direct: true},
			{Name: "golang.org/x/sys", Version: "v0.20.0", Ecosystem: inventory.Go, PURL: "pkg:golang/golang.org/x/sys@v0.20.0"},
		},
		Relationships: []inventory.Relationship{
			{From: "pkg:golang/example.com/a", To: "pkg:golang/github.com/spf13/cobra@v1.8.0", Type: inventory.DependsOn},
			{From: "pkg:golang/example.com/a", To: "pkg:golang/golang.org/x/sys@v0.20.0", Type: inventory.DependsOn},
		},
	}
	got := map[string][]string{}
	for _, r := range Rank([]Product{{"a", inv}}) {
		got[r.Name] = r.Direct
	}
	want := map[string][]string{"github.com/spf13/cobra": {"a"}, "golang.org/x/sys": {}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("direct = %v, want %v", got, want)
	}
}
