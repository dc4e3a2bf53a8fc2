// Package yamlpos finds the lines of mapping keys in YAML lockfiles
// (https://yaml.org/spec/1.2.2/) as their writers lay them out, block
// style with two-space indentation: pnpm-lock.yaml's "packages:" and
// "snapshots:" and yarn berry's top-level entries. Extractors decode with
// yamlsafe into maps, which keep no positions; this line scan says on
// which line each package was found. It is not a parser: flow style,
// other indentations and multi-line keys are not recognised, and a key
// it does not find has no line (0), never a wrong one for a key it does.
package yamlpos

import (
	"bytes"
	"encoding/json"
	"strings"
)

// KeyLines returns the 1-based line of each key of the block mapping that
// is the value of the top-level key section, or of the top-level mapping
// itself when section is "". Keys are unquoted as YAML quotes them.
func KeyLines(data []byte, section string) map[string]int {
	out := map[string]int{}
	indent := "  "
	in := section == ""
	if in {
		indent = ""
	}
	line := 0
	for len(data) > 0 {
		line++
		end := bytes.IndexByte(data, '\n')
		l := data
		if end >= 0 {
			l, data = data[:end], data[end+1:]
		} else {
			data = nil
		}
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 || bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			continue
		}
		top := l[0] != ' '
		if section != "" && top {
			in = string(l) == section+":"
			continue
		}
		if !in || !bytes.HasPrefix(l, []byte(indent)) || (indent != "" && l[len(indent)] == ' ') || (indent == "" && !top) {
			continue
		}
		if k, ok := key(string(l[len(indent):])); ok {
			if _, seen := out[k]; !seen {
				out[k] = line
			}
		}
	}
	return out
}

// key reads `KEY:` (the value on the lines below) or `KEY: value`.
func key(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, `"`):
		end := strings.Index(s[1:], `":`)
		for end >= 0 && strings.HasSuffix(s[:end+1], `\`) {
			next := strings.Index(s[end+2:], `":`)
			if next < 0 {
				return "", false
			}
			end += next + 1
		}
		if end < 0 {
			return "", false
		}
		var k string
		if json.Unmarshal([]byte(s[:end+2]), &k) != nil {
			return "", false
		}
		return k, true
	case strings.HasPrefix(s, "'"):
		rest := s[1:]
		var b strings.Builder
		for i := 0; i < len(rest); i++ {
			if rest[i] != '\'' {
				b.WriteByte(rest[i])
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			if strings.HasPrefix(rest[i+1:], ":") {
				return b.String(), true
			}
			return "", false
		}
		return "", false
	}
	k, _, ok := strings.Cut(s, ": ")
	if !ok {
		k, ok = strings.CutSuffix(s, ":")
	}
	return k, ok && k != ""
}
