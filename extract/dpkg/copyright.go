package dpkg

import (
	"io/fs"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
)

// copyrightLicenses reads usr/share/doc/<name>/copyright and returns its
// license short names when it is a machine-readable copyright file
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/), or
// nil. Files in free-form text say nothing a machine can read reliably, and
// a file that does not parse gives no licenses rather than failing the
// inventory: it is documentation, not the database.
func copyrightLicenses(fsys fs.FS, name string) []string {
	if name == "" || strings.ContainsAny(name, "/\\") || name[0] == '.' {
		return nil
	}
	data, err := extract.ReadFile(fsys, "usr/share/doc/"+name+"/copyright", maxCopyright)
	if err != nil {
		return nil
	}
	return dep5Licenses(string(data))
}

// dep5Licenses returns the License short names of a DEP-5 file's header
// paragraph and Files paragraphs, in order of first appearance. Files
// paragraphs that cover only debian/* describe the packaging, not the
// software, and are left out. Stand-alone License paragraphs only give the
// text of licenses named elsewhere.
func dep5Licenses(s string) []string {
	var out []string
	first := true
	err := paragraphs(s, func(_ int, fields []field) error {
		header := first
		first = false
		var files, license string
		var hasFiles, isDEP5 bool
		for _, f := range fields {
			switch {
			case strings.EqualFold(f.name, "Files"):
				files, hasFiles = f.folded(), true
			case strings.EqualFold(f.name, "License"):
				license = f.firstLine()
			case header && strings.EqualFold(f.name, "Format"):
				v := f.firstLine()
				isDEP5 = strings.Contains(v, "copyright-format") || strings.Contains(v, "/dep5")
			}
		}
		if header && !isDEP5 {
			return errNotDEP5
		}
		if license == "" || (!header && !hasFiles) || (hasFiles && packagingOnly(files)) {
			return nil
		}
		for _, l := range out {
			if l == license {
				return nil
			}
		}
		out = append(out, license)
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}

var errNotDEP5 = &syntaxError{msg: "not a machine-readable copyright file"}

// packagingOnly reports whether every pattern of a Files field is under
// debian/.
func packagingOnly(files string) bool {
	pats := strings.Fields(files)
	if len(pats) == 0 {
		return false
	}
	for _, p := range pats {
		if !strings.HasPrefix(p, "debian/") {
			return false
		}
	}
	return true
}
