package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

func readTestRecord(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("osv", "testdata", "records", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// importAll imports the three real exports and the KEV catalogue.
func importAll(t testing.TB, dir string) *ImportStats {
	t.Helper()
	paths := []string{
		testdata.Path(t, "osv", "Go", "all.zip"),
		testdata.Path(t, "osv", "PyPI", "all.zip"),
		testdata.Path(t, "osv", "crates.io", "all.zip"),
		testdata.Path(t, "kev", "known_exploited_vulnerabilities.json"),
	}
	stats, err := Import(context.Background(), dir, paths, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return stats
}

// TestImportRealExports imports the exports in ../shared/data and checks
// the exact counts the data README gives.
func TestImportRealExports(t *testing.T) {
	dir := t.TempDir()
	stats := importAll(t, dir)
	for _, i := range stats.Invalid {
		t.Errorf("invalid record: %v", i)
	}
	want := map[string]int{"Go": 4291, "PyPI": 2661, "crates.io": 1206}
	for eco, n := range want {
		if stats.Ecosystems[eco] != n {
			t.Errorf("%s: %d records imported, want %d", eco, stats.Ecosystems[eco], n)
		}
	}
	if stats.Records != 4291+2661+1206 || stats.KEV != 1404 {
		t.Errorf("records %d, KEV %d; want 8158 and 1404", stats.Records, stats.KEV)
	}
	// Every GIT range in these exports is in PyPI records.
	if stats.GitRanges != 1385 {
		t.Errorf("%d records with GIT ranges, want 1385", stats.GitRanges)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range st.Ecosystems {
		got = append(got, fmt.Sprintf("%s %d withdrawn %d newest published %s", e.Ecosystem, e.Records, e.Withdrawn, e.NewestPublished.Format("2006-01-02")))
	}
	wantStatus := []string{
		"Go 4291 withdrawn 17 newest published 2022-12-14",
		"PyPI 2661 withdrawn 10 newest published 2024-10-08",
		"crates.io 1206 withdrawn 13 newest published 2026-08-20",
	}
	if !slices.Equal(got, wantStatus) {
		t.Errorf("status:\n got %q\nwant %q", got, wantStatus)
	}
	if st.KEV == nil || st.KEV.CVEs != 1404 || st.KEV.Version != "2025.08.25" {
		t.Errorf("KEV status %+v", st.KEV)
	}
	ecos, err := s.Ecosystems(context.Background())
	if err != nil || !slices.Equal(ecos, []string{"Go", "PyPI", "crates.io"}) {
		t.Errorf("Ecosystems() = %v, %v", ecos, err)
	}

	// Lookups by normalised name: PyPI names are PEP 503-normalised, Go
	// paths are case-sensitive.
	recs, err := s.Lookup(context.Background(), "PyPI", []string{"Django", "django", "Flask"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs["django"]) < 100 || len(recs["flask"]) == 0 || len(recs) != 2 {
		t.Errorf("PyPI lookup: %d django, %d flask, keys %d", len(recs["django"]), len(recs["flask"]), len(recs))
	}
	recs, err = s.Lookup(context.Background(), "Go", []string{"golang.org/x/text", "github.com/Masterminds/goutils", "github.com/masterminds/goutils"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs["golang.org/x/text"] {
		ids = append(ids, r.ID)
	}
	if want := []string{"GO-2020-0015", "GO-2021-0113", "GO-2022-1059", "GO-2026-5970"}; !slices.Equal(ids, want) {
		t.Errorf("golang.org/x/text advisories %v, want %v", ids, want)
	}
	if len(recs["github.com/Masterminds/goutils"]) == 0 || len(recs["github.com/masterminds/goutils"]) != 0 {
		t.Errorf("Go module paths must match case-sensitively: %v", recs)
	}
	kev, err := s.KEV(context.Background(), []string{"CVE-2021-44228", "CVE-2000-0001"})
	if err != nil || len(kev) != 1 || kev["CVE-2021-44228"].DateAdded != "2021-12-10" {
		t.Errorf("KEV lookup = %v, %v", kev, err)
	}
}

func makeZip(t testing.TB, entries map[string][]byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(entries[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportBadInput: invalid records are skipped with their ID; a file
// that is not a zip aborts the import and leaves the database as it was.
func TestImportBadInput(t *testing.T) {
	good := readTestRecord(t, "HALLMARK-TEST-1.json")
	bomb := append([]byte(`{"id":"BOMB-1","modified":"2024-01-01T00:00:00Z","details":"`), bytes.Repeat([]byte("A"), 4<<20)...)
	bomb = append(bomb, `"}`...)
	z := makeZip(t, map[string][]byte{
		"HALLMARK-TEST-1.json": good,
		"HALLMARK-TEST-2.json": readTestRecord(t, "HALLMARK-TEST-2.json"),
		"TRUNC-1.json":         good[:300],
		"BADRANGE-1.json":      []byte(`{"id":"BADRANGE-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"WHATEVER","events":[{"introduced":"0"}]}]}]}`),
		"BOMB-1.json":          bomb,
		"README.txt":           []byte("not a record"),
	})
	dir := t.TempDir()
	stats, err := Import(context.Background(), dir, []string{z}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Records != 2 {
		t.Errorf("%d records imported, want 2", stats.Records)
	}
	var got []string
	for _, i := range stats.Invalid {
		got = append(got, strings.TrimPrefix(i.String(), z+":"))
	}
	want := []string{
		"BADRANGE-1.json: BADRANGE-1: affected[0].ranges[0].type: unknown range type \"WHATEVER\" (want SEMVER, ECOSYSTEM or GIT)",
		"BOMB-1.json: entry expands 1011:1, over the 100:1 limit",
		"TRUNC-1.json: HALLMARK-TEST-1: truncated JSON", // a cut copy of HALLMARK-TEST-1
	}
	if !slices.Equal(got, want) {
		t.Errorf("invalid:\n got %q\nwant %q", got, want)
	}

	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Path()
	s.Close()

	// A corrupt zip: the whole import fails and nothing changes.
	corrupt := filepath.Join(t.TempDir(), "all.zip")
	zdata, _ := os.ReadFile(z)
	os.WriteFile(corrupt, zdata[:len(zdata)/2], 0o644)
	_, err = Import(context.Background(), dir, []string{z, corrupt}, ImportOptions{})
	if !errors.Is(err, ErrArchive) {
		t.Fatalf("corrupt zip: err = %v, want ErrArchive", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 { // .lock, current and one .db
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("a failed import left files behind: %v", names)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != before {
		t.Errorf("a failed import replaced the database (%s → %s)", before, s.Path())
	}
}

// osvServer serves a directory laid out like OSV's bucket, plus what the
// test adds, counting requests by path.
type osvServer struct {
	*httptest.Server
	extra map[string][]byte
	fail  map[string]bool
	hits  map[string]*atomic.Int32
}

func newOSVServer(t *testing.T) *osvServer {
	root := testdata.Path(t, "osv")
	kev := testdata.Path(t, "kev", "known_exploited_vulnerabilities.json")
	s := &osvServer{extra: map[string][]byte{}, fail: map[string]bool{}, hits: map[string]*atomic.Int32{}}
	for _, p := range []string{"/Go/all.zip", "/PyPI/all.zip", "/crates.io/all.zip", "/kev.json", "/crates.io/modified_id.csv"} {
		s.hits[p] = &atomic.Int32{}
	}
	fs := http.FileServer(http.Dir(root))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := s.hits[r.URL.Path]; c != nil {
			c.Add(1)
		}
		if s.fail[r.URL.Path] {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		if data, ok := s.extra[r.URL.Path]; ok {
			w.Write(data)
			return
		}
		switch r.URL.Path {
		case "/ecosystems.txt":
			fmt.Fprint(w, "Go\nPyPI\ncrates.io\n")
		case "/kev.json":
			http.ServeFile(w, r, kev)
		default:
			fs.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// TestUpdate runs the real download path against an HTTP server holding the
// real exports: a full update, an incremental one driven by
// modified_id.csv, and a failed one that must leave the database intact.
func TestUpdate(t *testing.T) {
	srv := newOSVServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	var progress bytes.Buffer
	stats, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, KEV: srv.URL + "/kev.json", Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range stats.Ecosystems {
		got = append(got, fmt.Sprintf("%s %s %d", e.Ecosystem, e.Mode, e.Records))
	}
	if want := []string{"Go full 4291", "PyPI full 2661", "crates.io full 1206"}; !slices.Equal(got, want) || stats.KEV != 1404 || len(stats.Invalid) != 0 {
		t.Errorf("first update: %q, KEV %d, invalid %d", got, stats.KEV, len(stats.Invalid))
	}
	if !strings.Contains(progress.String(), "crates.io: downloading "+srv.URL+"/crates.io/all.zip") {
		t.Errorf("no progress on the download:\n%s", progress.String())
	}

	// Incremental: crates.io's modified_id.csv names one record as changed
	// (its modified time is newer than the stored one) and one as current.
	rec, err := osv.ParseRecord(readRecordFromZip(t, testdata.Path(t, "osv", "crates.io", "all.zip"), "RUSTSEC-2016-0006.json"))
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(readRecordFromZip(t, testdata.Path(t, "osv", "crates.io", "all.zip"), "RUSTSEC-2016-0006.json"),
		[]byte(`"summary": "`), []byte(`"summary": "UPDATED `), 1)
	changed = bytes.Replace(changed, []byte(rec.Modified.Format("2006-01-02T15:04:05Z")), []byte("2030-01-01T00:00:00Z"), 1)
	srv.extra["/crates.io/modified_id.csv"] = []byte("2030-01-01T00:00:00Z,RUSTSEC-2016-0006\n" + rec.Modified.Format("2006-01-02T15:04:05Z") + ",RUSTSEC-2016-0006\n")
	srv.extra["/crates.io/RUSTSEC-2016-0006.json"] = changed
	srv.extra["/Go/modified_id.csv"] = []byte("0001-01-01T00:00:00Z,GO-2022-0969\n")
	srv.extra["/PyPI/modified_id.csv"] = []byte("2020-01-01T00:00:00Z,PYSEC-2020-35\n")
	zipHits := srv.hits["/crates.io/all.zip"].Load()
	stats, err = Update(ctx, dir, UpdateOptions{Source: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, e := range stats.Ecosystems {
		got = append(got, fmt.Sprintf("%s %s %d", e.Ecosystem, e.Mode, e.Records))
	}
	if want := []string{"Go current 0", "PyPI current 0", "crates.io incremental 1"}; !slices.Equal(got, want) {
		t.Errorf("incremental update: %q, want %q", got, want)
	}
	if srv.hits["/crates.io/all.zip"].Load() != zipHits {
		t.Error("the incremental update downloaded all.zip")
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Get(ctx, "RUSTSEC-2016-0006")
	if err != nil || r == nil || !strings.HasPrefix(r.Summary, "UPDATED ") {
		t.Errorf("record not updated: %+v, %v", r, err)
	}
	before := s.Path()
	st, _ := s.Status(ctx)
	s.Close()

	// A failing download aborts the update; the database is untouched.
	srv.fail["/crates.io/all.zip"] = true
	if _, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, Full: true}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("update with a failing server: err = %v", err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st2, _ := s.Status(ctx)
	if s.Path() != before || st2.Records != st.Records {
		t.Errorf("failed update changed the database: %s → %s, %d → %d records", before, s.Path(), st.Records, st2.Records)
	}
}

func readRecordFromZip(t testing.TB, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			data, err := readEntry(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("%s not in %s", name, path)
	return nil
}

// TestUpdateDir: --source may be a directory laid out like the bucket.
func TestUpdateDir(t *testing.T) {
	dir := t.TempDir()
	stats, err := Update(context.Background(), dir, UpdateOptions{Source: testdata.Path(t, "osv"), Ecosystems: []string{"crates.io"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Ecosystems) != 1 || stats.Ecosystems[0].Records != 1206 {
		t.Errorf("stats %+v", stats.Ecosystems)
	}
}

func TestNoDatabase(t *testing.T) {
	_, err := Open(t.TempDir())
	if !errors.Is(err, ErrNoDatabase) {
		t.Errorf("Open(empty dir) = %v, want ErrNoDatabase", err)
	}
}

// TestImportRecordsSources checks that db import records where each
// ecosystem came from: db status shows it, and a later db update without
// --ecosystem refreshes exactly those ecosystems.
func TestImportRecordsSources(t *testing.T) {
	dir := t.TempDir()
	zipPath := testdata.Path(t, "osv", "crates.io", "all.zip")
	kevPath := testdata.Path(t, "kev", "known_exploited_vulnerabilities.json")
	if _, err := Import(context.Background(), dir, []string{zipPath, kevPath}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(context.Background())
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Ecosystems) != 1 || st.Ecosystems[0].Ecosystem != "crates.io" || st.Ecosystems[0].Source != zipPath || st.Ecosystems[0].Loaded.IsZero() {
		t.Errorf("ecosystems %+v, want crates.io from %s", st.Ecosystems, zipPath)
	}
	if st.KEV == nil || st.KEV.Source != kevPath {
		t.Errorf("KEV %+v, want source %s", st.KEV, kevPath)
	}

	stats, err := Update(context.Background(), dir, UpdateOptions{Source: testdata.Path(t, "osv")})
	if err != nil {
		t.Fatal(err)
	}
	var updated []string
	for _, e := range stats.Ecosystems {
		updated = append(updated, e.Ecosystem)
	}
	if !slices.Equal(updated, []string{"crates.io"}) {
		t.Errorf("db update after import refreshed %v, want the imported [crates.io]", updated)
	}
}

// TestCorruptDatabase damages the live file in the two ways a disk or an
// interrupted copy does and checks that the error says so (not "no
// database"), that import refuses to build on it, and that update, which
// the error message recommends, rebuilds it.
func TestCorruptDatabase(t *testing.T) {
	zipPath := testdata.Path(t, "osv", "crates.io", "all.zip")
	damage := map[string]func(t *testing.T, path string){
		"truncated": func(t *testing.T, path string) {
			if err := os.Truncate(path, 50_000); err != nil {
				t.Fatal(err)
			}
		},
		// Pages in the middle overwritten: the header and the meta table
		// still read, so Open succeeds and only the integrity check sees it.
		"overwritten": func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 64<<10), 100<<10); err != nil {
				t.Fatal(err)
			}
			f.Close()
		},
	}
	for name, fn := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Import(context.Background(), dir, []string{zipPath}, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			path := s.Path()
			s.Close()
			fn(t, path)

			s, err = Open(dir)
			if err == nil {
				err = s.Check(context.Background())
				s.Close()
			}
			if !errors.Is(err, ErrCorrupt) || !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open+Check = %v, want ErrCorrupt (an ErrNoDatabase) naming %s", err, path)
			}
			if _, err := Import(context.Background(), dir, []string{zipPath}, ImportOptions{}); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Import onto the damaged file = %v, want ErrCorrupt", err)
			}
			stats, err := Update(context.Background(), dir, UpdateOptions{Source: testdata.Path(t, "osv"), Ecosystems: []string{"crates.io"}})
			if err != nil {
				t.Fatalf("Update over a damaged database: %v", err)
			}
			if len(stats.Ecosystems) != 1 || stats.Ecosystems[0].Records != 1206 || stats.Ecosystems[0].Mode != "full" {
				t.Errorf("update stats %+v, want a full load of 1206 records", stats.Ecosystems)
			}
			s, err = Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Check(context.Background()); err != nil {
				t.Errorf("rebuilt database: %v", err)
			}
		})
	}
}

// TestOneWriterAtATime: while one import or update builds, a second fails
// at once with ErrBusy (before downloading anything) and the first one's
// work is kept; once it commits, the next writer goes ahead.
func TestOneWriterAtATime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	record := filepath.Join("osv", "testdata", "records", "HALLMARK-TEST-1.json")
	first, err := Begin(ctx, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Begin(ctx, dir, false); !errors.Is(err, ErrBusy) {
		t.Errorf("second Begin = %v, want ErrBusy", err)
	}
	if _, err := Import(ctx, dir, []string{record}, ImportOptions{}); !errors.Is(err, ErrBusy) {
		t.Errorf("Import during a build = %v, want ErrBusy", err)
	}
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	if _, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"Go"}}); !errors.Is(err, ErrBusy) {
		t.Errorf("Update during a build = %v, want ErrBusy", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("a refused update made %d requests", n)
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, dir, []string{record}, ImportOptions{}); err != nil {
		t.Errorf("Import after the build committed: %v", err)
	}
	b, err := Begin(ctx, dir, false)
	if err != nil {
		t.Fatalf("Begin after the import: %v", err)
	}
	b.Abort()
	if _, err := Begin(ctx, dir, false); err != nil {
		t.Errorf("Begin after an Abort: %v", err)
	}
}

// TestUpdateKEVUnreachable: a KEV catalogue that cannot be fetched fails
// the update before any export is downloaded, says how to go on without
// it, and leaves no database behind.
func TestUpdateKEVUnreachable(t *testing.T) {
	var zips atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".zip") || strings.HasSuffix(r.URL.Path, ".csv") {
			zips.Add(1)
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	dir := t.TempDir()
	_, err := Update(context.Background(), dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"Go"}, KEV: srv.URL + "/kev.json"})
	if err == nil || !strings.Contains(err.Error(), `KEV: `) || !strings.Contains(err.Error(), `--kev "" skips the catalogue`) {
		t.Errorf("err = %v, want a KEV error with the way around it", err)
	}
	if n := zips.Load(); n != 0 {
		t.Errorf("%d export requests before the KEV failure, want 0", n)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("Open after the failed update = %v, want ErrNoDatabase", err)
	}
}

// TestUpdateOptional: with Optional, an ecosystem whose export cannot be
// fetched and an unreachable KEV catalogue are left out and listed, the
// rest is loaded; when nothing can be loaded, the database is not rebuilt.
func TestUpdateOptional(t *testing.T) {
	rec := func(id, eco, name string) []byte {
		return fmt.Appendf(nil, `{"id": %q, "modified": "2024-05-01T10:00:00Z", "affected": [{"package": {"ecosystem": %q, "name": %q}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]}`, id, eco, name)
	}
	files := map[string]string{
		"/crates.io/all.zip": makeZip(t, map[string][]byte{"RUSTSEC-0000-0001.json": rec("RUSTSEC-0000-0001", "crates.io", "a")}),
		"/PyPI/all.zip":      makeZip(t, map[string][]byte{"PYSEC-0000-1.json": rec("PYSEC-0000-1", "PyPI", "b")}),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := files[r.URL.Path]; ok {
			http.ServeFile(w, r, f)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"crates.io"}}); err != nil {
		t.Fatal(err)
	}
	stats, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"Go", "PyPI"}, KEV: srv.URL + "/kev.json", Optional: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Unavailable{
		{KEVName, `GET ` + srv.URL + `/kev.json: 404 Not Found`},
		{"Go", "GET " + srv.URL + "/Go/all.zip: 404 Not Found"},
	}
	if !slices.Equal(stats.Unavailable, want) {
		t.Errorf("unavailable:\n got %q\nwant %q", stats.Unavailable, want)
	}
	if len(stats.Ecosystems) != 1 || stats.Ecosystems[0].Ecosystem != "PyPI" || stats.Ecosystems[0].Records != 1 {
		t.Errorf("loaded %+v, want PyPI's one record", stats.Ecosystems)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	have, err := s.Ecosystems(ctx)
	before := s.Path()
	s.Close()
	if err != nil || !slices.Equal(have, []string{"PyPI", "crates.io"}) {
		t.Errorf("ecosystems %q (%v), want PyPI and crates.io", have, err)
	}

	// Nothing available: the database stays the same file.
	stats, err = Update(ctx, dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"Go"}, KEV: srv.URL + "/kev.json", Optional: true})
	if err != nil || len(stats.Unavailable) != 2 || len(stats.Ecosystems) != 0 {
		t.Fatalf("stats %+v, err %v", stats, err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Path() != before {
		t.Errorf("an update that loaded nothing rebuilt the database: %s → %s", before, s.Path())
	}

	// Without Optional the same update fails.
	if _, err := Update(ctx, dir, UpdateOptions{Source: srv.URL, Ecosystems: []string{"Go"}, Optional: false}); err == nil {
		t.Error("a failed download without Optional: no error")
	}
}

// TestMirrorKEV: a local mirror's KEV copy is found in the source directory
// or in kev/ beside it; a URL source has none.
func TestMirrorKEV(t *testing.T) {
	root := t.TempDir()
	osvDir := filepath.Join(root, "osv")
	if err := os.MkdirAll(filepath.Join(root, "kev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(osvDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := MirrorKEV(osvDir); ok {
		t.Errorf("MirrorKEV without a copy = %q", p)
	}
	beside := filepath.Join(root, "kev", KEVFile)
	if err := os.WriteFile(beside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, ok := MirrorKEV(osvDir + "/"); !ok || p != beside {
		t.Errorf("MirrorKEV = %q, %v, want %q", p, ok, beside)
	}
	inside := filepath.Join(osvDir, KEVFile)
	if err := os.WriteFile(inside, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, ok := MirrorKEV(osvDir); !ok || p != inside {
		t.Errorf("MirrorKEV = %q, %v, want %q", p, ok, inside)
	}
	if p, ok := MirrorKEV("https://example.com/osv"); ok {
		t.Errorf("MirrorKEV of a URL = %q", p)
	}
}
