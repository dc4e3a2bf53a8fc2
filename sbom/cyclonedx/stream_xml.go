package cyclonedx

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/hallmark-dev/hallmark/inventory"
)

// DecodeXML reads a CycloneDX XML BOM from r as DecodeJSON reads JSON:
// each <component> is decoded with cyclonedx-go's type and turned into a
// package before the next, <metadata> and <dependencies> are decoded
// whole, anything else is skipped. hallmark's own XML of 300,000
// components is over MaxSize, which reading it whole is bounded by.
func DecodeXML(r io.Reader) (*inventory.Inventory, error) {
	lr := &io.LimitedReader{R: r, N: MaxStreamSize + 1}
	inv, err := decodeXMLStream(lr)
	if lr.N <= 0 {
		return nil, ErrStreamTooLarge
	}
	return inv, err
}

func decodeXMLStream(r io.Reader) (*inventory.Inventory, error) {
	dec := xml.NewDecoder(r)
	root, err := nextStart(dec)
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "bom" {
		return nil, fmt.Errorf("expected element type <bom> but have <%s>", root.Name.Local)
	}
	if !strings.HasPrefix(root.Name.Space, "http://cyclonedx.org/schema/bom/") {
		return nil, fmt.Errorf("<bom xmlns=%q>: want a CycloneDX namespace (http://cyclonedx.org/schema/bom/1.x)", root.Name.Space)
	}
	d := newDecoder()
	bom := cdx.BOM{XMLNS: root.Name.Space}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, xmlStreamError(err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return d.finish(&bom)
		case xml.StartElement:
			switch t.Name.Local {
			case "components":
				i := 0
				err = children(dec, "component", func(se *xml.StartElement) error {
					var c cdx.Component
					if err := dec.DecodeElement(&c, se); err != nil {
						return err
					}
					i++
					return d.component(&c, "components", i-1, 0)
				})
			case "metadata":
				var md cdx.Metadata
				err = dec.DecodeElement(&md, &t)
				bom.Metadata = &md
			case "dependencies":
				var deps []cdx.Dependency
				err = children(dec, "dependency", func(se *xml.StartElement) error {
					var dep cdx.Dependency
					if err := dec.DecodeElement(&dep, se); err != nil {
						return err
					}
					deps = append(deps, dep)
					return nil
				})
				bom.Dependencies = &deps
			default:
				err = dec.Skip()
			}
			if err != nil {
				return nil, xmlStreamError(err)
			}
		}
	}
}

// children calls decode for each child element named name of the element
// just started, skipping others, up to its end.
func children(dec *xml.Decoder, name string, decode func(*xml.StartElement) error) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if t.Name.Local != name {
				if err := dec.Skip(); err != nil {
					return err
				}
				continue
			}
			if err := decode(&t); err != nil {
				return err
			}
		}
	}
}

func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, xmlStreamError(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se, nil
		}
	}
}

func xmlStreamError(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("unexpected end of input")
	}
	return xmlError(err)
}
