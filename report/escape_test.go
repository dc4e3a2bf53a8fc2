package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
)

// Issue 15, item 3: names, versions and paths from the input were printed
// raw, so a lockfile could clear the screen or forge lines of the report.
const (
	hostileName    = "evil\x1b[2J\nNAME OK"
	hostileVersion = "1.0\r\n\u202e0.1"
	hostilePath    = "web/\x1b]8;;http://x\x07package-lock.json"
)

func hostileInventory() *inventory.Inventory {
	return &inventory.Inventory{
		Packages: []inventory.Package{{
			Name: hostileName, Version: hostileVersion, Ecosystem: inventory.Npm,
			PURL:      "pkg:npm/evil@1.0",
			Locations: []inventory.Location{{Path: hostilePath}},
		}},
		Distro:  &inventory.Distro{ID: "debian", PrettyName: "Debian\x1b[31m"},
		Skipped: []inventory.Skipped{{Path: hostilePath, Reason: "bad\nOK line"}},
	}
}

func hostileResult() *match.Result {
	return &match.Result{
		Target: inventory.Target{Name: "t`|\x1b[2J"},
		Packages: []match.PackageResult{{
			Package:      &inventory.Package{Name: hostileName, Version: hostileVersion, PURL: "pkg:npm/evil@1.0"},
			FixVersion:   "2.0\x1b[8m",
			IntroducedBy: []string{"pkg:npm/a\x1b[2J@1"},
			Findings: []match.Finding{{
				ID: "GHSA-x\x1b[2J", Summary: "sum | [link](http://evil) \x1b[2J", Status: match.StatusUnknown,
				Reason: "why\x1b[2J\n| forged | row |", Fixed: []string{"2.0\n"},
				Severity: match.Severity{Rating: match.RatingHigh},
				URL:      "https://osv.dev/x) [y](http://evil",
			}},
		}},
		Skipped: []inventory.Skipped{{Path: hostilePath, Reason: "bad\nOK line"}},
		Summary: match.Summary{Packages: 1, Vulnerable: 1, Findings: 1, BySeverity: map[string]int{match.RatingHigh: 1}},
	}
}

// raw reports control characters (other than the line ends the renderer
// writes itself) and bidi overrides in out.
func raw(out string) bool {
	return strings.ContainsAny(out, "\x1b\r\x07\u202e")
}

func TestHostileTextEscaped(t *testing.T) {
	var inv, table, md bytes.Buffer
	if err := InventoryTable(&inv, hostileInventory()); err != nil {
		t.Fatal(err)
	}
	if err := FindingsTable(&table, hostileResult(), FindingsOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := FindingsMarkdown(&md, hostileResult()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, out string
		want      []string
		lines     int
	}{
		// header, one package, blank, summary, blank, "Skipped", one skipped
		{"sbom table", inv.String(), []string{`evil\x1b[2J\nNAME OK`, `1.0\r\n\u202e0.1`, `web/\x1b]8;;http://x\x07package-lock.json`, `Debian\x1b[31m`, `bad\nOK line`}, 7},
		// header, one finding, blank, summary, skipped note
		{"scan table", table.String(), []string{`evil\x1b[2J\nNAME OK`, `2.0\x1b[8m`, `GHSA-x\x1b[2J`, `why\x1b[2J\n| forged | row |`, `2.0\n`}, 5},
		// title, blank, summary, blank, header, rule, one row, blank, note
		{"markdown", md.String(), []string{`evil\x1b[2J\nNAME OK`, `why\\x1b\[2J\\n\| forged \| row \|`, `sum \| \[link\](http://evil)`, "`t'\\|\\x1b[2J`"}, 9},
	} {
		if raw(tc.out) {
			t.Errorf("%s: control characters printed raw:\n%q", tc.name, tc.out)
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.out, w) {
				t.Errorf("%s: want %q in\n%s", tc.name, w, tc.out)
			}
		}
		if n := strings.Count(tc.out, "\n"); n != tc.lines {
			t.Errorf("%s: %d lines, want %d (a name started a line of its own?):\n%s", tc.name, n, tc.lines, tc.out)
		}
	}
	// A Markdown row has exactly the table's 8 unescaped pipes, and the
	// advisory link is not one the input can redirect.
	for line := range strings.SplitSeq(md.String(), "\n") {
		if !strings.HasPrefix(line, "| `evil") {
			continue
		}
		if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != 8 {
			t.Errorf("markdown row has %d cell separators, want 8:\n%s", n, line)
		}
		if strings.Count(line, "](http") != strings.Count(line, `\](http`) {
			t.Errorf("markdown row links to a URL the input chose:\n%s", line)
		}
	}
}

// TestInventoryJSON: the streamed inventory JSON is json.Encoder's, byte for
// byte.
func TestInventoryJSON(t *testing.T) {
	for _, inv := range []*inventory.Inventory{hostileInventory(), {}, {Packages: []inventory.Package{}}, {Relationships: []inventory.Relationship{{From: "a", To: "<b>", Type: inventory.DependsOn}}}} {
		var got, want bytes.Buffer
		if err := InventoryJSON(&got, inv); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(inv); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("got:\n%s\nwant:\n%s", got.String(), want.String())
		}
	}
}
