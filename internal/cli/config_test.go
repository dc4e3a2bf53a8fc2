package cli

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfig: a configuration file may come with a checkout, so any bytes
// must give a setting or an error, never a panic.
func FuzzConfig(f *testing.F) {
	f.Add([]byte("exclude: [./testdata/**]\nsbom:\n  output: table\n"))
	f.Add([]byte("db:\n  update:\n    ecosystem: [Go, npm]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("- 1\n"))
	f.Add([]byte("quiet: {x: 1}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		a := &app{stdout: io.Discard, stderr: io.Discard}
		root := a.rootCmd()
		sbom, _, err := root.Find([]string{"sbom"})
		if err != nil {
			t.Fatal(err)
		}
		_ = a.applyConfig(sbom, name)
	})
}
