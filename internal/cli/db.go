package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/internal/plural"

	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// dbDir resolves the database directory: --db, HALLMARK_DB, or the user
// cache directory.
func dbDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v := envOr("HALLMARK_DB", ""); v != "" {
		return v, nil
	}
	return vulndb.DefaultDir()
}

// errNoDB is the error for a scan without a database: it says exactly which
// command makes one. cause, the error vulndb.Open gave, is named when the
// database is there but unreadable, so a damaged file is not reported as a
// missing one.
func errNoDB(dir string, cause error) error {
	if errors.Is(cause, vulndb.ErrCorrupt) {
		return fmt.Errorf("%w: run `hallmark db update --db %s` to rebuild it, or offline `hallmark db import --fresh --db %s PATH/all.zip...`", cause, dir, dir)
	}
	return fmt.Errorf("no vulnerability database in %s: run `hallmark db update --db %s` to download one, or offline `hallmark db import --db %s PATH/all.zip...`", dir, dir, dir)
}

func (a *app) dbCmd() *cobra.Command {
	var dbFlag string
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the local OSV vulnerability database",
		Long: `Manage the local copy of OSV advisories that hallmark scan reads.

The database is a SQLite file under the user cache directory (or --db DIR,
or HALLMARK_DB). Every change writes a new file and swaps it in at the end,
so an interrupted update leaves the previous database intact.`,
	}
	cmd.PersistentFlags().StringVar(&dbFlag, "db", "", "database directory (env HALLMARK_DB; default: the user cache directory)")
	cmd.AddCommand(a.dbUpdateCmd(&dbFlag), a.dbImportCmd(&dbFlag), a.dbStatusCmd(&dbFlag))
	return cmd
}

func (a *app) progress() io.Writer {
	if a.quiet {
		return nil
	}
	return a.stderr
}

func (a *app) dbUpdateCmd(dbFlag *string) *cobra.Command {
	var (
		ecosystems []string
		source     string
		kev        string
		full       bool
		res        outputFlags
	)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download OSV advisories and the CISA KEV catalogue",
		Long: `Download OSV's per-ecosystem exports (<source>/<ECOSYSTEM>/all.zip) for the
ecosystems named with --ecosystem, or those already in the database, or, for a
new database, every ecosystem the source lists. Ecosystems already present are
updated incrementally from <source>/<ECOSYSTEM>/modified_id.csv, fetching only
the records that changed. --source may be a URL or a directory laid out the
same way. The CISA KEV catalogue is fetched too (--kev "" skips it); with a
--source directory, from the copy the mirror keeps when there is one
(DIR/known_exploited_vulnerabilities.json, or kev/ beside DIR).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outs, err := res.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			dir, err := dbDir(*dbFlag)
			if err != nil {
				return withCode(ExitError, err)
			}
			stats, err := vulndb.Update(cmd.Context(), dir, vulndb.UpdateOptions{
				Source: source, KEV: kevSource(cmd, kev, source), Ecosystems: ecosystems, Full: full, Progress: a.progress(),
			})
			if err != nil {
				return withCode(ExitError, fmt.Errorf("db update: %w (the previous database, if any, is unchanged)", err))
			}
			result := struct {
				Database string `json:"database"`
				*vulndb.UpdateStats
				Invalid []invalidRecord `json:"invalid"`
			}{dir, stats, invalidRecords(stats.Invalid)}
			// Progress on stderr already said what was fetched.
			if err := a.writeResult(outs, result, func(io.Writer) error { return nil }); err != nil {
				return withCode(ExitError, err)
			}
			return a.reportInvalid(stats.Invalid)
		},
	}
	res.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	cmd.Flags().StringSliceVar(&ecosystems, "ecosystem", nil, "ecosystems to update, e.g. Go,PyPI,crates.io (default: those in the database, or all the source lists)")
	cmd.Flags().StringVar(&source, "source", envOr("HALLMARK_OSV_SOURCE", vulndb.DefaultSource), "OSV export URL or directory (env HALLMARK_OSV_SOURCE)")
	cmd.Flags().StringVar(&kev, "kev", envOr("HALLMARK_KEV_SOURCE", vulndb.DefaultKEVURL), "KEV catalogue URL or file; empty to skip (env HALLMARK_KEV_SOURCE; default: the copy a --source directory keeps, else CISA's)")
	cmd.Flags().BoolVar(&full, "full", false, "fetch whole exports even where an incremental update is possible")
	return cmd
}

func (a *app) dbImportCmd(dbFlag *string) *cobra.Command {
	var (
		fresh bool
		res   outputFlags
	)
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Load OSV all.zip files, directories of OSV JSON, single records or the KEV catalogue",
		Long: `Load advisories without the network: OSV all.zip exports, directories of OSV
JSON records (zips inside are read too), single records, and CISA's
known_exploited_vulnerabilities.json. Invalid records are reported with their
ID and skipped (exit status 3); a file that cannot be read at all aborts the
import and leaves the database unchanged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := res.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			dir, err := dbDir(*dbFlag)
			if err != nil {
				return withCode(ExitError, err)
			}
			stats, err := vulndb.Import(cmd.Context(), dir, args, vulndb.ImportOptions{Fresh: fresh, Progress: a.progress()})
			if errors.Is(err, vulndb.ErrCorrupt) {
				return withCode(ExitError, fmt.Errorf("db import: %w (the database is unchanged; --fresh replaces it with what this import loads)", err))
			}
			if err != nil {
				return withCode(ExitError, fmt.Errorf("db import: %w (the database is unchanged)", err))
			}
			result := struct {
				Database string `json:"database"`
				*vulndb.ImportStats
				Invalid []invalidRecord `json:"invalid"`
			}{dir, stats, invalidRecords(stats.Invalid)}
			err = a.writeResult(outs, result, func(w io.Writer) error {
				fmt.Fprintf(w, "imported %s", plural.S(stats.Records, "record"))
				if stats.GitRanges > 0 {
					fmt.Fprintf(w, " (%d with GIT ranges, which scans do not evaluate)", stats.GitRanges)
				}
				if stats.KEV > 0 {
					fmt.Fprintf(w, " and %s", plural.N(stats.KEV, "KEV entry", "KEV entries"))
				}
				_, err := fmt.Fprintf(w, " into %s\n", dir)
				return err
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			return a.reportInvalid(stats.Invalid)
		},
	}
	cmd.Flags().BoolVar(&fresh, "fresh", false, "start from an empty database instead of adding to the current one")
	res.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}

// reportInvalid lists skipped records on stderr and returns the partial
// exit code when there were any.
func (a *app) reportInvalid(inv []vulndb.Invalid) error {
	if len(inv) == 0 {
		return nil
	}
	for _, i := range inv {
		fmt.Fprintf(a.stderr, "skipped %s\n", i)
	}
	fmt.Fprintf(a.stderr, "hallmark: %s skipped\n", plural.S(len(inv), "invalid record"))
	return withCode(ExitPartial, errPartial)
}

func (a *app) dbStatusCmd(dbFlag *string) *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds and how old it is",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			dir, err := dbDir(*dbFlag)
			if err != nil {
				return withCode(ExitError, err)
			}
			st, err := openStatus(cmd.Context(), dir)
			if err != nil {
				return withCode(ExitError, err)
			}
			now := time.Now()
			err = a.writeOutputs(outs, func(w io.Writer, o output) error {
				if o.format == formatJSON {
					return writeJSON(w, st)
				}
				return report.DBStatusTable(w, st, now)
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	out.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}

func openStatus(ctx context.Context, dir string) (*vulndb.Status, error) {
	s, err := vulndb.Open(dir)
	if errors.Is(err, vulndb.ErrNoDatabase) {
		return nil, errNoDB(dir, err)
	}
	if err != nil {
		return nil, err
	}
	defer s.Close()
	// Status is where a damaged file should show, even when the pages a
	// scan reads are intact.
	if err := s.Check(ctx); err != nil {
		return nil, errNoDB(dir, err)
	}
	return s.Status(ctx)
}

// missingEcosystems lists the wanted ecosystems the database has none of.
func missingEcosystems(have []string, want []string) []string {
	set := map[string]bool{}
	for _, h := range have {
		set[strings.ToLower(h)] = true
	}
	var out []string
	for _, w := range want {
		if !set[strings.ToLower(w)] {
			out = append(out, w)
		}
	}
	return out
}

// invalidRecord is a skipped record in db import and update's JSON.
type invalidRecord struct {
	Source string `json:"source"`
	ID     string `json:"id,omitempty"`
	Error  string `json:"error"`
}

func invalidRecords(inv []vulndb.Invalid) []invalidRecord {
	out := make([]invalidRecord, len(inv))
	for i, r := range inv {
		out[i] = invalidRecord{Source: r.Source, ID: r.ID}
		if r.Err != nil {
			out[i].Error = r.Err.Error()
		}
	}
	return out
}
