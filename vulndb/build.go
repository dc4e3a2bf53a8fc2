package vulndb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// Builder writes a new version of the database beside the live one. Nothing
// a Builder does is visible to readers until Commit; Abort (or a crash)
// leaves the live database as it was.
type Builder struct {
	dir  string
	path string
	lock *os.File // the directory's writer lock, held until Commit or Abort
	db   *sql.DB
	tx   *sql.Tx

	putVuln, delAffected, putAffected *sql.Stmt

	now   time.Time
	added int
}

// ErrBusy is returned by Begin when another process is building a new
// version of the same database.
var ErrBusy = errors.New("another hallmark db update or import is running on this database; try again when it has finished")

// lockFile is the file in the database directory that writers lock.
const lockFile = ".lock"

// Begin starts a new version of the database in dir, creating dir when
// needed. With fresh set the new version starts empty; otherwise it starts
// as a copy of the live one (when there is one). Only one Builder per
// directory exists at a time, across processes: Begin fails with ErrBusy
// while another holds the directory.
func Begin(ctx context.Context, dir string, fresh bool) (*Builder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	if lockExcludes {
		removeStale(dir)
	}
	return beginLocked(ctx, dir, fresh, lock)
}

// beginLocked is Begin for a caller that already holds the directory's
// lock; the Builder takes it over and releases it on Commit or Abort.
func beginLocked(ctx context.Context, dir string, fresh bool, lock *os.File) (*Builder, error) {
	now := time.Now().UTC()
	b := &Builder{dir: dir, now: now, lock: lock, path: filepath.Join(dir, "osv-"+strconv.FormatInt(now.UnixNano(), 36)+".db")}
	old, err := currentPath(dir)
	copied := false
	if err == nil && !fresh {
		if err := copyDB(ctx, old, b.path); err != nil {
			b.Abort()
			return nil, fmt.Errorf("copying %s: %w", old, err)
		}
		copied = true
	} else if err != nil && !errors.Is(err, ErrNoDatabase) {
		b.Abort()
		return nil, err
	}
	b.db, err = openSQLite(b.path, true)
	if err != nil {
		b.Abort()
		return nil, err
	}
	if copied {
		// Adding to a damaged file would fail part-way or carry the damage
		// into the new one.
		if err := quickCheck(ctx, b.db, old); err != nil {
			b.Abort()
			return nil, err
		}
	}
	if err := b.init(ctx, copied); err != nil {
		b.Abort()
		return nil, err
	}
	return b, nil
}

func (b *Builder) init(ctx context.Context, copied bool) error {
	if copied {
		// A copy is in WAL mode; the builder wants no journal at all.
		if _, err := b.db.ExecContext(ctx, `PRAGMA journal_mode=OFF`); err != nil {
			return err
		}
		var v string
		if err := b.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key='schema'`).Scan(&v); err != nil || v != schemaVersion {
			// An old layout: start over rather than migrate a cache.
			b.db.Close()
			os.Remove(b.path)
			db, err := openSQLite(b.path, true)
			if err != nil {
				return err
			}
			b.db = db
			copied = false
		}
	}
	if !copied {
		if _, err := b.db.ExecContext(ctx, schema); err != nil {
			return err
		}
		if _, err := b.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('schema', ?)`, schemaVersion); err != nil {
			return err
		}
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	b.tx = tx
	if b.putVuln, err = tx.PrepareContext(ctx, `INSERT OR REPLACE INTO vulns(id, modified, published, withdrawn, data, scan) VALUES(?, ?, ?, ?, ?, ?)`); err != nil {
		return err
	}
	if b.delAffected, err = tx.PrepareContext(ctx, `DELETE FROM affected WHERE id = ?`); err != nil {
		return err
	}
	if b.putAffected, err = tx.PrepareContext(ctx, `INSERT OR IGNORE INTO affected(ecosystem, name, id) VALUES(?, ?, ?)`); err != nil {
		return err
	}
	return nil
}

// copyDB copies the live database file. The live file never has pending
// WAL frames (builders close cleanly, which checkpoints), but a reader
// crashing mid-way can leave a -wal behind; VACUUM INTO is used then.
func copyDB(ctx context.Context, from, to string) error {
	if st, err := os.Stat(from + "-wal"); err == nil && st.Size() > 0 {
		db, err := openSQLite(from, false)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `VACUUM INTO ?`, to)
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Put adds or replaces a record; raw is its JSON as read.
func (b *Builder) Put(ctx context.Context, rec *osv.Record, raw []byte) error {
	data, err := encodeStored(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", rec.ID, err)
	}
	scan, err := scanForm(rec)
	if err != nil {
		return fmt.Errorf("%s: %w", rec.ID, err)
	}
	return b.putEncoded(ctx, rec, data, scan)
}

func (b *Builder) putEncoded(ctx context.Context, rec *osv.Record, data, scan []byte) error {
	pub := ""
	if rec.Published != nil {
		pub = rec.Published.UTC().Format(time.RFC3339)
	}
	withdrawn := 0
	if rec.Withdrawn != nil {
		withdrawn = 1
	}
	if _, err := b.putVuln.ExecContext(ctx, rec.ID, rec.Modified.UTC().Format(time.RFC3339), pub, withdrawn, data, scan); err != nil {
		return fmt.Errorf("%s: %w", rec.ID, err)
	}
	if _, err := b.delAffected.ExecContext(ctx, rec.ID); err != nil {
		return err
	}
	for _, a := range rec.Affected {
		if a.Package == nil {
			continue
		}
		eco := osv.BaseEcosystem(a.Package.Ecosystem)
		if _, err := b.putAffected.ExecContext(ctx, eco, NormalizeName(eco, a.Package.Name), rec.ID); err != nil {
			return fmt.Errorf("%s: %w", rec.ID, err)
		}
	}
	b.added++
	return nil
}

// DropMissing deletes records that affect ecosystem but are not in keep:
// after a full export of an ecosystem is loaded, advisories OSV removed
// go too.
func (b *Builder) DropMissing(ctx context.Context, ecosystem string, keep map[string]bool) (int, error) {
	rows, err := b.tx.QueryContext(ctx, `SELECT DISTINCT id FROM affected WHERE ecosystem = ?`, ecosystem)
	if err != nil {
		return 0, err
	}
	var drop []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		if !keep[id] {
			drop = append(drop, id)
		}
	}
	rows.Close()
	for _, id := range drop {
		if _, err := b.tx.ExecContext(ctx, `DELETE FROM vulns WHERE id = ?`, id); err != nil {
			return 0, err
		}
		if _, err := b.delAffected.ExecContext(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(drop), nil
}

// PutKEV replaces the KEV catalogue.
func (b *Builder) PutKEV(ctx context.Context, c *kev.Catalog, source string) error {
	if _, err := b.tx.ExecContext(ctx, `DELETE FROM kev`); err != nil {
		return err
	}
	st, err := b.tx.PrepareContext(ctx, `INSERT OR REPLACE INTO kev(cve, date_added, due_date, ransomware, name) VALUES(?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, v := range c.Vulnerabilities {
		if _, err := st.ExecContext(ctx, v.CVE, v.DateAdded, v.DueDate, v.KnownRansomwareCampaignUse, v.Name); err != nil {
			return err
		}
	}
	for k, v := range map[string]string{"kev_version": c.CatalogVersion, "kev_released": c.DateReleased} {
		if _, err := b.tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)`, k, v); err != nil {
			return err
		}
	}
	return b.SetSource(ctx, "KEV", source)
}

// SetSource records where an ecosystem's records (or "KEV") came from.
func (b *Builder) SetSource(ctx context.Context, ecosystem, source string) error {
	_, err := b.tx.ExecContext(ctx, `INSERT OR REPLACE INTO sources(ecosystem, source, loaded) VALUES(?, ?, ?)`, ecosystem, source, b.now.Format(time.RFC3339))
	return err
}

// Commit finishes the new version and makes it the live one.
func (b *Builder) Commit(ctx context.Context) error {
	if _, err := b.tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta(key, value) VALUES('built', ?)`, b.now.Format(time.RFC3339)); err != nil {
		b.Abort()
		return err
	}
	// The list of ecosystems is kept in meta so that a scan can check what
	// the database covers without scanning the index.
	if _, err := b.tx.ExecContext(ctx, `INSERT OR REPLACE INTO meta(key, value)
		VALUES('ecosystems', (SELECT COALESCE(json_group_array(ecosystem), '[]') FROM (SELECT DISTINCT ecosystem FROM affected ORDER BY ecosystem)))`); err != nil {
		b.Abort()
		return err
	}
	if err := b.tx.Commit(); err != nil {
		b.Abort()
		return err
	}
	b.tx = nil
	for _, q := range []string{`ANALYZE`, `PRAGMA journal_mode=WAL`} {
		if _, err := b.db.ExecContext(ctx, q); err != nil {
			b.Abort()
			return err
		}
	}
	if err := b.db.Close(); err != nil {
		b.Abort()
		return err
	}
	b.db = nil
	if err := syncFile(b.path); err != nil {
		b.Abort()
		return err
	}
	old, _ := currentPath(b.dir)
	tmp := filepath.Join(b.dir, pointerFile+".tmp")
	if err := writeSync(tmp, []byte(filepath.Base(b.path)+"\n")); err != nil {
		b.Abort()
		return err
	}
	if err := os.Rename(tmp, filepath.Join(b.dir, pointerFile)); err != nil {
		os.Remove(tmp)
		b.Abort()
		return err
	}
	_ = syncFile(b.dir)
	// Readers that opened the old file keep it until they close it (POSIX
	// unlink semantics); new readers follow the pointer.
	if old != "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(old + suffix)
		}
	}
	removeStale(b.dir)
	b.unlock()
	return nil
}

func (b *Builder) unlock() {
	if b.lock != nil {
		b.lock.Close() // closing the only descriptor releases the flock
		b.lock = nil
	}
}

// Abort discards the new version.
func (b *Builder) Abort() {
	if b.tx != nil {
		b.tx.Rollback()
		b.tx = nil
	}
	if b.db != nil {
		b.db.Close()
		b.db = nil
	}
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(b.path + suffix)
	}
	b.unlock()
}

// removeStale deletes what builders that died (SIGKILL, a crash, power
// loss) left in dir: database files other than the live one (osv-*.db and
// their -journal, -wal and -shm), half-downloaded exports (.download-*.zip)
// and a pointer never renamed into place (current.tmp). The caller holds
// the directory's writer lock, so no builder is writing any of them, and
// readers only open the file the pointer names, which stays. When the
// pointer cannot be read, which file is live is not known and database
// files are left alone.
func removeStale(dir string) {
	live, known := "", true
	if data, err := os.ReadFile(filepath.Join(dir, pointerFile)); err == nil {
		live = strings.TrimSpace(string(data))
		if live == "" || live != filepath.Base(live) {
			known = false
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		known = false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		stale := false
		switch {
		case n == pointerFile+".tmp":
			stale = true
		case strings.HasPrefix(n, ".download-") && strings.HasSuffix(n, ".zip"):
			stale = true
		case strings.HasPrefix(n, "osv-") && known:
			base := n
			for _, suffix := range []string{"-journal", "-wal", "-shm"} {
				base = strings.TrimSuffix(base, suffix)
			}
			stale = strings.HasSuffix(base, ".db") && base != live
		}
		if stale && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

func writeSync(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
