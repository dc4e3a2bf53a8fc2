package report

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hallmark-dev/hallmark/vulndb"
)

// DBStatusTable writes what `hallmark db status` shows people: the
// database, its age, and per ecosystem the records and how fresh their
// data is (as of now), then the KEV catalogue.
func DBStatusTable(w io.Writer, st *vulndb.Status, now time.Time) error {
	fmt.Fprintf(w, "Database: %s\n", st.Path)
	fmt.Fprintf(w, "Built:    %s (%s ago)\n", st.Built.Format(time.RFC3339), age(now.Sub(st.Built)))
	fmt.Fprintf(w, "Records:  %d\n\n", st.Records)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tWITHDRAWN\tNEWEST MODIFIED\tNEWEST PUBLISHED\tDATA AGE\tSOURCE")
	for _, e := range st.Ecosystems {
		newest := e.NewestModified
		if e.NewestPublished.After(newest) {
			newest = e.NewestPublished
		}
		dataAge := "-"
		if newest.Year() > 1 {
			dataAge = age(now.Sub(newest))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\n", e.Ecosystem, e.Records, e.Withdrawn,
			dateOrDash(e.NewestModified), dateOrDash(e.NewestPublished), dataAge, orDash(e.Source))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st.KEV != nil {
		fmt.Fprintf(w, "\nKEV catalogue %s (released %s): %d CVEs\n", st.KEV.Version, st.KEV.DateReleased, st.KEV.CVEs)
	} else {
		fmt.Fprintln(w, "\nKEV catalogue: not loaded")
	}
	return nil
}

func dateOrDash(t time.Time) string {
	if t.Year() <= 1 {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// age prints a duration in days, or hours under two days.
func age(d time.Duration) string {
	switch {
	case d < 0:
		return "0h"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
