// Command scaling runs each parser of outside input at 1×, 4× and 16× an
// input size and flags any whose time grows worse than linearly: the time
// bombs of issue 15 (deep directories in an image, a docker archive with
// thousands of layers, SPDX <text> values) were all size-driven, and no
// fuzzer finds those. Inputs are generated here, deterministically; each
// size runs several times and the fastest run counts, so a busy machine
// makes the figures slower but not steeper.
//
//	go run ./bench/scaling [-run REGEXP] [-runs 3] [-scale 1]
//
// A case is flagged when 16× the input costs more than 16 × slack (2.5) the
// time of 1×, i.e. an exponent above about 1.33; the exit status is 1 when
// any case is flagged.
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"testing/fstest"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/registry"
	"github.com/hallmark-dev/hallmark/sbom"
	"github.com/hallmark-dev/hallmark/source/image"
	"github.com/hallmark-dev/hallmark/vulndb/osv"
)

const slack = 2.5

// A scaling case: gen builds an input of n units and returns the function
// that parses it once.
type scalingCase struct {
	name string
	unit string
	base int
	gen  func(n int, dir string) (run func() error, err error)
}

func main() {
	runRE := flag.String("run", "", "only cases whose name matches")
	runs := flag.Int("runs", 3, "runs per size; the fastest counts")
	scale := flag.Float64("scale", 1, "multiply every base size")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	re := regexp.MustCompile(*runRE)
	tmp, err := os.MkdirTemp("", "hallmark-scaling-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("%-26s %-12s %8s %10s %10s %10s %7s %5s  %s\n", "case", "unit", "1× n", "1×", "4×", "16×", "16×/1×", "exp", "verdict")
	bad := 0
	for _, c := range cases() {
		if !re.MatchString(c.name) {
			continue
		}
		base := int(math.Max(1, float64(c.base)**scale))
		var times [3]time.Duration
		var failed error
		for i, mult := range []int{1, 4, 16} {
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", strings.ReplaceAll(c.name, "/", "_"), mult))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				fatal(err)
			}
			run, err := c.gen(base*mult, dir)
			if err != nil {
				failed = fmt.Errorf("generate %d×: %w", mult, err)
				break
			}
			best := time.Duration(math.MaxInt64)
			for range *runs {
				start := time.Now()
				err := run()
				if d := time.Since(start); d < best {
					best = d
				}
				if err != nil {
					failed = fmt.Errorf("%d×: %w", mult, err)
				}
			}
			times[i] = best
			os.RemoveAll(dir)
			if failed != nil {
				break
			}
		}
		if failed != nil {
			fmt.Printf("%-26s %-12s %8d  error: %v\n", c.name, c.unit, base, failed)
			bad++
			continue
		}
		ratio := float64(times[2]) / float64(times[0])
		exp := math.Log(ratio) / math.Log(16)
		verdict := "linear"
		if ratio > 16*slack {
			verdict = "WORSE THAN LINEAR"
			bad++
		}
		fmt.Printf("%-26s %-12s %8d %10s %10s %10s %7.1f %5.2f  %s\n", c.name, c.unit, base,
			round(times[0]), round(times[1]), round(times[2]), ratio, exp, verdict)
	}
	if bad > 0 {
		fmt.Printf("%d case(s) worse than linear or failing\n", bad)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "scaling:", err)
	os.Exit(2)
}

// file makes a case that runs every extractor on one generated file, as
// `hallmark sbom FILE` does. A parse that skips the file is a failure: the
// benchmark must time the parse, not a quick refusal.
func file(path string, gen func(n int) []byte) func(int, string) (func() error, error) {
	return func(n int, _ string) (func() error, error) {
		data := gen(n)
		fsys := fstest.MapFS{path: &fstest.MapFile{Data: data, Mode: 0o644}}
		return func() error {
			inv, err := extract.Run(context.Background(), fsys, extract.Options{Extractors: registry.Default(), Only: []string{path}})
			if err != nil {
				return err
			}
			if len(inv.Skipped) > 0 {
				return fmt.Errorf("%s skipped: %s", inv.Skipped[0].Path, inv.Skipped[0].Reason)
			}
			if len(inv.Packages) == 0 {
				return fmt.Errorf("%s: no packages", path)
			}
			return nil
		}, nil
	}
}

// decode makes a case that decodes a generated SBOM, as `hallmark scan
// SBOM` and `sbom convert` do.
func decode(gen func(n int) []byte) func(int, string) (func() error, error) {
	return func(n int, _ string) (func() error, error) {
		data := gen(n)
		return func() error {
			inv, _, err := sbom.Decode(data)
			if err != nil {
				return err
			}
			if len(inv.Packages) == 0 {
				return fmt.Errorf("no packages")
			}
			return nil
		}, nil
	}
}

func cases() []scalingCase {
	return []scalingCase{
		{"npm/package-lock", "packages", 5000, file("package-lock.json", packageLock)},
		{"npm/yarn.lock", "packages", 5000, file("yarn.lock", yarnLock)},
		{"npm/pnpm-lock", "packages", 3000, file("pnpm-lock.yaml", pnpmLock)},
		{"npm/yarn-berry", "packages", 3000, file("yarn.lock", yarnBerry)},
		{"dotnet/packages.lock", "packages", 5000, file("packages.lock.json", dotnetLock)},
		{"go/go.mod", "modules", 5000, file("go.mod", goMod)},
		{"rust/Cargo.lock", "packages", 5000, file("Cargo.lock", cargoLock)},
		{"python/requirements", "lines", 10000, file("requirements.txt", requirements)},
		{"python/poetry.lock", "packages", 5000, file("poetry.lock", poetryLock)},
		{"ruby/Gemfile.lock", "gems", 5000, file("Gemfile.lock", gemfileLock)},
		{"php/composer.lock", "packages", 5000, file("composer.lock", composerLock)},
		{"java/pom.xml", "dependencies", 3000, file("pom.xml", pom)},
		{"dpkg/status", "packages", 3000, file("var/lib/dpkg/status", dpkgStatus)},
		{"apk/installed", "packages", 5000, file("lib/apk/db/installed", apkInstalled)},
		{"actions/workflow", "steps", 3000, file(".github/workflows/ci.yml", workflow)},
		{"sbom/cyclonedx-json", "components", 5000, decode(cyclonedxJSON)},
		{"sbom/spdx-json", "packages", 5000, decode(spdxJSON)},
		{"sbom/spdx-tag-value", "packages", 3000, decode(spdxTagValue)},
		{"sbom/spdx-tv-text", "lines of <text>", 20000, decode(spdxText)},
		{"osv/record", "range events", 5000, func(n int, _ string) (func() error, error) {
			data := osvRecord(n)
			return func() error { _, err := osv.ParseRecord(data); return err }, nil
		}},
		{"image/deep-dirs", "levels", 1000, deepImage},
		{"image/wide-dir", "files", 5000, wideImage},
		{"image/docker-layers", "layers", 100, manyLayers},
	}
}

func packageLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"name":"root","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"root","version":"1.0.0","dependencies":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":"^1.0.%d"`, i, i)
	}
	b.WriteString(`}}`)
	for i := range n {
		fmt.Fprintf(&b, `,"node_modules/p%d":{"version":"1.0.%d","resolved":"https://registry.npmjs.org/p%d/-/p%d-1.0.%d.tgz","integrity":"sha512-AAAA%d==","dependencies":{"p%d":"^1.0.0"}}`, i, i, i, i, i, i, (i+1)%n)
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

func yarnLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n")
	for i := range n {
		fmt.Fprintf(&b, "p%d@^1.0.%d:\n  version \"1.0.%d\"\n  resolved \"https://registry.yarnpkg.com/p%d/-/p%d-1.0.%d.tgz#abc\"\n  integrity sha512-AAAA%d==\n  dependencies:\n    p%d \"^1.0.%d\"\n\n", i, i, i, i, i, i, i, (i+1)%n, (i+1)%n)
	}
	return b.Bytes()
}

func pnpmLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n")
	for i := range n {
		fmt.Fprintf(&b, "      p%d:\n        specifier: ^1.0.%d\n        version: 1.0.%d\n", i, i, i)
	}
	b.WriteString("\npackages:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "  p%d@1.0.%d:\n    resolution: {integrity: sha512-AAAA%d==}\n\n", i, i, i)
	}
	b.WriteString("snapshots:\n\n")
	for i := range n {
		fmt.Fprintf(&b, "  p%d@1.0.%d:\n    dependencies:\n      p%d: 1.0.%d\n\n", i, i, (i+1)%n, (i+1)%n)
	}
	return b.Bytes()
}

func goMod(n int) []byte {
	var b bytes.Buffer
	b.WriteString("module example.com/root\n\ngo 1.22\n\nrequire (\n")
	for i := range n {
		fmt.Fprintf(&b, "\tgithub.com/org%d/mod%d v1.%d.0\n", i%97, i, i%13)
	}
	b.WriteString(")\n\nreplace github.com/org0/mod0 v1.0.0 => github.com/fork/mod0 v1.0.1\n")
	return b.Bytes()
}

func cargoLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# This file is automatically @generated by Cargo.\nversion = 3\n\n")
	for i := range n {
		fmt.Fprintf(&b, "[[package]]\nname = \"p%d\"\nversion = \"1.0.%d\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"%064x\"\n", i, i, i)
		if i > 0 {
			fmt.Fprintf(&b, "dependencies = [\n \"p%d\",\n]\n", i-1)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func requirements(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "p%d==1.0.%d --hash=sha256:%064x\n", i, i, i)
	}
	return b.Bytes()
}

func poetryLock(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "[[package]]\nname = \"p%d\"\nversion = \"1.0.%d\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "[package.dependencies]\np%d = \"*\"\n\n", i-1)
		}
	}
	b.WriteString("[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.8\"\ncontent-hash = \"abc\"\n")
	return b.Bytes()
}

func gemfileLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("GEM\n  remote: https://rubygems.org/\n  specs:\n")
	for i := range n {
		fmt.Fprintf(&b, "    p%d (1.0.%d)\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "      p%d (>= 0)\n", i-1)
		}
	}
	b.WriteString("\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n")
	for i := range n {
		fmt.Fprintf(&b, "  p%d\n", i)
	}
	b.WriteString("\nBUNDLED WITH\n   2.4.10\n")
	return b.Bytes()
}

func composerLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"content-hash":"x","packages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"vendor/p%d","version":"1.0.%d","require":{"vendor/p%d":"^1.0"}}`, i, i, (i+1)%n)
	}
	b.WriteString(`],"packages-dev":[]}`)
	return b.Bytes()
}

func pom(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n<modelVersion>4.0.0</modelVersion>\n<groupId>g</groupId><artifactId>root</artifactId><version>1.0</version>\n<properties>\n")
	for i := range n {
		fmt.Fprintf(&b, "<v%d>1.0.%d</v%d>\n", i, i, i)
	}
	b.WriteString("</properties>\n<dependencies>\n")
	for i := range n {
		fmt.Fprintf(&b, "<dependency><groupId>org.example</groupId><artifactId>p%d</artifactId><version>${v%d}</version></dependency>\n", i, i)
	}
	b.WriteString("</dependencies>\n</project>\n")
	return b.Bytes()
}

func dpkgStatus(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "Package: p%d\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0.%d-1\nSource: src%d\n", i, i, i/3)
		if i > 0 {
			fmt.Fprintf(&b, "Depends: p%d (>= 1.0)\n", i-1)
		}
		b.WriteString("Description: generated\n a package\n\n")
	}
	return b.Bytes()
}

func apkInstalled(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		sum := sha1.Sum([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		fmt.Fprintf(&b, "C:Q1%s\nP:p%d\nV:1.0.%d-r0\nA:x86_64\nL:MIT\no:origin%d\n", base64.StdEncoding.EncodeToString(sum[:]), i, i, i/3)
		if i > 0 {
			fmt.Fprintf(&b, "D:p%d\n", i-1)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func workflow(n int) []byte {
	var b bytes.Buffer
	b.WriteString("name: ci\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - uses: org%d/action%d@v%d\n        with:\n          x: \"%d\"\n", i%50, i, i%7, i)
	}
	return b.Bytes()
}

func cyclonedxJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"root","bom-ref":"root"}},"components":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"library","bom-ref":"pkg:npm/p%d@1.0.%d","name":"p%d","version":"1.0.%d","purl":"pkg:npm/p%d@1.0.%d"}`, i, i, i, i, i, i)
	}
	b.WriteString(`],"dependencies":[{"ref":"root","dependsOn":["pkg:npm/p0@1.0.0"]}`)
	for i := range n - 1 {
		fmt.Fprintf(&b, `,{"ref":"pkg:npm/p%d@1.0.%d","dependsOn":["pkg:npm/p%d@1.0.%d"]}`, i, i, i+1, i+1)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func spdxJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"root","documentNamespace":"https://example.com/root","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: gen"]},"packages":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"SPDXID":"SPDXRef-p%d","name":"p%d","versionInfo":"1.0.%d","downloadLocation":"NOASSERTION","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:npm/p%d@1.0.%d"}]}`, i, i, i, i, i)
	}
	b.WriteString(`],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relatedSpdxElement":"SPDXRef-p0","relationshipType":"DESCRIBES"}`)
	for i := range n - 1 {
		fmt.Fprintf(&b, `,{"spdxElementId":"SPDXRef-p%d","relatedSpdxElement":"SPDXRef-p%d","relationshipType":"DEPENDS_ON"}`, i, i+1)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

const spdxTVHeader = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: root\nDocumentNamespace: https://example.com/root\nCreator: Tool: gen\nCreated: 2026-01-01T00:00:00Z\n\n"

func spdxTagValue(n int) []byte {
	var b bytes.Buffer
	b.WriteString(spdxTVHeader)
	for i := range n {
		fmt.Fprintf(&b, "PackageName: p%d\nSPDXID: SPDXRef-p%d\nPackageVersion: 1.0.%d\nPackageDownloadLocation: NOASSERTION\nExternalRef: PACKAGE-MANAGER purl pkg:npm/p%d@1.0.%d\n\n", i, i, i, i, i)
	}
	for i := range n - 1 {
		fmt.Fprintf(&b, "Relationship: SPDXRef-p%d DEPENDS_ON SPDXRef-p%d\n", i, i+1)
	}
	return b.Bytes()
}

// spdxText is one package whose comment is a <text> value of n lines
// (issue 15 item 9: tools-golang appended line by line to a string).
func spdxText(n int) []byte {
	var b bytes.Buffer
	b.WriteString(spdxTVHeader)
	b.WriteString("PackageName: p\nSPDXID: SPDXRef-p\nPackageVersion: 1.0.0\nPackageDownloadLocation: NOASSERTION\nExternalRef: PACKAGE-MANAGER purl pkg:npm/p@1.0.0\nPackageComment: <text>")
	for i := range n {
		fmt.Fprintf(&b, "line %d of a long comment, about fifty bytes long\n", i)
	}
	b.WriteString("</text>\n")
	return b.Bytes()
}

func osvRecord(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"schema_version":"1.6.0","id":"PYSEC-0000-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"p"},"ranges":[{"type":"ECOSYSTEM","events":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"introduced":"%d.0"},{"fixed":"%d.1"}`, i, i)
	}
	b.WriteString(`]}],"versions":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d.0"`, i)
	}
	b.WriteString(`]}]}`)
	return b.Bytes()
}

// deepImage: one file under n nested directories (issue 15 item 7), and
// the same at the top: past 2,047 levels the deep one's path is over
// PATH_MAX, so it is skipped and reported, and the package count stays 1.
func deepImage(n int, dir string) (func() error, error) {
	p := strings.Repeat("d/", n) + "requirements.txt"
	layer, err := layerOf([]tarFile{{name: "requirements.txt", body: "jinja2==2.4.0\n"}, {name: p, body: "jinja2==2.4.0\n"}})
	if err != nil {
		return nil, err
	}
	return imageCase(dir, []v1.Layer{layer}, 1)
}

// wideImage: n files in one directory.
func wideImage(n int, dir string) (func() error, error) {
	files := make([]tarFile, n)
	for i := range files {
		files[i] = tarFile{name: fmt.Sprintf("app/f%06d.txt", i), body: "x"}
	}
	files = append(files, tarFile{name: "app/requirements.txt", body: "jinja2==2.4.0\n"})
	layer, err := layerOf(files)
	if err != nil {
		return nil, err
	}
	return imageCase(dir, []v1.Layer{layer}, 1)
}

// manyLayers: a docker archive of n layers (issue 15 item 8).
func manyLayers(n int, dir string) (func() error, error) {
	layers := make([]v1.Layer, n)
	for i := range layers {
		l, err := layerOf([]tarFile{{name: fmt.Sprintf("l%d/requirements.txt", i), body: fmt.Sprintf("p%d==1.0\n", i)}})
		if err != nil {
			return nil, err
		}
		layers[i] = l
	}
	return imageCase(dir, layers, n)
}

type tarFile struct{ name, body string }

func layerOf(files []tarFile) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// imageCase writes the layers as a docker archive and returns a run that
// opens it and inventories it, as `hallmark sbom docker-archive:FILE`
// does, checking that it found want packages.
func imageCase(dir string, layers []v1.Layer, want int) (func() error, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "image.tar")
	tag, _ := name.NewTag("scaling.example/img:latest")
	if err := tarball.WriteToFile(file, tag, img); err != nil {
		return nil, err
	}
	return func() error {
		exs := registry.Default()
		ctx := context.Background()
		im, err := image.Open(ctx, "docker-archive", file, image.Options{Want: extract.Wanted(exs), TempDir: dir})
		if err != nil {
			return err
		}
		defer im.Close()
		inv, err := extract.Run(ctx, im.FS(), extract.Options{Extractors: exs})
		if err != nil {
			return err
		}
		if len(inv.Packages) != want {
			return fmt.Errorf("%d packages, want %d", len(inv.Packages), want)
		}
		return nil
	}, nil
}

func yarnBerry(n int) []byte {
	var b bytes.Buffer
	b.WriteString("# This file is generated by running \"yarn install\" inside your project.\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  dependencies:\n")
	for i := range n {
		fmt.Fprintf(&b, "    p%d: \"npm:^1.0.%d\"\n", i, i)
	}
	b.WriteString("  languageName: unknown\n  linkType: soft\n\n")
	for i := range n {
		fmt.Fprintf(&b, "\"p%d@npm:^1.0.%d\":\n  version: 1.0.%d\n  resolution: \"p%d@npm:1.0.%d\"\n  dependencies:\n    p%d: \"npm:^1.0.%d\"\n  checksum: 10c0/%064x\n  languageName: node\n  linkType: hard\n\n", i, i, i, i, i, (i+1)%n, (i+1)%n, i)
	}
	return b.Bytes()
}

func dotnetLock(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": 1,\n  \"dependencies\": {\n    \"net8.0\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "      \"P%d\": {\n        \"type\": \"Direct\",\n        \"requested\": \"[1.0.%d, )\",\n        \"resolved\": \"1.0.%d\",\n        \"contentHash\": \"%s\"\n      }", i, i, i, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i)}, 64)))
	}
	b.WriteString("\n    }\n  }\n}\n")
	return b.Bytes()
}
