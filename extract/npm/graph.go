package npm

import "github.com/hallmark-dev/hallmark/inventory"

// graph is a lockfile's packages as nodes 0..n-1 and their dependency
// edges. The formats that do not mark dev-only packages themselves (yarn,
// pnpm 9) get the mark from reachability over it.
type graph struct {
	edges [][]int
}

func newGraph(n int) *graph { return &graph{edges: make([][]int, n)} }

func (g *graph) add(from, to int) { g.edges[from] = append(g.edges[from], to) }

// reach marks every node reachable from roots.
func (g *graph) reach(roots []int) []bool {
	seen := make([]bool, len(g.edges))
	stack := make([]int, 0, len(roots))
	for _, r := range roots {
		if !seen[r] {
			seen[r] = true
			stack = append(stack, r)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, m := range g.edges[n] {
			if !seen[m] {
				seen[m] = true
				stack = append(stack, m)
			}
		}
	}
	return seen
}

// devOnly marks the nodes reached from devRoots and not from prodRoots.
func (g *graph) devOnly(prodRoots, devRoots []int) []bool {
	prod := g.reach(prodRoots)
	dev := g.reach(devRoots)
	for i := range dev {
		dev[i] = dev[i] && !prod[i]
	}
	return dev
}

// edgeList collects relationships by purl.
type edgeList []inventory.Relationship

func (e *edgeList) add(from, to string, dev bool) {
	if from == "" || to == "" || from == to {
		return
	}
	t := inventory.DependsOn
	if dev {
		t = inventory.DevDependsOn
	}
	*e = append(*e, inventory.Relationship{From: from, To: to, Type: t})
}
