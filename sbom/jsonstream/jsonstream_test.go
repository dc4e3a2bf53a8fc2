package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

type doc struct {
	Name  string            `json:"name"`
	Meta  map[string]string `json:"meta,omitempty"`
	Items []item            `json:"items,omitempty"`
	Deps  []*item           `json:"deps,omitempty"`
}

type item struct {
	ID   string   `json:"id"`
	Tags []string `json:"tags,omitempty"`
	Sub  *item    `json:"sub,omitempty"`
}

func want(t *testing.T, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestEncodeMatchesEncoder(t *testing.T) {
	items := []item{{ID: "a<&>", Tags: []string{"x", "y"}}, {ID: "b", Sub: &item{ID: "c"}}, {ID: "\u2028"}}
	deps := []*item{{ID: "d"}}
	for _, tc := range []struct {
		name string
		full doc
	}{
		{"all", doc{Name: "n", Meta: map[string]string{"k": "v"}, Items: items, Deps: deps}},
		{"no items", doc{Name: "n", Deps: deps}},
		{"no arrays", doc{Name: "n"}},
		{"one item", doc{Name: "n", Items: items[:1]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := tc.full
			head.Items, head.Deps = nil, nil
			var got bytes.Buffer
			err := Encode(&got, "  ", false, head,
				Array{Key: "items", N: len(tc.full.Items), Elem: func(i int) any { return &tc.full.Items[i] }},
				Array{Key: "deps", N: len(tc.full.Deps), Elem: func(i int) any { return tc.full.Deps[i] }})
			if err != nil {
				t.Fatal(err)
			}
			if w := want(t, tc.full); got.String() != w {
				t.Errorf("got:\n%s\nwant:\n%s", got.String(), w)
			}
		})
	}
	// A field without omitempty: null when nil, [] when empty.
	type always struct {
		Name  string `json:"name"`
		Items []item `json:"items"`
	}
	for _, items := range [][]item{nil, {}, {{ID: "a"}}} {
		var got bytes.Buffer
		head := struct {
			Name string `json:"name"`
		}{"n"}
		err := Encode(&got, "  ", false, head, Array{Key: "items", N: len(items), Null: items == nil, Empty: items != nil, Elem: func(i int) any { return &items[i] }})
		if w := want(t, always{Name: "n", Items: items}); err != nil || got.String() != w {
			t.Errorf("got:\n%s\nwant:\n%s", got.String(), w)
		}
	}
	var got bytes.Buffer
	if err := Encode(&got, "  ", false, struct{}{}); err != nil || got.String() != "{}\n" {
		t.Errorf("empty: %q, %v", got.String(), err)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestEncodeWriteError(t *testing.T) {
	items := make([]item, 100000)
	fw := &failWriter{}
	err := Encode(fw, "  ", false, doc{}, Array{Key: "items", N: len(items), Elem: func(i int) any { return &items[i] }})
	if err == nil || fw.n != 1 {
		t.Errorf("err = %v after %d writes", err, fw.n)
	}
}
