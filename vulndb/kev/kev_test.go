package kev

import (
	"os"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile(testdata.Path(t, "kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if c.CatalogVersion != "2025.08.25" || len(c.Vulnerabilities) != 1404 {
		t.Errorf("catalogue %s with %d entries, want 2025.08.25 with 1404", c.CatalogVersion, len(c.Vulnerabilities))
	}
	for _, tt := range []struct{ in, want string }{
		{`{"title":"x"}`, "KEV catalogue: catalogVersion: missing"},
		{`{"catalogVersion":"1","count":2,"vulnerabilities":[{"cveID":"CVE-2021-44228","dateAdded":"2021-12-10"}]}`, "KEV catalogue: count is 2 but 1 vulnerabilities are listed"},
		{`{"catalogVersion":"1","vulnerabilities":[{"cveID":"log4shell"}]}`, `KEV catalogue: vulnerabilities[0].cveID: want CVE-YYYY-NNNN, got "log4shell"`},
		{`{"catalogVersion":"1","vulnerabilities":[{"cveID":7}]}`, "KEV catalogue: vulnerabilities.cveID: want string, got number"},
	} {
		if _, err := Parse([]byte(tt.in)); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%s) = %v, want %s", tt.in, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"catalogVersion":"2025.08.25","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,"vulnerabilities":[{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2","dateAdded":"2021-12-10","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known"}]}`))
	f.Add([]byte(`{"catalogVersion":"1","vulnerabilities":[{"cveID":"CVE-1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "KEV catalogue") {
				t.Fatalf("error does not say what it read: %v", err)
			}
			return
		}
		if c.CatalogVersion == "" {
			t.Fatal("catalogue without version accepted")
		}
		for _, v := range c.Vulnerabilities {
			if !strings.HasPrefix(v.CVE, "CVE-") {
				t.Fatalf("entry %q accepted", v.CVE)
			}
		}
	})
}
