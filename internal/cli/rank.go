package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/match"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/score"
	"github.com/hallmark-dev/hallmark/score/criticality"
	"github.com/hallmark-dev/hallmark/score/signals"
	"github.com/hallmark-dev/hallmark/vulndb"
)

// rankColumns says how each column of `hallmark rank` is obtained; it is
// printed under the table and included in JSON output.
var rankColumns = []struct{ Name, How string }{
	{"products", "number of input products (SBOMs or targets) whose inventory contains the package, directly or transitively"},
	{"direct", "products that declare the package themselves (the inventory's direct flag, as sbom shows it; for an SBOM that marks nothing direct, what its root depends on)"},
	{"pkg_dependents", "distinct packages of the portfolio that depend on it, from the SBOMs' dependency relationships"},
	{"upstream", "source repository from the purl's vcs_url qualifier, the Go module path, or a fixed list of known Go mappings; otherwise unknown (npm, PyPI, crates need registry metadata)"},
	{"criticality", "OpenSSF criticality score from a local clone in --repos (matched by repository name) and/or a --signals file record (matched by repository URL); coverage is the share of the scorer's weight whose signals were present"},
	{"posture", "Scorecard-style aggregate (0-10) of the checks run on the local clone; '-' without a clone"},
	{"vulns", "distinct open (affected) advisories for the versions the portfolio uses, matched offline against the local vulnerability database (--db); 'n/a' when there is none"},
}

// rankRow is one output row.
type rankRow struct {
	Rank int `json:"rank"`
	*score.Ranked
	Clone         string   `json:"clone,omitempty"`
	Criticality   *float64 `json:"criticality"`
	Coverage      *float64 `json:"coverage"`
	CriticalityBy string   `json:"criticality_source"`
	Posture       *float64 `json:"posture"`
	Vulns         *int     `json:"vulns"`
}

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
			rows := make([]rankRow, len(ranked))
			for i, r := range ranked {
				rows[i] = rankRow{Rank: i + 1, Ranked: r, CriticalityBy: "none: no clone in --repos and no --signals record"}
				a.scoreRow(cmd, &rows[i], clones, sc, sig, asOf, flags.db)
				if vulns != nil {
					n := len(vulns[r.Key])
					rows[i].Vulns = &n
				}
			}
			if vulnNote != "" && !a.quiet {
				fmt.Fprintf(a.stderr, "hallmark: %s\n", escape.Text(vulnNote))
			}
			if err := a.writeOutputs(outs, func(w io.Writer, o output) error { return writeRank(w, o.format, rows) }); err != nil {
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

func (a *app) scoreRow(cmd *cobra.Command, row *rankRow, clones map[string]string, sc *criticality.Scorer, sig *signals.File, asOf time.Time, dbFlag string) {
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

func optFloat(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

func optPercent(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(100**v, 'f', 0, 64) + "%"
}

func optInt(v *int) string {
	if v == nil {
		return "n/a"
	}
	return strconv.Itoa(*v)
}

func upstreamCell(r *score.Ranked) string {
	if r.Upstream.URL == "" {
		return "unknown"
	}
	return r.Upstream.URL
}

func writeRank(w io.Writer, format string, rows []rankRow) error {
	switch format {
	case formatJSON:
		type col struct {
			Name string `json:"name"`
			How  string `json:"how"`
		}
		out := struct {
			Columns  []col     `json:"columns"`
			Packages []rankRow `json:"packages"`
		}{Packages: rows}
		for _, c := range rankColumns {
			out.Columns = append(out.Columns, col(c))
		}
		if out.Packages == nil {
			out.Packages = []rankRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case formatCSV:
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"rank", "package", "ecosystem", "versions", "products", "direct", "pkg_dependents", "upstream", "upstream_source", "criticality", "coverage", "criticality_source", "posture", "vulns"})
		for _, r := range rows {
			_ = cw.Write([]string{strconv.Itoa(r.Rank), r.Key, string(r.Ecosystem), strings.Join(r.Versions, " "),
				strconv.Itoa(len(r.Products)), strconv.Itoa(len(r.Direct)), strconv.Itoa(r.PackageDependents),
				r.Upstream.URL, r.Upstream.Method, optFloat(r.Criticality, 5), optFloat(r.Coverage, 3), r.CriticalityBy,
				optFloat(r.Posture, 1), optInt(r.Vulns)})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tPACKAGE\tPRODUCTS\tDIRECT\tPKG-DEPENDENTS\tUPSTREAM\tCRITICALITY\tCOVERAGE\tPOSTURE\tVULNS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Rank, escape.Text(r.Key), len(r.Products), len(r.Direct), r.PackageDependents,
			escape.Text(upstreamCell(r.Ranked)), optFloat(r.Criticality, 5), optPercent(r.Coverage), optFloat(r.Posture, 1), optInt(r.Vulns))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nHow each column was obtained:")
	for _, c := range rankColumns {
		fmt.Fprintf(w, "  %s: %s\n", c.Name, c.How)
	}
	methods := map[string]int{}
	for _, r := range rows {
		methods[r.Upstream.Method]++
	}
	keys := make([]string, 0, len(methods))
	for k := range methods {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		fmt.Fprintln(w, "Upstream found by:")
		for _, k := range keys {
			fmt.Fprintf(w, "  %d × %s\n", methods[k], escape.Text(k))
		}
	}
	return nil
}
