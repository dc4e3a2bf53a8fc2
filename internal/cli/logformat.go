package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// Log formats (--log-format): people get short lines; key=value (logfmt)
// and JSON are for log collectors.
const (
	logText   = "text"
	logLogfmt = "logfmt"
	logJSON   = "json"
)

var logFormats = []string{logText, logLogfmt, logJSON}

// newLogger makes the diagnostics logger for --log-format.
func (a *app) newLogger(format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case logText, "":
		return slog.New(&textHandler{w: a.stderr, level: level, mu: new(sync.Mutex), prefix: a.pathPrefix, progress: &a.progressShown}), nil
	case logLogfmt:
		return slog.New(slog.NewTextHandler(a.stderr, opts)), nil
	case logJSON:
		return slog.New(slog.NewJSONHandler(a.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want %s", format, strings.Join(logFormats, ", "))
}

// textHandler writes a record as one line for people:
//
//	warning: proj/package-lock.json:1:1: invalid JSON (skipped)
//	warning: the SBOM lists no packages: sbom.json
//
// The path a record names comes first, as the user would type it (joined
// to the target they gave); other attributes follow in brackets.
// Everything from the input is escaped: a file name must not move the
// cursor or forge a line.
type textHandler struct {
	w      io.Writer
	level  slog.Level
	mu     *sync.Mutex
	attrs  []slog.Attr
	prefix func(string) string // a path in the target → as the user names it
	// progress is true while a progress line is drawn: it is erased
	// before the warning, and redrawn below it on its next tick.
	progress *atomic.Bool
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *textHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

// WithGroup keeps the attributes flat: the lines are for people.
func (h *textHandler) WithGroup(string) slog.Handler { return h }

func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	var where, reason string
	var rest []string
	add := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		switch a.Key {
		case "path", "file":
			if where == "" {
				where = v
				return true
			}
		case "reason", "err":
			if reason == "" {
				reason = v
				return true
			}
		}
		rest = append(rest, a.Key+": "+v)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)

	var b strings.Builder
	if h.progress != nil && h.progress.Load() {
		b.WriteString("\r\x1b[K")
	}
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	shown := where
	if h.prefix != nil && where != "" {
		shown = h.prefix(where)
	}
	msg := r.Message
	switch {
	case msg == "skipped" && reason != "":
		// The reason often starts with the path (a parser's "file:line:
		// col:" position); it is said once, as the user names it.
		if after, ok := strings.CutPrefix(reason, where); ok && where != "" {
			b.WriteString(escape.Text(shown) + escape.Text(after))
		} else {
			b.WriteString(escape.Text(shown) + ": " + escape.Text(reason))
		}
		b.WriteString(" (skipped)")
	case where != "":
		b.WriteString(escape.Text(msg) + ": " + escape.Text(shown))
		if reason != "" {
			b.WriteString(": " + escape.Text(reason))
		}
	default:
		b.WriteString(escape.Text(msg))
		if reason != "" {
			b.WriteString(": " + escape.Text(reason))
		}
	}
	if len(rest) > 0 {
		b.WriteString(" (" + escape.Text(strings.Join(rest, ", ")) + ")")
	}
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

// pathPrefix names a path of the target being read as the user would:
// joined to the directory they gave, or the file itself.
func (a *app) pathPrefix(p string) string {
	switch {
	case a.targetDir != "":
		return filepath.Join(a.targetDir, filepath.FromSlash(p))
	case a.targetFile != "" && path.Base(p) == filepath.Base(a.targetFile):
		return a.targetFile
	}
	return p
}
