// Package sbom names the SBOM formats hallmark writes and reads, and picks
// the codec: CycloneDX 1.6 (package sbom/cyclonedx,
// https://cyclonedx.org/specification/overview/) and SPDX 2.3 (package
// sbom/spdx, https://spdx.github.io/spdx-spec/v2.3/). Decode sniffs which
// of the four encodings an input is: JSON or XML or tag-value by its first
// bytes, CycloneDX or SPDX by its top-level keys or root element. SPDX
// RDF/XML and YAML are not read.
package sbom

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sbom/cyclonedx"
	"github.com/hallmark-dev/hallmark/sbom/spdx"
)

// Format names an SBOM encoding, as the CLI's -o flag spells it.
type Format string

const (
	CycloneDXJSON Format = "cyclonedx-json"
	CycloneDXXML  Format = "cyclonedx-xml"
	SPDXJSON      Format = "spdx-json"
	SPDXTagValue  Format = "spdx-tag-value"
)

// Formats lists the formats in the order help texts show them.
var Formats = []Format{CycloneDXJSON, CycloneDXXML, SPDXJSON, SPDXTagValue}

// IsFormat reports whether s names one of Formats.
func IsFormat(s string) bool {
	for _, f := range Formats {
		if string(f) == s {
			return true
		}
	}
	return false
}

// EncodeOptions are what every format records besides the inventory.
type EncodeOptions struct {
	// Time is the document's creation time (SOURCE_DATE_EPOCH in the CLI).
	Time time.Time
	// ToolVersion is hallmark's version.
	ToolVersion string
}

// ErrUnknownFormat is returned by Encode for a format it does not know.
var ErrUnknownFormat = errors.New("unknown SBOM format")

// Encode writes inv in format.
func Encode(w io.Writer, inv *inventory.Inventory, format Format, opts EncodeOptions) error {
	switch format {
	case CycloneDXJSON, CycloneDXXML:
		return cyclonedx.Encode(w, inv, cyclonedx.Options{XML: format == CycloneDXXML, Time: opts.Time, ToolVersion: opts.ToolVersion})
	case SPDXJSON, SPDXTagValue:
		return spdx.Encode(w, inv, spdx.Options{TagValue: format == SPDXTagValue, Time: opts.Time, ToolVersion: opts.ToolVersion})
	}
	return fmt.Errorf("%w %q (want cyclonedx-json, cyclonedx-xml, spdx-json or spdx-tag-value)", ErrUnknownFormat, format)
}

// MaxSize is the largest SBOM Decode accepts.
const MaxSize = cyclonedx.MaxSize

// ErrNotSBOM is returned when the input is none of the formats.
var ErrNotSBOM = errors.New("not an SBOM: want CycloneDX JSON or XML, or SPDX 2.2/2.3 JSON or tag-value")

// Decode reads an SBOM of any of the formats and returns its inventory and
// the format it found.
func Decode(data []byte) (*inventory.Inventory, Format, error) {
	if len(data) > MaxSize {
		return nil, "", fmt.Errorf("SBOM larger than %d MiB", MaxSize>>20)
	}
	format, err := Detect(data)
	if err != nil {
		return nil, "", err
	}
	var inv *inventory.Inventory
	switch format {
	case CycloneDXJSON, CycloneDXXML:
		inv, err = cyclonedx.DecodeBytes(data)
	default:
		inv, err = spdx.DecodeBytes(data)
	}
	if err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	return inv, format, nil
}

// headSize is how much of a stream DecodeReader looks at to tell the
// format.
const headSize = 64 << 10

// DecodeReader is Decode of a stream. CycloneDX JSON and XML, SPDX 2.3
// JSON and SPDX tag-value are decoded as they are read, never held whole
// (up to cyclonedx.MaxStreamSize and spdx.MaxStreamSize, so hallmark reads
// back the SBOMs of 300,000 packages it writes); SPDX 2.2 JSON, and JSON
// whose format key is not in the first 64 KiB, are read into memory, up
// to MaxSize. Errors of streamed JSON name byte offsets, not lines.
func DecodeReader(r io.Reader) (*inventory.Inventory, Format, error) {
	br := bufio.NewReaderSize(r, headSize)
	head, err := br.Peek(headSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // a UTF-8 byte order mark, which encoding/json rejects
		head = head[3:]
	}
	format, err := Detect(head)
	if err != nil && len(head) < headSize-3 {
		return nil, "", err
	}
	var inv *inventory.Inventory
	switch {
	case err == nil && format == CycloneDXJSON:
		inv, err = cyclonedx.DecodeJSON(br)
	case err == nil && format == CycloneDXXML:
		inv, err = cyclonedx.DecodeXML(br)
	case err == nil && format == SPDXJSON && jsonString(head, "spdxVersion") == "SPDX-2.3":
		inv, err = spdx.DecodeJSON(br)
	case err == nil && format == SPDXTagValue:
		inv, err = spdx.DecodeTagValue(br)
	default:
		// Other encodings, SPDX 2.2, and JSON whose format key lies past
		// the head.
		data, rerr := io.ReadAll(io.LimitReader(br, MaxSize+1))
		if rerr != nil {
			return nil, "", rerr
		}
		return Decode(data)
	}
	if err != nil {
		return nil, format, fmt.Errorf("%s: %w", format, err)
	}
	return inv, format, nil
}

// jsonString is the string value of a top-level key of the JSON object
// data starts with, read no further than that key; "" when data ends (or
// is not JSON) first.
func jsonString(data []byte, key string) string {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if k, _ := tok.(string); k == key {
			var v string
			if dec.Decode(&v) != nil {
				return ""
			}
			return v
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// Detect sniffs the format of data without decoding all of it.
func Detect(data []byte) (Format, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return "", fmt.Errorf("%w: the input is empty", ErrNotSBOM)
	}
	switch trimmed[0] {
	case '{':
		return detectJSON(trimmed)
	case '<':
		return detectXML(trimmed)
	}
	// Tag-value: "SPDXVersion: SPDX-2.x" is the first tag of the document
	// creation section, after optional comments.
	for line := range bytes.SplitSeq(trimmed, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if bytes.HasPrefix(line, []byte("SPDXVersion:")) {
			return SPDXTagValue, nil
		}
		break
	}
	return "", fmt.Errorf("%w: the input starts with %q", ErrNotSBOM, excerpt(trimmed))
}

// detectJSON reads the top-level keys until one names the format:
// CycloneDX's "bomFormat" and SPDX's "spdxVersion" come first in what
// producers write, so this rarely reads far.
func detectJSON(data []byte) (Format, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return "", fmt.Errorf("%w: %v", ErrNotSBOM, err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%w: JSON: %v", ErrNotSBOM, err)
		}
		key, _ := tok.(string)
		var skip json.RawMessage
		switch key {
		case "bomFormat":
			var v string
			if err := dec.Decode(&v); err != nil || v != "CycloneDX" {
				return "", fmt.Errorf("%w: bomFormat: want \"CycloneDX\"", ErrNotSBOM)
			}
			return CycloneDXJSON, nil
		case "spdxVersion":
			var v string
			if err := dec.Decode(&v); err != nil {
				return "", fmt.Errorf("%w: spdxVersion: want a string", ErrNotSBOM)
			}
			return SPDXJSON, nil
		}
		if err := dec.Decode(&skip); err != nil {
			return "", fmt.Errorf("%w: JSON: %v", ErrNotSBOM, err)
		}
	}
	return "", fmt.Errorf("%w: JSON without \"bomFormat\" or \"spdxVersion\"", ErrNotSBOM)
}

// detectXML looks at the root element: CycloneDX's <bom> in its namespace.
func detectXML(data []byte) (Format, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%w: XML: %v", ErrNotSBOM, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch {
			case se.Name.Local == "bom" && bytes.HasPrefix([]byte(se.Name.Space), []byte("http://cyclonedx.org/schema/bom/")):
				return CycloneDXXML, nil
			case se.Name.Local == "RDF":
				return "", fmt.Errorf("%w: SPDX RDF/XML is not supported; convert it to JSON or tag-value", ErrNotSBOM)
			}
			return "", fmt.Errorf("%w: XML root <%s xmlns=%q>, want <bom> in a CycloneDX namespace", ErrNotSBOM, se.Name.Local, se.Name.Space)
		}
	}
}

func excerpt(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}
