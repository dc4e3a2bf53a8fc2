package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/score"
	"github.com/hallmark-dev/hallmark/score/criticality"
	"github.com/hallmark-dev/hallmark/score/posture"
	"github.com/hallmark-dev/hallmark/score/signals"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// scoreFlags are shared by score and rank.
type scoreFlags struct {
	asOf, signalsFile, config, scorer, db string
}

func (f *scoreFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.asOf, "as-of", os.Getenv("HALLMARK_AS_OF"), "compute as of this date (YYYY-MM-DD or RFC 3339; env HALLMARK_AS_OF); default now")
	cmd.Flags().StringVar(&f.signalsFile, "signals", "", "JSON or CSV file of forge/deps.dev signals (criticality_score field names)")
	cmd.Flags().StringVar(&f.config, "scorer-config", os.Getenv("HALLMARK_SCORE_CONFIG"), "criticality scorer config file (criticality_score v2 YAML format; env HALLMARK_SCORE_CONFIG)")
	cmd.Flags().StringVar(&f.db, "db", "", "vulnerability database directory for the Vulnerabilities check (env HALLMARK_DB; default: the user cache directory); never fetched here")
	cmd.Flags().StringVar(&f.scorer, "scorer", criticality.Default, "built-in criticality scorer: "+strings.Join(criticality.BuiltinNames(), ", "))
}

func (f *scoreFlags) load() (asOf time.Time, sc *criticality.Scorer, sig *signals.File, err error) {
	if f.asOf != "" {
		if asOf, err = parseDate(f.asOf); err != nil {
			return
		}
	}
	if f.config != "" {
		var data []byte
		if data, err = limited.ReadFile(f.config, criticality.MaxConfigSize); err != nil {
			return
		}
		if sc, err = criticality.LoadConfig(f.config, data); err != nil {
			return
		}
	} else if sc, err = criticality.Builtin(f.scorer); err != nil {
		return
	}
	if f.signalsFile != "" {
		var data []byte
		if data, err = limited.ReadFile(f.signalsFile, signals.MaxFileSize); err != nil {
			return
		}
		if sig, err = signals.Parse(f.signalsFile, data); err != nil {
			return
		}
	}
	return
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		// The end of that day: commits made on the day count.
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--as-of %q: want YYYY-MM-DD or an RFC 3339 time", s)
}

func (a *app) scoreCmd() *cobra.Command {
	var (
		flags scoreFlags
		out   outputFlags
	)
	cmd := &cobra.Command{
		Use:   "score PATH",
		Short: "Criticality score and Scorecard-style posture checks of a git checkout",
		Long: `Score the git checkout at PATH, offline.

Criticality: the OpenSSF criticality score (criticality_score's formula,
bit for bit), from signals read from the git history (created_since,
updated_since, contributor_count, an org_count proxy, commit_frequency,
recent_release_count) and, for the signals only a forge or deps.dev has
(issues, comments, mentions, dependents), from --signals FILE. The score is
printed with its coverage: which signals were present and what share of the
weight the missing ones carry.

Posture: the OpenSSF Scorecard checks that files and history can decide,
each 0-10 or "not evaluated" with the reason, aggregated with Scorecard's
risk weights. Every finding names its file and line.

Output (-o): table (default) or json. Exit code 3 when the result is
partial (a shallow clone, a workflow that does not parse).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			asOf, sc, sig, err := flags.load()
			if err != nil {
				return withCode(ExitError, err)
			}
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			rep, err := score.Project(cmd.Context(), args[0], score.Options{AsOf: asOf, Scorer: sc, Signals: sig, Vulns: a.vulnSource(cmd, flags.db)})
			if err != nil {
				return withCode(ExitError, err)
			}
			err = a.writeOutputs(outs, func(w io.Writer, o output) error {
				if o.format == formatJSON {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				return report.ScoreTable(w, rep)
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			if len(rep.Partial) > 0 {
				if !a.quiet {
					for _, p := range rep.Partial {
						fmt.Fprintf(a.stderr, "hallmark: partial: %s\n", escape.Text(p))
					}
				}
				return withCode(ExitPartial, errPartial)
			}
			return nil
		},
	}
	flags.register(cmd)
	out.register(cmd, "HALLMARK_SCORE_FORMAT", []string{formatTable, formatJSON}, formatTable)
	return cmd
}

// dbVulns is the Vulnerabilities check's source: hallmark's own scan of
// the checkout against the local database, offline (nothing is fetched).
type dbVulns struct {
	a   *app
	cmd *cobra.Command
	dir string
}

func (v *dbVulns) Name() string { return "the vulnerability database at " + v.dir }

func (v *dbVulns) OpenVulnerabilities(ctx context.Context, root string) ([]posture.Vuln, error) {
	store, err := vulndb.Open(v.dir)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	inv, _, err := v.a.inventory(v.cmd, root, extract.Options{MaxFileSize: extract.DefaultMaxFileSize})
	if err != nil {
		return nil, err
	}
	res, err := match.Match(ctx, store, inv, match.Options{})
	if err != nil {
		return nil, err
	}
	var out []posture.Vuln
	for _, p := range res.Packages {
		for _, f := range p.Findings {
			if f.Status != match.StatusAffected || f.Informational != "" {
				continue
			}
			vu := posture.Vuln{ID: f.ID, Package: p.Name, Version: p.Version}
			if len(p.Locations) > 0 {
				vu.Path = p.Locations[0].Path
			}
			out = append(out, vu)
		}
	}
	return out, nil
}

// vulnSource returns the database-backed source when a database exists
// (--db, HALLMARK_DB or the default directory); otherwise nil, and the
// Vulnerabilities check is "not evaluated".
func (a *app) vulnSource(cmd *cobra.Command, dbFlag string) posture.VulnSource {
	dir, err := dbDir(dbFlag)
	if err != nil {
		return nil
	}
	store, err := vulndb.Open(dir)
	if err != nil {
		if !errors.Is(err, vulndb.ErrNoDatabase) {
			a.log.Warn("vulnerability database not usable; Vulnerabilities is not evaluated", "dir", dir, "err", err)
		}
		return nil
	}
	store.Close()
	return &dbVulns{a: a, cmd: cmd, dir: dir}
}
