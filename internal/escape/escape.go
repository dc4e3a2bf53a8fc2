// Package escape makes text that came from outside safe to print for
// people: a component name, a version, a file name or an excerpt of a
// file can hold terminal escape sequences, line breaks and bidirectional
// overrides that would forge or hide lines on a terminal (DESIGN.md
// §4.12). Every renderer for people (tables, Markdown, error messages)
// passes input through Text or Excerpt; machine formats (JSON, SBOMs)
// carry the text as it is, encoded by their own rules.
package escape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s with every character that can change what a terminal
// shows written as a Go-style escape: C0 and C1 control characters and
// DEL (\n, \r, \t, \x1b, \u0085), line and paragraph separators,
// bidirectional embeddings, overrides and isolates (the "Trojan Source"
// characters), and bytes that are not UTF-8 (\xff). A backslash stays as
// it is, so Windows paths read naturally; the escapes are for people, not
// a reversible encoding.
func Text(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
			i++
			continue
		}
		writeRune(&b, r)
		i += size
	}
	return b.String()
}

// Excerpt is Text of at most n runes of s, with "…" when s was cut: what
// an error message may quote of input, so that a file's content (a key a
// symlink pointed at, a line of a lockfile) never reaches a log whole.
func Excerpt(s string, n int) string {
	if n < 0 {
		n = 0
	}
	count, cut := 0, len(s)
	for i := range s {
		if count == n {
			cut = i
			break
		}
		count++
	}
	if cut == len(s) {
		return Text(s)
	}
	return Text(s[:cut]) + "…"
}

// plain reports whether s is printable ASCII only, the common case that
// needs no copy.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

func writeRune(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
		return
	case '\r':
		b.WriteString(`\r`)
		return
	case '\t':
		b.WriteString(`\t`)
		return
	}
	if !unsafeRune(r) {
		b.WriteRune(r)
		return
	}
	if r < 0x80 {
		b.WriteString(`\x`)
		b.WriteString(hex2(byte(r)))
		return
	}
	q := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(q)))
	b.WriteString(q)
}

// unsafeRune reports whether r can move the cursor, change colours,
// reorder or hide text.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202a' && r <= '\u202e': // bidi embeddings and overrides
		return true
	case r >= '\u2066' && r <= '\u2069': // bidi isolates
		return true
	case r == '\u200e' || r == '\u200f' || r == '\u061c': // bidi marks
		return true
	case r == '\ufeff': // zero-width no-break space (BOM)
		return true
	}
	return false
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// Clip returns s cut to its first n bytes followed by "...", or s when it
// is no longer than n: what an error message quotes of a field with %q
// (which does the escaping), so one hostile value cannot fill the message.
func Clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
