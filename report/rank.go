package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/score"
)

// RankColumns says how each column of `hallmark rank` is obtained; it is
// printed under the table and included in JSON output.
var RankColumns = []struct{ Name, How string }{
	{"products", "number of input products (SBOMs or targets) whose inventory contains the package, directly or transitively"},
	{"direct", "products that declare the package themselves (the inventory's direct flag, as sbom shows it; for an SBOM that marks nothing direct, what its root depends on)"},
	{"pkg_dependents", "distinct packages of the portfolio that depend on it, from the SBOMs' dependency relationships"},
	{"upstream", "source repository from the purl's vcs_url qualifier, the Go module path, or a fixed list of known Go mappings; otherwise unknown (npm, PyPI, crates need registry metadata)"},
	{"criticality", "OpenSSF criticality score from a local clone in --repos (matched by repository name) and/or a --signals file record (matched by repository URL); coverage is the share of the scorer's weight whose signals were present"},
	{"posture", "Scorecard-style aggregate (0-10) of the checks run on the local clone; '-' without a clone"},
	{"vulns", "distinct open (affected) advisories for the versions the portfolio uses, matched offline against the local vulnerability database (--db); 'n/a' when there is none"},
}

// RankRow is one package of `hallmark rank`: its place, how it is used
// across the portfolio (score.Ranked) and what is known of its upstream.
type RankRow struct {
	Rank int `json:"rank"`
	*score.Ranked
	Clone         string   `json:"clone,omitempty"`
	Criticality   *float64 `json:"criticality"`
	Coverage      *float64 `json:"coverage"`
	CriticalityBy string   `json:"criticality_source"`
	Posture       *float64 `json:"posture"`
	Vulns         *int     `json:"vulns"`
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

// Rank writes the ranking as "json" (the rows and how each column was
// obtained), "csv" or, for any other format, a table for people.
func Rank(w io.Writer, format string, rows []RankRow) error {
	switch format {
	case "json":
		type col struct {
			Name string `json:"name"`
			How  string `json:"how"`
		}
		out := struct {
			Columns  []col     `json:"columns"`
			Packages []RankRow `json:"packages"`
		}{Packages: rows}
		for _, c := range RankColumns {
			out.Columns = append(out.Columns, col(c))
		}
		if out.Packages == nil {
			out.Packages = []RankRow{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
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
	for _, c := range RankColumns {
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
