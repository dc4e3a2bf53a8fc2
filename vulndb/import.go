package vulndb

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// ImportStats says what an import loaded and what it skipped.
type ImportStats struct {
	// Records is the number of valid records written.
	Records int `json:"records"`
	// Ecosystems counts the records written per base ecosystem of their
	// affected packages (a record naming two ecosystems counts in both).
	Ecosystems map[string]int `json:"ecosystems"`
	// GitRanges counts records with GIT ranges, which are stored but which
	// matching cannot evaluate (it needs the repository's commit graph).
	GitRanges int `json:"git_ranges"`
	// Removed counts records deleted because a full export no longer has
	// them.
	Removed int `json:"removed,omitempty"`
	// KEV is the number of CVEs in the KEV catalogue loaded, if any.
	KEV int `json:"kev,omitempty"`
	// Invalid lists the inputs skipped, sorted by source.
	Invalid []Invalid `json:"-"`
}

func (s *ImportStats) add(rec *osv.Record) {
	s.Records++
	seen := map[string]bool{}
	git := false
	for _, a := range rec.Affected {
		for _, r := range a.Ranges {
			git = git || r.Type == osv.RangeGit
		}
		if a.Package == nil {
			continue
		}
		e := osv.BaseEcosystem(a.Package.Ecosystem)
		if !seen[e] {
			seen[e] = true
			s.Ecosystems[e]++
		}
	}
	if git {
		s.GitRanges++
	}
}

// ImportOptions configures Import.
type ImportOptions struct {
	// Fresh starts from an empty database instead of adding to the live one.
	Fresh bool
	// Progress, when set, receives a line per input.
	Progress io.Writer
}

// Import loads OSV records (all.zip files, directories of JSON, single
// records) and KEV catalogues from paths into the database in dir, as one
// atomic change: if any path cannot be read at all, nothing is written.
// Records that are invalid are skipped and listed in the stats.
func Import(ctx context.Context, dir string, paths []string, opts ImportOptions) (*ImportStats, error) {
	b, err := Begin(ctx, dir, opts.Fresh)
	if err != nil {
		return nil, err
	}
	stats := &ImportStats{Ecosystems: map[string]int{}}
	sources := map[string][]string{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			b.Abort()
			return nil, err
		}
		if kev, ok, err := readKEVFile(p); err != nil {
			b.Abort()
			return nil, err
		} else if ok {
			if err := b.PutKEV(ctx, kev, sourceName(p)); err != nil {
				b.Abort()
				return nil, err
			}
			stats.KEV = len(kev.Vulnerabilities)
			progress(opts.Progress, "%s: KEV catalogue %s, %d CVEs\n", p, kev.CatalogVersion, stats.KEV)
			continue
		}
		before := stats.Records
		perEco := maps.Clone(stats.Ecosystems)
		if err := b.load(ctx, stats, nil, func(emit entryFunc, bad func(Invalid)) error {
			return readPath(ctx, p, emit, bad)
		}); err != nil {
			b.Abort()
			return nil, err
		}
		// The ecosystems this path brought records for came from it: db
		// status shows where, and db update refreshes them.
		for eco, n := range stats.Ecosystems {
			if n > perEco[eco] {
				sources[eco] = append(sources[eco], sourceName(p))
			}
		}
		progress(opts.Progress, "%s: %d records\n", p, stats.Records-before)
	}
	for _, eco := range slices.Sorted(maps.Keys(sources)) {
		if err := b.SetSource(ctx, eco, strings.Join(sources[eco], ", ")); err != nil {
			b.Abort()
			return nil, err
		}
	}
	if err := b.Commit(ctx); err != nil {
		return nil, err
	}
	sortInvalid(stats.Invalid)
	return stats, nil
}

// sourceName is how an imported path is recorded: absolute, so that db
// status says where the data came from whatever directory import ran in.
func sourceName(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func sortInvalid(inv []Invalid) {
	slices.SortFunc(inv, func(a, b Invalid) int { return cmp.Compare(a.Source, b.Source) })
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// readKEVFile reads p when it is a KEV catalogue (a JSON file with
// catalogVersion and vulnerabilities); ok is false for anything else.
func readKEVFile(p string) (*kev.Catalog, bool, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, false, err
	}
	if st.IsDir() || isZip(p) {
		return nil, false, nil
	}
	data, err := limited.ReadFile(p, kev.MaxSize) // its errors name p
	if err != nil {
		return nil, false, err
	}
	if !bytes.Contains(data, []byte(`"catalogVersion"`)) || !kev.LooksLike(data) {
		return nil, false, nil
	}
	c, err := kev.Parse(data)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", p, err)
	}
	return c, true, nil
}

type parsedEntry struct {
	rec       *osv.Record
	enc, scan []byte
	bad       *Invalid
}

// load runs read, which emits raw entries, through a pool of parsers
// (parsing and deflating are most of the work) and writes the results from
// this goroutine, as SQLite wants one writer. When ids is not nil the IDs
// written are added to it.
func (b *Builder) load(ctx context.Context, stats *ImportStats, ids map[string]bool, read func(entryFunc, func(Invalid)) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type item struct {
		src  string
		data []byte
	}
	in := make(chan item, 64)
	out := make(chan parsedEntry, 64)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range in {
				rec, err := osv.ParseRecord(it.data)
				var pe parsedEntry
				if err != nil {
					pe.bad = &Invalid{Source: it.src, ID: recordID(err), Err: err}
				} else if enc, err := encodeStored(it.data); err != nil {
					pe.bad = &Invalid{Source: it.src, ID: rec.ID, Err: err}
				} else if scan, err := scanForm(rec); err != nil {
					pe.bad = &Invalid{Source: it.src, ID: rec.ID, Err: err}
				} else {
					pe.rec, pe.enc, pe.scan = rec, enc, scan
				}
				select {
				case out <- pe:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		err := read(func(src string, data []byte) error {
			select {
			case in <- item{src, data}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, func(iv Invalid) {
			select {
			case out <- parsedEntry{bad: &iv}:
			case <-ctx.Done():
			}
		})
		close(in)
		wg.Wait()
		close(out)
		readErr <- err
	}()
	var writeErr error
	for pe := range out {
		if writeErr != nil {
			continue // drain so the producers finish
		}
		if pe.bad != nil {
			stats.Invalid = append(stats.Invalid, *pe.bad)
			continue
		}
		if err := b.putEncoded(ctx, pe.rec, pe.enc, pe.scan); err != nil {
			writeErr = err
			cancel()
			continue
		}
		stats.add(pe.rec)
		if ids != nil {
			ids[pe.rec.ID] = true
		}
	}
	if err := <-readErr; err != nil && writeErr == nil {
		return err
	}
	return writeErr
}
