package cli

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// progressDelay is how long work runs before a progress line appears:
// most runs end sooner, and a line that flashes by is noise.
const progressDelay = time.Second

// progressTick is how often the line is redrawn.
const progressTick = 200 * time.Millisecond

// working shows, on stderr when it is a terminal and -q is not given, one
// line that says what hallmark is doing and for how long (reading an image,
// walking a big tree), redrawn in place and erased when done. Pipes and
// files never get it, so logs stay clean. Call the returned func when the
// work is over.
func (a *app) working(what string) (done func()) {
	if a.quiet || !isTerminal(a.stderr) {
		return func() {}
	}
	return progressLine(a.stderr, escape.Text(what), progressDelay, progressTick, &a.progressShown)
}

// progressLine draws "⠋ what (3 s)" on w after delay, every tick, until
// done is called, which erases it ("\r\x1b[K": back to the start, clear to
// the end of the line). shown is true while a line is drawn, so that a
// warning printed meanwhile erases it first (textHandler).
func progressLine(w io.Writer, what string, delay, tick time.Duration, shown *atomic.Bool) (done func()) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		select {
		case <-stop:
			return
		case <-time.After(delay):
		}
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		t := time.NewTicker(tick)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r\x1b[K%c %s (%d s)", frames[i%len(frames)], what, int(time.Since(start).Seconds()))
			shown.Store(true)
			select {
			case <-stop:
				fmt.Fprint(w, "\r\x1b[K")
				shown.Store(false)
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			wg.Wait()
		})
	}
}
