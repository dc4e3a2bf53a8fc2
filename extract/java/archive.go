package java

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/inventory"
)

const (
	// maxNestingDepth bounds archives within archives (an .ear holding a
	// .war holding .jar files is depth 2).
	maxNestingDepth = 4
	// maxEntries bounds the entries of one archive.
	maxEntries = 1 << 17
	// maxMetaSize bounds a pom.properties or MANIFEST.MF entry.
	maxMetaSize = 1 << 20
	// maxNestedSize bounds one nested archive read into memory.
	maxNestedSize = 256 << 20
	// maxTotalInflated bounds everything decompressed from one file.
	maxTotalInflated = 1 << 30
	// maxRatio bounds an entry's declared compression ratio; nested
	// archives are already compressed and sit near 1.
	maxRatio = 200
)

// Archive extracts Java archives: .jar, .war and .ear.
type Archive struct{}

// Name implements extract.Extractor.
func (Archive) Name() string { return "java/archive" }

// Claims implements extract.Extractor.
func (Archive) Claims(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() && mode != 0 {
		return false
	}
	return isArchiveName(p)
}

func isArchiveName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".jar", ".war", ".ear":
		return true
	}
	return false
}

// Extract implements extract.Extractor.
func (Archive) Extract(ctx context.Context, in *extract.Input) ([]inventory.Package, []inventory.Relationship, error) {
	ra, closeFn, err := in.OpenReaderAt()
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	size := int64(-1)
	if in.Info != nil {
		size = in.Info.Size()
	}
	if size < 0 {
		info, err := fs.Stat(in.FS, in.Path)
		if err != nil {
			return nil, nil, err
		}
		size = info.Size()
	}
	h := sha1.New()
	if _, err := io.Copy(h, io.NewSectionReader(ra, 0, size)); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", in.Path, err)
	}
	w := &archiveWalk{ctx: ctx, file: in.Path}
	if _, err := w.walk(ra, size, hex.EncodeToString(h.Sum(nil)), path.Base(in.Path), "", 0); err != nil {
		return nil, nil, err
	}
	return w.pkgs, w.rels, nil
}

type archiveWalk struct {
	ctx      context.Context
	file     string // the outer file, for errors
	inflated int64
	pkgs     []inventory.Package
	rels     []inventory.Relationship
}

// walk reads one archive (the outer file, or a nested one at nested) and
// returns the index of its own package, or -1.
func (w *archiveWalk) walk(ra io.ReaderAt, size int64, sha1hex, base, nested string, depth int) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return -1, err
	}
	where := w.file
	if nested != "" {
		where += "!" + nested
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return -1, fmt.Errorf("%s: not a readable ZIP archive: %w", where, err)
	}
	if len(zr.File) > maxEntries {
		return -1, fmt.Errorf("%s: %d entries, more than the %d allowed", where, len(zr.File), maxEntries)
	}
	var own []inventory.Package
	var manifest *zip.File
	var inner []*zip.File
	for _, f := range zr.File {
		switch {
		case isPOMProperties(f.Name):
			data, err := w.read(f, maxMetaSize, where)
			if err != nil {
				return -1, err
			}
			p, err := parsePOMProperties(data)
			if err != nil {
				return -1, fmt.Errorf("%s: %s: %w", where, f.Name, err)
			}
			own = append(own, p)
		case strings.EqualFold(f.Name, "META-INF/MANIFEST.MF"):
			manifest = f
		case depth < maxNestingDepth && isArchiveName(f.Name) && !f.FileInfo().IsDir():
			inner = append(inner, f)
		}
	}
	main := -1
	mainIdx := pickMain(own, base)
	switch {
	case len(own) == 0 && manifest != nil:
		data, err := w.read(manifest, maxMetaSize, where)
		if err != nil {
			return -1, err
		}
		if p, ok := manifestPackage(parseManifest(data)); ok {
			own = append(own, p)
			mainIdx = 0
		}
	case len(own) == 1 && manifest != nil && !namedAfter(own[0], base):
		// A lone pom.properties is usually the archive's own, but a jar
		// that shades one dependency carries only that dependency's
		// (Debian's guice.jar has cglib's and says Bundle-Version 4.2.3).
		// When the file is not named after it and the manifest names
		// another version, the manifest speaks for the archive and the
		// pom.properties for what was shaded into it.
		data, err := w.read(manifest, maxMetaSize, where)
		if err != nil {
			return -1, err
		}
		if p, ok := manifestPackage(parseManifest(data)); ok && !sameRelease(p.Version, own[0].Version) {
			p.SetProperty(propEvidence, "MANIFEST.MF (its only pom.properties is of a shaded dependency; lower confidence, no Maven coordinates)")
			own = append(own, p)
			mainIdx = 1
		}
	}
	for i, p := range own {
		if nested != "" {
			p.SetProperty(propNestedPath, nested)
		}
		if i == mainIdx {
			// The archive's digest identifies the artifact it was built as,
			// not the shaded copies inside it.
			p.Hashes = []inventory.Hash{{Algorithm: "SHA-1", Value: sha1hex}}
		}
		w.pkgs = append(w.pkgs, p)
		if i == mainIdx {
			main = len(w.pkgs) - 1
		}
	}
	for _, f := range inner {
		data, err := w.read(f, maxNestedSize, where)
		if err != nil {
			return -1, err
		}
		sum := sha1.Sum(data)
		child := f.Name
		if nested != "" {
			child = nested + "!/" + f.Name
		}
		ci, err := w.walk(bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:]), path.Base(f.Name), child, depth+1)
		if err != nil {
			return -1, err
		}
		if main >= 0 && ci >= 0 {
			w.rels = append(w.rels, inventory.Relationship{From: w.pkgs[main].PURL, To: w.pkgs[ci].PURL, Type: inventory.DependsOn})
		}
	}
	return main, nil
}

// read decompresses one entry within the size, ratio and total limits.
func (w *archiveWalk) read(f *zip.File, limit int64, where string) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s: %s: %d bytes, more than the %d allowed", where, f.Name, f.UncompressedSize64, limit)
	}
	if f.CompressedSize64 > 0 && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/f.CompressedSize64 > maxRatio {
		return nil, fmt.Errorf("%s: %s: compression ratio over %d:1, refusing a likely ZIP bomb", where, f.Name, maxRatio)
	}
	if w.inflated+int64(f.UncompressedSize64) > maxTotalInflated {
		return nil, fmt.Errorf("%s: more than %d bytes decompressed in total", where, maxTotalInflated)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", where, f.Name, err)
	}
	defer rc.Close()
	// The header's size is checked by archive/zip at EOF; the limit also
	// holds if the header lies.
	data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", where, f.Name, err)
	}
	if int64(len(data)) > int64(f.UncompressedSize64) {
		return nil, fmt.Errorf("%s: %s: more data than the header declares", where, f.Name)
	}
	w.inflated += int64(len(data))
	return data, nil
}

// isPOMProperties matches META-INF/maven/<groupId>/<artifactId>/pom.properties.
func isPOMProperties(name string) bool {
	parts := strings.Split(name, "/")
	return len(parts) == 5 && parts[0] == "META-INF" && parts[1] == "maven" && parts[4] == "pom.properties"
}

// parsePOMProperties reads the Java properties file Maven's archiver
// writes. Only the subset it writes is handled: key=value lines and
// comments; no escapes or continuation lines occur in coordinates.
func parsePOMProperties(data []byte) (inventory.Package, error) {
	props := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i < 0 {
			continue
		}
		props[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	g, a, v := props["groupId"], props["artifactId"], props["version"]
	for _, kv := range [][2]string{{"groupId", g}, {"artifactId", a}, {"version", v}} {
		if !validCoordinate(kv[1]) {
			return inventory.Package{}, fmt.Errorf("%s: want a value without spaces or ':', got %q", kv[0], kv[1])
		}
	}
	return mavenPackage(g, a, v, nil), nil
}

// pickMain chooses the package that describes the archive itself: the
// only one, or the one whose artifactId-version the file name starts with.
// Fat and shaded jars carry several.
func pickMain(pkgs []inventory.Package, base string) int {
	if len(pkgs) == 1 {
		return 0
	}
	for i, p := range pkgs {
		_, artifact, _ := strings.Cut(p.Name, ":")
		if p.Version != "" && strings.HasPrefix(base, artifact+"-"+p.Version) {
			return i
		}
	}
	return -1
}

// namedAfter reports whether an archive's file name starts with the
// package's artifactId, as Maven names what it builds
// (artifactId-version.jar) and distributions keep when they drop the
// version (commons-lang3.jar).
func namedAfter(p inventory.Package, base string) bool {
	_, artifact, _ := strings.Cut(p.Name, ":")
	return artifact != "" && strings.HasPrefix(base, artifact)
}

// sameRelease reports whether two spellings of a version name the same
// release: the leading dotted numbers agree once trailing zeros are
// dropped, as when an OSGi Bundle-Version (31.1.0.jre) restates a Maven
// version (31.1-jre). Versions without leading numbers must be equal.
func sameRelease(a, b string) bool {
	na, nb := releaseNumbers(a), releaseNumbers(b)
	if len(na) == 0 || len(nb) == 0 {
		return a == b
	}
	return slices.Equal(na, nb)
}

// releaseNumbers returns the leading dot-separated numbers of v, without
// leading zeros and with trailing zero components dropped.
func releaseNumbers(v string) []string {
	var nums []string
	for part := range strings.SplitSeq(v, ".") {
		n := 0
		for n < len(part) && part[n] >= '0' && part[n] <= '9' {
			n++
		}
		if n == 0 {
			break
		}
		if d := strings.TrimLeft(part[:n], "0"); d != "" {
			nums = append(nums, d)
		} else {
			nums = append(nums, "0")
		}
		if n < len(part) {
			break // "1-jre": the number ends the release
		}
	}
	for len(nums) > 1 && nums[len(nums)-1] == "0" {
		nums = nums[:len(nums)-1]
	}
	return nums
}

// parseManifest reads the main section of a JAR manifest
// (https://docs.oracle.com/en/java/javase/17/docs/specs/jar/jar.html):
// "Name: value" lines, continued on lines starting with one space, up to
// the first blank line.
func parseManifest(data []byte) map[string]string {
	attrs := map[string]string{}
	last := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			break
		}
		if strings.HasPrefix(line, " ") {
			if last != "" {
				attrs[last] += line[1:]
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = strings.TrimSpace(k)
		attrs[last] = strings.TrimSpace(v)
	}
	return attrs
}

// manifestPackage names an archive from its manifest when it has no
// pom.properties. The package is generic: the manifest has no Maven
// groupId, and a guessed one would match the wrong advisories.
func manifestPackage(attrs map[string]string) (inventory.Package, bool) {
	name, version := attrs["Bundle-SymbolicName"], attrs["Bundle-Version"]
	if name != "" {
		name, _, _ = strings.Cut(name, ";") // drop directives like ;singleton:=true
		name = strings.TrimSpace(name)
	}
	if name == "" || version == "" {
		name, version = attrs["Implementation-Title"], attrs["Implementation-Version"]
	}
	if name == "" || version == "" || strings.ContainsAny(name+version, "\r\n") {
		return inventory.Package{}, false
	}
	p := inventory.Package{
		Name:    name,
		Version: version,
		PURL:    inventory.PURL(inventory.Unknown, name, version, nil),
	}
	p.SetProperty(propEvidence, "MANIFEST.MF (no pom.properties; lower confidence, no Maven coordinates)")
	return p, true
}
