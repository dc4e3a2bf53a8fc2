package gitsignals

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hallmark-dev/hallmark/score/internal/fixture"
)

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t.Add(12 * time.Hour)
}

func TestReadHistory(t *testing.T) {
	r := fixture.New(t)
	r.Write("a", "1")
	r.Commit("Ann", "ann@gmail.com", day("2020-01-01"), "a")
	r.Tag("v0.1")
	r.Write(".mailmap", "Ann <ann@acme.example> <ann@gmail.com>\n")
	r.Commit("Ann", "ann@gmail.com", day("2020-02-01"), "mailmap")
	r.Write("b", "2")
	r.Commit("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com", day("2020-03-01"), "deps")
	r.Commit("Bert", "bert@mail.acme.example", day("2020-04-01"), "b")
	r.Commit("Cleo", "cleo@lab.uni.ac.uk", day("2020-05-01"), "c")
	r.AnnotatedTag("v0.2", day("2020-05-02"))
	r.SignedTag("v0.3", day("2020-05-03"))

	h, err := Read(context.Background(), r.Dir, Options{AsOf: day("2021-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, a := range h.Authors {
		fmt.Fprintf(&b, "author %s <%s> %d\n", a.Name, a.Email, a.Commits)
	}
	for _, a := range h.Bots {
		fmt.Fprintf(&b, "bot %s %d\n", a.Name, a.Commits)
	}
	for _, tg := range h.Tags {
		fmt.Fprintf(&b, "tag %s %s annotated=%v signature=%q\n", tg.Name, tg.Date.Format(time.DateOnly), tg.Annotated, tg.Signature)
	}
	fmt.Fprintf(&b, "orgs %v\n", h.OrgDomains())
	sig, notes := h.Signals()
	for _, f := range Fields {
		fmt.Fprintf(&b, "%s %v\n", f, sig[f])
	}
	for _, n := range notes {
		if n.Field == RecentReleaseCount {
			fmt.Fprintf(&b, "note %s\n", n.Text)
		}
	}
	// Ann's two commits merge under .mailmap; Bert and Ann share acme.example.
	want := `author Ann <ann@acme.example> 2
author Bert <bert@mail.acme.example> 1
author Cleo <cleo@lab.uni.ac.uk> 1
bot renovate[bot] 1
tag v0.3 2020-05-03 annotated=true signature="ssh"
tag v0.2 2020-05-02 annotated=true signature=""
tag v0.1 2020-01-01 annotated=false signature=""
orgs [acme.example uni.ac.uk]
legacy.created_since 24
legacy.updated_since 20
legacy.contributor_count 3
legacy.org_count 2
legacy.commit_frequency 0
legacy.recent_release_count 1
note no tag in the last 365 days; estimated as 3 tags × 365 / 730 days (criticality_score v2's rule)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	// As of a date inside the history: later commits and tags are ignored.
	h, err = Read(context.Background(), r.Dir, Options{AsOf: day("2020-03-15")})
	if err != nil {
		t.Fatal(err)
	}
	if h.Commits != 3 || h.Skipped != 2 || len(h.Tags) != 1 || h.CommitsLast90Days != 3 {
		t.Errorf("as of 2020-03-15: commits %d skipped %d tags %d last90 %d, want 3 2 1 3", h.Commits, h.Skipped, len(h.Tags), h.CommitsLast90Days)
	}
}

func TestIsBot(t *testing.T) {
	for _, tc := range []struct {
		name, email string
		want        bool
	}{
		{"dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", true},
		{"Renovate Bot", "bot@renovateapp.com", true},
		{"github-actions", "41898282+github-actions[bot]@users.noreply.github.com", true},
		{"Ann", "ann@users.noreply.github.com", false},
		{"Robot Smith", "robot@example.org", false},
	} {
		if got := IsBot(tc.name, tc.email); got != tc.want {
			t.Errorf("IsBot(%q, %q) = %v", tc.name, tc.email, got)
		}
	}
}

func TestRegistrable(t *testing.T) {
	for in, want := range map[string]string{
		"mail.acme.example": "acme.example", "cs.ox.ac.uk": "ox.ac.uk", "redhat.com": "redhat.com",
		"foo.co.jp": "foo.co.jp", "eng.google.com": "google.com", "localhost": "localhost",
	} {
		if got := registrable(in); got != want {
			t.Errorf("registrable(%q) = %q, want %q", in, got, want)
		}
	}
}
