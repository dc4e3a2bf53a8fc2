package vulndb

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Limits on archives read from outside. OSV's largest export (Debian) is
// well under a GiB compressed; JSON compresses about 5:1, rarely past 30:1.
const (
	MaxArchiveSize   = 4 << 30  // bytes of all.zip on disk
	MaxArchiveFiles  = 2 << 20  // entries in one zip
	MaxUnpackedTotal = 64 << 30 // bytes of all entries together
	MaxRatio         = 100      // uncompressed:compressed, per entry, above 1 MiB
)

// ErrArchive is wrapped by errors about a zip as a whole (not a zip, too
// large, too many entries): nothing of such a file is imported.
var ErrArchive = errors.New("bad archive")

// Invalid is an input that was skipped: a record that is not valid OSV or
// an archive entry that could not be read.
type Invalid struct {
	// Source is the file, or "file.zip:entry", the record came from.
	Source string
	// ID is the record's ID when it could be read.
	ID  string
	Err error
}

func (i Invalid) String() string { return fmt.Sprintf("%s: %v", i.Source, i.Err) }

// entryFunc receives the raw bytes of each candidate record and where
// they came from. It owns data.
type entryFunc func(src string, data []byte) error

// readZip calls fn for every .json entry of the zip at name; invalid
// entries go to bad. Errors about the archive as a whole wrap ErrArchive.
func readZip(ctx context.Context, name string, fn entryFunc, bad func(Invalid)) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if st.Size() > MaxArchiveSize {
		return fmt.Errorf("%s: %w: %d bytes, over the %d-byte limit", name, ErrArchive, st.Size(), int64(MaxArchiveSize))
	}
	zr, err := zip.OpenReader(name)
	if err != nil {
		return fmt.Errorf("%s: %w: %v", name, ErrArchive, err)
	}
	defer zr.Close()
	if len(zr.File) > MaxArchiveFiles {
		return fmt.Errorf("%s: %w: %d entries, over the limit of %d", name, ErrArchive, len(zr.File), MaxArchiveFiles)
	}
	var total uint64
	for i, f := range zr.File {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		src := name + ":" + f.Name
		if f.UncompressedSize64 > MaxRecordSize {
			bad(Invalid{Source: src, Err: fmt.Errorf("entry is %d bytes, over the %d-byte record limit", f.UncompressedSize64, MaxRecordSize)})
			continue
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > MaxRatio*max(f.CompressedSize64, 1) {
			bad(Invalid{Source: src, Err: fmt.Errorf("entry expands %d:1, over the %d:1 limit", f.UncompressedSize64/max(f.CompressedSize64, 1), MaxRatio)})
			continue
		}
		total += f.UncompressedSize64
		if total > MaxUnpackedTotal {
			return fmt.Errorf("%s: %w: entries expand past %d bytes", name, ErrArchive, int64(MaxUnpackedTotal))
		}
		data, err := readEntry(f, make([]byte, 0, f.UncompressedSize64))
		if err != nil {
			bad(Invalid{Source: src, Err: err})
			continue
		}
		if err := fn(src, data); err != nil {
			return err
		}
	}
	return nil
}

// readEntry reads one entry, trusting neither the header's size (the
// limit reader stops a lying header) nor the data (CRC checked by
// archive/zip at EOF).
func readEntry(f *zip.File, buf []byte) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	w := sliceWriter{buf}
	n, err := io.Copy(&w, io.LimitReader(rc, MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if n > MaxRecordSize {
		return nil, fmt.Errorf("entry expands past the %d-byte record limit", MaxRecordSize)
	}
	return w.b, nil
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

func recordID(err error) string { return osv.RecordID(err) }

// readPath reads records from name: a zip, a directory (walked for .json
// files, zips inside are read too), or one JSON record.
func readPath(ctx context.Context, name string, fn entryFunc, bad func(Invalid)) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if st.IsDir() {
		var files []string
		err := filepath.WalkDir(name, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != name {
				return filepath.SkipDir
			}
			ext := path.Ext(d.Name())
			if !d.IsDir() && (ext == ".json" || ext == ".zip") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(files)
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := readPath(ctx, f, fn, bad); err != nil {
				if errors.Is(err, ErrArchive) {
					bad(Invalid{Source: f, Err: err})
					continue
				}
				return err
			}
		}
		return nil
	}
	if isZip(name) {
		return readZip(ctx, name, fn, bad)
	}
	data, err := readFileLimit(name, MaxRecordSize)
	if err != nil {
		bad(Invalid{Source: name, Err: err})
		return nil
	}
	return fn(name, data)
}

func isZip(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return strings.HasSuffix(name, ".zip")
	}
	return string(magic[:]) == "PK\x03\x04" || string(magic[:]) == "PK\x05\x06" || strings.HasSuffix(name, ".zip")
}

func readFileLimit(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file is over the %d-byte limit", limit)
	}
	return data, nil
}
