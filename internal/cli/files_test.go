package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func TestReplaceFile(t *testing.T) {
	dir := t.TempDir()

	// A new file gets perm; an existing one keeps its mode.
	out := filepath.Join(dir, "out.json")
	if err := replaceFile(out, 0o644, writeString("one")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
	os.Chmod(out, 0o640)
	if err := replaceFile(out, 0o644, writeString("two")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o640 {
		t.Errorf("existing file mode %v, want 0640 kept", st.Mode().Perm())
	}

	// A failed write leaves the old content and no temporary file.
	if err := replaceFile(out, 0o644, func(w io.Writer) error { io.WriteString(w, "half"); return errors.New("boom") }); err == nil {
		t.Fatal("want error")
	}
	if data, _ := os.ReadFile(out); string(data) != "two" {
		t.Errorf("after a failed write: %q, want the old content", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}

	// A symbolic link is replaced by a new file, not written through (a
	// checkout may plant "sbom.json" -> ~/.bashrc).
	link := filepath.Join(dir, "link.json")
	os.Symlink("out.json", link)
	if err := replaceFile(link, 0o600, writeString("three")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf("link.json is %v, want a regular file 0600", fi.Mode())
	}
	if data, _ := os.ReadFile(link); string(data) != "three" {
		t.Errorf("link.json holds %q", data)
	}
	if data, _ := os.ReadFile(out); string(data) != "two" {
		t.Errorf("the link's target was written: %q", data)
	}

	// A FIFO (like /dev/null, a device) is written in place and survives.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no mkfifo:", err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		data, _ := io.ReadAll(f)
		f.Close()
		got <- string(data)
	}()
	if err := replaceFile(fifo, 0o644, writeString("four")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "four" {
		t.Errorf("read from the pipe: %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe became %v", fi.Mode())
	}

	// Errors name the file as given, not a temporary name.
	err := replaceFile(filepath.Join(dir, "missing", "x.json"), 0o644, writeString("x"))
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "missing", "x.json")+": ") || strings.Contains(err.Error(), ".x.json.") {
		t.Errorf("err = %v", err)
	}
}
