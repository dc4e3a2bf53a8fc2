// Command sbom compares `hallmark sbom` with syft on the same real inputs in
// one run: wall time, CPU time, peak RSS, the ratio, package counts and the
// packages one tool found and the other did not.
//
// Inputs are made at benchmark time from the registries (DESIGN.md §6):
// an npm project resolved with `npm install --package-lock-only`, a Go
// module's go.mod/go.sum from the module proxy, a Go binary (syft itself),
// this machine's dpkg database, and the Go module cache those downloads
// filled (a big mixed tree). Run it with `go run ./bench/sbom` from the
// repository root; syft is installed by .ci/peers.sh.
//
// The table goes to stdout; -json names a file for the same figures in
// machine-readable form, and the package-set differences of each input are
// written beside it as <input>.only-{hallmark,syft}.txt.
package main

import (
	"cmp"
	"debug/buildinfo"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/hallmark-dev/hallmark/bench/internal/measure"
	"github.com/hallmark-dev/hallmark/bench/internal/pkgset"
	"github.com/hallmark-dev/hallmark/bench/internal/setup"
)

var (
	workDir  = flag.String("dir", "bench/_out/sbom", "where inputs and outputs go")
	cacheDir = flag.String("cache", "", "where the Go module cache input goes (default: the user cache directory's hallmark-bench/modcache)")
	runs     = flag.Int("runs", 3, "runs per tool per input; the fastest counts")
	long     = flag.Duration("long", time.Minute, "a tool whose first run on an input takes longer than this is not run again")
	only     = flag.String("only", "", "comma-separated input names to run (npm,gomod,gobinary,dpkg,modcache)")
	jsonOut  = flag.String("json", "", "write the results as JSON to this file (default: <dir>/results.json)")
)

// goModule is the real module whose go.mod/go.sum and dependency downloads
// serve as inputs: syft itself, with several hundred dependencies.
const goModule = "github.com/anchore/syft@v1.57.0"

// npmPackages resolve to about 2,300 lockfile entries (about 2,000
// distinct packages).
var npmPackages = []string{"webpack@5", "jest@29", "eslint@8", "@angular/cli@17", "typescript@5", "next@14", "react@18", "react-dom@18", "express@4", "@babel/core@7", "react-scripts@5", "gatsby@5", "@nestjs/cli@10"}

type input struct {
	name   string
	path   string // what both tools get
	needIn func() error
}

// toolResult is one tool's figures on one input.
type toolResult struct {
	Command  []string `json:"command"`
	Runs     int      `json:"runs"`
	WallMS   float64  `json:"wall_ms"`
	CPUMS    float64  `json:"cpu_ms"`
	MaxRSS   int64    `json:"max_rss_bytes"`
	Packages int      `json:"packages"`
}

// inputResult is the comparison on one input.
type inputResult struct {
	Name       string     `json:"name"`
	Path       string     `json:"path"`
	Hallmark   toolResult `json:"hallmark"`
	Syft       toolResult `json:"syft"`
	WallRatio  float64    `json:"wall_ratio"` // syft / hallmark
	CPURatio   float64    `json:"cpu_ratio"`
	Common     int        `json:"common"`
	OnlyH      []string   `json:"only_hallmark"`
	OnlyS      []string   `json:"only_syft"`
	LoadBefore string     `json:"loadavg_before"`
	LoadAfter  string     `json:"loadavg_after"`
}

type results struct {
	Date        string        `json:"date"`
	GOOS        string        `json:"goos"`
	GOARCH      string        `json:"goarch"`
	CPUs        int           `json:"cpus"`
	GoVersion   string        `json:"go_version"`
	SyftVersion string        `json:"syft_version"`
	Inputs      []inputResult `json:"inputs"`
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	dir, err := filepath.Abs(*workDir)
	check(err)
	check(os.MkdirAll(dir, 0o755))
	// The module cache holds thousands of Go files and module roots without
	// a go.mod; inside the repository `go test ./...` and `go vet ./...`
	// would try to build them, so it lives in the user cache by default.
	cache := *cacheDir
	if cache == "" {
		uc, err := os.UserCacheDir()
		check(err)
		cache = filepath.Join(uc, "hallmark-bench", "modcache")
	}
	cache, err = filepath.Abs(cache)
	check(err)
	peers := cmp.Or(os.Getenv("HALLMARK_PEERS"), filepath.Join(os.Getenv("HOME"), ".cache/hallmark-peers"))
	syft := filepath.Join(peers, "syft")
	if _, err := os.Stat(syft); err != nil {
		log.Fatalf("syft not found at %s: run `source .ci/peers.sh && peer_install syft github.com/anchore/syft/cmd/syft@v1.57.0`", syft)
	}
	hallmark := filepath.Join(dir, "hallmark")
	check(setup.Run("", "go", "build", "-o", hallmark, "./cmd/hallmark"))

	res := results{
		Date:        time.Now().UTC().Format(time.RFC3339),
		GOOS:        runtime.GOOS,
		GOARCH:      runtime.GOARCH,
		CPUs:        runtime.NumCPU(),
		GoVersion:   runtime.Version(),
		SyftVersion: syftVersion(syft),
	}
	inputs := []input{
		{name: "npm", path: filepath.Join(dir, "npm/package-lock.json"), needIn: func() error { return makeNPM(filepath.Join(dir, "npm")) }},
		{name: "gomod", path: filepath.Join(dir, "gomod"), needIn: func() error { return makeGoMod(filepath.Join(dir, "gomod")) }},
		{name: "gobinary", path: syft},
		{name: "dpkg", path: filepath.Join(dir, "dpkg"), needIn: func() error { return makeDpkg(filepath.Join(dir, "dpkg")) }},
		{name: "modcache", path: cache, needIn: func() error { return makeModCache(filepath.Join(dir, "gomod"), cache) }},
	}
	fmt.Printf("%-9s %10s %10s %6s %10s %10s %6s %8s %8s %6s %6s %6s %6s\n", "input",
		"h wall", "s wall", "ratio", "h cpu", "s cpu", "ratio", "h RSS", "s RSS", "h pkgs", "s pkgs", "only h", "only s")
	for _, in := range inputs {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), in.name) {
			continue
		}
		if in.needIn != nil {
			check(in.needIn())
		}
		// syft documents "dir:" for a directory and "file:" for any single
		// file (`syft scan --help`).
		scheme := "dir:"
		if st, err := os.Stat(in.path); err == nil && !st.IsDir() {
			scheme = "file:"
		}
		hOut := filepath.Join(dir, in.name+".hallmark.cdx.json")
		sOut := filepath.Join(dir, in.name+".syft.cdx.json")
		r := inputResult{Name: in.name, Path: in.path, LoadBefore: measure.LoadAvg()}
		hArgs := []string{hallmark, "sbom", "-q", in.path, "--file", hOut}
		h, hn := best(hArgs, []string{"SOURCE_DATE_EPOCH=0"})
		sArgs := []string{syft, "scan", scheme + in.path, "-q", "-o", "cyclonedx-json=" + sOut}
		s, sn := best(sArgs, []string{"SYFT_CHECK_FOR_APP_UPDATE=false"})
		r.LoadAfter = measure.LoadAvg()
		hp, sp := purls(hOut), purls(sOut)
		r.OnlyH, r.OnlyS = pkgset.Diff(hp, sp), pkgset.Diff(sp, hp)
		r.Common = len(hp) - len(r.OnlyH)
		r.Hallmark = tool(hArgs, hn, h, len(hp))
		r.Syft = tool(sArgs, sn, s, len(sp))
		r.WallRatio = float64(s.Wall) / float64(h.Wall)
		r.CPURatio = float64(s.CPU) / float64(max(h.CPU, time.Millisecond))
		fmt.Printf("%-9s %10s %10s %5.1fx %10s %10s %5.1fx %8s %8s %6d %6d %6d %6d\n", in.name,
			measure.Ms(h.Wall), measure.Ms(s.Wall), r.WallRatio, measure.Ms(h.CPU), measure.Ms(s.CPU), r.CPURatio,
			measure.MiB(h.MaxRSS), measure.MiB(s.MaxRSS), len(hp), len(sp), len(r.OnlyH), len(r.OnlyS))
		check(pkgset.WriteLines(filepath.Join(dir, in.name+".only-hallmark.txt"), r.OnlyH))
		check(pkgset.WriteLines(filepath.Join(dir, in.name+".only-syft.txt"), r.OnlyS))
		res.Inputs = append(res.Inputs, r)
	}
	out := cmp.Or(*jsonOut, filepath.Join(dir, "results.json"))
	data, err := json.MarshalIndent(res, "", "  ")
	check(err)
	check(os.WriteFile(out, append(data, '\n'), 0o644))
	fmt.Printf("\nCPU is user+sys of the tool and the processes it waited for (syft runs `go list` per go.mod).\n")
	fmt.Printf("Package-set differences are listed in %s/*.only-{hallmark,syft}.txt; results in %s\n", dir, out)
}

// best runs argv up to -runs times and keeps the fastest; a first run
// longer than -long is not repeated, so a slow peer on a big tree does not
// hold the machine for many minutes.
func best(argv, env []string) (measure.Result, int) {
	first, err := measure.Run(env, "", argv...)
	check(err)
	if *runs <= 1 || first.Wall > *long {
		return first, 1
	}
	rest, err := measure.Best(*runs-1, env, "", argv...)
	check(err)
	if first.Wall < rest.Wall {
		first.MaxRSS = max(first.MaxRSS, rest.MaxRSS)
		first.CPU = min(first.CPU, rest.CPU)
		return first, *runs
	}
	rest.MaxRSS = max(first.MaxRSS, rest.MaxRSS)
	rest.CPU = min(first.CPU, rest.CPU)
	return rest, *runs
}

func tool(argv []string, n int, r measure.Result, pkgs int) toolResult {
	return toolResult{
		Command:  argv,
		Runs:     n,
		WallMS:   float64(r.Wall.Microseconds()) / 1000,
		CPUMS:    float64(r.CPU.Microseconds()) / 1000,
		MaxRSS:   r.MaxRSS,
		Packages: pkgs,
	}
}

// purls reads a CycloneDX JSON file and returns the identities of its
// components (see identity).
func purls(file string) map[string]bool {
	out, err := pkgset.Read(file, func(c pkgset.Component) (string, bool) { return identity(c.PURL), true })
	check(err)
	return out
}

// identity is what two tools must agree on for a package to count as found
// by both: the purl's type, namespace, name and version. Qualifiers and
// subpath are dropped, since the tools add different ones (syft adds
// package-id= and upstream=, hallmark arch= and distro=). The purl is
// parsed and written again by packageurl-go, so spellings that differ only
// in percent-encoding compare equal: syft writes a Debian epoch's ":" as
// "%3A", hallmark leaves it as the spec allows
// (https://github.com/package-url/purl-spec/blob/main/PURL-SPECIFICATION.rst),
// and "@" in npm scopes is written either way. Case is kept: the purl
// types here already define their own case rules and both tools apply them.
func identity(s string) string {
	p, err := packageurl.FromString(s)
	if err != nil {
		return s
	}
	p.Qualifiers, p.Subpath = nil, ""
	return p.ToString()
}

// syftVersion is the version syft reports, or, for a `go install`ed syft
// that reports "[not provided]", the module version its build information
// records.
func syftVersion(syft string) string {
	if out, err := exec.Command(syft, "version", "-o", "json").Output(); err == nil {
		var v struct{ Version string }
		if json.Unmarshal(out, &v) == nil && strings.HasPrefix(v.Version, "v") {
			return v.Version
		}
	}
	if bi, err := buildinfo.ReadFile(syft); err == nil {
		return bi.Main.Version
	}
	return ""
}

func makeNPM(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err == nil {
		return nil
	}
	check(os.MkdirAll(dir, 0o755))
	check(os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"bench-npm","version":"1.0.0","private":true}`), 0o644))
	args := append([]string{"install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--legacy-peer-deps"}, npmPackages...)
	return setup.Run(dir, "npm", args...)
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
func makeModCache(gomod, cache string) error {
	if _, err := os.Stat(filepath.Join(cache, "cache")); err == nil {
		return nil
	}
	check(makeGoMod(gomod))
	cmd := exec.Command("go", "mod", "download")
	cmd.Dir = gomod
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

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
