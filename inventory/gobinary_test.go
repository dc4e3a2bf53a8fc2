package inventory

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestGoBinary(t *testing.T) {
	b := GoBinary{
		Path:      "usr/bin/app",
		Packages:  []string{"github.com/docker/docker-credential-helpers/client", "github.com/docker/dockerx", "net/http", "testing"},
		Functions: NewFunctionSet(slices.Values([]string{"net/http.Server.Serve", "testing.T.Run", "net/http.Server.Serve"})),
	}
	for _, tt := range []struct {
		name     string
		pkg, mod bool
	}{
		{"net/http", true, true},
		{"net", false, true},
		{"testing", true, true},
		{"github.com/docker/docker-credential-helpers", false, true},
		{"github.com/docker/docker", false, false}, // not a prefix on a "/" boundary
		{"github.com/docker/dockerx", true, true},
		{"net/http/httputil", false, false},
		{"", false, false},
	} {
		if got := b.HasPackage(tt.name); got != tt.pkg {
			t.Errorf("HasPackage(%q) = %v, want %v", tt.name, got, tt.pkg)
		}
		if got := b.HasModule(tt.name); got != tt.mod {
			t.Errorf("HasModule(%q) = %v, want %v", tt.name, got, tt.mod)
		}
	}
	if b.Functions.Len() != 2 {
		t.Errorf("Len = %d, want 2 (duplicates count once)", b.Functions.Len())
	}
	for name, want := range map[string]bool{"net/http.Server.Serve": true, "testing.T.Run": true, "testing.T.Skip": false, "": false} {
		if got := b.Functions.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
	if (FunctionSet{}).Has("x") {
		t.Error("the empty set has x")
	}
}

// TestGoBinariesNormalizeAndJSON: Normalize sorts the facts by path and
// keeps one per path; they are never written in the inventory's JSON.
func TestGoBinariesNormalizeAndJSON(t *testing.T) {
	inv := &Inventory{GoBinaries: []GoBinary{{Path: "b", GOOS: "linux"}, {Path: "a"}, {Path: "b", GOOS: "darwin"}}}
	if inv.GoBinary("b") == nil || inv.GoBinary("c") != nil {
		t.Error("lookup before Normalize")
	}
	inv.Normalize()
	if len(inv.GoBinaries) != 2 || inv.GoBinaries[0].Path != "a" || inv.GoBinaries[1].GOOS != "linux" {
		t.Errorf("after Normalize: %+v", inv.GoBinaries)
	}
	if b := inv.GoBinary("b"); b == nil || b.GOOS != "linux" || inv.GoBinary("c") != nil {
		t.Errorf("GoBinary(b) = %+v", b)
	}
	data, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "linux") {
		t.Errorf("binary facts written: %s", data)
	}
}
