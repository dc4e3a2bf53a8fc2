package golang

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hallmark-dev/hallmark/extract/extracttest"
	"github.com/hallmark-dev/hallmark/inventory"
)

// The fixtures are real files:
//   - envoy: go.mod and go.sum of github.com/envoyproxy/go-control-plane/envoy
//     v1.37.0, from its module zip (toolchain line, a version-specific local
//     replace that does not apply to the required version).
//   - tools: go.mod and go.sum of golang.org/x/tools v0.52.0, from its zip.
//   - gateway: a go.mod written for this test (exclude, a version replace,
//     a directory replace, an indirect requirement), then rewritten by the go
//     command, which also wrote its go.sum (`GOPROXY=off GOFLAGS=-mod=mod
//     go mod download <modules>` from a warm module cache).
//   - sshagent: go.mod and go.sum of github.com/xanzy/ssh-agent v0.3.3, from
//     its zip: "go 1.16", so go.mod leaves out the indirect golang.org/x/term
//     that go.sum records.
func TestGoModGolden(t *testing.T) {
	for _, dir := range []string{"envoy", "tools", "gateway", "sshagent"} {
		t.Run(dir, func(t *testing.T) {
			extracttest.Golden(t, GoMod{}, dir, "go.mod")
		})
	}
}

// TestGoModGateway pins down, field by field, what the golden file of the
// gateway fixture must say, so a regenerated golden cannot hide a loss.
func TestGoModGateway(t *testing.T) {
	inv, err := extracttest.Extract(t, GoMod{}, os.DirFS("testdata/gateway"), "go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		version string
		direct  bool
		hash    string
		props   map[string]string
	}{
		"pkg:golang/github.com/acme/gateway": {props: map[string]string{}},
		// Replaced by directory: original path, no version, no hash.
		"pkg:golang/github.com/acme/gateway/internal/auth": {direct: true, props: map[string]string{PropReplaceDir: "./internal/auth"}},
		"pkg:golang/github.com/google/go-cmp@v0.7.0": {version: "v0.7.0", direct: true,
			hash: "c24f37f36113b2fe0961467022c9fa6296225a206c60b489893b320726d5b8df", props: map[string]string{PropHash: "h1"}},
		// Replaced by another version: reported as the replacement, with its sum.
		"pkg:golang/github.com/klauspost/compress@v1.20.3": {version: "v1.20.3", direct: true,
			hash:  "cd636816aabf952b984118a6ddd517957780d08ab0b991a271d1b96537d8e63e",
			props: map[string]string{PropHash: "h1", PropReplacedFrom: "github.com/klauspost/compress@v1.18.1"}},
		"pkg:golang/golang.org/x/sync@v0.19.0": {version: "v0.19.0", direct: true,
			hash: "bd5fb579636667981e465623ce6d9a751816dbf99ca5ebd7360e74619b4f084e", props: map[string]string{PropHash: "h1"}},
		"pkg:golang/golang.org/x/text@v0.32.0": {version: "v0.32.0",
			hash: "643d356e352dd4543d589d0294e2f9bf1831388fec5423605f562d2b0718d265", props: map[string]string{PropHash: "h1"}},
		// No toolchain line: the go line, as a full release version.
		"pkg:golang/stdlib@1.25.0": {version: "1.25.0", direct: true, props: map[string]string{PropStdlibSource: "go.mod"}},
	}
	if len(inv.Packages) != len(want) {
		t.Errorf("got %d packages, want %d: %+v", len(inv.Packages), len(want), inv.Packages)
	}
	for _, p := range inv.Packages {
		w, ok := want[p.PURL]
		if !ok {
			t.Errorf("unexpected package %s", p.PURL)
			continue
		}
		if p.Version != w.version || p.Direct != w.direct {
			t.Errorf("%s: version %q direct %v, want %q %v", p.PURL, p.Version, p.Direct, w.version, w.direct)
		}
		var hash string
		if len(p.Hashes) == 1 && p.Hashes[0].Algorithm == "SHA-256" {
			hash = p.Hashes[0].Value
		} else if len(p.Hashes) != 0 {
			t.Errorf("%s: hashes %+v", p.PURL, p.Hashes)
		}
		if hash != w.hash {
			t.Errorf("%s: hash %q, want %q", p.PURL, hash, w.hash)
		}
		got := map[string]string{}
		for _, pr := range p.Properties {
			got[pr.Name] = pr.Value
		}
		if !mapsEqual(got, w.props) {
			t.Errorf("%s: properties %v, want %v", p.PURL, got, w.props)
		}
	}
	main := inv.Package("pkg:golang/github.com/acme/gateway")
	if main == nil || main.Type != "application" {
		t.Fatalf("main module missing or not an application: %+v", main)
	}
	var tos []string
	for _, r := range inv.Relationships {
		if r.From != main.PURL || r.Type != inventory.DependsOn {
			t.Errorf("unexpected relationship %+v", r)
		}
		tos = append(tos, r.To)
	}
	if len(tos) != len(want)-1 {
		t.Errorf("main module depends on %d packages, want %d: %v", len(tos), len(want)-1, tos)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// TestGoModDirectives covers the directive rules one at a time.
func TestGoModDirectives(t *testing.T) {
	tests := []struct {
		name  string
		gomod string
		gosum string
		want  []string // "purl direct|indirect [prop=value...]", sorted by purl
		// locations, where given, are the files named packages were found in.
		locations map[string]string
	}{
		{
			name: "wildcard replace applies to any version",
			gomod: `module example.com/m

go 1.21

require golang.org/x/net v0.20.0

replace golang.org/x/net => github.com/fork/net v0.21.0
`,
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/github.com/fork/net@v0.21.0 direct hallmark:go:replaced-from=golang.org/x/net@v0.20.0",
				"pkg:golang/stdlib@1.21.0 direct hallmark:go:stdlib-source=go.mod",
			},
		},
		{
			name: "version-specific replace wins over wildcard, and misses other versions",
			gomod: `module example.com/m

go 1.22.3

require (
	golang.org/x/net v0.20.0
	golang.org/x/text v0.14.0 // indirect
)

replace (
	golang.org/x/net => ../net
	golang.org/x/net v0.20.0 => golang.org/x/net v0.23.0
	golang.org/x/text v0.13.0 => golang.org/x/text v0.15.0
)
`,
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/net@v0.23.0 direct hallmark:go:replaced-from=golang.org/x/net@v0.20.0",
				"pkg:golang/golang.org/x/text@v0.14.0 indirect",
				"pkg:golang/stdlib@1.22.3 direct hallmark:go:stdlib-source=go.mod",
			},
		},
		{
			name: "excluded version is not reported",
			gomod: `module example.com/m

go 1.21rc2

require (
	golang.org/x/net v0.20.0
	golang.org/x/text v0.14.0
)

exclude golang.org/x/net v0.20.0
exclude golang.org/x/text v0.13.0
`,
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/text@v0.14.0 direct",
				"pkg:golang/stdlib@1.21.0-rc.2 direct hallmark:go:stdlib-source=go.mod",
			},
		},
		{
			name: "go.sum: h1 of the zip, not of /go.mod",
			gomod: `module example.com/m

go 1.16

require golang.org/x/text v0.14.0
`,
			gosum: "golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n" +
				"golang.org/x/text v0.14.0/go.mod h1:18ZOQIKpY8NJVqYksKHtTdi31H5itFRjB5/qKTNYzSU=\n",
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/text@v0.14.0 direct hallmark:go:hash=h1 sha256=49c5f9c357936b742a4fca22ebece23fb7535754b6f802d4d1b23ed335ca5a24",
			},
		},
		{
			name: "below go 1.17: modules only go.sum hashes, highest version, not replaced or excluded",
			gomod: `module example.com/m

go 1.16

require golang.org/x/net v0.23.0

replace golang.org/x/sys => ../sys

exclude golang.org/x/crypto v0.29.0
`,
			gosum: "golang.org/x/crypto v0.17.0 h1:r8bRNjWL3GshPW3gkd+RpvzWrZAwPS49OmTGZ/uhM4k=\n" +
				"golang.org/x/crypto v0.17.0/go.mod h1:gCAAfMLgwOJRpTjQ2zCCt2OcSfYMTeZVSRtQlPC7Nq4=\n" +
				"golang.org/x/crypto v0.29.0 h1:L5SG1JTTXupVV3n6sUqMTeWbjAyfPwoda2DLX8J8FrQ=\n" +
				"golang.org/x/net v0.23.0 h1:7EYJ93RZ9vYSZAIb2x3lnuvqO5zneoD6IvWjuhfxjTs=\n" +
				"golang.org/x/sys v0.10.0 h1:SqMFp9UcQJZa+pmYuAKjd9xq1f0j5rLcDIk0mj4qAsA=\n" +
				"golang.org/x/sys v0.1.0/go.mod h1:oPkhp1MJrh7nUepCBck5+mAzfO9JrbApNNgaTdGDITg=\n" +
				"golang.org/x/text v0.7.0 h1:4BRB4x83lYWy72KwLD/qYDuTu7q9PjSagHvijDw7cLo=\n" +
				"golang.org/x/text v0.12.0 h1:k+n5B8goJNdU7hSvEtMUz3d1Q6D/XW4COJSJR6fN0mc=\n",
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/crypto@v0.17.0 indirect hallmark:go:hash=h1 sha256=afc6d136358bdc6b213d6de091df91a6fcd6ad90303d2e3d3a64c667fba13389",
				"pkg:golang/golang.org/x/net@v0.23.0 direct hallmark:go:hash=h1 sha256=ec4609f77459f6f61264021bdb1de59eebea3b9ce77a80fa22f5a3ba17f18d3b",
				"pkg:golang/golang.org/x/text@v0.12.0 indirect hallmark:go:hash=h1 sha256=93e9f907c82824d754ee14af12d314cf777543a0ff5d6e0238948947a7cdd267",
			},
			locations: map[string]string{"pkg:golang/golang.org/x/text@v0.12.0": "sub/go.sum", "pkg:golang/golang.org/x/net@v0.23.0": "sub/go.mod"},
		},
		{
			// Shaped like helm v3.0.0's go.mod and go.sum (the hashes are
			// stand-ins: sha256 of "path version"). Before, any replace naming
			// a path hid every version go.sum records of it: go-jose.v2 v2.2.2
			// (GO-2024-2631) and miekg/dns (GO-2020-0006/0008/0028) were lost.
			name: "below go 1.17: replaces apply per version, as the go command applies them (helm v3.0.0)",
			gomod: `module helm.sh/helm/v3

go 1.13

require github.com/gosuri/uitable v0.0.1

replace (
	github.com/miekg/dns => github.com/miekg/dns v0.0.0-20181005163659-0d29b283ac0f
	gopkg.in/inf.v0 v0.9.1 => github.com/go-inf/inf v0.9.1
	gopkg.in/square/go-jose.v2 v2.3.0 => github.com/square/go-jose v2.3.0+incompatible
	rsc.io/letsencrypt => github.com/dmcgowan/letsencrypt v0.0.0-20160928181947-1847a81d2087
)
`,
			gosum: "github.com/gosuri/uitable v0.0.1 h1:mBkbmbqE8UnJlZrne2UDiykh7WVwakMHn/+P9AvlMjE=\n" +
				"github.com/go-inf/inf v0.9.1 h1:laUEjMvy9WPdehTIYF/4tGemW5CAvBzjoaaO+QxIRno=\n" +
				"github.com/miekg/dns v0.0.0-20181005163659-0d29b283ac0f h1:RM/vOH/ivCCN2x1ao+NxHRqETD1ge+wRNg2LOShx/bA=\n" +
				"github.com/miekg/dns v0.0.0-20181005163659-0d29b283ac0f/go.mod h1:RM/vOH/ivCCN2x1ao+NxHRqETD1ge+wRNg2LOShx/bA=\n" +
				"github.com/miekg/dns v1.0.14 h1:OX/iDStnBCIQSabKyU1rxPoPFwiMNFQh4y+HWCfN7Pc=\n" +
				"github.com/square/go-jose v2.3.0+incompatible/go.mod h1:eHOQ65okMTPFgP18UbKXFeRQ6MQZQIEO1Vc9mg24doc=\n" +
				"gopkg.in/square/go-jose.v2 v2.2.2 h1:eHOQ65okMTPFgP18UbKXFeRQ6MQZQIEO1Vc9mg24doc=\n" +
				"gopkg.in/square/go-jose.v2 v2.2.2/go.mod h1:eHOQ65okMTPFgP18UbKXFeRQ6MQZQIEO1Vc9mg24doc=\n",
			want: []string{
				"pkg:golang/github.com/go-inf/inf@v0.9.1 indirect hallmark:go:hash=h1 hallmark:go:replaced-from=gopkg.in/inf.v0@v0.9.1 sha256=95a5048ccbf2f563dd7a14c8605ff8b467a65b9080bc1ce3a1a68ef90c48467a",
				"pkg:golang/github.com/gosuri/uitable@v0.0.1 direct hallmark:go:hash=h1 sha256=98191b99ba84f149c9959ae77b65038b2921ed65706a43079fff8ff40be53231",
				"pkg:golang/github.com/miekg/dns@v0.0.0-20181005163659-0d29b283ac0f indirect hallmark:go:hash=h1 hallmark:go:replaced-from=github.com/miekg/dns sha256=44cfef387fe2bc208ddb1d5aa3e3711d1a844c3d607bec11360d8b392871fdb0",
				"pkg:golang/gopkg.in/square/go-jose.v2@v2.2.2 indirect hallmark:go:hash=h1 sha256=787390eb9a243133c580fd7c51b29715e450e8c41940810ed5573d9a0db87687",
				"pkg:golang/helm.sh/helm/v3 indirect",
			},
		},
		{
			name: "no go line: go 1.16 is assumed, so go.sum fills in",
			gomod: `module example.com/m
`,
			gosum: "golang.org/x/text v0.12.0 h1:k+n5B8goJNdU7hSvEtMUz3d1Q6D/XW4COJSJR6fN0mc=\n",
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/text@v0.12.0 indirect hallmark:go:hash=h1 sha256=93e9f907c82824d754ee14af12d314cf777543a0ff5d6e0238948947a7cdd267",
			},
		},
		{
			name: "go 1.17 and later: go.mod is complete, modules only go.sum names are not reported",
			gomod: `module example.com/m

go 1.17

require golang.org/x/net v0.23.0
`,
			gosum: "golang.org/x/net v0.23.0 h1:7EYJ93RZ9vYSZAIb2x3lnuvqO5zneoD6IvWjuhfxjTs=\n" +
				"golang.org/x/text v0.12.0 h1:k+n5B8goJNdU7hSvEtMUz3d1Q6D/XW4COJSJR6fN0mc=\n",
			want: []string{
				"pkg:golang/example.com/m indirect",
				"pkg:golang/golang.org/x/net@v0.23.0 direct hallmark:go:hash=h1 sha256=ec4609f77459f6f61264021bdb1de59eebea3b9ce77a80fa22f5a3ba17f18d3b",
			},
		},
		{
			name: "no module line: requirements without a root",
			gomod: `go 1.22
toolchain go1.22.4-custom
require golang.org/x/text v0.14.0
`,
			want: []string{
				"pkg:golang/golang.org/x/text@v0.14.0 direct",
				"pkg:golang/stdlib@1.22.4 direct hallmark:go:stdlib-source=go.mod",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"sub/go.mod": {Data: []byte(tt.gomod)}}
			if tt.gosum != "" {
				fsys["sub/go.sum"] = &fstest.MapFile{Data: []byte(tt.gosum)}
			}
			inv, err := extracttest.Extract(t, GoMod{}, fsys, "sub/go.mod")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range inv.Packages {
				s := p.PURL
				if p.Direct {
					s += " direct"
				} else {
					s += " indirect"
				}
				for _, pr := range p.Properties {
					s += " " + pr.Name + "=" + pr.Value
				}
				for _, h := range p.Hashes {
					s += " " + strings.ToLower(strings.ReplaceAll(h.Algorithm, "-", "")) + "=" + h.Value
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
			for purl, want := range tt.locations {
				if p := inv.Package(purl); p == nil || !slices.Equal(inventory.Paths(p.Locations), []string{want}) {
					t.Errorf("%s: locations %v, want [%s]", purl, p, want)
				}
			}
		})
	}
}

func TestGoModErrors(t *testing.T) {
	tests := []struct {
		name, gomod, gosum, want string
	}{
		{"bad directive", "module m\nfrobnicate x\n", "", "sub/go.mod:2: unknown directive: frobnicate"},
		{"bad version", "module m\nrequire x.org/y latest\n", "", "sub/go.mod:2:"},
		{"go.sum wrong field count", "module m\n", "x.org/y v1.0.0\n", `sub/go.sum:1: want "module version hash", got 2 fields`},
		{"go.sum bad h1", "module m\n", "x.org/y v1.0.0 h1:abc=\nx\n", `sub/go.sum:1: x.org/y v1.0.0: hash "h1:abc=": want "h1:" and base64 of 32 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"sub/go.mod": {Data: []byte(tt.gomod)}}
			if tt.gosum != "" {
				fsys["sub/go.sum"] = &fstest.MapFile{Data: []byte(tt.gosum)}
			}
			_, err := extracttest.Extract(t, GoMod{}, fsys, "sub/go.mod")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestGoModClaims(t *testing.T) {
	for p, want := range map[string]bool{
		"go.mod": true, "a/b/go.mod": true, "go.sum": false, "go.mod.bak": false, "xgo.mod": false,
	} {
		if got := (GoMod{}).Claims(p, 0o644); got != want {
			t.Errorf("Claims(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestStdlibVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.1":                 "1.22.1",
		"go1.22":                   "1.22.0",
		"1.22":                     "1.22.0",
		"1.21.0":                   "1.21.0",
		"go1.21rc2":                "1.21.0-rc.2",
		"go1.19beta1":              "1.19.0-beta.1",
		"go1.22.1 X:boringcrypto":  "1.22.1",
		"go1.19.2-X:boringcrypto":  "1.19.2",
		"go1.24.0-1":               "1.24.0",
		"go1":                      "1.0.0",
		"devel go1.24-e705a2d Wed": "",
		"":                         "",
		"go1.x":                    "",
	} {
		if got := StdlibVersion(in); got != want {
			t.Errorf("StdlibVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStdlibVersionMatchesOSV checks the spelling against the Go
// vulnerability database's own records: every stdlib event in the shared
// OSV export must be a version StdlibVersion can produce from a Go tag.
func TestStdlibVersionMatchesOSV(t *testing.T) {
	events := osvStdlibEvents(t)
	if len(events) == 0 {
		t.Fatal("no stdlib events found in the OSV export")
	}
	for ev := range events {
		if ev == "0" {
			continue
		}
		// Events mark the first version of a release line as "1.22.0-0";
		// those are range bounds, not versions a toolchain reports.
		if strings.HasSuffix(ev, "-0") {
			continue
		}
		tag := "go" + ev
		if pre := strings.Index(ev, "-"); pre >= 0 {
			// "1.21.0-rc.4" is the tag go1.21rc4.
			base, kind := ev[:pre], ev[pre+1:]
			base = strings.TrimSuffix(base, ".0")
			tag = "go" + base + strings.ReplaceAll(kind, ".", "")
		}
		if got := StdlibVersion(tag); got != ev {
			t.Errorf("StdlibVersion(%q) = %q, OSV writes %q", tag, got, ev)
		}
	}
	if !events["1.16.1"] {
		t.Errorf("expected the OSV export to name stdlib 1.16.1 (GO-2021-0067)")
	}
}

func FuzzGoMod(f *testing.F) {
	for _, dir := range []string{"envoy", "tools", "gateway", "sshagent"} {
		data, err := os.ReadFile(filepath.Join("testdata", dir, "go.mod"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("module m\nreplace a => ./b\nrequire a v1.0.0\nexclude a v1.0.0\ntoolchain go1.21rc1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, GoMod{}, "go.mod", data)
	})
}

func FuzzGoSum(f *testing.F) {
	for _, dir := range []string{"envoy", "tools", "gateway", "sshagent"} {
		data, err := os.ReadFile(filepath.Join("testdata", dir, "go.sum"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := parseGoSum("go.sum", data)
		if err != nil {
			if sums != nil {
				t.Fatal("sums returned with an error")
			}
			return
		}
		for mv, sum := range sums {
			if mv.path == "" || mv.version == "" || strings.HasSuffix(mv.version, "/go.mod") {
				t.Fatalf("bad key %+v", mv)
			}
			h, ok := h1ToHash(sum)
			if !ok || len(h.Value) != 64 {
				t.Fatalf("%+v: sum %q does not convert", mv, sum)
			}
		}
	})
}
