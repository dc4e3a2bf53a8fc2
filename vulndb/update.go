package vulndb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Where `hallmark db update` downloads from by default.
const (
	DefaultSource = "https://osv-vulnerabilities.storage.googleapis.com"
	DefaultKEVURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
)

// An incremental update fetches changed records one by one; past this many
// it is cheaper to fetch the whole export again.
const maxIncremental = 200

// maxCSVSize bounds modified_id.csv (npm's is about 20 MB).
const maxCSVSize = 256 << 20

// UpdateOptions configures Update.
type UpdateOptions struct {
	// Source is a URL or a local directory laid out like OSV's bucket:
	// <Source>/<ECOSYSTEM>/all.zip, modified_id.csv and <ID>.json.
	Source string
	// KEV is the KEV catalogue's URL or file; empty skips it.
	KEV string
	// Ecosystems to update. Empty means those already in the database, or,
	// for a new database, every ecosystem the source lists
	// (ecosystems.txt, or the subdirectories of a local source).
	Ecosystems []string
	// Full ignores modified_id.csv and fetches every export whole.
	Full bool
	// Optional leaves out, rather than failing the update for, downloads
	// that fail: the KEV catalogue, and ecosystems the database does not
	// hold yet (their whole exports are fetched before the database is
	// touched). What was left out and why is in UpdateStats.Unavailable;
	// when nothing is left to load the database is not rebuilt at all.
	// scan uses it: a database it has is not refused for a download it can
	// do without.
	Optional bool
	Client   *http.Client
	Progress io.Writer
}

// UpdateStats says what an update did, per ecosystem.
type UpdateStats struct {
	Ecosystems []EcosystemUpdate `json:"ecosystems"`
	KEV        int               `json:"kev,omitempty"`
	// Unavailable lists, with UpdateOptions.Optional, the downloads that
	// failed and were left out.
	Unavailable []Unavailable `json:"unavailable,omitempty"`
	Invalid     []Invalid     `json:"-"`
}

// KEVName names the KEV catalogue in Unavailable.
const KEVName = "KEV"

// Unavailable is a download an optional update left out: an ecosystem's
// export, or the KEV catalogue (Name KEVName).
type Unavailable struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// EcosystemUpdate is what happened to one ecosystem.
type EcosystemUpdate struct {
	Ecosystem string `json:"ecosystem"`
	// Mode is "full" (all.zip), "incremental" (changed records) or
	// "current" (nothing changed).
	Mode    string `json:"mode"`
	Records int    `json:"records"`
	Removed int    `json:"removed,omitempty"`
}

// Update brings the database in dir up to date from opts.Source, as one
// atomic change: a failed or interrupted update leaves the database as it
// was.
func Update(ctx context.Context, dir string, opts UpdateOptions) (*UpdateStats, error) {
	if opts.Source == "" {
		opts.Source = DefaultSource
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Minute}
	}
	f := &fetcher{source: strings.TrimSuffix(opts.Source, "/"), client: opts.Client, tmpDir: dir}
	f.local = !strings.HasPrefix(f.source, "http://") && !strings.HasPrefix(f.source, "https://")

	// The lock comes first, so that the database this update starts from
	// is the one it replaces, and a second update fails before it
	// downloads anything.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	if lockExcludes {
		removeStale(dir) // what a killed update or import left
	}
	locked := true
	defer func() {
		if locked {
			lock.Close()
		}
	}()

	var old *Store
	if s, err := Open(dir); err == nil {
		if err := s.Check(ctx); err != nil {
			// A damaged database is rebuilt, as if there were none: the
			// error messages send users here to repair it.
			s.Close()
			progress(opts.Progress, "%v; building a new database\n", err)
		} else {
			old = s
			defer old.Close()
		}
	} else if !errors.Is(err, ErrNoDatabase) {
		return nil, err
	}
	ecos := opts.Ecosystems
	if len(ecos) == 0 && old != nil {
		st, err := old.Status(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range st.Ecosystems {
			if e.Source != "" {
				ecos = append(ecos, e.Ecosystem)
			}
		}
	}
	if len(ecos) == 0 {
		var err error
		if ecos, err = f.ecosystems(ctx); err != nil {
			return nil, err
		}
	}
	stats := &UpdateStats{}
	// The KEV catalogue is small and fetched first, so that an unreachable
	// catalogue fails the update before the large downloads, not after.
	var catalog *kev.Catalog
	if opts.KEV != "" {
		progress(opts.Progress, "KEV: fetching %s\n", opts.KEV)
		data, fetchErr := f.get(ctx, opts.KEV, kev.MaxSize)
		err := fetchErr
		if err == nil {
			if catalog, err = kev.Parse(data); err != nil {
				err = fmt.Errorf("%s: %w", opts.KEV, err)
			}
		}
		switch {
		case err != nil && opts.Optional && ctx.Err() == nil:
			// The caller says what to do about it (scan: --kev).
			stats.Unavailable = append(stats.Unavailable, Unavailable{Name: KEVName, Reason: err.Error()})
			catalog = nil
		case fetchErr != nil:
			return nil, fmt.Errorf("KEV: %w (--kev FILE reads a local copy, --kev \"\" skips the catalogue)", err)
		case err != nil:
			return nil, err
		}
	}
	// Optional ecosystems the database lacks are fetched now, and those
	// that cannot be are left out, before the database is copied.
	fetched := map[string]string{}
	if opts.Optional {
		var have []string
		if old != nil {
			if have, err = old.Ecosystems(ctx); err != nil {
				return nil, err
			}
		}
		var keep []string
		for _, eco := range ecos {
			if slices.Contains(have, eco) {
				keep = append(keep, eco)
				continue
			}
			p, cleanup, err := f.fetchZip(ctx, eco, opts.Progress)
			if err == nil && f.local {
				err = regularFile(p)
			}
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				progress(opts.Progress, "%s: not available (%v); left out\n", eco, err)
				stats.Unavailable = append(stats.Unavailable, Unavailable{Name: eco, Reason: err.Error()})
				continue
			}
			defer cleanup()
			fetched[eco] = p
			keep = append(keep, eco)
		}
		ecos = keep
		if len(ecos) == 0 && catalog == nil {
			return stats, nil // nothing to load: the database stays as it is
		}
	}
	// Without a usable database there is nothing to build on: a file that
	// is there but unreadable (or of an old layout) is replaced.
	locked = false
	b, err := beginLocked(ctx, dir, old == nil, lock)
	if err != nil {
		return nil, err
	}
	for _, eco := range ecos {
		u, err := f.updateEcosystem(ctx, b, old, eco, opts, stats, fetched[eco])
		if err != nil {
			b.Abort()
			return nil, fmt.Errorf("%s: %w", eco, err)
		}
		stats.Ecosystems = append(stats.Ecosystems, *u)
	}
	if catalog != nil {
		if err := b.PutKEV(ctx, catalog, opts.KEV); err != nil {
			b.Abort()
			return nil, err
		}
		stats.KEV = len(catalog.Vulnerabilities)
		progress(opts.Progress, "KEV: catalogue %s, %d CVEs\n", catalog.CatalogVersion, stats.KEV)
	}
	if err := b.Commit(ctx); err != nil {
		return nil, err
	}
	sortInvalid(stats.Invalid)
	return stats, nil
}

// updateEcosystem loads one ecosystem into b: the records that changed
// since old, or its whole export (from zipPath when it was fetched
// already).
func (f *fetcher) updateEcosystem(ctx context.Context, b *Builder, old *Store, eco string, opts UpdateOptions, stats *UpdateStats, zipPath string) (*EcosystemUpdate, error) {
	u := &EcosystemUpdate{Ecosystem: eco}
	is := &ImportStats{Ecosystems: map[string]int{}}
	collect := func() { stats.Invalid = append(stats.Invalid, is.Invalid...) }
	if old != nil && !opts.Full {
		stored, err := old.storedModified(ctx, eco)
		if err != nil {
			return nil, err
		}
		if len(stored) > 0 {
			changed, err := f.changed(ctx, eco, stored)
			switch {
			case err != nil:
				progress(opts.Progress, "%s: no usable modified_id.csv (%v); fetching the whole export\n", eco, err)
			case len(changed) == 0:
				progress(opts.Progress, "%s: up to date (%d records)\n", eco, len(stored))
				u.Mode = "current"
				return u, b.SetSource(ctx, eco, f.source)
			case len(changed) <= maxIncremental:
				progress(opts.Progress, "%s: fetching %d changed records\n", eco, len(changed))
				err := b.load(ctx, is, nil, func(emit entryFunc, bad func(Invalid)) error {
					for _, id := range changed {
						data, err := f.get(ctx, f.path(eco, id+".json"), osv.MaxRecordSize)
						if err != nil {
							return fmt.Errorf("%s: %w", id, err)
						}
						if err := emit(f.path(eco, id+".json"), data); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return nil, err
				}
				collect()
				u.Mode, u.Records = "incremental", is.Records
				progress(opts.Progress, "%s: %d records updated\n", eco, is.Records)
				return u, b.SetSource(ctx, eco, f.source)
			}
		}
	}
	if zipPath == "" {
		p, cleanup, err := f.fetchZip(ctx, eco, opts.Progress)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		zipPath = p
	}
	keep := map[string]bool{}
	if err := b.load(ctx, is, keep, func(emit entryFunc, bad func(Invalid)) error {
		return readZip(ctx, zipPath, emit, bad)
	}); err != nil {
		return nil, err
	}
	collect()
	removed, err := b.DropMissing(ctx, eco, keep)
	if err != nil {
		return nil, err
	}
	u.Mode, u.Records, u.Removed = "full", is.Records, removed
	progress(opts.Progress, "%s: %d records (%d invalid skipped)\n", eco, is.Records, len(is.Invalid))
	return u, b.SetSource(ctx, eco, f.source)
}

type fetcher struct {
	source string
	local  bool
	client *http.Client
	tmpDir string
}

// path joins the source and an ecosystem's file: a URL with escaped
// segments ("Rocky Linux" → "Rocky%20Linux"), or a file path.
func (f *fetcher) path(eco, file string) string {
	if f.local {
		return filepath.Join(f.source, eco, file)
	}
	return f.source + "/" + url.PathEscape(eco) + "/" + url.PathEscape(file)
}

// ecosystems lists what the source offers.
func (f *fetcher) ecosystems(ctx context.Context) ([]string, error) {
	if f.local {
		entries, err := os.ReadDir(f.source)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(f.source, e.Name(), "all.zip")); err == nil {
				out = append(out, e.Name())
			}
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s has no <ECOSYSTEM>/all.zip", f.source)
		}
		return out, nil
	}
	data, err := f.get(ctx, f.source+"/ecosystems.txt", 1<<20)
	if err != nil {
		return nil, fmt.Errorf("listing ecosystems (name them with --ecosystem): %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out, nil
}

// changed reads modified_id.csv ("<RFC 3339 time>,<ID>" per line, newest
// first) and returns the IDs that are new or newer than the stored copy.
func (f *fetcher) changed(ctx context.Context, eco string, stored map[string]string) ([]string, error) {
	data, err := f.get(ctx, f.path(eco, "modified_id.csv"), maxCSVSize)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ts, id, ok := strings.Cut(line, ",")
		if !ok {
			return nil, fmt.Errorf("modified_id.csv:%d: want \"<time>,<id>\"", n)
		}
		id = id[strings.LastIndexByte(id, '/')+1:] // the all-ecosystem list has "ECO/ID"
		mod, err := time.Parse(time.RFC3339, ts)
		if err != nil {
			return nil, fmt.Errorf("modified_id.csv:%d: %v", n, err)
		}
		if strings.ContainsAny(id, "/\\") || id == "" || id == "." || id == ".." {
			return nil, fmt.Errorf("modified_id.csv:%d: bad ID %q", n, osv.Truncate(id, 40))
		}
		have, ok := stored[id]
		if ok {
			if t, err := time.Parse(time.RFC3339, have); err == nil && !mod.UTC().Truncate(time.Second).After(t) {
				continue
			}
		}
		out = append(out, id)
		if len(out) > maxIncremental {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// fetchZip returns a local path to the ecosystem's all.zip, downloading it
// into a temporary file for URL sources.
func (f *fetcher) fetchZip(ctx context.Context, eco string, prog io.Writer) (string, func(), error) {
	p := f.path(eco, "all.zip")
	if f.local {
		progress(prog, "%s: reading %s\n", eco, p)
		return p, func() {}, nil
	}
	progress(prog, "%s: downloading %s\n", eco, p)
	resp, err := f.do(ctx, p)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxArchiveSize {
		return "", nil, fmt.Errorf("%s: %w: %d bytes, over the %d-byte limit", p, ErrArchive, resp.ContentLength, int64(MaxArchiveSize))
	}
	tmp, err := os.CreateTemp(f.tmpDir, ".download-*.zip")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, MaxArchiveSize+1))
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("%s: %w", p, err)
	}
	if n > MaxArchiveSize {
		cleanup()
		return "", nil, fmt.Errorf("%s: %w: over the %d-byte limit", p, ErrArchive, int64(MaxArchiveSize))
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return "", nil, err
	}
	progress(prog, "%s: %.1f MiB downloaded\n", eco, float64(n)/(1<<20))
	return tmp.Name(), cleanup, nil
}

func (f *fetcher) do(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "hallmark")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return resp, nil
}

// get reads a whole URL or file, up to limit bytes.
func (f *fetcher) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return limited.ReadFile(strings.TrimPrefix(u, "file://"), limit)
	}
	resp, err := f.do(ctx, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("GET %s: over the %d-byte limit", u, limit)
	}
	return data, nil
}

// regularFile checks that a local export is there to read, so that an
// optional update can leave out one that is not before it starts.
func regularFile(name string) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", name)
	}
	return nil
}

// KEVFile is the name CISA publishes the KEV catalogue under.
const KEVFile = "known_exploited_vulnerabilities.json"

// MirrorKEV returns the copy of the KEV catalogue kept with a local
// mirror of OSV's exports, if there is one: <source>/known_exploited_vulnerabilities.json,
// or kev/known_exploited_vulnerabilities.json beside the source directory
// (a mirror laid out as osv/<ECOSYSTEM>/all.zip and kev/, as hallmark's
// shared test data is). A source that is a URL has none.
func MirrorKEV(source string) (string, bool) {
	if source == "" || strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		return "", false
	}
	dir := filepath.Clean(source)
	for _, p := range []string{filepath.Join(dir, KEVFile), filepath.Join(filepath.Dir(dir), "kev", KEVFile)} {
		if regularFile(p) == nil {
			return p, true
		}
	}
	return "", false
}
