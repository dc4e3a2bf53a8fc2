package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// scanPython matches the real requirements.txt of match's golden tests
// against the real PyPI export and KEV catalogue, with one VEX statement.
func scanPython(t *testing.T) (*inventory.Inventory, *match.Result) {
	t.Helper()
	dir := t.TempDir()
	if _, err := vulndb.Import(context.Background(), dir, []string{
		testdata.Path(t, "osv", "PyPI", "all.zip"),
		testdata.Path(t, "kev", "known_exploited_vulnerabilities.json"),
	}, vulndb.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	store, err := vulndb.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	target := filepath.Join("..", "match", "testdata", "targets", "python")
	inv, err := extract.Run(context.Background(), os.DirFS(target), extract.Options{Extractors: registry.Default()})
	if err != nil {
		t.Fatal(err)
	}
	inv.Target = inventory.Target{Name: "requirements", Kind: "directory"}
	vex, err := match.ParseVEX("python.vex.json", []byte(`{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/1",
  "author": "tests",
  "timestamp": "2024-05-01T12:00:00Z",
  "version": 1,
  "statements": [{"vulnerability": {"name": "PYSEC-2019-10"}, "products": [{"@id": "pkg:pypi/django@2.2.0"}], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Match(context.Background(), store, inv, match.Options{VEX: vex})
	if err != nil {
		t.Fatal(err)
	}
	return inv, res
}

func TestFindingsFormats(t *testing.T) {
	inv, res := scanPython(t)
	if res.Summary.Suppressed != 1 || res.Summary.Findings == 0 {
		t.Fatalf("summary %+v", res.Summary)
	}
	opts := FindingsOptions{ToolVersion: "test"}
	for _, tt := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"python.table.txt", func(b *bytes.Buffer) error { return FindingsTable(b, res, opts) }},
		{"python.json", func(b *bytes.Buffer) error { return FindingsJSON(b, res) }},
		{"python.md", func(b *bytes.Buffer) error { return FindingsMarkdown(b, res) }},
		{"python.sarif", func(b *bytes.Buffer) error { return FindingsSARIF(b, res, opts) }},
		{"python.vdr.json", func(b *bytes.Buffer) error {
			return FindingsVDR(b, inv, res, time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), opts)
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "findings", tt.file), buf.Bytes())
			if strings.HasSuffix(tt.file, ".json") || strings.HasSuffix(tt.file, ".sarif") {
				if !json.Valid(buf.Bytes()) {
					t.Error("not valid JSON")
				}
			}
			if tt.file == "python.vdr.json" {
				validateCycloneDX(t, buf.Bytes())
			}
		})
	}
}

// TestSARIFShape checks what code-scanning services rely on.
func TestSARIFShape(t *testing.T) {
	_, res := scanPython(t)
	var buf bytes.Buffer
	if err := FindingsSARIF(&buf, res, FindingsOptions{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	results := 0
	for _, p := range res.Packages {
		results += len(p.Findings)
	}
	run := log.Runs[0]
	if log.Version != "2.1.0" || len(run.Results) != results {
		t.Fatalf("version %s, %d results, want 2.1.0 and %d", log.Version, len(run.Results), results)
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %s", r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "requirements.txt" || loc.Region == nil || loc.Region.StartLine < 7 {
			t.Errorf("result %s at %+v, want requirements.txt with a line", r.RuleID, loc)
		}
	}
}

// TestSARIFURIs checks that locations are named from where the scan ran:
// code scanning resolves them against the repository root.
func TestSARIFURIs(t *testing.T) {
	_, res := scanPython(t)
	for base, want := range map[string]string{
		"":                  "requirements.txt",
		"services/api":      "services/api/requirements.txt",
		"/srv/build 1/repo": "file:///srv/build%201/repo/requirements.txt",
	} {
		var buf bytes.Buffer
		if err := FindingsSARIF(&buf, res, FindingsOptions{URIBase: base}); err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
			t.Fatal(err)
		}
		for _, r := range log.Runs[0].Results {
			if got := r.Locations[0].PhysicalLocation.ArtifactLocation.URI; got != want {
				t.Errorf("URIBase %q: result %s at %q, want %q", base, r.RuleID, got, want)
				break
			}
		}
	}
}

// TestSkippedInputs: inputs the inventory could not read appear in every
// format, since nothing in them was checked (the CLI exits 3 saying the
// output lists them).
func TestSkippedInputs(t *testing.T) {
	_, res := scanPython(t)
	res.Skipped = []inventory.Skipped{{Path: "web/package-lock.json", Reason: `web/package-lock.json:1:80: packages["node_modules/a"].version: want string, got number`}}
	want := `web/package-lock.json:1:80: packages[\"node_modules/a\"].version: want string, got number`
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"json", func(b *bytes.Buffer) error { return FindingsJSON(b, res) }, `"skipped": [
    {
      "path": "web/package-lock.json",
      "reason": "` + want + `"`},
		{"table", func(b *bytes.Buffer) error { return FindingsTable(b, res, FindingsOptions{}) }, "1 input could not be read and was not checked: " + res.Skipped[0].Reason + "."},
		{"markdown", func(b *bytes.Buffer) error { return FindingsMarkdown(b, res) }, "> 1 input could not be read and was not checked: "},
		{"sarif", func(b *bytes.Buffer) error { return FindingsSARIF(b, res, FindingsOptions{URIBase: "app"}) }, `"invocations": [
        {
          "executionSuccessful": true,
          "toolExecutionNotifications": [
            {
              "level": "error",
              "message": {
                "text": "not checked: ` + want + `"
              },
              "locations": [
                {
                  "physicalLocation": {
                    "artifactLocation": {
                      "uri": "app/web/package-lock.json"`},
	} {
		var buf bytes.Buffer
		if err := tt.write(&buf); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tt.want) {
			t.Errorf("%s output does not list the skipped input; want it to contain:\n%s\ngot:\n%s", tt.name, tt.want, buf.String())
		}
	}
}

func TestTableColor(t *testing.T) {
	_, res := scanPython(t)
	var plain, color bytes.Buffer
	FindingsTable(&plain, res, FindingsOptions{})
	FindingsTable(&color, res, FindingsOptions{Color: true})
	if bytes.Contains(plain.Bytes(), []byte("\x1b[")) {
		t.Error("colour codes without Color")
	}
	if !bytes.Contains(color.Bytes(), []byte("\x1b[31mHIGH")) {
		t.Error("no colour for HIGH with Color")
	}
}

// validateCycloneDX checks a VDR against the official CycloneDX 1.6 schema.
func validateCycloneDX(t *testing.T, data []byte) {
	t.Helper()
	dir := testdata.Path(t, "schemas", "cyclonedx")
	c := jsonschema.NewCompiler()
	for file, url := range map[string]string{
		"bom-1.6.SNAPSHOT.schema.json":  "http://cyclonedx.org/schema/bom-1.6.schema.json",
		"spdx.SNAPSHOT.schema.json":     "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
		"jsf-0.82.SNAPSHOT.schema.json": "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
	} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("VDR does not validate against CycloneDX 1.6:\n%v", err)
	}
}

// TestNothingChecked: a scan of an input without packages, or whose
// packages no advisories cover, never reads as a clean bill (issue 15,
// item 16: "No vulnerabilities found in 0 packages").
func TestNothingChecked(t *testing.T) {
	for _, tt := range []struct {
		name       string
		summary    match.Summary
		table, md  string
		notInTable string
	}{
		{"no packages", match.Summary{}, "No packages found: the input lists none, so nothing was checked.\n", "### hallmark scan: nothing checked\n", "No vulnerabilities"},
		{"none covered", match.Summary{Packages: 2, NotChecked: map[string]int{"Debian": 2}}, "None of the 2 packages could be checked.\n", "### hallmark scan: nothing checked\n", "No vulnerabilities"},
		{"some covered", match.Summary{Packages: 3, NotChecked: map[string]int{"Debian": 2}}, "No vulnerabilities found in 1 package.\n", "### hallmark scan: no vulnerabilities\n", "None of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := &match.Result{Target: inventory.Target{Name: "x.cdx.json"}, Summary: tt.summary}
			var table, md bytes.Buffer
			if err := FindingsTable(&table, res, FindingsOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := FindingsMarkdown(&md, res); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(table.String(), tt.table) || strings.Contains(table.String(), tt.notInTable) {
				t.Errorf("table:\n%s\nwant it to start with %q and not contain %q", table.String(), tt.table, tt.notInTable)
			}
			if !strings.HasPrefix(md.String(), tt.md) {
				t.Errorf("markdown:\n%s\nwant it to start with %q", md.String(), tt.md)
			}
		})
	}
}
