package cyclonedx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/inventory"
)

// MaxStreamSize is the largest JSON BOM DecodeJSON reads. It is above
// MaxSize because DecodeJSON never holds the input: what it keeps grows
// with the components it reads, which MaxComponents bounds. hallmark's
// own CycloneDX JSON of 300,000 components is about 285 MB.
const MaxStreamSize = 1 << 30

// MaxComponents is the most components (packages, counting nested ones) a
// BOM may have. 300,000 read in under 1 GB; a million is about three times
// that, the most a scan is asked to hold.
const MaxComponents = 1_000_000

// ErrTooManyComponents is returned for a BOM with more than MaxComponents.
var ErrTooManyComponents = errors.New("more components than hallmark reads")

// ErrStreamTooLarge is returned by DecodeJSON for input over MaxStreamSize.
var ErrStreamTooLarge = fmt.Errorf("input larger than %d MiB", MaxStreamSize>>20)

// DecodeJSON reads a CycloneDX JSON BOM from r without holding the input
// or the BOM's components: each component is decoded with cyclonedx-go's
// types and turned into a package before the next is read. Holding the
// input and cyclonedx-go's whole object graph took 1.25 GB for 300,000
// components (issue 15, item 14). Errors name the byte offset, not the
// line: the input is not kept to count lines in.
func DecodeJSON(r io.Reader) (*inventory.Inventory, error) {
	lr := &io.LimitedReader{R: r, N: MaxStreamSize + 1}
	inv, err := decodeStream(lr)
	if lr.N <= 0 {
		return nil, ErrStreamTooLarge
	}
	return inv, err
}

// decodeStream reads the top-level object key by key: "components" one
// element at a time, "dependencies" whole (references only), and the rest
// (metadata, bomFormat, specVersion, …) gathered and decoded into a
// cdx.BOM at the end.
func decodeStream(r io.Reader) (*inventory.Inventory, error) {
	dec := json.NewDecoder(r)
	if err := delim(dec, '{', ""); err != nil {
		return nil, err
	}
	d := newDecoder()
	rest := []byte{'{'}
	var deps []cdx.Dependency
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, streamError(dec, "", err)
		}
		key, _ := tok.(string)
		switch key {
		case "components":
			if err := d.streamComponents(dec); err != nil {
				return nil, err
			}
		case "dependencies":
			if err := dec.Decode(&deps); err != nil {
				return nil, streamError(dec, "dependencies", err)
			}
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, streamError(dec, key, err)
			}
			if len(rest) > 1 {
				rest = append(rest, ',')
			}
			k, _ := json.Marshal(key)
			rest = append(append(append(rest, k...), ':'), raw...)
		}
	}
	if err := delim(dec, '}', ""); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("byte %d: data after the BOM", dec.InputOffset())
	}
	var bom cdx.BOM
	if err := json.Unmarshal(append(rest, '}'), &bom); err != nil {
		return nil, unmarshalError(nil, err)
	}
	// Both are required (CycloneDX JSON schema): without them the document
	// is not a BOM, and reading it as an empty one would pass it for
	// software without dependencies.
	if bom.BOMFormat != cdx.BOMFormat {
		return nil, fmt.Errorf("bomFormat: want %q, got %q", cdx.BOMFormat, bom.BOMFormat)
	}
	if bom.SpecVersion == 0 {
		return nil, fmt.Errorf("%w \"specVersion\"", ErrMissingField)
	}
	if deps != nil {
		bom.Dependencies = &deps
	}
	return d.finish(&bom)
}

func (d *decoder) streamComponents(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return streamError(dec, "components", err)
	}
	if tok == nil { // null
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("byte %d: components: want an array", dec.InputOffset())
	}
	for i := 0; dec.More(); i++ {
		var c cdx.Component
		if err := dec.Decode(&c); err != nil {
			return streamError(dec, fmt.Sprintf("components[%d]", i), err)
		}
		if err := d.component(&c, "components", i, 0); err != nil {
			return err
		}
	}
	return delim(dec, ']', "components")
}

func delim(dec *json.Decoder, want json.Delim, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return streamError(dec, path, err)
	}
	if tok != want {
		return fmt.Errorf("byte %d: %s: want %q", dec.InputOffset(), path, string(want))
	}
	return nil
}

// streamError names the byte offset and, for a value of the wrong type,
// the field.
func streamError(dec *json.Decoder, path string, err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, cdx.ErrInvalidSpecVersion):
		return fmt.Errorf("specVersion: %w (want 1.0 to 1.7)", err)
	case errors.As(err, &te):
		field := path
		if te.Field != "" {
			field += "." + te.Field
		}
		return fmt.Errorf("near byte %d: %s: want %s, got %s", dec.InputOffset(), field, te.Type, te.Value)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("byte %d: unexpected end of input", dec.InputOffset())
	}
	return fmt.Errorf("near byte %d: %v", dec.InputOffset(), err)
}
