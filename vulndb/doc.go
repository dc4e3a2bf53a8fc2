// Package vulndb is hallmark's local mirror of OSV advisories: import of
// OSV's per-ecosystem exports (all.zip files, directories of JSON, single
// records; https://google.github.io/osv.dev/data/#data-dumps), incremental
// updates from modified_id.csv, the CISA KEV catalogue, and the embedded
// SQLite store (modernc.org/sqlite, WAL mode) that `hallmark scan` reads,
// indexed by ecosystem and normalised package name so that a scan reads
// only the advisories of its packages. Records are parsed by package
// vulndb/osv and the KEV catalogue by vulndb/kev, and the store hands out
// their types (osv.Record, kev.Entry) as they are.
package vulndb
