package vulndb

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// paddedRecord is a valid OSV record of exactly size bytes (padded with
// spaces, which deflate to almost nothing).
func paddedRecord(id string, size int) []byte {
	rec := fmt.Appendf(nil, `{"id":%q,"modified":"2024-01-01T00:00:00Z"}`, id)
	return append(rec, bytes.Repeat([]byte(" "), size-len(rec))...)
}

// overlapBomb builds the zip of issue 15 item 11: one deflated record of
// size bytes behind one local header, and n central-directory entries
// (different names) all pointing at it. archive/zip reads every one of
// them, inflating the same bytes n times.
func overlapBomb(n, size int) []byte {
	body := paddedRecord("BOMB-1", size)
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(body)
	fw.Close()
	crc := crc32.ChecksumIEEE(body)
	le := binary.LittleEndian
	var b []byte
	name := "BOMB-1.json"
	b = le.AppendUint32(b, 0x04034b50) // local file header
	b = le.AppendUint16(b, 20)         // version needed
	b = le.AppendUint16(b, 0)          // flags
	b = le.AppendUint16(b, zip.Deflate)
	b = le.AppendUint32(b, 0) // time, date
	b = le.AppendUint32(b, crc)
	b = le.AppendUint32(b, uint32(comp.Len()))
	b = le.AppendUint32(b, uint32(len(body)))
	b = le.AppendUint16(b, uint16(len(name)))
	b = le.AppendUint16(b, 0)
	b = append(b, name...)
	b = append(b, comp.Bytes()...)
	cdStart := len(b)
	for i := range n {
		name := fmt.Sprintf("BOMB-%05d.json", i)
		b = le.AppendUint32(b, 0x02014b50) // central directory header
		b = le.AppendUint16(b, 20)         // version made by
		b = le.AppendUint16(b, 20)         // version needed
		b = le.AppendUint16(b, 0)
		b = le.AppendUint16(b, zip.Deflate)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, crc)
		b = le.AppendUint32(b, uint32(comp.Len()))
		b = le.AppendUint32(b, uint32(len(body)))
		b = le.AppendUint16(b, uint16(len(name)))
		b = le.AppendUint16(b, 0) // extra
		b = le.AppendUint16(b, 0) // comment
		b = le.AppendUint16(b, 0) // disk
		b = le.AppendUint16(b, 0) // internal attributes
		b = le.AppendUint32(b, 0) // external attributes
		b = le.AppendUint32(b, 0) // local header offset: always the one record
		b = append(b, name...)
	}
	cdLen := len(b) - cdStart
	b = le.AppendUint32(b, 0x06054b50) // end of central directory
	b = le.AppendUint32(b, 0)          // disk numbers
	b = le.AppendUint16(b, uint16(n))
	b = le.AppendUint16(b, uint16(n))
	b = le.AppendUint32(b, uint32(cdLen))
	b = le.AppendUint32(b, uint32(cdStart))
	b = le.AppendUint16(b, 0)
	return b
}

// quotedOverlap builds Fifield's other kind of overlap: a stored entry
// whose data is the next entry's local header and data, so that the
// second record is read twice without two entries sharing a header.
func quotedOverlap() []byte {
	le := binary.LittleEndian
	header := func(b []byte, sig uint32, name string, data []byte, offset int) []byte {
		b = le.AppendUint32(b, sig)
		if sig == 0x02014b50 {
			b = le.AppendUint16(b, 20) // version made by
		}
		b = le.AppendUint16(b, 20) // version needed
		b = le.AppendUint16(b, 0)  // flags
		b = le.AppendUint16(b, zip.Store)
		b = le.AppendUint32(b, 0) // time, date
		b = le.AppendUint32(b, crc32.ChecksumIEEE(data))
		b = le.AppendUint32(b, uint32(len(data)))
		b = le.AppendUint32(b, uint32(len(data)))
		b = le.AppendUint16(b, uint16(len(name)))
		b = le.AppendUint16(b, 0) // extra
		if sig == 0x02014b50 {
			b = le.AppendUint16(b, 0) // comment
			b = le.AppendUint32(b, 0) // disk, internal attributes
			b = le.AppendUint32(b, 0) // external attributes
			b = le.AppendUint32(b, uint32(offset))
		}
		return append(b, name...)
	}
	inner := paddedRecord("INNER-1", 200)
	innerLocal := append(header(nil, 0x04034b50, "INNER-1.json", inner, 0), inner...)
	// OUTER-1.json's data is INNER-1.json's local header and data.
	b := header(nil, 0x04034b50, "OUTER-1.json", innerLocal, 0)
	innerAt := len(b)
	b = append(b, innerLocal...)
	cdStart := len(b)
	b = header(b, 0x02014b50, "OUTER-1.json", innerLocal, 0)
	b = header(b, 0x02014b50, "INNER-1.json", inner, innerAt)
	cdLen := len(b) - cdStart
	b = le.AppendUint32(b, 0x06054b50)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint32(b, uint32(cdLen))
	b = le.AppendUint32(b, uint32(cdStart))
	return le.AppendUint16(b, 0)
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOverlappingZip: a zip whose entries share data is refused as a
// whole, before any of it is inflated, and nothing is imported. The bombs
// here are small enough to stay under the inflation bound, so only the
// overlap check stops them.
func TestOverlappingZip(t *testing.T) {
	for _, tc := range []struct {
		name string
		zip  []byte
	}{
		{"shared header", overlapBomb(1000, 4<<10)}, // 4 MiB inflated from 52 KB
		{"quoted", quotedOverlap()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The zip is well-formed as far as archive/zip is concerned.
			zr, err := zip.NewReader(bytes.NewReader(tc.zip), int64(len(tc.zip)))
			if err != nil {
				t.Fatalf("archive/zip refuses the test zip: %v", err)
			}
			for _, f := range zr.File {
				if _, err := readEntry(f, nil); err != nil {
					t.Fatalf("archive/zip cannot read %s: %v", f.Name, err)
				}
			}
			p := writeTemp(t, "all.zip", tc.zip)
			dir := t.TempDir()
			_, err = Import(context.Background(), dir, []string{p}, ImportOptions{})
			if !errors.Is(err, ErrArchive) || !strings.Contains(err.Error(), "overlap") {
				t.Fatalf("err = %v, want ErrArchive naming the overlap", err)
			}
			if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) {
				t.Errorf("after the refused import: Open = %v, want ErrNoDatabase", err)
			}
		})
	}
}

// TestInflationBound: a zip of distinct, non-overlapping entries, each
// under the per-entry limits, is refused when together they would inflate
// past MaxArchiveRatio × its size + MinUnpackedAllowance.
func TestInflationBound(t *testing.T) {
	entries := map[string][]byte{}
	for i := range 40 { // 40 MiB from about 40 KB
		id := fmt.Sprintf("PAD-%02d", i)
		entries[id+".json"] = paddedRecord(id, 1<<20)
	}
	p := makeZip(t, entries)
	st, _ := os.Stat(p)
	if limit := unpackLimit(st.Size()); limit >= 40<<20 {
		t.Fatalf("test zip of %d bytes may inflate to %d; make it bigger", st.Size(), limit)
	}
	dir := t.TempDir()
	_, err := Import(context.Background(), dir, []string{p}, ImportOptions{})
	if !errors.Is(err, ErrArchive) || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("err = %v, want ErrArchive over the inflation limit", err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("after the refused import: Open = %v, want ErrNoDatabase", err)
	}

	// Half as many entries fit: the bound is not a refusal of every
	// highly compressible zip.
	small := map[string][]byte{}
	for i := range 10 {
		id := fmt.Sprintf("PAD-%02d", i)
		small[id+".json"] = paddedRecord(id, 1<<20)
	}
	stats, err := Import(context.Background(), dir, []string{makeZip(t, small)}, ImportOptions{})
	if err != nil || stats.Records != 10 {
		t.Fatalf("10 MiB zip: %v records, err %v", stats, err)
	}
}

// BenchmarkOverlapBomb: refusing an overlap bomb costs time linear in its
// entries (it reads each entry's local header once), not in what it would
// inflate to. The size of issue 15 item 11 is 60,000 entries of 1 MiB.
func BenchmarkOverlapBomb(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000, 60000} {
		p := writeTemp(b, "all.zip", overlapBomb(n, 1<<20))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				err := readZip(context.Background(), p, func(string, []byte) error { return nil }, func(Invalid) {})
				if !errors.Is(err, ErrArchive) {
					b.Fatal(err)
				}
			}
		})
	}
}

// The child of TestStaleFilesAfterKill: it starts building a new version
// of the database in the directory named by the environment, says so, and
// waits to be killed.
func init() {
	dir := os.Getenv("HALLMARK_TEST_KILLED_BUILDER")
	if dir == "" {
		return
	}
	b, err := Begin(context.Background(), dir, false)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	// An update would be downloading an export beside it.
	os.WriteFile(filepath.Join(dir, ".download-123.zip"), []byte("PK"), 0o644)
	fmt.Println("building", filepath.Base(b.path))
	time.Sleep(time.Hour)
	os.Exit(1)
}

func dbFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); n != lockFile {
			names = append(names, n)
		}
	}
	return names
}

// TestStaleFilesAfterKill: a builder killed with SIGKILL leaves its
// osv-*.db (and an update its download). While it runs nothing of it is
// touched; once it is dead the next import or update removes what it left,
// even when that import or update then fails, and keeps the live database.
func TestStaleFilesAfterKill(t *testing.T) {
	if !lockExcludes {
		t.Skip("no exclusive writer lock on this system")
	}
	ctx := context.Background()
	dir := t.TempDir()
	record := filepath.Join("osv", "testdata", "records", "HALLMARK-TEST-1.json")
	if _, err := Import(ctx, dir, []string{record}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	live := filepath.Base(s.Path())
	s.Close()
	// A reader's WAL files belong to the live database and stay.
	os.WriteFile(filepath.Join(dir, live+"-shm"), nil, 0o644)

	kill := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "HALLMARK_TEST_KILLED_BUILDER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "building osv-") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("builder said %q, %v", line, err)
		}
		building := strings.TrimSpace(strings.TrimPrefix(line, "building "))
		// While it lives, its files are its own.
		if _, err := Import(ctx, dir, []string{record}, ImportOptions{}); !errors.Is(err, ErrBusy) {
			t.Errorf("import during the build: %v, want ErrBusy", err)
		}
		if _, err := os.Stat(filepath.Join(dir, building)); err != nil {
			t.Errorf("a refused import touched the live builder's file: %v", err)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		// What the killed builder left, and a pointer never renamed.
		os.WriteFile(filepath.Join(dir, building+"-journal"), nil, 0o644)
		os.WriteFile(filepath.Join(dir, pointerFile+".tmp"), []byte("osv-x.db\n"), 0o644)
		if got := dbFiles(t, dir); len(got) != 7 {
			t.Fatalf("after SIGKILL: %v, want the live database, its -shm, the pointer and the builder's files", got)
		}
		return building
	}
	want := []string{pointerFile, live, live + "-shm"}

	// An import that fails (the zip is not one) still cleans up first.
	kill()
	notZip := writeTemp(t, "all.zip", []byte("not a zip"))
	if _, err := Import(ctx, dir, []string{notZip}, ImportOptions{}); !errors.Is(err, ErrArchive) {
		t.Fatalf("import of a non-zip: %v", err)
	}
	if got := dbFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the next import: %v, want %v", got, want)
	}

	// So does an update that fails. (It opens the live database itself,
	// and SQLite removes the -shm when it closes it.)
	kill()
	if _, err := Update(ctx, dir, UpdateOptions{Source: t.TempDir(), Ecosystems: []string{"Go"}}); err == nil {
		t.Fatal("update from an empty source succeeded")
	}
	want = []string{pointerFile, live}
	if got := dbFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("after the next update: %v, want %v", got, want)
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if filepath.Base(s.Path()) != live {
		t.Errorf("live database is now %s, want %s", s.Path(), live)
	}
}

// TestStaleUnknownPointer: when the pointer cannot be read, which file is
// live is not known, and no database file is removed.
func TestStaleUnknownPointer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, pointerFile), []byte("../elsewhere.db\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "osv-1.db"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, ".download-1.zip"), []byte("x"), 0o644)
	removeStale(dir)
	if got := dbFiles(t, dir); !slices.Equal(got, []string{pointerFile, "osv-1.db"}) {
		t.Errorf("left %v", got)
	}
}
