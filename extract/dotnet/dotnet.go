// Package dotnet inventories NuGet packages from NuGet's lock file,
// packages.lock.json (and packages.<project>.lock.json, the name NuGet uses
// when several projects share a folder).
//
// Spec: the lock file NuGet writes when RestorePackagesWithLockFile is set
// (https://learn.microsoft.com/nuget/consume-packages/package-references-in-project-files#locking-dependencies;
// the reader is NuGet.ProjectModel's LockFileFormat). Versions 1 and 2 are
// read; 2 only adds the CentralTransitive type of central package
// management. "dependencies" maps each target framework ("net8.0") and
// framework/runtime pair ("net8.0/linux-x64") to the packages resolved for
// it, each with:
//   - "type": Direct (referenced by the project: Direct), Transitive,
//     CentralTransitive (transitive, pinned by Directory.Packages.props) or
//     Project (another project of the solution: not a NuGet package, so not
//     inventoried);
//   - "resolved": the version restored;
//   - "contentHash": base64 of the SHA-512 of the .nupkg, reported as a
//     SHA-512 hash in hex;
//   - "dependencies": the package's own dependencies by id, which become
//     relationships to the versions resolved in the same framework section.
//
// NuGet ids are case-insensitive but case-preserving; purl-spec's nuget
// type (https://github.com/package-url/purl-spec/blob/main/types/nuget-definition.json)
// keeps the spelling, and so does this package: pkg:nuget/Newtonsoft.Json@13.0.3.
// Ids are matched case-insensitively when resolving dependencies. The lock
// file has no notion of development-only packages.
package dotnet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

// PropTargetFramework lists, comma-separated, the target framework sections
// ("net8.0", "net8.0/linux-x64") a package was resolved for.
const PropTargetFramework = "hallmark:nuget:target-framework"

// Extractor reads packages.lock.json.
type Extractor struct{}

// New returns the packages.lock.json extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "dotnet/packages-lock" }

// Claims implements extract.Extractor.
func (Extractor) Claims(p string, _ fs.FileMode) bool {
	b := path.Base(p)
	if b == "packages.lock.json" {
		return true
	}
	mid, ok := strings.CutPrefix(b, "packages.")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ".lock.json")
	return ok && mid != ""
}

type lockEntry struct {
	Type         string            `json:"type"`
	Requested    string            `json:"requested"`
	Resolved     string            `json:"resolved"`
	ContentHash  string            `json:"contentHash"`
	Dependencies map[string]string `json:"dependencies"`

	id, tfm string
	sha512  string // contentHash in hex
	line    int
	at      string // path for errors
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	sections, err := parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var pkgs []inventory.Package
	byPURL := map[string]int{}
	var rels []inventory.Relationship
	for _, sec := range sections {
		// Resolve ids within the section: NuGet ids are case-insensitive.
		resolved := make(map[string]string, len(sec.entries))
		for _, e := range sec.entries {
			if e.Type == "Project" || e.Resolved == "" {
				continue
			}
			resolved[strings.ToLower(e.id)] = inventory.PURL(inventory.NuGet, e.id, e.Resolved, nil)
		}
		for _, e := range sec.entries {
			if e.Type == "Project" {
				continue
			}
			if e.Resolved == "" {
				// A CentralTransitive pin the graph did not use.
				continue
			}
			id := resolved[strings.ToLower(e.id)]
			if i, ok := byPURL[id]; ok {
				p := &pkgs[i]
				p.Direct = p.Direct || e.Type == "Direct"
				p.Locations = append(p.Locations, inventory.Location{Path: in.Path, Line: e.line})
				tf, _ := p.Property(PropTargetFramework)
				p.SetProperty(PropTargetFramework, tf+","+e.tfm)
			} else {
				p := inventory.Package{
					Name:      e.id,
					Version:   e.Resolved,
					Ecosystem: inventory.NuGet,
					PURL:      id,
					Direct:    e.Type == "Direct",
					Locations: []inventory.Location{{Path: in.Path, Line: e.line}},
				}
				if e.sha512 != "" {
					p.Hashes = []inventory.Hash{{Algorithm: "SHA-512", Value: e.sha512}}
				}
				p.SetProperty(PropTargetFramework, e.tfm)
				byPURL[id] = len(pkgs)
				pkgs = append(pkgs, p)
			}
			for dep := range e.Dependencies {
				if to, ok := resolved[strings.ToLower(dep)]; ok {
					rels = append(rels, inventory.Relationship{From: id, To: to, Type: inventory.DependsOn})
				}
			}
		}
	}
	return pkgs, rels, nil
}

type section struct {
	tfm     string
	entries []*lockEntry
}

// parse streams the lock file so errors name the framework, the package
// and the line. Errors start with the line number.
func parse(data []byte) ([]section, error) {
	if err := jsonpos.CheckDepth(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, data, '{', ""); err != nil {
		return nil, err
	}
	var sections []section
	version := 0
	lines := jsonpos.NewLines(data)
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, jsonpos.Describe(data, dec.InputOffset(), "", err)
		}
		start := jsonpos.ValueStart(data, dec.InputOffset())
		switch key {
		case "version":
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, jsonpos.Describe(data, start, "version", err)
			}
			n, err := strconv.Atoi(string(v))
			if err != nil || n < 1 || n > 2 {
				return nil, fmt.Errorf("%d: version: want 1 or 2, got %s", jsonpos.LineAt(data, start), escape.Clip(string(v), 60))
			}
			version = n
		case "dependencies":
			if err := expectDelim(dec, data, '{', "dependencies"); err != nil {
				return nil, err
			}
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					return nil, jsonpos.Describe(data, dec.InputOffset(), "dependencies", err)
				}
				tfm, _ := tok.(string)
				at := "dependencies[" + strconv.Quote(tfm) + "]"
				sec := section{tfm: tfm}
				if err := expectDelim(dec, data, '{', at); err != nil {
					return nil, err
				}
				for dec.More() {
					tok, err := dec.Token()
					if err != nil {
						return nil, jsonpos.Describe(data, dec.InputOffset(), at, err)
					}
					id, _ := tok.(string)
					eat := at + "[" + strconv.Quote(id) + "]"
					start := jsonpos.ValueStart(data, dec.InputOffset())
					var raw json.RawMessage
					if err := dec.Decode(&raw); err != nil {
						return nil, jsonpos.Describe(data, start, eat, err)
					}
					e := &lockEntry{id: id, tfm: tfm, line: lines.At(start), at: eat}
					if err := json.Unmarshal(raw, e); err != nil {
						return nil, jsonpos.Describe(data, start, eat, err)
					}
					if err := e.check(); err != nil {
						return nil, fmt.Errorf("%d: %w", e.line, err)
					}
					sec.entries = append(sec.entries, e)
				}
				if _, err := dec.Token(); err != nil {
					return nil, jsonpos.Describe(data, dec.InputOffset(), at, err)
				}
				sections = append(sections, sec)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonpos.Describe(data, dec.InputOffset(), "dependencies", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, jsonpos.Describe(data, start, fmt.Sprint(key), err)
			}
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return nil, jsonpos.Describe(data, dec.InputOffset(), "", err)
	}
	if version == 0 {
		return nil, fmt.Errorf("1: version: missing (want 1 or 2)")
	}
	return sections, nil
}

func expectDelim(dec *json.Decoder, data []byte, want json.Delim, at string) error {
	start := jsonpos.ValueStart(data, dec.InputOffset())
	tok, err := dec.Token()
	if err != nil {
		return jsonpos.Describe(data, start, at, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		got := "array"
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' {
				got = "object"
			}
		case string:
			got = "string"
		case float64:
			got = "number"
		case bool:
			got = "boolean"
		case nil:
			got = "null"
		}
		return fmt.Errorf("%d: %swant object, got %s", jsonpos.LineAt(data, start), jsonpos.Prefix(at), got)
	}
	return nil
}

func (e *lockEntry) check() error {
	switch e.Type {
	case "Direct", "Transitive", "CentralTransitive", "Project":
	default:
		return fmt.Errorf("%s.type: want Direct, Transitive, CentralTransitive or Project, got %q", e.at, escape.Clip(e.Type, 60))
	}
	if e.id == "" {
		return fmt.Errorf("%s: empty package id", e.at)
	}
	if e.Type == "Direct" || e.Type == "Transitive" {
		if e.Resolved == "" {
			return fmt.Errorf("%s.resolved: missing", e.at)
		}
	}
	if strings.ContainsAny(e.Resolved, " /?#@") {
		return fmt.Errorf("%s.resolved: want a version, got %q", e.at, escape.Clip(e.Resolved, 60))
	}
	if e.ContentHash != "" {
		raw, err := base64.StdEncoding.DecodeString(e.ContentHash)
		if err != nil || len(raw) != 64 {
			return fmt.Errorf("%s.contentHash: want the base64 of a SHA-512 (64 bytes), got %q", e.at, escape.Clip(e.ContentHash, 60))
		}
		e.sha512 = hex.EncodeToString(raw)
	}
	return nil
}
