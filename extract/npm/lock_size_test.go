package npm

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract"
)

// TestPackageLockSizeLimit: issue 15, item 13. A package-lock.json under
// the general 512 MiB file limit (501 MB, 1.45 M packages) took 4.5 GB
// and ran out of memory; JSON lockfiles have a limit of their own, under
// which a run is measured to stay below 1 GB.
func TestPackageLockSizeLimit(t *testing.T) {
	lock := `{"lockfileVersion": 3, "packages": {"": {"name": "big"}}}`
	big := lock + strings.Repeat(" ", maxJSONLockSize)
	fsys := fstest.MapFS{"package-lock.json": {Data: []byte(big)}}
	info, _ := fs.Stat(fsys, "package-lock.json")
	in := &extract.Input{FS: fsys, Path: "package-lock.json", Info: info, MaxSize: extract.DefaultMaxFileSize}
	_, _, err := PackageLock{}.Extract(t.Context(), in)
	if err == nil || !strings.Contains(err.Error(), extract.ErrTooLarge.Error()) {
		t.Errorf("err = %v, want the size limit", err)
	}
	// Under the limit, and under a smaller --max-file-size, as before.
	fsys["package-lock.json"] = &fstest.MapFile{Data: []byte(lock)}
	if _, _, err := (PackageLock{}).Extract(t.Context(), in); err != nil {
		t.Errorf("small lockfile: %v", err)
	}
	in.MaxSize = 10
	if _, _, err := (PackageLock{}).Extract(t.Context(), in); err == nil {
		t.Error("a --max-file-size below the lockfile's size is not applied")
	}
}
