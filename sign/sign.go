// Package sign makes and checks Sigstore bundles with long-lived keys and
// verifies bundles from any Sigstore client, keyed or keyless.
//
// Formats implemented:
//   - Sigstore bundle v0.3, https://github.com/sigstore/protobuf-specs
//     (protos/sigstore_bundle.proto), media type
//     application/vnd.dev.sigstore.bundle.v0.3+json. Signing writes a
//     messageSignature (ECDSA P-256 over the SHA-256 of the artifact, or
//     Ed25519 over the artifact) or a DSSE envelope, with a publicKey hint
//     as the verification material; no certificate, transparency-log entry
//     or timestamp (those need Fulcio, Rekor and a TSA, which are online
//     services). Verification reads v0.1, v0.2 and v0.3 bundles.
//   - DSSE v1 pre-authentication encoding,
//     https://github.com/secure-systems-lab/dsse/blob/master/protocol.md,
//     through go-securesystemslib.
//   - Keys: PKCS#8 (RFC 5958), encrypted PKCS#8 (PBES2, RFC 8018), SEC 1
//     (RFC 5915), PKIX public keys (RFC 5280), and cosign's encrypted
//     format (scrypt + NaCl secretbox), through sigstore's cryptoutils.
//
// Verification is sigstore-go's (pkg/verify): certificate chains to the
// trusted root's CAs, SCTs, Rekor v1 inclusion proofs and signed entry
// timestamps, Rekor v2 checkpoints, RFC 3161 timestamps and identity
// matching are all done there; this package decides which of those to
// require from what the caller trusts, then applies a Policy on top.
//
// In the flow of DESIGN.md §2 this is the "attest/sign" step: the attest
// package builds in-toto statements and signs them with a Signer from here.
package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// BundleMediaType is the media type of the bundles hallmark writes.
const BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// InTotoPayloadType is the DSSE payload type of in-toto statements.
const InTotoPayloadType = "application/vnd.in-toto+json"

// MaxEd25519Message bounds what Ed25519 signs: pure Ed25519 needs the
// whole message in memory (it hashes it twice), unlike ECDSA which signs a
// streamed digest.
const MaxEd25519Message = 256 << 20

// Signer signs artifacts and DSSE payloads with one long-lived key.
type Signer struct {
	key  crypto.Signer
	pub  crypto.PublicKey
	hint string
	alg  Algorithm
}

// NewSigner wraps key. Only ECDSA P-256 and Ed25519 keys sign: they are
// what every Sigstore verifier accepts with a SHA-256 message digest.
func NewSigner(key crypto.Signer) (*Signer, error) {
	pub := key.Public()
	var alg Algorithm
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key is ECDSA %s: hallmark signs with ECDSA P-256 or Ed25519", k.Curve.Params().Name)
		}
		alg = ECDSAP256
	case ed25519.PublicKey:
		alg = Ed25519
	default:
		return nil, fmt.Errorf("signing key is %s: hallmark signs with ECDSA P-256 or Ed25519", KeyAlgorithm(pub))
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, pub: pub, hint: hint, alg: alg}, nil
}

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() crypto.PublicKey { return s.pub }

// Hint returns the key hint written into bundles.
func (s *Signer) Hint() string { return s.hint }

// Algorithm returns the key's algorithm.
func (s *Signer) Algorithm() Algorithm { return s.alg }

// SignBlob reads the artifact from r and returns a v0.3 bundle holding a
// message signature over it. ECDSA signs the SHA-256 digest, streamed;
// Ed25519 signs the message itself (at most MaxEd25519Message bytes).
func (s *Signer) SignBlob(r io.Reader) (*protobundle.Bundle, error) {
	h := sha256.New()
	var sig []byte
	switch s.alg {
	case ECDSAP256:
		if _, err := io.Copy(h, r); err != nil {
			return nil, fmt.Errorf("reading artifact: %w", err)
		}
		var err error
		if sig, err = s.key.Sign(rand.Reader, h.Sum(nil), crypto.SHA256); err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
	case Ed25519:
		msg, err := io.ReadAll(io.LimitReader(r, MaxEd25519Message+1))
		if err != nil {
			return nil, fmt.Errorf("reading artifact: %w", err)
		}
		if len(msg) > MaxEd25519Message {
			return nil, fmt.Errorf("artifact is larger than %d bytes, the most an Ed25519 signature covers here: use an ECDSA P-256 key", MaxEd25519Message)
		}
		h.Write(msg)
		if sig, err = s.key.Sign(rand.Reader, msg, crypto.Hash(0)); err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
	}
	return &protobundle.Bundle{
		MediaType:            BundleMediaType,
		VerificationMaterial: s.material(),
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			// The digest is informative for verifiers (they recompute it);
			// Sigstore records SHA2-256 for both key types.
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: h.Sum(nil)},
			Signature:     sig,
		}},
	}, nil
}

// SignDSSE returns a v0.3 bundle holding a DSSE envelope over payload.
// The signature covers the DSSE pre-authentication encoding
// PAE(payloadType, payload), never the payload alone.
func (s *Signer) SignDSSE(payloadType string, payload []byte) (*protobundle.Bundle, error) {
	if payloadType == "" {
		return nil, errors.New("DSSE payload type is empty")
	}
	pae := dsse.PAE(payloadType, payload)
	var (
		sig []byte
		err error
	)
	switch s.alg {
	case ECDSAP256:
		sum := sha256.Sum256(pae)
		sig, err = s.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	case Ed25519:
		sig, err = s.key.Sign(rand.Reader, pae, crypto.Hash(0))
	}
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return &protobundle.Bundle{
		MediaType:            BundleMediaType,
		VerificationMaterial: s.material(),
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     payload,
			PayloadType: payloadType,
			// keyid is optional and unauthenticated (DSSE protocol.md);
			// cosign and sigstore-go leave it empty, so do we.
			Signatures: []*protodsse.Signature{{Sig: sig}},
		}},
	}, nil
}

func (s *Signer) material() *protobundle.VerificationMaterial {
	return &protobundle.VerificationMaterial{
		Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: s.hint}},
	}
}

// MarshalBundle encodes b as the canonical protobuf JSON that Sigstore
// clients exchange, compacted (protojson varies its whitespace between
// builds on purpose; compacting makes the output stable) and ending in a
// newline.
func MarshalBundle(b *protobundle.Bundle) ([]byte, error) {
	raw, err := protojson.Marshal(b)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, raw); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
