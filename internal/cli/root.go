// Package cli wires hallmark's subcommands: flags in, a library call, a
// report out. One file per subcommand. Nothing here is imported by the
// library packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the README.
const (
	ExitOK       = 0 // success, nothing to report
	ExitFindings = 1 // scan: findings at or above --fail-on; verify: verification failed
	ExitError    = 2 // usage error or nothing could be done
	ExitPartial  = 3 // output written, but some inputs were skipped (listed on stderr and in the output)
	// ExitInterrupted is the shells' code for a process ended by SIGINT
	// (128+2): a script that runs hallmark stops as if Ctrl-C had reached
	// it directly, and nothing half done passes for a failure of the input.
	ExitInterrupted = 130
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode returns err with an exit code attached.
func withCode(code int, err error) error { return &exitError{code, err} }

// errPartial is returned when the output was written but inputs were skipped.
var errPartial = errors.New("some inputs were skipped")

// app holds what every command shares: the streams and the logger.
type app struct {
	stdout, stderr io.Writer
	quiet          bool
	platform       string // for image targets with several platforms
	verbose        bool
	config         string // --config
	logFormat      string // --log-format
	// progressShown is true while a progress line is on stderr (progress.go).
	progressShown atomic.Bool
	// The target as the user gave it, for the paths warnings name.
	targetDir, targetFile string
	log                   *slog.Logger
}

// maxError bounds the runes of an error printed on stderr: errors quote
// input, and a whole hostile file must not come back on the terminal.
const maxError = 2048

// Main runs hallmark with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		// Cancelled (Ctrl-C): whatever failed failed because of it, so the
		// error says so rather than blaming a download or a file.
		fmt.Fprintln(stderr, "hallmark: interrupted")
		return ExitInterrupted
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == ExitPartial || ee.code == ExitFindings {
			return ee.code // already reported
		}
		fmt.Fprintf(stderr, "hallmark: %s\n", escape.Excerpt(ee.err.Error(), maxError))
		return ee.code
	}
	// Errors name inputs and quote excerpts of them: escaped, so a file
	// name or a field cannot write to the terminal or forge a line.
	fmt.Fprintf(stderr, "hallmark: %s\n", escape.Excerpt(err.Error(), maxError))
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "usage: %s\n(hallmark %s --help for more)\n", ue.use, ue.path)
	}
	return ExitError
}

// usageError is a mistake in how a command was called (its arguments or
// flags): the usage line follows the error.
type usageError struct {
	err       error
	use, path string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// withUsage makes every argument and flag error of cmd and the commands
// below it a usageError.
func withUsage(cmd *cobra.Command) {
	wrap := func(c *cobra.Command, err error) error {
		path := strings.TrimPrefix(strings.TrimPrefix(c.CommandPath(), c.Root().Name()), " ")
		return &usageError{err: err, use: c.UseLine(), path: path}
	}
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return wrap(c, err)
			}
			return nil
		}
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return wrap(c, err) })
	for _, sub := range cmd.Commands() {
		withUsage(sub)
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hallmark",
		Short: "Know what is in your software, whether it is vulnerable, and whether to trust it",
		Long: `hallmark inventories software (SBOMs), matches it against OSV advisories,
signs and verifies artifacts and attestations, and ranks the open-source
projects a portfolio depends on.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.applyConfig(cmd, a.config); err != nil {
				return withCode(ExitError, err)
			}
			level := slog.LevelWarn
			switch {
			case a.quiet:
				level = slog.LevelError
			case a.verbose:
				level = slog.LevelDebug
			}
			log, err := a.newLogger(a.logFormat, level)
			if err != nil {
				return withCode(ExitError, err)
			}
			a.log = log
			return nil
		},
	}
	root.PersistentFlags().BoolVarP(&a.quiet, "quiet", "q", envBool("HALLMARK_QUIET"), "print only errors on stderr (env HALLMARK_QUIET)")
	root.PersistentFlags().StringVar(&a.platform, "platform", envOr("HALLMARK_PLATFORM", ""), "for multi-platform images: os/arch[/variant] (default linux/amd64; env HALLMARK_PLATFORM)")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "print debug diagnostics on stderr")
	root.PersistentFlags().StringVar(&a.logFormat, "log-format", envOr("HALLMARK_LOG_FORMAT", logText), "diagnostics on stderr: text (lines for people), logfmt (key=value) or json (env HALLMARK_LOG_FORMAT)")
	root.PersistentFlags().StringVar(&a.config, "config", envOr("HALLMARK_CONFIG", ""), "configuration file: flag names to values, as YAML (env HALLMARK_CONFIG; default ./"+configName+" when there is one)")
	root.AddCommand(
		a.sbomCmd(),
		a.dbCmd(), a.scanCmd(),
		a.scoreCmd(),
		a.rankCmd(),
		a.keyCmd(), a.signCmd(), a.attestCmd(), a.verifyCmd(),
		a.versionCmd(),
	)
	withUsage(root)
	a.registerCompletions(root)
	// --version prints what `hallmark version` does.
	var version strings.Builder
	_ = writeVersion(&version, readBuildInfo())
	root.Annotations = map[string]string{"build": version.String()}
	root.SetVersionTemplate(`{{index .Annotations "build"}}`)
	return root
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// envOr returns the environment variable's value, or def when unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// isTerminal reports whether w is a character device (a TTY).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// warn prints a warning for people on stderr, unless -q.
func (a *app) warn(msg string) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, "warning: %s\n", msg)
	}
}
