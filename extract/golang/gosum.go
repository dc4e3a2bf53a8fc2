package golang

import (
	"bytes"
	"fmt"
	"strings"
)

// maxGoSumLines bounds how many lines of one go.sum are read; the largest
// real go.sum files have a few tens of thousands.
const maxGoSumLines = 1 << 20

// modVersion keys go.sum entries.
type modVersion struct{ path, version string }

// parseGoSum reads a go.sum file (https://go.dev/ref/mod#go-sum-files):
// lines of "module version hash", where version ends in "/go.mod" for the
// hash of the module's go.mod file alone. It returns the "h1:" hash of each
// module zip; "/go.mod" lines and hashes of algorithms other than h1 are
// skipped. Like the go command it rejects lines without three fields, and
// it rejects h1 values that are not base64 of a SHA-256, naming the line.
func parseGoSum(name string, data []byte) (map[modVersion]string, error) {
	sums := make(map[modVersion]string)
	lineno := 0
	for len(data) > 0 {
		lineno++
		if lineno > maxGoSumLines {
			return nil, fmt.Errorf("%s: more than %d lines", name, maxGoSumLines)
		}
		var line []byte
		line, data, _ = bytes.Cut(data, []byte{'\n'})
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue // the go command tolerates blank lines
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want \"module version hash\", got %d fields", name, lineno, len(f))
		}
		if strings.HasSuffix(f[1], "/go.mod") {
			continue
		}
		if !strings.HasPrefix(f[2], "h1:") {
			continue // a hash algorithm this version of Go does not define
		}
		if _, ok := h1ToHash(f[2]); !ok {
			return nil, fmt.Errorf("%s:%d: %s %s: hash %q: want \"h1:\" and base64 of 32 bytes", name, lineno, f[0], f[1], f[2])
		}
		sums[modVersion{f[0], f[1]}] = f[2]
	}
	return sums, nil
}
