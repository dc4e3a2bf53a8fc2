package extracttest

import (
	"io/fs"
	"testing/fstest"
)

// mapFS is a one-file file system for fuzzing.
type mapFS map[string][]byte

func (m mapFS) Open(name string) (fs.File, error) {
	f := fstest.MapFS{}
	for k, v := range m {
		f[k] = &fstest.MapFile{Data: v, Mode: 0o644}
	}
	return f.Open(name)
}
