package criticality

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
)

func readCSV(t *testing.T, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[0], all[1:]
}

// TestGoldenV2 recomputes original_pike_score for every row of the published
// v2 results (1000 critical projects, June 2022) from the raw signals in the
// same row, the way criticality_score's ScoreRaw does: every column that
// parses as a number is a signal, an empty cell is missing.
func TestGoldenV2(t *testing.T) {
	header, rows := readCSV(t, testdata.Path(t, "criticality", "critical_projects_2022.csv"))
	s, err := Builtin("original_pike")
	if err != nil {
		t.Fatal(err)
	}
	want := indexOf(t, header, "original_pike_score")
	matched := 0
	for i, row := range rows {
		sig := Signals{}
		for j, h := range header {
			if j == want || !strings.Contains(h, ".") {
				continue
			}
			if v, err := strconv.ParseFloat(row[j], 64); err == nil {
				sig[h] = v
			}
		}
		got := s.Score(sig).Format()
		if got != row[want] {
			t.Errorf("row %d (%s): score %s, published %s", i+2, row[0], got, row[want])
			continue
		}
		matched++
	}
	if len(rows) != 999 {
		t.Errorf("%d rows, want 999", len(rows))
	}
	t.Logf("v2 original_pike: %d of %d rows match to 5 decimals", matched, len(rows))
}

// legacyColumns maps the legacy results' column titles to signal fields.
var legacyColumns = map[string]string{
	"Created since (months)":        "legacy.created_since",
	"Updated since (months)":        "legacy.updated_since",
	"Contributors":                  "legacy.contributor_count",
	"Orgs for Top15 contributors":   "legacy.org_count",
	"Commit freq/week (last yr)":    "legacy.commit_frequency",
	"Releases (last yr)":            "legacy.recent_release_count",
	"Closed issues (last 90d)":      "legacy.closed_issues_count",
	"Updated issues (last 90d)":     "legacy.updated_issues_count",
	"Comment freq/issue (last 90d)": "legacy.issue_comment_frequency",
	"Commit mentions":               "legacy.github_mention_count",
}

// TestGoldenLegacy recomputes every score of the legacy Python scorer's
// published top-200 C projects (2020).
func TestGoldenLegacy(t *testing.T) {
	header, rows := readCSV(t, testdata.Path(t, "criticality", "c_top_200_2020.csv"))
	s, err := Builtin("legacy")
	if err != nil {
		t.Fatal(err)
	}
	want := indexOf(t, header, "Criticality Score")
	matched := 0
	for i, row := range rows {
		sig := Signals{}
		for j, h := range header {
			field, ok := legacyColumns[h]
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(row[j], 64)
			if err != nil {
				t.Fatalf("row %d: %s: %v", i+2, h, err)
			}
			sig[field] = v
		}
		if len(sig) != len(legacyColumns) {
			t.Fatalf("row %d: %d signals, want %d", i+2, len(sig), len(legacyColumns))
		}
		r := s.Score(sig)
		// Python printed the rounded float's repr, which drops trailing
		// zeros (0.7813 for 0.78130); compare at 5 decimals.
		pub, err := strconv.ParseFloat(row[want], 64)
		if err != nil {
			t.Fatalf("row %d: score %q: %v", i+2, row[want], err)
		}
		if r.Format() != strconv.FormatFloat(pub, 'f', 5, 64) {
			t.Errorf("row %d (%s): score %s, published %s", i+2, row[0], r.Format(), row[want])
			continue
		}
		matched++
	}
	if len(rows) != 200 {
		t.Errorf("%d rows, want 200", len(rows))
	}
	t.Logf("legacy: %d of %d rows match to 5 decimals", matched, len(rows))
}

func indexOf(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("column %q not found in %v", name, header)
	return -1
}

func TestDepsDevVariant(t *testing.T) {
	s, err := Builtin("pike_depsdev")
	if err != nil {
		t.Fatal(err)
	}
	// Only mentions and dependents: with dependents, mentions weigh 1 and
	// dependents 4; without, mentions weigh 2 and dependents are missing.
	with := s.Score(Signals{"legacy.github_mention_count": 500000, "depsdev.dependent_count": 0})
	if with.Score != 1.0/5 || with.Format() != "0.20000" {
		t.Errorf("with dependents: %v, want (1·1 + 4·0)/5", with.Score)
	}
	without := s.Score(Signals{"legacy.github_mention_count": 500000})
	if without.Score != 1 || len(without.Coverage.Missing) != 10 {
		t.Errorf("without dependents: score %v, missing %v", without.Score, without.Coverage.Missing)
	}
	// The missing share counts the weight-2 mention variant that applies.
	if got, want := without.Coverage.MissingShare, 12.5/14.5; got != want {
		t.Errorf("missing share %v, want %v", got, want)
	}
}

func TestSmallerIsBetter(t *testing.T) {
	s, _ := Builtin("original_pike")
	fresh := s.Score(Signals{"legacy.updated_since": 0}).Score
	stale := s.Score(Signals{"legacy.updated_since": 120}).Score
	if fresh != 1 || stale != 0 {
		t.Errorf("updated_since 0 -> %v, 120 -> %v; want 1 and 0", fresh, stale)
	}
	legacy, _ := Builtin("legacy")
	// Legacy: weight -1, not inverted; alone it yields -1, clamped to 0.
	if got := legacy.Score(Signals{"legacy.updated_since": 120}).Score; got != 0 {
		t.Errorf("legacy updated_since alone: %v, want 0 (clamped)", got)
	}
}

func TestNoSignals(t *testing.T) {
	s, _ := Builtin("original_pike")
	r := s.Score(Signals{})
	if r.Defined || r.Format() != "n/a" || r.Coverage.MissingShare != 1 {
		t.Errorf("no signals: %+v", r)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"", "c.yml: EOF"},
		{"algorithm: nope\ninputs: [{field: a}]\n", `c.yml: algorithm: unknown "nope" (want weighted_arithmetic_mean or legacy_weighted_sum)`},
		{"inputs: [{field: a}]\n", "c.yml: algorithm: missing (want weighted_arithmetic_mean or legacy_weighted_sum)"},
		{"algorithm: weighted_arithmetic_mean\n", "c.yml: inputs: none given"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - weight: 2\n", "c.yml: inputs[0].field: must be set"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    weight: -1\n", "c.yml: inputs[0].weight: must be greater than 0, got -1"},
		{"algorithm: legacy_weighted_sum\ninputs:\n  - field: a\n    weight: 0\n", "c.yml: inputs[0].weight: must not be 0"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    distribution: normal\n", `c.yml: inputs[0].distribution: unknown "normal" (want linear or zipfian)`},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    bounds: {upper: 0}\n", "c.yml: inputs[0].bounds: want finite lower < upper, got lower 0 upper 0"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    condition: {}\n", "c.yml: inputs[0].condition: one of field_exists and not must be set"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    wieght: 2\n", "c.yml: line 4: unknown key \"wieght\" (want one of field, weight, bounds, condition, distribution, tags)"},
		{"algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    weight: heavy\n", "c.yml: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `heavy` into float64"},
	} {
		_, err := LoadConfig("c.yml", []byte(tc.yaml))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
}

// TestBuiltinsMatchUpstream guards the built-in configs against drift: the
// weights and thresholds criticality_score publishes.
func TestBuiltinsMatchUpstream(t *testing.T) {
	want := map[string][]string{
		"original_pike": {"legacy.created_since 1 120 false", "legacy.updated_since 1 120 true", "legacy.contributor_count 2 5000 false", "legacy.org_count 1 10 false", "legacy.commit_frequency 1 1000 false", "legacy.recent_release_count 0.5 26 false", "legacy.updated_issues_count 0.5 5000 false", "legacy.closed_issues_count 0.5 5000 false", "legacy.issue_comment_frequency 1 15 false", "legacy.github_mention_count 2 500000 false"},
		"pike_depsdev":  {"legacy.created_since 1 120 false", "legacy.updated_since 1 120 true", "legacy.contributor_count 2 5000 false", "legacy.org_count 1 10 false", "legacy.commit_frequency 1 1000 false", "legacy.recent_release_count 0.5 26 false", "legacy.updated_issues_count 0.5 5000 false", "legacy.closed_issues_count 0.5 5000 false", "legacy.issue_comment_frequency 1 15 false", "legacy.github_mention_count 2 500000 false", "legacy.github_mention_count 1 500000 false", "depsdev.dependent_count 4 200000 false"},
	}
	for name, terms := range want {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, in := range s.Config().Inputs {
			got = append(got, fmt.Sprintf("%s %v %v %v", in.Field, in.Weight, in.Bounds.Upper, in.Bounds.SmallerIsBetter))
			if in.Distribution != Zipfian {
				t.Errorf("%s %s: distribution %s", name, in.Field, in.Distribution)
			}
		}
		if strings.Join(got, "\n") != strings.Join(terms, "\n") {
			t.Errorf("%s:\n%s", name, strings.Join(got, "\n"))
		}
	}
}

func FuzzLoadConfig(f *testing.F) {
	for _, n := range BuiltinNames() {
		data, _ := BuiltinConfig(n)
		f.Add(data)
	}
	f.Add([]byte("algorithm: weighted_arithmetic_mean\ninputs:\n  - field: a\n    condition: {not: {not: {field_exists: b}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadConfig("fuzz.yml", data)
		if err != nil {
			return
		}
		r := s.Score(Signals{"legacy.created_since": 12, "a": 3, "b": -1})
		if math.IsNaN(r.Score) || math.IsInf(r.Score, 0) {
			t.Fatalf("score %v from a valid config", r.Score)
		}
		if r.Coverage.PresentShare+r.Coverage.MissingShare > 1+1e-9 {
			t.Fatalf("shares %+v", r.Coverage)
		}
	})
}
