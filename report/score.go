package report

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/plural"
	"github.com/hallmark-dev/hallmark/score"
	"github.com/hallmark-dev/hallmark/score/criticality"
)

func fmtNum(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// ScoreTable writes `hallmark score` for people: the checkout, the
// criticality score with each signal, its weight, threshold and source,
// then the posture checks with their findings.
func ScoreTable(w io.Writer, rep *score.Report) error {
	head := rep.Head
	if len(head) > 12 {
		head = head[:12]
	}
	fmt.Fprintf(w, "%s (HEAD %s, as of %s): %d commits, %d authors", escape.Text(rep.Root), escape.Text(head), rep.AsOf.Format(time.DateOnly), rep.Commits, rep.Authors)
	if len(rep.Bots) > 0 {
		fmt.Fprintf(w, ", %d bots", len(rep.Bots))
	}
	fmt.Fprintln(w)
	c := rep.Criticality
	fmt.Fprintf(w, "\nCriticality (%s): %s\n", escape.Text(c.Scorer), escape.Text(c.Format()))
	fmt.Fprintf(w, "  coverage: %s present carrying %.1f%% of the weight; %d missing carrying %.1f%%\n",
		plural.S(len(c.Coverage.Present), "signal"), 100*c.Coverage.PresentShare, len(c.Coverage.Missing), 100*c.Coverage.MissingShare)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  SIGNAL\tVALUE\tWEIGHT\tTHRESHOLD\tSOURCE")
	weights := map[string]string{}
	thresholds := map[string]string{}
	for _, t := range c.Terms {
		if t.State == criticality.NotApplicable {
			continue
		}
		weights[t.Field] = fmtNum(t.Weight)
		thresholds[t.Field] = fmtNum(t.Threshold)
	}
	for _, s := range rep.Signals {
		val, src := "missing", s.Note
		if s.Value != nil {
			val = fmtNum(*s.Value)
			src = s.Source
			if s.Note != "" {
				src += ": " + s.Note
			}
		}
		wt, th := weights[s.Field], thresholds[s.Field]
		if wt == "" {
			wt, th = "-", "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", escape.Text(s.Field), val, wt, th, escape.Text(src))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if p := rep.Posture; p != nil {
		evaluated := 0
		for _, ch := range p.Checks {
			if ch.Evaluated() {
				evaluated++
			}
		}
		agg := "?"
		if p.Aggregate != nil {
			agg = strconv.FormatFloat(*p.Aggregate, 'f', 1, 64)
		}
		fmt.Fprintf(w, "\nPosture (Scorecard checks): aggregate %s / 10 over %s\n", agg, plural.S(evaluated, "evaluated check"))
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  SCORE\tCHECK\tRISK\tREASON")
		for _, ch := range p.Checks {
			s := "?"
			if ch.Score != nil {
				s = strconv.Itoa(*ch.Score)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s, ch.Name, ch.Risk, escape.Text(ch.Reason))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, ch := range p.Checks {
			if len(ch.Findings) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n%s:\n", ch.Name)
			for _, f := range ch.Findings {
				fmt.Fprintf(w, "  %s\n", escape.Text(f.String()))
			}
		}
	}
	if len(rep.Notes) > 0 || len(rep.Partial) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  %s\n", escape.Text(n))
		}
		for _, n := range rep.Partial {
			fmt.Fprintf(w, "  partial: %s\n", escape.Text(n))
		}
	}
	return nil
}
