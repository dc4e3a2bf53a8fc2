// Package sbomtest holds what the SBOM codecs' tests share: a hand-built
// inventory that exercises every field, validators that check output
// against the official CycloneDX 1.6 and SPDX 2.3 schemas in the shared
// test data, and the checks every codec's tests run alike (golden
// encoding, foreign fixtures, fuzz seeds). Used by tests only.
package sbomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/inventory"
)

// Time is the creation time golden files use (SOURCE_DATE_EPOCH=1700000000).
var Time = time.Unix(1700000000, 0).UTC()

// Inventory returns a realistic inventory: an image with a Debian base,
// an npm web app with dev dependencies, a Go service, Python and Maven
// packages; licenses as SPDX ids, an expression, names that are not SPDX
// ids and several per package; hashes; skipped inputs.
func Inventory() *inventory.Inventory {
	deb := func(name, version, source string, licenses ...string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.Debian,
			PURL: inventory.PURL(inventory.Debian, name, version, map[string]string{"arch": "amd64", "distro": "debian-12"}),
			Locations: []inventory.Location{
				{Path: "var/lib/dpkg/info/" + name + ":amd64.list", Layer: "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"},
				{Path: "var/lib/dpkg/status", Layer: "sha256:0b6f5e9a6a1c4bb0f4d5a3c2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"},
			},
			Licenses: licenses,
			Source:   &inventory.SourcePackage{Name: source, Version: version},
			Layer:    "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
		}
	}
	npm := func(name, version string, direct, dev bool, licenses ...string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.Npm,
			PURL:      inventory.PURL(inventory.Npm, name, version, nil),
			Locations: []inventory.Location{{Path: "web/package-lock.json"}}, Licenses: licenses, Direct: direct, Dev: dev,
		}
	}
	gomod := func(name, version string, direct bool, licenses ...string) inventory.Package {
		return inventory.Package{
			Name: name, Version: version, Ecosystem: inventory.Go,
			PURL:      inventory.PURL(inventory.Go, name, version, nil),
			Locations: []inventory.Location{{Path: "api/go.mod"}}, Licenses: licenses, Direct: direct,
		}
	}
	web := npm("shop-web", "1.4.0", false, false, "MIT")
	web.Type = "application"
	express := npm("express", "4.19.2", true, false, "MIT")
	express.Hashes = []inventory.Hash{{Algorithm: "SHA-512", Value: "c6fa7f9b4a1d5bd2b0d64b8b5e9f6c1a0b5f1e1c9a4b46a0e6a3d5bb6d2f8c3e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9081726354a5b6c7d8e9f0a1b2c3d4e"}}
	express.Locations[0].Line = 12
	express.Properties = []inventory.Property{{Name: "hallmark:resolved", Value: "https://registry.npmjs.org/express/-/express-4.19.2.tgz"}}
	debug := npm("debug", "2.6.9", false, false, "MIT")
	debug.Locations[0].Line = 40
	debug.Locations = append(debug.Locations, inventory.Location{Path: "admin/package-lock.json", Line: 7}, inventory.Location{Path: "web/package-lock.json", Line: 118})
	types := npm("@types/node", "20.11.5", true, true, "MIT")
	jest := npm("jest", "29.7.0", true, true, "MIT")
	chalk := npm("chalk", "4.1.2", false, true, "MIT")
	shopui := npm("@shop/ui-kit", "0.9.1", true, false, "Custom Shop License")

	api := gomod("example.com/shop/api", "", false)
	api.Type = "application"
	uuid := gomod("github.com/google/uuid", "v1.6.0", true, "BSD-3-Clause")
	text := gomod("golang.org/x/text", "v0.14.0", false, "BSD-3-Clause", "Unicode License v3")

	requests := inventory.Package{
		Name: "requests", Version: "2.31.0", Ecosystem: inventory.PyPI, PURL: inventory.PURL(inventory.PyPI, "requests", "2.31.0", nil),
		Locations: []inventory.Location{{Path: "tools/requirements.txt"}}, Licenses: []string{"Apache-2.0"}, Direct: true,
	}
	django := inventory.Package{
		Name: "django", Ecosystem: inventory.PyPI, PURL: inventory.PURL(inventory.PyPI, "django", "", nil),
		Constraint: ">=4.2,<5", Locations: []inventory.Location{{Path: "tools/requirements.txt"}}, Direct: true,
	}
	lang3 := inventory.Package{
		Name: "org.apache.commons:commons-lang3", Version: "3.14.0", Ecosystem: inventory.Maven,
		PURL:      inventory.PURL(inventory.Maven, "org.apache.commons:commons-lang3", "3.14.0", nil),
		Locations: []inventory.Location{{Path: "batch/pom.xml"}}, Licenses: []string{"Apache-2.0"}, Direct: true,
		Hashes: []inventory.Hash{{Algorithm: "SHA-1", Value: "1ed471194b02f2c6cb734a0cd6f6f107c673afae"}},
	}
	dual := npm("tslib", "2.6.2", false, false, "(MIT OR Apache-2.0)")

	libc := deb("libc6", "2.36-9+deb12u4", "glibc", "LGPL-2.1-or-later", "GPL-2.0-or-later WITH GCC-exception-3.1")
	libssl := deb("libssl3", "3.0.11-1~deb12u2", "openssl", "Apache-2.0")

	inv := &inventory.Inventory{
		Target: inventory.Target{
			Name: "registry.example/shop:1.4", Kind: "image",
			Digest:     "sha256:9b2a6a1c3d4e5f60718293a4b5c6d7e8f9081726354a5b6c7d8e9f0a1b2c3d4e",
			Properties: []inventory.Property{{Name: "hallmark:image:platform", Value: "linux/amd64"}},
		},
		Distro: &inventory.Distro{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Packages: []inventory.Package{
			web, express, debug, types, jest, chalk, shopui, dual,
			api, uuid, text, requests, django, lang3, libc, libssl,
		},
		Relationships: []inventory.Relationship{
			{From: web.PURL, To: express.PURL, Type: inventory.DependsOn},
			{From: web.PURL, To: shopui.PURL, Type: inventory.DependsOn},
			{From: web.PURL, To: types.PURL, Type: inventory.DevDependsOn},
			{From: web.PURL, To: jest.PURL, Type: inventory.DevDependsOn},
			{From: express.PURL, To: debug.PURL, Type: inventory.DependsOn},
			{From: shopui.PURL, To: dual.PURL, Type: inventory.DependsOn},
			{From: jest.PURL, To: chalk.PURL, Type: inventory.DependsOn},
			{From: api.PURL, To: uuid.PURL, Type: inventory.DependsOn},
			{From: api.PURL, To: text.PURL, Type: inventory.DependsOn},
		},
		Skipped: []inventory.Skipped{
			{Path: "web/yarn.lock", Reason: "line 12: want a version"},
			{Path: "batch/libs/big.jar", Reason: "larger than 64 MiB (--max-file-size)"},
		},
	}
	inv.Normalize()
	return inv
}

// Large returns an inventory of n npm packages in a chain of dependencies,
// for benchmarks.
func Large(n int) *inventory.Inventory {
	inv := &inventory.Inventory{Target: inventory.Target{Name: "big", Kind: "directory"}}
	for i := range n {
		name := fmt.Sprintf("pkg-%05d", i)
		p := inventory.Package{
			Name: name, Version: "1.0.0", Ecosystem: inventory.Npm, PURL: inventory.PURL(inventory.Npm, name, "1.0.0", nil),
			Locations: []inventory.Location{{Path: "package-lock.json"}}, Licenses: []string{"MIT"}, Direct: i%10 == 0,
			Hashes: []inventory.Hash{{Algorithm: "SHA-512", Value: strings.Repeat("ab", 64)}},
		}
		inv.Packages = append(inv.Packages, p)
		if i > 0 {
			inv.Relationships = append(inv.Relationships, inventory.Relationship{From: inv.Packages[i-1].PURL, To: p.PURL, Type: inventory.DependsOn})
		}
	}
	inv.Normalize()
	return inv
}

var (
	cdxOnce   sync.Once
	cdxSchema *jsonschema.Schema
	cdxErr    error
)

// ValidateCycloneDXJSON checks data against the CycloneDX 1.6 JSON schema
// (which refers to the SPDX license list and JSF schemas beside it).
func ValidateCycloneDXJSON(t testing.TB, data []byte) {
	t.Helper()
	dir := testdata.Path(t, "schemas", "cyclonedx")
	cdxOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		for file, url := range map[string]string{
			"bom-1.6.SNAPSHOT.schema.json":  "http://cyclonedx.org/schema/bom-1.6.schema.json",
			"spdx.SNAPSHOT.schema.json":     "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
			"jsf-0.82.SNAPSHOT.schema.json": "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
		} {
			if cdxErr = addResource(c, filepath.Join(dir, file), url); cdxErr != nil {
				return
			}
		}
		cdxSchema, cdxErr = c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	})
	validate(t, cdxSchema, cdxErr, data)
}

var (
	spdxOnce   sync.Once
	spdxSchema *jsonschema.Schema
	spdxErr    error
)

// ValidateSPDXJSON checks data against the SPDX 2.3 JSON schema.
func ValidateSPDXJSON(t testing.TB, data []byte) {
	t.Helper()
	file := testdata.Path(t, "schemas", "spdx", "spdx-2.3-schema.json")
	spdxOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if spdxErr = addResource(c, file, "http://spdx.org/rdf/terms/2.3"); spdxErr != nil {
			return
		}
		spdxSchema, spdxErr = c.Compile("http://spdx.org/rdf/terms/2.3")
	})
	validate(t, spdxSchema, spdxErr, data)
}

func addResource(c *jsonschema.Compiler, file, url string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return c.AddResource(url, doc)
}

func validate(t testing.TB, s *jsonschema.Schema, err error, data []byte) {
	t.Helper()
	if err != nil {
		t.Fatalf("compiling schema: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("output does not validate against the schema:\n%v", err)
	}
}

// ValidateCycloneDXXML checks data against the CycloneDX 1.6 XSD with
// xmllint (Debian's libxml2-utils); Go has no XSD validator. The test is
// skipped, saying so, when xmllint is absent.
func ValidateCycloneDXXML(t testing.TB, data []byte) {
	t.Helper()
	xsd := testdata.Path(t, "schemas", "cyclonedx", "bom-1.6.SNAPSHOT.xsd")
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found (apt-get install libxml2-utils): CycloneDX XML not validated against the XSD")
	}
	file := filepath.Join(t.TempDir(), "bom.xml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, file).CombinedOutput()
	if err != nil {
		t.Errorf("xmllint --schema bom-1.6.xsd: %v\n%s", err, out)
	}
}

// InventoryJSON renders an inventory the way golden files hold it.
func InventoryJSON(t testing.TB, inv *inventory.Inventory) []byte {
	t.Helper()
	data, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// FirstDiff names the first line where a and b differ, for test failures
// about large outputs.
func FirstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + la[i] + "\nwant: " + lb[i]
		}
	}
	return "lengths differ"
}

// CheckEncodeGolden encodes Inventory() with encode and checks that the
// output matches the golden file, that a second encoding gives the same
// bytes, and that encoding left the inventory as it was. It returns the
// output for format-specific checks.
func CheckEncodeGolden(t *testing.T, goldenFile string, encode func(*inventory.Inventory) []byte) []byte {
	t.Helper()
	inv := Inventory()
	before := InventoryJSON(t, inv)
	got := encode(inv)
	if again := encode(Inventory()); !bytes.Equal(got, again) {
		t.Error("two encodings of the same inventory differ")
	}
	if !bytes.Equal(before, InventoryJSON(t, inv)) {
		t.Error("Encode modified the inventory")
	}
	golden.Check(t, goldenFile, got)
	return got
}

// EachForeign runs check as a subtest on each SBOM in testdata/foreign (the
// files beside their .golden.json), and fails if there are fewer than
// least, so a lost fixture folder cannot pass silently.
func EachForeign(t *testing.T, least int, check func(t *testing.T, file string, data []byte)) {
	t.Helper()
	files, err := filepath.Glob("testdata/foreign/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			check(t, f, data)
		})
	}
	if n < least {
		t.Fatalf("only %d foreign fixtures found", n)
	}
}

// AddSeeds adds the files matching the patterns, golden files aside, to a
// fuzz target's seed corpus.
func AddSeeds(f *testing.F, patterns ...string) {
	f.Helper()
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if strings.HasSuffix(file, ".golden.json") {
				continue
			}
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// CheckPURLs fails if a decoded package has no purl: every decoder gives
// one (pkg:generic at the least).
func CheckPURLs(t testing.TB, inv *inventory.Inventory) {
	t.Helper()
	for _, p := range inv.Packages {
		if p.PURL == "" {
			t.Fatalf("package without purl: %+v", p)
		}
	}
}
