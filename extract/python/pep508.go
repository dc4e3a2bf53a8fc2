package python

import (
	"fmt"
	"strings"
)

// requirement is one PEP 508 dependency specifier
// (https://peps.python.org/pep-0508/): a name, optional extras, either a
// version specifier set or a direct URL, and an optional environment marker.
type requirement struct {
	Name      string   // as written
	Extras    []string // as written, in order
	Specifier string   // the version specifier set with spaces removed, e.g. ">=2.0,<3"
	URL       string   // set for "name @ url" requirements
	Marker    string   // the environment marker after ";", trimmed
}

// specOperators are PEP 440's comparison operators, longest first so that
// "===" is not read as "==" followed by "=".
var specOperators = []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"}

// parseRequirement reads a PEP 508 requirement. Markers are kept as text,
// not evaluated: an SBOM lists what a file declares for every environment.
func parseRequirement(s string) (requirement, error) {
	var r requirement
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	r.Name = s[:i]
	if r.Name == "" {
		return r, fmt.Errorf("want a project name, got %q", s)
	}
	if !isAlnum(r.Name[0]) || !isAlnum(r.Name[len(r.Name)-1]) {
		return r, fmt.Errorf("project name %q must start and end with a letter or digit", r.Name)
	}
	rest := strings.TrimLeft(s[i:], " \t")
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return r, fmt.Errorf("extras of %q: want a closing ']'", r.Name)
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			if !validName(e) {
				return r, fmt.Errorf("extras of %q: %q is not a valid extra name", r.Name, e)
			}
			r.Extras = append(r.Extras, e)
		}
		rest = strings.TrimLeft(rest[end+1:], " \t")
	}
	var marker string
	hasMarker := false
	if strings.HasPrefix(rest, "@") {
		// A URL ends at whitespace; PEP 508 asks for whitespace before the
		// marker's ";" so that ";" may appear inside URLs.
		u := strings.TrimLeft(rest[1:], " \t")
		end := strings.IndexAny(u, " \t")
		if end < 0 {
			end = len(u)
		}
		r.URL = u[:end]
		if r.URL == "" {
			return r, fmt.Errorf("%q: want a URL after '@'", r.Name)
		}
		tail := strings.TrimSpace(u[end:])
		if tail != "" {
			if tail[0] != ';' {
				return r, fmt.Errorf("%q: unexpected %q after the URL", r.Name, tail)
			}
			marker, hasMarker = tail[1:], true
		}
	} else {
		spec := rest
		if j := strings.IndexByte(rest, ';'); j >= 0 {
			spec, marker, hasMarker = rest[:j], rest[j+1:], true
		}
		spec = strings.TrimSpace(spec)
		if strings.HasPrefix(spec, "(") {
			if !strings.HasSuffix(spec, ")") {
				return r, fmt.Errorf("version of %q: want a closing ')'", r.Name)
			}
			spec = strings.TrimSpace(spec[1 : len(spec)-1])
		}
		norm, err := normalizeSpecifier(spec)
		if err != nil {
			return r, fmt.Errorf("version of %q: %w", r.Name, err)
		}
		r.Specifier = norm
	}
	if hasMarker {
		r.Marker = strings.TrimSpace(marker)
		if r.Marker == "" {
			return r, fmt.Errorf("%q: want an environment marker after ';'", r.Name)
		}
	}
	return r, nil
}

// normalizeSpecifier checks a comma-separated PEP 440 specifier set and
// returns it without whitespace.
func normalizeSpecifier(spec string) (string, error) {
	if spec == "" {
		return "", nil
	}
	var out []string
	for _, clause := range strings.Split(spec, ",") {
		clause = strings.TrimSpace(clause)
		op := ""
		for _, o := range specOperators {
			if strings.HasPrefix(clause, o) {
				op = o
				break
			}
		}
		if op == "" {
			return "", fmt.Errorf("want an operator (==, !=, <=, >=, ~=, <, >, ===) before %q", clause)
		}
		v := strings.TrimSpace(clause[len(op):])
		if v == "" {
			return "", fmt.Errorf("want a version after %q", op)
		}
		for k := 0; k < len(v); k++ {
			if !isVersionByte(v[k]) {
				return "", fmt.Errorf("version %q has %q, want letters, digits and . * + ! _ -", v, v[k])
			}
		}
		out = append(out, op+v)
	}
	return strings.Join(out, ","), nil
}

// pinnedVersion returns the version a specifier set pins exactly: one
// "==" clause without a wildcard, or one "===" clause.
func pinnedVersion(spec string) (string, bool) {
	if spec == "" || strings.Contains(spec, ",") {
		return "", false
	}
	if v, ok := strings.CutPrefix(spec, "==="); ok {
		return v, true
	}
	if v, ok := strings.CutPrefix(spec, "=="); ok && !strings.Contains(v, "*") {
		return v, true
	}
	return "", false
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isNameByte(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

func isVersionByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".*+!_-", c) >= 0
}

// validName reports whether s is a valid PEP 508 name (project or extra).
func validName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return true
}
