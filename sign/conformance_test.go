package sign_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/sign"
)

// The expected identity of conformance cases that have no identity file
// (../shared/data/README.md).
const (
	conformanceIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	conformanceIssuer   = "https://token.actions.githubusercontent.com"
)

// TestConformance runs every verification case of the Sigstore
// conformance suite (sigstore/sigstore-conformance, bundle-verify/)
// offline: cases ending in _fail must fail verification, all others must
// pass. Each case is verified the way `hallmark verify` does it, with the
// case's key, trusted root and identity.
func TestConformance(t *testing.T) {
	base := testdata.Path(t, "sigstore-conformance")
	cases, err := os.ReadDir(filepath.Join(base, "bundle-verify"))
	if err != nil {
		t.Skipf("conformance cases not found: %v", err)
	}
	publicGood := readFile(t, filepath.Join(base, "public-good", "trusted_root.json"))
	passed, total := 0, 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		total++
		name := c.Name()
		dir := filepath.Join(base, "bundle-verify", name)
		wantFail := strings.HasSuffix(name, "_fail")
		ok := t.Run(name, func(t *testing.T) {
			err := verifyConformanceCase(t, base, dir, publicGood)
			switch {
			case wantFail && err == nil:
				t.Fatalf("verified, but the case must fail (%s)", readme(dir))
			case !wantFail && err != nil:
				t.Fatalf("failed: %v (%s)", err, readme(dir))
			case err != nil:
				t.Logf("failed as expected: %v", err)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("Sigstore conformance: %d of %d cases behave as required", passed, total)
}

func verifyConformanceCase(t *testing.T, base, dir string, publicGood []byte) error {
	var opts sign.Options
	trJSON := publicGood
	if data, err := os.ReadFile(filepath.Join(dir, "trusted_root.json")); err == nil {
		trJSON = data
	}
	tr, err := sign.ParseTrustedRoot(trJSON)
	if err != nil {
		return err
	}
	opts.TrustedRoot = tr
	if data, err := os.ReadFile(filepath.Join(dir, "key.pub")); err == nil {
		if opts.PublicKey, err = sign.ParsePublicKey(data); err != nil {
			return err
		}
	} else {
		opts.Identities = []sign.Identity{{
			Subject: fileOr(t, filepath.Join(dir, "identity"), conformanceIdentity),
			Issuer:  fileOr(t, filepath.Join(dir, "issuer"), conformanceIssuer),
		}}
	}
	artifact := filepath.Join(dir, "artifact")
	if _, err := os.Stat(artifact); err != nil {
		artifact = filepath.Join(base, "bundle-verify", "a.txt")
	}
	b, err := sign.ParseBundle(readFile(t, filepath.Join(dir, "bundle.sigstore.json")))
	if err != nil {
		return err
	}
	f, err := os.Open(artifact)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = sign.Verify(b, []io.Reader{f}, opts)
	var ve *sign.VerificationError
	if err != nil && !errors.As(err, &ve) {
		// A configuration error is still a failure to verify, but say so:
		// a _fail case should fail for the right reason.
		t.Logf("not a verification error: %v", err)
	}
	return err
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func fileOr(t *testing.T, path, def string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	return strings.TrimSpace(string(data))
}

func readme(dir string) string {
	data, _ := os.ReadFile(filepath.Join(dir, "README"))
	s := strings.Join(strings.Fields(string(data)), " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
