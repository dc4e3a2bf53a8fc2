package cyclonedx_test

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/cyclonedx"
	"github.com/hallmark-dev/hallmark/sbom/internal/sbomtest"
)

var opts = cyclonedx.Options{Time: sbomtest.Time, ToolVersion: "v0.1.0"}

func encode(t testing.TB, inv *inventory.Inventory, xml bool) []byte {
	t.Helper()
	o := opts
	o.XML = xml
	var buf bytes.Buffer
	if err := cyclonedx.Encode(&buf, inv, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEncodeGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		xml  bool
	}{{"inventory.cdx.json", false}, {"inventory.cdx.xml", true}} {
		t.Run(tc.name, func(t *testing.T) {
			got := sbomtest.CheckEncodeGolden(t, filepath.Join("testdata", tc.name), func(inv *inventory.Inventory) []byte {
				return encode(t, inv, tc.xml)
			})
			if tc.xml {
				sbomtest.ValidateCycloneDXXML(t, got)
			} else {
				sbomtest.ValidateCycloneDXJSON(t, got)
			}
		})
	}
}

// TestEncodeUnnormalized: an inventory in any order, with duplicates,
// encodes as its normalised form does.
func TestEncodeUnnormalized(t *testing.T) {
	inv := sbomtest.Inventory()
	slices.Reverse(inv.Packages)
	inv.Packages = append(inv.Packages, inv.Packages[0])
	slices.Reverse(inv.Relationships)
	slices.Reverse(inv.Skipped)
	for _, xml := range []bool{false, true} {
		if !bytes.Equal(encode(t, inv, xml), encode(t, sbomtest.Inventory(), xml)) {
			t.Errorf("xml=%v: an unnormalised inventory encodes differently", xml)
		}
	}
}

func TestEncodeEmpty(t *testing.T) {
	inv := &inventory.Inventory{Target: inventory.Target{Name: ".", Kind: "directory"}}
	for _, xml := range []bool{false, true} {
		got := encode(t, inv, xml)
		if xml {
			golden.Check(t, "testdata/empty.cdx.xml", got)
			sbomtest.ValidateCycloneDXXML(t, got)
		} else {
			golden.Check(t, "testdata/empty.cdx.json", got)
			sbomtest.ValidateCycloneDXJSON(t, got)
		}
	}
}

// TestRoundTrip: what hallmark writes, it reads back to an inventory that
// encodes to the same bytes, in either encoding and across them (but for
// the lines, which XML does not carry).
func TestRoundTrip(t *testing.T) {
	for _, in := range []bool{false, true} {
		for _, out := range []bool{false, true} {
			first := encode(t, sbomtest.Inventory(), in)
			inv, err := cyclonedx.Decode(bytes.NewReader(first))
			if err != nil {
				t.Fatal(err)
			}
			got := encode(t, inv, out)
			orig := sbomtest.Inventory()
			if in {
				// XML carries no lines (see component).
				for i := range orig.Packages {
					for j := range orig.Packages[i].Locations {
						orig.Packages[i].Locations[j].Line = 0
					}
				}
			}
			want := encode(t, orig, out)
			if !bytes.Equal(got, want) {
				t.Errorf("xml=%v → xml=%v: re-encoded BOM differs from the original\n%s", in, out, sbomtest.FirstDiff(got, want))
			}
		}
	}
}

// TestDecodeForeign decodes SBOMs written by other tools (testdata/README.md
// says which) and compares the inventories with golden files.
func TestDecodeForeign(t *testing.T) {
	sbomtest.EachForeign(t, 5, func(t *testing.T, f string, data []byte) {
		inv, err := cyclonedx.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, f+".golden.json", sbomtest.InventoryJSON(t, inv))
		// Whatever was read must encode to a valid BOM.
		sbomtest.ValidateCycloneDXJSON(t, encode(t, inv, false))
	})
}

func TestDecodeErrors(t *testing.T) {
	deep := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` +
		strings.Repeat(`{"type":"library","name":"x","components":[`, 40) + strings.Repeat(`]}`, 40) + `]}`
	for _, tc := range []struct{ name, in, want string }{
		{"empty", ``, "want a CycloneDX BOM in JSON ('{') or XML ('<')"},
		{"syntax", "{\n\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.6\" \"version\": 1}", "line 3, column 22: invalid character '\"' after object key:value pair"},
		{"type", "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,\n\"components\":[{\"type\":\"library\",\"name\":\"x\",\"version\":7}]}", "line 2, column 54: components.version: want string, got number"},
		{"format", `{"bomFormat":"SPDX","specVersion":"1.6"}`, `bomFormat: want "CycloneDX", got "SPDX"`},
		{"spec version", `{"bomFormat":"CycloneDX","specVersion":"9.9"}`, "specVersion: invalid specification version"},
		// Issue 15 item 16: a BOM without its required fields read as empty.
		{"no spec version", `{"bomFormat":"CycloneDX","components":[{"type":"library","name":"x"}]}`, `missing required field "specVersion"`},
		{"no bom format", `{"specVersion":"1.6","components":[{"type":"library","name":"x"}]}`, `bomFormat: want "CycloneDX", got ""`},
		{"namespace", `<bom xmlns="http://example.com/bom" version="1"></bom>`, `<bom xmlns="http://example.com/bom">: want a CycloneDX namespace (http://cyclonedx.org/schema/bom/1.x)`},
		{"xml root", `<sbom/>`, "expected element type <bom> but have <sbom>"},
		{"xml syntax", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">\n<components>\n</bom>", "line 3: element <components> closed by </bom>"},
		{"nesting", deep, "components[0].components[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cyclonedx.Decode(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	_, err := cyclonedx.Decode(io.MultiReader(strings.NewReader("{"), &zeros{n: cyclonedx.MaxSize}))
	if err != cyclonedx.ErrTooLarge {
		t.Errorf("error = %v, want ErrTooLarge", err)
	}
}

type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	for i := range k {
		p[i] = ' '
	}
	z.n -= k
	return k, nil
}

func FuzzDecode(f *testing.F) {
	sbomtest.AddSeeds(f, "testdata/*.cdx.*", "testdata/foreign/*.json", "testdata/foreign/*.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := cyclonedx.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		sbomtest.CheckPURLs(t, inv)
		// What decodes must encode.
		if err := cyclonedx.Encode(io.Discard, inv, opts); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	inv := sbomtest.Large(2000)
	for _, xml := range []bool{false, true} {
		name := "json"
		if xml {
			name = "xml"
		}
		b.Run(name, func(b *testing.B) {
			o := opts
			o.XML = xml
			for b.Loop() {
				if err := cyclonedx.Encode(io.Discard, inv, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeSyftLayers: syft numbers an image package's locations,
// syft:location:N:path beside syft:location:N:layerID; each path keeps its
// own layer, whichever property comes first.
func TestDecodeSyftLayers(t *testing.T) {
	const bom = `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"musl","version":"1.2.5-r0","purl":"pkg:apk/alpine/musl@1.2.5-r0","properties":[` +
		`{"name":"syft:location:0:layerID","value":"sha256:aaaa"},{"name":"syft:location:0:path","value":"/lib/apk/db/installed"},` +
		`{"name":"syft:location:1:path","value":"/lib/ld-musl-x86_64.so.1"},{"name":"syft:location:1:layerID","value":"sha256:bbbb"}]}]}`
	inv, err := cyclonedx.Decode(strings.NewReader(bom))
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.Location{{Path: "lib/apk/db/installed", Layer: "sha256:aaaa"}, {Path: "lib/ld-musl-x86_64.so.1", Layer: "sha256:bbbb"}}
	if len(inv.Packages) != 1 || !slices.Equal(inv.Packages[0].Locations, want) || len(inv.Packages[0].Properties) != 0 {
		t.Errorf("got %+v, want locations %v and no properties", inv.Packages, want)
	}
}
