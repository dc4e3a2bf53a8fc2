package match

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	"golang.org/x/mod/semver"

	"github.com/hallmark-dev/hallmark/internal/lazyregexp"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// errUnparseable marks a version that the ecosystem's ordering cannot
// place; findings on it are "unknown".
var errUnparseable = errors.New("version cannot be ordered")

// version is a package version parsed once and compared with the version
// strings of range events.
type version interface {
	// cmp compares the package version with an event's version: -1, 0, +1.
	cmp(event string) (int, error)
	// cmpParsed compares with another version of the same ordering.
	cmpParsed(other version) (int, error)
}

// parseVersion parses v, a package's version, for comparisons in
// ecosystem eco under a range of type rangeType. name is the package name:
// Go's stdlib and toolchain use Go release spellings (go1.22.1). strict
// rejects what the ecosystem's rules reject (a SemVer version without three
// numbers, a PyPI version outside PEP 440) where the orderings would guess;
// versions written in advisories are parsed leniently.
func parseVersion(eco, name, rangeType, v string, strict bool) (version, error) {
	if v == "" {
		return nil, fmt.Errorf("%w: no version", errUnparseable)
	}
	base := osv.BaseEcosystem(eco)
	if base == "Go" {
		sv := goSemver(name, v)
		if !semver.IsValid(sv) {
			return nil, fmt.Errorf("%w: %q is not a Go module version", errUnparseable, v)
		}
		return goVersion(sv), nil
	}
	if rangeType == osv.RangeSemver && strict {
		// SEMVER ranges are SemVer 2.0 whatever the ecosystem.
		if !semver.IsValid("v"+v) || strings.Count(strings.SplitN(strings.SplitN(v, "-", 2)[0], "+", 2)[0], ".") != 2 {
			return nil, fmt.Errorf("%w: %q is not a SemVer 2.0 version", errUnparseable, v)
		}
		return scalibrVersion{semantic.ParseSemverVersion(v)}, nil
	}
	if rangeType == osv.RangeSemver {
		return scalibrVersion{semantic.ParseSemverVersion(v)}, nil
	}
	if strict && base == "PyPI" && !pep440.MatchString(strings.ToLower(strings.TrimSpace(v))) {
		return nil, fmt.Errorf("%w: %q is not a PEP 440 version", errUnparseable, v)
	}
	sv, err := semantic.Parse(v, eco)
	if err != nil {
		if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
			return nil, fmt.Errorf("%w: no version ordering for ecosystem %q", errUnparseable, eco)
		}
		return nil, fmt.Errorf("%w: %v", errUnparseable, err)
	}
	return scalibrVersion{sv}, nil
}

type scalibrVersion struct{ v semantic.Version }

func (s scalibrVersion) cmp(event string) (int, error) {
	return s.v.CompareStr(event)
}

func (s scalibrVersion) cmpParsed(o version) (int, error) {
	ov, ok := o.(scalibrVersion)
	if !ok {
		return 0, fmt.Errorf("cannot compare %T with %T", s, o)
	}
	return s.v.Compare(ov.v)
}

// goVersion is a canonical "v"-prefixed semantic version. OSV's Go records
// write versions without the "v" (https://go.dev/doc/security/vuln/database#schema);
// golang.org/x/mod/semver orders pseudo-versions as the pre-releases they
// are and ignores "+incompatible" build metadata, as the go command does.
type goVersion string

func (g goVersion) cmp(event string) (int, error) {
	ev := "v" + strings.TrimPrefix(event, "v")
	if !semver.IsValid(ev) {
		return 0, fmt.Errorf("range event %q is not a semantic version", event)
	}
	return semver.Compare(string(g), ev), nil
}

func (g goVersion) cmpParsed(o version) (int, error) {
	ov, ok := o.(goVersion)
	if !ok {
		return 0, fmt.Errorf("cannot compare %T with %T", g, o)
	}
	return semver.Compare(string(g), string(ov)), nil
}

// goSemver turns a Go package version into a canonical semantic version:
// module versions gain a "v" if missing; the stdlib and toolchain, which
// extractors report as OSV writes them (1.21.0-rc.2) but SBOMs from other
// tools may spell as Go releases, are converted the way the Go
// vulnerability database does (go1.21 → v1.21.0, go1.21rc2 → v1.21.0-rc.2).
func goSemver(name, v string) string {
	v = strings.TrimSpace(v)
	if sv := "v" + strings.TrimPrefix(v, "v"); semver.IsValid(sv) {
		if name == "stdlib" || name == "toolchain" {
			return semver.Canonical(sv)
		}
		return sv
	}
	if name != "stdlib" && name != "toolchain" {
		return v
	}
	v = strings.TrimPrefix(v, "go")
	// Drop suffixes such as "go1.22.1 X:boringcrypto".
	v, _, _ = strings.Cut(v, " ")
	pre := ""
	for _, tag := range []string{"rc", "beta", "alpha"} {
		if i := strings.Index(v, tag); i > 0 {
			v, pre = v[:i], "-"+tag+"."+v[i+len(tag):]
			break
		}
	}
	if strings.Count(v, ".") == 1 {
		v += ".0"
	}
	return semver.Canonical("v" + v + pre)
}

// displayVersion spells a fixed version the way the ecosystem's tools
// want it: Go modules with the "v" the go command needs (v1.2.3); the
// stdlib and toolchain as OSV and hallmark's inventory write them (1.21.5).
func displayVersion(eco, name, v string) string {
	if osv.BaseEcosystem(eco) != "Go" || v == "" {
		return v
	}
	if name == "stdlib" || name == "toolchain" {
		return strings.TrimPrefix(v, "v")
	}
	return "v" + strings.TrimPrefix(v, "v")
}

// pep440 is the version grammar of PEP 440, Appendix B
// (https://peps.python.org/pep-0440/#appendix-b-parsing-version-strings-with-regular-expressions).
var pep440 = lazyregexp.New(`^v?(?:(?:[0-9]+)!)?(?:[0-9]+(?:\.[0-9]+)*)(?:[-_\.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?:[0-9]+)?)?(?:(?:-(?:[0-9]+))|(?:[-_\.]?(?:post|rev|r)[-_\.]?(?:[0-9]+)?))?(?:[-_\.]?(?:dev)[-_\.]?(?:[0-9]+)?)?(?:\+(?:[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?$`)
