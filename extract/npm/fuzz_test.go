package npm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/extract"
	"github.com/hallmark-dev/hallmark/extract/extracttest"
)

// seed adds every testdata file with the given base name to the corpus.
func seed(f *testing.F, base string) {
	matches, err := filepath.Glob(filepath.Join("testdata", "*", base))
	if err != nil || len(matches) == 0 {
		f.Fatalf("no seeds for %s", base)
	}
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func fuzz(f *testing.F, ex extract.Extractor, name string, extra ...string) {
	for _, s := range extra {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		extracttest.Fuzz(t, ex, name, data)
	})
}

func FuzzPackageLock(f *testing.F) {
	seed(f, "package-lock.json")
	seed(f, "npm-shrinkwrap.json")
	fuzz(f, PackageLock{}, "package-lock.json",
		`{"lockfileVersion":3,"packages":{"":{"workspaces":["a/*"]},"node_modules/x":{"link":true,"resolved":"node_modules/x"}}}`,
		`{"lockfileVersion":1,"dependencies":{"a":{"version":"npm:","requires":true,"dependencies":{"a":{}}}}}`,
		// An absolute key once sent the node_modules walk round "/" forever.
		`{"lockfileVersion":3,"packages":{"/a":{"dependencies":{"b":"1"}}}}`)
}

func FuzzYarnLock(f *testing.F) {
	seed(f, "yarn.lock")
	fuzz(f, YarnLock{}, "yarn.lock",
		"\"a@npm:@\", b:\n  version \"\"\n  dependencies:\n    a \"npm:@\"\n",
		"__metadata:\n  version: 8\n\"a@patch:a@npm%3A1#x\":\n  resolution: \"@\"\n")
}

func FuzzPnpmLock(f *testing.F) {
	seed(f, "pnpm-lock.yaml")
	fuzz(f, PnpmLock{}, "pnpm-lock.yaml",
		"lockfileVersion: 5.4\ndependencies:\n  a: /\npackages:\n  /:\n    dependencies: {a: /}\n",
		"lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a: {version: 'link:..'}\nsnapshots:\n  '@': {}\n")
}
