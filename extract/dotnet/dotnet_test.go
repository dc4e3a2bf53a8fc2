package dotnet

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

func TestGolden(t *testing.T) {
	inv := extracttest.Golden(t, New(), "webapi", "packages.lock.json")
	if len(inv.Packages) != 10 {
		t.Errorf("got %d packages, want 10 (the Project entry is not a package)", len(inv.Packages))
	}
	nj := inv.Package("pkg:nuget/Newtonsoft.Json@13.0.3")
	if nj == nil || !nj.Direct || len(nj.Hashes) != 1 || nj.Hashes[0].Algorithm != "SHA-512" || len(nj.Hashes[0].Value) != 128 {
		t.Errorf("Newtonsoft.Json = %+v, want direct with a SHA-512", nj)
	}
	// Serilog.AspNetCore asks for Microsoft.Extensions.Logging 8.0.0; the
	// section resolved 8.0.1.
	want := inventory.Relationship{From: "pkg:nuget/Serilog.AspNetCore@8.0.3", To: "pkg:nuget/Microsoft.Extensions.Logging@8.0.1", Type: inventory.DependsOn}
	if !slices.Contains(inv.Relationships, want) {
		t.Errorf("missing %v", want)
	}
}

func TestClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"packages.lock.json": true, "src/Api/packages.lock.json": true, "packages.Api.lock.json": true,
		"packages.json": false, "packages..lock.json": false, "package-lock.json": false, "packages.lock.json.bak": false,
	} {
		if got := New().Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v", p, got)
		}
	}
}

func run(t *testing.T, data string) ([]inventory.Package, []inventory.Relationship, error) {
	t.Helper()
	return extracttest.RunFile(t, New(), "packages.lock.json", []byte(data))
}

// TestCentralPackageManagement: a version 2 lock file with
// CentralTransitive entries, one of them unused (no "resolved"), the same
// package in two frameworks and an id spelled in another case.
func TestCentralPackageManagement(t *testing.T) {
	const lock = `{
  "version": 2,
  "dependencies": {
    "net8.0": {
      "Azure.Core": {
        "type": "Direct",
        "requested": "[1.41.0, )",
        "resolved": "1.41.0",
        "dependencies": {
          "system.memory.data": "1.0.2"
        }
      },
      "System.Memory.Data": {
        "type": "CentralTransitive",
        "requested": "[8.0.0, )",
        "resolved": "8.0.0"
      },
      "System.Text.Json": {
        "type": "CentralTransitive",
        "requested": "[8.0.4, )"
      }
    },
    "net9.0": {
      "Azure.Core": {
        "type": "Direct",
        "requested": "[1.41.0, )",
        "resolved": "1.41.0"
      }
    }
  }
}`
	pkgs, rels, err := run(t, lock)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		tf, _ := p.Property(PropTargetFramework)
		got = append(got, p.PURL+" direct="+map[bool]string{true: "yes", false: "no"}[p.Direct]+" tf="+tf)
	}
	want := []string{
		"pkg:nuget/Azure.Core@1.41.0 direct=yes tf=net8.0,net9.0",
		"pkg:nuget/System.Memory.Data@8.0.0 direct=no tf=net8.0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("packages:\n got %q\nwant %q", got, want)
	}
	wantRels := []inventory.Relationship{{From: "pkg:nuget/Azure.Core@1.41.0", To: "pkg:nuget/System.Memory.Data@8.0.0", Type: inventory.DependsOn}}
	if !slices.Equal(rels, wantRels) {
		t.Errorf("relationships = %v", rels)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"version", `{"version": 3, "dependencies": {}}`, `packages.lock.json:1: version: want 1 or 2, got 3`},
		{"no version", `{"dependencies": {}}`, `packages.lock.json:1: version: missing (want 1 or 2)`},
		{"type", "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n\"A\": {\"type\": \"Indirect\", \"resolved\": \"1.0.0\"}}}}",
			`packages.lock.json:2: dependencies["net8.0"]["A"].type: want Direct, Transitive, CentralTransitive or Project, got "Indirect"`},
		{"resolved type", "{\"version\": 1, \"dependencies\": {\"net8.0\": {\n\"A\": {\"type\": \"Direct\",\n \"resolved\": 1}}}}",
			`packages.lock.json:3: dependencies["net8.0"]["A"].resolved: want string, got number`},
		{"missing resolved", "{\"version\": 1, \"dependencies\": {\"net8.0\": {\"A\": {\"type\": \"Transitive\"}}}}",
			`packages.lock.json:1: dependencies["net8.0"]["A"].resolved: missing`},
		{"hash", "{\"version\": 1, \"dependencies\": {\"net8.0\": {\"A\": {\"type\": \"Transitive\", \"resolved\": \"1.0.0\", \"contentHash\": \"AAAA\"}}}}",
			`packages.lock.json:1: dependencies["net8.0"]["A"].contentHash: want the base64 of a SHA-512 (64 bytes), got "AAAA"`},
		{"section type", "{\"version\": 1, \"dependencies\": {\"net8.0\": []}}",
			`packages.lock.json:1: dependencies["net8.0"]: want object, got array`},
		{"syntax", "{\"version\": 1,\n\"dependencies\": {\"net8.0\": {\"A\": {\"type\": }}}}",
			`packages.lock.json:2: dependencies["net8.0"]["A"]: invalid character '}' looking for beginning of value`},
		{"deep", `{"version": 1, "x": ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
			`packages.lock.json:1: JSON nested deeper than 64 levels`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, tc.data)
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

func FuzzPackagesLock(f *testing.F) {
	data, err := os.ReadFile("testdata/webapi/packages.lock.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"version": 2, "dependencies": {"net8.0": {"A": {"type": "Direct", "resolved": "1.0.0", "dependencies": {"b": "1.0.0"}}, "B": {"type": "CentralTransitive", "resolved": "2.0.0"}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, New(), "packages.lock.json", data)
	})
}
