package spdx

import (
	"bytes"
	"errors"
	"fmt"
	"unicode"

	"github.com/spdx/tools-golang/convert"
	"github.com/spdx/tools-golang/spdx/common"
	v21 "github.com/spdx/tools-golang/spdx/v2/v2_1"
	v21reader "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	v22 "github.com/spdx/tools-golang/spdx/v2/v2_2"
	v22reader "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	v23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
	v23reader "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	"github.com/spdx/tools-golang/tagvalue/reader"

	"github.com/hallmark-dev/hallmark/internal/escape"
)

// readTagValue parses a tag-value document the way tools-golang's
// tagvalue.ReadInto does, but splits it into tag/value pairs itself.
//
// tools-golang's splitter (tagvalue/reader.ReadTagValues, v0.5.7) builds a
// multi-line <text> value with `currentValue += line + "\n"`, copying the
// whole value once per line: quadratic in the value's size (a 10 MB
// <text> took 48 s, 200 MB hours; issue 15, item 9). tokenize below gives
// the same pairs in linear time; the pairs then go to tools-golang's own
// per-version parsers, so what a tag means is still decided there.
func readTagValue(data []byte, doc *v23.Document) error {
	pairs, err := tokenize(data)
	if err != nil {
		return err
	}
	if len(pairs) == 0 {
		return errors.New("no tag values found")
	}
	version := ""
	for _, p := range pairs {
		if p.Tag == "SPDXVersion" {
			version = p.Value
			break
		}
	}
	var parsed common.AnyDocument
	switch version {
	case v23.Version:
		d, err := v23reader.ParseTagValues(pairs)
		if err != nil {
			return err
		}
		*doc = *d
		return nil
	case v22.Version:
		parsed, err = v22reader.ParseTagValues(pairs)
	case v21.Version:
		parsed, err = v21reader.ParseTagValues(pairs)
	default:
		return fmt.Errorf("unsupported SPDX version: '%v'", escape.Excerpt(version, 40))
	}
	if err != nil {
		return err
	}
	return convert.Document(parsed, doc)
}

// tokenize splits a tag-value document into pairs exactly as
// tools-golang's ReadTagValues does: lines end at "\n" (a "\r" before it
// is dropped); blank lines and "#" comments between tags are skipped; a
// value is trimmed, unless it is "<text>…</text>", which may span lines
// and is kept as written. A multi-line value is one slice of the input,
// copied once. Unlike bufio.Scanner there, a line may be longer than 64
// KiB: the input is already in memory and bounded by MaxSize.
func tokenize(data []byte) ([]reader.TagValuePair, error) {
	var (
		pairs []reader.TagValuePair
		tag   string
		// text is the offset where the open <text> value starts, or -1.
		text = -1
	)
	for off := 0; off < len(data); {
		lineStart := off
		line := data[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
			off += i + 1
		} else {
			off = len(data)
		}
		line = bytes.TrimSuffix(line, []byte("\r"))

		if text >= 0 {
			i := bytes.Index(line, []byte("</text>"))
			if i < 0 {
				continue
			}
			pairs = append(pairs, reader.TagValuePair{Tag: tag, Value: textValue(data[text : lineStart+i])})
			text = -1
			continue
		}

		l := bytes.TrimLeftFunc(line, unicode.IsSpace)
		if len(l) == 0 || l[0] == '#' {
			continue
		}
		t, rest, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return nil, fmt.Errorf("no colon found in '%s'", line)
		}
		tag = string(bytes.TrimSpace(t))
		i := bytes.Index(rest, []byte("<text>"))
		if i < 0 {
			pairs = append(pairs, reader.TagValuePair{Tag: tag, Value: string(bytes.TrimSpace(rest))})
			continue
		}
		after := rest[i+len("<text>"):]
		if value, _, closed := bytes.Cut(after, []byte("</text>")); closed {
			pairs = append(pairs, reader.TagValuePair{Tag: tag, Value: string(value)})
			continue
		}
		// after is a subslice of data: the value starts where it does.
		text = lineStart + len(line) - len(after)
	}
	if text >= 0 {
		return nil, fmt.Errorf("%s: <text> without </text>", tag)
	}
	return pairs, nil
}

// textValue is a multi-line value as tools-golang gives it: the lines
// joined by "\n", without the "\r" of "\r\n" line ends.
func textValue(span []byte) string {
	if bytes.IndexByte(span, '\r') < 0 {
		return string(span)
	}
	return string(bytes.ReplaceAll(span, []byte("\r\n"), []byte("\n")))
}
