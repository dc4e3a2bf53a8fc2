package match

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/vulndb"
	"github.com/hallmark-dev/hallmark/vulndb/kev"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

// fakeSource serves records from memory.
type fakeSource struct {
	recs []*osv.Record
	kev  map[string]kev.Entry
}

func (f *fakeSource) Lookup(_ context.Context, eco string, names []string) (map[string][]*osv.Record, error) {
	out := map[string][]*osv.Record{}
	for _, n := range names {
		key := vulndb.NormalizeName(eco, n)
		for _, r := range f.recs {
			for _, a := range r.Affected {
				if a.Package != nil && osv.BaseEcosystem(a.Package.Ecosystem) == eco && vulndb.NormalizeName(eco, a.Package.Name) == key && !slices.Contains(out[key], r) {
					out[key] = append(out[key], r)
				}
			}
		}
	}
	return out, nil
}

func (f *fakeSource) KEV(_ context.Context, cves []string) (map[string]kev.Entry, error) {
	out := map[string]kev.Entry{}
	for _, c := range cves {
		if e, ok := f.kev[c]; ok {
			out[c] = e
		}
	}
	return out, nil
}

func record(t *testing.T, js string) *osv.Record {
	t.Helper()
	r, err := osv.ParseRecord([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pkg(eco inventory.Ecosystem, name, version string, direct bool) inventory.Package {
	return inventory.Package{Ecosystem: eco, Name: name, Version: version, PURL: inventory.PURL(eco, name, version, nil), Direct: direct}
}

// TestMatchSemantics: withdrawn records never match, aliases merge into one
// finding, severity comes from the highest CVSS vector, KEV is flagged
// through a CVE alias, the smallest fix covers every finding, and
// transitive findings name the direct dependency that brings them in.
func TestMatchSemantics(t *testing.T) {
	src := &fakeSource{
		recs: []*osv.Record{
			record(t, `{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001","GHSA-aaaa-bbbb-cccc"],"summary":"first","affected":[{"package":{"ecosystem":"PyPI","name":"Lib_A"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.5"}]}]}]}`),
			record(t, `{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],"summary":"dup","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"PyPI","name":"lib-a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.4"}]}]}]}`),
			record(t, `{"id":"PYSEC-2","modified":"2024-01-01T00:00:00Z","summary":"second","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"}],"affected":[{"package":{"ecosystem":"PyPI","name":"lib-a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.6"}]}]}]}`),
			record(t, `{"id":"PYSEC-3","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"lib-a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}`),
			record(t, `{"id":"PYSEC-4","modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"MODERATE"},"affected":[{"package":{"ecosystem":"PyPI","name":"lib-b"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"2.0"}]}]}]}`),
			record(t, `{"id":"PYSEC-5","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"lib-c"},"ranges":[{"type":"GIT","repo":"https://example.com/c","events":[{"introduced":"0"}]}]}]}`),
		},
		kev: map[string]kev.Entry{"CVE-2024-0001": {CVE: "CVE-2024-0001", DateAdded: "2024-03-01", KnownRansomwareCampaignUse: "Known"}},
	}
	app := inventory.Package{Name: "app", Ecosystem: inventory.PyPI, PURL: "pkg:pypi/app", Type: "application"}
	a := pkg(inventory.PyPI, "lib-a", "1.2", false)
	b := pkg(inventory.PyPI, "lib-b", "2.0", false)
	c := pkg(inventory.PyPI, "lib-c", "1.0", true)
	d := pkg(inventory.PyPI, "framework", "3.0", true)
	unpinned := inventory.Package{Name: "lib-b", Ecosystem: inventory.PyPI, PURL: "pkg:pypi/lib-b", Constraint: ">=1"}
	inv := &inventory.Inventory{
		Packages: []inventory.Package{app, a, b, c, d, unpinned, {Name: "x", PURL: "pkg:generic/x@1"}},
		Relationships: []inventory.Relationship{
			{From: app.PURL, To: d.PURL}, {From: app.PURL, To: c.PURL},
			{From: d.PURL, To: b.PURL}, {From: b.PURL, To: a.PURL}, {From: c.PURL, To: a.PURL},
		},
	}
	res, err := Match(context.Background(), src, inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(res, "", "  ")
	golden.Check(t, filepath.Join("testdata", "golden", "semantics.json"), append(got, '\n'))

	// The same facts, stated so that a broken feature fails here too.
	if len(res.Packages) != 2 {
		t.Fatalf("%d vulnerable packages, want 2", len(res.Packages))
	}
	pa := res.Packages[0]
	if pa.Name != "lib-a" || len(pa.Findings) != 2 {
		t.Fatalf("lib-a findings: %+v", pa)
	}
	f := pa.Findings[0]
	if f.ID != "PYSEC-1" || !slices.Equal(f.Aliases, []string{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"}) || f.Severity.Score != 9.8 || f.KEV == nil || !f.KEV.Ransomware || !slices.Equal(f.Fixed, []string{"1.4", "1.5"}) {
		t.Errorf("merged finding: %+v", f)
	}
	if pa.FixVersion != "1.6" || !slices.Equal(pa.IntroducedBy, []string{d.PURL, c.PURL}) {
		t.Errorf("fix %q, introduced by %v", pa.FixVersion, pa.IntroducedBy)
	}
	if fb := res.Packages[1].Findings[0]; fb.Severity.Rating != RatingMedium || fb.Severity.Type != "ecosystem" || !slices.Equal(fb.LastAffected, []string{"2.0"}) || res.Packages[1].FixVersion != "" {
		t.Errorf("lib-b: %+v", res.Packages[1])
	}
	if res.Summary.GitOnly != 1 || res.Summary.NoEcosystem != 1 || !slices.Equal(res.Summary.Unversioned, []string{"pkg:pypi/lib-b"}) || res.Summary.KEV != 1 {
		t.Errorf("summary %+v", res.Summary)
	}
	if res.AtOrAbove("critical") != 1 || res.AtOrAbove("high") != 1 || res.AtOrAbove("medium") != 3 || res.AtOrAbove("any") != 3 {
		t.Errorf("AtOrAbove: critical %d, high %d, medium %d, any %d", res.AtOrAbove("critical"), res.AtOrAbove("high"), res.AtOrAbove("medium"), res.AtOrAbove("any"))
	}
}

func TestCVSS(t *testing.T) {
	for _, tt := range []struct {
		vector string
		score  float64
		rating string
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, RatingCritical},
		{"CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H", 5.9, RatingMedium},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:N", 0, RatingNone},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, RatingCritical},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9, RatingMedium},
	} {
		s, ok := cvssScore("CVSS_V3", tt.vector)
		if !ok || s.Score != tt.score || s.Rating != tt.rating {
			t.Errorf("%s: %v %v %s, want %v %s", tt.vector, ok, s.Score, s.Rating, tt.score, tt.rating)
		}
	}
	if _, ok := cvssScore("CVSS_V3", "CVSS:3.1/AV:N"); ok {
		t.Error("incomplete vector accepted")
	}
}

// TestVEX: OpenVEX (v0.2.0 and v0.0.1 shapes) and CycloneDX VEX statements
// suppress not_affected/fixed findings; other statuses change nothing.
func TestVEX(t *testing.T) {
	src := &fakeSource{recs: []*osv.Record{
		record(t, `{"id":"GO-2024-0001","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-1111"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]}]}`),
		record(t, `{"id":"GO-2024-0002","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-2222"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]}]}`),
		record(t, `{"id":"GO-2024-0003","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]}]}`),
	}}
	inv := &inventory.Inventory{Packages: []inventory.Package{pkg(inventory.Go, "example.com/m", "v1.3.0", true)}}
	for _, name := range []string{"openvex.json", "openvex-v0.0.1.json", "cyclonedx-vex.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "vex", name))
			if err != nil {
				t.Fatal(err)
			}
			vex, err := ParseVEX(name, data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Match(context.Background(), src, inv, Options{VEX: vex})
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			for _, p := range res.Packages {
				for _, f := range p.Findings {
					kept = append(kept, f.ID)
				}
			}
			var sup []string
			for _, s := range res.Suppressed {
				sup = append(sup, s.ID+" "+s.Status+" "+s.Justification)
			}
			if !slices.Equal(kept, []string{"GO-2024-0003"}) || len(sup) != 2 || res.Summary.Suppressed != 2 {
				t.Errorf("kept %v, suppressed %q", kept, sup)
			}
		})
	}
	for _, bad := range []struct{ in, want string }{
		{`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"X"},"products":[{"@id":"pkg:golang/a@1"}],"status":"maybe"}]}`, `statements[0].status: want not_affected, affected, fixed or under_investigation, got "maybe"`},
		{`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{},"status":"fixed"}]}`, "statements[0].vulnerability: name: missing"},
		{`{"hello":1}`, "neither OpenVEX (@context) nor CycloneDX (bomFormat)"},
	} {
		if _, err := ParseVEX("v.json", []byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseVEX(%s) = %v, want %q", bad.in, err, bad.want)
		}
	}
}

// TestVEXWholeProduct: a statement about the scanned application itself,
// with no subcomponents (OpenVEX) or pointing at the BOM's subject
// (CycloneDX), covers the vulnerability in every package of it; one with
// subcomponents covers only those.
func TestVEXWholeProduct(t *testing.T) {
	src := &fakeSource{recs: []*osv.Record{
		record(t, `{"id":"GO-2024-0001","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-1111"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]},{"package":{"ecosystem":"Go","name":"example.com/n"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.1.0"}]}]}]}`),
		record(t, `{"id":"GO-2024-0003","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]},{"package":{"ecosystem":"Go","name":"example.com/n"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.1.0"}]}]}]}`),
	}}
	app := inventory.Package{Ecosystem: inventory.Go, Name: "example.com/app", Type: "application", PURL: inventory.PURL(inventory.Go, "example.com/app", "", nil)}
	inv := &inventory.Inventory{Packages: []inventory.Package{app, pkg(inventory.Go, "example.com/m", "v1.3.0", true), pkg(inventory.Go, "example.com/n", "v1.0.0", true)}}
	for _, name := range []string{"openvex-product.json", "cyclonedx-vex-product.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "vex", name))
			if err != nil {
				t.Fatal(err)
			}
			vex, err := ParseVEX(name, data)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Match(context.Background(), src, inv, Options{VEX: vex})
			if err != nil {
				t.Fatal(err)
			}
			var kept, sup []string
			for _, p := range res.Packages {
				for _, f := range p.Findings {
					kept = append(kept, p.Name+" "+f.ID)
				}
			}
			for _, s := range res.Suppressed {
				sup = append(sup, s.PURL+" "+s.ID)
			}
			wantSup := []string{"pkg:golang/example.com/m@v1.3.0 GO-2024-0001", "pkg:golang/example.com/n@v1.0.0 GO-2024-0001", "pkg:golang/example.com/n@v1.0.0 GO-2024-0003"}
			if !slices.Equal(kept, []string{"example.com/m GO-2024-0003"}) || !slices.Equal(sup, wantSup) {
				t.Errorf("kept %q\nsuppressed %q\nwant kept [example.com/m GO-2024-0003], suppressed %q", kept, sup, wantSup)
			}
		})
	}
}

// TestIntroducedByFromSBOMGraph: an SBOM from another tool marks no
// package direct; the dependency graph's roots (the project) say which
// are, so transitive findings still name the dependency that brings them.
func TestIntroducedByFromSBOMGraph(t *testing.T) {
	src := &fakeSource{recs: []*osv.Record{
		record(t, `{"id":"RUSTSEC-2020-0071","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"time"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"0.2.23"}]}]}]}`),
		record(t, `{"id":"RUSTSEC-2020-0159","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"chrono"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0.0.0-0"},{"fixed":"0.4.20"}]}]}]}`),
	}}
	root := inventory.Package{Name: "demo", Version: "0.1.0", PURL: "pkg:generic/demo@0.1.0"}
	chrono := pkg(inventory.CratesIO, "chrono", "0.4.19", false)
	tm := pkg(inventory.CratesIO, "time", "0.1.43", false)
	libc := pkg(inventory.CratesIO, "libc", "0.2.98", false)
	inv := &inventory.Inventory{
		Packages: []inventory.Package{root, chrono, tm, libc},
		Relationships: []inventory.Relationship{
			{From: root.PURL, To: chrono.PURL, Type: inventory.DependsOn},
			{From: chrono.PURL, To: tm.PURL, Type: inventory.DependsOn},
			{From: tm.PURL, To: libc.PURL, Type: inventory.DependsOn},
		},
	}
	res, err := Match(context.Background(), src, inv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, p := range res.Packages {
		got[p.Name] = p.IntroducedBy
	}
	if len(got) != 2 || got["chrono"] != nil || !slices.Equal(got["time"], []string{chrono.PURL}) {
		t.Errorf("introduced_by %v, want chrono direct and time brought in by %s", got, chrono.PURL)
	}
}

// TestCleanScanJSON: a scan with no findings has an empty packages list,
// not null, so consumers can iterate over it.
func TestCleanScanJSON(t *testing.T) {
	src := &fakeSource{recs: []*osv.Record{
		record(t, `{"id":"GO-2024-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]}]}`),
	}}
	for _, v := range []string{"v1.4.0", "v1.0.0"} {
		inv := &inventory.Inventory{Packages: []inventory.Package{pkg(inventory.Go, "example.com/m", v, true)}}
		vex := &VEX{Statements: []VEXStatement{{IDs: []string{"GO-2024-0001"}, PURLs: []string{"pkg:golang/example.com/m"}, Status: "fixed"}}}
		res, err := Match(context.Background(), src, inv, Options{VEX: vex})
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"packages":[]`) {
			t.Errorf("%s: %s, want \"packages\":[]", v, data)
		}
	}
}

// TestReachability labels findings from the facts of a binary that calls
// testing.(*T).Run and links net/http: a finding whose symbols include
// T.Run is "called", one naming only an absent symbol is "imported only",
// and one naming a package that is not linked is "not imported".
func TestReachability(t *testing.T) {
	funcs := []string{"testing.T.Run", "testing.Main", "net/http.Server.Serve", "github.com/docker/docker-credential-helpers/client.Get"}
	bin := &inventory.GoBinary{
		Path: "usr/bin/app", GOOS: "linux", GOARCH: "amd64",
		Packages:  []string{"github.com/docker/docker-credential-helpers/client", "net/http", "testing"},
		Functions: inventory.NewFunctionSet(slices.Values(funcs)),
	}
	entry := func(path string, syms ...string) *osv.Affected {
		es, _ := json.Marshal(map[string]any{"imports": []map[string]any{{"path": path, "symbols": syms}}})
		return &osv.Affected{EcosystemSpecific: es}
	}
	platform := func(goos, goarch string) *osv.Affected {
		imp := map[string]any{"path": "testing", "symbols": []string{"T.Run"}}
		if goos != "" {
			imp["goos"] = []string{goos}
		}
		if goarch != "" {
			imp["goarch"] = []string{goarch}
		}
		es, _ := json.Marshal(map[string]any{"imports": []map[string]any{imp}})
		return &osv.Affected{EcosystemSpecific: es}
	}
	for _, tt := range []struct {
		module string
		entry  *osv.Affected
		want   string
		syms   []string
	}{
		{"stdlib", entry("testing", "T.Run", "NoSuchFunction"), ReachCalled, []string{"testing.T.Run"}},
		{"stdlib", entry("testing", "NoSuchFunction"), ReachImported, nil},
		{"stdlib", entry("net/smtp", "SendMail"), ReachNotImported, nil},
		{"stdlib", entry("testing"), ReachCalled, nil},
		{"stdlib", platform("windows", ""), ReachOtherPlatform, nil},
		{"stdlib", platform("", "arm64"), ReachOtherPlatform, nil},
		{"stdlib", platform("linux", "amd64"), ReachCalled, []string{"testing.T.Run"}},
		// No packages listed: the whole module is vulnerable, so any of
		// its packages in the binary counts, on "/" boundaries only.
		{"testing", &osv.Affected{}, ReachCalled, nil},
		{"github.com/docker/docker-credential-helpers", &osv.Affected{}, ReachCalled, nil},
		{"github.com/docker/docker", &osv.Affected{}, ReachNotImported, nil},
		{"example.com/absent", &osv.Affected{}, ReachNotImported, nil},
	} {
		f := &Finding{entries: []*osv.Affected{tt.entry}}
		r := reach(bin, f, tt.module)
		if r == nil || r.Status != tt.want || !slices.Equal(r.Symbols, tt.syms) || r.Binary != "usr/bin/app" {
			t.Errorf("reach(%s, %s) = %+v, want %s %v", tt.module, tt.entry.EcosystemSpecific, r, tt.want, tt.syms)
		}
	}

	// Through a result: packages found in the binary get labels and the
	// result carries the approximation note; go.mod locations do not.
	inv := &inventory.Inventory{GoBinaries: []inventory.GoBinary{*bin}}
	res := &Result{Packages: []PackageResult{
		{Package: &inventory.Package{Name: "stdlib", Locations: []inventory.Location{{Path: "usr/bin/app"}}}, Ecosystem: inventory.Go, Findings: []Finding{{ID: "GO-X", entries: []*osv.Affected{entry("testing", "T.Run")}}}},
		{Package: &inventory.Package{Name: "example.com/m", Locations: []inventory.Location{{Path: "go.mod"}}}, Ecosystem: inventory.Go, Findings: []Finding{{ID: "GO-Y", entries: []*osv.Affected{entry("testing", "T.Run")}}}},
	}}
	markReachability(inv, res)
	if r := res.Packages[0].Findings[0].Reachability; r == nil || r.Status != ReachCalled || r.Binary != "usr/bin/app" {
		t.Errorf("binary package: reachability %+v", r)
	}
	if res.Packages[1].Findings[0].Reachability != nil || res.ReachabilityNote != ReachabilityNote {
		t.Errorf("go.mod package labelled, or note missing: %+v %q", res.Packages[1].Findings[0].Reachability, res.ReachabilityNote)
	}
	// Without facts (an SBOM, or an sbom-only extraction) nothing is
	// labelled and no note is written.
	res.Packages[0].Findings[0].Reachability, res.ReachabilityNote = nil, ""
	markReachability(&inventory.Inventory{}, res)
	if res.Packages[0].Findings[0].Reachability != nil || res.ReachabilityNote != "" {
		t.Errorf("labelled without binary facts: %+v %q", res.Packages[0].Findings[0].Reachability, res.ReachabilityNote)
	}
}

var (
	realDBOnce sync.Once
	realDB     *vulndb.Store
	realDBErr  error
)

// openRealDB imports the real exports once per test binary.
func openRealDB(t *testing.T) *vulndb.Store {
	t.Helper()
	paths := []string{
		testdata.Path(t, "osv", "Go", "all.zip"),
		testdata.Path(t, "osv", "PyPI", "all.zip"),
		testdata.Path(t, "osv", "crates.io", "all.zip"),
		testdata.Path(t, "kev", "known_exploited_vulnerabilities.json"),
	}
	realDBOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hallmark-match-db-")
		if err != nil {
			realDBErr = err
			return
		}
		if _, realDBErr = vulndb.Import(context.Background(), dir, paths, vulndb.ImportOptions{}); realDBErr != nil {
			return
		}
		realDB, realDBErr = vulndb.Open(dir)
	})
	if realDBErr != nil {
		t.Fatal(realDBErr)
	}
	return realDB
}

func TestMain(m *testing.M) {
	code := m.Run()
	if realDB != nil {
		p := filepath.Dir(realDB.Path())
		realDB.Close()
		os.RemoveAll(p)
	}
	os.Exit(code)
}

// TestGoldenScans matches real manifests against the real exports.
func TestGoldenScans(t *testing.T) {
	db := openRealDB(t)
	for _, target := range []string{"gin", "python", "rust"} {
		t.Run(target, func(t *testing.T) {
			dir := filepath.Join("testdata", "targets", target)
			inv, err := extract.Run(context.Background(), os.DirFS(dir), extract.Options{Extractors: registry.Default()})
			if err != nil {
				t.Fatal(err)
			}
			inv.Target = inventory.Target{Name: target, Kind: "directory"}
			res, err := Match(context.Background(), db, inv, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(res, "", "  ")
			golden.Check(t, filepath.Join("testdata", "golden", target+".json"), append(got, '\n'))
		})
	}
}

// BenchmarkMatch measures matching (database lookups included) on the
// golden targets, the in-process part of `hallmark scan`.
func BenchmarkMatch(b *testing.B) {
	for _, target := range []string{"gin", "python", "rust"} {
		b.Run(target, func(b *testing.B) {
			t := &testing.T{}
			db := openRealDB(t)
			if db == nil {
				b.Skip("no database")
			}
			inv, err := extract.Run(context.Background(), os.DirFS(filepath.Join("testdata", "targets", target)), extract.Options{Extractors: registry.Default()})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := Match(context.Background(), db, inv, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestIntroducedByMatchesWalk compares introducedBy with one breadth-first
// walk per vulnerable package (the definition, and the code it replaced)
// on random graphs with cycles, self-loops, unknown and application nodes.
func TestIntroducedByMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		n := 2 + rng.IntN(30)
		inv := &inventory.Inventory{}
		purl := func(i int) string { return fmt.Sprintf("pkg:npm/p%d@1.0.0", i) }
		noDirect := rng.IntN(4) == 0 // an SBOM without directness
		for i := range n {
			p := inventory.Package{Name: fmt.Sprintf("p%d", i), Version: "1.0.0", PURL: purl(i), Direct: !noDirect && rng.IntN(4) == 0}
			if rng.IntN(10) == 0 {
				p.Type = "application"
			}
			if rng.IntN(12) != 0 { // some nodes only appear in relationships
				inv.Packages = append(inv.Packages, p)
			}
		}
		for range rng.IntN(3 * n) {
			inv.Relationships = append(inv.Relationships, inventory.Relationship{From: purl(rng.IntN(n)), To: purl(rng.IntN(n)), Type: inventory.DependsOn})
		}
		res := &Result{}
		for i := range inv.Packages {
			if rng.IntN(2) == 0 {
				res.Packages = append(res.Packages, PackageResult{Package: &inv.Packages[i]})
			}
		}
		want := &Result{Packages: slices.Clone(res.Packages)}
		introducedByWalk(inv, want)
		introducedBy(inv, res)
		for i := range res.Packages {
			if !slices.Equal(res.Packages[i].IntroducedBy, want.Packages[i].IntroducedBy) {
				t.Fatalf("round %d, %s: introducedBy %v, walk %v\ninventory %+v", round, res.Packages[i].PURL, res.Packages[i].IntroducedBy, want.Packages[i].IntroducedBy, inv)
			}
		}
	}
}

// introducedByWalk is the definition: for each transitive vulnerable
// package, walk back through transitive packages to the direct ones.
func introducedByWalk(inv *inventory.Inventory, res *Result) {
	if len(inv.Relationships) == 0 {
		return
	}
	parents, pkgs, isDirect := dependencyGraph(inv)
	for i := range res.Packages {
		pr := &res.Packages[i]
		if pr.Direct || isDirect(pr.PURL) {
			continue
		}
		seen := map[string]bool{pr.PURL: true}
		queue := []string{pr.PURL}
		var direct []string
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, par := range parents[cur] {
				if seen[par] {
					continue
				}
				seen[par] = true
				pp := pkgs[par]
				if pp == nil || pp.Type == "application" {
					continue
				}
				if isDirect(par) {
					direct = append(direct, par)
					continue
				}
				queue = append(queue, par)
			}
		}
		slices.Sort(direct)
		pr.IntroducedBy = direct
	}
}

// BenchmarkIntroducedByChain: a chain of n transitive packages under one
// direct one, every package vulnerable: one walk per package was n²/2.
func BenchmarkIntroducedByChain(b *testing.B) {
	for _, n := range []int{1000, 4000, 16000} {
		inv := &inventory.Inventory{}
		res := &Result{}
		for i := range n {
			p := inventory.Package{Name: fmt.Sprintf("p%d", i), Version: "1.0.0", PURL: fmt.Sprintf("pkg:npm/p%d@1.0.0", i), Direct: i == 0}
			inv.Packages = append(inv.Packages, p)
			res.Packages = append(res.Packages, PackageResult{Package: &p})
			if i > 0 {
				inv.Relationships = append(inv.Relationships, inventory.Relationship{From: fmt.Sprintf("pkg:npm/p%d@1.0.0", i-1), To: p.PURL, Type: inventory.DependsOn})
			}
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				introducedBy(inv, res)
			}
		})
	}
}

// TestPackageResultJSON: a result refers to the inventory's package and is
// written with the scan/v1 fields in their order; <, > and & are escaped
// only when the caller's encoder escapes HTML.
func TestPackageResultJSON(t *testing.T) {
	pkg := &inventory.Package{
		Name: "a&b", Version: "1.0", Ecosystem: inventory.Npm, PURL: "pkg:npm/a%26b@1.0", Type: "library",
		Locations: []inventory.Location{{Path: "package-lock.json", Line: 7}}, Direct: true, Dev: true,
		Licenses: []string{"MIT"}, Properties: []inventory.Property{{Name: "hallmark:x", Value: "y"}},
	}
	pr := PackageResult{Package: pkg, Ecosystem: inventory.Npm, FixVersion: "2.0", IntroducedBy: []string{"pkg:npm/c@1"}, Note: "n",
		Findings: []Finding{{ID: "GHSA-1", Summary: "<script> & co", Status: StatusAffected, Severity: Severity{Rating: RatingHigh}, URL: "u"}}}
	const want = `{"name":"a&b","version":"1.0","ecosystem":"npm","purl":"pkg:npm/a%26b@1.0","locations":[{"path":"package-lock.json","line":7}],"direct":true,"dev":true,` +
		`"findings":[{"id":"GHSA-1","summary":"<script> & co","status":"affected","severity":{"rating":"HIGH"},"url":"u"}],` +
		`"fix_version":"2.0","introduced_by":["pkg:npm/c@1"],"note":"n"}`
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(pr); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(buf.String(), "\n"); got != want {
		t.Errorf("unescaped:\n got %s\nwant %s", got, want)
	}
	escaped, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	wantEscaped := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(want)
	if string(escaped) != wantEscaped {
		t.Errorf("json.Marshal:\n got %s\nwant %s", escaped, wantEscaped)
	}
	if _, err := json.Marshal(PackageResult{}); err != nil {
		t.Errorf("a result without a package: %v", err)
	}
}

// dependencyGraph is the reference walk's graph, keyed by purl as
// introducedBy's was before it numbered the nodes: it indexes the
// relationships by their target and the packages by purl, and says which
// packages are direct dependencies.
func dependencyGraph(inv *inventory.Inventory) (parents map[string][]string, pkgs map[string]*inventory.Package, isDirect func(string) bool) {
	parents = map[string][]string{}
	for _, r := range inv.Relationships {
		parents[r.To] = append(parents[r.To], r.From)
	}
	pkgs = map[string]*inventory.Package{}
	for i := range inv.Packages {
		pkgs[inv.Packages[i].PURL] = &inv.Packages[i]
	}
	return parents, pkgs, inv.DirectDependencies()
}
