package python

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/inventory"
)

// maxIncludeDepth bounds -r nesting; pip has no limit, but real projects
// nest two or three levels and a bound keeps hostile inputs cheap.
const maxIncludeDepth = 10

// maxIncludedFiles bounds how many distinct files one requirements file
// may pull in.
const maxIncludedFiles = 256

// Requirements extracts pip requirements files.
type Requirements struct{}

// Name implements extract.Extractor.
func (Requirements) Name() string { return "python/requirements" }

// Claims implements extract.Extractor: requirements.txt, requirements-*.txt,
// requirements_*.txt, *-requirements.txt and requirements/*.txt.
func (Requirements) Claims(p string, _ fs.FileMode) bool {
	base := path.Base(p)
	if !strings.HasSuffix(base, ".txt") {
		return false
	}
	return base == "requirements.txt" ||
		strings.HasPrefix(base, "requirements-") ||
		strings.HasPrefix(base, "requirements_") ||
		strings.HasSuffix(base, "-requirements.txt") ||
		path.Base(path.Dir(p)) == "requirements"
}

// Extract implements extract.Extractor.
func (Requirements) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	rp := &reqParser{ctx: ctx, fsys: in.FS, limit: in.MaxSize, done: map[string]bool{}}
	if err := rp.file(in.Path, nil); err != nil {
		return nil, nil, err
	}
	return rp.pkgs, nil, nil
}

type reqParser struct {
	ctx   context.Context
	fsys  fs.FS
	limit int64
	done  map[string]bool
	pkgs  []inventory.Package
}

// file parses one requirements file; stack holds the files including it.
func (rp *reqParser) file(name string, stack []string) error {
	if err := rp.ctx.Err(); err != nil {
		return err
	}
	if rp.done[name] {
		return nil // reached twice through different includes: same packages
	}
	if len(rp.done) >= maxIncludedFiles {
		return fmt.Errorf("%s: more than %d included requirements files", stack[0], maxIncludedFiles)
	}
	rp.done[name] = true
	data, err := extract.ReadFile(rp.fsys, name, rp.limit)
	if err != nil {
		return err
	}
	stack = append(stack, name)
	for _, ll := range logicalLines(string(data)) {
		if err := rp.line(name, ll, stack); err != nil {
			return err
		}
	}
	return nil
}

type logicalLine struct {
	n    int // the line number where the logical line starts
	text string
}

// commentRE is pip's COMMENT_RE: a "#" at the start of a line or after
// whitespace starts a comment, so "url#egg=x" is not one.
var commentRE = lazyregexp.New(`(^|\s+)#.*$`)

// logicalLines joins continuation lines and strips comments the way pip's
// join_lines and ignore_comments do: a line ending in "\" continues on the
// next, unless it is a comment line, which ends the join.
func logicalLines(data string) []logicalLine {
	var out []logicalLine
	var cur strings.Builder
	start := 0
	joining := false
	lines := strings.Split(data, "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		isComment := strings.HasPrefix(strings.TrimLeft(l, " \t"), "#")
		if !strings.HasSuffix(l, `\`) || isComment {
			if isComment {
				l = " " + l
			}
			if joining {
				cur.WriteString(l)
				out = append(out, logicalLine{start, cur.String()})
				cur.Reset()
				joining = false
			} else {
				out = append(out, logicalLine{i + 1, l})
			}
			continue
		}
		if !joining {
			start, joining = i+1, true
		}
		cur.WriteString(strings.TrimRight(l, `\`))
	}
	if joining {
		out = append(out, logicalLine{start, cur.String()})
	}
	kept := out[:0]
	for _, ll := range out {
		ll.text = strings.TrimSpace(commentRE.ReplaceAllString(ll.text, ""))
		if ll.text != "" {
			kept = append(kept, ll)
		}
	}
	return kept
}

// reqLine is one parsed line of a requirements file.
type reqLine struct {
	// Exactly one of the following is set.
	Include  string // -r/--requirement target
	Editable string // -e/--editable target
	Req      string // a requirement, URL or path
	Hashes   []inventory.Hash
}

// parseReqLine splits a logical line into its requirement and options as
// pip's break_args_options does: tokens up to the first one starting with
// "-" are the requirement, the rest are options.
func parseReqLine(text string) (reqLine, error) {
	var rl reqLine
	tokens := strings.Split(text, " ")
	n := 0
	for n < len(tokens) && !strings.HasPrefix(tokens[n], "-") {
		n++
	}
	rl.Req = strings.TrimSpace(strings.Join(tokens[:n], " "))
	opts := slices.DeleteFunc(slices.Clone(tokens[n:]), func(s string) bool { return s == "" })
	for i := 0; i < len(opts); i++ {
		opt, val, hasVal := strings.Cut(opts[i], "=")
		// Short options take their value attached or as the next token.
		if !hasVal && len(opt) > 2 && opt[1] != '-' {
			opt, val, hasVal = opt[:2], opt[2:], true
		}
		arg := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 < len(opts) {
				i++
				return opts[i], nil
			}
			return "", fmt.Errorf("%s: want a value", opt)
		}
		switch opt {
		case "-r", "--requirement", "-e", "--editable", "-c", "--constraint":
			if rl.Req != "" {
				return rl, fmt.Errorf("%s is not allowed after a requirement", opt)
			}
			v, err := arg()
			if err != nil {
				return rl, err
			}
			switch opt {
			case "-r", "--requirement":
				rl.Include = v
			case "-e", "--editable":
				// The rest of the line belongs to the editable target.
				rl.Editable = strings.TrimSpace(strings.Join(append([]string{v}, opts[i+1:]...), " "))
				return rl, nil
			}
			// Constraints files only narrow versions; they add no packages.
		case "--hash":
			if rl.Req == "" {
				return rl, errors.New("--hash must follow a requirement")
			}
			v, err := arg()
			if err != nil {
				return rl, err
			}
			h, err := parseHash(v)
			if err != nil {
				return rl, fmt.Errorf("--hash: %w", err)
			}
			rl.Hashes = append(rl.Hashes, h)
		default:
			// Global options (--index-url, --find-links, --pre, ...) and
			// per-requirement build options do not change what is installed.
		}
	}
	return rl, nil
}

func (rp *reqParser) line(file string, ll logicalLine, stack []string) error {
	where := fmt.Sprintf("%s:%d", file, ll.n)
	rl, err := parseReqLine(ll.text)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	switch {
	case rl.Include != "":
		return rp.include(where, file, rl.Include, stack)
	case rl.Editable != "":
		if p, ok := urlPackage(rl.Editable); ok {
			p.SetProperty(propEditable, "true")
			p.Locations = []inventory.Location{{Path: file, Line: ll.n}}
			p.Direct = true
			rp.pkgs = append(rp.pkgs, p)
		}
		return nil
	case rl.Req == "":
		return nil
	}
	p, err := requirementPackage(rl.Req)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if p == nil {
		return nil
	}
	p.Hashes = rl.Hashes
	p.Locations = []inventory.Location{{Path: file, Line: ll.n}}
	p.Direct = true
	rp.pkgs = append(rp.pkgs, *p)
	return nil
}

func (rp *reqParser) include(where, file, target string, stack []string) error {
	if isURL(target) {
		return nil // remote includes are not fetched: hallmark works offline
	}
	if len(stack) > maxIncludeDepth {
		return fmt.Errorf("%s: -r %s: includes nest deeper than %d files", where, target, maxIncludeDepth)
	}
	name := path.Join(path.Dir(file), target)
	if path.IsAbs(target) || !fs.ValidPath(name) {
		return fmt.Errorf("%s: -r %s: want a path inside the scanned tree", where, target)
	}
	if slices.Contains(stack, name) {
		return fmt.Errorf("%s: -r %s: include cycle (%s)", where, target, strings.Join(append(stack, name), " -> "))
	}
	if !exists(rp.fsys, name) {
		return fmt.Errorf("%s: -r %s: %s does not exist", where, target, name)
	}
	return rp.file(name, stack)
}

// requirementPackage turns the requirement part of a line into a package.
// It returns nil for URLs and paths that carry no project name.
func requirementPackage(s string) (*inventory.Package, error) {
	if isURL(s) || looksLikePath(s) {
		// pip allows an environment marker after " ;" on URL lines.
		target, marker := s, ""
		if i := strings.Index(s, " ;"); i >= 0 {
			target, marker = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+2:])
		} else if i := strings.Index(s, "; "); i >= 0 {
			target, marker = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+2:])
		}
		p, ok := urlPackage(target)
		if !ok {
			return nil, nil
		}
		if marker != "" {
			p.SetProperty(propMarker, marker)
		}
		return &p, nil
	}
	r, err := parseRequirement(s)
	if err != nil {
		return nil, fmt.Errorf("invalid requirement %q: %w", s, err)
	}
	var p inventory.Package
	if v, ok := pinnedVersion(r.Specifier); ok && r.URL == "" {
		p = newPackage(r.Name, v)
	} else {
		p = newPackage(r.Name, "")
		p.Constraint = r.Specifier
		if r.URL != "" {
			p.Constraint = "@ " + r.URL
		}
	}
	if len(r.Extras) > 0 {
		ex := make([]string, len(r.Extras))
		for i, e := range r.Extras {
			ex[i] = inventory.NormalizePyPIName(e) // PEP 685 normalises extras like names
		}
		slices.Sort(ex)
		p.SetProperty(propExtras, strings.Join(slices.Compact(ex), ","))
	}
	if r.Marker != "" {
		p.SetProperty(propMarker, r.Marker)
	}
	return &p, nil
}

var schemeRE = lazyregexp.New(`^[A-Za-z][A-Za-z0-9+.-]*://`)

func isURL(s string) bool { return schemeRE.MatchString(s) }

// archiveSuffixes are the distribution file types pip installs from a path.
var archiveSuffixes = []string{".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip"}

func looksLikePath(s string) bool {
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") {
		return true
	}
	first, _, _ := strings.Cut(s, " ")
	first, _, _ = strings.Cut(first, ";")
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(strings.ToLower(first), suf) {
			return true
		}
	}
	return strings.Contains(first, "/")
}

// urlPackage names a URL, VCS link or path requirement from its "#egg="
// fragment or, for a wheel, from its file name (PEP 427: the distribution
// name and version are the first two "-" separated fields). The version is
// taken only from a wheel name; otherwise the target is the Constraint.
func urlPackage(target string) (inventory.Package, bool) {
	if _, frag, ok := strings.Cut(target, "#"); ok {
		for _, kv := range strings.Split(frag, "&") {
			if egg, ok := strings.CutPrefix(kv, "egg="); ok {
				name, _, _ := strings.Cut(egg, "[") // egg=name[extra]
				if validName(name) {
					p := newPackage(name, "")
					p.Constraint = target
					return p, true
				}
			}
		}
	}
	base := target
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	base = path.Base(base)
	if strings.HasSuffix(base, ".whl") {
		parts := strings.Split(strings.TrimSuffix(base, ".whl"), "-")
		if len(parts) >= 5 && validName(parts[0]) && parts[1] != "" {
			p := newPackage(parts[0], parts[1])
			p.SetProperty(propSource, target)
			return p, true
		}
	}
	return inventory.Package{}, false
}
