// Package vulndb is hallmark's local mirror of OSV advisories: import of
// OSV's per-ecosystem exports (all.zip files, directories of JSON, single
// records; https://google.github.io/osv.dev/data/#data-dumps), incremental
// updates from modified_id.csv, the CISA KEV catalogue, and the embedded
// SQLite store (modernc.org/sqlite, WAL mode) that `hallmark scan` reads,
// indexed by ecosystem and normalised package name so that a scan reads
// only the advisories of its packages. Records are parsed by package
// vulndb/osv and the KEV catalogue by vulndb/kev; their types are aliased
// here for callers of the store.
package vulndb

import (
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// The OSV record model (package osv).
type (
	Record      = osv.Record
	Affected    = osv.Affected
	Range       = osv.Range
	Event       = osv.Event
	Package     = osv.Package
	Severity    = osv.Severity
	Reference   = osv.Reference
	GoImport    = osv.GoImport
	RecordError = osv.RecordError
)

// Range types.
const (
	RangeSemver    = osv.RangeSemver
	RangeEcosystem = osv.RangeEcosystem
	RangeGit       = osv.RangeGit
)

// MaxRecordSize bounds one OSV record.
const MaxRecordSize = osv.MaxRecordSize

// ErrInvalidRecord is wrapped by errors about invalid records.
var ErrInvalidRecord = osv.ErrInvalidRecord

// ParseRecord decodes and validates one OSV record.
func ParseRecord(data []byte) (*Record, error) { return osv.ParseRecord(data) }

// BaseEcosystem strips an ecosystem's ":suffix" ("Debian:12" → "Debian").
func BaseEcosystem(eco string) string { return osv.BaseEcosystem(eco) }

// The KEV catalogue (package kev).
type (
	KEVCatalog = kev.Catalog
	KEVEntry   = kev.Entry
)

// MaxKEVSize bounds the KEV catalogue.
const MaxKEVSize = kev.MaxSize

// ParseKEV decodes and checks the KEV catalogue.
func ParseKEV(data []byte) (*KEVCatalog, error) { return kev.Parse(data) }

func truncate(s string, n int) string { return osv.Truncate(s, n) }
