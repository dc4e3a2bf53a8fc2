package tomlpos

import (
	"slices"
	"testing"
)

func TestArrayTables(t *testing.T) {
	doc := "version = 4\n\n[[package]]\nname = \"a\"\n\n  [[package]] # indented, with a comment\nname = \"b\"\n[[package.dependencies]]\n[[packages]]\n[package]\n[[package]]"
	if got, want := ArrayTables([]byte(doc), "package"), []int{3, 6, 11}; !slices.Equal(got, want) {
		t.Errorf("ArrayTables = %v, want %v", got, want)
	}
	if got := ArrayTables(nil, "package"); got != nil {
		t.Errorf("empty document: %v", got)
	}
}

func FuzzArrayTables(f *testing.F) {
	f.Add([]byte("[[package]]\nname = \"a\"\n"), "package")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		lines := ArrayTables(data, name)
		if !slices.IsSorted(lines) {
			t.Errorf("lines out of order: %v", lines)
		}
	})
}
