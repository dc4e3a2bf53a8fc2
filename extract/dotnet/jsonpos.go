package dotnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// maxDepth bounds JSON nesting; packages.lock.json goes four levels deep.
const maxDepth = 64

// checkDepth rejects JSON nested deeper than maxDepth before any decoding,
// so no decoder recurses on hostile input. It reports the line of the first
// bracket too deep.
func checkDepth(data []byte) error {
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
			if depth > maxDepth {
				return fmt.Errorf("%d: JSON nested deeper than %d levels", lineAt(data, int64(i)), maxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// lineAt returns the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// valueStart skips the whitespace and comma a json.Decoder's InputOffset
// leaves before the next value.
func valueStart(data []byte, off int64) int64 {
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

// describe turns a decoding error of the value starting at byte start into
// "line: path.field: want X, got Y".
func describe(data []byte, start int64, path string, err error) error {
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
		return fmt.Errorf("%d: %swant %s, got %s", lineAt(data, start+te.Offset), prefix(p), jsonKind(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("%d: %s%v", lineAt(data, se.Offset), prefix(path), err)
	}
	return fmt.Errorf("%d: %s%v", lineAt(data, start), prefix(path), err)
}

func prefix(path string) string {
	if path == "" {
		return ""
	}
	return path + ": "
}

// jsonKind names Go kinds the way JSON does.
func jsonKind(k string) string {
	switch k {
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int64", "float64", "uint", "uint64":
		return "number"
	case "bool":
		return "boolean"
	}
	return k
}
