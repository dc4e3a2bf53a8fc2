package dpkg

import (
	"fmt"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// field is one "Name: value" field of a deb822 paragraph. value is the raw
// text after the colon up to the end of the field's last continuation
// line, a substring of the input (no copy).
type field struct {
	name  string
	value string
	line  int
	start int // offset of value in the input
}

// firstLine is the field's value on its own line (the Description synopsis).
func (f field) firstLine() string {
	v := f.value
	if i := strings.IndexByte(v, '\n'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// folded is the value with continuation lines joined by spaces, as deb822
// folded fields (Depends, Provides) are read.
func (f field) folded() string {
	v := strings.TrimSpace(f.value)
	if strings.IndexByte(v, '\n') < 0 {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

// syntaxError is a malformed line; the caller adds the file name.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d: %s", e.line, e.msg) }

// maxFieldsPerParagraph bounds one paragraph; dpkg's own records have
// about twenty fields.
const maxFieldsPerParagraph = 1000

// paragraphs splits deb822 text (https://manpages.debian.org/deb822.5)
// into paragraphs and calls fn with each one's first line and fields. The
// fields slice is reused between calls. Paragraphs are separated by lines
// that are empty or hold only whitespace; a line that starts with a space
// or tab continues the field before it; a line starting with "#" is a
// comment. Anything else must be "Name: value".
func paragraphs(s string, fn func(line int, fields []field) error) error {
	var fields []field
	start := 0
	flush := func() error {
		if len(fields) == 0 {
			return nil
		}
		err := fn(start, fields)
		fields = fields[:0]
		return err
	}
	lineNo := 0
	for off := 0; off < len(s); {
		lineNo++
		end := strings.IndexByte(s[off:], '\n')
		var line string
		next := len(s)
		if end >= 0 {
			line, next = s[off:off+end], off+end+1
		} else {
			line = s[off:]
		}
		lineStart := off
		off = next
		trimmed := strings.TrimRight(line, " \t\r")
		switch {
		case trimmed == "":
			if err := flush(); err != nil {
				return err
			}
		case line[0] == ' ' || line[0] == '\t':
			if len(fields) == 0 {
				return &syntaxError{lineNo, fmt.Sprintf("continuation line outside a field: %q", escape.Clip(trimmed, 60))}
			}
			// Extend the last field's raw value to the end of this line.
			f := &fields[len(fields)-1]
			f.value = s[f.start : lineStart+len(trimmed)]
		case line[0] == '#':
			// comment
		default:
			colon := strings.IndexByte(trimmed, ':')
			if colon <= 0 {
				return &syntaxError{lineNo, fmt.Sprintf(`want "Field: value", got %q`, escape.Clip(trimmed, 60))}
			}
			name := trimmed[:colon]
			if strings.ContainsAny(name, " \t") {
				return &syntaxError{lineNo, fmt.Sprintf("field name %q contains whitespace", escape.Clip(name, 60))}
			}
			if len(fields) == 0 {
				start = lineNo
			}
			if len(fields) >= maxFieldsPerParagraph {
				return &syntaxError{lineNo, fmt.Sprintf("more than %d fields in one paragraph", maxFieldsPerParagraph)}
			}
			vs := lineStart + colon + 1
			fields = append(fields, field{name: name, value: s[vs : lineStart+len(trimmed)], line: lineNo, start: vs})
		}
	}
	return flush()
}
