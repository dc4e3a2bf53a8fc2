// Package exclude matches the paths of a target against --exclude globs,
// with syft's rules (https://github.com/anchore/syft#excluding-file-paths):
// a pattern is relative to the target's root and so starts with "./",
// "*/" or "**/" ("/" too: the root of an image's file system, or of the
// directory); "**" crosses directories, "*" does not (doublestar's
// syntax, which syft uses). A directory that matches is not entered, so
// "./testdata" and "./testdata/**" both leave out everything below it.
//
// It sits beside the walker (extract.Options.Exclude takes Match) and
// knows nothing of ecosystems.
package exclude

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Matcher holds compiled patterns. It is not safe for concurrent use: it
// counts which patterns matched (the walk calls it from one goroutine).
type Matcher struct {
	patterns []pattern
}

type pattern struct {
	raw  string // as the user gave it
	glob string // relative to the root, no leading "./" or "/"
	hits int
}

// Compile checks and compiles patterns. An error names the pattern and
// says what is wanted.
func Compile(patterns []string) (*Matcher, error) {
	m := &Matcher{}
	for _, raw := range patterns {
		var glob string
		switch {
		case strings.HasPrefix(raw, "./"):
			glob = strings.TrimPrefix(raw, "./")
		case strings.HasPrefix(raw, "/"):
			glob = strings.TrimLeft(raw, "/")
		case strings.HasPrefix(raw, "*/"), strings.HasPrefix(raw, "**/"):
			glob = raw
		default:
			return nil, fmt.Errorf("--exclude %q: a pattern is relative to the target, so it starts with ./, */, **/ or / (e.g. ./%s)", raw, raw)
		}
		glob = strings.TrimSuffix(glob, "/")
		if glob == "" || glob == "." {
			return nil, fmt.Errorf("--exclude %q: excludes the whole target", raw)
		}
		if !doublestar.ValidatePattern(glob) {
			return nil, fmt.Errorf("--exclude %q: not a valid glob (an unclosed [ or {?)", raw)
		}
		m.patterns = append(m.patterns, pattern{raw: raw, glob: glob})
	}
	return m, nil
}

// Match reports whether the slash-separated path p, relative to the root,
// is excluded. The root itself never is.
func (m *Matcher) Match(p string, dir bool) bool {
	if m == nil || p == "." || p == "" {
		return false
	}
	for i := range m.patterns {
		if ok, _ := doublestar.Match(m.patterns[i].glob, p); ok {
			m.patterns[i].hits++
			return true
		}
	}
	return false
}

// Unused returns the patterns that matched nothing so far, as given: most
// often a typo or a path given from the wrong directory, worth a warning.
func (m *Matcher) Unused() []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, p := range m.patterns {
		if p.hits == 0 {
			out = append(out, p.raw)
		}
	}
	return out
}
