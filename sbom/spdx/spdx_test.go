package spdx_test

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/internal/sbomtest"
	"github.com/hallmark-dev/hallmark/sbom/spdx"
)

var opts = spdx.Options{Time: sbomtest.Time, ToolVersion: "v0.1.0"}

func encode(t testing.TB, inv *inventory.Inventory, tagValue bool) []byte {
	t.Helper()
	o := opts
	o.TagValue = tagValue
	var buf bytes.Buffer
	if err := spdx.Encode(&buf, inv, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeGolden(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tagValue bool
	}{{"inventory.spdx.json", false}, {"inventory.spdx", true}} {
		t.Run(tc.name, func(t *testing.T) {
			got := sbomtest.CheckEncodeGolden(t, filepath.Join("testdata", tc.name), func(inv *inventory.Inventory) []byte {
				return encode(t, inv, tc.tagValue)
			})
			if !tc.tagValue {
				sbomtest.ValidateSPDXJSON(t, got)
			}
		})
	}
}

func TestEncodeEmpty(t *testing.T) {
	inv := &inventory.Inventory{Target: inventory.Target{Name: ".", Kind: "directory"}}
	got := encode(t, inv, false)
	golden.Check(t, "testdata/empty.spdx.json", got)
	sbomtest.ValidateSPDXJSON(t, got)
	golden.Check(t, "testdata/empty.spdx", encode(t, inv, true))
}

// TestRoundTrip: what hallmark writes, it reads back to an inventory that
// encodes to the same bytes, in either encoding and across them.
func TestRoundTrip(t *testing.T) {
	for _, in := range []bool{false, true} {
		for _, out := range []bool{false, true} {
			inv, err := spdx.Decode(bytes.NewReader(encode(t, sbomtest.Inventory(), in)))
			if err != nil {
				t.Fatal(err)
			}
			got := encode(t, inv, out)
			want := encode(t, sbomtest.Inventory(), out)
			if !bytes.Equal(got, want) {
				t.Errorf("tag-value=%v → tag-value=%v: re-encoded document differs from the original\n%s", in, out, sbomtest.FirstDiff(got, want))
			}
		}
	}
}

// TestRoundTripInventory: the facts SPDX has no field for (direct, dev,
// source package, layer, constraint) survive through annotations. License
// expressions come back in their normal form.
func TestRoundTripInventory(t *testing.T) {
	want := sbomtest.Inventory()
	tslib := want.Package("pkg:npm/tslib@2.6.2")
	if tslib == nil || tslib.Licenses[0] != "(MIT OR Apache-2.0)" {
		t.Fatalf("the test inventory changed: %+v", tslib)
	}
	for _, tagValue := range []bool{false, true} {
		got, err := spdx.Decode(bytes.NewReader(encode(t, want, tagValue)))
		if err != nil {
			t.Fatal(err)
		}
		normal := sbomtest.Inventory()
		normal.Package("pkg:npm/tslib@2.6.2").Licenses = []string{"MIT OR Apache-2.0"}
		if g, w := sbomtest.InventoryJSON(t, got), sbomtest.InventoryJSON(t, normal); !bytes.Equal(g, w) {
			t.Errorf("tag-value=%v: decoded inventory differs\n%s", tagValue, sbomtest.FirstDiff(g, w))
		}
	}
}

// TestDecodeForeign decodes documents written by other tools (see
// testdata/README.md) and compares the inventories with golden files.
func TestDecodeForeign(t *testing.T) {
	sbomtest.EachForeign(t, 4, func(t *testing.T, f string, data []byte) {
		inv, err := spdx.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, f+".golden.json", sbomtest.InventoryJSON(t, inv))
		sbomtest.ValidateSPDXJSON(t, encode(t, inv, false))
	})
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "want an SPDX document in JSON ('{') or tag-value (SPDXVersion: SPDX-2.x)"},
		{"json syntax", `{"spdxVersion": "SPDX-2.3",}`, "SPDX JSON: invalid character '}'"},
		{"json version", `{"spdxVersion": "SPDX-3.0"}`, "SPDX JSON: unsupported SDPX version: SPDX-3.0"},
		{"json no version", `{"name": "x"}`, "SPDX JSON: JSON document does not contain spdxVersion field"},
		{"json type", `{"spdxVersion": "SPDX-2.3", "packages": [{"name": 7}]}`, "SPDX JSON: json: cannot unmarshal number into Go struct field"},
		{"tag-value version", "SPDXVersion: SPDX-1.2\nDataLicense: CC0-1.0\n", "SPDX tag-value: unsupported SPDX version: 'SPDX-1.2'"},
		{"tag-value tag", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nPackageName: x\nBogus: y\n", "SPDX tag-value: "},
		// Issue 15 item 16: documents without the required fields read as
		// empty SBOMs, which scanned clean.
		{"json only version", `{"spdxVersion":"SPDX-2.3"}`, `SPDX JSON: missing required field "dataLicense", "SPDXID", "name", "documentNamespace", "creationInfo"`},
		{"json with cyclonedx components", `{"spdxVersion":"SPDX-2.3","components":[{"type":"library","name":"lodash","version":"4.17.20","purl":"pkg:npm/lodash@4.17.20"}]}`, `SPDX JSON: missing required field "dataLicense"`},
		{"json 2.2 no namespace", `{"spdxVersion":"SPDX-2.2","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: x"]}}`, `SPDX JSON: missing required field "documentNamespace"`},
		{"json no creation info", `{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://example.com/x"}`, `SPDX JSON: missing required field "creationInfo"`},
		{"tag-value line quoted escaped", "SPDXVersion: SPDX-2.3\nno colon \x1b[2J" + strings.Repeat("x", 500) + "\n", `SPDX tag-value: no colon found in 'no colon \x1b[2J`},
		{"tag-value only version", "SPDXVersion: SPDX-2.3\n", `SPDX tag-value: missing required field "DataLicense", "SPDXID", "DocumentName", "DocumentNamespace", "Creator"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spdx.Decode(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// hostile is an inventory whose names, versions, licenses, properties and
// locations carry what lockfiles can hold and tag-value cannot: line
// breaks that would start tags of their own, "</text>", control bytes.
func hostile(name, version, license, prop string) *inventory.Inventory {
	p := inventory.Package{
		Name: name, Version: version, Ecosystem: inventory.Npm,
		PURL:      inventory.PURL(inventory.Npm, name, version, nil),
		Locations: []inventory.Location{{Path: "web/" + prop + "/package-lock.json"}}, Licenses: []string{license},
		Properties: []inventory.Property{{Name: "hallmark:resolved", Value: prop}},
	}
	inv := &inventory.Inventory{
		Target:   inventory.Target{Name: "app\nPackageName: target", Kind: "directory"},
		Packages: []inventory.Package{p},
		Skipped:  []inventory.Skipped{{Path: "x/yarn.lock", Reason: "line 3: </text> is no version"}},
	}
	inv.Normalize()
	return inv
}

// TestTagValueHostileText: tag-value output stays one document with the
// packages it should have, and reads back; JSON keeps the values as they are.
func TestTagValueHostileText(t *testing.T) {
	inv := hostile("evil\nPackageName: injected", "1.0.0\x07\r\nSPDXID: SPDXRef-evil",
		"Custom: see LICENSE\r\nPackageName: injected2", "a</text>\nPackageName: injected3\rb")
	tv := encode(t, inv, true)
	// Inside <text>…</text> a line may read like a tag; outside it must not.
	for _, bad := range []string{"\nPackageName: injected\n", "\nSPDXID: SPDXRef-evil", "\r", "\x07", "</text>\nPackageName", "</text> is"} {
		if bytes.Contains(tv, []byte(bad)) {
			t.Errorf("tag-value output holds %q:\n%s", bad, tv)
		}
	}
	got, err := spdx.Decode(bytes.NewReader(tv))
	if err != nil {
		t.Fatalf("hallmark cannot read its own tag-value: %v\n%s", err, tv)
	}
	if len(got.Packages) != 1 {
		t.Fatalf("decoded %d packages, want 1: %+v", len(got.Packages), got.Packages)
	}
	p := got.Packages[0]
	// The name and version come back from the purl, which keeps them.
	if p.PURL != inv.Packages[0].PURL || p.Name != inv.Packages[0].Name ||
		!slices.Equal(p.Licenses, []string{"Custom: see LICENSE  PackageName: injected2"}) {
		t.Errorf("decoded %+v", p)
	}

	js, err := spdx.Decode(bytes.NewReader(encode(t, inv, false)))
	if err != nil {
		t.Fatal(err)
	}
	if g, w := sbomtest.InventoryJSON(t, js), sbomtest.InventoryJSON(t, inv); !bytes.Equal(g, w) {
		t.Errorf("JSON round trip differs\n%s", sbomtest.FirstDiff(g, w))
	}
}

// TestTagValueOpenTextTag: "<text>" in a one-line value would make readers
// wait for a "</text>" that never comes (found by FuzzTagValueText).
func TestTagValueOpenTextTag(t *testing.T) {
	inv := hostile("<text>evil", "1<text>", "MIT<text>", "<text>0")
	tv := encode(t, inv, true)
	if n := bytes.Count(tv, []byte("<text>")); n != bytes.Count(tv, []byte("</text>")) {
		t.Errorf("%d <text> but %d </text>:\n%s", n, bytes.Count(tv, []byte("</text>")), tv)
	}
	got, err := spdx.Decode(bytes.NewReader(tv))
	if err != nil {
		t.Fatalf("hallmark cannot read its own tag-value: %v\n%s", err, tv)
	}
	if len(got.Packages) != 1 || got.Packages[0].Name != "<text>evil" {
		t.Errorf("decoded %+v", got.Packages)
	}
}

// FuzzTagValueText: whatever text the inventory holds, the tag-value
// document reads back with its one package.
func FuzzTagValueText(f *testing.F) {
	f.Add("left-pad", "1.3.0", "MIT", "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz")
	f.Add("a\nPackageName: b", "1\r2", "X\n</text>\nY", "</text>\rZ: w")
	f.Fuzz(func(t *testing.T, name, version, license, prop string) {
		if name == "" || !utf8.ValidString(name+version+license+prop) {
			return
		}
		inv := hostile(name, version, license, prop)
		got, err := spdx.Decode(bytes.NewReader(encode(t, inv, true)))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if len(got.Packages) != 1 {
			t.Fatalf("decoded %d packages, want 1", len(got.Packages))
		}
	})
}

func FuzzDecode(f *testing.F) {
	sbomtest.AddSeeds(f, "testdata/*.spdx*", "testdata/foreign/*")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := spdx.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		sbomtest.CheckPURLs(t, inv)
		if err := spdx.Encode(io.Discard, inv, opts); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	inv := sbomtest.Large(2000)
	for _, tagValue := range []bool{false, true} {
		name := "json"
		if tagValue {
			name = "tag-value"
		}
		b.Run(name, func(b *testing.B) {
			o := opts
			o.TagValue = tagValue
			for b.Loop() {
				if err := spdx.Encode(io.Discard, inv, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeErrorEscaped: an error quoting a tag-value line quotes a short,
// escaped excerpt, never raw control characters or the whole line.
func TestDecodeErrorEscaped(t *testing.T) {
	_, err := spdx.Decode(strings.NewReader("SPDXVersion: SPDX-2.3\nno colon \x1b[2J" + strings.Repeat("x", 5000) + "\n"))
	if err == nil || strings.ContainsRune(err.Error(), 0x1b) || len(err.Error()) > 400 {
		t.Errorf("error = %q, want a short escaped excerpt", err)
	}
}
