package pkgset

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// bom is shaped as syft and trivy write CycloneDX 1.6 JSON: a file
// component without a purl, an operating system, and a package with a
// nested component (as trivy nests a jar's classes).
const bom = `{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "version": 1,
  "metadata": {"component": {"type": "container", "name": "example.local/bench:1", "purl": "pkg:oci/bench@sha256%3A00"}},
  "components": [
    {"type": "file", "name": "/usr/bin/env"},
    {"type": "operating-system", "name": "debian", "version": "12"},
    {"type": "library", "name": "express", "version": "4.21.2", "purl": "pkg:npm/express@4.21.2"},
    {"type": "library", "name": "commons-lang3", "version": "3.14.0", "purl": "pkg:maven/org.apache.commons/commons-lang3@3.14.0",
      "components": [{"type": "library", "name": "inner", "version": "1.0", "purl": "pkg:maven/org.example/inner@1.0"}]}
  ]
}
`

func TestRead(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bom.cdx.json")
	if err := os.WriteFile(file, []byte(bom), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []Component
	got, err := Read(file, func(c Component) (string, bool) {
		seen = append(seen, c)
		return strings.ToUpper(c.PURL), c.PURL != "pkg:npm/express@4.21.2"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"PKG:MAVEN/ORG.APACHE.COMMONS/COMMONS-LANG3@3.14.0": true, "PKG:MAVEN/ORG.EXAMPLE/INNER@1.0": true}
	if len(got) != len(want) {
		t.Errorf("Read = %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("Read = %v, want %v", got, want)
		}
	}
	wantSeen := []Component{
		{Type: "library", PURL: "pkg:npm/express@4.21.2"},
		{Type: "library", PURL: "pkg:maven/org.apache.commons/commons-lang3@3.14.0"},
		{Type: "library", PURL: "pkg:maven/org.example/inner@1.0"},
	}
	if !slices.Equal(seen, wantSeen) {
		t.Errorf("identity saw %v, want %v (components with a purl, metadata.component aside)", seen, wantSeen)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(filepath.Join(dir, "missing.json"), nil); err == nil {
		t.Error("Read of a missing file: no error")
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"components": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bad, nil); err == nil || !strings.HasPrefix(err.Error(), bad+": ") {
		t.Errorf("Read of a bad BOM: error %v, want it to start with the file name", err)
	}
}

func TestDiff(t *testing.T) {
	a := map[string]bool{"c": true, "a": true, "b": true}
	b := map[string]bool{"b": true, "d": true}
	if got, want := Diff(a, b), []string{"a", "c"}; !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
	if got := Diff(b, b); got != nil {
		t.Errorf("Diff of equal sets = %q, want none", got)
	}
}

func TestWriteLines(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		lines []string
		want  string
	}{{nil, ""}, {[]string{"a", "b"}, "a\nb\n"}} {
		file := filepath.Join(dir, "out.txt")
		if err := WriteLines(file, tc.lines); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(file)
		if err != nil || string(data) != tc.want {
			t.Errorf("WriteLines(%q) wrote %q, %v; want %q", tc.lines, data, err, tc.want)
		}
	}
}
