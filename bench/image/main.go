// Command image compares `hallmark sbom IMAGE` with syft and trivy on the
// same container image tarballs in one run: wall time, CPU time, peak RSS,
// the packages each finds (files and the OS itself are not packages) and
// the packages one found and another did not, by purl type.
//
// Inputs (DESIGN.md §6: real inputs, made at benchmark time):
//   - minbase: a Debian 12 image made with debootstrap --variant=minbase by
//     .ci/debian-image.sh (one gzip layer, about 100 MB), as .ci/run builds
//     it for the tests;
//   - global: that image plus one layer of what multi leaves to
//     lockfiles and requirements files, without them: npm packages
//     installed with `npm install -g` (a global node_modules has no
//     lockfile) and Python distributions from Debian's packages unpacked
//     with dpkg-deb -x (dist-info and egg-info, no requirements.txt);
//   - multi: that image plus four layers the benchmark builds with
//     go-containerregistry: an npm project installed with `npm install
//     --ignore-scripts` (node_modules and package-lock.json); two Go
//     binaries (crane and govulncheck from the peer tools); Python and Java
//     libraries from Debian's packages unpacked with dpkg-deb -x but not
//     registered with dpkg (as a COPY of a site-packages directory leaves
//     them) beside a requirements.txt; and a layer of whiteouts that deletes
//     govulncheck and one Python package again.
//
// Run it from the repository root: `go run ./bench/image`. syft and trivy
// come from ~/.cache/hallmark-peers (.ci/peers.sh; trivy v0.74.0 needs
// GOEXPERIMENT=jsonv2 to build with go1.26); a peer that is missing is left
// out and said so.
package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/bench/internal/measure"
	"github.com/hallmark-dev/hallmark/bench/internal/pkgset"
	"github.com/hallmark-dev/hallmark/bench/internal/setup"
)

var (
	workDir = flag.String("dir", "bench/_out/image", "where inputs and outputs go")
	runs    = flag.Int("runs", 3, "runs per tool per input; the fastest wall time and the smallest CPU time count")
	only    = flag.String("only", "", "comma-separated input names to run (minbase,global,multi)")
)

// npmPackages make a realistic service's node_modules: about 300 packages,
// one with platform-specific optional dependencies (esbuild).
var npmPackages = []string{"express@4.21.2", "react@18.3.1", "react-dom@18.3.1", "lodash@4.17.21", "axios@1.7.9", "typescript@5.7.3", "esbuild@0.24.2", "webpack@5.97.1"}

// debPackages are unpacked into the "python+java" layer without dpkg
// registering them: installed Python distributions (egg-info) and a jar.
var debPackages = []string{"python3-requests", "python3-urllib3", "python3-idna", "python3-certifi", "python3-chardet", "libcommons-lang3-java"}

// globalNpm are installed with `npm install -g`: no lockfile, nested
// duplicate versions and scoped packages.
var globalNpm = []string{"typescript@5.7.3", "nodemon@3.1.9", "eslint@9.17.0"}

// globalDebs are Python distributions unpacked without dpkg and without a
// requirements file: flask and its dependencies.
var globalDebs = []string{"python3-flask", "python3-jinja2", "python3-werkzeug", "python3-click", "python3-itsdangerous", "python3-markupsafe", "python3-blinker"}

// requirements pins what the Python layer holds, as a project would.
const requirements = `# the API's runtime dependencies
requests==2.28.1
urllib3==1.26.12
idna==3.3
certifi==2022.9.24
`

type tool struct {
	name string
	argv func(image, out string) []string
	env  []string
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	dir, err := filepath.Abs(*workDir)
	check(err)
	check(os.MkdirAll(dir, 0o755))
	peers := cmp.Or(os.Getenv("HALLMARK_PEERS"), filepath.Join(os.Getenv("HOME"), ".cache/hallmark-peers"))

	hallmark := filepath.Join(dir, "hallmark")
	check(setup.Run("", "go", "build", "-o", hallmark, "./cmd/hallmark"))
	tools := []tool{{
		name: "hallmark",
		argv: func(img, out string) []string { return []string{hallmark, "sbom", "-q", img, "--file", out} },
		env:  []string{"SOURCE_DATE_EPOCH=0"},
	}}
	if syft := filepath.Join(peers, "syft"); exists(syft) {
		tools = append(tools, tool{
			name: "syft",
			argv: func(img, out string) []string {
				return []string{syft, "docker-archive:" + img, "-q", "-o", "cyclonedx-json=" + out}
			},
			env: []string{"SYFT_CHECK_FOR_APP_UPDATE=false"},
		})
	} else {
		log.Printf("syft not found at %s: left out (source .ci/peers.sh)", syft)
	}
	if trivy := filepath.Join(peers, "trivy"); exists(trivy) {
		cache := filepath.Join(dir, "trivy-cache")
		tools = append(tools, tool{
			name: "trivy",
			// --format cyclonedx alone turns security scanning off (trivy
			// says so), so no vulnerability or Java index database is
			// downloaded or needed; an in-memory layer cache keeps one run
			// from reusing another's analysis. Jars are skipped: trivy
			// refuses to read one without its Java index database, which
			// comes from a registry this machine cannot reach.
			argv: func(img, out string) []string {
				return []string{trivy, "image", "--input", img, "--format", "cyclonedx", "--output", out,
					"--skip-db-update", "--skip-java-db-update", "--offline-scan", "--skip-dirs", "/usr/share/java",
					"--skip-version-check", "--disable-telemetry", "--cache-backend", "memory", "--cache-dir", cache, "--quiet"}
			},
		})
	} else {
		log.Printf("trivy not found at %s: left out (GOEXPERIMENT=jsonv2 go install github.com/aquasecurity/trivy/cmd/trivy@v0.74.0)", trivy)
	}

	minbase := cmp.Or(os.Getenv("HALLMARK_DEBIAN_IMAGE"), filepath.Join(os.Getenv("HOME"), ".cache/hallmark-ci/debian-bookworm-minbase.tar"))
	if !exists(minbase) {
		log.Fatalf("%s is missing: build it with `bash -c '. .ci/peers.sh && . .ci/debian-image.sh'`", minbase)
	}
	inputs := []struct {
		name, file string
		make       func() error
	}{
		{"minbase", minbase, nil},
		{"global", filepath.Join(dir, "global.tar"), func() error { return makeGlobal(dir, minbase) }},
		{"multi", filepath.Join(dir, "multi.tar"), func() error { return makeMulti(dir, minbase, peers) }},
	}

	load0 := cmp.Or(measure.LoadAvg(), "?")
	start := time.Now()
	type row struct {
		input, tool string
		r           measure.Result
		pkgs        map[string]bool
	}
	var rows []row
	for _, in := range inputs {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), in.name) {
			continue
		}
		if in.make != nil && !exists(in.file) {
			check(in.make())
		}
		for _, t := range tools {
			out := filepath.Join(dir, in.name+"."+t.name+".cdx.json")
			os.Remove(out)
			r, err := measure.Best(*runs, t.env, dir, t.argv(in.file, out)...)
			check(err)
			if r.Exit != 0 || !exists(out) {
				log.Fatalf("%s on %s: exit %d, no SBOM written", t.name, in.name, r.Exit)
			}
			rows = append(rows, row{in.name, t.name, r, packages(out)})
		}
	}
	fmt.Printf("%s, %s, load average %s at the start and %s at the end (%s)\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS+"/"+runtime.GOARCH, load0, cmp.Or(measure.LoadAvg(), "?"), time.Since(start).Round(time.Second))
	fmt.Printf("| input | tool | wall | CPU (user+sys) | peak RSS | packages | by type | wall / hallmark | CPU / hallmark | RSS / hallmark |\n|---|---|---|---|---|---|---|---|---|---|\n")
	var base row
	for _, r := range rows {
		if r.tool == "hallmark" {
			base = r
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %d | %s | %.1f× | %.1f× | %.1f× |\n", r.input, r.tool, measure.Ms(r.r.Wall), measure.Ms(r.r.CPU), measure.MiB(r.r.MaxRSS),
			len(r.pkgs), byType(r.pkgs), float64(r.r.Wall)/float64(base.r.Wall), float64(r.r.CPU)/float64(base.r.CPU), float64(r.r.MaxRSS)/float64(base.r.MaxRSS))
	}
	fmt.Println()
	for _, r := range rows {
		if r.tool == "hallmark" {
			base = r
			continue
		}
		onlyH, onlyP := pkgset.Diff(base.pkgs, r.pkgs), pkgset.Diff(r.pkgs, base.pkgs)
		check(pkgset.WriteLines(filepath.Join(dir, r.input+".only-hallmark-vs-"+r.tool+".txt"), onlyH))
		check(pkgset.WriteLines(filepath.Join(dir, r.input+".only-"+r.tool+".txt"), onlyP))
		fmt.Printf("%s: only hallmark %d %s, only %s %d %s\n", r.input, len(onlyH), byTypeList(onlyH), r.tool, len(onlyP), byTypeList(onlyP))
	}
	fmt.Printf("\nThe package-set differences are listed in %s/*.only-*.txt\n", dir)
}

// packages reads a CycloneDX JSON SBOM and returns the identities of the
// components that are packages: type/namespace/name@version from the purl,
// decoded, so that tools that encode versions differently (%2B or +) or add
// different qualifiers compare equal (see identity for the rest). syft lists every file it
// looked at as a component of type file, without a purl: those drop out,
// as do the operating system itself and the image's own component.
func packages(file string) map[string]bool {
	out, err := pkgset.Read(file, func(c pkgset.Component) (string, bool) {
		if c.Type == "file" || c.Type == "operating-system" || c.Type == "container" {
			return "", false
		}
		return identity(c.PURL)
	})
	check(err)
	return out
}

func identity(purl string) (string, bool) {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return "", false
	}
	if p.Type == "oci" || p.Type == "docker" {
		return "", false // the image itself
	}
	nameS, version := p.Name, p.Version
	if p.Type == packageurl.TypePyPi {
		nameS = strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(nameS))
	}
	// Spellings that differ between the tools for the same package:
	// trivy moves a Debian epoch to an epoch qualifier (hallmark and syft
	// keep it in the version, 1:1.2.13.dfsg-1) and writes Go's standard
	// library as stdlib@v1.23.1.
	if e := p.Qualifiers.Map()["epoch"]; e != "" && e != "0" && !strings.Contains(version, ":") {
		version = e + ":" + version
	}
	if p.Type == packageurl.TypeGolang && p.Namespace == "" && nameS == "stdlib" {
		version = strings.TrimPrefix(version, "v")
	}
	ns := ""
	if p.Namespace != "" {
		ns = p.Namespace + "/"
	}
	return p.Type + "/" + ns + nameS + "@" + version, true
}

func byType(pkgs map[string]bool) string {
	var ids []string
	for k := range pkgs {
		ids = append(ids, k)
	}
	return byTypeList(ids)
}

func byTypeList(ids []string) string {
	n := map[string]int{}
	for _, id := range ids {
		n[id[:strings.Index(id, "/")]]++
	}
	var parts []string
	for t, c := range n {
		parts = append(parts, fmt.Sprintf("%s %d", t, c))
	}
	slices.Sort(parts)
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// makeMulti builds the multi-layer image on top of minbase and writes it
// as a docker save tarball.
func makeMulti(dir, minbase, peers string) error {
	stage := filepath.Join(dir, "layers")
	check(os.RemoveAll(stage))

	// 1. an npm project, installed as a Dockerfile's `RUN npm install` would
	app := filepath.Join(stage, "npm/app")
	check(os.MkdirAll(app, 0o755))
	check(os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"name":"bench-service","version":"1.0.0","private":true}`+"\n"), 0o644))
	if err := setup.Run(app, "npm", append([]string{"install", "--ignore-scripts", "--no-audit", "--no-fund"}, npmPackages...)...); err != nil {
		return err
	}

	// 2. Go binaries
	bin := filepath.Join(stage, "go/usr/local/bin")
	check(os.MkdirAll(bin, 0o755))
	for _, b := range []string{"crane", "govulncheck"} {
		if err := copyFile(filepath.Join(peers, b), filepath.Join(bin, b), 0o755); err != nil {
			return fmt.Errorf("%s (install it with .ci/peers.sh): %w", b, err)
		}
	}

	// 3. Python and Java libraries, from Debian's packages but not
	// registered with dpkg, and the requirements.txt that names them
	debs := filepath.Join(dir, "debs")
	check(os.MkdirAll(debs, 0o755))
	if err := setup.Run(debs, "apt-get", append([]string{"download", "-q"}, debPackages...)...); err != nil {
		return fmt.Errorf("%w (run apt-get update first)", err)
	}
	lib := filepath.Join(stage, "libs")
	files, _ := filepath.Glob(filepath.Join(debs, "*.deb"))
	for _, f := range files {
		if err := setup.Run("", "dpkg-deb", "-x", f, lib); err != nil {
			return err
		}
	}
	check(os.MkdirAll(filepath.Join(lib, "srv/api"), 0o755))
	check(os.WriteFile(filepath.Join(lib, "srv/api/requirements.txt"), []byte(requirements), 0o644))

	// 4. whiteouts: govulncheck and python3-chardet are deleted again
	layers := []v1.Layer{layerFromDir(filepath.Join(stage, "npm")), layerFromDir(filepath.Join(stage, "go")), layerFromDir(lib)}
	egg, _ := filepath.Glob(filepath.Join(lib, "usr/lib/python3/dist-packages/chardet-*"))
	if len(egg) != 1 {
		return fmt.Errorf("python3-chardet's egg-info not found in %s", lib)
	}
	layers = append(layers, layerFromEntries(
		whiteout("usr/local/bin/govulncheck"),
		whiteout("usr/lib/python3/dist-packages/chardet"),
		whiteout("usr/lib/python3/dist-packages/"+filepath.Base(egg[0])),
	))

	return writeImage(minbase, filepath.Join(dir, "multi.tar"), "example.local/bench-multi:1", layers...)
}

// makeGlobal builds the global image on top of minbase: npm packages
// installed globally and Python distributions unpacked from Debian's
// packages, with no lockfile or requirements file naming them.
func makeGlobal(dir, minbase string) error {
	stage := filepath.Join(dir, "layers-global")
	check(os.RemoveAll(stage))
	check(os.MkdirAll(filepath.Join(stage, "usr/local"), 0o755))
	if err := setup.Run("", "npm", append([]string{"install", "-g", "--prefix", filepath.Join(stage, "usr/local"), "--ignore-scripts", "--no-audit", "--no-fund"}, globalNpm...)...); err != nil {
		return err
	}
	debs := filepath.Join(dir, "debs-global")
	check(os.MkdirAll(debs, 0o755))
	if err := setup.Run(debs, "apt-get", append([]string{"download", "-q"}, globalDebs...)...); err != nil {
		return fmt.Errorf("%w (run apt-get update first)", err)
	}
	files, _ := filepath.Glob(filepath.Join(debs, "*.deb"))
	for _, f := range files {
		if err := setup.Run("", "dpkg-deb", "-x", f, stage); err != nil {
			return err
		}
	}
	return writeImage(minbase, filepath.Join(dir, "global.tar"), "example.local/bench-global:1", layerFromDir(stage))
}

// writeImage appends layers to the minbase image and writes it as a docker
// save tarball.
func writeImage(minbase, out, ref string, layers ...v1.Layer) error {
	base, err := tarball.ImageFromPath(minbase, nil)
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(base, layers...)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(out+".tmp", tag, img); err != nil {
		return err
	}
	return os.Rename(out+".tmp", out)
}

type entry struct {
	hdr  *tar.Header
	body []byte
}

func whiteout(p string) entry {
	d, b := filepath.Split(p)
	return entry{hdr: &tar.Header{Name: d + ".wh." + b, Typeflag: tar.TypeReg, Mode: 0o600, ModTime: time.Unix(0, 0)}}
}

func layerFromEntries(es ...entry) v1.Layer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		e.hdr.Size = int64(len(e.body))
		check(tw.WriteHeader(e.hdr))
		_, err := tw.Write(e.body)
		check(err)
	}
	check(tw.Close())
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	check(err)
	return l
}

// layerFromDir makes a gzip layer of the tree under root, as a Dockerfile
// COPY of it to / would: directories, regular files and symbolic links, with
// their modes, owned by root.
func layerFromDir(root string) v1.Layer {
	tarFile := root + ".tar"
	f, err := os.Create(tarFile)
	check(err)
	tw := tar.NewWriter(f)
	check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		hdr.Name = filepath.ToSlash(rel)
		if d.IsDir() {
			hdr.Name += "/"
		}
		hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "root", "root"
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			if _, err := io.Copy(tw, src); err != nil {
				return err
			}
		}
		return nil
	}))
	check(tw.Close())
	check(f.Close())
	l, err := tarball.LayerFromFile(tarFile)
	check(err)
	return l
}

func copyFile(src, dst string, mode fs.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, mode)
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
