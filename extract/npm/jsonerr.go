package npm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/jsonpos"
)

// jsonError turns an encoding/json error into one that names the file, the
// line and column, and for a wrong type the JSON path of the bad field and
// what was expected, e.g.
//
//	web/package-lock.json:12:18: packages["node_modules/x"].version: want string, got number
func jsonError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := jsonpos.Position(data, syn.Offset)
		return fmt.Errorf("%s:%d:%d: invalid JSON: %v", name, line, col, syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		p, start := jsonPathAt(data, typ.Offset)
		line, col := jsonpos.Position(data, start)
		if p == "" {
			p = "top level"
		}
		return fmt.Errorf("%s:%d:%d: %s: want %s, got %s", name, line, col, p, jsonpos.Kind(typ.Type), typ.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: invalid JSON: unexpected end of input", name)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// jsonPathAt walks the document's tokens and returns the path of the value
// whose first token ends at off, and where that value starts, which is where encoding/json reports a type
// mismatch (after a scalar, or after the "{" or "[" of a composite).
// encoding/json's own UnmarshalTypeError.Field leaves map keys out, and
// lockfiles are keyed by package paths, so the path is rebuilt here. It runs
// only on the error path.
func jsonPathAt(data []byte, off int64) (string, int64) {
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(data))
	render := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case !f.object:
				fmt.Fprintf(&b, "[%d]", f.index)
			case isIdent(f.key) && b.Len() == 0:
				b.WriteString(f.key)
			case isIdent(f.key):
				b.WriteString("." + f.key)
			default:
				b.WriteString("[" + strconv.Quote(f.key) + "]")
			}
		}
		return b.String()
	}
	// advance records that the innermost container finished one value.
	advance := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	for {
		prev := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return render(), off
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if k, ok := tok.(string); ok {
				stack[n-1].key = k
				stack[n-1].wantKey = false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:max(len(stack)-1, 0)]
			advance()
			continue
		}
		// tok is a value: a scalar or the start of an object or array.
		if dec.InputOffset() >= off {
			// The token began after the separators that follow the
			// previous one.
			start := prev
			for start < int64(len(data)) && strings.IndexByte(" \t\r\n:,", data[start]) >= 0 {
				start++
			}
			return render(), start
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
			continue
		}
		advance()
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r == '$' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9' {
			continue
		}
		return false
	}
	return true
}
