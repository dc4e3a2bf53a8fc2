package rpm

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Header data types (rpm's rpmTagType, lib/rpmtag.h).
const (
	typeNull        = 0
	typeChar        = 1
	typeInt8        = 2
	typeInt16       = 3
	typeInt32       = 4
	typeInt64       = 5
	typeString      = 6
	typeBin         = 7
	typeStringArray = 8
	typeI18NString  = 9
)

var typeNames = [...]string{"NULL", "CHAR", "INT8", "INT16", "INT32", "INT64", "STRING", "BIN", "STRING_ARRAY", "I18NSTRING"}

// typeSize is the size of one element of the fixed-size types; 0 for the
// string types, whose elements are NUL-terminated.
var typeSize = [...]uint64{typeNull: 0, typeChar: 1, typeInt8: 1, typeInt16: 2, typeInt32: 4, typeInt64: 8, typeBin: 1}

// Tags read (lib/rpmtag.h).
const (
	tagSigMD5       = 261
	tagSHA256Header = 273
	tagName         = 1000
	tagVersion      = 1001
	tagRelease      = 1002
	tagEpoch        = 1003
	tagSize         = 1009
	tagVendor       = 1011
	tagLicense      = 1014
	tagArch         = 1022
	tagOldFilenames = 1027
	tagSourceRPM    = 1044
	tagProvideName  = 1047
	tagRequireName  = 1049
	tagDirIndexes   = 1116
	tagBasenames    = 1117
	tagDirnames     = 1118
	tagLongSize     = 5009
)

var tagNames = map[uint32]string{
	tagSigMD5: "SIGMD5", tagSHA256Header: "SHA256HEADER",
	tagName: "NAME", tagVersion: "VERSION", tagRelease: "RELEASE", tagEpoch: "EPOCH",
	tagSize: "SIZE", tagVendor: "VENDOR", tagLicense: "LICENSE", tagArch: "ARCH",
	tagOldFilenames: "OLDFILENAMES", tagSourceRPM: "SOURCERPM", tagProvideName: "PROVIDENAME",
	tagRequireName: "REQUIRENAME", tagDirIndexes: "DIRINDEXES",
	tagBasenames: "BASENAMES", tagDirnames: "DIRNAMES", tagLongSize: "LONGSIZE",
}

// tagLabel names a tag in errors: "1000 (NAME)", or the number alone.
func tagLabel(tag uint32) string {
	if n, ok := tagNames[tag]; ok {
		return fmt.Sprintf("%d (%s)", tag, n)
	}
	return fmt.Sprint(tag)
}

// Limits, the same as rpm's own (lib/header_internal.h: hdrchkTags,
// hdrchkData): at most 65535 index entries and a data store under 16 MiB.
const (
	maxEntries = 0xffff
	maxData    = 16 << 20
	entrySize  = 16
	// introSize is the two counts that start a database blob.
	introSize = 8
)

// entry is one index entry: what the tag holds and where in the store.
type entry struct {
	tag, typ, offset, count uint32
}

// header is a parsed RPM header: the index, by tag, and the data store.
// Every entry has been checked to lie within the store.
type header struct {
	entries map[uint32]entry
	store   []byte
}

// parseHeader reads a header as the rpm database stores it (rpm's
// headerExport/headerImport "blob"): the index entry count and data size
// as big-endian 32-bit numbers, then the index entries, then the data
// store, with no magic. (The header of a package file starts with the
// 8-byte magic 8e ad e8 01 00 00 00 00 before the counts; the databases
// leave it out.) A blob that starts with the magic anyway is accepted.
//
// Every entry is checked as rpm's headerVerifyInfo checks it, so the
// accessors can read without further bounds checks: a known type, a
// non-zero count, an offset within the store aligned for the type, the
// elements within the store, strings NUL-terminated within it, and
// exactly one string for STRING.
func parseHeader(blob []byte) (*header, error) {
	if len(blob) >= 8 && bytes.Equal(blob[:4], []byte{0x8e, 0xad, 0xe8, 0x01}) {
		blob = blob[8:]
	}
	if len(blob) < introSize {
		return nil, fmt.Errorf("header is %d bytes, want at least %d (index count and data size)", len(blob), introSize)
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il == 0 || il > maxEntries {
		return nil, fmt.Errorf("index count %d, want 1 to %d", il, maxEntries)
	}
	if dl > maxData {
		return nil, fmt.Errorf("data size %d, want at most %d", dl, maxData)
	}
	want := uint64(introSize) + uint64(il)*entrySize + uint64(dl)
	if uint64(len(blob)) != want {
		return nil, fmt.Errorf("header is %d bytes, but its %d index entries and %d-byte data store make %d", len(blob), il, dl, want)
	}
	index := blob[introSize : introSize+int(il)*entrySize]
	h := &header{entries: make(map[uint32]entry, il), store: blob[introSize+int(il)*entrySize:]}
	for i := range int(il) {
		b := index[i*entrySize:]
		e := entry{
			tag:    binary.BigEndian.Uint32(b[0:4]),
			typ:    binary.BigEndian.Uint32(b[4:8]),
			offset: binary.BigEndian.Uint32(b[8:12]),
			count:  binary.BigEndian.Uint32(b[12:16]),
		}
		if err := h.check(e); err != nil {
			return nil, fmt.Errorf("index entry %d: tag %s: %w", i, tagLabel(e.tag), err)
		}
		// rpm keeps the first of duplicate tags (headerFindEntry finds
		// the first of a sorted index); so do we.
		if _, dup := h.entries[e.tag]; !dup {
			h.entries[e.tag] = e
		}
	}
	return h, nil
}

// check verifies that e's data lies within the store.
func (h *header) check(e entry) error {
	if e.typ > typeI18NString {
		return fmt.Errorf("type %d, want 0 to %d", e.typ, typeI18NString)
	}
	if e.count == 0 {
		return fmt.Errorf("count 0, want at least 1")
	}
	n := uint64(len(h.store))
	if uint64(e.offset) >= n {
		return fmt.Errorf("offset %d is outside the %d-byte data store", e.offset, n)
	}
	switch e.typ {
	case typeString, typeStringArray, typeI18NString:
		if e.typ == typeString && e.count != 1 {
			return fmt.Errorf("STRING with count %d, want 1", e.count)
		}
		// Each string must end within the store; a count larger than
		// the store could hold fails on the way without scanning more.
		off := uint64(e.offset)
		for i := range e.count {
			end := bytes.IndexByte(h.store[off:], 0)
			if end < 0 {
				return fmt.Errorf("string %d at offset %d is not NUL-terminated within the %d-byte data store", i, off, n)
			}
			off += uint64(end) + 1
			if off >= n && i+1 < e.count {
				return fmt.Errorf("%s count %d, but the data store ends after %d strings", typeNames[e.typ], e.count, i+1)
			}
		}
	default:
		size := typeSize[e.typ]
		if size > 1 && uint64(e.offset)%size != 0 {
			return fmt.Errorf("%s at offset %d, want a multiple of %d", typeNames[e.typ], e.offset, size)
		}
		if size > 0 && uint64(e.offset)+uint64(e.count)*size > n {
			return fmt.Errorf("%d %s elements at offset %d run past the %d-byte data store", e.count, typeNames[e.typ], e.offset, n)
		}
	}
	return nil
}

// wrongType says what a tag should have held.
func wrongType(e entry, want string) error {
	return fmt.Errorf("tag %s: want %s, got %s", tagLabel(e.tag), want, typeNames[e.typ])
}

// string returns a STRING tag (or the first, untranslated, string of an
// I18NSTRING), "" when the tag is absent.
func (h *header) string(tag uint32) (string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return "", nil
	}
	if e.typ != typeString && e.typ != typeI18NString {
		return "", wrongType(e, "STRING")
	}
	s := h.store[e.offset:]
	return string(s[:bytes.IndexByte(s, 0)]), nil
}

// strings returns a STRING_ARRAY tag, nil when the tag is absent.
func (h *header) strings(tag uint32) ([]string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeStringArray {
		return nil, wrongType(e, "STRING_ARRAY")
	}
	out := make([]string, 0, e.count)
	s := h.store[e.offset:]
	for range e.count {
		i := bytes.IndexByte(s, 0)
		out = append(out, string(s[:i]))
		s = s[i+1:]
	}
	return out, nil
}

// int32s returns an INT32 tag's values, nil when the tag is absent.
func (h *header) int32s(tag uint32) ([]uint32, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeInt32 {
		return nil, wrongType(e, "INT32")
	}
	out := make([]uint32, e.count)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(h.store[int(e.offset)+4*i:])
	}
	return out, nil
}

// int64s returns an INT64 tag's values, nil when the tag is absent.
func (h *header) int64s(tag uint32) ([]uint64, error) {
	e, ok := h.entries[tag]
	if !ok {
		return nil, nil
	}
	if e.typ != typeInt64 {
		return nil, wrongType(e, "INT64")
	}
	out := make([]uint64, e.count)
	for i := range out {
		out[i] = binary.BigEndian.Uint64(h.store[int(e.offset)+8*i:])
	}
	return out, nil
}

// hexBin returns a BIN tag as lower-case hex, "" when absent.
func (h *header) hexBin(tag uint32) (string, error) {
	e, ok := h.entries[tag]
	if !ok {
		return "", nil
	}
	if e.typ != typeBin {
		return "", wrongType(e, "BIN")
	}
	return hex.EncodeToString(h.store[e.offset : e.offset+e.count]), nil
}
