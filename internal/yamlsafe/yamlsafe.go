// Package yamlsafe decodes YAML from outside (pnpm and yarn berry
// lockfiles) with go.yaml.in/yaml/v3 in time and memory linear in the
// input. yaml.v3 has two costs that grow faster than its input:
//
//   - Decoding a mapping into a struct or a map compares every key with
//     every other to find duplicates (decoder.mapping), so a pnpm-lock.yaml
//     with 48,000 packages took 41 s, and a hostile one of a few MB takes
//     hours.
//   - Aliases are expanded as they are decoded, bounded only by a ratio of
//     aliases to nodes that a document under 400,000 nodes never trips, so
//     a 1 MB "billion laughs" document expands to gigabytes.
//
// Parse reads the document into a yaml.Node tree (linear: the parser keeps
// aliases as references) and counts the nodes it would expand to, refusing
// a document over a budget before anything expands it. Map is a
// map[string]V whose keys are checked for duplicates with a hash map; use
// it for every mapping whose size the input decides.
package yamlsafe

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// ErrTooManyNodes is wrapped by Parse's error for documents whose aliases
// expand past the budget.
var ErrTooManyNodes = errors.New("YAML expands to too many nodes")

// Parse parses data into a node tree and refuses it when expanding its
// aliases would visit more than maxNodes nodes. Decode the result with
// (*yaml.Node).Decode.
func Parse(data []byte, maxNodes int64) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if n := Expanded(&doc, maxNodes); n > maxNodes {
		return nil, fmt.Errorf("%w: aliases expand it past %d nodes", ErrTooManyNodes, maxNodes)
	}
	return &doc, nil
}

// Expanded returns how many nodes a walk of n visits when every alias is
// followed, computed in time linear in the tree (each anchored node's
// size is computed once); it stops counting past limit and returns a value
// above it.
func Expanded(n *yaml.Node, limit int64) int64 {
	memo := map[*yaml.Node]int64{}
	var size func(n *yaml.Node, depth int) int64
	size = func(n *yaml.Node, depth int) int64 {
		if n == nil {
			return 0
		}
		if depth > 10_000 {
			// yaml.v3's parser refuses nesting this deep already; a
			// cycle through aliases would end here too.
			return limit + 1
		}
		if n.Kind == yaml.AliasNode {
			return 1 + size(n.Alias, depth+1)
		}
		if v, ok := memo[n]; ok {
			return v
		}
		total := int64(1)
		for _, c := range n.Content {
			total += size(c, depth+1)
			if total > limit {
				total = limit + 1
				break
			}
		}
		memo[n] = total
		return total
	}
	return size(n, 0)
}

// Map is a YAML mapping of string keys decoded in linear time: duplicates
// are found with a hash map, not by comparing every pair of keys as
// yaml.v3 does for map and struct targets. A duplicate key is an error
// naming both lines, as yaml.v3's is.
type Map[V any] map[string]V

// UnmarshalYAML implements yaml.Unmarshaler.
func (m *Map[V]) UnmarshalYAML(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*m = nil
			return nil
		}
		fallthrough
	default:
		return fmt.Errorf("line %d: want a mapping, got %s", n.Line, kind(n))
	}
	out := make(Map[V], len(n.Content)/2)
	lines := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		for k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: mapping key is a %s, want a string", k.Line, kind(k))
		}
		if first, dup := lines[k.Value]; dup {
			return fmt.Errorf("line %d: mapping key %q already defined at line %d", k.Line, k.Value, first)
		}
		lines[k.Value] = k.Line
		var val V
		if err := v.Decode(&val); err != nil {
			return err
		}
		out[k.Value] = val
	}
	*m = out
	return nil
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}
