// Package tomlpos finds where things are in a TOML document
// (https://toml.io/en/v1.0.0) that github.com/BurntSushi/toml decodes
// without positions: the lines of the headers of an array of tables
// ([[package]] in Cargo.lock, poetry.lock, uv.lock, pdm.lock), so that
// extractors can say on which line each package was found. It is a line
// scan, not a parser: a header is a line whose first non-blank text is
// [[NAME]]; callers use the lines only when their count matches the tables
// the decoder returned.
package tomlpos

import "bytes"

// ArrayTables returns the 1-based lines of the [[name]] headers, in order.
func ArrayTables(data []byte, name string) []int {
	header := []byte("[[" + name + "]]")
	var lines []int
	line := 1
	for len(data) > 0 {
		end := bytes.IndexByte(data, '\n')
		l := data
		if end >= 0 {
			l = data[:end]
		}
		l = bytes.TrimLeft(l, " \t")
		if bytes.HasPrefix(l, header) {
			if rest := bytes.TrimSpace(l[len(header):]); len(rest) == 0 || rest[0] == '#' {
				lines = append(lines, line)
			}
		}
		if end < 0 {
			break
		}
		data = data[end+1:]
		line++
	}
	return lines
}
