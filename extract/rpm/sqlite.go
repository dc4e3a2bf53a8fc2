package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)

	"github.com/hallmark-dev/hallmark/extract"
)

// sqliteMagic starts every SQLite database file
// (https://www.sqlite.org/fileformat.html, "The Database Header").
var sqliteMagic = []byte("SQLite format 3\x00")

// errNotSQLite marks a claimed file that is not an SQLite database.
var errNotSQLite = errors.New("not an SQLite database")

// row is one installed package's header as the database stores it.
type row struct {
	hnum int64
	blob []byte
}

// readSQLite returns the rows of the Packages table of the rpmdb.sqlite at
// in.Path, in hnum order.
//
// SQLite reads files, not an fs.FS, and the source may be an image layer
// or an archive with no file on disk at all. So the database is copied,
// within in.MaxSize, into a private temporary directory and opened there;
// the directory is removed afterwards. rpm keeps its database in WAL mode
// and, when it closes the database cleanly, leaves an empty -wal file
// beside it: the main file then holds every committed transaction and is
// opened with immutable=1 (read-only, no locks, no -shm). When a non-empty
// -wal sits beside it (the image was taken while rpm had the database
// open), transactions committed to the WAL but not yet copied back are part
// of the database too: the WAL is copied as well and the database opened
// read-only without immutable, so that SQLite replays it (it builds its
// -shm index in the private directory).
func readSQLite(ctx context.Context, in *extract.Input) ([]row, error) {
	limit := in.MaxSize
	if limit <= 0 {
		limit = extract.DefaultMaxFileSize
	}
	dir, err := os.MkdirTemp("", "hallmark-rpmdb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	dbPath := filepath.Join(dir, "rpmdb.sqlite")
	if _, err := copyOut(in.FS, in.Path, dbPath, limit, true); err != nil {
		return nil, err
	}
	walSize, err := copyOut(in.FS, in.Path+"-wal", dbPath+"-wal", limit, false)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	if walSize == 0 {
		q.Set("immutable", "1")
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dbPath), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	var n int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'`).Scan(&n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: no Packages table: not an rpm database", in.Path)
	}
	rows, err := db.QueryContext(ctx, `SELECT hnum, blob FROM Packages ORDER BY hnum`)
	if err != nil {
		return nil, fmt.Errorf("%s: Packages: %w", in.Path, err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.hnum, &r.blob); err != nil {
			return nil, fmt.Errorf("%s: Packages row %d: %w", in.Path, len(out)+1, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: Packages: %w", in.Path, err)
	}
	return out, nil
}

// copyOut copies name from fsys to the file dst, refusing more than limit
// bytes, and returns the size copied. With checkMagic, a file that does not
// start with SQLite's magic is refused with errNotSQLite before anything
// is written.
func copyOut(fsys fs.FS, name, dst string, limit int64, checkMagic bool) (int64, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var head []byte
	if checkMagic {
		head = make([]byte, len(sqliteMagic))
		if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
			return 0, fmt.Errorf("%s: %w", name, errNotSQLite)
		}
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.MultiReader(bytes.NewReader(head), io.LimitReader(f, limit+1-int64(len(head)))))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if n > limit {
		return 0, fmt.Errorf("%s: %w (%d bytes)", name, extract.ErrTooLarge, limit)
	}
	return n, nil
}
