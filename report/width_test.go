package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
)

// The table names each finding's CVE beside an ID of another database,
// and with a terminal width its lines fit it: the details are cut.
func TestFindingsTableWidthAndCVE(t *testing.T) {
	res := &match.Result{Packages: []match.PackageResult{{
		Package:    &inventory.Package{Name: "golang.org/x/net", Version: "v0.1.0"},
		FixVersion: "v0.17.0",
		Findings: []match.Finding{
			{ID: "GO-2023-2102", Aliases: []string{"CVE-2023-39325", "GHSA-4374-p667-p6c8"}, Status: match.StatusAffected,
				Severity: match.Severity{Rating: match.RatingHigh, Score: 7.5}, Fixed: []string{"0.17.0"},
				Summary: "HTTP/2 rapid reset can cause excessive work in net/http, which a remote attacker can use to exhaust the server"},
			{ID: "CVE-2022-41717", Aliases: []string{"GO-2022-1144"}, Status: match.StatusAffected,
				Severity: match.Severity{Rating: match.RatingMedium}, Summary: "short"},
		},
	}}}
	res.Summary.Packages, res.Summary.Findings, res.Summary.Vulnerable = 1, 2, 1

	var wide bytes.Buffer
	if err := FindingsTable(&wide, res, FindingsOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(wide.String(), "GO-2023-2102 (CVE-2023-39325)") {
		t.Errorf("no CVE beside the GO ID:\n%s", wide.String())
	}
	if strings.Contains(wide.String(), "CVE-2022-41717 (") {
		t.Errorf("a CVE ID got an alias beside it:\n%s", wide.String())
	}
	if !strings.Contains(wide.String(), "excessive work in net/http, wh…") {
		t.Errorf("without a width the details are whole (to 60 runes):\n%s", wide.String())
	}

	var narrow bytes.Buffer
	if err := FindingsTable(&narrow, res, FindingsOptions{Width: 120}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(narrow.String(), "\n")
	for _, l := range lines[:3] {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("line of %d runes over the width 120: %q", n, l)
		}
	}
	if !strings.Contains(lines[1], "…") {
		t.Errorf("the details were not cut: %q", lines[1])
	}
	if strings.Contains(narrow.String(), "1 vulnerabilities") {
		t.Errorf("plural: %s", narrow.String())
	}
}
