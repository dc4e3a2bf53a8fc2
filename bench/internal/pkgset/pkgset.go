// Package pkgset reads the package set of a CycloneDX JSON SBOM and
// compares two of them, for the benchmarks that put hallmark's SBOM beside
// a peer's. Of the CycloneDX format (https://cyclonedx.org/docs/1.6/json/)
// it reads only components[], nested components included, and of each its
// type and purl; what counts as the same package is the caller's identity
// function, since each benchmark forgives different spellings.
package pkgset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
)

// Component is what Read passes to the identity function.
type Component struct {
	Type string `json:"type"`
	PURL string `json:"purl"`
}

type node struct {
	Component
	Components []node `json:"components"`
}

// Read returns the identities of the components of the CycloneDX JSON SBOM
// in file, walking nested components too. identity maps a component to
// its identity, or reports false to leave it out; components without a
// purl are left out before it is called.
func Read(file string, identity func(Component) (string, bool)) (map[string]bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var bom struct {
		Components []node `json:"components"`
	}
	if err := json.Unmarshal(data, &bom); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	out := map[string]bool{}
	var walk func([]node)
	walk = func(cs []node) {
		for _, c := range cs {
			if c.PURL != "" {
				if id, ok := identity(c.Component); ok {
					out[id] = true
				}
			}
			walk(c.Components)
		}
	}
	walk(bom.Components)
	return out, nil
}

// Diff returns what a holds and b does not, sorted.
func Diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// WriteLines writes lines to file, each ending in a newline.
func WriteLines(file string, lines []string) error {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return os.WriteFile(file, b.Bytes(), 0o644)
}
