package posture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits for workflow files.
const (
	MaxWorkflowSize  = 1 << 20
	maxWorkflowDepth = 64
	maxWorkflowNodes = 200_000
)

// Scalar is a YAML scalar with its line.
type Scalar struct {
	Value string
	Line  int
	// Block is true for literal (|) and folded (>) scalars, whose content
	// starts on the line after Line.
	Block bool
}

// Event is a trigger under "on".
type Event struct {
	Name string
	Line int
}

// Scope is one entry of a permissions mapping.
type Scope struct {
	Name, Level string
	Line        int
}

// Permissions is a workflow's or job's "permissions" key.
type Permissions struct {
	Line int
	// All is "read-all", "write-all" or "" when scopes are listed.
	All    string
	Scopes []Scope
}

// Step is one step of a job.
type Step struct {
	Line int
	Uses *Scalar
	Run  *Scalar
	With map[string]*Scalar
}

// Job is one job of a workflow.
type Job struct {
	ID          string
	Line        int
	Permissions *Permissions
	// Uses is set for a job that calls a reusable workflow.
	Uses  *Scalar
	Steps []*Step
}

// Workflow is a GitHub Actions workflow, the subset posture checks read
// (https://docs.github.com/en/actions/reference/workflow-syntax-for-github-actions).
type Workflow struct {
	Path        string
	On          []Event
	Permissions *Permissions
	Jobs        []*Job
}

// IsWorkflowPath reports whether p (slash-separated, relative to the
// repository root) is a GitHub Actions workflow file.
func IsWorkflowPath(p string) bool {
	dir, file := path.Split(p)
	ext := strings.ToLower(path.Ext(file))
	return strings.EqualFold(dir, ".github/workflows/") && (ext == ".yml" || ext == ".yaml")
}

// ParseWorkflow parses a workflow file. Errors name the file and line.
func ParseWorkflow(p string, data []byte) (*Workflow, error) {
	if len(data) > MaxWorkflowSize {
		return nil, fmt.Errorf("%s: %d bytes, limit %d", p, len(data), MaxWorkflowSize)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty workflow", p)
		}
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if n := countNodes(&doc, 0); n < 0 {
		return nil, fmt.Errorf("%s: YAML nested deeper than %d or larger than %d nodes", p, maxWorkflowDepth, maxWorkflowNodes)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	w := &Workflow{Path: p}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping at the top level, got %s", p, root.Line, kindName(root))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], deref(root.Content[i+1])
		switch k.Value {
		case "on", "true": // YAML 1.1 readers see "on" as true; yaml.v3 keeps "on"
			ev, err := parseOn(p, v)
			if err != nil {
				return nil, err
			}
			w.On = ev
		case "permissions":
			perm, err := parsePermissions(p, "permissions", v)
			if err != nil {
				return nil, err
			}
			w.Permissions = perm
		case "jobs":
			jobs, err := parseJobs(p, v)
			if err != nil {
				return nil, err
			}
			w.Jobs = jobs
		}
	}
	return w, nil
}

// countNodes returns the node count, or -1 past the limits.
func countNodes(n *yaml.Node, depth int) int {
	if depth > maxWorkflowDepth {
		return -1
	}
	total := 1
	for _, c := range n.Content {
		k := countNodes(c, depth+1)
		if k < 0 {
			return -1
		}
		total += k
		if total > maxWorkflowNodes {
			return -1
		}
	}
	return total
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func scalar(n *yaml.Node) *Scalar {
	return &Scalar{Value: n.Value, Line: n.Line, Block: n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0}
}

func parseOn(p string, v *yaml.Node) ([]Event, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return []Event{{v.Value, v.Line}}, nil
	case yaml.SequenceNode:
		var out []Event
		for _, e := range v.Content {
			e = deref(e)
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: on: want event names, got %s", p, e.Line, kindName(e))
			}
			out = append(out, Event{e.Value, e.Line})
		}
		return out, nil
	case yaml.MappingNode:
		var out []Event
		for i := 0; i+1 < len(v.Content); i += 2 {
			out = append(out, Event{v.Content[i].Value, v.Content[i].Line})
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s:%d: on: want an event name, list or mapping, got %s", p, v.Line, kindName(v))
}

func parsePermissions(p, where string, v *yaml.Node) (*Permissions, error) {
	perm := &Permissions{Line: v.Line}
	switch v.Kind {
	case yaml.ScalarNode:
		switch v.Value {
		case "read-all", "write-all":
			perm.All = v.Value
		case "":
		default:
			return nil, fmt.Errorf("%s:%d: %s: want read-all, write-all or a mapping, got %q", p, v.Line, where, v.Value)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, lv := v.Content[i], deref(v.Content[i+1])
			if lv.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: %s.%s: want read, write or none, got %s", p, lv.Line, where, k.Value, kindName(lv))
			}
			perm.Scopes = append(perm.Scopes, Scope{Name: k.Value, Level: lv.Value, Line: k.Line})
		}
	default:
		return nil, fmt.Errorf("%s:%d: %s: want read-all, write-all or a mapping, got %s", p, v.Line, where, kindName(v))
	}
	return perm, nil
}

func parseJobs(p string, v *yaml.Node) ([]*Job, error) {
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: jobs: want a mapping, got %s", p, v.Line, kindName(v))
	}
	var jobs []*Job
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, jv := v.Content[i], deref(v.Content[i+1])
		job := &Job{ID: k.Value, Line: k.Line}
		if jv.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: jobs.%s: want a mapping, got %s", p, jv.Line, k.Value, kindName(jv))
		}
		for j := 0; j+1 < len(jv.Content); j += 2 {
			jk, val := jv.Content[j], deref(jv.Content[j+1])
			switch jk.Value {
			case "permissions":
				perm, err := parsePermissions(p, "jobs."+k.Value+".permissions", val)
				if err != nil {
					return nil, err
				}
				job.Permissions = perm
			case "uses":
				if val.Kind == yaml.ScalarNode {
					job.Uses = scalar(val)
				}
			case "steps":
				if val.Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("%s:%d: jobs.%s.steps: want a sequence, got %s", p, val.Line, k.Value, kindName(val))
				}
				for si, sn := range val.Content {
					sn = deref(sn)
					if sn.Kind != yaml.MappingNode {
						return nil, fmt.Errorf("%s:%d: jobs.%s.steps[%d]: want a mapping, got %s", p, sn.Line, k.Value, si, kindName(sn))
					}
					st := &Step{Line: sn.Line}
					for m := 0; m+1 < len(sn.Content); m += 2 {
						sk, sv := sn.Content[m], deref(sn.Content[m+1])
						switch sk.Value {
						case "uses":
							if sv.Kind == yaml.ScalarNode {
								st.Uses = scalar(sv)
							}
						case "run":
							if sv.Kind == yaml.ScalarNode {
								st.Run = scalar(sv)
							}
						case "with":
							if sv.Kind == yaml.MappingNode {
								st.With = map[string]*Scalar{}
								for w := 0; w+1 < len(sv.Content); w += 2 {
									if wv := deref(sv.Content[w+1]); wv.Kind == yaml.ScalarNode {
										st.With[sv.Content[w].Value] = scalar(wv)
									}
								}
							}
						}
					}
					job.Steps = append(job.Steps, st)
				}
			}
		}
		jobs = append(jobs, job)
	}
	return jobs, nil
}

// LineOf returns the line of the byte offset i within the scalar's value.
// For block scalars the content starts on the line after the indicator;
// for folded ones the result is approximate, since folding joins lines.
func (s *Scalar) LineOf(i int) int {
	if !s.Block {
		return s.Line
	}
	i = max(0, min(i, len(s.Value)))
	return s.Line + 1 + strings.Count(s.Value[:i], "\n")
}
