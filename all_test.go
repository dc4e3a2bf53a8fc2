package hallmark_test

// This test guards the architecture in DESIGN.md §4.11: which project
// packages may import which, and which modules the project may depend on
// directly. Adding a dependency is a visible decision: add it to
// allowedModules with the reason.

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

const modulePath = "github.com/hallmark-dev/hallmark"

// allowedModules are the direct dependencies, each for one job.
var allowedModules = map[string]string{
	"github.com/spf13/cobra":                            "CLI",
	"github.com/CycloneDX/cyclonedx-go":                 "CycloneDX encode/decode",
	"github.com/spdx/tools-golang":                      "SPDX encode/decode",
	"github.com/package-url/packageurl-go":              "package URLs",
	"golang.org/x/mod":                                  "go.mod parsing, Go semver",
	"github.com/google/osv-scalibr":                     "ecosystem version ordering (semantic)",
	"github.com/pandatix/go-cvss":                       "CVSS v3/v4 scores",
	"github.com/sigstore/sigstore-go":                   "Sigstore bundles and verification",
	"github.com/sigstore/protobuf-specs":                "Sigstore bundle protobufs",
	"github.com/sigstore/sigstore":                      "Sigstore signature helpers and key formats",
	"github.com/secure-systems-lab/go-securesystemslib": "DSSE",
	"github.com/in-toto/attestation":                    "in-toto statements and predicates",
	"github.com/transparency-dev/merkle":                "RFC 6962 Merkle proofs",
	"github.com/transparency-dev/tessera":               "transparency log storage",
	"github.com/google/go-containerregistry":            "container images",
	"github.com/klauspost/compress":                     "layer decompression, about twice as fast as compress/gzip (source/image)",
	"modernc.org/sqlite":                                "embedded SQL store (pure Go)",
	"github.com/jackc/pgx/v5":                           "PostgreSQL",
	"github.com/rogpeppe/go-internal":                   "testscript CLI tests",
	"github.com/santhosh-tekuri/jsonschema/v6":          "validating SBOM output against the official schemas in tests",
	"github.com/BurntSushi/toml":                        "TOML lockfiles (Cargo.lock, poetry.lock, uv.lock, pdm.lock)",
	"go.yaml.in/yaml/v3":                                "YAML lockfiles (pnpm-lock.yaml, yarn berry) and workflows",
	"golang.org/x/term":                                 "terminal detection and passphrase prompts",
	"google.golang.org/protobuf":                        "protobuf JSON for Sigstore bundles",
	"golang.org/x/crypto":                               "key encryption (scrypt, nacl/secretbox) for cosign keys",
	"github.com/bmatcuk/doublestar/v4":                  "--exclude globs with ** (syft's syntax, syft's library)",
	"github.com/youmark/pkcs8":                          "writing passphrase-encrypted PKCS#8 keys (PBES2); sigstore reads them with the same library",
}

func TestDirectDependencies(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mf.Require {
		if r.Indirect {
			continue
		}
		if _, ok := allowedModules[r.Mod.Path]; !ok {
			t.Errorf("go.mod requires %s directly, which is not in allowedModules (all_test.go)", r.Mod.Path)
		}
	}
}

// importRules: a package (by path prefix) may not import these project packages.
var importRules = []struct {
	pkg    string
	banned []string
}{
	{"inventory", []string{""}}, // imports nothing of the project
	// extract takes a source through its own small interface
	// (extract.Source), so it imports neither source nor, through it, sbom.
	{"extract", []string{"sbom", "source", "match", "report", "server", "vulndb", "internal/cli", "sign", "attest"}},
	// source opens targets and decodes SBOM targets; it knows nothing of
	// what is made of them.
	{"source", []string{"extract", "match", "report", "server", "vulndb", "internal/cli", "sign", "attest"}},
	{"sbom", []string{"match", "report", "server", "internal/cli"}},
	{"vulndb", []string{"report", "server", "internal/cli", "extract"}},
	{"match", []string{"report", "server", "internal/cli", "extract"}},
	{"report", []string{"server", "internal/cli", "extract"}},
	{"sign", []string{"extract", "sbom", "match", "report", "server", "internal/cli"}},
	{"attest", []string{"extract", "match", "report", "server", "internal/cli"}},
}

func TestImportRules(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(ip, modulePath+"/") {
				continue
			}
			target := strings.TrimPrefix(ip, modulePath+"/")
			for _, rule := range importRules {
				if dir != rule.pkg && !strings.HasPrefix(dir, rule.pkg+"/") {
					continue
				}
				if rule.banned[0] == "" && !strings.HasPrefix(target, rule.pkg) {
					t.Errorf("%s imports %s: %s must import no other project package", p, ip, rule.pkg)
				}
				if slices.ContainsFunc(rule.banned, func(b string) bool { return b != "" && (target == b || strings.HasPrefix(target, b+"/")) }) {
					t.Errorf("%s imports %s, which DESIGN.md forbids for %s", p, ip, rule.pkg)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
