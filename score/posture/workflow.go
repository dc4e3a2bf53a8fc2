package posture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hallmark-dev/hallmark/internal/escape"
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

// MaxWorkflowVisits bounds the nodes one parse of a workflow visits,
// aliases expanded. yaml.v3 keeps an alias as one node however much it
// stands for, so a 1 MB file of 16,000 steps under an anchor and 36,000
// jobs aliasing it is small on disk and 576 million steps once walked.
// Without aliases a document within maxWorkflowNodes needs at most that
// many visits; the budget leaves five times as much for GitHub's own use
// of anchors, and keeps a parse to tens of milliseconds and tens of MB.
const MaxWorkflowVisits = 1_000_000

// ErrTooLarge is wrapped by the error for a workflow whose walk would
// exceed MaxWorkflowVisits.
var ErrTooLarge = errors.New("workflow expands past the limit")

// quoteLen is how much of a scalar an error message quotes.
const quoteLen = 40

// ParseWorkflow parses a workflow file. Errors name the file and line and
// quote at most a short, escaped excerpt of the input.
func ParseWorkflow(p string, data []byte) (*Workflow, error) {
	if len(data) > MaxWorkflowSize {
		return nil, fmt.Errorf("%s: %d bytes, limit %d", p, len(data), MaxWorkflowSize)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty workflow", p)
		}
		// yaml.v3's messages can quote the input; keep an excerpt.
		return nil, fmt.Errorf("%s: %s", p, escape.Excerpt(err.Error(), 160))
	}
	if n := countNodes(&doc, 0); n < 0 {
		return nil, fmt.Errorf("%s: YAML nested deeper than %d or larger than %d nodes", p, maxWorkflowDepth, maxWorkflowNodes)
	}
	wp := &parser{path: p, left: MaxWorkflowVisits}
	w, err := wp.workflow(&doc)
	if wp.left < 0 {
		return nil, fmt.Errorf("%s: not read: %w: its aliases expand to more than %d nodes", p, ErrTooLarge, MaxWorkflowVisits)
	}
	return w, err
}

// parser walks one workflow document within a visit budget. When the
// budget runs out, deref returns an empty node and the loops stop; the
// caller reports the file as not read.
type parser struct {
	path string
	left int
}

var nullNode = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}

func (wp *parser) over() bool { return wp.left < 0 }

// deref follows aliases and counts the visit.
func (wp *parser) deref(n *yaml.Node) *yaml.Node {
	if wp.left--; wp.left < 0 {
		return nullNode
	}
	return deref(n)
}

func (wp *parser) workflow(doc *yaml.Node) (*Workflow, error) {
	p := wp.path
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = wp.deref(root)
	w := &Workflow{Path: p}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping at the top level, got %s", p, root.Line, kindName(root))
	}
	for i := 0; i+1 < len(root.Content) && !wp.over(); i += 2 {
		k, v := root.Content[i], wp.deref(root.Content[i+1])
		switch k.Value {
		case "on", "true": // YAML 1.1 readers see "on" as true; yaml.v3 keeps "on"
			ev, err := wp.parseOn(v)
			if err != nil {
				return nil, err
			}
			w.On = ev
		case "permissions":
			perm, err := wp.parsePermissions("permissions", v)
			if err != nil {
				return nil, err
			}
			w.Permissions = perm
		case "jobs":
			jobs, err := wp.parseJobs(v)
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
		return fmt.Sprintf("the scalar \"%s\"", escape.Excerpt(n.Value, quoteLen))
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

// key is a mapping key for an error message.
func key(n *yaml.Node) string { return escape.Excerpt(n.Value, quoteLen) }

func scalar(n *yaml.Node) *Scalar {
	return &Scalar{Value: n.Value, Line: n.Line, Block: n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0}
}

func (wp *parser) parseOn(v *yaml.Node) ([]Event, error) {
	p := wp.path
	switch v.Kind {
	case yaml.ScalarNode:
		return []Event{{v.Value, v.Line}}, nil
	case yaml.SequenceNode:
		var out []Event
		for _, e := range v.Content {
			e = wp.deref(e)
			if wp.over() {
				return nil, nil
			}
			if e.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: on: want event names, got %s", p, e.Line, kindName(e))
			}
			out = append(out, Event{e.Value, e.Line})
		}
		return out, nil
	case yaml.MappingNode:
		var out []Event
		for i := 0; i+1 < len(v.Content); i += 2 {
			if wp.left--; wp.over() {
				return nil, nil
			}
			out = append(out, Event{v.Content[i].Value, v.Content[i].Line})
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s:%d: on: want an event name, list or mapping, got %s", p, v.Line, kindName(v))
}

func (wp *parser) parsePermissions(where string, v *yaml.Node) (*Permissions, error) {
	p := wp.path
	perm := &Permissions{Line: v.Line}
	switch v.Kind {
	case yaml.ScalarNode:
		switch v.Value {
		case "read-all", "write-all":
			perm.All = v.Value
		case "":
		default:
			return nil, fmt.Errorf("%s:%d: %s: want read-all, write-all or a mapping, got \"%s\"", p, v.Line, where, escape.Excerpt(v.Value, quoteLen))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, lv := v.Content[i], wp.deref(v.Content[i+1])
			if wp.over() {
				return nil, nil
			}
			if lv.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%s:%d: %s.%s: want read, write or none, got %s", p, lv.Line, where, key(k), kindName(lv))
			}
			perm.Scopes = append(perm.Scopes, Scope{Name: k.Value, Level: lv.Value, Line: k.Line})
		}
	default:
		return nil, fmt.Errorf("%s:%d: %s: want read-all, write-all or a mapping, got %s", p, v.Line, where, kindName(v))
	}
	return perm, nil
}

func (wp *parser) parseJobs(v *yaml.Node) ([]*Job, error) {
	p := wp.path
	if v.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: jobs: want a mapping, got %s", p, v.Line, kindName(v))
	}
	var jobs []*Job
	for i := 0; i+1 < len(v.Content) && !wp.over(); i += 2 {
		k, jv := v.Content[i], wp.deref(v.Content[i+1])
		if wp.over() {
			break
		}
		job := &Job{ID: k.Value, Line: k.Line}
		if jv.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: jobs.%s: want a mapping, got %s", p, jv.Line, key(k), kindName(jv))
		}
		for j := 0; j+1 < len(jv.Content) && !wp.over(); j += 2 {
			jk, val := jv.Content[j], wp.deref(jv.Content[j+1])
			switch jk.Value {
			case "permissions":
				perm, err := wp.parsePermissions("jobs."+key(k)+".permissions", val)
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
					if wp.over() {
						break
					}
					return nil, fmt.Errorf("%s:%d: jobs.%s.steps: want a sequence, got %s", p, val.Line, key(k), kindName(val))
				}
				for si, sn := range val.Content {
					sn = wp.deref(sn)
					if wp.over() {
						break
					}
					if sn.Kind != yaml.MappingNode {
						return nil, fmt.Errorf("%s:%d: jobs.%s.steps[%d]: want a mapping, got %s", p, sn.Line, key(k), si, kindName(sn))
					}
					st := &Step{Line: sn.Line}
					for m := 0; m+1 < len(sn.Content); m += 2 {
						sk, sv := sn.Content[m], wp.deref(sn.Content[m+1])
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
									if wv := wp.deref(sv.Content[w+1]); wv.Kind == yaml.ScalarNode {
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
