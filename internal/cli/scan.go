package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/internal/plural"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// scanFormats are what `hallmark scan` writes; the CycloneDX ones are a
// VDR (the SBOM with its vulnerabilities).
var scanFormats = []string{formatTable, formatJSON, formatSARIF, formatCycloneDXJSON, formatCycloneDXXML, formatMarkdown}

// osvExports are the ecosystems OSV publishes an all.zip for that the
// extractors produce; a scan fetches missing ones only from this list.
var osvExports = []string{"Alpine", "crates.io", "Debian", "Go", "Maven", "npm", "NuGet", "Packagist", "PyPI", "RubyGems", "Ubuntu"}

func (a *app) scanCmd() *cobra.Command {
	var (
		out                         outputFlags
		failOn, dbFlag, source, kev string
		vexFiles                    []string
		offline, allowEmpty         bool
		maxSize                     int64
		att                         attestFlags
		excl                        excludeFlags
	)
	cmd := &cobra.Command{
		Use:   "scan TARGET|SBOM",
		Short: "Find known vulnerabilities in a directory, lockfile, binary or SBOM",
		Long: `Inventory TARGET (anything hallmark sbom takes) or read an SBOM (CycloneDX or
SPDX, from any producer), and match every package against the local OSV
database.

Formats (-o FORMAT, or -o FORMAT=FILE, repeatable): table (the default on a
terminal), json (the default otherwise), sarif (2.1.0, for code scanning),
cyclonedx-json and cyclonedx-xml (a CycloneDX 1.6 VDR: the SBOM with its
vulnerabilities; "cyclonedx" is the XML one, as in grype), markdown (for
pull-request comments).

Without a database, or without the advisories of an ecosystem the target
has, scan downloads them first (as hallmark db update --ecosystem would);
--offline never touches the network and fails instead.

A download that fails (an ecosystem the source lacks, an unreachable KEV
catalogue) does not fail a scan that has a database: it scans with what it
has and every format lists the ecosystems not checked and why. --kev says
where the KEV catalogue comes from ("" skips it); by default from the copy
a --source directory keeps, else CISA's.

Exit status: 0 when no finding is at or above --fail-on (or --fail-on is
none, the default), 1 when some are, 2 on errors, and with --fail-on when
no package could be checked at all (unless --allow-empty), 3 when the
output was written but some inputs were skipped, 130 when interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			setMemoryLimit()
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			if err := att.check(); err != nil {
				return withCode(ExitError, err)
			}
			failOn = strings.ToLower(failOn)
			if failOn != "none" && failOn != "any" && match.RatingRank(failOn) < 2 {
				return withCode(ExitError, fmt.Errorf("--fail-on %q: want none, any, low, medium, high or critical", failOn))
			}
			var vex *match.VEX
			for _, f := range vexFiles {
				data, err := limited.ReadFile(f, match.MaxVEXSize)
				if err != nil {
					return withCode(ExitError, err)
				}
				v, err := match.ParseVEX(f, data)
				if err != nil {
					return withCode(ExitError, err)
				}
				if vex == nil {
					vex = v
				} else {
					vex.Merge(v)
				}
			}
			dir, err := dbDir(dbFlag)
			if err != nil {
				return withCode(ExitError, err)
			}

			// BinaryFacts: the symbol tables of Go binaries, for
			// reachability; sbom does not read them.
			opts := extract.Options{MaxFileSize: maxSize, BinaryFacts: true}
			if err := excl.apply(&opts); err != nil {
				return withCode(ExitError, err)
			}
			inv, root, err := a.inventory(cmd, args[0], opts)
			if err != nil {
				return withCode(ExitError, err)
			}
			excl.warnUnused(a)
			at, err := a.prepareAttestation(att, inv.Target)
			if err != nil {
				return withCode(ExitError, err)
			}
			db, err := a.openForScan(cmd, dir, inv, offline, source, kevSource(cmd, kev, source))
			if err != nil {
				return withCode(ExitError, err)
			}
			store := db.store
			defer store.Close()
			res, err := match.Match(cmd.Context(), store, inv, match.Options{VEX: vex})
			if err != nil {
				return withCode(ExitError, err)
			}
			have, err := store.Ecosystems(cmd.Context())
			if err != nil {
				return withCode(ExitError, err)
			}
			for _, p := range inv.Packages {
				eco := string(p.Ecosystem)
				if p.Ecosystem != inventory.Unknown && !covers(have, eco) {
					if res.Summary.NotChecked == nil {
						res.Summary.NotChecked = map[string]int{}
					}
					res.Summary.NotChecked[eco]++
					if why, ok := db.reasons[eco]; ok {
						if res.Summary.NotCheckedReasons == nil {
							res.Summary.NotCheckedReasons = map[string]string{}
						}
						res.Summary.NotCheckedReasons[eco] = why
					}
				}
			}
			res.Summary.KEVUnavailable = db.kevUnavailable
			base := report.FindingsOptions{ToolVersion: Version()}
			if root != "" {
				base.URIBase = uriBase(root)
			}
			err = a.writeOutputs(outs, func(w io.Writer, o output) error {
				opts := base
				opts.Color = a.color(o)
				opts.Width = a.width(o)
				opts.XML = o.format == formatCycloneDXXML
				switch o.format {
				case formatTable:
					return report.FindingsTable(w, res, opts)
				case formatJSON:
					return report.FindingsJSON(w, res)
				case formatSARIF:
					return report.FindingsSARIF(w, res, opts)
				case formatMarkdown:
					return report.FindingsMarkdown(w, res)
				}
				t, err := sourceDateEpoch()
				if err != nil {
					return err
				}
				return report.FindingsVDR(w, inv, res, t, opts)
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			if at != nil {
				// The predicate is the JSON report, whatever -o shows.
				var pred bytes.Buffer
				if err := report.FindingsJSON(&pred, res); err != nil {
					return withCode(ExitError, err)
				}
				if err := a.writeAttestation(at, attest.PredicateScan, pred.Bytes()); err != nil {
					return withCode(ExitError, err)
				}
			}
			if failOn != "none" && !allowEmpty && res.Summary.Checked() <= 0 {
				// A gate that checked nothing must not pass: a package.json
				// without its lockfile, or a database without the target's
				// ecosystems, would otherwise go green.
				what := "the target has no packages hallmark can check"
				if res.Summary.Packages > 0 {
					what = fmt.Sprintf("none of its %d packages could be checked", res.Summary.Packages)
				}
				return withCode(ExitError, fmt.Errorf("--fail-on %s: %s (the output says why), so it can neither pass nor fail; --allow-empty accepts a scan that checks nothing", failOn, what))
			}
			if failOn != "none" {
				if n := res.AtOrAbove(failOn); n > 0 {
					if !a.quiet {
						fmt.Fprintf(a.stderr, "hallmark: %s at or above --fail-on %s\n", plural.S(n, "finding"), failOn)
					}
					return withCode(ExitFindings, fmt.Errorf("%d findings at or above %s", n, failOn))
				}
			}
			return a.reportSkipped(inv)
		},
	}
	out.register(cmd, "HALLMARK_SCAN_FORMAT", scanFormats, formatJSON)
	cmd.Flags().StringVar(&failOn, "fail-on", envOr("HALLMARK_FAIL_ON", "none"), "exit 1 when a finding is rated at or above this: none, any, low, medium, high, critical (env HALLMARK_FAIL_ON)")
	cmd.Flags().BoolVar(&allowEmpty, "allow-empty", envBool("HALLMARK_ALLOW_EMPTY"), "with --fail-on, let a scan that checked no package pass (env HALLMARK_ALLOW_EMPTY)")
	cmd.Flags().StringArrayVar(&vexFiles, "vex", nil, "OpenVEX or CycloneDX VEX file whose not_affected/fixed statements suppress findings (repeatable)")
	cmd.Flags().BoolVar(&offline, "offline", envBool("HALLMARK_OFFLINE"), "never use the network; fail if the database is missing (env HALLMARK_OFFLINE)")
	cmd.Flags().StringVar(&dbFlag, "db", "", "database directory (env HALLMARK_DB; default: the user cache directory)")
	cmd.Flags().StringVar(&source, "source", envOr("HALLMARK_OSV_SOURCE", vulndb.DefaultSource), "where to download missing advisories from (env HALLMARK_OSV_SOURCE)")
	cmd.Flags().StringVar(&kev, "kev", envOr("HALLMARK_KEV_SOURCE", vulndb.DefaultKEVURL), "KEV catalogue URL or file fetched with missing advisories; empty to skip (env HALLMARK_KEV_SOURCE; default: the copy a --source directory keeps, else CISA's)")
	cmd.Flags().Int64Var(&maxSize, "max-file-size", extract.DefaultMaxFileSize, "skip files larger than this many bytes")
	att.register(cmd, "the scan results (JSON)")
	excl.register(cmd)
	return cmd
}

// scanDatabase is the database a scan reads, and what it could not get:
// why the advisories of some ecosystems are missing, why the KEV catalogue
// could not be downloaded.
type scanDatabase struct {
	store          *vulndb.Store
	reasons        map[string]string
	kevUnavailable string
}

// openForScan opens the database, first fetching the ecosystems the
// inventory needs that it lacks, unless offline. A download that fails
// does not fail the scan: the database scans what it can, and the
// ecosystems left out are named with the reason. Only a scan left with no
// database at all is an error.
func (a *app) openForScan(cmd *cobra.Command, dir string, inv *inventory.Inventory, offline bool, source, kev string) (*scanDatabase, error) {
	var want []string
	for _, p := range inv.Packages {
		if slices.Contains(osvExports, string(p.Ecosystem)) && !slices.Contains(want, string(p.Ecosystem)) {
			want = append(want, string(p.Ecosystem))
		}
	}
	slices.Sort(want)
	store, openErr := vulndb.Open(dir)
	if openErr != nil && !errors.Is(openErr, vulndb.ErrNoDatabase) {
		return nil, openErr
	}
	var missing []string
	if store != nil {
		have, err := store.Ecosystems(cmd.Context())
		if err != nil {
			store.Close()
			return nil, err
		}
		missing = missingEcosystems(have, want)
	} else {
		missing = want
	}
	db := &scanDatabase{store: store, reasons: map[string]string{}}
	if len(missing) == 0 {
		if store == nil {
			if offline {
				return nil, errNoDB(dir, openErr)
			}
			// Nothing to fetch for this target, but a scan needs a
			// database to open (a fresh one: what is there is unusable).
			if _, err := vulndb.Import(cmd.Context(), dir, nil, vulndb.ImportOptions{Fresh: true}); err != nil {
				return nil, err
			}
			s, err := vulndb.Open(dir)
			if err != nil {
				return nil, err
			}
			db.store = s
		}
		return db, nil
	}
	if offline {
		if store == nil {
			return nil, errNoDB(dir, openErr)
		}
		for _, eco := range missing {
			db.reasons[eco] = "the database has no " + eco + " advisories and --offline downloads none"
		}
		a.log.Warn("the database has no advisories for these ecosystems; their packages were not checked (run `hallmark db update --ecosystem "+strings.Join(missing, ",")+"`)", "ecosystems", missing)
		return db, nil
	}
	if store != nil {
		store.Close()
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "hallmark: fetching advisories for %s into %s\n", strings.Join(missing, ", "), dir)
	}
	stats, err := vulndb.Update(cmd.Context(), dir, vulndb.UpdateOptions{
		Source: source, Ecosystems: missing, KEV: kev, Progress: a.progress(), Optional: true,
	})
	switch {
	case err != nil && (openErr != nil || cmd.Context().Err() != nil):
		return nil, fmt.Errorf("fetching advisories: %w; %v", err, errNoDB(dir, openErr))
	case err != nil:
		// Not a download (those Optional leaves out) but the update
		// itself, such as another one holding the database: the one
		// there still scans.
		a.log.Warn("could not add advisories to the database; scanning with what it has", "error", err)
		for _, eco := range missing {
			db.reasons[eco] = "adding its advisories to the database failed: " + err.Error()
		}
	default:
		for _, u := range stats.Unavailable {
			if u.Name == vulndb.KEVName {
				db.kevUnavailable = u.Reason
				a.log.Warn("the KEV catalogue could not be downloaded; scanning without it", "error", u.Reason)
				continue
			}
			db.reasons[u.Name] = "downloading its advisories failed: " + u.Reason
			a.log.Warn("advisories could not be downloaded; their packages are not checked", "ecosystem", u.Name, "error", u.Reason)
		}
	}
	store, err = vulndb.Open(dir)
	if err != nil {
		var why []string
		for _, eco := range slices.Sorted(maps.Keys(db.reasons)) {
			why = append(why, eco+": "+db.reasons[eco])
		}
		return nil, fmt.Errorf("fetching advisories: %s; %w", strings.Join(why, "; "), errNoDB(dir, err))
	}
	db.store = store
	return db, nil
}

// kevSource is where a download takes the KEV catalogue from: --kev or
// HALLMARK_KEV_SOURCE when set, else the copy a local --source mirror
// keeps (vulndb.MirrorKEV), else CISA's URL.
func kevSource(cmd *cobra.Command, kev, source string) string {
	if cmd.Flags().Changed("kev") || os.Getenv("HALLMARK_KEV_SOURCE") != "" {
		return kev
	}
	if p, ok := vulndb.MirrorKEV(source); ok {
		return p
	}
	return kev
}

// uriBase is where SARIF says the scanned directory is: relative to the
// working directory when inside it, since code-scanning services resolve
// URIs against the repository root, where CI runs the scan (`hallmark scan
// services/api` must name services/api/go.mod, not go.mod); the absolute
// path otherwise, which SARIF writes as a file URI.
func uriBase(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(abs)
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(abs)
	}
	if rel == "." {
		return ""
	}
	return filepath.ToSlash(rel)
}

// covers reports whether the database's ecosystems include eco, also as a
// release-qualified one ("Debian:12" covers Debian).
func covers(have []string, eco string) bool {
	return slices.ContainsFunc(have, func(h string) bool { return h == eco || strings.HasPrefix(h, eco+":") })
}
