package match

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/vulndb"
)

// Reachability labels for findings in Go binaries.
const (
	// ReachCalled: a vulnerable symbol is in the binary's function table.
	ReachCalled = "called"
	// ReachImported: the vulnerable package is linked in, but none of the
	// vulnerable symbols is.
	ReachImported = "imported only"
	// ReachNotImported: the module is in the build, but no function of the
	// vulnerable packages is.
	ReachNotImported = "not imported"
	// ReachOtherPlatform: every vulnerable package of the advisory is
	// limited to GOOS/GOARCH values the binary was not built for.
	ReachOtherPlatform = "other platform"
)

// ReachabilityNote is shown wherever reachability labels are.
const ReachabilityNote = "Reachability is a binary-level approximation: a finding is \"called\" when one of the advisory's vulnerable symbols is in the Go binary's function table (pclntab). The linker keeps only functions that can be reached from main, so absence is good evidence; presence does not prove the vulnerable path is taken, and a function inlined into all of its callers is not seen."

// Reachability is the symbol-level verdict for a finding in a Go binary.
type Reachability struct {
	Status string `json:"status"`
	// Symbols are the vulnerable symbols found, as package.Symbol.
	Symbols []string `json:"symbols,omitempty"`
	Binary  string   `json:"binary"`
}

// maxPclntab bounds the function table read from a binary.
const maxPclntab = 1 << 30

// goBinary is the function table of a Go binary.
type goBinary struct {
	funcs        map[string]bool // "net/http.Server.ListenAndServe"
	pkgs         map[string]bool // "net/http"
	goos, goarch string          // from the build information, when present
}

// markReachability labels the findings of Go packages found in binaries
// under root.
func markReachability(root string, res *Result) {
	cache := map[string]*goBinary{}
	load := func(loc string) *goBinary {
		if b, ok := cache[loc]; ok {
			return b
		}
		b, err := readGoBinary(filepath.Join(root, filepath.FromSlash(loc)))
		if err != nil {
			b = nil // not a Go binary (a go.mod, a lockfile): nothing to say
		}
		cache[loc] = b
		return b
	}
	labelled := false
	for i := range res.Packages {
		p := &res.Packages[i]
		if p.Ecosystem != "Go" {
			continue
		}
		for _, loc := range p.Locations {
			bin := load(loc)
			if bin == nil {
				continue
			}
			for j := range p.Findings {
				f := &p.Findings[j]
				if r := bin.reach(f, p.Name, loc); r != nil {
					f.Reachability = r
					labelled = true
				}
			}
			break // one binary per package entry; the inventory merges locations
		}
	}
	if labelled {
		res.ReachabilityNote = ReachabilityNote
	}
}

// reach labels one finding of module (the package's name).
func (b *goBinary) reach(f *Finding, module, binary string) *Reachability {
	var pkgs, syms []string
	listed, otherPlatform := false, false
	for _, a := range f.entries {
		for _, imp := range a.Imports() {
			listed = true
			if !b.builtFor(imp) {
				otherPlatform = true
				continue
			}
			pkgs = append(pkgs, imp.Path)
			for _, s := range imp.Symbols {
				syms = append(syms, imp.Path+"."+s)
			}
		}
	}
	r := &Reachability{Status: ReachNotImported, Binary: binary}
	if !listed {
		// No packages listed: the whole module is vulnerable, so any of
		// its packages in the binary counts.
		for p := range b.pkgs {
			if p == module || strings.HasPrefix(p, module+"/") {
				r.Status = ReachCalled
				break
			}
		}
		return r
	}
	if len(pkgs) == 0 && otherPlatform {
		r.Status = ReachOtherPlatform
		return r
	}
	for _, p := range pkgs {
		if b.pkgs[p] {
			r.Status = ReachImported
		}
	}
	for _, s := range syms {
		if b.funcs[s] {
			r.Symbols = append(r.Symbols, s)
		}
	}
	// An import with no symbol list means the whole package is vulnerable.
	if len(syms) == 0 && r.Status == ReachImported {
		r.Status = ReachCalled
	}
	if len(r.Symbols) > 0 {
		r.Status = ReachCalled
		slices.Sort(r.Symbols)
		r.Symbols = slices.Compact(r.Symbols)
	}
	return r
}

// builtFor reports whether an advisory's package applies to the binary's
// platform: its goos and goarch lists, when given, name the binary's.
func (b *goBinary) builtFor(imp vulndb.GoImport) bool {
	if b.goos != "" && len(imp.GOOS) > 0 && !slices.Contains(imp.GOOS, b.goos) {
		return false
	}
	if b.goarch != "" && len(imp.GOARCH) > 0 && !slices.Contains(imp.GOARCH, b.goarch) {
		return false
	}
	return true
}

// readGoBinary reads the function table of an ELF, Mach-O or PE Go binary.
func readGoBinary(path string) (*goBinary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return nil, err
	}
	var data []byte
	var text uint64
	switch {
	case string(magic[:]) == "\x7fELF":
		ef, err := elf.NewFile(f)
		if err != nil {
			return nil, err
		}
		sec := ef.Section(".gopclntab")
		if sec == nil {
			// PIE and external-linked binaries keep it in .data.rel.ro;
			// the runtime.pclntab symbol finds it there.
			data, err = symbolRange(ef)
			if err != nil {
				return nil, err
			}
		} else if data, err = sectionData(sec.Size, sec.Data); err != nil {
			return nil, err
		}
		if t := ef.Section(".text"); t != nil {
			text = t.Addr
		}
	case isMachO(magic):
		mf, err := macho.NewFile(f)
		if err != nil {
			return nil, err
		}
		sec := mf.Section("__gopclntab")
		if sec == nil {
			return nil, errors.New("no __gopclntab section")
		}
		if data, err = sectionData(sec.Size, sec.Data); err != nil {
			return nil, err
		}
		if t := mf.Section("__text"); t != nil {
			text = t.Addr
		}
	case string(magic[:2]) == "MZ":
		pf, err := pe.NewFile(f)
		if err != nil {
			return nil, err
		}
		data, err = pePclntab(pf)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errors.New("not an executable")
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(data, text))
	if err != nil {
		return nil, fmt.Errorf("%s: Go function table: %w", path, err)
	}
	b := &goBinary{funcs: map[string]bool{}, pkgs: map[string]bool{}}
	for _, fn := range tab.Funcs {
		pkg, sym := splitSymbol(fn.Name)
		if pkg == "" {
			continue
		}
		b.pkgs[pkg] = true
		b.funcs[pkg+"."+sym] = true
	}
	if len(b.funcs) == 0 {
		return nil, errors.New("empty Go function table")
	}
	if bi, err := buildinfo.ReadFile(path); err == nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "GOOS":
				b.goos = s.Value
			case "GOARCH":
				b.goarch = s.Value
			}
		}
	}
	return b, nil
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
		return nil, fmt.Errorf("function table of %d bytes is over the limit", size)
	}
	return read()
}

// symbolRange finds runtime.pclntab..runtime.epclntab through the symbol
// table, for ELF binaries without a .gopclntab section.
func symbolRange(ef *elf.File) ([]byte, error) {
	syms, err := ef.Symbols()
	if err != nil {
		return nil, errors.New("no .gopclntab section and no symbols")
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
		return nil, errors.New("no Go function table")
	}
	for _, sec := range ef.Sections {
		if sec.Addr <= start && end <= sec.Addr+sec.Size {
			data, err := sectionData(sec.Size, sec.Data)
			if err != nil {
				return nil, err
			}
			return data[start-sec.Addr : end-sec.Addr], nil
		}
	}
	return nil, errors.New("Go function table outside every section")
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
		return nil, errors.New("no Go function table (stripped PE binary)")
	}
	sec := pf.Sections[sect-1]
	data, err := sectionData(uint64(sec.Size), sec.Data)
	if err != nil {
		return nil, err
	}
	if int(end) > len(data) {
		return nil, errors.New("Go function table outside its section")
	}
	return data[start:end], nil
}

// splitSymbol turns a function name from the table into the Go
// vulnerability database's spelling: "net/http.(*Server).Serve" →
// ("net/http", "Server.Serve"); generic instantiations lose their type
// arguments ("pkg.Map[...]" → "Map"). The linker escapes dots in the last
// element of an import path ("gopkg.in/yaml%2ev3.Unmarshal"), so the first
// dot after the last slash ends the package path.
func splitSymbol(name string) (pkg, sym string) {
	slash := strings.LastIndexByte(name, '/')
	dot := strings.IndexByte(name[slash+1:], '.')
	if dot < 0 {
		return "", ""
	}
	dot += slash + 1
	pkg, sym = strings.ReplaceAll(name[:dot], "%2e", "."), name[dot+1:]
	sym = strings.NewReplacer("(*", "", "(", "", ")", "").Replace(sym)
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
