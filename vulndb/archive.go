package vulndb

import (
	"archive/zip"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Limits on archives read from outside. OSV's largest export (Debian) is
// well under a GiB compressed; JSON compresses about 5:1, rarely past 30:1.
const (
	MaxArchiveSize   = 4 << 30  // bytes of all.zip on disk
	MaxArchiveFiles  = 2 << 20  // entries in one zip
	MaxUnpackedTotal = 64 << 30 // bytes of all entries together
	MaxRatio         = 100      // uncompressed:compressed, per entry, above 1 MiB

	// MaxArchiveRatio bounds what a whole archive may inflate to, as a
	// multiple of its size on disk: bytes inflated, counted as they are
	// read, may not pass MaxArchiveRatio × the zip's size plus
	// MinUnpackedAllowance. The real exports (../shared/data/osv) inflate
	// 2.1× (npm, crates.io) to 6.3× (AlmaLinux, the most compressible);
	// 20× is three times the highest, while keeping the work an import
	// does linear in the bytes it was given. The per-entry MaxRatio alone
	// does not: 60,000 entries of exactly 1 MiB each stay under it.
	MaxArchiveRatio = 20
	// MinUnpackedAllowance lets a small archive of a few highly
	// compressible records through (one real AlmaLinux record inflates
	// 48:1): two of the largest records OSV allows.
	MinUnpackedAllowance = 2 * osv.MaxRecordSize
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
	// Decide which entries are read, and refuse the archive before any
	// of it is inflated when their ranges overlap or they would inflate
	// past the limits.
	var (
		read     []*zip.File
		declared uint64
	)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		src := name + ":" + f.Name
		if f.UncompressedSize64 > osv.MaxRecordSize {
			bad(Invalid{Source: src, Err: fmt.Errorf("entry is %d bytes, over the %d-byte record limit", f.UncompressedSize64, osv.MaxRecordSize)})
			continue
		}
		if f.UncompressedSize64 > 1<<20 && f.UncompressedSize64 > MaxRatio*max(f.CompressedSize64, 1) {
			bad(Invalid{Source: src, Err: fmt.Errorf("entry expands %d:1, over the %d:1 limit", f.UncompressedSize64/max(f.CompressedSize64, 1), MaxRatio)})
			continue
		}
		read = append(read, f)
		declared += f.UncompressedSize64
	}
	if err := checkOverlap(ctx, zr.File); err != nil {
		return fmt.Errorf("%s: %w: %v", name, ErrArchive, err)
	}
	limit := unpackLimit(st.Size())
	if declared > limit {
		return fmt.Errorf("%s: %w: entries declare %d bytes, over the limit of %d for a %d-byte archive (%dx its size + %d)",
			name, ErrArchive, declared, limit, st.Size(), MaxArchiveRatio, int64(MinUnpackedAllowance))
	}
	// The declared sizes are only a promise (archive/zip holds each entry
	// to its own, but the count here does not rely on that): the bytes
	// actually inflated are counted too.
	var inflated uint64
	for i, f := range read {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		src := name + ":" + f.Name
		data, err := readEntry(f, make([]byte, 0, f.UncompressedSize64))
		inflated += uint64(len(data))
		if inflated > limit {
			return fmt.Errorf("%s: %w: entries inflate past %d bytes, the limit for a %d-byte archive", name, ErrArchive, limit, st.Size())
		}
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

// unpackLimit is how many bytes an archive of size bytes may inflate to.
func unpackLimit(size int64) uint64 {
	return min(uint64(MaxArchiveRatio)*uint64(max(size, 0))+MinUnpackedAllowance, MaxUnpackedTotal)
}

// checkOverlap refuses a zip in which two entries share bytes. Entries
// whose data overlap let a small archive inflate the same compressed bytes
// again and again: 60,000 central-directory entries naming one 1 MiB
// record make a 3.5 MB file that inflates to 60 GiB ("overlap bomb", David
// Fifield, "A better zip bomb", 2019, https://www.bamsoftware.com/hacks/zipbomb/).
// archive/zip does not check this. A well-formed zip's entries each have
// their own local header and data, one after another, so sorting the data
// ranges by offset and finding one that starts before the previous one
// ends finds both kinds of overlap: entries naming the same local header,
// and entries whose data quote the next entry's header (Fifield's
// "quoted" overlap). An empty entry counts as one byte, so that two of
// them cannot share a header either.
func checkOverlap(ctx context.Context, files []*zip.File) error {
	type span struct {
		start, end uint64
		name       string
	}
	spans := make([]span, 0, len(files))
	for i, f := range files {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		off, err := f.DataOffset() // reads the entry's local header
		if err != nil {
			return fmt.Errorf("entry %q: %v", osv.Truncate(f.Name, 64), err)
		}
		if off < 0 || uint64(off) > math.MaxUint64-max(f.CompressedSize64, 1) {
			return fmt.Errorf("entry %q: data offset %d out of range", osv.Truncate(f.Name, 64), off)
		}
		spans = append(spans, span{uint64(off), uint64(off) + max(f.CompressedSize64, 1), f.Name})
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return fmt.Errorf("entries %q and %q overlap (bytes %d-%d and %d-%d): an overlapping zip inflates the same data many times",
				osv.Truncate(spans[i-1].name, 64), osv.Truncate(spans[i].name, 64), spans[i-1].start, spans[i-1].end, spans[i].start, spans[i].end)
		}
	}
	return nil
}

// readEntry reads one entry, trusting neither the header's size (the
// limit reader stops a lying header) nor the data (CRC checked by
// archive/zip at EOF). On an error it returns what was inflated before it,
// for the caller's count of work done.
func readEntry(f *zip.File, buf []byte) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	w := sliceWriter{buf}
	n, err := io.Copy(&w, io.LimitReader(rc, osv.MaxRecordSize+1))
	if err != nil {
		return w.b, err
	}
	if n > osv.MaxRecordSize {
		return w.b, fmt.Errorf("entry expands past the %d-byte record limit", osv.MaxRecordSize)
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
	data, err := limited.ReadFile(name, osv.MaxRecordSize)
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
