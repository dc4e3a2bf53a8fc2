package sign_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/internal/testdata"
	"github.com/hallmark-dev/hallmark/sign"
)

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, policy, want string
	}{
		{"unknown field", "predicateType: [x]\n", "field predicateType not found"},
		{"identity without issuer", "identities:\n  - subject: a@b\n", "identities[0]: identity needs an OIDC issuer"},
		{"identity without subject", "identities:\n  - issuer: https://i\n", "identities[0]: identity needs a subject"},
		{"bad regexp", "identities:\n  - subjectRegexp: '('\n    issuer: https://i\n", "identities[0]: error parsing regexp"},
		{"relative predicate type", "predicateTypes: [provenance]\n", `predicateTypes[0]: "provenance": want an absolute URI`},
		{"empty subject", "subjects:\n  - {}\n", "subjects[0]: want a name, a digest, or both"},
		{"bad time", "signedAfter: 2025-01-01\n", `signedAfter: "2025-01-01": want an RFC 3339 time`},
		{"inverted window", "signedAfter: 2026-01-01T00:00:00Z\nsignedBefore: 2025-01-01T00:00:00Z\n", "signedAfter must be before signedBefore"},
		{"not YAML", "identities: [\n", "policy: yaml:"},
		{"empty file", "", "policy: empty: want at least one rule"},
		{"only comments", "# identities: none yet\n", "policy: empty: want at least one rule"},
		{"second document", "predicateTypes: [https://slsa.dev/provenance/v1]\n---\nsignedAfter: 2025-01-01T00:00:00Z\n", "policy: line 3: a second YAML document"},
		{"bad second document", "predicateTypes: [https://slsa.dev/provenance/v1]\n---\n[\n", "policy: yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.ParsePolicy([]byte(tt.policy))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPolicyAttestation applies predicate-type, subject and time rules to
// a key-signed attestation.
func TestPolicyAttestation(t *testing.T) {
	s := newSigner(t, sign.ECDSAP256)
	digest := fmt.Sprintf("%x", sha256.Sum256(artifact))
	stmt := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app.tar.gz","digest":{"sha256":"` + digest + `"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`
	pb, err := s.SignDSSE(sign.InTotoPayloadType, []byte(stmt))
	if err != nil {
		t.Fatal(err)
	}
	att, _ := sign.MarshalBundle(pb)
	blob := signBlobJSON(t, s, artifact)

	tests := []struct {
		name, policy string
		bundle       []byte
		want         string // "" = passes
	}{
		{"type allowed", "predicateTypes: [https://slsa.dev/provenance/v1, https://cyclonedx.org/bom]", att, ""},
		{"type not allowed", "predicateTypes: [https://cyclonedx.org/bom]", att, `predicate type "https://slsa.dev/provenance/v1" is not one of https://cyclonedx.org/bom`},
		{"subject by name and digest", "subjects:\n  - name: app.tar.gz\n    digest: {sha256: " + strings.ToUpper(digest) + "}", att, ""},
		{"subject wrong name", "subjects:\n  - name: other.tar.gz", att, "subjects[0] (name other.tar.gz) is not a subject of the statement"},
		{"subject wrong digest", "subjects:\n  - digest: {sha256: 00}", att, "subjects[0] (sha256:00) is not a subject"},
		{"attestation rules on a blob", "predicateTypes: [https://slsa.dev/provenance/v1]", blob, "policy requires an attestation"},
		{"identity rules on a key", "identities:\n  - subject: a@b\n    issuer: https://i", blob, "policy requires a certificate identity, but the bundle is signed with a key"},
		{"time window without a timestamp", "signedAfter: 2025-01-01T00:00:00Z", att, "the bundle has no verified timestamp"},
		{"empty policy", "{}", blob, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := sign.ParsePolicy([]byte(tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			res, err := verifyJSON(tt.bundle, artifact, sign.Options{PublicKey: s.PublicKey(), Policy: p})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if last := res.Checks[len(res.Checks)-1]; !strings.HasPrefix(last, "policy: ") {
					t.Errorf("last check = %q, want the policy", last)
				}
				return
			}
			var ve *sign.VerificationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want a VerificationError containing %q", err, tt.want)
			}
		})
	}
}

// TestPolicyKeyless applies identity and signing-time rules to a real
// keyless bundle: the conformance suite's happy-path-v0.3, signed by the
// conformance beacon workflow and logged in Rekor at 2024-03-19T17:26:26Z.
func TestPolicyKeyless(t *testing.T) {
	base := testdata.Path(t, "sigstore-conformance")
	bundleData, err := os.ReadFile(filepath.Join(base, "bundle-verify", "happy-path-v0.3", "bundle.sigstore.json"))
	if err != nil {
		t.Skipf("conformance data: %v", err)
	}
	file := readFile(t, filepath.Join(base, "bundle-verify", "a.txt"))
	tr, err := sign.ParseTrustedRoot(readFile(t, filepath.Join(base, "public-good", "trusted_root.json")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, policy string
		want         string
	}{
		{"identity exact", "identities:\n  - subject: " + conformanceIdentity + "\n    issuer: " + conformanceIssuer, ""},
		{"second identity matches", "identities:\n  - subject: someone@example.com\n    issuer: https://accounts.google.com\n  - subjectRegexp: ^https://github\\.com/sigstore-conformance/\n    issuerRegexp: ^https://token\\.actions\\.githubusercontent\\.com$", ""},
		{"identity mismatch", "identities:\n  - subjectRegexp: ^https://github\\.com/hallmark-dev/\n    issuer: " + conformanceIssuer, "matches none of the policy's identities"},
		{"issuer mismatch", "identities:\n  - subject: " + conformanceIdentity + "\n    issuer: https://gitlab.com", "matches none of the policy's identities"},
		{"inside window", "signedAfter: 2024-03-19T00:00:00Z\nsignedBefore: 2024-03-20T00:00:00Z", ""},
		{"before window", "signedAfter: 2024-03-19T17:26:27Z", "signed at 2024-03-19T17:26:26Z (transparency-log), before signedAfter 2024-03-19T17:26:27Z"},
		{"after window", "signedBefore: 2024-03-19T17:26:25Z", "after signedBefore 2024-03-19T17:26:25Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := sign.ParsePolicy([]byte(tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			// The identity flags pass; the policy is checked on top.
			opts := sign.Options{TrustedRoot: tr, Policy: p, Identities: []sign.Identity{{Subject: conformanceIdentity, Issuer: conformanceIssuer}}}
			b, err := sign.ParseBundle(bundleData)
			if err != nil {
				t.Fatal(err)
			}
			res, err := sign.Verify(b, []io.Reader{bytes.NewReader(file)}, opts)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if res.Certificate == nil || res.Certificate.Identity != conformanceIdentity || len(res.TransparencyLog) != 1 || res.TransparencyLog[0].Index != 79571823 {
					t.Errorf("result = %+v", res)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
