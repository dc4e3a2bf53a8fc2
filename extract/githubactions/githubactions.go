// Package githubactions inventories the GitHub Actions and reusable
// workflows that a repository's CI runs: every `uses:` of a workflow file
// (.github/workflows/*.yml or *.yaml) and of a composite action's metadata
// file (action.yml or action.yaml, anywhere).
//
// Specs: the workflow syntax
// (https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions),
// of which jobs.<job_id>.steps[*].uses and jobs.<job_id>.uses (a reusable
// workflow) are read, and the action metadata syntax
// (https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions),
// of which runs.steps[*].uses (composite actions) is read. Both are YAML,
// parsed with go.yaml.in/yaml/v3 within a size limit and a nesting limit;
// aliases are followed (GitHub accepts anchors), merge keys are not.
//
// A `uses:` value is one of
//   - {owner}/{repo}@{ref} or {owner}/{repo}/{path}@{ref}: an action in a
//     repository, or a reusable workflow ({path} is
//     .github/workflows/{file}). It becomes a package of ecosystem
//     "GitHub Actions" (OSV's name) named owner/repo, as OSV keys its
//     advisories, whose Version is the ref as written: a tag, a branch or a
//     full commit SHA. The property hallmark:gha:ref-kind says which ("sha"
//     for 40 hex digits, else "tag-or-branch"; a workflow file cannot tell a
//     tag from a branch). When the ref is a SHA and the line's comment names
//     a version ("# v4.2.2", as Dependabot and Renovate write it), the
//     version is kept as hallmark:gha:comment-version, unverified: the SHA
//     is what runs.
//   - ./{path}: an action or workflow in the same repository. Skipped: it is
//     the repository's own code, not a dependency, and has no purl.
//   - docker://{image}: a container image. Skipped: it names no repository.
//
// Any other value (no "@", more than one, an empty owner, repository or
// ref, a "." or ".." path segment, a ${{ }} expression) is not one the
// runner accepts, so it is skipped too, the rest of the file still being
// read.
//
// The purl is purl-spec's github type
// (https://github.com/package-url/purl-spec/blob/main/types/github-definition.json),
// as syft writes it for actions: pkg:github/{owner}/{repo}@{ref}#{path},
// owner and repository lower-cased as the type requires. Each use is
// Direct; its Location is the file that names it.
package githubactions

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Property names this package sets.
const (
	// PropRefKind is "sha" when the ref is a full commit SHA, else
	// "tag-or-branch".
	PropRefKind = "hallmark:gha:ref-kind"
	// PropCommentVersion is the version a comment beside a SHA-pinned use
	// names.
	PropCommentVersion = "hallmark:gha:comment-version"
)

// Limits on what is read: GitHub's own workflow files are a few KiB; the
// nesting limit is far above any real workflow's (about ten) and far below
// what would strain the walk.
const (
	maxFileSize = 4 << 20
	maxDepth    = 64
	// maxAliasChain bounds following an alias to an alias.
	maxAliasChain = 16
)

// MaxVisits bounds the nodes one parse visits, aliases expanded (each
// node resolved and each mapping key compared counts). yaml.v3 keeps an
// alias as one node however much it stands for, so a 1 MB workflow of
// 16,000 steps under an anchor and 36,000 jobs aliasing it is 576 million
// steps once walked. A real workflow needs a few hundred visits; a file of
// the 4 MiB size limit made only of distinct steps ("- uses: a/b@v1", at
// least 16 bytes, three visits each) needs under 800,000. A use reached
// again through an alias is recorded once (same node, same file: the same
// package), so the budget bounds time and the file's nodes bound memory.
const MaxVisits = 1_000_000

// ErrTooLarge is wrapped by the error for a file whose walk would exceed
// MaxVisits.
var ErrTooLarge = errors.New("aliases expand past the limit")

// Extractor reads workflow files and action metadata files.
type Extractor struct{}

// New returns the GitHub Actions extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "githubactions/uses" }

// Claims implements extract.Extractor: a YAML file directly in a
// .github/workflows directory (GitHub reads no subdirectories there), and
// action.yml or action.yaml anywhere.
func (Extractor) Claims(p string, _ fs.FileMode) bool {
	// A package under node_modules ships its own CI files; they describe
	// how that package is built upstream, not what this software runs.
	if strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/") {
		return false
	}
	dir, base := path.Split(p)
	if base == "action.yml" || base == "action.yaml" {
		return true
	}
	if !strings.HasSuffix(base, ".yml") && !strings.HasSuffix(base, ".yaml") {
		return false
	}
	return dir == ".github/workflows/" || strings.HasSuffix(dir, "/.github/workflows/")
}

func isAction(p string) bool {
	b := path.Base(p)
	return b == "action.yml" || b == "action.yaml"
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	limit := in.MaxSize
	if limit <= 0 || limit > maxFileSize {
		limit = maxFileSize
	}
	data, err := extract.ReadFile(in.FS, in.Path, limit)
	if err != nil {
		return nil, nil, err
	}
	uses, err := parse(data, isAction(in.Path))
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var pkgs []inventory.Package
	for _, u := range uses {
		p, ok := packageOf(u)
		if !ok {
			continue
		}
		p.Locations = []inventory.Location{{Path: in.Path, Line: u.line}}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil, nil
}

// use is one `uses:` value and the comment on its line.
type use struct {
	value, comment string
	line           int // of the uses: value
}

// parse returns the uses of a workflow (action false) or an action
// metadata file. Errors start with the line and the field.
func parse(data []byte, action bool) ([]use, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlErr(err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil // empty, or comments only
	}
	root := doc.Content[0]
	if err := checkDepth(root, 0); err != nil {
		return nil, err
	}
	r := reader{left: MaxVisits, seen: map[*yaml.Node]bool{}}
	uses, err := r.walk(root, action)
	if r.left < 0 {
		return nil, fmt.Errorf(" not read: %w: more than %d nodes visited", ErrTooLarge, MaxVisits)
	}
	return uses, err
}

func (r *reader) walk(root *yaml.Node, action bool) ([]use, error) {
	root, err := r.mapping(root, "document")
	if err != nil || root == nil {
		return nil, err
	}
	if action {
		runs, err := r.mapping(r.get(root, "runs"), "runs")
		if err != nil || runs == nil {
			return nil, err
		}
		if err := r.steps(r.get(runs, "steps"), "runs.steps"); err != nil {
			return nil, err
		}
		return r.uses, nil
	}
	jobs, err := r.mapping(r.get(root, "jobs"), "jobs")
	if err != nil || jobs == nil {
		return nil, err
	}
	for i := 0; i+1 < len(jobs.Content) && r.left >= 0; i += 2 {
		id := jobs.Content[i].Value
		field := "jobs." + id
		job, err := r.mapping(jobs.Content[i+1], field)
		if err != nil {
			return nil, err
		}
		if job == nil {
			continue
		}
		if err := r.uses1(r.get(job, "uses"), field+".uses"); err != nil {
			return nil, err
		}
		if err := r.steps(r.get(job, "steps"), field+".steps"); err != nil {
			return nil, err
		}
	}
	return r.uses, nil
}

// reader collects uses while walking the document, within a budget of
// visits (left); a uses node met again through an alias is not recorded
// twice (seen).
type reader struct {
	uses []use
	left int
	seen map[*yaml.Node]bool
}

// spend counts n visits and reports an error once the budget is gone.
func (r *reader) spend(n int) error {
	if r.left -= n; r.left < 0 {
		return ErrTooLarge
	}
	return nil
}

// steps reads a steps sequence; absent is fine.
func (r *reader) steps(n *yaml.Node, field string) error {
	n, err := r.resolve(n, field)
	if err != nil || n == nil {
		return err
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("%d: %s: want a sequence, got %s", n.Line, field, kind(n))
	}
	for i, s := range n.Content {
		if r.left < 0 {
			return ErrTooLarge
		}
		f := fmt.Sprintf("%s[%d]", field, i)
		step, err := r.mapping(s, f)
		if err != nil {
			return err
		}
		if step == nil {
			continue
		}
		if err := r.uses1(r.get(step, "uses"), f+".uses"); err != nil {
			return err
		}
	}
	return nil
}

// uses1 records one uses value; absent is fine.
func (r *reader) uses1(n *yaml.Node, field string) error {
	n, err := r.resolve(n, field)
	if err != nil || n == nil {
		return err
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return fmt.Errorf("%d: %s: want a string, got %s", n.Line, field, kind(n))
	}
	if r.seen[n] {
		return nil
	}
	r.seen[n] = true
	r.uses = append(r.uses, use{value: n.Value, comment: n.LineComment, line: n.Line})
	return nil
}

// mapping resolves n and checks that it is a mapping; a null or absent
// node is nil without error.
func (r *reader) mapping(n *yaml.Node, field string) (*yaml.Node, error) {
	n, err := r.resolve(n, field)
	if err != nil || n == nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%d: %s: want a mapping, got %s", n.Line, field, kind(n))
	}
	return n, nil
}

// resolve follows aliases and turns an explicit null into nil.
func (r *reader) resolve(n *yaml.Node, field string) (*yaml.Node, error) {
	if err := r.spend(1); err != nil {
		return nil, err
	}
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasChain {
			return nil, fmt.Errorf("%d: %s: more than %d aliases in a chain", n.Line, field, maxAliasChain)
		}
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	return n, nil
}

// get returns the value of key in mapping m, nil when absent. Of
// duplicate keys (which GitHub rejects) the last is read.
func (r *reader) get(m *yaml.Node, key string) *yaml.Node {
	if r.spend(len(m.Content)/2) != nil {
		return nil
	}
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			v = m.Content[i+1]
		}
	}
	return v
}

// checkDepth rejects documents nested deeper than maxDepth. Aliases are
// not followed: what they point to is checked where it is defined.
func checkDepth(n *yaml.Node, d int) error {
	if d > maxDepth {
		return fmt.Errorf("%d: nested more than %d levels deep", n.Line, maxDepth)
	}
	for _, c := range n.Content {
		if err := checkDepth(c, d+1); err != nil {
			return err
		}
	}
	return nil
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		return strings.TrimPrefix(n.ShortTag(), "!!") + " " + fmt.Sprintf("%q", escape.Clip(n.Value, 40))
	}
	return "nothing"
}

// yamlErr turns the decoder's "yaml: line 7: ..." into "7: ...", so that
// the caller's "file:" prefix makes "file:7: ...".
func yamlErr(err error) error {
	// yaml.v3's messages can quote the input: keep a short, escaped
	// excerpt.
	msg := escape.Excerpt(strings.TrimPrefix(err.Error(), "yaml: "), 160)
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			return fmt.Errorf("%s: %s", n, after)
		}
	}
	return fmt.Errorf(" %s", msg)
}

var (
	shaRef = lazyregexp.New(`^[0-9a-f]{40}$`)
	// commentVersion finds a version in a comment such as "v4.2.2",
	// "tag=v1.2.3", "4.1" or "v4"; a bare number ("ubuntu-24") is not one.
	commentVersion = lazyregexp.New(`\bv?[0-9]+(?:\.[0-9]+)+\b|\bv[0-9]+\b`)
)

// packageOf makes the package a uses value names; false for local and
// docker uses and for values the runner would reject.
func packageOf(u use) (inventory.Package, bool) {
	v := strings.TrimSpace(u.value)
	if strings.HasPrefix(v, "./") || strings.HasPrefix(v, "docker://") {
		return inventory.Package{}, false
	}
	// The runner splits on "@" and wants exactly two parts
	// ({owner}/{repo}[/{path}] and the ref).
	parts := strings.Split(v, "@")
	// Expressions are not evaluated in uses (GitHub rejects them there).
	if len(parts) != 2 || parts[1] == "" || strings.ContainsAny(v, " \t") || strings.Contains(v, "${{") {
		return inventory.Package{}, false
	}
	ref := parts[1]
	segs := strings.Split(parts[0], "/")
	if len(segs) < 2 || segs[0] == "" || segs[1] == "" || segs[0] == "." || segs[0] == ".." || segs[1] == "." || segs[1] == ".." {
		return inventory.Package{}, false
	}
	var sub []string
	for _, s := range segs[2:] {
		switch s {
		case "":
			continue
		case ".", "..":
			return inventory.Package{}, false
		}
		sub = append(sub, s)
	}
	name := segs[0] + "/" + segs[1]
	subpath := strings.Join(sub, "/")
	p := inventory.Package{
		Name:      name,
		Version:   ref,
		Ecosystem: inventory.GitHubActions,
		PURL:      inventory.PURL(inventory.GitHubActions, name, ref, map[string]string{"subpath": subpath}),
		Direct:    true,
	}
	if shaRef.MatchString(ref) {
		p.SetProperty(PropRefKind, "sha")
		if cv := commentVersion.FindString(u.comment); cv != "" {
			p.SetProperty(PropCommentVersion, cv)
		}
	} else {
		p.SetProperty(PropRefKind, "tag-or-branch")
	}
	return p, true
}
