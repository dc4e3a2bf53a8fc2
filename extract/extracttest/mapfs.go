package extracttest

import (
	"io/fs"
	"testing/fstest"
)

// mapFS is a file system of files held in memory, each mode 0644.
type mapFS map[string][]byte

func (m mapFS) Open(name string) (fs.File, error) {
	f := fstest.MapFS{}
	for k, v := range m {
		f[k] = &fstest.MapFile{Data: v, Mode: 0o644}
	}
	return f.Open(name)
}
