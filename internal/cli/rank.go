package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/score"
	"github.com/hallmark-dev/hallmark/score/criticality"
	"github.com/hallmark-dev/hallmark/score/signals"
	"github.com/hallmark-dev/hallmark/vulndb"
)

func (a *app) rankCmd() *cobra.Command {
	var (
		flags scoreFlags
		repos string
		out   outputFlags
		top   int
	)
	cmd := &cobra.Command{
		Use:   "rank SBOM|DIR...",
		Short: "Rank the open-source packages a portfolio of products depends on",
		Long: `Rank the open-source packages that the given products depend on. Each
argument is one product: an SBOM (CycloneDX or SPDX, any producer) or a
target hallmark can inventory (a directory, a lockfile).

Packages are ranked by how many products contain them (directly or
transitively), then by how many declare them directly, then by how many
packages of the portfolio depend on them. For each, the upstream repository
where the metadata names it, the criticality score and posture where a local
clone (--repos DIR, matched by repository name) or a --signals record exists,
and open vulnerabilities when a vulnerability database is present. The
output says how each column was obtained.

Output (-o): table (default), json or csv.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			asOf, sc, sig, err := flags.load()
			if err != nil {
				return withCode(ExitError, err)
			}
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			var products []score.Product
			var skipped []string
			names := map[string]int{}
			for _, arg := range args {
				inv, err := a.loadProduct(cmd, arg)
				if err != nil {
					return withCode(ExitError, err)
				}
				for _, s := range inv.Skipped {
					skipped = append(skipped, escape.Text(fmt.Sprintf("%s: %s: %s", arg, s.Path, s.Reason)))
				}
				name := filepath.Base(filepath.Clean(arg))
				if names[name]++; names[name] > 1 {
					name = fmt.Sprintf("%s#%d", name, names[name])
				}
				products = append(products, score.Product{Name: name, Inv: inv})
			}
			clones, err := indexClones(repos)
			if err != nil {
				return withCode(ExitError, err)
			}
			ranked := score.Rank(products)
			vulns, vulnNote := a.portfolioVulns(cmd, flags.db, products)
			if top > 0 && len(ranked) > top {
				ranked = ranked[:top]
			}
			rows := make([]report.RankRow, len(ranked))
			for i, r := range ranked {
				rows[i] = report.RankRow{Rank: i + 1, Ranked: r, CriticalityBy: "none: no clone in --repos and no --signals record"}
				a.scoreRow(cmd, &rows[i], clones, sc, sig, asOf, flags.db)
				if vulns != nil {
					n := len(vulns[r.Key])
					rows[i].Vulns = &n
				}
			}
			if vulnNote != "" && !a.quiet {
				fmt.Fprintf(a.stderr, "hallmark: %s\n", escape.Text(vulnNote))
			}
			if err := a.writeOutputs(outs, func(w io.Writer, o output) error { return report.Rank(w, o.format, rows) }); err != nil {
				return withCode(ExitError, err)
			}
			if len(skipped) > 0 {
				if !a.quiet {
					for _, s := range skipped {
						fmt.Fprintf(a.stderr, "hallmark: skipped %s\n", s)
					}
				}
				return withCode(ExitPartial, errPartial)
			}
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&repos, "repos", os.Getenv("HALLMARK_REPOS"), "directory of local git clones (DIR/name or DIR/owner/name) to score (env HALLMARK_REPOS)")
	out.register(cmd, "HALLMARK_RANK_FORMAT", []string{formatTable, formatJSON, formatCSV}, formatTable)
	cmd.Flags().IntVar(&top, "top", 0, "show only the first N packages (0: all)")
	return cmd
}

// loadProduct reads an SBOM, or inventories a target.
func (a *app) loadProduct(cmd *cobra.Command, arg string) (*inventory.Inventory, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		data, err := limited.ReadFile(arg, sbom.MaxSize)
		if err != nil {
			return nil, err
		}
		inv, _, err := sbom.Decode(data)
		if err == nil {
			inv.Normalize()
			return inv, nil
		}
		if !errors.Is(err, sbom.ErrNotSBOM) {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		// Not an SBOM: a lockfile or manifest hallmark can inventory.
	}
	inv, _, err := a.inventory(cmd, arg, extract.Options{MaxFileSize: extract.DefaultMaxFileSize})
	if err != nil {
		return nil, err
	}
	inv.Normalize()
	return inv, nil
}

// indexClones maps lower-case repository names (and owner/name) to clones
// under dir: dir/name or dir/owner/name holding a .git entry.
func indexClones(dir string) (map[string]string, error) {
	idx := map[string]string{}
	if dir == "" {
		return idx, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--repos: %w", err)
	}
	add := func(key, p string) {
		key = strings.ToLower(key)
		if old, ok := idx[key]; ok && old != p {
			idx[key] = "" // ambiguous: matched by neither
			return
		}
		idx[key] = p
	}
	isRepo := func(p string) bool {
		_, err := os.Stat(filepath.Join(p, ".git"))
		return err == nil
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if isRepo(p) {
			add(e.Name(), p)
			continue
		}
		sub, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, s := range sub {
			q := filepath.Join(p, s.Name())
			if s.IsDir() && isRepo(q) {
				add(e.Name()+"/"+s.Name(), q)
				add(s.Name(), q)
			}
		}
	}
	return idx, nil
}

// cloneFor finds the clone of a ranked package: by upstream owner/name,
// then upstream name.
func cloneFor(r *score.Ranked, clones map[string]string) string {
	if r.Upstream.URL == "" {
		return ""
	}
	parts := strings.Split(strings.TrimSuffix(r.Upstream.URL, "/"), "/")
	if len(parts) >= 2 {
		if p := clones[strings.ToLower(parts[len(parts)-2]+"/"+parts[len(parts)-1])]; p != "" {
			return p
		}
	}
	return clones[strings.ToLower(parts[len(parts)-1])]
}

// portfolioVulns matches every product against the local database, offline,
// and returns the distinct affected advisory IDs per package key; nil (and
// a note) without a database.
func (a *app) portfolioVulns(cmd *cobra.Command, dbFlag string, products []score.Product) (map[string]map[string]bool, string) {
	dir, err := dbDir(dbFlag)
	if err != nil {
		return nil, "vulns: no database directory: " + err.Error()
	}
	store, err := vulndb.Open(dir)
	if err != nil {
		return nil, "vulns: not evaluated: " + err.Error()
	}
	defer store.Close()
	out := map[string]map[string]bool{}
	for _, p := range products {
		res, err := match.Match(cmd.Context(), store, p.Inv, match.Options{})
		if err != nil {
			return nil, "vulns: matching " + p.Name + " failed: " + err.Error()
		}
		for _, pr := range res.Packages {
			k := score.PackageKey(&inventory.Package{PURL: pr.PURL, Name: pr.Name, Ecosystem: pr.Ecosystem})
			for _, f := range pr.Findings {
				if f.Status != match.StatusAffected || f.Informational != "" {
					continue
				}
				if out[k] == nil {
					out[k] = map[string]bool{}
				}
				out[k][f.ID] = true
			}
		}
	}
	return out, ""
}

func (a *app) scoreRow(cmd *cobra.Command, row *report.RankRow, clones map[string]string, sc *criticality.Scorer, sig *signals.File, asOf time.Time, dbFlag string) {
	if clone := cloneFor(row.Ranked, clones); clone != "" {
		rep, err := score.Project(cmd.Context(), clone, score.Options{AsOf: asOf, Scorer: sc, Signals: sig, URL: row.Upstream.URL, Vulns: a.vulnSource(cmd, dbFlag)})
		if err != nil {
			a.log.Warn("scoring clone failed", "package", row.Key, "clone", clone, "err", err)
			row.CriticalityBy = "none: scoring the clone failed: " + err.Error()
			return
		}
		row.Clone = clone
		if rep.Criticality.Defined {
			v, c := rep.Criticality.Score, rep.Criticality.Coverage.PresentShare
			row.Criticality, row.Coverage = &v, &c
		}
		row.CriticalityBy = "clone " + clone
		if sig != nil {
			row.CriticalityBy += " + " + sig.Name
		}
		row.Posture = rep.Posture.Aggregate
		return
	}
	if sig != nil && row.Upstream.URL != "" {
		if rec, ok := sig.Lookup(row.Upstream.URL); ok && rec.URL != "" {
			res := sc.Score(rec.Signals)
			if res.Defined {
				v, c := res.Score, res.Coverage.PresentShare
				row.Criticality, row.Coverage = &v, &c
			}
			row.CriticalityBy = sig.Name + " (no clone)"
		}
	}
}
