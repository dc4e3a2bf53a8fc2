// Package jsonstream writes a JSON document whose large arrays are encoded
// one element at a time, so that writing an SBOM of 300,000 components
// never holds its whole encoding (encoding/json's Encoder marshals the
// value into one buffer, then indents it into a second, before writing a
// byte: 1.5 to 2.6 GB for such an SBOM; issue 15, item 14).
//
// The output is byte for byte what json.Encoder with SetIndent("", indent)
// and SetEscapeHTML(escapeHTML) writes for the whole value, provided the streamed
// arrays are the last fields of the value's type, in the order given, and
// absent from the head value (empty with omitempty, or a head type without
// them).
package jsonstream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// Array is a field of the document streamed element by element.
type Array struct {
	// Key is the field's JSON name.
	Key string
	// N is the number of elements; an array of none is left out
	// (omitempty), unless Null or Empty says how to write it.
	N int
	// Null writes an array of none as null, Empty as [] (a field without
	// omitempty, nil or not).
	Null, Empty bool
	// Elem returns element i, to be encoded with encoding/json.
	Elem func(i int) any
}

// Encode writes head with the arrays appended as its last fields, indented
// by indent, followed by a newline.
func Encode(w io.Writer, indent string, escapeHTML bool, head any, arrays ...Array) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	enc.SetIndent("", indent)
	if err := enc.Encode(head); err != nil {
		return err
	}
	h := bytes.TrimRight(buf.Bytes(), "\n")
	if len(h) < 2 || h[0] != '{' || h[len(h)-1] != '}' {
		return errors.New("jsonstream: the head is not a JSON object")
	}
	h = bytes.TrimRight(h[:len(h)-1], "\n")
	empty := len(h) == 1 // "{}"

	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write(h)
	var eb bytes.Buffer
	elem := json.NewEncoder(&eb)
	elem.SetEscapeHTML(escapeHTML)
	elem.SetIndent(indent+indent, indent)
	for _, a := range arrays {
		if a.N == 0 && !a.Null && !a.Empty {
			continue
		}
		if !empty {
			bw.WriteByte(',')
		}
		empty = false
		bw.WriteString("\n" + indent + strconv.Quote(a.Key) + ": ")
		switch {
		case a.N == 0 && a.Null:
			bw.WriteString("null")
			continue
		case a.N == 0:
			bw.WriteString("[]")
			continue
		}
		bw.WriteString("[")
		for i := range a.N {
			eb.Reset()
			if err := elem.Encode(a.Elem(i)); err != nil {
				return err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n" + indent + indent)
			if _, err := bw.Write(bytes.TrimRight(eb.Bytes(), "\n")); err != nil {
				return err // bufio keeps a write error: stop at the first
			}
		}
		bw.WriteString("\n" + indent + "]")
	}
	if empty {
		bw.WriteString("}\n")
	} else {
		bw.WriteString("\n}\n")
	}
	return bw.Flush()
}
