package match

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzParseVEX feeds OpenVEX and CycloneDX VEX documents to ParseVEX: no
// panics, and every statement it accepts names a vulnerability and covers
// as a whole only products it lists.
func FuzzParseVEX(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "vex", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":"CVE-1","products":["pkg:golang/a"],"status":"fixed"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseVEX("fuzz.json", data)
		if err != nil {
			return
		}
		for i, st := range v.Statements {
			if len(st.IDs) == 0 {
				t.Errorf("statement %d names no vulnerability", i)
			}
			for _, w := range st.Whole {
				if !slices.Contains(st.PURLs, w) {
					t.Errorf("statement %d covers %s whole but does not list it", i, w)
				}
			}
		}
	})
}
