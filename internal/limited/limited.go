// Package limited reads outside input whole, within a size limit
// (DESIGN.md §4.10): it never reads more than the limit plus one byte, so
// a file or a stream that is too large costs no more memory than the
// limit, and the error says which limit it broke.
//
// The CLI (SBOMs, VEX documents, signals files), vulndb (OSV records and
// the KEV catalogue from a mirror directory) and extract (every file an
// extractor reads, through extract.ReadFile) share it.
package limited

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by the error for input over its limit.
var ErrTooLarge = errors.New("file exceeds the size limit")

// ReadAll reads r to its end, failing with ErrTooLarge (and the limit)
// once it would hold more than limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, limit)
	}
	return data, nil
}

// ReadFile is os.ReadFile within limit bytes. Like os.ReadFile's, every
// error names the file.
func ReadFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}
