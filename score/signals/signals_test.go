package signals

import (
	"encoding/json"
	"os"
	"testing"
)

func TestParseFormats(t *testing.T) {
	for _, name := range []string{"testdata/signals.csv", "testdata/signals.jsonl"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(f.Records)
		want := `[{"url":"https://github.com/torvalds/linux","signals":{"legacy.closed_issues_count":266,"legacy.github_mention_count":57193965,"legacy.issue_comment_frequency":3.18,"legacy.updated_issues_count":552},"line":2},` +
			`{"url":"https://github.com/git/git","signals":{"depsdev.dependent_count":1200,"legacy.closed_issues_count":806,"legacy.github_mention_count":36120246,"legacy.issue_comment_frequency":13.15,"legacy.updated_issues_count":896},"line":3}]`
		if name == "testdata/signals.jsonl" {
			// JSON Lines count from line 1.
			want = `[{"url":"https://github.com/torvalds/linux","signals":{"legacy.closed_issues_count":266,"legacy.github_mention_count":57193965,"legacy.issue_comment_frequency":3.18,"legacy.updated_issues_count":552},"line":1},` +
				`{"url":"https://github.com/git/git","signals":{"depsdev.dependent_count":1200,"legacy.closed_issues_count":806,"legacy.github_mention_count":36120246,"legacy.issue_comment_frequency":13.15,"legacy.updated_issues_count":896},"line":2}]`
		}
		if string(got) != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		for _, q := range []string{"https://github.com/git/git.git", "git@github.com:git/git.git", "git/git", "GIT"} {
			if r, ok := f.Lookup(q); !ok || r.URL != "https://github.com/git/git" {
				t.Errorf("%s: Lookup(%q) = %v, %v", name, q, r, ok)
			}
		}
		if _, ok := f.Lookup("https://github.com/other/thing"); ok {
			t.Errorf("%s: Lookup of an absent repository succeeded", name)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"s.csv", "", "s.csv: empty file, want a CSV header row"},
		{"s.csv", "repo.url,stars\nx,1\n", "s.csv:1: header names no signal (want columns such as legacy.closed_issues_count or depsdev.dependent_count)"},
		{"s.csv", "repo.url,legacy.org_count\nx,ten\n", `s.csv:2: legacy.org_count: want a number, got "ten"`},
		{"s.csv", "repo.url,legacy.org_count\nx,1,2\n", "s.csv: record on line 2: wrong number of fields"},
		{"s.csv", "repo.url,legacy.org_count\n", "s.csv: no records"},
		{"s.json", "", "s.json: empty file, want a JSON object or array"},
		{"s.json", `{"legacy": {"org_count": true}}`, "s.json:1: record 1: legacy.org_count: want a number, got boolean"},
		{"s.json", "[\n{\"legacy\": {\"org_count\": \"x\"}}]", `s.json:2: [0]: legacy.org_count: want a number, got "x"`},
		{"s.json", "[1]", "s.json:1: [0]: want a JSON object"},
		{"s.json", "{\"a\":\n", "s.json: unexpected EOF"},
		{"s.json", "{\"a\": 1,}", "s.json: line 1: invalid character '}' looking for beginning of object key string"},
		{"s.json", "{}\n{\"legacy\": {\"org_count\": 1e999}}", "s.json:2: record 2: legacy.org_count: want a finite number, got 1e999"},
	} {
		_, err := Parse(tc.name, []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s %q:\n got %v\nwant %s", tc.name, tc.data, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/signals.csv", "testdata/signals.jsonl"} {
		data, _ := os.ReadFile(name)
		f.Add(name, data)
	}
	f.Add("x.json", []byte(`[{"legacy":{"a":1}},{"depsdev":{"dependent_count":"2"}}]`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		file, err := Parse(name, data)
		if err != nil {
			return
		}
		if len(file.Records) == 0 {
			t.Fatal("no error and no records")
		}
		for _, r := range file.Records {
			if r.Line < 1 {
				t.Fatalf("record line %d", r.Line)
			}
			file.Lookup(r.URL)
		}
	})
}
