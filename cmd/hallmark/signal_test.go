//go:build unix

package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt sends a real SIGINT to a real hallmark process in the middle
// of a download and wants exit status 130, "interrupted" on stderr and the
// database directory without a database (an interrupted update changes
// nothing).
func TestInterrupt(t *testing.T) {
	hit := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case hit <- struct{}{}:
		default:
		}
		<-r.Context().Done() // hang until the client goes away
	}))
	defer srv.Close()

	db := filepath.Join(t.TempDir(), "db")
	cmd := exec.Command(os.Args[0], "db", "update", "--db", db, "--source", srv.URL, "--ecosystem", "Go", "--kev", "")
	cmd.Env = append(os.Environ(), "HALLMARK_TEST_AS_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The signal goes out once the process is inside the download, so its
	// handler is installed; the timeout only keeps a broken build from
	// hanging the suite.
	select {
	case <-hit:
	case err := <-done:
		t.Fatalf("hallmark ended before downloading: %v\nstderr:\n%s", err, stderr.String())
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("hallmark never reached the server")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v (exit code %d), want exit status 130\nstderr:\n%s", err, cmd.ProcessState.ExitCode(), stderr.String())
	}
	if got, want := stderr.String(), "hallmark: interrupted\n"; !bytes.HasSuffix([]byte(got), []byte(want)) {
		t.Errorf("stderr = %q, want it to end with %q", got, want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(db, "current")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted update left a database pointer: %v", err)
	}
}
