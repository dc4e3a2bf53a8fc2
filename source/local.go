package source

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source/rootfs"
)

// openDir opens a directory; target is what the user typed, dir the path.
func openDir(target, dir string) (*Source, error) {
	a, err := abs(dir)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(a)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", target)
	}
	fsys, err := rootfs.New(a)
	if err != nil {
		return nil, err
	}
	if _, err := fsys.ReadDir("."); err != nil {
		// A target that cannot be read at all is an error, not an empty
		// inventory.
		fsys.Close()
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return &Source{fsys: fsys, target: inventory.Target{Name: target, Kind: KindDirectory}, root: dir, close: fsys.Close}, nil
}

// sniffSize is how much of a file is read to tell an SBOM by content.
const sniffSize = 64 << 10

// openFile opens a single file. With sniff, a file whose first bytes are
// an SBOM is opened as one.
func openFile(target, file string, sniff bool) (*Source, error) {
	a, err := abs(file)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(a)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file or directory", target)
	}
	h := sha256.New()
	head := make([]byte, sniffSize)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	head = head[:n]
	if sniff {
		if _, err := sbom.Detect(head); err == nil {
			return openSBOM(target, file)
		}
	}
	h.Write(head)
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	fsys, err := rootfs.New(filepath.Dir(a))
	if err != nil {
		return nil, err
	}
	return &Source{
		fsys:   fsys,
		only:   []string{filepath.Base(a)},
		root:   filepath.Dir(file),
		target: inventory.Target{Name: target, Kind: KindFile, Digest: "sha256:" + hex.EncodeToString(h.Sum(nil))},
		close:  fsys.Close,
	}, nil
}

// openSBOM opens an SBOM file, decoded when the inventory is asked for.
func openSBOM(target, file string) (*Source, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() && !isPipe(st.Mode()) {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file", target)
	}
	return &Source{
		target: inventory.Target{Name: target, Kind: KindSBOM},
		decode: func(context.Context) (*inventory.Inventory, error) { return decodeFile(f, st, file) },
		close:  f.Close,
	}, nil
}

func isPipe(m os.FileMode) bool { return m&os.ModeNamedPipe != 0 }

// decodeFile reads the SBOM as it streams by (see sbom.DecodeReader).
// Errors of streamed input name byte offsets; for a file small enough to
// read whole, the error is taken from reading it whole, which names the
// line and column.
func decodeFile(f *os.File, st os.FileInfo, name string) (*inventory.Inventory, error) {
	inv, _, err := sbom.DecodeReader(bufio.NewReaderSize(f, 64<<10))
	if err == nil {
		return inv, nil
	}
	if st.Mode().IsRegular() && st.Size() <= sbom.MaxSize {
		if data, rerr := limited.ReadFile(name, sbom.MaxSize); rerr == nil {
			if _, _, derr := sbom.Decode(data); derr != nil {
				err = derr
			}
		}
	}
	return nil, fmt.Errorf("%s: %w", name, err)
}

// openStdin reads an SBOM from standard input.
func openStdin(opts Options) (*Source, error) {
	r := opts.Stdin
	if r == nil {
		r = os.Stdin
	}
	return &Source{
		target: inventory.Target{Name: "stdin", Kind: KindSBOM},
		decode: func(context.Context) (*inventory.Inventory, error) {
			inv, _, err := sbom.DecodeReader(r)
			if err != nil {
				return nil, fmt.Errorf("stdin: %w", err)
			}
			return inv, nil
		},
	}, nil
}

func sortProperties(ps []inventory.Property) {
	slices.SortStableFunc(ps, func(a, b inventory.Property) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
}
