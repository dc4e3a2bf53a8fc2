package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

func ev(kind, v string) osv.Event {
	switch kind {
	case "i":
		return osv.Event{Introduced: v}
	case "f":
		return osv.Event{Fixed: v}
	case "l":
		return osv.Event{LastAffected: v}
	}
	return osv.Event{Limit: v}
}

func rng(typ string, events ...osv.Event) osv.Range {
	r := osv.Range{Type: typ, Events: events}
	if typ == osv.RangeGit {
		r.Repo = "https://github.com/example/example"
	}
	return r
}

// TestEvaluate covers every event kind, several ranges and pairs,
// versions lists, GIT ranges and unparseable versions, per ecosystem.
func TestEvaluate(t *testing.T) {
	semver := func(events ...osv.Event) osv.Range { return rng(osv.RangeSemver, events...) }
	eco := func(events ...osv.Event) osv.Range { return rng(osv.RangeEcosystem, events...) }
	tests := []struct {
		name     string
		eco      string
		pkg      string
		version  string
		ranges   []osv.Range
		versions []string
		want     Verdict
		fixed    []string
		reason   string
	}{
		// introduced / fixed
		{"below introduced", "crates.io", "a", "0.9.0", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "1.2.0"))}, nil, NotAffected, []string{"1.2.0"}, ""},
		{"at introduced", "crates.io", "a", "1.0.0", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "1.2.0"))}, nil, Affected, []string{"1.2.0"}, ""},
		{"inside", "crates.io", "a", "1.1.9", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "1.2.0"))}, nil, Affected, []string{"1.2.0"}, ""},
		{"at fixed", "crates.io", "a", "1.2.0", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "1.2.0"))}, nil, NotAffected, nil, ""},
		{"introduced 0", "crates.io", "a", "0.0.1", []osv.Range{semver(ev("i", "0"), ev("f", "1.2.0"))}, nil, Affected, []string{"1.2.0"}, ""},
		{"no fix", "crates.io", "a", "99.0.0", []osv.Range{semver(ev("i", "0"))}, nil, Affected, nil, ""},
		{"pre-release below fix", "crates.io", "a", "1.2.0-rc.1", []osv.Range{semver(ev("i", "0"), ev("f", "1.2.0"))}, nil, Affected, []string{"1.2.0"}, ""},
		{"RustSec 0.0.0-0", "crates.io", "a", "0.8.1", []osv.Range{semver(ev("i", "0.0.0-0"), ev("f", "0.8.2-0"))}, nil, Affected, []string{"0.8.2-0"}, ""},
		// several pairs in one range, out of order
		{"second pair", "crates.io", "a", "3.1.0", []osv.Range{semver(ev("i", "3.0.0"), ev("f", "3.2.5"), ev("i", "1.0.0"), ev("f", "1.0.2"))}, nil, Affected, []string{"3.2.5"}, ""},
		{"between pairs", "crates.io", "a", "2.0.0", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "1.0.2"), ev("i", "3.0.0"), ev("f", "3.2.5"))}, nil, NotAffected, []string{"3.2.5"}, ""},
		// several ranges: any one suffices
		{"second range", "crates.io", "a", "5.0.0", []osv.Range{semver(ev("i", "1.0.0"), ev("f", "2.0.0")), semver(ev("i", "4.0.0"), ev("f", "6.0.0"))}, nil, Affected, []string{"6.0.0"}, ""},
		// last_affected
		{"at last_affected", "PyPI", "a", "2.1", []osv.Range{eco(ev("i", "2.0"), ev("l", "2.1"))}, nil, Affected, nil, ""},
		{"above last_affected", "PyPI", "a", "2.1.1", []osv.Range{eco(ev("i", "2.0"), ev("l", "2.1"))}, nil, NotAffected, nil, ""},
		// limit
		{"below limit", "PyPI", "a", "3.4", []osv.Range{eco(ev("i", "3.0"), ev("L", "3.5"))}, nil, Affected, nil, ""},
		{"at limit", "PyPI", "a", "3.5", []osv.Range{eco(ev("i", "3.0"), ev("L", "3.5"))}, nil, NotAffected, nil, ""},
		{"limit *", "PyPI", "a", "100", []osv.Range{eco(ev("i", "3.0"), ev("L", "*"))}, nil, Affected, nil, ""},
		{"two limits, below one", "PyPI", "a", "4.0", []osv.Range{eco(ev("i", "3.0"), ev("L", "3.5"), ev("L", "4.5"))}, nil, Affected, nil, ""},
		// versions lists
		{"listed only", "PyPI", "a", "0.9.1", nil, []string{"0.9.1"}, Affected, nil, ""},
		{"not listed", "PyPI", "a", "0.9.2", nil, []string{"0.9.1"}, NotAffected, nil, ""},
		{"listed, PEP 440 spelling", "PyPI", "a", "2.2.0", nil, []string{"2.2"}, Affected, nil, ""},
		{"listed wins over ranges", "PyPI", "a", "0.9.1", []osv.Range{eco(ev("i", "1.0"))}, []string{"0.9.1"}, Affected, nil, ""},
		// PEP 440 ordering: 2.2.0 == 2.2, post and pre releases
		{"PEP 440 equal", "PyPI", "django", "2.2.0", []osv.Range{eco(ev("i", "2.2"), ev("f", "2.2.10"))}, nil, Affected, []string{"2.2.10"}, ""},
		{"PEP 440 pre-release", "PyPI", "a", "2.2.10rc1", []osv.Range{eco(ev("i", "2.2"), ev("f", "2.2.10"))}, nil, Affected, []string{"2.2.10"}, ""},
		{"PEP 440 post-release", "PyPI", "a", "2.2.10.post1", []osv.Range{eco(ev("i", "2.2"), ev("f", "2.2.10"))}, nil, NotAffected, nil, ""},
		// GIT ranges are skipped; an ECOSYSTEM range after one still counts
		{"GIT then ECOSYSTEM", "PyPI", "django", "2.2.0", []osv.Range{rng(osv.RangeGit, ev("i", "0"), ev("f", "eb31d845")), eco(ev("i", "2.2"), ev("f", "2.2.10"))}, nil, Affected, []string{"2.2.10"}, ""},
		{"GIT only", "PyPI", "a", "1.0", []osv.Range{rng(osv.RangeGit, ev("i", "0"), ev("f", "eb31d845"))}, nil, NotAffected, nil, ""},
		// Go: "v" prefixes, pseudo-versions, +incompatible, stdlib
		{"Go v prefix", "Go", "example.com/m", "v1.3.9", []osv.Range{semver(ev("i", "0"), ev("f", "1.4.0"))}, nil, Affected, []string{"1.4.0"}, ""},
		{"Go pseudo-version before fix", "Go", "golang.org/x/net", "v0.0.0-20220325170049-de3da57026de", []osv.Range{semver(ev("i", "0"), ev("f", "0.0.0-20220906165146-f3363e06e74c"))}, nil, Affected, []string{"0.0.0-20220906165146-f3363e06e74c"}, ""},
		{"Go pseudo-version after fix", "Go", "golang.org/x/net", "v0.0.0-20221004154528-8021a29435af", []osv.Range{semver(ev("i", "0"), ev("f", "0.0.0-20220906165146-f3363e06e74c"))}, nil, NotAffected, nil, ""},
		{"Go pseudo-version of a later minor", "Go", "golang.org/x/net", "v0.7.1-0.20230214201333-88ed8ca3307d", []osv.Range{semver(ev("i", "0"), ev("f", "0.7.0"))}, nil, NotAffected, nil, ""},
		{"Go +incompatible", "Go", "github.com/docker/docker", "v20.10.14+incompatible", []osv.Range{semver(ev("i", "0"), ev("f", "20.10.18+incompatible"))}, nil, Affected, []string{"20.10.18+incompatible"}, ""},
		{"stdlib as OSV writes it", "Go", "stdlib", "1.19.0", []osv.Range{semver(ev("i", "0"), ev("f", "1.18.6"), ev("i", "1.19.0-0"), ev("f", "1.19.1"))}, nil, Affected, []string{"1.19.1"}, ""},
		{"stdlib go1.x spelling", "Go", "stdlib", "go1.19.1", []osv.Range{semver(ev("i", "0"), ev("f", "1.18.6"), ev("i", "1.19.0-0"), ev("f", "1.19.1"))}, nil, NotAffected, nil, ""},
		{"stdlib release candidate", "Go", "stdlib", "go1.19rc2", []osv.Range{semver(ev("i", "0"), ev("f", "1.18.6"), ev("i", "1.19.0-0"), ev("f", "1.19.1"))}, nil, Affected, []string{"1.19.1"}, ""},
		{"toolchain", "Go", "toolchain", "go1.22.0", []osv.Range{semver(ev("i", "1.21.0-0"), ev("f", "1.22.2"))}, nil, Affected, []string{"1.22.2"}, ""},
		// unparseable versions are Unknown, never dropped or matched
		{"Go devel", "Go", "example.com/m", "(devel)", []osv.Range{semver(ev("i", "0"), ev("f", "1.4.0"))}, nil, Unknown, nil, `"(devel)" is not a Go module version`},
		{"SEMVER two numbers", "crates.io", "a", "1.2", []osv.Range{semver(ev("i", "0"), ev("f", "1.4.0"))}, nil, Unknown, nil, `"1.2" is not a SemVer 2.0 version`},
		{"not PEP 440", "PyPI", "a", "1.0-custom build", []osv.Range{eco(ev("i", "0"), ev("f", "2.0"))}, nil, Unknown, nil, `is not a PEP 440 version`},
		{"no ordering for ecosystem", "Unheard", "a", "1.0", []osv.Range{eco(ev("i", "0"), ev("f", "2.0"))}, nil, Unknown, nil, `no version ordering for ecosystem "Unheard"`},
		{"unparseable but listed", "PyPI", "a", "1.0-custom build", []osv.Range{eco(ev("i", "0"), ev("f", "2.0"))}, []string{"1.0-custom build"}, Affected, nil, ""},
		// other ecosystems' orderings through osv-scalibr
		{"Maven qualifiers", "Maven", "g:a", "2.0.0-beta", []osv.Range{eco(ev("i", "2.0.0-alpha"), ev("f", "2.0.0"))}, nil, Affected, []string{"2.0.0"}, ""},
		{"npm", "npm", "@scope/a", "4.17.20", []osv.Range{semver(ev("i", "0"), ev("f", "4.17.21"))}, nil, Affected, []string{"4.17.21"}, ""},
		{"Debian epoch", "Debian", "openssl", "1:1.1.1n-0+deb11u3", []osv.Range{eco(ev("i", "0"), ev("f", "1:1.1.1n-0+deb11u4"))}, nil, Affected, []string{"1:1.1.1n-0+deb11u4"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &osv.Affected{Package: &osv.Package{Ecosystem: tt.eco, Name: tt.pkg}, Ranges: tt.ranges, Versions: tt.versions}
			got := Evaluate(tt.eco, tt.pkg, tt.version, a)
			if got.Verdict != tt.want {
				t.Errorf("verdict %v, want %v (reason %q)", got.Verdict, tt.want, got.Reason)
			}
			if tt.want != Unknown && !slices.Equal(got.Fixed, tt.fixed) && !(len(got.Fixed) == 0 && len(tt.fixed) == 0) {
				t.Errorf("fixed %q, want %q", got.Fixed, tt.fixed)
			}
			if tt.reason != "" && !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q, want it to contain %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestGitOnly(t *testing.T) {
	a := &osv.Affected{Ranges: []osv.Range{rng(osv.RangeGit, ev("i", "0"))}}
	if e := Evaluate("PyPI", "a", "1.0", a); !e.GitOnly || e.Verdict != NotAffected {
		t.Errorf("GIT-only entry: %+v", e)
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add("crates.io", "1.1.0", "1.0.0", "1.2.0", "", "")
	f.Add("Go", "v0.0.0-20220325170049-de3da57026de", "0", "0.0.0-20220906165146-f3363e06e74c", "", "")
	f.Add("PyPI", "2.2.0", "2.2", "", "2.3", "")
	f.Add("PyPI", "1!2.0.post1", "1.0", "", "", "3.0")
	f.Add("Go", "go1.21rc2", "1.21.0-0", "1.21.1", "", "*")
	f.Fuzz(func(t *testing.T, eco, version, introduced, fixed, lastAffected, limit string) {
		events := []osv.Event{{Introduced: introduced}}
		if fixed != "" {
			events = append(events, osv.Event{Fixed: fixed})
		} else if lastAffected != "" {
			events = append(events, osv.Event{LastAffected: lastAffected})
		}
		if limit != "" {
			events = append(events, osv.Event{Limit: limit})
		}
		for _, typ := range []string{osv.RangeSemver, osv.RangeEcosystem} {
			a := &osv.Affected{Ranges: []osv.Range{{Type: typ, Events: events}}}
			got := Evaluate(eco, "pkg", version, a)
			if got.Verdict == Unknown && got.Reason == "" {
				t.Fatal("unknown verdict without a reason")
			}
			// Invariants: a version equal to the fix is never affected by
			// this single pair, and "introduced 0" with no upper bound
			// affects every version that can be ordered.
			if got.Verdict == Affected && fixed != "" && version == fixed && introduced != fixed {
				t.Fatalf("%s %s affected at its own fix %s", eco, version, fixed)
			}
			if introduced == "0" && fixed == "" && lastAffected == "" && limit == "" && got.Verdict == NotAffected {
				t.Fatalf("%s %s not affected by an open range", eco, version)
			}
			// Listing the version always makes it affected.
			a.Versions = []string{version}
			if Evaluate(eco, "pkg", version, a).Verdict != Affected {
				t.Fatal("listed version not affected")
			}
		}
	})
}
