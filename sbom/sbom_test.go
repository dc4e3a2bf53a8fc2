package sbom_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/sbom/internal/sbomtest"
)

var opts = sbom.EncodeOptions{Time: sbomtest.Time, ToolVersion: "v0.1.0"}

// TestEncodeDecode: every format encodes, is detected as itself, and
// decodes to the inventory the others decode to.
func TestEncodeDecode(t *testing.T) {
	var first []byte
	for _, f := range sbom.Formats {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := sbom.Encode(&buf, sbomtest.Inventory(), f, opts); err != nil {
				t.Fatal(err)
			}
			inv, got, err := sbom.Decode(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got != f {
				t.Errorf("Decode detected %s, want %s", got, f)
			}
			j := sbomtest.InventoryJSON(t, inv)
			if first == nil {
				first = j
				golden.Check(t, "testdata/decoded.golden.json", j)
			} else if !bytes.Equal(first, j) {
				t.Errorf("%s decodes to a different inventory than %s", f, sbom.Formats[0])
			}
		})
	}
}

func TestEncodeUnknown(t *testing.T) {
	err := sbom.Encode(&bytes.Buffer{}, sbomtest.Inventory(), "spdx-yaml", opts)
	if !errors.Is(err, sbom.ErrUnknownFormat) || !strings.Contains(err.Error(), `"spdx-yaml" (want cyclonedx-json`) {
		t.Errorf("error = %v", err)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     sbom.Format
		err      string
	}{
		{"cyclonedx json", "\xef\xbb\xbf  {\"$schema\": \"x\", \"bomFormat\": \"CycloneDX\"}", sbom.CycloneDXJSON, ""},
		{"cyclonedx json late key", `{"metadata": {"a": [1, {"b": 2}]}, "bomFormat": "CycloneDX"}`, sbom.CycloneDXJSON, ""},
		{"spdx json", `{"spdxVersion": "SPDX-2.3"}`, sbom.SPDXJSON, ""},
		{"cyclonedx xml", `<?xml version="1.0"?><!-- c --><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"/>`, sbom.CycloneDXXML, ""},
		{"tag-value", "## Document\n\nSPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\n", sbom.SPDXTagValue, ""},
		{"empty", " \n", "", "the input is empty"},
		{"other json", `{"name": "x"}`, "", `JSON without "bomFormat" or "spdxVersion"`},
		{"wrong bomFormat", `{"bomFormat": "SWID"}`, "", `bomFormat: want "CycloneDX"`},
		{"bad json", `{"a" 1}`, "", "JSON: expected colon after object key"},
		{"rdf", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, "", "SPDX RDF/XML is not supported"},
		{"other xml", `<project xmlns="http://maven.apache.org/POM/4.0.0"/>`, "", `XML root <project xmlns="http://maven.apache.org/POM/4.0.0">, want <bom> in a CycloneDX namespace`},
		{"text", "name: x\nversion: 1\n", "", `the input starts with "name: x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sbom.Detect([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !errors.Is(err, sbom.ErrNotSBOM) || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error = %v, want ErrNotSBOM containing %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDecodeNamesFormat(t *testing.T) {
	_, f, err := sbom.Decode([]byte(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": 7}`))
	if f != sbom.CycloneDXJSON || err == nil || !strings.HasPrefix(err.Error(), "cyclonedx-json: line 1") {
		t.Errorf("Decode = %q, %v", f, err)
	}
}

func FuzzDecode(f *testing.F) {
	sbomtest.AddSeeds(f, "cyclonedx/testdata/*.cdx.*", "spdx/testdata/*.spdx*", "cyclonedx/testdata/foreign/*.json", "spdx/testdata/foreign/*.spdx")
	f.Add([]byte("SPDXVersion: SPDX-2.3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		format, err := sbom.Detect(data)
		if err == nil && !sbom.IsFormat(string(format)) {
			t.Fatalf("Detect returned unknown format %q", format)
		}
		inv, got, err := sbom.Decode(data)
		if err != nil {
			return
		}
		if got != format {
			t.Fatalf("Decode found %s, Detect %s", got, format)
		}
		sbomtest.CheckPURLs(t, inv)
	})
}
