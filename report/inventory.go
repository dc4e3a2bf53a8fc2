// Package report renders results for people and machines: the inventory
// summary of `hallmark sbom -o table`, and the findings of `hallmark scan`
// as a table, JSON, SARIF, Markdown or a CycloneDX VDR.
package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/plural"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/jsonstream"
)

// InventoryTable writes a summary of inv for people: packages per ecosystem,
// then one line per package, then what was skipped.
func InventoryTable(w io.Writer, inv *inventory.Inventory) error {
	counts := map[inventory.Ecosystem]int{}
	for _, p := range inv.Packages {
		counts[p.Ecosystem]++
	}
	ecos := make([]inventory.Ecosystem, 0, len(counts))
	for e := range counts {
		ecos = append(ecos, e)
	}
	slices.Sort(ecos)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "NAME\tVERSION\tECOSYSTEM\tSCOPE\tFOUND IN\n")
	pkgs := slices.Clone(inv.Packages)
	slices.SortStableFunc(pkgs, func(a, b inventory.Package) int {
		return cmp.Or(strings.Compare(string(a.Ecosystem), string(b.Ecosystem)), strings.Compare(a.Name, b.Name), strings.Compare(a.Version, b.Version))
	})
	for _, p := range pkgs {
		version := p.Version
		if version == "" && p.Constraint != "" {
			version = "unpinned " + p.Constraint
		}
		scope := "transitive"
		switch {
		case p.Type == "application":
			scope = "root"
		case p.Direct && p.Dev:
			scope = "direct, dev"
		case p.Direct:
			scope = "direct"
		case p.Dev:
			scope = "dev"
		}
		eco := string(p.Ecosystem)
		if eco == "" {
			eco = "-"
		}
		// The files, each once: a package listed on several lines of one
		// lockfile is in one place for a reader of the table.
		paths := inventory.Paths(p.Locations)
		loc := strings.Join(paths, ", ")
		if len(paths) > 2 {
			loc = fmt.Sprintf("%s (+%d more)", paths[0], len(paths)-1)
		}
		// Names, versions and paths come from the input: escaped, so that
		// none can move the cursor, clear the screen or forge a line.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", escape.Text(p.Name), escape.Text(orDash(version)), escape.Text(eco), scope, escape.Text(loc))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, e := range ecos {
		name := string(e)
		if name == "" {
			name = "other"
		}
		parts = append(parts, fmt.Sprintf("%s %d", escape.Text(name), counts[e]))
	}
	fmt.Fprintf(w, "\n%s", plural.S(len(inv.Packages), "package"))
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, ", %s", plural.S(len(inv.Relationships), "relationship"))
	if inv.Distro != nil {
		fmt.Fprintf(w, ", on %s", escape.Text(cmp.Or(inv.Distro.PrettyName, inv.Distro.PURLQualifier())))
	}
	fmt.Fprintln(w)
	if len(inv.Skipped) > 0 {
		fmt.Fprintf(w, "\nSkipped %s:\n", plural.S(len(inv.Skipped), "input"))
		for _, s := range inv.Skipped {
			fmt.Fprintf(w, "  %s\n", escape.Text(skippedText(s)))
		}
	}
	if len(inv.Unresolved) > 0 {
		fmt.Fprintf(w, "\nNo lockfile, so not resolved (%d):\n", len(inv.Unresolved))
		for _, u := range inv.Unresolved {
			fmt.Fprintf(w, "  %s: run `%s` there\n", escape.Text(u.Path), u.Command)
		}
	}
	return nil
}

// skippedText is "path: reason", or the reason alone when it already
// starts with the path (extractor errors name their file).
func skippedText(s inventory.Skipped) string {
	if strings.HasPrefix(s.Reason, s.Path) {
		return s.Reason
	}
	return s.Path + ": " + s.Reason
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// InventoryJSON writes inv as indented JSON (the inventory.Inventory
// structure), exactly as json.Encoder with a two-space indent does, but a
// package at a time: for 300,000 packages the encoder's two whole-output
// buffers were 1.45 GB (issue 15, item 14).
func InventoryJSON(w io.Writer, inv *inventory.Inventory) error {
	head := struct {
		Target inventory.Target  `json:"target"`
		Distro *inventory.Distro `json:"distro,omitempty"`
	}{inv.Target, inv.Distro}
	return jsonstream.Encode(w, "  ", true, &head,
		jsonstream.Array{Key: "packages", N: len(inv.Packages), Null: inv.Packages == nil, Empty: inv.Packages != nil, Elem: func(i int) any { return &inv.Packages[i] }},
		jsonstream.Array{Key: "relationships", N: len(inv.Relationships), Elem: func(i int) any { return &inv.Relationships[i] }},
		jsonstream.Array{Key: "skipped", N: len(inv.Skipped), Elem: func(i int) any { return &inv.Skipped[i] }},
		jsonstream.Array{Key: "unresolved", N: len(inv.Unresolved), Elem: func(i int) any { return &inv.Unresolved[i] }},
	)
}
