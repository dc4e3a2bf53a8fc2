// Command biglock writes a large npm package-lock.json (lockfileVersion 3)
// for issue 15, item 13: by default 1,450,000 packages, about 400 MB, under
// the default --max-file-size of 512 MiB. Each package has a version, a
// resolved URL, an sha512 integrity and one or two dependencies; a
// deterministic seed makes runs comparable.
//
//	go run ./bench/biglock -n 1450000 -o /tmp/big/package-lock.json
//	hallmark sbom /tmp/big/package-lock.json -o cyclonedx-json=/dev/null
package main

import (
	"bufio"
	"crypto/sha512"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
)

func main() {
	n := flag.Int("n", 1450000, "number of packages")
	out := flag.String("o", "package-lock.json", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	write(w, *n)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func name(i int) string { return fmt.Sprintf("pkg-%07d", i) }

func write(w *bufio.Writer, n int) {
	rng := rand.New(rand.NewPCG(3, 4))
	fmt.Fprintf(w, "{\n  \"name\": \"big\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n")
	fmt.Fprintf(w, "    \"\": {\n      \"name\": \"big\",\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n")
	direct := min(n, 100)
	for i := range direct {
		sep := ","
		if i == direct-1 {
			sep = ""
		}
		fmt.Fprintf(w, "        %q: \"^1.0.0\"%s\n", name(i), sep)
	}
	fmt.Fprintf(w, "      }\n    }")
	for i := range n {
		sum := sha512.Sum512([]byte(name(i)))
		v := fmt.Sprintf("%d.%d.%d", 1+i%3, i%10, i%7)
		fmt.Fprintf(w, ",\n    \"node_modules/%s\": {\n      \"version\": %q,\n      \"resolved\": \"https://registry.npmjs.org/%s/-/%s-%s.tgz\",\n      \"integrity\": \"sha512-%s\"",
			name(i), v, name(i), name(i), v, base64.StdEncoding.EncodeToString(sum[:]))
		if i%5 == 0 {
			fmt.Fprintf(w, ",\n      \"dev\": true")
		}
		if i+1 < n {
			fmt.Fprintf(w, ",\n      \"dependencies\": {\n        %q: \"*\"", name(i+1+rng.IntN(n-i-1)))
			if i+2 < n && i%2 == 0 {
				fmt.Fprintf(w, ",\n        %q: \"*\"", name(i+2))
			}
			fmt.Fprintf(w, "\n      }")
		}
		fmt.Fprintf(w, "\n    }")
	}
	fmt.Fprintf(w, "\n  }\n}\n")
}
