package jsonpos

import (
	"encoding/json"
	"strconv"
)

// MemberLines returns the 1-based line of each member of the value at path
// (object keys to follow, from the top): for an object, its keys; for an
// array, its indexes ("0", "1", ...), each with the line its value starts
// on. Extractors that decode a lockfile with encoding/json, which keeps no
// positions, use it to say on which line a package was found. It scans
// the bytes once, knowing only strings, escapes, brackets, ':' and ',';
// the decoder has already checked the syntax. A key that appears twice
// keeps its first line. The result is nil when path leads nowhere.
func MemberLines(data []byte, path ...string) map[string]int {
	type frame struct {
		array     bool
		key       string // this container's key in its parent
		expectKey bool   // object: the next string is a key
		index     int    // array: elements begun
		matches   bool   // the frames down to this one follow path
	}
	var (
		out     map[string]int
		stack   []frame
		line    = 1
		pending string // the key just read, waiting for its value
	)
	target := len(path) + 1 // the depth of the members wanted
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '\n':
			line++
			continue
		case ' ', '\t', '\r', ':':
			continue
		case ',':
			if n := len(stack); n > 0 && !stack[n-1].array {
				stack[n-1].expectKey = true
			}
			continue
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		// A value starts here, or, in an object, a key.
		n := len(stack)
		if n > 0 && !stack[n-1].array && stack[n-1].expectKey && c == '"' {
			end := stringEnd(data, i)
			// Keys deeper than the members wanted are never looked at:
			// not decoding them keeps the scan free of allocations there.
			pending = ""
			if n <= target && stack[n-1].matches {
				pending = unquote(data[i:end])
			}
			stack[n-1].expectKey = false
			if n == target && stack[n-1].matches {
				if out == nil {
					out = map[string]int{}
				}
				if _, seen := out[pending]; !seen {
					out[pending] = line
				}
			}
			i = end - 1
			continue
		}
		key := pending
		if n > 0 && stack[n-1].array {
			key = strconv.Itoa(stack[n-1].index)
			stack[n-1].index++
			if n == target && stack[n-1].matches {
				if out == nil {
					out = map[string]int{}
				}
				out[key] = line
			}
		}
		switch c {
		case '{', '[':
			matches := n == 0 || (stack[n-1].matches && n <= len(path) && path[n-1] == key)
			stack = append(stack, frame{array: c == '[', key: key, expectKey: c == '{', matches: matches})
		case '"':
			i = stringEnd(data, i) - 1
		}
	}
	return out
}

// stringEnd returns the offset just past the string that starts at i (a
// '"'), or len(data) when it does not end.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// unquote decodes a JSON string literal; one that does not decode is kept
// as written, quotes removed.
func unquote(lit []byte) string {
	for _, b := range lit {
		if b == '\\' {
			var s string
			if json.Unmarshal(lit, &s) == nil {
				return s
			}
			break
		}
	}
	if len(lit) >= 2 {
		return string(lit[1 : len(lit)-1])
	}
	return ""
}
