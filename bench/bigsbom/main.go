// Command bigsbom writes a large CycloneDX 1.6 JSON SBOM for the scale
// budget of DESIGN.md §6 ("a 300,000-component SBOM in < 1 GB and < 30 s
// on every path"; issue 15, item 14 tightens it to 15 s): by default
// 300,000 components (about 210 MB), each with a purl, a SHA-512 hash, a
// license, two properties and an evidence location, and a dependency graph
// of about three edges per component. The output is deterministic (a fixed
// seed), so figures from different runs and machines compare.
//
// A few real package names at old versions (npm, PyPI, Go, crates.io) are
// mixed in so that a scan against ../shared/data/osv has findings to
// report.
//
//	go run ./bench/bigsbom -n 300000 -o /tmp/big.cdx.json
//	hallmark scan /tmp/big.cdx.json -o json
//	hallmark sbom convert /tmp/big.cdx.json -o spdx-json
package main

import (
	"bufio"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
)

// real are packages with advisories in the OSV exports, at versions they
// cover.
var real = []struct{ typ, name, version string }{
	{"npm", "lodash", "4.17.4"},
	{"npm", "minimist", "1.2.0"},
	{"npm", "axios", "0.21.0"},
	{"npm", "node-fetch", "2.6.0"},
	{"pypi", "django", "2.2.0"},
	{"pypi", "jinja2", "2.10"},
	{"pypi", "pyyaml", "5.1"},
	{"golang", "golang.org/x/text", "v0.3.5"},
	{"golang", "golang.org/x/net", "v0.0.0-20200226121028-0de0cce0169b"},
	{"cargo", "smallvec", "1.6.0"},
}

var licenses = []string{"MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "BSD-2-Clause", "MPL-2.0"}

func main() {
	n := flag.Int("n", 300000, "number of components")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer func() {
			if err := f.Close(); err != nil {
				log.Fatal(err)
			}
		}()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw, *n); err != nil {
		log.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
}

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func purl(i int) (typ, name, version, p string) {
	if i%1000 < len(real) {
		r := real[i%1000]
		// One real package per thousand; distinct versions keep purls unique.
		typ, name, version = r.typ, r.name, r.version
		if i >= 1000 {
			name = fmt.Sprintf("%s-fork%d", name, i/1000)
		}
	} else {
		switch i % 4 {
		case 0:
			typ = "npm"
		case 1:
			typ = "pypi"
		case 2:
			typ = "golang"
		default:
			typ = "cargo"
		}
		name = fmt.Sprintf("component-%07d", i)
		if typ == "golang" {
			name = fmt.Sprintf("example.com/org%d/component-%07d", i%97, i)
		}
		version = fmt.Sprintf("%d.%d.%d", i%7, i%13, i%29)
		if typ == "golang" {
			version = "v" + version
		}
	}
	return typ, name, version, fmt.Sprintf("pkg:%s/%s@%s", typ, name, version)
}

func write(w *bufio.Writer, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintf(w, `{
  "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "metadata": {
    "timestamp": "2024-01-01T00:00:00Z",
    "tools": {"components": [{"type": "application", "name": "bigsbom", "version": "1"}]},
    "component": {"type": "application", "bom-ref": "root", "name": "big-product", "version": "1.0.0"}
  },
  "components": [
`)
	purls := make([]string, n)
	for i := range n {
		_, name, version, p := purl(i)
		purls[i] = p
		sum := sha512.Sum512([]byte(p))
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(w, `    {"type": "library", "bom-ref": %s, "name": %s, "version": %s, "purl": %s,
     "hashes": [{"alg": "SHA-512", "content": %q}],
     "licenses": [{"license": {"id": %q}}],
     "properties": [{"name": "hallmark:direct", "value": %q}],
     "evidence": {"occurrences": [{"location": %s}]}}%s
`, q(p), q(name), q(version), q(p), hex.EncodeToString(sum[:]), licenses[rng.IntN(len(licenses))],
			fmt.Sprint(i%50 == 0), q(fmt.Sprintf("services/svc%03d/lockfile", i%500)), sep)
	}
	fmt.Fprintf(w, "  ],\n  \"dependencies\": [\n")
	fmt.Fprintf(w, `    {"ref": "root", "dependsOn": [`)
	for i := 0; i < n; i += 50 {
		if i > 0 {
			w.WriteString(", ")
		}
		w.WriteString(q(purls[i]))
	}
	w.WriteString("]}")
	for i := range n {
		fmt.Fprintf(w, ",\n    {\"ref\": %s, \"dependsOn\": [", q(purls[i]))
		for k := range 3 {
			if k > 0 {
				w.WriteString(", ")
			}
			w.WriteString(q(purls[(i+1+rng.IntN(n-1))%n]))
		}
		w.WriteString("]}")
	}
	_, err := w.WriteString("\n  ]\n}\n")
	return err
}
