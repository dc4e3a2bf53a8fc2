package golang

import (
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/inventory"
)

// Bounds on reading a binary's function table. The table is read whole
// (debug/gosym parses it in memory), and debug/gosym allocates about 340
// bytes per function while parsing (measured on hallmark's own binary:
// 33,003 functions, 10.9 MB), so both are bounded before parsing: a
// hostile header could otherwise claim billions of functions.
const (
	// maxPclntab bounds the bytes of the function table. hallmark's 42 MB
	// binary has a 10 MB table; a table this size belongs to a binary of
	// about a gigabyte, twice extract's default file size limit.
	maxPclntab = 256 << 20
	// maxFunctions bounds the functions of one binary: about 170 MB while
	// debug/gosym parses, 4 MB kept (inventory.FunctionSet). Big real
	// binaries have around 100,000.
	maxFunctions = 1 << 19
)

// errNoTable says why a binary's facts are not recorded; the packages of
// its build information are reported all the same.
var errNoTable = errors.New("no Go function table")

// goBinaryFacts reads the function table of an ELF, Mach-O or PE Go
// binary and the platform from its build information.
func goBinaryFacts(ra io.ReaderAt, path string, bi *debug.BuildInfo) (inventory.GoBinary, error) {
	data, text, err := pclntab(ra)
	if err != nil {
		return inventory.GoBinary{}, fmt.Errorf("%s: %w", path, err)
	}
	if n, ok := functionCount(data); !ok || n > maxFunctions {
		return inventory.GoBinary{}, fmt.Errorf("%s: function table of %d functions is over the limit of %d (or unreadable)", path, n, maxFunctions)
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		return inventory.GoBinary{}, fmt.Errorf("%s: Go function table: %w", path, err)
	}
	b := inventory.GoBinary{Path: path}
	pkgs := map[string]bool{}
	b.Functions = inventory.NewFunctionSet(func(yield func(string) bool) {
		for i := range tab.Funcs {
			pkg, sym := splitSymbol(tab.Funcs[i].Name)
			if pkg == "" {
				continue
			}
			pkgs[pkg] = true
			if !yield(pkg + "." + sym) {
				return
			}
		}
	})
	if b.Functions.Len() == 0 {
		return inventory.GoBinary{}, fmt.Errorf("%s: %w: empty", path, errNoTable)
	}
	for p := range pkgs {
		b.Packages = append(b.Packages, p)
	}
	slices.Sort(b.Packages)
	for _, s := range bi.Settings {
		switch s.Key {
		case "GOOS":
			b.GOOS = s.Value
		case "GOARCH":
			b.GOARCH = s.Value
		}
	}
	return b, nil
}

// pclntab returns the function table's bytes and the address of the text
// section it describes.
func pclntab(ra io.ReaderAt) (data []byte, text uint64, err error) {
	var magic [4]byte
	if _, err := ra.ReadAt(magic[:], 0); err != nil {
		return nil, 0, err
	}
	switch {
	case string(magic[:]) == "\x7fELF":
		ef, err := elf.NewFile(ra)
		if err != nil {
			return nil, 0, err
		}
		if t := ef.Section(".text"); t != nil {
			text = t.Addr
		}
		if sec := ef.Section(".gopclntab"); sec != nil {
			data, err = sectionData(sec.Size, sec.Data)
			return data, text, err
		}
		// PIE and external-linked binaries keep it in .data.rel.ro;
		// the runtime.pclntab symbol finds it there.
		data, err = elfSymbolRange(ef)
		return data, text, err
	case isMachO(magic):
		mf, err := macho.NewFile(ra)
		if err != nil {
			return nil, 0, err
		}
		sec := mf.Section("__gopclntab")
		if sec == nil {
			return nil, 0, fmt.Errorf("%w: no __gopclntab section", errNoTable)
		}
		if t := mf.Section("__text"); t != nil {
			text = t.Addr
		}
		data, err = sectionData(sec.Size, sec.Data)
		return data, text, err
	case string(magic[:2]) == "MZ":
		pf, err := pe.NewFile(ra)
		if err != nil {
			return nil, 0, err
		}
		data, err = pePclntab(pf)
		return data, 0, err
	}
	return nil, 0, errors.New("not an executable")
}

func isMachO(m [4]byte) bool {
	switch string(m[:]) {
	case "\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe":
		return true
	}
	return false
}

func sectionData(size uint64, read func() ([]byte, error)) ([]byte, error) {
	if size > maxPclntab {
		return nil, fmt.Errorf("function table of %d bytes is over the limit of %d", size, maxPclntab)
	}
	return read()
}

// functionCount reads the number of functions from the table's header,
// which every layout since Go 1.2 starts the same way: a 4-byte magic
// number (whose byte order is the table's), two zero bytes, the
// instruction size quantum, the pointer size, then the count as a
// pointer-sized integer (https://go.dev/src/debug/gosym/pclntab.go).
func functionCount(data []byte) (uint64, bool) {
	if len(data) < 16 || data[4] != 0 || data[5] != 0 {
		return 0, false
	}
	var order binary.ByteOrder
	switch {
	case pclntabMagic(binary.LittleEndian.Uint32(data)):
		order = binary.LittleEndian
	case pclntabMagic(binary.BigEndian.Uint32(data)):
		order = binary.BigEndian
	default:
		return 0, false
	}
	switch data[7] {
	case 4:
		return uint64(order.Uint32(data[8:])), true
	case 8:
		return order.Uint64(data[8:]), true
	}
	return 0, false
}

// pclntabMagic reports whether m is the magic number of a Go 1.2, 1.16,
// 1.18 or 1.20 function table.
func pclntabMagic(m uint32) bool {
	return m == 0xfffffffb || m == 0xfffffffa || m == 0xfffffff0 || m == 0xfffffff1
}

// elfSymbolRange finds runtime.pclntab..runtime.epclntab through the
// symbol table, for ELF binaries without a .gopclntab section.
func elfSymbolRange(ef *elf.File) ([]byte, error) {
	syms, err := ef.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%w: no .gopclntab section and no symbols", errNoTable)
	}
	var start, end uint64
	for _, s := range syms {
		switch s.Name {
		case "runtime.pclntab":
			start = s.Value
		case "runtime.epclntab":
			end = s.Value
		}
	}
	if start == 0 || end <= start || end-start > maxPclntab {
		return nil, errNoTable
	}
	for _, sec := range ef.Sections {
		if sec.Addr <= start && end <= sec.Addr+sec.Size {
			data, err := sectionData(sec.Size, sec.Data)
			if err != nil {
				return nil, err
			}
			if end-sec.Addr > uint64(len(data)) {
				return nil, fmt.Errorf("%w: outside its section", errNoTable)
			}
			return data[start-sec.Addr : end-sec.Addr], nil
		}
	}
	return nil, fmt.Errorf("%w: outside every section", errNoTable)
}

func pePclntab(pf *pe.File) ([]byte, error) {
	var start, end uint32
	var sect int16
	for _, s := range pf.Symbols {
		switch s.Name {
		case "runtime.pclntab":
			start, sect = s.Value, s.SectionNumber
		case "runtime.epclntab":
			end = s.Value
		}
	}
	if end <= start || sect < 1 || int(sect) > len(pf.Sections) || end-start > maxPclntab {
		return nil, fmt.Errorf("%w (stripped PE binary)", errNoTable)
	}
	sec := pf.Sections[sect-1]
	data, err := sectionData(uint64(sec.Size), sec.Data)
	if err != nil {
		return nil, err
	}
	if int(end) > len(data) {
		return nil, fmt.Errorf("%w: outside its section", errNoTable)
	}
	return data[start:end], nil
}

// symbolCleaner drops the receiver punctuation of method names.
var symbolCleaner = strings.NewReplacer("(*", "", "(", "", ")", "")

// splitSymbol turns a function name from the table into the Go
// vulnerability database's spelling: "net/http.(*Server).Serve" →
// ("net/http", "Server.Serve"); generic instantiations lose their type
// arguments ("pkg.Map[...]" → "Map"). The linker escapes dots in the last
// element of an import path ("gopkg.in/yaml%2ev3.Unmarshal"), so the first
// dot after the last slash ends the package path. Names the compiler
// makes for no package ("type:.eq.T", "go:buildid") give "".
func splitSymbol(name string) (pkg, sym string) {
	if strings.HasPrefix(name, "type:") || strings.HasPrefix(name, "go:") {
		// Made by the compiler or linker (type:.eq.[16]sync/atomic.Pointer[...],
		// go:buildid): no package's code, no symbol of the database.
		return "", ""
	}
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return "", ""
	}
	dot += slash + 1
	pkg, sym = strings.ReplaceAll(name[:dot], "%2e", "."), name[dot+1:]
	sym = symbolCleaner.Replace(sym)
	for {
		i := strings.IndexByte(sym, '[')
		if i < 0 {
			break
		}
		depth, j := 0, i
		for ; j < len(sym); j++ {
			if sym[j] == '[' {
				depth++
			} else if sym[j] == ']' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if j >= len(sym) {
			sym = sym[:i]
			break
		}
		sym = sym[:i] + sym[j+1:]
	}
	return pkg, sym
}
