package spdx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/spdx/tools-golang/tagvalue/reader"
)

const tvHeader = `SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: big
DocumentNamespace: https://example.com/big
Creator: Tool: gen
Created: 2024-01-01T00:00:00Z

PackageName: x
SPDXID: SPDXRef-x
PackageDownloadLocation: NOASSERTION
`

// bigText is a document whose package comment is one <text> value of
// about n bytes in lines of 100.
func bigText(n int) []byte {
	var b bytes.Buffer
	b.WriteString(tvHeader)
	b.WriteString("PackageComment: <text>\n")
	line := strings.Repeat("y", 99) + "\n"
	for b.Len() < n {
		b.WriteString(line)
	}
	b.WriteString("</text>\n")
	return b.Bytes()
}

// TestTagValueTextLinear: issue 15, item 9. tools-golang's reader copies a
// multi-line <text> value once per line, so the bytes allocated to read
// it grow with the square of its size (1 MiB: about 5 GB, seconds; 8 MiB: minutes). The
// bound is on bytes allocated, not on time: linear reading allocates a
// small multiple of the input.
func TestTagValueTextLinear(t *testing.T) {
	data := bigText(1 << 20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	doc, err := read(data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(doc.Packages[0].PackageComment); got < 1<<20-1000 {
		t.Fatalf("comment of %d bytes, want the whole text", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 40*uint64(len(data)) {
		t.Errorf("reading %d bytes allocated %d bytes (%.0fx): not linear", len(data), alloc, float64(alloc)/float64(len(data)))
	}
}

// TestTokenizeMatchesToolsGolang: the linear splitter gives exactly the
// pairs (or the failure) of tools-golang's, on every fixture and on the
// corner cases of its rules.
func TestTokenizeMatchesToolsGolang(t *testing.T) {
	inputs := []string{
		"",
		"A: b\n",
		"A: b",
		"  A :  b  \r\n# comment\n\n\tB:c\n",
		"A: <text>one line</text> trailing\n",
		"A: before <text>x\ny\r\nz</text> after\nB: c\n",
		"A: <text>\n\n  # not a comment\n</text>\n",
		"A: <text></text>\n",
		"A: <text>open\nB: c\n",
		"no colon here\n",
		"A: <text>x</text></text>\n",
		"A: b <text>\nc</text>d\n",
		"A:\n",
		"\xef\xbb\xbfA: b\n",
		"A: \u2028<text>\u0085\n</text>\n",
	}
	// More pairs than tokenize gathers in a chunk (65,536), twice over.
	var many strings.Builder
	for i := range 140_000 {
		fmt.Fprintf(&many, "Tag%d: value %d\nNOASSERTION: NOASSERTION\n", i%7, i)
	}
	inputs = append(inputs, many.String())
	files, _ := filepath.Glob("testdata/*.spdx")
	more, _ := filepath.Glob("testdata/foreign/*.spdx")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(data))
	}
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkTokenize(t, in) })
	}
}

func checkTokenize(t *testing.T, in string) {
	t.Helper()
	want, wantErr := reader.ReadTagValues(strings.NewReader(in))
	got, gotErr := tokenize(strings.NewReader(in))
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("input %q: error %v, tools-golang %v", in, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("input %q:\n got %q\nwant %q", in, got, want)
	}
}

func FuzzTokenize(f *testing.F) {
	f.Add("A: before <text>x\ny\r\nz</text> after\nB: c\n")
	f.Add("A: <text>open\nB: c\n")
	f.Fuzz(func(t *testing.T, in string) {
		// bufio.Scanner fails on lines over 64 KiB; tokenize does not.
		for line := range strings.SplitSeq(in, "\n") {
			if len(line) >= 64<<10 {
				return
			}
		}
		checkTokenize(t, in)
	})
}

// BenchmarkTagValueText reads a <text> value at 1x, 4x and 16x size; ns/op
// and B/op grow linearly (with tools-golang's splitter: quadratically).
func BenchmarkTagValueText(b *testing.B) {
	for _, n := range []int{1 << 20, 4 << 20, 16 << 20} {
		data := bigText(n)
		b.Run(fmt.Sprintf("%dMiB", n>>20), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := read(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
