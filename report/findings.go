package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/plural"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
)

// FindingsOptions configures the findings renderers.
type FindingsOptions struct {
	// Color adds ANSI colours to severities (the CLI sets it only when
	// stdout is a terminal).
	Color bool
	// ToolVersion is hallmark's version, recorded by SARIF and the VDR.
	ToolVersion string
	// URIBase is the directory package locations are relative to, as SARIF
	// should name it: relative to the working directory (the repository
	// root in CI, which code scanning resolves URIs against) when inside
	// it, else absolute; slash-separated. Empty leaves locations as they
	// are.
	URIBase string
	// XML selects the XML encoding of the CycloneDX VDR.
	XML bool
	// Width is the terminal's width in columns: the table's last column
	// is cut to fit it. 0 leaves lines as long as their content.
	Width int
}

// severityColor uses codes of one length so tabwriter's column widths,
// which count the escape bytes, stay aligned.
var severityColor = map[string]string{
	match.RatingCritical: "\x1b[91m",
	match.RatingHigh:     "\x1b[31m",
	match.RatingMedium:   "\x1b[33m",
	match.RatingLow:      "\x1b[36m",
	match.RatingNone:     "\x1b[37m",
	match.RatingUnknown:  "\x1b[37m",
}

const colorReset = "\x1b[0m"

// FindingsTable writes findings for people: one block per package (fix
// column: the smallest version that fixes all its findings), one line per
// vulnerability, then a summary.
func FindingsTable(w io.Writer, res *match.Result, opts FindingsOptions) error {
	if len(res.Packages) == 0 {
		fmt.Fprintln(w, cleanSummary(res))
		return footer(w, res)
	}
	sevHead := "SEVERITY"
	if opts.Color {
		sevHead = "\x1b[39m" + sevHead + colorReset
	}
	// Rows first, so that the last column can be cut to what the terminal
	// has left once the others are as wide as they need (opts.Width).
	type row struct {
		cells [7]string
		sev   int // the severity's visible width (its cell may hold colour codes)
	}
	var rows []row
	for i := range res.Packages {
		p := &res.Packages[i]
		for j, f := range p.Findings {
			name, version, upgrade := "", "", ""
			if j == 0 {
				name = p.Name
				version = p.Version
				upgrade = p.FixVersion
				if upgrade == "" {
					upgrade = "-"
				}
			}
			sevText := severityText(f)
			sev := sevText
			if opts.Color {
				sev = severityColor[f.Severity.Rating] + sev + colorReset
			}
			fixed := strings.Join(f.Fixed, ", ")
			if fixed == "" {
				fixed = "-"
			}
			var details []string
			if f.Status == match.StatusUnknown {
				details = append(details, "UNKNOWN: "+f.Reason)
			}
			if f.KEV != nil {
				details = append(details, "KEV "+f.KEV.CVE)
			}
			if f.Reachability != nil {
				details = append(details, f.Reachability.Status)
			}
			if f.Informational != "" {
				details = append(details, f.Informational)
			}
			if j == 0 && len(p.IntroducedBy) > 0 {
				details = append(details, "via "+strings.Join(shortPURLs(p.IntroducedBy), ", "))
			}
			if j == 0 && p.Note != "" {
				details = append(details, p.Note)
			}
			details = append(details, clip(f.Summary, 60))
			// Every cell but the severity (ours, maybe coloured) comes from
			// the input or the advisory database: escaped, so that no name
			// can move the cursor, clear the screen or start a line.
			rows = append(rows, row{cells: [7]string{escape.Text(name), escape.Text(version), escape.Text(upgrade),
				escape.Text(findingID(f)), sev, escape.Text(fixed), escape.Text(strings.Join(details, "; "))}, sev: len(sevText)})
		}
	}
	if opts.Width > 0 {
		const pad = 2
		widths := [6]int{len("PACKAGE"), len("VERSION"), len("UPGRADE TO"), len("VULNERABILITY"), len("SEVERITY"), len("FIXED IN")}
		for _, r := range rows {
			for c := range 6 {
				n := utf8.RuneCountInString(r.cells[c])
				if c == 4 {
					n = r.sev
				}
				widths[c] = max(widths[c], n)
			}
		}
		used := 0
		for _, n := range widths {
			used += n + pad
		}
		// At least a readable stub of the details, even on a narrow
		// terminal: the line wraps then, as it did before.
		budget := max(opts.Width-used, minDetails)
		for i := range rows {
			rows[i].cells[6] = clip(rows[i].cells[6], budget)
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "PACKAGE\tVERSION\tUPGRADE TO\tVULNERABILITY\t%s\tFIXED IN\tDETAILS\n", sevHead)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.cells[:], "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return footer(w, res)
}

// minDetails is the narrowest the details column is cut to.
const minDetails = 24

// findingID is the advisory's ID with its CVE beside it when the ID is
// another database's (GHSA-…, GO-…, PYSEC-…): the CVE is what people
// search for and what other scanners print.
func findingID(f match.Finding) string {
	if cve := cveAlias(f); cve != "" {
		return f.ID + " (" + cve + ")"
	}
	return f.ID
}

// cveAlias is the first CVE among a finding's aliases, "" when its ID is
// a CVE already or it has none.
func cveAlias(f match.Finding) string {
	if strings.HasPrefix(f.ID, "CVE-") {
		return ""
	}
	for _, a := range f.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			return a
		}
	}
	return ""
}

// cleanSummary is the line for a scan without findings. It never claims
// packages were checked when none were: an input that lists no packages,
// or whose packages' ecosystems the database lacks, is not a clean bill.
func cleanSummary(res *match.Result) string {
	switch checked := res.Summary.Checked(); {
	case res.Summary.Packages == 0 && len(res.Unresolved) > 0:
		return "No packages found: no lockfile resolves the manifests (see below), so nothing was checked."
	case res.Summary.Packages == 0:
		return "No packages found: the input lists none, so nothing was checked."
	case checked <= 0:
		if res.Summary.Packages == 1 {
			return "The one package could not be checked."
		}
		return fmt.Sprintf("None of the %d packages could be checked.", res.Summary.Packages)
	default:
		return fmt.Sprintf("No vulnerabilities found in %s.", plural.S(checked, "package"))
	}
}

func severityText(f match.Finding) string {
	if f.Severity.Score > 0 {
		return fmt.Sprintf("%s %.1f", f.Severity.Rating, f.Severity.Score)
	}
	return f.Severity.Rating
}

// footer writes the summary lines shared by the table and Markdown.
func footer(w io.Writer, res *match.Result) error {
	s := res.Summary
	if len(res.Packages) > 0 {
		fmt.Fprintf(w, "%s in %d of %s (%s)", plural.N(s.Findings, "vulnerability", "vulnerabilities"), s.Vulnerable, plural.S(s.Packages, "package"), severityCounts(s.BySeverity))
		if s.KEV > 0 {
			fmt.Fprintf(w, "; %d known exploited (CISA KEV)", s.KEV)
		}
		if s.Unknown > 0 {
			fmt.Fprintf(w, "; %d unknown (version could not be compared)", s.Unknown)
		}
		fmt.Fprintln(w, ".")
	}
	for _, line := range notes(res) {
		fmt.Fprintln(w, escape.Text(line))
	}
	return nil
}

// notes are the caveats every human-readable format repeats.
func notes(res *match.Result) []string {
	s := res.Summary
	var out []string
	if s.Suppressed > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.SuppressedBy)) {
			parts = append(parts, fmt.Sprintf("%d %s", s.SuppressedBy[k], k))
		}
		out = append(out, fmt.Sprintf("%d suppressed by VEX: %s.", s.Suppressed, strings.Join(parts, ", ")))
	}
	if len(s.Unversioned) > 0 {
		out = append(out, fmt.Sprintf("%s advisories but no pinned version, so none was checked: %s.", plural.N(len(s.Unversioned), "package has", "packages have"), strings.Join(shortPURLs(s.Unversioned), ", ")))
	}
	if s.GitOnly > 0 {
		out = append(out, fmt.Sprintf("%s a scanned package with only GIT commit ranges, which are not evaluated.", plural.N(s.GitOnly, "advisory names", "advisories name")))
	}
	if s.NoEcosystem > 0 {
		out = append(out, fmt.Sprintf("%s no OSV ecosystem and %s not matched.", plural.N(s.NoEcosystem, "package has", "packages have"), plural.Word(s.NoEcosystem, "was", "were")))
	}
	out = append(out, notCheckedNotes(s)...)
	if line := unresolvedNote(res.Unresolved); line != "" {
		out = append(out, line)
	}
	if res.ReachabilityNote != "" {
		out = append(out, res.ReachabilityNote)
	}
	if n := len(res.Skipped); n > 0 {
		parts := make([]string, n)
		for i, sk := range res.Skipped {
			parts[i] = skippedText(sk)
		}
		out = append(out, fmt.Sprintf("%s could not be read and %s not checked: %s.", plural.N(n, "input", "inputs"), plural.Word(n, "was", "were"), strings.Join(parts, "; ")))
	}
	return out
}

// notCheckedNotes say which ecosystems' packages were not checked and why,
// and what the KEV flags lack: what SARIF reports as tool notifications and
// the other formats as notes.
func notCheckedNotes(s match.Summary) []string {
	var out []string
	for _, eco := range slices.Sorted(maps.Keys(s.NotChecked)) {
		why := s.NotCheckedReasons[eco]
		if why == "" {
			why = "the database has no " + eco + " advisories"
		}
		out = append(out, fmt.Sprintf("%d %s %s not checked: %s (hallmark db update --ecosystem %s).", s.NotChecked[eco], eco, plural.Word(s.NotChecked[eco], "package was", "packages were"), why, eco))
	}
	if s.KEVUnavailable != "" {
		out = append(out, "The CISA KEV catalogue could not be downloaded ("+s.KEVUnavailable+"): known-exploited flags come only from a copy already in the database, if any (--kev FILE reads a local copy, --kev \"\" skips the catalogue).")
	}
	return out
}

// maxUnresolvedNamed bounds the manifests a note names; the JSON lists
// them all.
const maxUnresolvedNamed = 5

// unresolvedNote says which manifests had no lockfile and how to write
// one: their dependencies are missing from the report, not absent.
func unresolvedNote(us []inventory.Unresolved) string {
	if len(us) == 0 {
		return ""
	}
	parts := make([]string, 0, min(len(us), maxUnresolvedNamed))
	for _, u := range us[:min(len(us), maxUnresolvedNamed)] {
		parts = append(parts, fmt.Sprintf("%s (run `%s` there)", u.Path, u.Command))
	}
	more := ""
	if len(us) > maxUnresolvedNamed {
		more = fmt.Sprintf(" and %d more", len(us)-maxUnresolvedNamed)
	}
	return fmt.Sprintf("%s no lockfile, so %s dependencies were not resolved or checked: %s%s.", plural.N(len(us), "manifest has", "manifests have"), plural.Word(len(us), "its", "their"), strings.Join(parts, ", "), more)
}

func severityCounts(m map[string]int) string {
	var parts []string
	for _, r := range []string{match.RatingCritical, match.RatingHigh, match.RatingMedium, match.RatingLow, match.RatingNone, match.RatingUnknown} {
		if m[r] > 0 {
			word := strings.ToLower(r)
			if r == match.RatingUnknown {
				word = "unrated"
			}
			parts = append(parts, fmt.Sprintf("%d %s", m[r], word))
		}
	}
	return strings.Join(parts, ", ")
}

// shortPURLs drops the "pkg:type/" prefix for display.
func shortPURLs(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		s := strings.TrimPrefix(p, "pkg:")
		if j := strings.IndexByte(s, '/'); j >= 0 {
			s = s[j+1:]
		}
		out[i] = s
	}
	return out
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// FindingsJSON writes the result as indented JSON (the match.Result
// structure, documented in docs/scan.md).
func FindingsJSON(w io.Writer, res *match.Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(struct {
		Schema string `json:"schema"`
		*match.Result
	}{"https://github.com/hallmark-dev/hallmark/scan/v1", res}); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// FindingsMarkdown writes a report for pull-request comments: a summary
// line, a table per package with its upgrade, and the notes.
func FindingsMarkdown(w io.Writer, res *match.Result) error {
	s := res.Summary
	switch {
	case len(res.Packages) == 0 && s.Checked() <= 0:
		fmt.Fprintf(w, "### hallmark scan: nothing checked\n\n%s (`%s`)\n", cleanSummary(res), mdCode(res.Target.Name))
	case len(res.Packages) == 0:
		fmt.Fprintf(w, "### hallmark scan: no vulnerabilities\n\n%s scanned in `%s`.\n", plural.S(s.Packages, "package"), mdCode(res.Target.Name))
	default:
		fmt.Fprintf(w, "### hallmark scan: %s in %s\n\n", plural.N(s.Findings, "vulnerability", "vulnerabilities"), plural.S(s.Vulnerable, "package"))
		fmt.Fprintf(w, "%s scanned in `%s` (%s).\n\n", plural.S(s.Packages, "package"), mdCode(res.Target.Name), severityCounts(s.BySeverity))
		fmt.Fprintln(w, "| Package | Version | Upgrade to | Vulnerability | Severity | Fixed in | Details |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, p := range res.Packages {
			for j, f := range p.Findings {
				name, version, upgrade := "", "", ""
				if j == 0 {
					name = "`" + mdCode(p.Name) + "`"
					version = mdEscape(p.Version)
					upgrade = mdEscape(p.FixVersion)
					if upgrade == "" {
						upgrade = "—"
					}
				}
				var details []string
				if f.Status == match.StatusUnknown {
					details = append(details, "**unknown**: "+mdEscape(f.Reason))
				}
				if f.KEV != nil {
					details = append(details, "**known exploited** ("+mdEscape(f.KEV.CVE)+")")
				}
				if f.Reachability != nil {
					details = append(details, mdEscape(f.Reachability.Status))
				}
				if j == 0 && len(p.IntroducedBy) > 0 {
					details = append(details, "via "+mdEscape(strings.Join(shortPURLs(p.IntroducedBy), ", ")))
				}
				details = append(details, mdEscape(clip(f.Summary, 80)))
				fixed := mdEscape(strings.Join(f.Fixed, ", "))
				if fixed == "" {
					fixed = "—"
				}
				fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", name, version, upgrade, mdLink(f.ID, f.URL)+mdCVE(f), severityText(f), fixed, strings.Join(details, "; "))
			}
		}
		fmt.Fprintln(w)
	}
	if ns := notes(res); len(ns) > 0 {
		for _, n := range ns {
			fmt.Fprintf(w, "> %s\n", mdEscape(n))
		}
	}
	return nil
}

// mdEscape makes text from outside (names, versions, advisory summaries,
// file names) plain Markdown text: control characters are shown escaped
// (escape.Text), so a name cannot end a table row or reach a terminal that
// shows the raw comment, and the characters that start markup (emphasis,
// links, HTML, code, table cells) are backslash-escaped or written as
// entities.
func mdEscape(s string) string {
	return mdReplacer.Replace(escape.Text(s))
}

var mdReplacer = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"~", `\~`, "#", `\#`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
)

// mdCode makes text from outside safe inside a code span, where backslash
// escapes do not apply: control characters escaped, a backtick (which
// would end the span) replaced, and pipes escaped, which GFM tables
// require even inside code spans.
func mdCode(s string) string {
	return mdCodeReplacer.Replace(escape.Text(s))
}

var mdCodeReplacer = strings.NewReplacer("|", `\|`, "`", "'")

// mdLink links an advisory ID to its page when the URL is http(s) and
// cannot end the link early; otherwise the ID is plain text.
// mdCVE is " (CVE-…)" after an ID of another database, as in the table.
func mdCVE(f match.Finding) string {
	if cve := cveAlias(f); cve != "" {
		return " (" + mdEscape(cve) + ")"
	}
	return ""
}

func mdLink(id, url string) string {
	text := mdEscape(id)
	if !(strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) ||
		strings.ContainsAny(url, "()<> |\\`\"'") || escape.Text(url) != url {
		return text
	}
	return "[" + text + "](" + url + ")"
}
