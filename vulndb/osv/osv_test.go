package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readTestRecord(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "records", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseRecord(t *testing.T) {
	rec, err := ParseRecord(readTestRecord(t, "HALLMARK-TEST-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "HALLMARK-TEST-1" || len(rec.Affected) != 1 || len(rec.Affected[0].Ranges) != 4 || rec.Affected[0].Ranges[2].Events[1].LastAffected != "2.1" || rec.Affected[0].Ranges[3].Events[1].Limit != "3.5" {
		t.Errorf("parsed record is wrong: %+v", rec)
	}
	rec, err = ParseRecord(readTestRecord(t, "HALLMARK-TEST-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Withdrawn == nil || !rec.Modified.IsZero() {
		t.Errorf("withdrawn/modified not read: %+v", rec)
	}
	imps := rec.Affected[0].Imports()
	if len(imps) != 1 || imps[0].Path != "example.com/mod/pkg" || !slices.Equal(imps[0].Symbols, []string{"Parse", "T.Method"}) {
		t.Errorf("Imports() = %+v", imps)
	}
}

// TestParseRecordErrors: each error names the record and the field.
func TestParseRecordErrors(t *testing.T) {
	good := string(readTestRecord(t, "HALLMARK-TEST-1.json"))
	tests := []struct {
		name, in, want string
	}{
		{"truncated", good[:400], "HALLMARK-TEST-1: truncated JSON"},
		{"not JSON", "PK\x03\x04garbage", "record: invalid JSON at byte 1"},
		{"missing id", `{"modified":"2024-01-01T00:00:00Z"}`, "record: id: missing"},
		{"missing modified", `{"id":"X-1"}`, "X-1: modified: missing"},
		{"bad modified", `{"id":"X-1","modified":"yesterday"}`, `X-1: modified: want an RFC 3339 time, got "yesterday"`},
		{"number name", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":5}}]}`, "X-1: affected.package.name: want string, got number"},
		{"missing ecosystem", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"name":"a"}}]}`, "X-1: affected[0].package.ecosystem: missing"},
		{"unknown range type", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]}`, `X-1: affected[0].ranges[0].type: unknown range type "DATE" (want SEMVER, ECOSYSTEM or GIT)`},
		{"git without repo", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}`, "X-1: affected[0].ranges[0].repo: a GIT range needs the repository URL"},
		{"two keys in one event", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}`, "X-1: affected[0].ranges[0].events[0]: want exactly one of introduced, fixed, last_affected, limit"},
		{"no introduced", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}`, "X-1: affected[0].ranges[0].events: no introduced event"},
		{"fixed and last_affected", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"},{"last_affected":"0.9.0"}]}]}]}`, "X-1: affected[0].ranges[0].events: has both fixed and last_affected events, which the schema forbids"},
		{"empty events", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[]}]}]}`, "X-1: affected[0].ranges[0].events: empty; a range needs at least one introduced event"},
		{"ecosystem range without package", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`, "X-1: affected[0].ranges[0]: a ECOSYSTEM range needs affected[].package"},
		{"severity without score", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","severity":[{"type":"CVSS_V3"}]}`, "X-1: severity[0]: score: missing"},
		{"id with slash", `{"id":"../x","modified":"2024-01-01T00:00:00Z"}`, `../x: id: want an identifier such as GHSA-xxxx-xxxx-xxxx, got "../x"`},
		{"trailing data", `{"id":"X-1","modified":"2024-01-01T00:00:00Z"} {}`, "X-1: trailing data after the JSON object"},
		{"too deep", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","database_specific":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "X-1: JSON nested deeper than 32 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInvalidRecord) {
				t.Errorf("error does not wrap ErrInvalidRecord: %v", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, n := range []string{"HALLMARK-TEST-1.json", "HALLMARK-TEST-2.json"} {
		data := readTestRecord(f, n)
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"limit":"*"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseRecord(data)
		if err != nil {
			var re *RecordError
			if !errors.As(err, &re) {
				t.Fatalf("error is not a *RecordError: %v", err)
			}
			return
		}
		// Invariants of a valid record: an ID, and every range has an
		// introduced event and a known type.
		if rec.ID == "" {
			t.Fatal("valid record without ID")
		}
		for _, a := range rec.Affected {
			for _, r := range a.Ranges {
				if r.Type != RangeSemver && r.Type != RangeEcosystem && r.Type != RangeGit {
					t.Fatalf("range type %q accepted", r.Type)
				}
				if !slices.ContainsFunc(r.Events, func(e Event) bool { return e.Introduced != "" }) {
					t.Fatal("range without introduced accepted")
				}
			}
		}
		// A valid record survives re-encoding, as the store compacts it.
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatalf("valid record is not compactable JSON: %v", err)
		}
		back, err := ParseRecord(compact.Bytes())
		if err != nil || back.ID != rec.ID {
			t.Fatalf("compacted record: %v, %v", back, err)
		}
	})
}
