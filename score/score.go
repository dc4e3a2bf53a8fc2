// Package score answers two questions about an open-source project from a
// local checkout: how critical is it (the OpenSSF criticality score,
// https://github.com/ossf/criticality_score, package score/criticality) and
// how healthy is its security posture (the OpenSSF Scorecard checks that
// files and history can decide, https://github.com/ossf/scorecard, package
// score/posture). Signals come from Sources: the git history
// (score/gitsignals), a signals file exported from a forge or deps.dev
// (score/signals), and later an online collector implementing the same
// Source interface. Every signal in a Report says where it came from, and
// the criticality score carries its coverage.
package score

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/score/criticality"
	"github.com/hallmark-dev/hallmark/score/gitsignals"
	"github.com/hallmark-dev/hallmark/score/posture"
	"github.com/hallmark-dev/hallmark/score/signals"
	"github.com/hallmark-dev/hallmark/source/rootfs"
)

// Repo identifies the project a Source is asked about.
type Repo struct {
	// Dir is the local checkout, when there is one.
	Dir string
	// URL is the upstream repository URL, when known.
	URL string
	// AsOf is the date signals are computed for.
	AsOf time.Time
}

// Source supplies criticality signals for a repository. A field a source
// does not know is absent from its Signals. An online collector (GitHub's
// API with GITHUB_TOKEN, deps.dev) implements this interface to add the
// forge-only signals; nothing else changes.
type Source interface {
	Name() string
	Collect(ctx context.Context, repo Repo) (criticality.Signals, []gitsignals.Note, error)
}

// HistorySource serves the signals of a git history already read.
type HistorySource struct{ History *gitsignals.History }

// Name implements Source.
func (HistorySource) Name() string { return "git" }

// Collect implements Source.
func (s HistorySource) Collect(context.Context, Repo) (criticality.Signals, []gitsignals.Note, error) {
	sig, notes := s.History.Signals()
	return sig, notes, nil
}

// FileSource serves the record of a signals file that matches the repo.
type FileSource struct{ File *signals.File }

// Name implements Source.
func (s FileSource) Name() string { return "signals file " + s.File.Name }

// Collect implements Source.
func (s FileSource) Collect(_ context.Context, repo Repo) (criticality.Signals, []gitsignals.Note, error) {
	key := repo.URL
	if key == "" {
		key = repo.Dir
	}
	rec, ok := s.File.Lookup(key)
	if !ok {
		return criticality.Signals{}, []gitsignals.Note{{Text: fmt.Sprintf("%s has no record for %s", s.File.Name, key)}}, nil
	}
	return rec.Signals, nil, nil
}

// Signal is one signal's value and origin.
type Signal struct {
	Field string `json:"field"`
	// Value is nil when no source had the signal.
	Value  *float64 `json:"value"`
	Source string   `json:"source,omitempty"`
	Note   string   `json:"note,omitempty"`
}

// Options control Project.
type Options struct {
	AsOf time.Time
	// Scorer defaults to criticality.Default.
	Scorer *criticality.Scorer
	// Signals is an optional signals file; its values override history's.
	Signals *signals.File
	// Vulns enables the Vulnerabilities check.
	Vulns posture.VulnSource
	// Git is the git executable; empty means "git".
	Git string
	// URL names the upstream repository for signals-file lookups.
	URL string
}

// Report is the outcome of scoring one checkout.
type Report struct {
	Target      string             `json:"target"`
	Root        string             `json:"root"`
	Head        string             `json:"head"`
	AsOf        time.Time          `json:"as_of"`
	Shallow     bool               `json:"shallow,omitempty"`
	Commits     int                `json:"commits"`
	Authors     int                `json:"authors"`
	Bots        []string           `json:"bots,omitempty"`
	OrgDomains  []string           `json:"org_domains,omitempty"`
	Criticality criticality.Result `json:"criticality"`
	Signals     []Signal           `json:"signals"`
	Posture     *posture.Report    `json:"posture"`
	Notes       []string           `json:"notes,omitempty"`
	// Partial lists why the result is incomplete (shallow clone, unreadable
	// files); empty when it is complete.
	Partial []string `json:"partial,omitempty"`
}

// Project scores the checkout at dir.
func Project(ctx context.Context, dir string, opts Options) (*Report, error) {
	scorer := opts.Scorer
	if scorer == nil {
		var err error
		if scorer, err = criticality.Builtin(criticality.Default); err != nil {
			return nil, err
		}
	}
	g, err := gitsignals.Open(ctx, dir, opts.Git)
	if err != nil {
		return nil, err
	}
	hist, err := g.History(ctx, gitsignals.Options{AsOf: opts.AsOf})
	if err != nil {
		return nil, err
	}
	files, err := g.TrackedFiles(ctx)
	if err != nil {
		return nil, err
	}
	root := g.Root()
	rep := &Report{Target: dir, Root: root, Head: hist.Head, AsOf: hist.AsOf, Shallow: hist.Shallow,
		Commits: hist.Commits, Authors: len(hist.Authors), OrgDomains: hist.OrgDomains()}
	for _, b := range hist.Bots {
		rep.Bots = append(rep.Bots, b.Name)
	}
	if hist.Skipped > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d commit(s) dated after %s ignored", hist.Skipped, hist.AsOf.Format(time.DateOnly)))
		// Only history honours --as-of: the file-based posture checks
		// read the checkout as it is, which may hold files (workflows,
		// a SECURITY.md) that did not exist on that date. Say so rather
		// than let the report pass for the tree of that date.
		rep.Notes = append(rep.Notes, fmt.Sprintf("file-based posture checks read the checkout's working tree (HEAD), not the tree as of %s; check out the commit of that date to score its files", hist.AsOf.Format(time.DateOnly)))
	}
	if hist.Shallow {
		rep.Partial = append(rep.Partial, "shallow clone: history-derived signals and checks see only the fetched commits")
	}

	sources := []Source{HistorySource{hist}}
	if opts.Signals != nil {
		sources = append(sources, FileSource{opts.Signals})
	}
	repo := Repo{Dir: root, URL: opts.URL, AsOf: hist.AsOf}
	if repo.URL == "" {
		if url, err := g.RemoteURL(ctx, "origin"); err == nil {
			repo.URL = url
		}
	}
	merged := criticality.Signals{}
	origin := map[string]Signal{}
	for _, src := range sources {
		sig, notes, err := src.Collect(ctx, repo)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name(), err)
		}
		noteOf := map[string]string{}
		for _, n := range notes {
			if n.Field == "" {
				rep.Notes = append(rep.Notes, n.Text)
			} else {
				noteOf[n.Field] = n.Text
			}
		}
		for f, v := range sig {
			merged[f] = v
			v := v
			origin[f] = Signal{Field: f, Value: &v, Source: src.Name(), Note: noteOf[f]}
		}
	}
	rep.Criticality = scorer.Score(merged)
	fields := scorer.Fields()
	for f := range origin {
		if !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	for _, f := range fields {
		s, ok := origin[f]
		if !ok {
			s = Signal{Field: f, Note: missingNote(f)}
		}
		rep.Signals = append(rep.Signals, s)
	}

	// rootfs, not os.DirFS: a tracked file may be a symbolic link out of
	// the checkout (to ~/.ssh/id_ed25519) or a named pipe; neither is read.
	fsys, err := rootfs.New(root)
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	pr, err := posture.Run(ctx, &posture.Repo{Root: root, FS: fsys, Files: files, History: hist, Vulns: opts.Vulns})
	if err != nil {
		return nil, err
	}
	rep.Posture = pr
	rep.Partial = append(rep.Partial, pr.Partial...)
	return rep, nil
}

func missingNote(field string) string {
	switch {
	case strings.HasPrefix(field, "depsdev."):
		return "needs deps.dev: give --signals FILE"
	case strings.HasPrefix(field, "legacy.") && !slices.Contains(gitsignals.Fields, field):
		return "needs the forge (issues, comments, mentions): give --signals FILE"
	}
	return "no source had it"
}
