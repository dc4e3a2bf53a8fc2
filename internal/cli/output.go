package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/exclude"
	"github.com/hallmark-dev/hallmark/internal/escape"
)

// The output formats, one set of names for every command that writes
// results (each command accepts the subset it can write).
const (
	formatCycloneDXJSON = "cyclonedx-json"
	formatCycloneDXXML  = "cyclonedx-xml"
	formatSPDXJSON      = "spdx-json"
	formatSPDXTagValue  = "spdx-tag-value"
	formatJSON          = "json"
	formatTable         = "table"
	formatSARIF         = "sarif"
	formatMarkdown      = "markdown"
	formatCSV           = "csv"
)

// formatAliases are the other names syft and grype users type, mapped to
// hallmark's. syft's own list (syft/format/*/encoder.go Aliases): "cyclonedx",
// "cyclone" and "cdx" are CycloneDX XML (as grype's "cyclonedx" is), "spdx"
// and "spdx-tv" SPDX tag-value, "table" is syft-table's. "text" is what
// `hallmark verify -o` called its table before formats were one set.
// syft-json ("json", "syft" in syft) is syft's own schema, which hallmark
// does not write: hallmark's "json" is its own inventory.
var formatAliases = map[string]string{
	"cyclonedx":  formatCycloneDXXML,
	"cyclone":    formatCycloneDXXML,
	"cdx":        formatCycloneDXXML,
	"spdx":       formatSPDXTagValue,
	"spdx-tv":    formatSPDXTagValue,
	"syft-table": formatTable,
	"text":       formatTable,
}

// formatVersions are the spec versions hallmark writes, for syft's
// FORMAT@VERSION spelling: "cyclonedx-json@1.6" is accepted, another
// version is an error rather than a silently different document.
var formatVersions = map[string]string{
	formatCycloneDXJSON: "1.6",
	formatCycloneDXXML:  "1.6",
	formatSPDXJSON:      "2.3",
	formatSPDXTagValue:  "2.3",
}

// output is one requested output: a format and where it goes ("" is
// stdout).
type output struct {
	format string
	file   string
}

// toTerminal reports whether o goes to a terminal: only then may it have
// colours, progress-sized columns and the like.
func (o output) toTerminal(stdout io.Writer) bool {
	return (o.file == "" || o.file == "-") && isTerminal(stdout)
}

// outputFlags are -o/--output FORMAT[=FILE] (repeatable, as syft's) and
// --file FILE (grype's) of a command that writes results.
type outputFlags struct {
	values  []string
	old     []string // --format, the old long name
	file    string
	formats []string // what this command writes, canonical names
	// pipeDefault is the format when no -o is given and the output does
	// not go to a terminal; on a terminal it is table.
	pipeDefault string
}

// register adds the flags to cmd. env names the variable that gives -o a
// default ("" for none).
func (o *outputFlags) register(cmd *cobra.Command, env string, formats []string, pipeDefault string) {
	o.formats, o.pipeDefault = formats, pipeDefault
	var def []string
	if env != "" {
		if v := os.Getenv(env); v != "" {
			def = []string{v}
		}
	}
	envNote := ""
	if env != "" {
		envNote = "; env " + env
	}
	defNote := "table on a terminal, else " + pipeDefault
	if pipeDefault == formatTable {
		defNote = "table"
	}
	cmd.Flags().StringArrayVarP(&o.values, "output", "o", def,
		"output format, FORMAT or FORMAT=FILE, repeatable: "+strings.Join(formats, ", ")+" (default "+defNote+envNote+")")
	cmd.Flags().StringVar(&o.file, "file", "", "write the output to this file instead of stdout (for -o FORMAT without =FILE)")
	// --format was -o's long name before -o meant what it means in syft
	// and grype; scripts that spell it out keep working, with a warning
	// (resolve's; cobra's MarkDeprecated prints on stdout, into the output).
	if cmd.Flags().Lookup("format") == nil { // key generate's --format is the key's
		cmd.Flags().StringArrayVar(&o.old, "format", nil, "")
		_ = cmd.Flags().MarkHidden("format")
	}
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
}

// parseFormat returns the canonical name of a format (an alias or a
// FORMAT@VERSION resolved), which must be one of allowed.
func parseFormat(name string, allowed []string) (string, error) {
	base, version, hasVersion := strings.Cut(strings.ToLower(name), "@")
	if c, ok := formatAliases[base]; ok {
		base = c
	}
	if !slices.Contains(allowed, base) {
		hint := ""
		if strings.ContainsAny(name, "./") {
			hint = "; to write a file give -o FORMAT=FILE or --file FILE"
		}
		return "", fmt.Errorf("unknown format %q for -o (want %s)%s", name, strings.Join(allowed, ", "), hint)
	}
	if hasVersion {
		want, ok := formatVersions[base]
		if !ok {
			return "", fmt.Errorf("-o %q: %s has no versions", name, base)
		}
		if version != want {
			return "", fmt.Errorf("-o %q: hallmark writes %s version %s only", name, base, want)
		}
	}
	return base, nil
}

// resolve turns the flags into the outputs to write: every -o value, or
// the default one. At most one output goes to stdout and no two to the
// same file.
func (o *outputFlags) resolve(a *app) ([]output, error) {
	stdout := a.stdout
	if len(o.old) > 0 {
		a.warn("--format is deprecated: use -o/--output FORMAT")
	}
	values := append(slices.Clone(o.values), o.old...)
	if len(values) == 0 {
		def := o.pipeDefault
		if (o.file == "" || o.file == "-") && isTerminal(stdout) {
			def = formatTable
		}
		values = []string{def}
	}
	var outs []output
	seen := map[string]bool{}
	for _, v := range values {
		name, file, _ := strings.Cut(v, "=")
		format, err := parseFormat(name, o.formats)
		if err != nil {
			return nil, err
		}
		if file == "" {
			file = o.file
		}
		if file == "-" {
			file = ""
		}
		if seen[file] {
			if file == "" {
				return nil, fmt.Errorf("-o: more than one output to stdout; give the others a file (-o FORMAT=FILE)")
			}
			return nil, fmt.Errorf("-o: more than one output to %s", file)
		}
		seen[file] = true
		outs = append(outs, output{format: format, file: file})
	}
	return outs, nil
}

// writeOutputs writes each output with render, in the order given. The
// result is made once by the caller; only its rendering repeats.
func (a *app) writeOutputs(outs []output, render func(w io.Writer, o output) error) error {
	for _, o := range outs {
		if err := a.writeOutput(o.file, func(w io.Writer) error { return render(w, o) }); err != nil {
			return err
		}
	}
	return nil
}

// color reports whether o may carry ANSI colours: only on a terminal, and
// never when NO_COLOR is set (https://no-color.org).
func (a *app) color(o output) bool {
	return o.toTerminal(a.stdout) && os.Getenv("NO_COLOR") == ""
}

// excludeFlags is --exclude GLOB (repeatable), syft's flag and syntax
// (extract/exclude).
type excludeFlags struct {
	patterns []string
	m        *exclude.Matcher
}

func (e *excludeFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&e.patterns, "exclude", nil, "leave out paths matching this glob, relative to the target: ./testdata/**, **/*.json (repeatable)")
}

// apply compiles the patterns into opts.
func (e *excludeFlags) apply(opts *extract.Options) error {
	if len(e.patterns) == 0 {
		return nil
	}
	m, err := exclude.Compile(e.patterns)
	if err != nil {
		return err
	}
	e.m, opts.Exclude = m, m.Match
	return nil
}

// warnUnused says which patterns matched nothing: a typo, or a path from
// the wrong directory, would otherwise pass silently.
func (e *excludeFlags) warnUnused(a *app) {
	for _, p := range e.m.Unused() {
		a.warn(fmt.Sprintf("--exclude %s matched nothing", escape.Text(p)))
	}
}

// writeResult writes what a command that acts (key, sign, attest, db
// import and update) did: its JSON record for -o json, or for the table
// the lines for people, which go to stderr when no file is named (stdout
// may carry a bundle: sign --bundle -).
func (a *app) writeResult(outs []output, v any, text func(w io.Writer) error) error {
	for _, o := range outs {
		switch {
		case o.format == formatJSON:
			if err := a.writeOutput(o.file, func(w io.Writer) error { return writeJSON(w, v) }); err != nil {
				return err
			}
		case o.file != "":
			if err := a.writeOutput(o.file, text); err != nil {
				return err
			}
		case !a.quiet:
			if err := text(a.stderr); err != nil {
				return err
			}
		}
	}
	return nil
}

// bundleStdoutTaken is the error for -o json on stdout when stdout already
// carries the command's product: a bundle written to "-" (sign, attest).
func bundleStdoutTaken(outs []output, bundlePath string) error {
	if bundlePath != "-" {
		return nil
	}
	for _, o := range outs {
		if o.file == "" && o.format == formatJSON {
			return errors.New("--bundle - and -o json both go to stdout: give the JSON a file (-o json=FILE)")
		}
	}
	return nil
}

// width is the terminal's width in columns when o goes to a terminal (a
// table then fits it), else 0: a file or a pipe gets whole lines.
func (a *app) width(o output) int {
	if !o.toTerminal(a.stdout) {
		return 0
	}
	if f, ok := a.stdout.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 0
}
