package ruby

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Gemspec reads a gem specification (*.gemspec): the Ruby file a gem's
// author writes, and the one RubyGems writes for each installed gem
// (Gem::Specification#to_ruby, in a specifications/ directory:
// https://github.com/rubygems/rubygems/blob/master/lib/rubygems/specification.rb).
//
// It does not run Ruby. Within the `Gem::Specification.new do |VAR|` block
// (or `{ |VAR|`), it reads the assignments `VAR.name = ...`,
// `VAR.version = ...`, `VAR.license = ...` and `VAR.licenses = [...]`,
// and the name and version given to Gem::Specification.new itself
// (`Gem::Specification.new "name", "1.0" do |s|`), where the value is a
// literal: a string in double or single quotes or %q/%Q delimiters, with
// an optional .freeze (as to_ruby writes), an array of such strings, or a
// %w word list; a double-quoted string with #{} interpolation is not a
// literal. Each assignment is one line, except that an array may continue
// over following lines. As in Ruby, a later assignment replaces an
// earlier one.
//
// What is not a literal is not evaluated: a version taken from a constant
// (`spec.version = Foo::VERSION`, as most authors' gemspecs do) leaves the
// version empty, and the package is reported by name alone (syft does the
// same); a name that is not a literal is an error, since there is then no
// package to report. Licenses that are not literals are left out.
// Dependencies (add_dependency and friends) give only constraints, no
// versions, and are not reported.
//
// A gemspec under a specifications/ directory is an installed gem; any
// other is the project's own gem and has Type "application", as the root
// of other manifests does.
type Gemspec struct{}

// NewGemspec returns the gemspec extractor.
func NewGemspec() Gemspec { return Gemspec{} }

// Name implements extract.Extractor.
func (Gemspec) Name() string { return "ruby/gemspec" }

// Claims implements extract.Extractor.
func (Gemspec) Claims(p string, _ fs.FileMode) bool {
	b := path.Base(p)
	return strings.HasSuffix(b, ".gemspec") && b != ".gemspec"
}

// maxGemspecSize bounds a gemspec; RubyGems' own are a few KiB, and
// authors' rarely reach 10.
const maxGemspecSize = 1 << 20

// maxArrayLines bounds how many lines an array literal may continue over.
const maxArrayLines = 200

// Extract implements extract.Extractor.
func (Gemspec) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	limit := in.MaxSize
	if limit <= 0 || limit > maxGemspecSize {
		limit = maxGemspecSize
	}
	data, err := extract.ReadFile(in.FS, in.Path, limit)
	if err != nil {
		return nil, nil, err
	}
	gs, err := parseGemspec(string(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	p := inventory.Package{
		Name:      gs.name,
		Version:   gs.version,
		Ecosystem: inventory.RubyGems,
		PURL:      inventory.PURL(inventory.RubyGems, gs.name, gs.version, nil),
		Licenses:  gs.licenses,
		Locations: []inventory.Location{{Path: in.Path}},
	}
	if !installed(in.Path) {
		p.Type = "application"
	}
	return []inventory.Package{p}, nil, nil
}

// installed reports whether p is in a specifications/ directory, where
// RubyGems keeps the specifications of installed gems.
func installed(p string) bool {
	return strings.HasPrefix(p, "specifications/") || strings.Contains(p, "/specifications/")
}

type gemspec struct {
	name, version string
	licenses      []string
}

var (
	// specNew finds the block that makes the specification and its
	// variable; args holds what is passed to new.
	specNew = lazyregexp.New(`Gem::Specification\.new\b\s*(?:\((?P<pargs>[^)]*)\)|(?P<args>[^{]*?))\s*(?:do|\{)\s*\|\s*(?P<var>[a-z_][A-Za-z0-9_]*)\s*\|`)
	// assign finds "VAR.attr = value" (not ==); the variable is checked
	// by the caller.
	assign = lazyregexp.New(`^\s*([a-z_][A-Za-z0-9_]*)\.(name|version|license|licenses)\s*=([^=~].*)?$`)
)

// parseGemspec reads the literal name, version and licenses. Errors start
// with the line number.
func parseGemspec(s string) (*gemspec, error) {
	lines := strings.Split(s, "\n")
	gs := &gemspec{}
	var (
		v          string // the block variable, once found
		nameLine   int
		nameSource string // the name's source text when it is not a literal
	)
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r")
		if v == "" {
			m := specNew.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			v = m[specNew.SubexpIndex("var")]
			args := m[specNew.SubexpIndex("pargs")] + m[specNew.SubexpIndex("args")]
			if strings.TrimSpace(args) != "" {
				// Gem::Specification.new(name = nil, version = nil).
				vals, ok := literalList(args)
				if ok && len(vals) >= 1 {
					gs.name, nameSource = vals[0], ""
					nameLine = i + 1
				}
				if ok && len(vals) >= 2 {
					gs.version = vals[1]
				}
			}
			continue
		}
		m := assign.FindStringSubmatch(line)
		if m == nil || m[1] != v {
			continue
		}
		attr, rhs := m[2], strings.TrimSpace(m[3])
		if attr == "licenses" && strings.HasPrefix(rhs, "[") {
			// An array may run over several lines.
			for j := 0; !arrayClosed(rhs) && j < maxArrayLines && i+1 < len(lines); j++ {
				i++
				rhs += " " + strings.TrimSpace(strings.TrimRight(lines[i], "\r"))
			}
		}
		switch attr {
		case "name":
			if val, ok := literal(rhs); ok {
				gs.name, nameSource = val, ""
			} else {
				gs.name, nameSource = "", rhs
			}
			nameLine = i + 1
		case "version":
			if val, ok := literal(rhs); ok {
				gs.version = val
			} else {
				gs.version = ""
			}
		case "license":
			if val, ok := literal(rhs); ok && val != "" {
				gs.licenses = []string{val}
			}
		case "licenses":
			if vals, ok := literalArray(rhs); ok {
				gs.licenses = nil
				for _, l := range vals {
					if l != "" {
						gs.licenses = append(gs.licenses, l)
					}
				}
			} else if val, ok := literal(rhs); ok && val != "" {
				gs.licenses = []string{val} // licenses= also takes one string
			}
		}
	}
	switch {
	case v == "":
		return nil, fmt.Errorf(` no "Gem::Specification.new do |spec|" block`)
	case nameSource != "":
		return nil, fmt.Errorf("%d: %s.name: want a string literal, got %q (hallmark does not evaluate Ruby)", nameLine, v, escape.Clip(nameSource, 60))
	case gs.name == "":
		if nameLine > 0 {
			return nil, fmt.Errorf("%d: %s.name: empty", nameLine, v)
		}
		return nil, fmt.Errorf(" no %s.name assignment", v)
	}
	if !validGemName(gs.name) {
		return nil, fmt.Errorf("%d: %s.name: %q is not a gem name", nameLine, v, escape.Clip(gs.name, 60))
	}
	return gs, nil
}

// validGemName: RubyGems (Gem::Specification#validate_name) wants letters,
// digits, ".", "-" and "_", with at least one letter.
func validGemName(n string) bool {
	letter := false
	for _, r := range n {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			letter = true
		case '0' <= r && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return letter
}

// arrayClosed reports whether the "[" that starts s is closed, outside
// strings.
func arrayClosed(s string) bool {
	_, _, ok := scanArray(s)
	return ok
}

// literal reads a whole right-hand side that is one string literal, with
// an optional .freeze and trailing comment.
func literal(s string) (string, bool) {
	val, rest, ok := scanString(s)
	if !ok || !endOfValue(rest) {
		return "", false
	}
	return val, true
}

// literalArray reads a right-hand side that is an array of string
// literals ("[...]" or %w[...]).
func literalArray(s string) ([]string, bool) {
	if vals, rest, ok := scanWords(s); ok {
		return vals, endOfValue(rest)
	}
	vals, rest, ok := scanArray(s)
	if !ok || !endOfValue(rest) {
		return nil, false
	}
	return vals, true
}

// literalList reads the comma-separated string literals passed to a
// method, "a", "b".
func literalList(s string) ([]string, bool) {
	var out []string
	s = strings.TrimSpace(s)
	for s != "" {
		val, rest, ok := scanString(s)
		if !ok {
			return nil, false
		}
		out = append(out, val)
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return nil, false
		}
		s = strings.TrimSpace(rest[1:])
	}
	return out, true
}

// endOfValue: nothing but spaces and a comment follows the value.
func endOfValue(rest string) bool {
	rest = strings.TrimSpace(rest)
	return rest == "" || rest[0] == '#'
}

// scanArray reads "[lit, lit, ...]" from the start of s.
func scanArray(s string) ([]string, string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "[") {
		return nil, s, false
	}
	s = strings.TrimSpace(s[1:])
	var out []string
	for {
		if strings.HasPrefix(s, "]") {
			return out, strings.TrimPrefix(strings.TrimSpace(s[1:]), ".freeze"), true
		}
		val, rest, ok := scanString(s)
		if !ok {
			return nil, s, false
		}
		out = append(out, val)
		rest = strings.TrimSpace(rest)
		switch {
		case strings.HasPrefix(rest, ","):
			s = strings.TrimSpace(rest[1:])
		case strings.HasPrefix(rest, "]"):
			s = rest
		default:
			return nil, rest, false
		}
	}
}

// scanWords reads a %w word list, %w[a b] (any of the bracket pairs or a
// punctuation delimiter).
func scanWords(s string) ([]string, string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "%w") && !strings.HasPrefix(s, "%W") || len(s) < 3 {
		return nil, s, false
	}
	closer, ok := closing(s[2])
	if !ok {
		return nil, s, false
	}
	end := strings.IndexByte(s[3:], closer)
	if end < 0 {
		return nil, s, false
	}
	body := s[3 : 3+end]
	if s[1] == 'W' && strings.Contains(body, "#{") {
		return nil, s, false
	}
	return strings.Fields(body), strings.TrimPrefix(s[3+end+1:], ".freeze"), true
}

// closing returns the delimiter that ends a %-literal opened with c.
func closing(c byte) (byte, bool) {
	switch c {
	case '(':
		return ')', true
	case '[':
		return ']', true
	case '{':
		return '}', true
	case '<':
		return '>', true
	}
	if c > ' ' && c < 0x7f && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
		return c, true
	}
	return 0, false
}

// scanString reads one string literal from the start of s: "...", '...',
// %q(...), %Q(...) or %(...), then an optional .freeze. Double-quoted and
// %Q strings with interpolation (#{}, #@, #$) are not literals. Nested
// brackets in a %-literal are not supported (a gem name or version has
// none).
func scanString(s string) (string, string, bool) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", s, false
	}
	var (
		val, rest string
		ok        bool
	)
	switch {
	case s[0] == '"':
		val, rest, ok = scanQuoted(s[1:], '"', true)
	case s[0] == '\'':
		val, rest, ok = scanQuoted(s[1:], '\'', false)
	case len(s) >= 3 && (s[:2] == "%q" || s[:2] == "%Q"):
		c, cok := closing(s[2])
		if !cok {
			return "", s, false
		}
		val, rest, ok = scanQuoted(s[3:], c, s[1] == 'Q')
	case len(s) >= 2 && s[0] == '%':
		c, cok := closing(s[1])
		if !cok || s[1] == '=' {
			return "", s, false
		}
		val, rest, ok = scanQuoted(s[2:], c, true)
	default:
		return "", s, false
	}
	if !ok {
		return "", s, false
	}
	return val, strings.TrimPrefix(rest, ".freeze"), true
}

// scanQuoted reads up to the closing delimiter. With escapes (double
// quotes), backslash sequences are decoded as Ruby decodes the ones a
// name, version or license can hold (\\ \" \n \t \uXXXX \u{X}), and
// interpolation makes the string not a literal; without (single quotes),
// only \\ and an escaped delimiter are decoded.
func scanQuoted(s string, end byte, escapes bool) (string, string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == end:
			return b.String(), s[i+1:], true
		case c == '\\' && i+1 < len(s):
			i++
			n := s[i]
			if !escapes {
				if n != '\\' && n != end {
					b.WriteByte('\\')
				}
				b.WriteByte(n)
				continue
			}
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, width, ok := unicodeEscape(s[i+1:])
				if !ok {
					return "", s, false
				}
				b.WriteRune(r)
				i += width
			default:
				b.WriteByte(n)
			}
		case escapes && c == '#' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '@' || s[i+1] == '$'):
			return "", s, false
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// unicodeEscape reads the XXXX of \uXXXX or the X of \u{X}.
func unicodeEscape(s string) (rune, int, bool) {
	hex, width := "", 0
	if strings.HasPrefix(s, "{") {
		end := strings.IndexByte(s, '}')
		if end < 2 || end > 7 {
			return 0, 0, false
		}
		hex, width = s[1:end], end+1
	} else {
		if len(s) < 4 {
			return 0, 0, false
		}
		hex, width = s[:4], 4
	}
	n, err := strconv.ParseUint(hex, 16, 32)
	if err != nil || !utf8.ValidRune(rune(n)) {
		return 0, 0, false
	}
	return rune(n), width, true
}
