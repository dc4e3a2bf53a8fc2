// Package jsonpos locates JSON (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259)
// decoding errors in the input: the line of a byte offset, and messages of
// the form "line: path.field: want X, got Y" (Kind and ValueKind name the
// JSON types in them, for every package that writes such messages). It also
// bounds nesting depth before any decoder runs, by a scan that knows only
// strings, escapes and brackets (it does not validate the rest of the
// syntax; the decoder does).
// Extractors that decode lockfiles with encoding/json share it, and so does
// vulndb/osv for OSV records: it sits under internal/ at the top level so
// both trees may import it.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// MaxDepth bounds JSON nesting; lockfiles go less than ten levels deep.
const MaxDepth = 64

// CheckDepth rejects JSON nested deeper than MaxDepth before any decoding,
// so no decoder recurses on hostile input. It reports the line of the first
// bracket too deep.
func CheckDepth(data []byte) error {
	if off, ok := TooDeep(data, MaxDepth); ok {
		return fmt.Errorf("%d: JSON nested deeper than %d levels", LineAt(data, int64(off)), MaxDepth)
	}
	return nil
}

// TooDeep returns the byte offset of the first '{' or '[' that opens a
// level deeper than limit, and whether there is one. Brackets inside
// strings do not count. Callers with their own limit or error text use it
// directly.
func TooDeep(data []byte, limit int) (off int, found bool) {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > limit {
				return i, true
			}
		case '}', ']':
			depth--
		}
	}
	return 0, false
}

// LineAt returns the 1-based line of byte offset off.
func LineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// Position returns the 1-based line and column (in bytes) of the byte at
// offset off.
func Position(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	return bytes.Count(before, []byte{'\n'}) + 1, int(off) - bytes.LastIndexByte(before, '\n')
}

// Lines gives the lines of ascending offsets in one buffer in time linear
// in the buffer: LineAt counts from the start each time, which is
// quadratic when a decoder asks for the line of every entry (a
// composer.lock of 80,000 packages took 16 s).
type Lines struct {
	data []byte
	off  int64
	line int
}

// NewLines starts counting at the start of data.
func NewLines(data []byte) *Lines { return &Lines{data: data, line: 1} }

// At returns the 1-based line of off. Offsets asked in ascending order
// cost only the bytes between them; an earlier offset starts again.
func (l *Lines) At(off int64) int {
	off = max(0, min(off, int64(len(l.data))))
	if off < l.off {
		l.off, l.line = 0, 1
	}
	l.line += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return l.line
}

// ValueStart skips the whitespace and comma a json.Decoder's InputOffset
// leaves before the next value.
func ValueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// Describe turns a decoding error of the value starting at byte start into
// "line: path.field: want X, got Y".
func Describe(data []byte, start int64, path string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		p := path
		if te.Field != "" {
			if p != "" {
				p += "."
			}
			p += te.Field
		}
		return fmt.Errorf("%d: %swant %s, got %s", LineAt(data, start+te.Offset), Prefix(p), Kind(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("%d: %s%v", LineAt(data, se.Offset), Prefix(path), err)
	}
	return fmt.Errorf("%d: %s%v", LineAt(data, start), Prefix(path), err)
}

// Prefix returns "path: ", or nothing for the top level.
func Prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

// Kind names the Go type a decoder wanted the way a JSON document spells
// it, for "want X, got Y" messages: "object", "array", "string", "number"
// or "boolean", and "RFC 3339 time string" for a time.Time, which decodes
// from a string. Other types keep their Go name; a nil type (an error that
// names none) is "a different type".
func Kind(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	if t == timeType {
		return "RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return t.String()
}

var timeType = reflect.TypeFor[time.Time]()

// ValueKind names the JSON type of the value raw holds, for "got X" in
// messages: "object", "array", "string", "boolean", "null", "number", or
// "nothing" for empty input. It looks at the first byte only: raw is a
// value the decoder already accepted (a json.RawMessage).
func ValueKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
