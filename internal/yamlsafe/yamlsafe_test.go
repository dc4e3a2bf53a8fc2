package yamlsafe

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// laughs is a "billion laughs" document: each level aliases the one
// below ten times, so 9 levels expand to 10^9 nodes from 1 KB.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name  string
		doc   string
		limit int64
		want  int64 // expanded size, or -1 for ErrTooManyNodes
	}{
		{"plain", "a: 1\nb: [2, 3]\n", 100, 8},
		{"alias counted", "a: &x [1, 2]\nb: *x\n", 100, 1 + 1 + 1 + 3 + 1 + (1 + 3)},
		{"laughs", laughs(9), 1_000_000, -1},
		{"laughs within budget", laughs(2), 1_000_000, 1 + 1 + 3 + 11 + (1 + 10*(1+11)) + (1 + 10*(1+121))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse([]byte(tc.doc), tc.limit)
			if tc.want < 0 {
				if !errors.Is(err, ErrTooManyNodes) {
					t.Fatalf("Parse: %v, want ErrTooManyNodes", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := Expanded(doc, tc.limit); got != tc.want {
				t.Errorf("Expanded = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestMap(t *testing.T) {
	type entry struct {
		Version string      `yaml:"version"`
		Deps    Map[string] `yaml:"dependencies"`
	}
	var got Map[entry]
	doc := "a@1:\n  version: '1'\n  dependencies:\n    b: '2'\nb@2:\n  version: '2'\nnull@0: ~\n"
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["a@1"].Version != "1" || got["a@1"].Deps["b"] != "2" || got["b@2"].Deps != nil {
		t.Errorf("decoded %+v", got)
	}

	for _, tc := range []struct{ doc, want string }{
		{"a: 1\nb: 2\na: 3\n", `line 3: mapping key "a" already defined at line 1`},
		{"[1, 2]", "line 1: want a mapping, got sequence"},
		{"? [k]\n: v\n", "line 1: mapping key is a sequence, want a string"},
		{"a: [1]\n", "cannot unmarshal !!seq into string"},
	} {
		var m Map[string]
		err := yaml.Unmarshal([]byte(tc.doc), &m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Unmarshal(%q) = %v, want an error containing %q", tc.doc, err, tc.want)
		}
	}
}

// BenchmarkMap shows decoding a mapping of n keys grows linearly; yaml.v3's
// own map decoding compares every pair of keys.
func BenchmarkMap(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		var doc strings.Builder
		for i := range n {
			fmt.Fprintf(&doc, "k%d: v%d\n", i, i)
		}
		data := []byte(doc.String())
		b.Run(fmt.Sprintf("yamlsafe/%d", n), func(b *testing.B) {
			for b.Loop() {
				var m Map[string]
				if err := yaml.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("yaml.v3/%d", n), func(b *testing.B) {
			for b.Loop() {
				var m map[string]string
				if err := yaml.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzParse: no input panics, and what Parse accepts decodes into Maps
// without yaml.v3 expanding past the budget.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a: &x [1, 2]\nb: *x\n", laughs(3), "a: 1\na: 2\n", "? [k]\n: v\n", "- [a, b]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, 10_000)
		if err != nil {
			return
		}
		var m Map[Map[string]]
		_ = doc.Decode(&m)
	})
}
