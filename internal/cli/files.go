package cli

import (
	"fmt"
	"io"
	"os"
)

// readLimited reads a file no larger than limit bytes: everything the CLI
// reads from outside (SBOMs, VEX, configs, signals) goes through it.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than the %d-byte limit", name, limit)
	}
	return data, nil
}
