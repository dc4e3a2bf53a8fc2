package sign_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/hallmark-dev/hallmark/sign"
)

var artifact = []byte("hallmark release artifact\n")

func newSigner(t *testing.T, alg sign.Algorithm) *sign.Signer {
	t.Helper()
	key, err := sign.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// bundleJSON is the shape of a key-signed v0.3 bundle, decoded
// independently of the protobuf code that wrote it.
type bundleJSON struct {
	MediaType            string `json:"mediaType"`
	VerificationMaterial struct {
		PublicKey struct {
			Hint string `json:"hint"`
		} `json:"publicKey"`
		TlogEntries []json.RawMessage `json:"tlogEntries"`
	} `json:"verificationMaterial"`
	MessageSignature *struct {
		MessageDigest struct {
			Algorithm string `json:"algorithm"`
			Digest    string `json:"digest"`
		} `json:"messageDigest"`
		Signature string `json:"signature"`
	} `json:"messageSignature"`
	DsseEnvelope *struct {
		Payload     string `json:"payload"`
		PayloadType string `json:"payloadType"`
		Signatures  []struct {
			Sig string `json:"sig"`
		} `json:"signatures"`
	} `json:"dsseEnvelope"`
}

func decodeBundle(t *testing.T, data []byte) bundleJSON {
	t.Helper()
	var b bundleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("bundle JSON: %v\n%s", err, data)
	}
	return b
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignBlob checks every field of the written bundle against the spec,
// and the signature with the standard library alone.
func TestSignBlob(t *testing.T) {
	for _, alg := range []sign.Algorithm{sign.ECDSAP256, sign.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			s := newSigner(t, alg)
			pb, err := s.SignBlob(bytes.NewReader(artifact))
			if err != nil {
				t.Fatal(err)
			}
			data, err := sign.MarshalBundle(pb)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasSuffix(data, []byte("}\n")) || bytes.Contains(data, []byte(": ")) {
				t.Errorf("bundle is not compact JSON ending in a newline: %q", data)
			}
			b := decodeBundle(t, data)
			if b.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" {
				t.Errorf("mediaType = %q", b.MediaType)
			}
			if b.VerificationMaterial.PublicKey.Hint != s.Hint() {
				t.Errorf("hint = %q, want %q", b.VerificationMaterial.PublicKey.Hint, s.Hint())
			}
			if len(b.VerificationMaterial.TlogEntries) != 0 || b.DsseEnvelope != nil || b.MessageSignature == nil {
				t.Fatalf("want exactly a message signature, got %s", data)
			}
			sum := sha256.Sum256(artifact)
			if b.MessageSignature.MessageDigest.Algorithm != "SHA2_256" || !bytes.Equal(b64(t, b.MessageSignature.MessageDigest.Digest), sum[:]) {
				t.Errorf("messageDigest = %+v, want SHA2_256 %x", b.MessageSignature.MessageDigest, sum)
			}
			sig := b64(t, b.MessageSignature.Signature)
			switch pub := s.PublicKey().(type) {
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, sum[:], sig) {
					t.Error("ECDSA signature does not verify over the SHA-256 of the artifact")
				}
			case ed25519.PublicKey:
				if !ed25519.Verify(pub, artifact, sig) {
					t.Error("Ed25519 signature does not verify over the artifact")
				}
			}
		})
	}
}

// TestSignDSSE checks the signature covers the DSSE pre-authentication
// encoding, built here by hand from protocol.md:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body.
func TestSignDSSE(t *testing.T) {
	payload := []byte(`{"_type":"https://in-toto.io/Statement/v1"}`)
	payloadType := "application/vnd.in-toto+json"
	pae := []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
	for _, alg := range []sign.Algorithm{sign.ECDSAP256, sign.Ed25519} {
		t.Run(string(alg), func(t *testing.T) {
			s := newSigner(t, alg)
			pb, err := s.SignDSSE(payloadType, payload)
			if err != nil {
				t.Fatal(err)
			}
			data, err := sign.MarshalBundle(pb)
			if err != nil {
				t.Fatal(err)
			}
			b := decodeBundle(t, data)
			if b.DsseEnvelope == nil || b.MessageSignature != nil {
				t.Fatalf("want exactly a DSSE envelope, got %s", data)
			}
			if b.DsseEnvelope.PayloadType != payloadType || !bytes.Equal(b64(t, b.DsseEnvelope.Payload), payload) {
				t.Errorf("envelope = %+v", b.DsseEnvelope)
			}
			if len(b.DsseEnvelope.Signatures) != 1 {
				t.Fatalf("%d signatures, want 1", len(b.DsseEnvelope.Signatures))
			}
			sig := b64(t, b.DsseEnvelope.Signatures[0].Sig)
			switch pub := s.PublicKey().(type) {
			case *ecdsa.PublicKey:
				sum := sha256.Sum256(pae)
				if !ecdsa.VerifyASN1(pub, sum[:], sig) {
					t.Error("signature does not verify over PAE")
				}
			case ed25519.PublicKey:
				if !ed25519.Verify(pub, pae, sig) {
					t.Error("signature does not verify over PAE")
				}
			}
		})
	}
	if _, err := newSigner(t, sign.ECDSAP256).SignDSSE("", payload); err == nil {
		t.Error("an empty payload type was signed")
	}
}

func signBlobJSON(t *testing.T, s *sign.Signer, data []byte) []byte {
	t.Helper()
	pb, err := s.SignBlob(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := sign.MarshalBundle(pb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verifyJSON(bundleData []byte, file []byte, opts sign.Options) (*sign.Result, error) {
	b, err := sign.ParseBundle(bundleData)
	if err != nil {
		return nil, err
	}
	return sign.Verify(b, []io.Reader{bytes.NewReader(file)}, opts)
}

// TestVerifyKey covers key-based verification: what passes, and the
// reason given for each way it must fail.
func TestVerifyKey(t *testing.T) {
	s := newSigner(t, sign.ECDSAP256)
	other := newSigner(t, sign.ECDSAP256)
	ed := newSigner(t, sign.Ed25519)
	good := signBlobJSON(t, s, artifact)
	edGood := signBlobJSON(t, ed, artifact)
	tamperedSig := bytes.Replace(good, []byte(`"signature":"`), []byte(`"signature":"AAAA`), 1)
	dsse, err := s.SignDSSE(sign.InTotoPayloadType, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"`+fmt.Sprintf("%x", sha256.Sum256(artifact))+`"}}],"predicateType":"https://example.com/p","predicate":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	dsseJSON, _ := sign.MarshalBundle(dsse)

	tests := []struct {
		name    string
		bundle  []byte
		file    []byte
		key     *sign.Signer
		wantErr string // "" = verifies
	}{
		{"ecdsa ok", good, artifact, s, ""},
		{"ed25519 ok", edGood, artifact, ed, ""},
		{"dsse ok", dsseJSON, artifact, s, ""},
		{"tampered artifact", good, []byte("hallmark release artifact!\n"), s, "the file's SHA-256 is "},
		{"tampered signature", tamperedSig, artifact, s, "failed to verify signature"},
		{"tampered signature keeps its own key hint", tamperedSig, artifact, s, "verification failed: failed to verify signature"},
		{"other key", good, artifact, other, "the bundle names key " + s.Hint() + " as its signer, but the key given is " + other.Hint() + " (ECDSA P-256): it was probably signed with another key (failed to verify signature"},
		{"ed25519 key for an ecdsa bundle", good, artifact, ed, "but the key given is " + ed.Hint() + " (Ed25519)"},
		{"ed25519 tampered", edGood, []byte("x"), ed, "the file's SHA-256 is "},
		{"dsse other subject", dsseJSON, []byte("x"), s, "provided artifact digests do not match digests in statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := verifyJSON(tt.bundle, tt.file, sign.Options{PublicKey: tt.key.PublicKey()})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if res.Key == nil || res.Key.Hint != tt.key.Hint() || res.Certificate != nil || len(res.Timestamps) != 0 || len(res.TransparencyLog) != 0 {
					t.Errorf("result = %+v", res)
				}
				return
			}
			var ve *sign.VerificationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want a VerificationError containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestVerifyCosignFixtures verifies bundles cosign v2.6.5 wrote
// (sign-blob and attest-blob with --key, --new-bundle-format, offline),
// and the DSSE envelope of the attestation on its own.
func TestVerifyCosignFixtures(t *testing.T) {
	pub, err := sign.ParsePublicKey(readFile(t, "testdata/cosign/cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	file := readFile(t, "testdata/cosign/artifact.txt")
	tests := []struct {
		bundle, content, version, predicateType, statementType string
	}{
		{"blob.sigstore.json", "message-signature", "v0.3", "", ""},
		{"provenance.sigstore.json", "dsse", "v0.3", "https://slsa.dev/provenance/v1", "https://in-toto.io/Statement/v0.1"},
		{"provenance.dsse.json", "dsse", "none (bare DSSE envelope)", "https://slsa.dev/provenance/v1", "https://in-toto.io/Statement/v0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.bundle, func(t *testing.T) {
			data := readFile(t, "testdata/cosign/"+tt.bundle)
			res, err := verifyJSON(data, file, sign.Options{PublicKey: pub})
			if err != nil {
				t.Fatal(err)
			}
			if res.Content != tt.content || res.BundleVersion != tt.version {
				t.Errorf("content, version = %q, %q; want %q, %q", res.Content, res.BundleVersion, tt.content, tt.version)
			}
			if tt.predicateType != "" {
				if res.Statement == nil || res.Statement.PredicateType != tt.predicateType || res.Statement.Type != tt.statementType ||
					len(res.Statement.Subjects) != 1 || res.Statement.Subjects[0].Name != "artifact.txt" {
					t.Errorf("statement = %+v", res.Statement)
				}
			}
			if _, err := verifyJSON(data, append(file, '!'), sign.Options{PublicKey: pub}); err == nil {
				t.Error("a changed artifact verified")
			}
		})
	}
}

func TestVerifyUsage(t *testing.T) {
	s := newSigner(t, sign.ECDSAP256)
	good := signBlobJSON(t, s, artifact)
	b, err := sign.ParseBundle(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		artifacts int
		opts      sign.Options
		want      string
		verifyErr bool
	}{
		{"nothing trusted", 1, sign.Options{}, "nothing to verify against", false},
		{"no artifact", 0, sign.Options{PublicKey: s.PublicKey()}, "no artifact given", false},
		{"two artifacts for a message signature", 2, sign.Options{PublicKey: s.PublicKey()}, "covers one artifact, 2 were given", false},
		{"keyless without identity", 1, sign.Options{TrustedRoot: emptyRoot(t)}, "needs the expected identity", false},
		{"keyless over a key bundle", 1, sign.Options{TrustedRoot: emptyRoot(t), Identities: []sign.Identity{{Subject: "a@b", Issuer: "https://i"}}}, "signed with a key", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []io.Reader
			for range tt.artifacts {
				files = append(files, bytes.NewReader(artifact))
			}
			_, err := sign.Verify(b, files, tt.opts)
			var ve *sign.VerificationError
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.As(err, &ve) != tt.verifyErr {
				t.Fatalf("error = %v, want %q (verification error: %v)", err, tt.want, tt.verifyErr)
			}
		})
	}
}

func TestParseBundleErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"not JSON", `{`, "not JSON"},
		{"no media type", `{"verificationMaterial":{}}`, "mediaType: missing"},
		{"unknown version", `{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=99.9"}`, "unsupported media type"},
		{"envelope without payload", `{"payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA"}]}`, "payload: missing"},
		{"envelope without signatures", `{"payloadType":"t","payload":"e30=","signatures":[]}`, "want at least one"},
		{"envelope bad base64", `{"payloadType":"t","payload":"%%%","signatures":[{"sig":"AAAA"}]}`, "payload: want base64"},
		{"envelope empty sig", `{"payloadType":"t","payload":"e30=","signatures":[{"sig":""}]}`, "signatures[0].sig: want non-empty base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.ParseBundle([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func emptyRoot(t *testing.T) *root.TrustedRoot {
	t.Helper()
	tr, err := sign.ParseTrustedRoot([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
