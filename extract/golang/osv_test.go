package golang

import (
	"archive/zip"
	"encoding/json"
	"io"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
)

// osvStdlibEvents returns every version named in a SEMVER range event of a
// stdlib entry in the shared Go OSV export (osv/Go/all.zip).
func osvStdlibEvents(t *testing.T) map[string]bool {
	t.Helper()
	zr, err := zip.OpenReader(testdata.Path(t, "osv", "Go", "all.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	type record struct {
		Affected []struct {
			Package struct{ Name, Ecosystem string }
			Ranges  []struct {
				Type   string
				Events []map[string]string
			}
		}
	}
	events := map[string]bool{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, 16<<20))
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for _, a := range r.Affected {
			if a.Package.Name != StdlibName || a.Package.Ecosystem != "Go" {
				continue
			}
			for _, rg := range a.Ranges {
				if rg.Type != "SEMVER" {
					continue
				}
				for _, ev := range rg.Events {
					for _, v := range ev {
						events[v] = true
					}
				}
			}
		}
	}
	return events
}
