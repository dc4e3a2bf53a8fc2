// Command sbom compares `hallmark sbom` with syft on the same real inputs in
// one run: wall time, peak RSS, the ratio, package counts and the packages
// one tool found and the other did not.
//
// Inputs are made at benchmark time from the registries (DESIGN.md §6):
// an npm project resolved with `npm install --package-lock-only`, a Go
// module's go.mod/go.sum from the module proxy, a Go binary (syft itself),
// this machine's dpkg database, and the Go module cache those downloads
// filled (a big mixed tree). Run it with `go run ./bench/sbom` from the
// repository root; syft is installed by .ci/peers.sh.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hallmark-dev/hallmark/bench/internal/measure"
)

var (
	workDir = flag.String("dir", "bench/out/sbom", "where inputs and outputs go")
	runs    = flag.Int("runs", 3, "runs per tool per input; the fastest counts")
	only    = flag.String("only", "", "comma-separated input names to run (npm,gomod,gobinary,dpkg,modcache)")
)

// goModule is the real module whose go.mod/go.sum and dependency downloads
// serve as inputs: syft itself, with several hundred dependencies.
const goModule = "github.com/anchore/syft@v1.57.0"

// npmPackages resolve to about 2,300 packages.
var npmPackages = []string{"webpack@5", "jest@29", "eslint@8", "@angular/cli@17", "typescript@5", "next@14", "react@18", "react-dom@18", "express@4", "@babel/core@7", "react-scripts@5", "gatsby@5", "@nestjs/cli@10"}

type input struct {
	name   string
	path   string // what hallmark gets
	syft   string // what syft gets
	needIn func() error
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	dir, err := filepath.Abs(*workDir)
	check(err)
	check(os.MkdirAll(dir, 0o755))
	peers := cmp.Or(os.Getenv("HALLMARK_PEERS"), filepath.Join(os.Getenv("HOME"), ".cache/hallmark-peers"))
	syft := filepath.Join(peers, "syft")
	if _, err := os.Stat(syft); err != nil {
		log.Fatalf("syft not found at %s: run `source .ci/peers.sh && peer_install syft github.com/anchore/syft/cmd/syft@v1.57.0`", syft)
	}
	hallmark := filepath.Join(dir, "hallmark")
	run("go", "build", "-o", hallmark, "./cmd/hallmark")

	inputs := []input{
		{name: "npm", path: filepath.Join(dir, "npm/package-lock.json"), needIn: func() error { return makeNPM(filepath.Join(dir, "npm")) }},
		{name: "gomod", path: filepath.Join(dir, "gomod"), needIn: func() error { return makeGoMod(filepath.Join(dir, "gomod")) }},
		{name: "gobinary", path: syft},
		{name: "dpkg", path: filepath.Join(dir, "dpkg"), needIn: func() error { return makeDpkg(filepath.Join(dir, "dpkg")) }},
		{name: "modcache", path: filepath.Join(dir, "modcache"), needIn: func() error { return makeModCache(dir) }},
	}
	fmt.Printf("%-9s %10s %10s %7s %9s %9s %6s %6s %6s %6s\n", "input", "hallmark", "syft", "ratio", "h RSS", "syft RSS", "h pkgs", "s pkgs", "only h", "only s")
	for _, in := range inputs {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), in.name) {
			continue
		}
		if in.needIn != nil {
			check(in.needIn())
		}
		scheme := "dir:"
		if st, err := os.Stat(in.path); err == nil && !st.IsDir() {
			scheme = "file:"
		}
		hOut := filepath.Join(dir, in.name+".hallmark.cdx.json")
		sOut := filepath.Join(dir, in.name+".syft.cdx.json")
		h, err := measure.Best(*runs, []string{"SOURCE_DATE_EPOCH=0"}, "", hallmark, "sbom", "-q", in.path, "--output", hOut)
		check(err)
		s, err := measure.Best(*runs, []string{"SYFT_CHECK_FOR_APP_UPDATE=false"}, "", syft, scheme+in.path, "-q", "-o", "cyclonedx-json="+sOut)
		check(err)
		hp, sp := purls(hOut), purls(sOut)
		onlyH, onlyS := diff(hp, sp), diff(sp, hp)
		fmt.Printf("%-9s %10s %10s %6.1fx %9s %9s %6d %6d %6d %6d\n", in.name, measure.Ms(h.Wall), measure.Ms(s.Wall),
			float64(s.Wall)/float64(h.Wall), measure.MiB(h.MaxRSS), measure.MiB(s.MaxRSS), len(hp), len(sp), len(onlyH), len(onlyS))
		writeLines(filepath.Join(dir, in.name+".only-hallmark.txt"), onlyH)
		writeLines(filepath.Join(dir, in.name+".only-syft.txt"), onlyS)
	}
	fmt.Printf("\nPackage-set differences are listed in %s/*.only-{hallmark,syft}.txt\n", dir)
}

// purls reads a CycloneDX JSON file and returns the identities of its
// components: purl without qualifiers or subpath, so tools that add
// different qualifiers (syft adds upstream=, package-id=) compare equal.
func purls(file string) map[string]bool {
	data, err := os.ReadFile(file)
	check(err)
	var bom struct {
		Components []component `json:"components"`
	}
	check(json.Unmarshal(data, &bom))
	out := map[string]bool{}
	var walk func([]component)
	walk = func(cs []component) {
		for _, c := range cs {
			if c.PURL != "" {
				out[identity(c.PURL)] = true
			}
			walk(c.Components)
		}
	}
	walk(bom.Components)
	return out
}

type component struct {
	PURL       string      `json:"purl"`
	Components []component `json:"components"`
}

func identity(purl string) string {
	if i := strings.IndexAny(purl, "?#"); i >= 0 {
		purl = purl[:i]
	}
	return strings.ToLower(strings.ReplaceAll(purl, "%40", "@"))
}

func diff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func makeNPM(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		return nil
	}
	check(os.MkdirAll(dir, 0o755))
	check(os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"bench-npm","version":"1.0.0","private":true}`), 0o644))
	args := append([]string{"install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--legacy-peer-deps"}, npmPackages...)
	return runIn(dir, "npm", args...)
}

func makeGoMod(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); err == nil {
		return nil
	}
	out, err := exec.Command("go", "mod", "download", "-json", goModule).Output()
	if err != nil {
		return fmt.Errorf("go mod download %s: %w", goModule, err)
	}
	var m struct{ Dir string }
	check(json.Unmarshal(out, &m))
	check(os.MkdirAll(dir, 0o755))
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(m.Dir, f))
		check(err)
		check(os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	return nil
}

// makeModCache downloads every module the Go input needs into a fresh
// module cache: a big tree of mixed source, lockfiles and manifests.
func makeModCache(dir string) error {
	cache := filepath.Join(dir, "modcache")
	if _, err := os.Stat(filepath.Join(cache, "cache")); err == nil {
		return nil
	}
	check(makeGoMod(filepath.Join(dir, "gomod")))
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = filepath.Join(dir, "gomod")
	cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOFLAGS=-modcacherw")
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// makeDpkg lays out this machine's dpkg database and os-release as a root
// file system both tools recognise.
func makeDpkg(dir string) error {
	for src, dst := range map[string]string{"/var/lib/dpkg/status": "var/lib/dpkg/status", "/etc/os-release": "etc/os-release"} {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		check(os.MkdirAll(filepath.Join(dir, filepath.Dir(dst)), 0o755))
		check(os.WriteFile(filepath.Join(dir, dst), data, 0o644))
	}
	return nil
}

func writeLines(file string, lines []string) {
	check(os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o644))
}

func run(name string, args ...string) { check(runIn("", name, args...)) }

func runIn(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
