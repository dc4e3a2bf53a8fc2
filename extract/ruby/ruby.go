// Package ruby inventories Ruby gems from Bundler's lockfile, Gemfile.lock
// (or gems.locked), and from gem specifications (*.gemspec; see Gemspec for
// the subset of Ruby read there).
//
// Spec: Bundler has no written grammar for the lockfile; this follows its
// parser, Bundler::LockfileParser
// (https://github.com/rubygems/rubygems/blob/master/bundler/lib/bundler/lockfile_parser.rb),
// and the format described in https://bundler.io/guides/bundler_lockfile.html
// (the Gemfile.lock section of "How Does Bundler Work"). Covered:
//   - GEM, GIT and PATH sections (PLUGIN SOURCE is read the same way):
//     their "remote:", "revision:" options and "specs:", where a line
//     indented four spaces is a gem, "name (version)" or
//     "name (version-platform)" (the version ends at the first "-", as in
//     Bundler), and a line indented six spaces is a dependency of the gem
//     above it, with optional constraints "(~> 1.0, >= 1.0.2)".
//   - DEPENDENCIES: the gems the Gemfile names, which become Direct; a "!"
//     marks one from a git or path source.
//   - CHECKSUMS (Bundler 2.5+): "name (version[-platform]) sha256=hex".
//   - PLATFORMS, RUBY VERSION and BUNDLED WITH say nothing about packages
//     and are read past, as are sections Bundler does not know.
//
// A platform-specific gem keeps the platform in the purl's platform
// qualifier (purl-spec gem type,
// https://github.com/package-url/purl-spec/blob/main/types/gem-definition.json):
// pkg:gem/nokogiri@1.16.7?platform=x86_64-linux. Gems from GIT and PATH
// sources carry the property hallmark:gem:source. A dependency line links
// the gem to every locked variant (platform) of the gem it names. The
// lockfile does not say which Gemfile groups a gem belongs to, so no gem is
// marked Dev.
package ruby

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/inventory"
)

// PropSource is where a gem from a non-rubygems source comes from:
// "git:<remote>@<revision>" or "path:<path>".
const PropSource = "hallmark:gem:source"

// Extractor reads Gemfile.lock.
type Extractor struct{}

// New returns the Gemfile.lock extractor.
func New() Extractor { return Extractor{} }

// Name implements extract.Extractor.
func (Extractor) Name() string { return "ruby/gemfile-lock" }

// Claims implements extract.Extractor.
// LockedBy implements extract.Manifests: a Gemfile (or gems.rb) needs its
// Gemfile.lock (gems.locked) for versions.
func (Extractor) LockedBy(p string) ([]string, string, bool) {
	switch path.Base(p) {
	case "Gemfile", "gems.rb":
		return []string{"Gemfile.lock", "gems.locked"}, "bundle lock", true
	}
	return nil, "", false
}

func (Extractor) Claims(p string, _ fs.FileMode) bool {
	b := path.Base(p)
	return b == "Gemfile.lock" || b == "gems.locked"
}

// spec is one locked gem.
type spec struct {
	name, version, platform string
	source                  string
	deps                    []string
	line                    int
	sha256                  string
}

func (s *spec) purl() string {
	q := map[string]string{}
	if s.platform != "" && s.platform != "ruby" {
		q["platform"] = s.platform
	}
	return inventory.PURL(inventory.RubyGems, s.name, s.version, q)
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	data, err := in.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	lf, err := parse(string(data))
	if err != nil {
		return nil, nil, fmt.Errorf("%s:%w", in.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	byName := map[string][]*spec{}
	for _, s := range lf.specs {
		byName[s.name] = append(byName[s.name], s)
	}
	for _, c := range lf.checksums {
		for _, s := range byName[c.name] {
			if s.version == c.version && s.platform == c.platform {
				s.sha256 = c.sha256
			}
		}
	}
	pkgs := make([]inventory.Package, 0, len(lf.specs))
	for _, s := range lf.specs {
		p := inventory.Package{
			Name:      s.name,
			Version:   s.version,
			Ecosystem: inventory.RubyGems,
			PURL:      s.purl(),
			Direct:    lf.direct[s.name],
			Locations: []inventory.Location{{Path: in.Path, Line: s.line}},
		}
		if s.source != "" {
			p.SetProperty(PropSource, s.source)
		}
		if s.sha256 != "" {
			p.Hashes = []inventory.Hash{{Algorithm: "SHA-256", Value: s.sha256}}
		}
		pkgs = append(pkgs, p)
	}
	var rels []inventory.Relationship
	for _, s := range lf.specs {
		from := s.purl()
		for _, d := range s.deps {
			for _, t := range byName[d] {
				rels = append(rels, inventory.Relationship{From: from, To: t.purl(), Type: inventory.DependsOn})
			}
		}
	}
	return pkgs, rels, nil
}

type checksum struct {
	name, version, platform, sha256 string
}

type lockfile struct {
	specs     []*spec
	direct    map[string]bool
	checksums []checksum
}

// Section headers Bundler knows.
const (
	secGEM    = "GEM"
	secGIT    = "GIT"
	secPATH   = "PATH"
	secPlugin = "PLUGIN SOURCE"
	secDeps   = "DEPENDENCIES"
	secSums   = "CHECKSUMS"
)

// parse reads the lockfile. Errors start with the line number.
func parse(s string) (*lockfile, error) {
	lf := &lockfile{direct: map[string]bool{}}
	var (
		section          string
		inSpecs          bool
		remote, revision string
		cur              *spec
	)
	lineNo := 0
	for line := range strings.Lines(s) {
		lineNo++
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "<<<<<<<") || strings.HasPrefix(line, "=======") || strings.HasPrefix(line, ">>>>>>>") {
			return nil, fmt.Errorf("%d: merge conflict marker", lineNo)
		}
		if line[0] != ' ' {
			section, inSpecs, remote, revision, cur = line, false, "", "", nil
			continue
		}
		switch section {
		case secGEM, secGIT, secPATH, secPlugin:
			if !inSpecs {
				if line == "  specs:" {
					inSpecs = true
					continue
				}
				k, v, ok := strings.Cut(strings.TrimPrefix(line, "  "), ": ")
				if !ok || strings.HasPrefix(line, "   ") {
					return nil, fmt.Errorf(`%d: %s: want "  option: value" or "  specs:", got %q`, lineNo, section, escape.Clip(line, 60))
				}
				switch k {
				case "remote":
					remote = v
				case "revision":
					revision = v
				}
				continue
			}
			indent, nv, err := nameVersion(line)
			if err != nil {
				return nil, fmt.Errorf("%d: %v", lineNo, err)
			}
			switch indent {
			case 4:
				if nv.version == "" {
					return nil, fmt.Errorf(`%d: want "name (version)", got %q`, lineNo, escape.Clip(strings.TrimSpace(line), 60))
				}
				cur = &spec{name: nv.name, version: nv.version, platform: nv.platform, line: lineNo}
				switch section {
				case secGIT:
					cur.source = "git:" + remote
					if revision != "" {
						cur.source += "@" + revision
					}
				case secPATH:
					cur.source = "path:" + remote
				case secPlugin:
					cur.source = "plugin:" + remote
				}
				lf.specs = append(lf.specs, cur)
			case 6:
				if cur == nil {
					return nil, fmt.Errorf("%d: dependency %q before any gem", lineNo, escape.Clip(nv.name, 60))
				}
				cur.deps = append(cur.deps, nv.name)
			default:
				return nil, fmt.Errorf("%d: want a gem indented 4 spaces or a dependency indented 6, got %q", lineNo, escape.Clip(line, 60))
			}
		case secDeps:
			indent, nv, err := nameVersion(line)
			if err != nil {
				return nil, fmt.Errorf("%d: %v", lineNo, err)
			}
			if indent != 2 {
				return nil, fmt.Errorf("%d: DEPENDENCIES: want a gem indented 2 spaces, got %q", lineNo, escape.Clip(line, 60))
			}
			lf.direct[nv.name] = true
		case secSums:
			indent, nv, err := nameVersion(line)
			if err != nil {
				return nil, fmt.Errorf("%d: %v", lineNo, err)
			}
			if indent != 2 || nv.version == "" {
				return nil, fmt.Errorf(`%d: CHECKSUMS: want "  name (version) sha256=hex", got %q`, lineNo, escape.Clip(line, 60))
			}
			c := checksum{name: nv.name, version: nv.version, platform: nv.platform}
			for sum := range strings.SplitSeq(nv.rest, ",") {
				alg, val, _ := strings.Cut(strings.TrimSpace(sum), "=")
				if alg != "sha256" {
					continue // only sha256 is defined; others are skipped as Bundler does
				}
				if b, err := hex.DecodeString(val); err != nil || len(b) != 32 {
					return nil, fmt.Errorf("%d: CHECKSUMS: %s: want 64 hex digits after sha256=, got %q", lineNo, nv.name, escape.Clip(val, 60))
				}
				c.sha256 = strings.ToLower(val)
			}
			if c.sha256 != "" {
				lf.checksums = append(lf.checksums, c)
			}
		}
		// PLATFORMS, RUBY VERSION, BUNDLED WITH and unknown sections: nothing
		// to inventory.
	}
	return lf, nil
}

type nv struct {
	name, version, platform string
	rest                    string // what follows ")" or "!": a checksum list
}

// nameVersion reads `  name (version-platform)! rest` the way Bundler's
// NAME_VERSION expression does: the indent, a name up to " (", a version up
// to the first "-", an optional platform up to ")".
func nameVersion(line string) (int, nv, error) {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	body := strings.TrimSpace(line)
	var out nv
	name, rest, hasVersion := strings.Cut(body, " (")
	if !hasVersion {
		name, rest, _ = strings.Cut(body, " ")
		out.rest = rest
		name = strings.TrimSuffix(name, "!")
	} else {
		inside, after, ok := strings.Cut(rest, ")")
		if !ok {
			return 0, out, fmt.Errorf("unclosed parenthesis in %q", escape.Clip(body, 60))
		}
		out.rest = strings.TrimSpace(strings.TrimPrefix(after, "!"))
		// In DEPENDENCIES and dependency lines the parentheses hold
		// constraints ("~> 1.0, >= 1.0.2"); only gem lines and checksums
		// hold a version, and they have no operator.
		if !strings.ContainsAny(inside, "<>=~ ,") {
			out.version, out.platform, _ = strings.Cut(inside, "-")
			if out.version == "" {
				return 0, out, fmt.Errorf("empty version in %q", escape.Clip(body, 60))
			}
		}
	}
	if name == "" || strings.ContainsAny(name, " \t()") {
		return 0, out, fmt.Errorf("want a gem name, got %q", escape.Clip(body, 60))
	}
	out.name = name
	return indent, out, nil
}
