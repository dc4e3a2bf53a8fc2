// Package osv is the OSV record model and its strict parser: the OSV
// schema 1.x (https://ossf.github.io/osv-schema/,
// https://github.com/ossf/osv-schema/blob/main/docs/schema.md). All fields
// of the schema are read; the ones matching needs (id, modified, withdrawn,
// aliases, affected[].package, ranges, versions, severity,
// ecosystem_specific) are checked strictly: a record that breaks a rule is
// rejected with its ID and the JSON path of the field. Range types SEMVER,
// ECOSYSTEM and GIT are accepted; GIT ranges cannot be evaluated without
// the repository, which package match reports. The Go vulnerability
// database's ecosystem_specific (imports and symbols,
// https://go.dev/doc/security/vuln/database#schema) is decoded on request.
// It imports nothing of the project but internal/jsonpos (the shared JSON
// depth bound), so it can be fuzzed on its own.
package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hallmark-dev/hallmark/internal/jsonpos"
)

// MaxRecordSize bounds one OSV record. The largest records in OSV's
// exports (Linux kernel and Debian advisories with long versions lists)
// are a few hundred KiB.
const MaxRecordSize = 8 << 20

// MaxDepth bounds JSON nesting in a record. The schema nests at most six
// levels; ecosystem_specific and database_specific are free-form, so allow
// some room but not unbounded recursion.
const MaxDepth = 32

// Range types defined by the OSV schema.
const (
	RangeSemver    = "SEMVER"
	RangeEcosystem = "ECOSYSTEM"
	RangeGit       = "GIT"
)

// Record is one OSV advisory.
type Record struct {
	SchemaVersion    string          `json:"schema_version,omitempty"`
	ID               string          `json:"id"`
	Modified         time.Time       `json:"modified"`
	Published        *time.Time      `json:"published,omitempty"`
	Withdrawn        *time.Time      `json:"withdrawn,omitempty"`
	Aliases          []string        `json:"aliases,omitempty"`
	Upstream         []string        `json:"upstream,omitempty"`
	Related          []string        `json:"related,omitempty"`
	Summary          string          `json:"summary,omitempty"`
	Details          string          `json:"details,omitempty"`
	Severity         []Severity      `json:"severity,omitempty"`
	Affected         []Affected      `json:"affected,omitempty"`
	References       []Reference     `json:"references,omitempty"`
	Credits          []Credit        `json:"credits,omitempty"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a quantitative score: a CVSS vector or an ecosystem's own
// scale (type "Ubuntu").
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Package identifies the affected package.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	PURL      string `json:"purl,omitempty"`
}

// Affected is one affected package and its versions.
type Affected struct {
	Package           *Package        `json:"package,omitempty"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Range is a timeline of events over one ordering of versions.
type Range struct {
	Type             string          `json:"type"`
	Repo             string          `json:"repo,omitempty"`
	Events           []Event         `json:"events"`
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Event is one status change. Exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Credit names someone credited for the advisory.
type Credit struct {
	Name    string   `json:"name"`
	Contact []string `json:"contact,omitempty"`
	Type    string   `json:"type,omitempty"`
}

// GoImports is the Go vulnerability database's ecosystem_specific:
// the vulnerable packages and symbols of a module
// (https://go.dev/doc/security/vuln/database#schema).
type GoImports struct {
	Imports []GoImport `json:"imports"`
}

// GoImport is one vulnerable package of a Go module.
type GoImport struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// Imports returns the Go packages and symbols listed in ecosystem_specific,
// or nil when there are none or the field has another shape.
func (a *Affected) Imports() []GoImport {
	if len(a.EcosystemSpecific) == 0 {
		return nil
	}
	var gi GoImports
	if json.Unmarshal(a.EcosystemSpecific, &gi) != nil {
		return nil
	}
	return gi.Imports
}

// ErrInvalidRecord is wrapped by every error ParseRecord returns for a
// record that is not valid OSV.
var ErrInvalidRecord = errors.New("invalid OSV record")

// RecordError is an invalid record: its ID (when it could be read), the
// JSON path of the offending field, and what was wrong.
type RecordError struct {
	ID    string
	Field string
	Msg   string
}

func (e *RecordError) Error() string {
	id := e.ID
	if id == "" {
		id = "record"
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", id, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", id, e.Field, e.Msg)
}

func (e *RecordError) Unwrap() error { return ErrInvalidRecord }

// ParseRecord decodes and validates one OSV record.
func ParseRecord(data []byte) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, &RecordError{ID: peekID(data), Msg: fmt.Sprintf("record is %d bytes, over the %d-byte limit", len(data), MaxRecordSize)}
	}
	if err := CheckDepth(data); err != nil {
		return nil, &RecordError{ID: peekID(data), Msg: err.Error()}
	}
	var r Record
	// modified is required but its zero time is a real value (the Go
	// database publishes 0001-01-01T00:00:00Z), so presence is checked
	// through a pointer that shadows the embedded field.
	w := recordWire{recordAlias: (*recordAlias)(&r)}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return nil, &RecordError{ID: peekID(data), Field: jsonErrField(err), Msg: jsonErrMsg(err)}
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return nil, &RecordError{ID: r.ID, Msg: "trailing data after the JSON object"}
	}
	if w.Modified == nil {
		return nil, &RecordError{ID: r.ID, Field: "modified", Msg: "missing"}
	}
	for _, tf := range []struct {
		name string
		in   *string
		out  func(time.Time)
	}{
		{"modified", w.Modified, func(t time.Time) { r.Modified = t }},
		{"published", w.Published, func(t time.Time) { r.Published = &t }},
		{"withdrawn", w.Withdrawn, func(t time.Time) { r.Withdrawn = &t }},
	} {
		if tf.in == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *tf.in)
		if err != nil {
			return nil, &RecordError{ID: r.ID, Field: tf.name, Msg: fmt.Sprintf("want an RFC 3339 time, got %q", Truncate(*tf.in, 40))}
		}
		tf.out(t)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

type recordAlias Record

// recordWire reads the times as strings so that a bad one can be reported
// with its field name (time.Time's decoder does not know it).
type recordWire struct {
	*recordAlias
	Modified  *string `json:"modified"`
	Published *string `json:"published,omitempty"`
	Withdrawn *string `json:"withdrawn,omitempty"`
}

// Validate checks the rules of the schema that matching relies on.
func (r *Record) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &RecordError{ID: r.ID, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if r.ID == "" {
		return bad("id", "missing")
	}
	if len(r.ID) > 256 || strings.ContainsAny(r.ID, "/\\\x00\n") {
		return bad("id", "want an identifier such as GHSA-xxxx-xxxx-xxxx, got %q", Truncate(r.ID, 64))
	}
	for i, s := range r.Severity {
		if err := validSeverity(s); err != nil {
			return bad(fmt.Sprintf("severity[%d]", i), "%v", err)
		}
	}
	for i, a := range r.Affected {
		path := fmt.Sprintf("affected[%d]", i)
		if a.Package == nil {
			// Since schema 1.3 the package may be left out when the
			// ranges are GIT only (C/C++ projects without an ecosystem).
			for j, rg := range a.Ranges {
				if rg.Type != RangeGit {
					return bad(fmt.Sprintf("%s.ranges[%d]", path, j), "a %s range needs affected[].package", rg.Type)
				}
			}
		} else {
			if a.Package.Ecosystem == "" {
				return bad(path+".package.ecosystem", "missing")
			}
			if a.Package.Name == "" {
				return bad(path+".package.name", "missing")
			}
		}
		for j, s := range a.Severity {
			if err := validSeverity(s); err != nil {
				return bad(fmt.Sprintf("%s.severity[%d]", path, j), "%v", err)
			}
		}
		for j, rg := range a.Ranges {
			if err := validRange(rg); err != nil {
				return bad(fmt.Sprintf("%s.ranges[%d]%s", path, j, err.field), "%s", err.msg)
			}
		}
		for j, v := range a.Versions {
			if v == "" {
				return bad(fmt.Sprintf("%s.versions[%d]", path, j), "empty version")
			}
		}
	}
	return nil
}

type fieldErr struct{ field, msg string }

func validRange(rg Range) *fieldErr {
	switch rg.Type {
	case RangeSemver, RangeEcosystem:
	case RangeGit:
		if rg.Repo == "" {
			return &fieldErr{".repo", "a GIT range needs the repository URL"}
		}
	case "":
		return &fieldErr{".type", "missing"}
	default:
		return &fieldErr{".type", fmt.Sprintf("unknown range type %q (want SEMVER, ECOSYSTEM or GIT)", Truncate(rg.Type, 32))}
	}
	if len(rg.Events) == 0 {
		return &fieldErr{".events", "empty; a range needs at least one introduced event"}
	}
	introduced, fixed, last := false, false, false
	for k, e := range rg.Events {
		n := 0
		for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
			if s != "" {
				n++
			}
		}
		if n != 1 {
			return &fieldErr{fmt.Sprintf(".events[%d]", k), "want exactly one of introduced, fixed, last_affected, limit"}
		}
		introduced = introduced || e.Introduced != ""
		fixed = fixed || e.Fixed != ""
		last = last || e.LastAffected != ""
	}
	if !introduced {
		return &fieldErr{".events", "no introduced event"}
	}
	if fixed && last {
		return &fieldErr{".events", "has both fixed and last_affected events, which the schema forbids"}
	}
	return nil
}

func validSeverity(s Severity) error {
	switch s.Type {
	case "":
		return errors.New("type: missing")
	case "CVSS_V2", "CVSS_V3", "CVSS_V4":
		if s.Score == "" {
			return errors.New("score: missing")
		}
	}
	return nil
}

// peekID reads just the id of a record that failed to parse, so the error
// can name it. It returns "" when even that is impossible.
// RecordID returns the record ID an error from ParseRecord names, or "".
func RecordID(err error) string {
	var re *RecordError
	if errors.As(err, &re) {
		return re.ID
	}
	return ""
}

func peekID(data []byte) string {
	var p struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &p) == nil {
		return p.ID
	}
	// A truncated record: find "id" with a scanner, stopping at the first
	// syntax error.
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return ""
	}
	depth := 1
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 && t == "id" {
				v, err := dec.Token()
				if s, ok := v.(string); ok && err == nil {
					return Truncate(s, 64)
				}
				return ""
			}
			if depth == 1 {
				// skip the value of this key
				if err := skipValue(dec); err != nil {
					return ""
				}
			}
		}
	}
	return ""
}

func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// CheckDepth rejects JSON nested deeper than MaxDepth without decoding it.
func CheckDepth(data []byte) error {
	if _, ok := jsonpos.TooDeep(data, MaxDepth); ok {
		return fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
	}
	return nil
}

// DescribeJSONError turns an encoding/json error into the JSON path of the
// field (when known) and what was wrong, for errors that name both.
func DescribeJSONError(err error) (field, msg string) {
	return jsonErrField(err), jsonErrMsg(err)
}

func jsonErrField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return strings.TrimPrefix(te.Field, "recordAlias.")
	}
	return ""
}

func jsonErrMsg(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("want %s, got %s", jsonpos.Kind(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated JSON"
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("want an RFC 3339 time, got %q", Truncate(pe.Value, 40))
	}
	return err.Error()
}

func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// BaseEcosystem strips the ":suffix" some ecosystems carry ("Debian:12",
// "Alpine:v3.20", "Maven:https://...").
func BaseEcosystem(eco string) string {
	if i := strings.IndexByte(eco, ':'); i >= 0 {
		return eco[:i]
	}
	return eco
}
