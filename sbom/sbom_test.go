package sbom_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
			// Locations come back whole: path, line and layer (CycloneDX
			// XML has no lines, see cyclonedx.dropLines).
			want := sbomtest.Inventory()
			if f == sbom.CycloneDXXML {
				for i := range want.Packages {
					for j := range want.Packages[i].Locations {
						want.Packages[i].Locations[j].Line = 0
					}
				}
			}
			want.Normalize()
			for _, p := range want.Packages {
				if q := inv.Package(p.PURL); q == nil || !slices.Equal(q.Locations, p.Locations) {
					t.Errorf("%s: locations after the round trip %v, want %v", p.PURL, q, p.Locations)
				}
			}
			j := sbomtest.InventoryJSON(t, inv)
			if f == sbom.CycloneDXXML {
				return // differs by the lines
			}
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

// FuzzDecodeReader fuzzes the streaming decoders (CycloneDX JSON and XML,
// SPDX 2.3 JSON and tag-value), which the CLI uses for files and stdin and
// FuzzDecode, reading from memory, reaches only in part.
func FuzzDecodeReader(f *testing.F) {
	sbomtest.AddSeeds(f, "cyclonedx/testdata/*.cdx.*", "spdx/testdata/*.spdx*", "cyclonedx/testdata/foreign/*.json", "spdx/testdata/foreign/*.spdx")
	f.Add([]byte("SPDXVersion: SPDX-2.3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, format, err := sbom.DecodeReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if !sbom.IsFormat(string(format)) {
			t.Fatalf("DecodeReader returned unknown format %q", format)
		}
		sbomtest.CheckPURLs(t, inv)
	})
}

// TestDecodeReader: the streaming decoders read every SBOM to the inventory
// Decode reads from memory: hallmark's own in every format, and the
// foreign ones of the codecs' tests.
func TestDecodeReader(t *testing.T) {
	inputs := map[string][]byte{}
	for _, f := range sbom.Formats {
		var buf bytes.Buffer
		if err := sbom.Encode(&buf, sbomtest.Inventory(), f, opts); err != nil {
			t.Fatal(err)
		}
		inputs[string(f)] = buf.Bytes()
	}
	for _, pattern := range []string{"cyclonedx/testdata/foreign/*", "spdx/testdata/foreign/*", "cyclonedx/testdata/*.cdx.*", "spdx/testdata/*.spdx*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if strings.HasSuffix(f, ".golden.json") || strings.HasSuffix(f, ".md") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs[f] = data
		}
	}
	// A BOM whose format key lies beyond what DecodeReader looks at first.
	late := []byte(`{"metadata": {"properties": [{"name": "x", "value": "` + strings.Repeat("y", 70000) + `"}]}, "bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1"}]}`)
	inputs["late format key"] = late
	inputs["byte order mark"] = append([]byte("\xef\xbb\xbf"), inputs[string(sbom.CycloneDXJSON)]...)
	if len(inputs) < 20 {
		t.Fatalf("only %d inputs", len(inputs))
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want, wantFormat, err := sbom.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			got, gotFormat, err := sbom.DecodeReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if gotFormat != wantFormat {
				t.Errorf("format %s, want %s", gotFormat, wantFormat)
			}
			if g, w := sbomtest.InventoryJSON(t, got), sbomtest.InventoryJSON(t, want); !bytes.Equal(g, w) {
				t.Errorf("DecodeReader and Decode differ:\n%s\n%s", g, w)
			}
		})
	}
}

// TestDecodeReaderErrors: what Decode refuses, DecodeReader refuses too,
// naming the field.
func TestDecodeReaderErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"spdxVersion":"SPDX-2.3"}`, `missing required field "dataLicense"`},
		{`{"spdxVersion":"SPDX-2.3","components":[{"name":"x"}]}`, `missing required field "dataLicense"`},
		{`{"bomFormat":"CycloneDX","components":[{"name":"x"}]}`, `missing required field "specVersion"`},
		{`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x","version":7}]}`, `components[0].version: want string, got number`},
		{`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]} {}`, `data after the BOM`},
		{`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}`, `unexpected end of input`},
		{`{"spdxVersion":"SPDX-2.3","packages":[{"name":7}]}`, `packages[0].name: want string, got number`},
		{`{"spdxVersion":"SPDX-2.3","packages":{}}`, `packages: want an array`},
		{"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">\n<components>\n</bom>", "line 3: element <components> closed by </bom>"},
		{"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"><components><component type=\"library\"><name>a</name>", "unexpected EOF"},
	} {
		_, _, err := sbom.DecodeReader(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

// spaces is a reader of n spaces, none of them held in memory.
type spaces struct{ n int64 }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), s.n)
	for i := range k {
		p[i] = ' '
	}
	s.n -= k
	return int(k), nil
}

// TestDecodeReaderBeyondMaxSize: issue 15, item 14. hallmark's own JSON of
// 300,000 packages is 285 MB (CycloneDX) and 480 MB (SPDX), over the
// 256 MiB MaxSize that reading into memory allows; streamed, the limit is
// MaxStreamSize and nothing of the input is held.
func TestDecodeReaderBeyondMaxSize(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 2 x 257 MiB")
	}
	for _, tc := range []struct{ name, head, tail string }{
		{"cyclonedx", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [`, `{"type": "library", "name": "a", "version": "1", "purl": "pkg:npm/a@1"}]}`},
		{"spdx", `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "documentNamespace": "https://example.com/x", "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: x"]}, "packages": [`,
			`{"SPDXID": "SPDXRef-a", "name": "a", "versionInfo": "1", "downloadLocation": "NOASSERTION", "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:npm/a@1"}]}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := io.MultiReader(strings.NewReader(tc.head), &spaces{n: sbom.MaxSize + 1<<20}, strings.NewReader(tc.tail))
			inv, _, err := sbom.DecodeReader(r)
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) != 1 || inv.Packages[0].PURL != "pkg:npm/a@1" {
				t.Errorf("packages: %+v", inv.Packages)
			}
		})
	}
}

// writeSizes records the size of every Write.
type writeSizes struct {
	total, largest int
}

func (w *writeSizes) Write(p []byte) (int, error) {
	w.total += len(p)
	w.largest = max(w.largest, len(p))
	return len(p), nil
}

// TestEncodeStreams: issue 15, item 14. The JSON encoders wrote the whole
// SBOM in one Write, after building its whole encoding (twice: marshalled,
// then indented) in memory; streamed, no Write is much larger than a
// buffer.
func TestEncodeStreams(t *testing.T) {
	inv := sbomtest.Inventory()
	base := inv.Packages[0]
	for i := range 20000 {
		p := base
		p.Name = fmt.Sprintf("pkg-%05d", i)
		p.PURL = "pkg:npm/" + p.Name + "@1.0.0"
		p.Version = "1.0.0"
		inv.Packages = append(inv.Packages, p)
	}
	for _, f := range []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON} {
		var w writeSizes
		if err := sbom.Encode(&w, inv, f, opts); err != nil {
			t.Fatal(err)
		}
		if w.total < 8<<20 || w.largest > 1<<20 {
			t.Errorf("%s: %d bytes, largest write %d: want the output streamed", f, w.total, w.largest)
		}
	}
}
