// Package signals reads criticality signals that need a forge or a package
// index (issues, comments, mentions, dependents) from a file, so that
// `hallmark score` and `hallmark rank` work offline with data exported
// elsewhere.
//
// Two shapes are read, both using ossf/criticality_score v2's field names
// (https://github.com/ossf/criticality_score, "legacy.closed_issues_count",
// "depsdev.dependent_count", "repo.url", ...):
//
//   - CSV with a header row, as criticality_score's CSV output and the
//     published 1000-critical-projects file: one project per row;
//   - JSON: one object, an array of objects, or one object per line (JSON
//     Lines, criticality_score's JSON output). Nested objects are flattened
//     with dots, so {"legacy": {"org_count": 3}} is "legacy.org_count".
//
// Fields under "legacy." and "depsdev." must be numbers (or empty/null,
// meaning missing). Other fields are kept only when they are numbers;
// "repo.url" (or "url") names the project a row belongs to.
package signals

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/score/criticality"
)

// Limits on what is read from outside.
const (
	MaxFileSize = 64 << 20
	MaxRecords  = 1_000_000
	MaxDepth    = 16
	MaxFields   = 1000
)

// Record is one project's signals.
type Record struct {
	// URL is the project's repository URL, when the file names it.
	URL     string              `json:"url,omitempty"`
	Signals criticality.Signals `json:"signals"`
	// Line is where the record starts in the file (1-based).
	Line int `json:"line"`
}

// File is a parsed signals file.
type File struct {
	Name    string   `json:"name"`
	Records []Record `json:"records"`
}

// Parse reads a signals file; name is used in errors and chooses CSV when
// it ends in ".csv", JSON otherwise.
func Parse(name string, data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %d bytes, limit %d", name, len(data), MaxFileSize)
	}
	f := &File{Name: name}
	var err error
	if strings.HasSuffix(strings.ToLower(name), ".csv") {
		err = f.parseCSV(data)
	} else {
		err = f.parseJSON(data)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Records) == 0 {
		return nil, fmt.Errorf("%s: no records", name)
	}
	return f, nil
}

func strictField(field string) bool {
	return strings.HasPrefix(field, "legacy.") || strings.HasPrefix(field, "depsdev.")
}

func isURLField(field string) bool { return field == "repo.url" || field == "url" }

func (f *File) parseCSV(data []byte) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	header, err := r.Read()
	if err == io.EOF {
		return fmt.Errorf("%s: empty file, want a CSV header row", f.Name)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if len(header) > MaxFields {
		return fmt.Errorf("%s:1: %d columns, limit %d", f.Name, len(header), MaxFields)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	if !slices.ContainsFunc(header, func(h string) bool { return strictField(h) }) {
		return fmt.Errorf("%s:1: header names no signal (want columns such as legacy.closed_issues_count or depsdev.dependent_count)", f.Name)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		line, _ := r.FieldPos(0)
		if len(f.Records) == MaxRecords {
			return fmt.Errorf("%s:%d: more than %d records", f.Name, line, MaxRecords)
		}
		rec := Record{Signals: criticality.Signals{}, Line: line}
		for i, h := range header {
			cell := strings.TrimSpace(row[i])
			switch {
			case isURLField(h):
				rec.URL = cell
			case cell == "":
			default:
				v, err := strconv.ParseFloat(cell, 64)
				if err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
					rec.Signals[h] = v
				} else if strictField(h) {
					return fmt.Errorf("%s:%d: %s: want a number, got %q", f.Name, line, h, cell)
				}
			}
		}
		f.Records = append(f.Records, rec)
	}
}

func (f *File) parseJSON(data []byte) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fmt.Errorf("%s: empty file, want a JSON object or array", f.Name)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if trimmed[0] == '[' {
		var arr []json.RawMessage
		if err := dec.Decode(&arr); err != nil {
			return fmt.Errorf("%s: %w", f.Name, jsonErr(data, err))
		}
		if len(arr) > MaxRecords {
			return fmt.Errorf("%s: %d records, limit %d", f.Name, len(arr), MaxRecords)
		}
		for i, raw := range arr {
			if err := f.addJSON(raw, fmt.Sprintf("[%d]", i), jsonpos.LineAt(data, int64(rawOffset(data, raw)))); err != nil {
				return err
			}
		}
		return nil
	}
	// One object, or one object per line.
	for i := 0; ; i++ {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, jsonErr(data, err))
		}
		if len(f.Records) == MaxRecords {
			return fmt.Errorf("%s: more than %d records", f.Name, MaxRecords)
		}
		// InputOffset is before any whitespace that precedes the value.
		off := int(start) + len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n"))
		if err := f.addJSON(raw, fmt.Sprintf("record %d", i+1), jsonpos.LineAt(data, int64(off))); err != nil {
			return err
		}
	}
}

// addJSON flattens one object into a record.
func (f *File) addJSON(raw json.RawMessage, where string, line int) error {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return fmt.Errorf("%s:%d: %s: want a JSON object", f.Name, line, where)
	}
	rec := Record{Signals: criticality.Signals{}, Line: line}
	count := 0
	var walk func(prefix string, v any, depth int) error
	walk = func(prefix string, v any, depth int) error {
		if depth > MaxDepth {
			return fmt.Errorf("%s:%d: %s: %s: nested deeper than %d", f.Name, line, where, prefix, MaxDepth)
		}
		count++
		if count > MaxFields {
			return fmt.Errorf("%s:%d: %s: more than %d fields", f.Name, line, where, MaxFields)
		}
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if err := walk(p, x[k], depth+1); err != nil {
					return err
				}
			}
		case json.Number:
			n, err := x.Float64()
			if err != nil || math.IsInf(n, 0) {
				if strictField(prefix) {
					return fmt.Errorf("%s:%d: %s: %s: want a finite number, got %s", f.Name, line, where, prefix, x)
				}
				return nil
			}
			rec.Signals[prefix] = n
		case string:
			switch {
			case isURLField(prefix):
				rec.URL = x
			case strictField(prefix) && x != "":
				// CSV-to-JSON converters often quote numbers; accept those.
				n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
				if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
					return fmt.Errorf("%s:%d: %s: %s: want a number, got %q", f.Name, line, where, prefix, x)
				}
				rec.Signals[prefix] = n
			}
		case nil:
			// null: the signal is missing.
		default:
			if strictField(prefix) {
				return fmt.Errorf("%s:%d: %s: %s: want a number, got %s", f.Name, line, where, prefix, jsonType(x))
			}
		}
		return nil
	}
	if err := walk("", obj, 0); err != nil {
		return err
	}
	f.Records = append(f.Records, rec)
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case []any:
		return "array"
	case string:
		return "string"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// jsonErr adds the line of a syntax error.
func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %w", jsonpos.LineAt(data, se.Offset), err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("line %d: want an array of objects: %w", jsonpos.LineAt(data, te.Offset), err)
	}
	return err
}

// rawOffset finds where raw (a sub-slice copy) sits in data; json.RawMessage
// values from a decoded array are copies, so search from the start. Only
// used for line numbers in messages.
func rawOffset(data []byte, raw json.RawMessage) int {
	if i := bytes.Index(data, raw); i >= 0 {
		return i
	}
	return 0
}

// Lookup finds the record for a repository. repo may be a URL
// ("https://github.com/owner/name"), "owner/name" or a bare name; a file
// with a single record that names no URL matches anything.
func (f *File) Lookup(repo string) (*Record, bool) {
	if len(f.Records) == 1 && f.Records[0].URL == "" {
		return &f.Records[0], true
	}
	want := RepoKey(repo)
	if want == "" {
		return nil, false
	}
	for i := range f.Records {
		if k := RepoKey(f.Records[i].URL); k == want || strings.HasSuffix(k, "/"+want) {
			return &f.Records[i], true
		}
	}
	// Fall back to the last path element, when it is unique.
	var found *Record
	base := lastElem(want)
	for i := range f.Records {
		if lastElem(RepoKey(f.Records[i].URL)) == base {
			if found != nil {
				return nil, false
			}
			found = &f.Records[i]
		}
	}
	return found, found != nil
}

// RepoKey reduces a repository URL to "host/owner/name" (lower case, no
// scheme, no ".git"), or what there is of it.
func RepoKey(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimPrefix(u, "git+")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	slash := strings.IndexByte(u, '/')
	if slash < 0 {
		slash = len(u)
	}
	if i := strings.IndexByte(u[:slash], '@'); i >= 0 {
		u, slash = u[i+1:], slash-i-1 // user@host/...
	}
	if i := strings.IndexByte(u[:slash], ':'); i >= 0 {
		u = u[:i] + "/" + u[i+1:] // git@github.com:owner/name
	}
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	return u
}

func lastElem(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}
