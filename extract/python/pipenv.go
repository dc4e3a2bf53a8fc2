package python

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/jsonpos"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Pipenv extracts Pipfile.lock (https://github.com/pypa/pipfile, pipfile-spec 6).
type Pipenv struct{}

// Name implements extract.Extractor.
func (Pipenv) Name() string { return "python/pipfile-lock" }

// Claims implements extract.Extractor.
// LockedBy implements extract.Manifests: a Pipfile needs Pipfile.lock.
func (Pipenv) LockedBy(p string) ([]string, string, bool) {
	if path.Base(p) != "Pipfile" {
		return nil, "", false
	}
	return []string{"Pipfile.lock"}, "pipenv lock", true
}

func (Pipenv) Claims(p string, _ fs.FileMode) bool { return path.Base(p) == "Pipfile.lock" }

// Extract implements extract.Extractor.
func (Pipenv) Extract(_ context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	direct, err := readPipfile(in.FS, path.Join(path.Dir(in.Path), "Pipfile"), in.MaxSize)
	if err != nil {
		return nil, nil, err
	}
	type entry struct {
		pkg      inventory.Package
		sections []string
	}
	byPURL := map[string]*entry{}
	var order []string
	for _, section := range []string{"default", "develop"} {
		raw, ok := top[section]
		if !ok || string(raw) == "null" {
			continue
		}
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, nil, fmt.Errorf("%s: %s: want an object, got %s", in.Path, section, jsonpos.ValueKind(raw))
		}
		lines := jsonpos.MemberLines(data, section)
		names := make([]string, 0, len(entries))
		for n := range entries {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, name := range names {
			where := fmt.Sprintf("%s: %s[%q]", in.Path, section, name)
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(entries[name], &fields); err != nil {
				// Early pipenv wrote editable projects as "-e .": "*".
				continue
			}
			if !validName(name) {
				return nil, nil, fmt.Errorf("%s: not a valid project name", where)
			}
			p, err := pipfileEntry(name, fields)
			if err != nil {
				return nil, nil, fmt.Errorf("%s.%w", where, err)
			}
			p.Direct = direct[p.Name]
			loc := inventory.Location{Path: in.Path, Line: lines[name]}
			p.Locations = []inventory.Location{loc}
			if e, ok := byPURL[p.PURL]; ok {
				e.sections = append(e.sections, section)
				e.pkg.Hashes = append(e.pkg.Hashes, p.Hashes...)
				e.pkg.Locations = append(e.pkg.Locations, loc)
				continue
			}
			byPURL[p.PURL] = &entry{pkg: p, sections: []string{section}}
			order = append(order, p.PURL)
		}
	}
	pkgs := make([]inventory.Package, 0, len(order))
	for _, id := range order {
		e := byPURL[id]
		// A package only the develop section needs is a development one.
		e.pkg.Dev = !slices.Contains(e.sections, "default")
		pkgs = append(pkgs, e.pkg)
	}
	return pkgs, nil, nil
}

// Companion: Pipfile says which packages are direct and dev.
func (Pipenv) Companion(p string) bool { return path.Base(p) == "Pipfile" }

// pipfileEntry reads one package entry; errors start with the field name.
func pipfileEntry(name string, f map[string]json.RawMessage) (inventory.Package, error) {
	version, err := jsonString(f, "version")
	if err != nil {
		return inventory.Package{}, err
	}
	var p inventory.Package
	if v, ok := pinnedVersion(strings.ReplaceAll(version, " ", "")); ok {
		p = newPackage(name, v)
	} else {
		p = newPackage(name, "")
		p.Constraint = version
	}
	if git, err := jsonString(f, "git"); err != nil {
		return p, err
	} else if git != "" {
		ref, err := jsonString(f, "ref")
		if err != nil {
			return p, err
		}
		p.Constraint = "git+" + git
		if ref != "" {
			p.Constraint += "@" + ref
		}
	}
	for _, k := range []string{"path", "file"} {
		v, err := jsonString(f, k)
		if err != nil {
			return p, err
		}
		if v != "" && p.Version == "" {
			p.Constraint = v
		}
	}
	if raw, ok := f["editable"]; ok {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return p, fmt.Errorf("editable: want boolean, got %s", jsonpos.ValueKind(raw))
		}
		if b {
			p.SetProperty(propEditable, "true")
		}
	}
	if marker, err := jsonString(f, "markers"); err != nil {
		return p, err
	} else if marker != "" {
		p.SetProperty(propMarker, marker)
	}
	if raw, ok := f["hashes"]; ok {
		var hs []string
		if err := json.Unmarshal(raw, &hs); err != nil {
			return p, fmt.Errorf("hashes: want array of strings, got %s", jsonpos.ValueKind(raw))
		}
		for i, s := range hs {
			h, err := parseHash(s)
			if err != nil {
				return p, fmt.Errorf("hashes[%d]: %w", i, err)
			}
			p.Hashes = append(p.Hashes, h)
		}
	}
	if raw, ok := f["extras"]; ok {
		var ex []string
		if err := json.Unmarshal(raw, &ex); err != nil {
			return p, fmt.Errorf("extras: want array of strings, got %s", jsonpos.ValueKind(raw))
		}
		for i := range ex {
			ex[i] = inventory.NormalizePyPIName(ex[i])
		}
		slices.Sort(ex)
		if len(ex) > 0 {
			p.SetProperty(propExtras, strings.Join(slices.Compact(ex), ","))
		}
	}
	return p, nil
}

// jsonString reads an optional string field.
func jsonString(f map[string]json.RawMessage, key string) (string, error) {
	raw, ok := f[key]
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: want string, got %s", key, jsonpos.ValueKind(raw))
	}
	return s, nil
}

// readPipfile returns the normalised names Pipfile declares in [packages]
// and [dev-packages], or nil when there is no Pipfile.
func readPipfile(fsys fs.FS, name string, limit int64) (map[string]bool, error) {
	if !exists(fsys, name) {
		return nil, nil
	}
	var pf struct {
		Packages    map[string]any `toml:"packages"`
		DevPackages map[string]any `toml:"dev-packages"`
	}
	if err := readTOML(fsys, name, limit, &pf); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for n := range pf.Packages {
		out[inventory.NormalizePyPIName(n)] = true
	}
	for n := range pf.DevPackages {
		out[inventory.NormalizePyPIName(n)] = true
	}
	return out, nil
}
