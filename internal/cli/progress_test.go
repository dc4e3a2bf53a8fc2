package cli

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is read by the test while the drawing goroutine writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The progress line appears only after its delay, is redrawn in place and
// is erased when the work ends; work that ends first prints nothing.
func TestProgressLine(t *testing.T) {
	var quick bytes.Buffer
	progressLine(&quick, "reading x", time.Hour, time.Millisecond, new(atomic.Bool))()
	if quick.Len() != 0 {
		t.Errorf("work shorter than the delay printed %q", quick.String())
	}

	var slow lockedBuffer
	shown := new(atomic.Bool)
	done := progressLine(&slow, "reading alpine:3.20", 0, time.Millisecond, shown)
	for !strings.Contains(slow.String(), "reading") {
		time.Sleep(time.Millisecond) // the drawing goroutine writes; wait for it, whatever the machine's load
	}
	if !shown.Load() {
		t.Error("a drawn line is not marked shown")
	}
	done()
	done() // twice is harmless
	if shown.Load() {
		t.Error("an erased line is still marked shown")
	}
	out := slow.String()
	if !strings.HasPrefix(out, "\r\x1b[K⠋ reading alpine:3.20 (0 s)") {
		t.Errorf("first frame: %q", out)
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the line is not erased at the end: %q", out)
	}
	if strings.Contains(out, "\n") {
		t.Errorf("a progress line never ends a line: %q", out)
	}
}

// In a pipe (not a terminal) and with -q there is no progress at all.
func TestWorkingNotOnPipes(t *testing.T) {
	var buf bytes.Buffer
	a := &app{stderr: &buf}
	a.working("reading x")()
	if buf.Len() != 0 {
		t.Errorf("printed %q to a pipe", buf.String())
	}
}
