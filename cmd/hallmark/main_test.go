package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the expected output in testscript files")

func TestMain(m *testing.M) {
	// TestInterrupt runs this binary as hallmark itself, to send it a real
	// signal.
	if os.Getenv("HALLMARK_TEST_AS_MAIN") == "1" {
		main()
	}
	testscript.Main(m, map[string]func(){
		"hallmark": func() { os.Exit(run(os.Args[1:])) },
	})
}

// TestScripts runs the CLI end to end: testdata/script/*.txtar at the
// repository root. Scripts see HALLMARK_TESTDATA (the shared real data) and
// skip with [!exec:...] or [!env:...] conditions when something is absent.
func TestScripts(t *testing.T) {
	data := os.Getenv("HALLMARK_TESTDATA")
	if data == "" {
		data = "../../../shared/data"
	}
	data, _ = filepath.Abs(data)
	vulndb, err := filepath.Abs("../../testdata/vulndb")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			// The tiny checked-in database the transcripts compare
			// against (testdata/vulndb/README.md).
			env.Setenv("VULNDB", vulndb)
			if _, err := os.Stat(data); err == nil {
				env.Setenv("HALLMARK_TESTDATA", data)
			}
			// A real Debian image that .ci/run builds with debootstrap, and
			// the number of packages dpkg-query counts in it.
			for _, k := range []string{"HALLMARK_DEBIAN_IMAGE", "HALLMARK_DEBIAN_IMAGE_PKGS"} {
				env.Setenv(k, os.Getenv(k))
			}
			// Scripts that build a Go program ([exec:go]) use this
			// process's build cache, so that they do not compile the
			// standard library again (testscript's HOME is no home).
			if c := os.Getenv("GOCACHE"); c != "" {
				env.Setenv("GOCACHE", c)
			} else if dir, err := os.UserCacheDir(); err == nil {
				env.Setenv("GOCACHE", filepath.Join(dir, "go-build"))
			}
			return nil
		},
		// [testdata]: the shared real data is present (scripts that need it
		// skip without it, saying so, as the Go tests do). [env:NAME]: the
		// variable is set and not empty (testscript has no such condition).
		Condition: func(cond string) (bool, error) {
			if cond == "testdata" {
				_, err := os.Stat(data)
				return err == nil, nil
			}
			if name, ok := strings.CutPrefix(cond, "env:"); ok {
				return os.Getenv(name) != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkimage":    mkimage,
			"mkregistry": mkregistry,
			"mkzip":      mkzip,
		},
	})
}

// mkzip writes a zip for scripts: `mkzip OUT FILE...`, each FILE stored
// under its base name at the zip's root, as OSV lays out all.zip.
func mkzip(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkzip OUT FILE...")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range args[1:] {
		w, err := zw.Create(filepath.Base(f))
		ts.Check(err)
		_, err = w.Write([]byte(ts.ReadFile(f)))
		ts.Check(err)
	}
	ts.Check(zw.Close())
	out := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(out), 0o755))
	ts.Check(os.WriteFile(out, buf.Bytes(), 0o644))
}
