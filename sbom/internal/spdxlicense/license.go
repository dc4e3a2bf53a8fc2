// Package spdxlicense knows the SPDX license list and the SPDX license
// expression syntax (SPDX 2.3 Annex D,
// https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/), which
// both SBOM encoders need to decide whether a license string is an SPDX
// identifier, an expression or a free-form name.
//
// The identifiers come from the list the CycloneDX schema ships
// (spdx.SNAPSHOT.schema.json), generated into ids.txt by gen.go. Covered:
// license and exception identifiers, LicenseRef-/DocumentRef- references,
// the "+" suffix, AND, OR, WITH and parentheses. Operators are matched case
// sensitively, as Annex D asks.
package spdxlicense

//go:generate go run gen.go ../../../../shared/data/schemas/cyclonedx/spdx.SNAPSHOT.schema.json ids.txt

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed ids.txt
var idList string

// ids maps the lower-cased identifier to its canonical spelling. SPDX
// identifiers match case-insensitively (Annex D.2).
var ids = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, 900)
	for line := range strings.SplitSeq(idList, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		m[strings.ToLower(line)] = line
	}
	return m
})

// IDs returns the identifiers of the embedded list, in its order.
func IDs() []string {
	var out []string
	for line := range strings.SplitSeq(idList, "\n") {
		if line != "" && line[0] != '#' {
			out = append(out, line)
		}
	}
	return out
}

// ID returns the canonical spelling of a license or exception identifier on
// the SPDX list, and whether s is one.
func ID(s string) (string, bool) {
	id, ok := ids()[strings.ToLower(s)]
	return id, ok
}

// IsRef reports whether s is a LicenseRef-… or DocumentRef-…:LicenseRef-…
// reference, which expressions may use for licenses not on the list.
func IsRef(s string) bool {
	if doc, ref, ok := strings.Cut(s, ":"); ok {
		return strings.HasPrefix(doc, "DocumentRef-") && idstring(doc[len("DocumentRef-"):]) && IsRef(ref)
	}
	return strings.HasPrefix(s, "LicenseRef-") && idstring(s[len("LicenseRef-"):])
}

// idstring: 1*(ALPHA / DIGIT / "-" / ".") per Annex D.
func idstring(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Ref makes a LicenseRef- identifier from a free-form license name.
func Ref(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		if r < 128 && r != '-' && idstring(string(r)) {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	body := strings.Trim(b.String(), "-")
	if body == "" {
		body = "unnamed"
	}
	return "LicenseRef-" + body
}

// maxTokens bounds the work spent on one expression.
const maxTokens = 1024

// Expression parses s as an SPDX license expression. It returns the
// expression with identifiers in their canonical spelling, single spaces
// and no redundant outer parentheses, and whether s is a valid expression.
// A lone identifier is a valid expression too.
func Expression(s string) (string, bool) {
	toks, ok := tokenize(s)
	if !ok || len(toks) == 0 {
		return "", false
	}
	p := parser{toks: toks}
	if !p.expr(0) || p.i != len(toks) {
		return "", false
	}
	return render(stripOuter(p.out)), true
}

// IsCompound reports whether a valid expression has an operator, that is,
// it is more than one identifier.
func IsCompound(expr string) bool {
	return strings.Contains(expr, " ")
}

func tokenize(s string) ([]string, bool) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
		if len(toks) > maxTokens {
			return nil, false
		}
	}
	return toks, true
}

// parser is a recursive-descent parser for the Annex D grammar:
//
//	expr     = and *("OR" and)
//	and      = with *("AND" with)
//	with     = simple ["WITH" exception]
//	simple   = id ["+"] / ref / "(" expr ")"
type parser struct {
	toks []string
	i    int
	out  []string
}

const maxDepth = 64

func (p *parser) expr(depth int) bool {
	if depth > maxDepth || !p.and(depth) {
		return false
	}
	for p.peek() == "OR" {
		p.out = append(p.out, "OR")
		p.i++
		if !p.and(depth) {
			return false
		}
	}
	return true
}

func (p *parser) and(depth int) bool {
	if !p.with(depth) {
		return false
	}
	for p.peek() == "AND" {
		p.out = append(p.out, "AND")
		p.i++
		if !p.with(depth) {
			return false
		}
	}
	return true
}

func (p *parser) with(depth int) bool {
	if !p.simple(depth) {
		return false
	}
	if p.peek() == "WITH" {
		p.i++
		id, ok := ID(p.peek())
		if !ok {
			return false
		}
		p.out = append(p.out, "WITH", id)
		p.i++
	}
	return true
}

func (p *parser) simple(depth int) bool {
	t := p.peek()
	switch {
	case t == "(":
		p.out = append(p.out, "(")
		p.i++
		if !p.expr(depth+1) || p.peek() != ")" {
			return false
		}
		p.out = append(p.out, ")")
		p.i++
		return true
	case t == "" || t == ")" || t == "AND" || t == "OR" || t == "WITH":
		return false
	case IsRef(t):
		p.out = append(p.out, t)
		p.i++
		return true
	}
	plus := strings.HasSuffix(t, "+")
	id, ok := ID(strings.TrimSuffix(t, "+"))
	if !ok {
		// Deprecated ids such as "GPL-2.0+" are on the list with their "+".
		if id, ok = ID(t); !ok {
			return false
		}
		plus = false
	}
	if plus {
		id += "+"
	}
	p.out = append(p.out, id)
	p.i++
	return true
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// stripOuter drops parentheses that enclose the whole token list.
func stripOuter(toks []string) []string {
	for len(toks) >= 2 && toks[0] == "(" && toks[len(toks)-1] == ")" && matching(toks) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	return toks
}

// matching returns the index of the parenthesis closing toks[0].
func matching(toks []string) int {
	depth := 0
	for i, t := range toks {
		switch t {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func render(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t != ")" && toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// SplitAnd splits a valid expression at its top-level ANDs: "MIT AND
// (A OR B)" gives "MIT" and "A OR B". Encoders join several licenses of a
// package with AND; decoders split them again so a package keeps its list.
func SplitAnd(expr string) []string {
	toks, ok := tokenize(expr)
	if !ok {
		return []string{expr}
	}
	toks = stripOuter(toks)
	var out []string
	depth, start := 0, 0
	for i, t := range toks {
		switch t {
		case "(":
			depth++
		case ")":
			depth--
		case "OR":
			if depth == 0 {
				return []string{render(toks)} // AND binds tighter: no top-level AND terms to split
			}
		case "AND":
			if depth == 0 {
				out = append(out, render(stripOuter(toks[start:i])))
				start = i + 1
			}
		}
	}
	return append(out, render(stripOuter(toks[start:])))
}

// Join combines valid expressions into one with AND, parenthesising those
// that have a top-level OR.
func Join(terms []string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if len(SplitAnd(t)) == 1 && strings.Contains(t, " OR ") {
			b.WriteString("(" + t + ")")
		} else {
			b.WriteString(t)
		}
	}
	return b.String()
}
