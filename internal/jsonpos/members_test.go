package jsonpos

import (
	"maps"
	"testing"
)

func TestMemberLines(t *testing.T) {
	doc := []byte(`{
  "name": "x",
  "packages": {
    "": {"version": "1"},
    "node_modules/a": {
      "version": "1.0.0",
      "packages": {"nested": 1}
    },
    "node_modules/\u0062": {"s": "} ] { [ \" ,"},
    "node_modules/a": {}
  },
  "list": [
    {"n": 1},
    "two", 3,
    [4]
  ]
}`)
	for _, tc := range []struct {
		path []string
		want map[string]int
	}{
		{[]string{"packages"}, map[string]int{"": 4, "node_modules/a": 5, "node_modules/b": 9}},
		{nil, map[string]int{"name": 2, "packages": 3, "list": 12}},
		{[]string{"packages", "node_modules/a"}, map[string]int{"version": 6, "packages": 7}},
		{[]string{"list"}, map[string]int{"0": 13, "1": 14, "2": 14, "3": 15}},
		{[]string{"missing"}, nil},
		{[]string{"name"}, nil},
	} {
		if got := MemberLines(doc, tc.path...); !maps.Equal(got, tc.want) {
			t.Errorf("MemberLines(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func FuzzMemberLines(f *testing.F) {
	f.Add([]byte(`{"packages": {"a": {"b": [1, "x"]}}}`), "packages")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		for k, l := range MemberLines(data, key) {
			if l < 1 {
				t.Errorf("%q: line %d", k, l)
			}
		}
	})
}
