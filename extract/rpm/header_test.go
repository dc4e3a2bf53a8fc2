package rpm

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// rawEntry is an index entry written as is, for headers that break a rule.
type rawEntry struct{ tag, typ, offset, count uint32 }

// rawHeader lays out a database blob: counts, entries, store. dl < 0 means
// the store's real length.
func rawHeader(entries []rawEntry, store []byte, dl int) []byte {
	if dl < 0 {
		dl = len(store)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	b = binary.BigEndian.AppendUint32(b, uint32(dl))
	for _, e := range entries {
		for _, v := range []uint32{e.tag, e.typ, e.offset, e.count} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
	}
	return append(b, store...)
}

// hdr builds a well-formed header the way rpm lays one out: each value
// aligned for its type in the store. Values are string (STRING), []string
// (STRING_ARRAY), []uint32 (INT32), []uint64 (INT64) or []byte (BIN).
type hdr struct {
	entries []rawEntry
	store   []byte
}

func (h *hdr) add(tag uint32, v any) *hdr {
	align := func(n int) {
		for len(h.store)%n != 0 {
			h.store = append(h.store, 0)
		}
	}
	e := rawEntry{tag: tag}
	switch v := v.(type) {
	case string:
		e.typ, e.offset, e.count = typeString, uint32(len(h.store)), 1
		h.store = append(append(h.store, v...), 0)
	case []string:
		e.typ, e.offset, e.count = typeStringArray, uint32(len(h.store)), uint32(len(v))
		for _, s := range v {
			h.store = append(append(h.store, s...), 0)
		}
	case []uint32:
		align(4)
		e.typ, e.offset, e.count = typeInt32, uint32(len(h.store)), uint32(len(v))
		for _, n := range v {
			h.store = binary.BigEndian.AppendUint32(h.store, n)
		}
	case []uint64:
		align(8)
		e.typ, e.offset, e.count = typeInt64, uint32(len(h.store)), uint32(len(v))
		for _, n := range v {
			h.store = binary.BigEndian.AppendUint64(h.store, n)
		}
	case []byte:
		e.typ, e.offset, e.count = typeBin, uint32(len(h.store)), uint32(len(v))
		h.store = append(h.store, v...)
	default:
		panic("hdr.add: unsupported value")
	}
	h.entries = append(h.entries, e)
	return h
}

func (h *hdr) bytes() []byte { return rawHeader(h.entries, h.store, -1) }

func TestParseHeaderValues(t *testing.T) {
	b := (&hdr{}).
		add(tagName, "hello").
		add(tagProvideName, []string{"hello", "", "hello(x86-64)"}).
		add(tagEpoch, []uint32{7, 8}).
		add(tagLongSize, []uint64{1 << 40}).
		add(tagSigMD5, []byte{0xde, 0xad, 0xbe, 0xef}).
		add(tagName, "second NAME, ignored").
		bytes()
	for _, blob := range [][]byte{b, append([]byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}, b...)} {
		h, err := parseHeader(blob)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := h.string(tagName); s != "hello" || err != nil {
			t.Errorf("NAME = %q, %v", s, err)
		}
		if s, err := h.strings(tagProvideName); !slices.Equal(s, []string{"hello", "", "hello(x86-64)"}) || err != nil {
			t.Errorf("PROVIDENAME = %q, %v", s, err)
		}
		if n, err := h.int32s(tagEpoch); !slices.Equal(n, []uint32{7, 8}) || err != nil {
			t.Errorf("EPOCH = %v, %v", n, err)
		}
		if n, err := h.int64s(tagLongSize); !slices.Equal(n, []uint64{1 << 40}) || err != nil {
			t.Errorf("LONGSIZE = %v, %v", n, err)
		}
		if s, err := h.hexBin(tagSigMD5); s != "deadbeef" || err != nil {
			t.Errorf("SIGMD5 = %q, %v", s, err)
		}
		// Absent tags read as empty, without error.
		if s, err := h.string(tagVendor); s != "" || err != nil {
			t.Errorf("VENDOR = %q, %v", s, err)
		}
		if s, err := h.strings(tagRequireName); s != nil || err != nil {
			t.Errorf("REQUIRENAME = %q, %v", s, err)
		}
	}
}

func TestHeaderWrongType(t *testing.T) {
	h, err := parseHeader((&hdr{}).add(tagName, []uint32{1}).add(tagEpoch, "1").add(tagSigMD5, "x").add(tagRequireName, "x").add(tagLongSize, []uint32{1}).bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{second(h.string(tagName)), "tag 1000 (NAME): want STRING, got INT32"},
		{second(h.int32s(tagEpoch)), "tag 1003 (EPOCH): want INT32, got STRING"},
		{second(h.hexBin(tagSigMD5)), "tag 261 (SIGMD5): want BIN, got STRING"},
		{second(h.strings(tagRequireName)), "tag 1049 (REQUIRENAME): want STRING_ARRAY, got STRING"},
		{second(h.int64s(tagLongSize)), "tag 5009 (LONGSIZE): want INT64, got INT32"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("err = %v, want %s", tc.err, tc.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestParseHeaderBounds(t *testing.T) {
	// Strings at 0, 4 and 7; an INT64 (2) at 8; an INT32 (1) at 16.
	store := []byte("abc\x00de\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x02" + "\x00\x00\x00\x01")
	for _, tc := range []struct {
		name string
		blob []byte
		want string
	}{
		{"empty", nil, "header is 0 bytes, want at least 8 (index count and data size)"},
		{"short", []byte{0, 0, 0, 1, 0}, "header is 5 bytes, want at least 8 (index count and data size)"},
		{"magic only", []byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}, "header is 0 bytes, want at least 8 (index count and data size)"},
		{"no entries", rawHeader(nil, store, -1), "index count 0, want 1 to 65535"},
		{"too many entries", append(binary.BigEndian.AppendUint32(nil, 0x10000), 0, 0, 0, 0), "index count 65536, want 1 to 65535"},
		{"store too large", binary.BigEndian.AppendUint32([]byte{0, 0, 0, 1}, 16<<20+1), "data size 16777217, want at most 16777216"},
		{"store shorter than said", rawHeader([]rawEntry{{tagName, typeString, 0, 1}}, store, 21), "header is 44 bytes, but its 1 index entries and 21-byte data store make 45"},
		{"trailing bytes", append(rawHeader([]rawEntry{{tagName, typeString, 0, 1}}, store, -1), 0), "header is 45 bytes, but its 1 index entries and 20-byte data store make 44"},
		{"entries cut short", rawHeader([]rawEntry{{tagName, typeString, 0, 1}}, nil, 0)[:20], "header is 20 bytes, but its 1 index entries and 0-byte data store make 24"},
		{"unknown type", rawHeader([]rawEntry{{tagName, 10, 0, 1}}, store, -1), "index entry 0: tag 1000 (NAME): type 10, want 0 to 9"},
		{"zero count", rawHeader([]rawEntry{{tagName, typeString, 0, 0}}, store, -1), "index entry 0: tag 1000 (NAME): count 0, want at least 1"},
		{"offset past store", rawHeader([]rawEntry{{tagVersion, typeString, 0, 1}, {tagName, typeString, 20, 1}}, store, -1), "index entry 1: tag 1000 (NAME): offset 20 is outside the 20-byte data store"},
		{"huge offset", rawHeader([]rawEntry{{tagName, typeBin, 0xffffffff, 1}}, store, -1), "index entry 0: tag 1000 (NAME): offset 4294967295 is outside the 20-byte data store"},
		{"two strings in STRING", rawHeader([]rawEntry{{tagName, typeString, 0, 2}}, store, -1), "index entry 0: tag 1000 (NAME): STRING with count 2, want 1"},
		{"unterminated string", rawHeader([]rawEntry{{tagName, typeString, 0, 1}}, []byte("abc"), -1), "index entry 0: tag 1000 (NAME): string 0 at offset 0 is not NUL-terminated within the 3-byte data store"},
		{"unterminated array element", rawHeader([]rawEntry{{tagProvideName, typeStringArray, 0, 2}}, []byte("ab\x00cd"), -1), "index entry 0: tag 1047 (PROVIDENAME): string 1 at offset 3 is not NUL-terminated within the 5-byte data store"},
		{"array count past store", rawHeader([]rawEntry{{tagProvideName, typeStringArray, 0, 3}}, []byte("a\x00b\x00"), -1), "index entry 0: tag 1047 (PROVIDENAME): STRING_ARRAY count 3, but the data store ends after 2 strings"},
		{"huge array count", rawHeader([]rawEntry{{tagProvideName, typeI18NString, 0, 0xffffffff}}, []byte("a\x00b\x00"), -1), "index entry 0: tag 1047 (PROVIDENAME): I18NSTRING count 4294967295, but the data store ends after 2 strings"},
		{"array runs into unterminated bytes", rawHeader([]rawEntry{{tagProvideName, typeStringArray, 17, 3}}, store, -1), "index entry 0: tag 1047 (PROVIDENAME): string 2 at offset 19 is not NUL-terminated within the 20-byte data store"},
		{"misaligned INT32", rawHeader([]rawEntry{{tagEpoch, typeInt32, 2, 1}}, store, -1), "index entry 0: tag 1003 (EPOCH): INT32 at offset 2, want a multiple of 4"},
		{"misaligned INT16", rawHeader([]rawEntry{{900, typeInt16, 1, 1}}, store, -1), "index entry 0: tag 900: INT16 at offset 1, want a multiple of 2"},
		{"misaligned INT64", rawHeader([]rawEntry{{tagLongSize, typeInt64, 4, 1}}, store, -1), "index entry 0: tag 5009 (LONGSIZE): INT64 at offset 4, want a multiple of 8"},
		{"INT32 past store", rawHeader([]rawEntry{{tagEpoch, typeInt32, 16, 2}}, store, -1), "index entry 0: tag 1003 (EPOCH): 2 INT32 elements at offset 16 run past the 20-byte data store"},
		{"INT64 count overflow", rawHeader([]rawEntry{{tagLongSize, typeInt64, 8, 0x20000001}}, store, -1), "index entry 0: tag 5009 (LONGSIZE): 536870913 INT64 elements at offset 8 run past the 20-byte data store"},
		{"BIN past store", rawHeader([]rawEntry{{tagSigMD5, typeBin, 4, 17}}, store, -1), "index entry 0: tag 261 (SIGMD5): 17 BIN elements at offset 4 run past the 20-byte data store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseHeader(tc.blob)
			if err == nil || err.Error() != tc.want {
				t.Errorf("parseHeader = %v, %v\nwant error %s", h, err, tc.want)
			}
		})
	}
}

// TestParseHeaderEdges: values that end exactly at the store's end, and a
// NULL entry, which rpm allows and stores nothing for.
func TestParseHeaderEdges(t *testing.T) {
	store := []byte("abc\x00\x00\x00\x00\x05")
	h, err := parseHeader(rawHeader([]rawEntry{{tagEpoch, typeInt32, 4, 1}, {tagName, typeString, 0, 1}, {62, typeNull, 7, 1}, {tagSigMD5, typeBin, 7, 1}}, store, -1))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := h.int32s(tagEpoch); !slices.Equal(n, []uint32{5}) {
		t.Errorf("EPOCH = %v", n)
	}
	if s, _ := h.hexBin(tagSigMD5); s != "05" {
		t.Errorf("SIGMD5 = %q", s)
	}
	if _, err := parseHeader(rawHeader([]rawEntry{{tagProvideName, typeStringArray, 0, 2}}, []byte("a\x00b\x00"), -1)); err != nil {
		t.Errorf("array ending at the store's end: %v", err)
	}
	// The largest store rpm allows parses.
	big := make([]byte, maxData)
	if _, err := parseHeader(rawHeader([]rawEntry{{tagName, typeString, maxData - 1, 1}}, big, -1)); err != nil {
		t.Errorf("16 MiB store: %v", err)
	}
}

func FuzzHeader(f *testing.F) {
	for _, r := range fixtureRows(f) {
		f.Add(r.blob)
	}
	f.Add((&hdr{}).add(tagName, "a").add(tagRequireName, []string{"b", "/c"}).add(tagEpoch, []uint32{1}).bytes())
	f.Add(rawHeader([]rawEntry{{tagProvideName, typeStringArray, 0, 2}}, []byte("a\x00b\x00"), -1))
	f.Fuzz(func(t *testing.T, blob []byte) {
		h, err := parseHeader(blob)
		if err != nil {
			if h != nil {
				t.Fatal("header and error")
			}
			return
		}
		if len(h.entries) == 0 {
			t.Fatal("header without entries")
		}
		// Every accessor is safe on every tag the header has.
		for tag, e := range h.entries {
			s, err1 := h.string(tag)
			ss, err2 := h.strings(tag)
			_, err3 := h.int32s(tag)
			_, err4 := h.int64s(tag)
			_, err5 := h.hexBin(tag)
			if (err1 == nil) != (e.typ == typeString || e.typ == typeI18NString) || (err2 == nil) != (e.typ == typeStringArray) ||
				(err3 == nil) != (e.typ == typeInt32) || (err4 == nil) != (e.typ == typeInt64) || (err5 == nil) != (e.typ == typeBin) {
				t.Fatalf("tag %d type %d: accessor errors %v %v %v %v %v", tag, e.typ, err1, err2, err3, err4, err5)
			}
			if strings.Contains(s, "\x00") {
				t.Fatalf("string with NUL: %q", s)
			}
			if err2 == nil && uint32(len(ss)) != e.count {
				t.Fatalf("STRING_ARRAY of %d strings, count %d", len(ss), e.count)
			}
		}
		pi, err := readPackage(row{hnum: 1, blob: blob}, map[string]string{"namespace": "fedora"})
		if err == nil && pi != nil {
			if pi.inventory.PURL == "" || pi.inventory.Name == "" {
				t.Fatalf("package without name or purl: %+v", pi.inventory)
			}
			_, _ = pi.files()
		}
	})
}
