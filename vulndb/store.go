package vulndb

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// The database lives in a directory: "current" names the live SQLite file
// (osv-<n>.db). An update writes a new file and then replaces "current" by
// rename, so readers always see a complete database and an interrupted
// update leaves the old one in place. Swapping a pointer rather than the
// file itself keeps SQLite's -wal and -shm files from ever meeting a
// database they do not belong to.
const (
	pointerFile   = "current"
	schemaVersion = "3"
)

// ErrNoDatabase is returned by Open when the directory holds no database.
var ErrNoDatabase = errors.New("no vulnerability database")

// ErrCorrupt marks a database file that exists but cannot be read: a
// truncated or damaged file, or one SQLite's integrity check rejects. It
// is also an ErrNoDatabase (errors.Is), since there is no usable
// database; db update and db import --fresh rebuild it.
var ErrCorrupt error = corruptError{}

type corruptError struct{}

func (corruptError) Error() string        { return "unreadable vulnerability database" }
func (corruptError) Is(target error) bool { return target == ErrNoDatabase }

const schema = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vulns(
	id TEXT PRIMARY KEY,
	modified TEXT NOT NULL,
	published TEXT NOT NULL,
	withdrawn INTEGER NOT NULL,
	-- scan comes before data: SQLite reaches a column by walking the
	-- row's overflow pages up to it, so a scan reading it after data
	-- would read every record's full text as well (a third of its time).
	scan BLOB NOT NULL, -- what matching reads: the record without details,
	                    -- references and credits, as plain compact JSON
	data BLOB NOT NULL  -- the record's JSON as published, compacted and deflated
);
CREATE TABLE affected(
	ecosystem TEXT NOT NULL, -- base ecosystem ("Debian", not "Debian:12")
	name TEXT NOT NULL,      -- NormalizeName(ecosystem, package name)
	id TEXT NOT NULL,
	PRIMARY KEY(ecosystem, name, id)
) WITHOUT ROWID;
CREATE INDEX affected_id ON affected(id);
CREATE TABLE kev(
	cve TEXT PRIMARY KEY,
	date_added TEXT NOT NULL,
	due_date TEXT NOT NULL,
	ransomware TEXT NOT NULL,
	name TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE sources(
	ecosystem TEXT PRIMARY KEY, -- an ecosystem export, or "KEV"
	source TEXT NOT NULL,       -- where it was loaded from
	loaded TEXT NOT NULL        -- when (RFC 3339)
) WITHOUT ROWID;
`

// NormalizeName is the key advisories are indexed by: the package name as
// its ecosystem compares names. PyPI names are PEP 503-normalised;
// Packagist, NuGet and Hex are case-insensitive; everything else (Go
// module paths, npm names with their scope, Maven group:artifact, crate
// names) compares exactly.
func NormalizeName(ecosystem, name string) string {
	switch osv.BaseEcosystem(ecosystem) {
	case "PyPI":
		return inventory.NormalizePyPIName(name)
	case "Packagist", "NuGet", "Hex":
		return strings.ToLower(name)
	}
	return name
}

// DefaultDir is the database directory when neither --db nor HALLMARK_DB
// names one: hallmark/db under the user cache directory.
func DefaultDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (set HALLMARK_DB or --db): %w", err)
	}
	return filepath.Join(dir, "hallmark", "db"), nil
}

// Store is an open database, for reading.
type Store struct {
	db   *sql.DB
	dir  string
	path string
}

// Open opens the database in dir for reading. It returns an error wrapping
// ErrNoDatabase when there is none.
func Open(dir string) (*Store, error) {
	path, err := currentPath(dir)
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(path, false)
	if err != nil {
		return nil, err
	}
	var v string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'schema'`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	if v != schemaVersion {
		db.Close()
		return nil, fmt.Errorf("%s: %w (from another hallmark version, schema %q; run `hallmark db update` to rebuild it)", path, ErrNoDatabase, v)
	}
	return &Store{db: db, dir: dir, path: path}, nil
}

// Check runs SQLite's quick integrity check (every page and index entry
// readable, https://www.sqlite.org/pragma.html#pragma_quick_check). A scan
// reads only the pages of the packages it looks up, so a damaged file can
// look fine to it; updates check before building on the old file.
func (s *Store) Check(ctx context.Context) error {
	return quickCheck(ctx, s.db, s.path)
}

func quickCheck(ctx context.Context, db *sql.DB, path string) error {
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	if res != "ok" {
		return fmt.Errorf("%s: %w: %s", path, ErrCorrupt, firstLine(strings.TrimPrefix(res, "*** in database main ***\n")))
	}
	return nil
}

func currentPath(dir string) (string, error) {
	name, err := os.ReadFile(filepath.Join(dir, pointerFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w in %s", ErrNoDatabase, dir)
	}
	if err != nil {
		return "", err
	}
	base := strings.TrimSpace(string(name))
	if base == "" || base != filepath.Base(base) || !strings.HasSuffix(base, ".db") {
		return "", fmt.Errorf("%s: %w: pointer file names %q", filepath.Join(dir, pointerFile), ErrNoDatabase, osv.Truncate(base, 64))
	}
	path := filepath.Join(dir, base)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoDatabase, err)
	}
	return path, nil
}

func openSQLite(path string, build bool) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=mmap_size(1073741824)"
	if build {
		// The file is private to the builder until it is swapped in, so
		// durability is only needed at the end (Commit syncs it).
		dsn = "file:" + path + "?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=locking_mode(EXCLUSIVE)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the SQLite file in use.
func (s *Store) Path() string { return s.path }

// Lookup returns the advisories that name any of the packages (by
// ecosystem and name, normalised with NormalizeName) in their affected
// list, keyed by normalised name. Only these records are read and
// decoded. A record listed under several names is decoded once.
func (s *Store) Lookup(ctx context.Context, ecosystem string, names []string) (map[string][]*osv.Record, error) {
	return s.lookup(ctx, ecosystem, names, func(n string) string { return NormalizeName(ecosystem, n) }, `
		SELECT a.name, v.id, v.scan FROM affected a JOIN vulns v ON v.id = a.id
		WHERE a.ecosystem = ? AND a.name IN (SELECT value FROM json_each(?))
		ORDER BY a.name, v.id`)
}

// LookupFold is Lookup ignoring case, keyed by the lower-cased name: the
// fallback for names another tool lower-cased where the ecosystem does not
// (Go module paths in SBOMs whose purls were normalised by old purl-spec
// rules). It reads the ecosystem's whole name column, so callers use it
// only for the names Lookup did not find.
func (s *Store) LookupFold(ctx context.Context, ecosystem string, names []string) (map[string][]*osv.Record, error) {
	return s.lookup(ctx, ecosystem, names, strings.ToLower, `
		SELECT lower(a.name), v.id, v.scan FROM affected a JOIN vulns v ON v.id = a.id
		WHERE a.ecosystem = ? AND lower(a.name) IN (SELECT value FROM json_each(?))
		ORDER BY a.name, v.id`)
}

// lookup runs query, which selects (key, id, record) rows for the
// ecosystem and the JSON array of keys, and groups the decoded records by
// key. A record listed under several keys is decoded once.
func (s *Store) lookup(ctx context.Context, ecosystem string, names []string, key func(string) string, query string) (map[string][]*osv.Record, error) {
	if len(names) == 0 {
		return nil, nil
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = key(n)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	arg, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, query, osv.BaseEcosystem(ecosystem), string(arg))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	defer rows.Close()
	out := map[string][]*osv.Record{}
	decoded := map[string]*osv.Record{}
	for rows.Next() {
		var name, id string
		var data []byte
		if err := rows.Scan(&name, &id, &data); err != nil {
			return nil, err
		}
		rec, ok := decoded[id]
		if !ok {
			rec, err = decodeScan(data)
			if err != nil {
				return nil, fmt.Errorf("%s: stored record %s: %w", s.path, id, err)
			}
			decoded[id] = rec
		}
		out[name] = append(out[name], rec)
	}
	return out, rows.Err()
}

func (s *Store) Ecosystems(ctx context.Context) ([]string, error) {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'ecosystems'`).Scan(&v); err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("%s: meta.ecosystems: %w", s.path, err)
	}
	return out, nil
}

// Get returns one record by ID, as published, or nil.
func (s *Store) Get(ctx context.Context, id string) (*osv.Record, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM vulns WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeStored(data)
}

// KEV returns the catalogue entries for the given CVE IDs.
func (s *Store) KEV(ctx context.Context, cves []string) (map[string]kev.Entry, error) {
	out := map[string]kev.Entry{}
	if len(cves) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(cves)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT cve, date_added, due_date, ransomware, name FROM kev WHERE cve IN (SELECT value FROM json_each(?))`, string(arg))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e kev.Entry
		if err := rows.Scan(&e.CVE, &e.DateAdded, &e.DueDate, &e.KnownRansomwareCampaignUse, &e.Name); err != nil {
			return nil, err
		}
		out[e.CVE] = e
	}
	return out, rows.Err()
}

// EcosystemStatus describes what the database holds for one ecosystem.
type EcosystemStatus struct {
	Ecosystem       string    `json:"ecosystem"`
	Records         int       `json:"records"`
	Withdrawn       int       `json:"withdrawn"`
	NewestModified  time.Time `json:"newest_modified,omitzero"` // absent when no record has a real one (the Go export writes 0001-01-01)
	NewestPublished time.Time `json:"newest_published,omitzero"`
	Source          string    `json:"source,omitempty"`
	Loaded          time.Time `json:"loaded,omitzero"`
}

// Status describes the whole database.
type Status struct {
	Path       string            `json:"path"`
	Built      time.Time         `json:"built"`
	Records    int               `json:"records"`
	Ecosystems []EcosystemStatus `json:"ecosystems"`
	KEV        *KEVStatus        `json:"kev,omitempty"`
}

// KEVStatus describes the loaded KEV catalogue.
type KEVStatus struct {
	Version      string    `json:"catalog_version"`
	DateReleased string    `json:"date_released"`
	CVEs         int       `json:"cves"`
	Source       string    `json:"source,omitempty"`
	Loaded       time.Time `json:"loaded,omitzero"`
}

// Status reports what the database holds.
func (s *Store) Status(ctx context.Context) (*Status, error) {
	st := &Status{Path: s.path}
	meta := map[string]string{}
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM meta`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return nil, err
		}
		meta[k] = v
	}
	rows.Close()
	st.Built, _ = time.Parse(time.RFC3339, meta["built"])
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vulns`).Scan(&st.Records); err != nil {
		return nil, err
	}
	sources := map[string][2]string{}
	rows, err = s.db.QueryContext(ctx, `SELECT ecosystem, source, loaded FROM sources`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e, src, loaded string
		if err := rows.Scan(&e, &src, &loaded); err != nil {
			rows.Close()
			return nil, err
		}
		sources[e] = [2]string{src, loaded}
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `
		SELECT a.ecosystem, COUNT(*), SUM(v.withdrawn), MAX(v.modified), MAX(v.published)
		FROM (SELECT DISTINCT ecosystem, id FROM affected) a JOIN vulns v ON v.id = a.id
		GROUP BY a.ecosystem ORDER BY a.ecosystem`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e EcosystemStatus
		var mod, pub string
		if err := rows.Scan(&e.Ecosystem, &e.Records, &e.Withdrawn, &mod, &pub); err != nil {
			return nil, err
		}
		e.NewestModified, _ = time.Parse(time.RFC3339, mod)
		e.NewestPublished, _ = time.Parse(time.RFC3339, pub)
		if src, ok := sources[e.Ecosystem]; ok {
			e.Source = src[0]
			e.Loaded, _ = time.Parse(time.RFC3339, src[1])
		}
		st.Ecosystems = append(st.Ecosystems, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if v, ok := meta["kev_version"]; ok {
		k := &KEVStatus{Version: v, DateReleased: meta["kev_released"]}
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM kev`).Scan(&k.CVEs); err != nil {
			return nil, err
		}
		if src, ok := sources["KEV"]; ok {
			k.Source = src[0]
			k.Loaded, _ = time.Parse(time.RFC3339, src[1])
		}
		st.KEV = k
	}
	return st, nil
}

// storedModified returns the ID and modified time of every record of an
// ecosystem, for incremental updates.
func (s *Store) storedModified(ctx context.Context, ecosystem string) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT v.id, v.modified FROM affected a JOIN vulns v ON v.id = a.id WHERE a.ecosystem = ?`, ecosystem)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, mod string
		if err := rows.Scan(&id, &mod); err != nil {
			return nil, err
		}
		out[id] = mod
	}
	return out, rows.Err()
}

// Each record is stored twice. The published JSON, compacted and deflated
// (a third of the size), is kept for Get. What a scan decodes is a reduced
// copy in plain JSON: the prose (details, references, credits) is most of a
// record's bytes and matching needs none of it, and inflating costs as much
// as decoding the smaller copy.
var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestSpeed)
	return w
}}

func encodeStored(raw []byte) ([]byte, error) {
	var compact bytes.Buffer
	compact.Grow(len(raw))
	if err := json.Compact(&compact, raw); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(compact.Len() / 3)
	w := flaters.Get().(*flate.Writer)
	w.Reset(&out)
	if _, err := w.Write(compact.Bytes()); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	flaters.Put(w)
	return out.Bytes(), nil
}

// scanForm is the reduced copy of rec that Lookup returns: details are cut
// to their first line when there is no summary (the report's fallback),
// references and credits are dropped.
func scanForm(rec *osv.Record) ([]byte, error) {
	r := *rec
	if r.Summary == "" {
		r.Summary = firstLine(r.Details)
	}
	r.Details, r.References, r.Credits = "", nil, nil
	return json.Marshal(&r)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func decodeScan(data []byte) (*osv.Record, error) {
	var rec osv.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

func decodeStored(data []byte) (*osv.Record, error) {
	r := flate.NewReader(bytes.NewReader(data))
	defer r.Close()
	raw, err := io.ReadAll(io.LimitReader(r, osv.MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > osv.MaxRecordSize {
		return nil, fmt.Errorf("inflates past %d bytes", osv.MaxRecordSize)
	}
	var rec osv.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}
