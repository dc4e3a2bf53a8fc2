package yamlpos

import (
	"maps"
	"testing"
)

func TestKeyLines(t *testing.T) {
	doc := `lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      ms: 2.1.3

packages:

  '@babel/core@7.0.0':
    resolution: {integrity: sha512-x}

  ms@2.1.3:
    resolution: {integrity: sha512-y}
  "it's@1.0.0": {}
  'it''s@2.0.0':
    x: 1
  # a comment
snapshots:
  ms@2.1.3: {}
`
	for _, tc := range []struct {
		section string
		want    map[string]int
	}{
		{"packages", map[string]int{"@babel/core@7.0.0": 10, "ms@2.1.3": 13, "it's@1.0.0": 15, "it's@2.0.0": 16}},
		{"snapshots", map[string]int{"ms@2.1.3": 20}},
		{"", map[string]int{"lockfileVersion": 1, "importers": 3, "packages": 8, "snapshots": 19}},
		{"missing", map[string]int{}},
	} {
		if got := KeyLines([]byte(doc), tc.section); !maps.Equal(got, tc.want) {
			t.Errorf("KeyLines(%q) = %v, want %v", tc.section, got, tc.want)
		}
	}
	berry := "__metadata:\n  version: 8\n\n\"debug@npm:^4.3.4, debug@npm:^4.3.1\":\n  version: 4.3.4\n"
	if got := KeyLines([]byte(berry), ""); got["debug@npm:^4.3.4, debug@npm:^4.3.1"] != 4 {
		t.Errorf("berry: %v", got)
	}
}

func FuzzKeyLines(f *testing.F) {
	f.Add([]byte("packages:\n  'a@1':\n    x: 1\n"), "packages")
	f.Fuzz(func(t *testing.T, data []byte, section string) {
		for k, l := range KeyLines(data, section) {
			if l < 1 {
				t.Errorf("%q: line %d", k, l)
			}
		}
	})
}
