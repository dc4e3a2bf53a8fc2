package spdx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
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
func readTagValue(r io.Reader, doc *v23.Document) error {
	pairs, err := tokenize(r)
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
// and is kept as written, built in a strings.Builder. Unlike bufio.Scanner
// there, a line may be longer than 64 KiB (the input is bounded by the
// caller).
func tokenize(r io.Reader) ([]reader.TagValuePair, error) {
	const maxKnown, maxKnownLen = 4096, 32
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		// The pairs, gathered in chunks and copied once at the end:
		// appended to one slice they were copied over and over as it
		// grew, 2.5 s of CPU for 5 million pairs.
		chunks  [][]reader.TagValuePair
		pairs   []reader.TagValuePair // the last chunk
		n       int
		tag     string
		text    strings.Builder // the open <text> value
		midtext bool
		long    []byte // a line longer than br's buffer
		// known holds the tags, and the short values, seen so far, so
		// that a pair shares their strings rather than holding copies:
		// 300,000 packages are 5 million pairs, mostly of a few tags and
		// values such as NOASSERTION (issue 15, item 14). It stops
		// growing at maxKnown entries, whatever the input.
		known = map[string]string{}
	)
	add := func(p reader.TagValuePair) {
		if len(pairs) == cap(pairs) {
			if pairs != nil {
				chunks = append(chunks, pairs)
			}
			pairs = make([]reader.TagValuePair, 0, 1<<16)
		}
		pairs = append(pairs, p)
		n++
	}
	intern := func(b []byte) string {
		if len(b) > maxKnownLen {
			return string(b)
		}
		if s, ok := known[string(b)]; ok {
			return s
		}
		s := string(b)
		if len(known) < maxKnown {
			known[s] = s
		}
		return s
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))

		if midtext {
			before, _, closed := bytes.Cut(line, []byte("</text>"))
			text.Write(before)
			if closed {
				add(reader.TagValuePair{Tag: tag, Value: text.String()})
				text.Reset()
				midtext = false
			} else {
				text.WriteByte('\n')
			}
		} else if l := bytes.TrimLeftFunc(line, unicode.IsSpace); len(l) > 0 && l[0] != '#' {
			t, rest, ok := bytes.Cut(l, []byte(":"))
			if !ok {
				return nil, fmt.Errorf("no colon found in '%s'", line)
			}
			tag = intern(bytes.TrimSpace(t))
			switch _, after, isText := bytes.Cut(rest, []byte("<text>")); {
			case !isText:
				add(reader.TagValuePair{Tag: tag, Value: intern(bytes.TrimSpace(rest))})
			default:
				if value, _, closed := bytes.Cut(after, []byte("</text>")); closed {
					add(reader.TagValuePair{Tag: tag, Value: string(value)})
				} else {
					text.Write(after)
					text.WriteByte('\n')
					midtext = true
				}
			}
		}
		if err == io.EOF {
			break
		}
	}
	if midtext {
		return nil, fmt.Errorf("%s: <text> without </text>", tag)
	}
	if chunks == nil {
		return pairs, nil
	}
	all := make([]reader.TagValuePair, 0, n)
	for i, c := range chunks {
		all = append(all, c...)
		chunks[i] = nil
	}
	return append(all, pairs...), nil
}
