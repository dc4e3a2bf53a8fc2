package sign_test

import (
	"bytes"
	"crypto"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/sign"
)

// seedFiles adds every file matching the globs under testdata as a seed.
func seedFiles(f *testing.F, globs ...string) {
	for _, g := range globs {
		paths, err := filepath.Glob(filepath.Join("testdata", g))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// FuzzParseBundle: no panic on any bytes, in parsing or in verifying what
// parsed; a parsed bundle re-encodes and parses again to the same JSON.
func FuzzParseBundle(f *testing.F) {
	seedFiles(f, "cosign/*.json")
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1"}`))
	pubPEM, err := os.ReadFile("testdata/cosign/cosign.pub")
	if err != nil {
		f.Fatal(err)
	}
	pub, err := sign.ParsePublicKey(pubPEM)
	if err != nil {
		f.Fatal(err)
	}
	artifactData, err := os.ReadFile("testdata/cosign/artifact.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := sign.ParseBundle(data)
		if err != nil {
			return
		}
		out, err := sign.MarshalBundle(b.Bundle)
		if err != nil {
			t.Fatalf("parsed bundle does not re-encode: %v", err)
		}
		b2, err := sign.ParseBundle(out)
		if err != nil {
			t.Fatalf("re-encoded bundle does not parse: %v\n%s", err, out)
		}
		out2, err := sign.MarshalBundle(b2.Bundle)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("bundle JSON not stable across a round trip:\n%s\n%s", out, out2)
		}
		_, _ = sign.Verify(b, []io.Reader{bytes.NewReader(artifactData)}, sign.Options{PublicKey: pub})
	})
}

// FuzzParseEnvelope: no panic; an accepted envelope has a payload type
// and non-empty signatures, as the DSSE spec requires.
func FuzzParseEnvelope(f *testing.F) {
	seedFiles(f, "cosign/*.dsse.json")
	f.Add([]byte(`{"payloadType":"t","payload":"","signatures":[{"keyid":"k","sig":"AA"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := sign.ParseEnvelope(data)
		if err != nil {
			return
		}
		if env.PayloadType == "" || len(env.Signatures) == 0 {
			t.Fatalf("accepted an envelope with no payload type or signatures: %v", env)
		}
		for _, s := range env.Signatures {
			if len(s.Sig) == 0 {
				t.Fatal("accepted an empty signature")
			}
		}
	})
}

// FuzzParsePrivateKey: no panic; a parsed key's public half survives a
// PKIX round trip.
func FuzzParsePrivateKey(f *testing.F) {
	seedFiles(f, "keys/*.pem")
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := sign.ParsePrivateKey(data, func() ([]byte, error) { return []byte("correct-horse"), nil })
		if err != nil {
			return
		}
		pubPEM, err := sign.MarshalPublicKey(key.Public())
		if err != nil {
			return // a key type PKIX cannot express
		}
		pub, err := sign.ParsePublicKey(pubPEM)
		if err != nil {
			t.Fatalf("public key of a parsed private key does not parse: %v", err)
		}
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
			t.Fatal("public key changed in a PKIX round trip")
		}
	})
}

// FuzzParsePublicKey: no panic; an accepted key has a hint.
func FuzzParsePublicKey(f *testing.F) {
	seedFiles(f, "keys/*.pub", "cosign/*.pub")
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := sign.ParsePublicKey(data)
		if err != nil {
			return
		}
		if h, err := sign.KeyHint(pub); err != nil || h == "" {
			t.Fatalf("accepted key has no hint: %v", err)
		}
	})
}

// FuzzParsePolicy: no panic; an accepted policy parses again from the
// same bytes to the same rules.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte("identities:\n  - subjectRegexp: ^https://github\\.com/org/\n    issuer: https://token.actions.githubusercontent.com\npredicateTypes: [https://slsa.dev/provenance/v1]\nsubjects:\n  - name: a\n    digest: {sha256: ab}\nsignedAfter: 2025-01-01T00:00:00Z\n"))
	f.Add([]byte(`{"signedBefore":"2027-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := sign.ParsePolicy(data)
		if err != nil {
			return
		}
		if len(p.PredicateTypes) > 0 && p.PredicateTypes[0] == "" {
			t.Fatal("accepted an empty predicate type")
		}
	})
}
