package sign

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// MaxBundleSize bounds a bundle read from outside. Attestation bundles
// carry their statement (an SBOM can be tens of megabytes) base64-encoded.
const MaxBundleSize = 128 << 20

// MaxTrustedRootSize bounds a trusted root JSON (public-good's is 7 kB).
const MaxTrustedRootSize = 4 << 20

// VerificationError is a failed verification: the bundle, artifact, key or
// policy did not check out. Anything else Verify returns is a usage error
// (nothing to verify against, an unreadable option).
type VerificationError struct {
	Reason error
}

func (e *VerificationError) Error() string { return "verification failed: " + e.Reason.Error() }
func (e *VerificationError) Unwrap() error { return e.Reason }

func failed(format string, args ...any) error {
	return &VerificationError{Reason: fmt.Errorf(format, args...)}
}

// ParseBundle reads a Sigstore bundle (v0.1, v0.2 or v0.3 JSON) and checks
// its structure (sigstore-go's bundle validation: media type, required
// fields per version, inclusion proofs where v0.2+ demands them).
//
// A bare DSSE envelope ({"payloadType", "payload", "signatures"}, as older
// cosign and in-toto tools write) is accepted too and wrapped into a v0.3
// bundle with no verification material: it can only be verified with a key.
func ParseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("bundle is %d bytes, more than the limit of %d", len(data), MaxBundleSize)
	}
	// Bundles are the common case: parse them once. Only JSON without
	// the text "mediaType" anywhere (a bundle's top level has it; a DSSE
	// envelope's payload is base64 and cannot) is probed further.
	if bytes.Contains(data, []byte(`"mediaType"`)) {
		var b bundle.Bundle
		if err := b.UnmarshalJSON(data); err != nil {
			if !json.Valid(data) {
				return nil, fmt.Errorf("not JSON: %w", err)
			}
			return nil, fmt.Errorf("bundle: %w", err)
		}
		return &b, nil
	}
	var probe struct {
		PayloadType *string `json:"payloadType"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if probe.PayloadType != nil {
		env, err := ParseEnvelope(data)
		if err != nil {
			return nil, err
		}
		b, err := bundle.NewBundle(&protobundle.Bundle{
			MediaType:            BundleMediaType,
			VerificationMaterial: &protobundle.VerificationMaterial{Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: bareEnvelopeHint}}},
			Content:              &protobundle.Bundle_DsseEnvelope{DsseEnvelope: env},
		})
		if err != nil {
			return nil, fmt.Errorf("DSSE envelope: %w", err)
		}
		return b, nil
	}
	return nil, errors.New(`mediaType: missing: want a Sigstore bundle ("application/vnd.dev.sigstore.bundle...") or a DSSE envelope`)
}

// bareEnvelopeHint marks a bundle ParseBundle made from a bare envelope.
// A real hint is base64, which has no spaces.
const bareEnvelopeHint = "bare DSSE envelope"

// ParseEnvelope reads a standalone DSSE envelope in its JSON form
// (https://github.com/secure-systems-lab/dsse/blob/master/envelope.md):
// payloadType and payload are required, payload and every sig are
// standard or URL-safe base64, and there is at least one signature.
func ParseEnvelope(data []byte) (*protodsse.Envelope, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("envelope is %d bytes, more than the limit of %d", len(data), MaxBundleSize)
	}
	var raw struct {
		PayloadType *string `json:"payloadType"`
		Payload     *string `json:"payload"`
		Signatures  []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("DSSE envelope: %w", err)
	}
	if raw.PayloadType == nil || *raw.PayloadType == "" {
		return nil, errors.New("DSSE envelope: payloadType: missing or empty")
	}
	if raw.Payload == nil {
		return nil, errors.New("DSSE envelope: payload: missing")
	}
	payload, err := decodeB64(*raw.Payload)
	if err != nil {
		return nil, fmt.Errorf("DSSE envelope: payload: want base64: %w", err)
	}
	if len(raw.Signatures) == 0 {
		return nil, errors.New("DSSE envelope: signatures: want at least one")
	}
	env := &protodsse.Envelope{PayloadType: *raw.PayloadType, Payload: payload}
	for i, s := range raw.Signatures {
		sig, err := decodeB64(s.Sig)
		if err != nil || len(sig) == 0 {
			return nil, fmt.Errorf("DSSE envelope: signatures[%d].sig: want non-empty base64", i)
		}
		env.Signatures = append(env.Signatures, &protodsse.Signature{Sig: sig, Keyid: s.KeyID})
	}
	return env, nil
}

// decodeB64 accepts the standard and URL-safe alphabets, padded or not,
// as the DSSE spec asks of parsers.
func decodeB64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// ParseTrustedRoot reads a Sigstore trusted root
// (application/vnd.dev.sigstore.trustedroot+json;version=0.1).
func ParseTrustedRoot(data []byte) (*root.TrustedRoot, error) {
	if len(data) > MaxTrustedRootSize {
		return nil, fmt.Errorf("trusted root is %d bytes, more than the limit of %d", len(data), MaxTrustedRootSize)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	return tr, nil
}

// Identity is an expected signer of a keyless bundle: the certificate's
// subject alternative name and its OIDC issuer (Fulcio extension
// 1.3.6.1.4.1.57264.1.8, or .1.1). Each is matched exactly, by regular
// expression (RE2, unanchored, as cosign does: anchor with ^ and $), or
// both when both are given.
type Identity struct {
	Subject       string `json:"subject,omitempty" yaml:"subject"`
	SubjectRegexp string `json:"subjectRegexp,omitempty" yaml:"subjectRegexp"`
	Issuer        string `json:"issuer,omitempty" yaml:"issuer"`
	IssuerRegexp  string `json:"issuerRegexp,omitempty" yaml:"issuerRegexp"`
}

func (id Identity) matcher() (verify.CertificateIdentity, error) {
	if id.Subject == "" && id.SubjectRegexp == "" {
		return verify.CertificateIdentity{}, errors.New("identity needs a subject (certificate identity) or a subject regexp")
	}
	if id.Issuer == "" && id.IssuerRegexp == "" {
		return verify.CertificateIdentity{}, errors.New("identity needs an OIDC issuer or an issuer regexp")
	}
	return verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp)
}

// Options says what a bundle is verified against.
type Options struct {
	// PublicKey, when set, is the one key the bundle must be signed with.
	PublicKey crypto.PublicKey
	// TrustedRoot anchors certificates, transparency logs, CT logs and
	// timestamp authorities. Required for keyless bundles; with a
	// PublicKey it adds transparency-log and timestamp checks.
	TrustedRoot root.TrustedMaterial
	// Identities: a keyless bundle's certificate must match one of them.
	Identities []Identity
	// Policy is checked after the signature verifies.
	Policy *Policy
}

// Result says what was verified.
type Result struct {
	// BundleVersion is the bundle's media type version ("v0.3").
	BundleVersion string `json:"bundleVersion"`
	// Content is "message-signature" or "dsse".
	Content string `json:"content"`
	// Key is set for key-signed bundles.
	Key *KeyResult `json:"key,omitempty"`
	// Certificate is set for certificate-signed (keyless) bundles.
	Certificate *CertificateResult `json:"certificate,omitempty"`
	// Timestamps are the verified signing times and where they come from.
	Timestamps []Timestamp `json:"timestamps"`
	// TransparencyLog lists the verified log entries; empty when the
	// bundle was not checked against a log.
	TransparencyLog []LogEntry `json:"transparencyLog"`
	// Statement summarises a DSSE bundle's in-toto statement.
	Statement *Statement `json:"statement,omitempty"`
	// Checks says in words what was checked, in order.
	Checks []string `json:"checks"`
}

// KeyResult identifies the key that verified the signature.
type KeyResult struct {
	Algorithm string `json:"algorithm"`
	Hint      string `json:"hint"`
}

// CertificateResult is the verified signing certificate's identity.
type CertificateResult struct {
	Identity       string `json:"identity"`
	Issuer         string `json:"issuer"`
	CA             string `json:"ca"`
	SourceRepo     string `json:"sourceRepository,omitempty"`
	SourceRef      string `json:"sourceRepositoryRef,omitempty"`
	SourceDigest   string `json:"sourceRepositoryDigest,omitempty"`
	BuildConfigURI string `json:"buildConfigURI,omitempty"`
}

// Timestamp is one verified signing time.
type Timestamp struct {
	// Source is "transparency-log" (a Rekor integrated time) or
	// "timestamp-authority" (an RFC 3161 timestamp).
	Source string    `json:"source"`
	URI    string    `json:"uri,omitempty"`
	Time   time.Time `json:"time"`
}

// LogEntry is a verified transparency-log entry.
type LogEntry struct {
	Index          int64      `json:"logIndex"`
	LogID          string     `json:"logId"`
	Kind           string     `json:"kind"`
	IntegratedTime *time.Time `json:"integratedTime,omitempty"`
	// Proof is what the entry was verified by: "inclusion proof",
	// "signed entry timestamp", or both.
	Proof string `json:"proof"`
}

// Statement is the part of an in-toto statement that verification and
// policies use.
type Statement struct {
	Type          string    `json:"type"`
	PredicateType string    `json:"predicateType"`
	Subjects      []Subject `json:"subjects"`
}

// Subject is a statement subject.
type Subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// Verifier verifies bundles against one set of Options; build it once to
// verify many bundles (the key and identities are prepared once).
type Verifier struct {
	opts       Options
	trusted    root.TrustedMaterialCollection
	policyOpts []verify.PolicyOption
	key        *KeyResult
}

// NewVerifier checks opts and prepares what every verification shares.
// Its errors are usage errors.
func NewVerifier(opts Options) (*Verifier, error) {
	if opts.PublicKey == nil && opts.TrustedRoot == nil {
		return nil, errors.New("nothing to verify against: give a public key or a trusted root")
	}
	v := &Verifier{opts: opts}
	if opts.PublicKey != nil {
		sv, err := signature.LoadDefaultVerifier(opts.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		// The key is trusted whatever the bundle's hint says: the hint is
		// unauthenticated, and other tools write other hints.
		key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
		v.trusted = append(v.trusted, root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil }))
		v.policyOpts = append(v.policyOpts, verify.WithKey())
		hint, err := KeyHint(opts.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		v.key = &KeyResult{Algorithm: KeyAlgorithm(opts.PublicKey), Hint: hint}
	} else {
		if len(opts.Identities) == 0 {
			return nil, errors.New("keyless verification needs the expected identity and OIDC issuer")
		}
		for _, id := range opts.Identities {
			m, err := id.matcher()
			if err != nil {
				return nil, err
			}
			v.policyOpts = append(v.policyOpts, verify.WithCertificateIdentity(m))
		}
	}
	if opts.TrustedRoot != nil {
		v.trusted = append(v.trusted, opts.TrustedRoot)
	}
	return v, nil
}

// Verify checks b over the artifacts with a Verifier made from opts; see
// Verifier.Verify.
func Verify(b *bundle.Bundle, artifacts []io.Reader, opts Options) (*Result, error) {
	v, err := NewVerifier(opts)
	if err != nil {
		return nil, err
	}
	return v.Verify(b, artifacts)
}

// Verify checks b over the artifacts (exactly one for a message
// signature; one or more for a DSSE bundle, each of which must be a
// subject of its statement) and then the Options' Policy. Failed checks
// come back as *VerificationError with the reason.
func (v *Verifier) Verify(b *bundle.Bundle, artifacts []io.Reader) (*Result, error) {
	opts := v.opts
	if b == nil || b.Bundle == nil {
		return nil, errors.New("no bundle")
	}
	if len(artifacts) == 0 {
		return nil, errors.New("no artifact given: verification needs the signed file")
	}
	res := &Result{Timestamps: []Timestamp{}, TransparencyLog: []LogEntry{}}
	res.BundleVersion, _ = b.Version()
	if b.VerificationMaterial.GetPublicKey().GetHint() == bareEnvelopeHint {
		res.BundleVersion = "none (bare DSSE envelope)"
	}
	isDSSE := b.GetDsseEnvelope() != nil
	if isDSSE {
		res.Content = "dsse"
	} else {
		res.Content = "message-signature"
		if len(artifacts) != 1 {
			return nil, fmt.Errorf("a message-signature bundle covers one artifact, %d were given", len(artifacts))
		}
	}
	if opts.PublicKey != nil && b.VerificationMaterial.GetPublicKey() == nil {
		return nil, failed("the bundle is signed with a certificate, but --key was given: verify it with a trusted root and an identity")
	}
	if opts.PublicKey == nil && b.VerificationMaterial.GetPublicKey() != nil {
		return nil, failed("the bundle is signed with a key (hint %q), not a certificate: verify it with --key", b.VerificationMaterial.GetPublicKey().GetHint())
	}

	// What to require: whatever the trusted root can check, so a bundle
	// cannot skip a check by leaving its evidence out.
	var vopts []verify.VerifierOption
	var checks []string
	timeSources := 0
	tlogChecked := false
	if opts.TrustedRoot != nil {
		if len(opts.TrustedRoot.RekorLogs()) > 0 {
			tlogChecked = true
			vopts = append(vopts, verify.WithTransparencyLog(1))
			checks = append(checks, "transparency-log entry: inclusion proof / checkpoint and signed entry timestamp against the trusted root's Rekor keys")
			if b.HasInclusionPromise() {
				vopts = append(vopts, verify.WithIntegratedTimestamps(1))
				timeSources++
			}
		}
		if ts, err := b.Timestamps(); err == nil && len(ts) > 0 && len(opts.TrustedRoot.TimestampingAuthorities()) > 0 {
			vopts = append(vopts, verify.WithSignedTimestamps(1))
			checks = append(checks, "RFC 3161 timestamp against the trusted root's timestamp authorities")
			timeSources++
		}
		if opts.PublicKey == nil && len(opts.TrustedRoot.CTLogs()) > 0 {
			vopts = append(vopts, verify.WithSignedCertificateTimestamps(1))
			checks = append(checks, "certificate: signed certificate timestamp from a trusted CT log")
		}
	}
	if timeSources == 0 {
		if opts.PublicKey == nil {
			return nil, failed("no verifiable signing time: the bundle has neither a transparency-log entry with a signed entry timestamp nor an RFC 3161 timestamp from an authority in the trusted root, and a short-lived certificate cannot be checked without one")
		}
		vopts = append(vopts, verify.WithNoObserverTimestamps())
	}
	// The predicate is read by callers from the verified payload; building
	// it as a protobuf Struct here would only cost time.
	vopts = append(vopts, verify.WithoutStatementPredicate())
	verifier, err := verify.NewVerifier(v.trusted, vopts...)
	if err != nil {
		return nil, fmt.Errorf("configuring verifier: %w", err)
	}

	var artifactOpt verify.ArtifactPolicyOption
	var digest *digestReader
	if len(artifacts) == 1 {
		digest = &digestReader{r: artifacts[0], h: sha256.New()}
		artifactOpt = verify.WithArtifact(digest)
	} else {
		artifactOpt = verify.WithArtifacts(artifacts)
	}
	vr, err := verifier.Verify(b, verify.NewPolicy(artifactOpt, v.policyOpts...))
	if err != nil {
		// sigstore-go reports a changed file as a bad signature. When the
		// file was read to its end and its digest is not the one the
		// bundle says it signed, say that instead: it is the likelier story.
		if md := b.GetMessageSignature().GetMessageDigest(); digest != nil && digest.eof &&
			md.GetAlgorithm() == protocommon.HashAlgorithm_SHA2_256 && !bytes.Equal(md.GetDigest(), digest.h.Sum(nil)) {
			return nil, failed("the file's SHA-256 is %x but the bundle signs %x: the file was changed after signing, or the bundle belongs to another file (%v)", digest.h.Sum(nil), md.GetDigest(), err)
		}
		// sigstore-go says only "invalid signature". When the bundle's key
		// hint names another key than the one given, the likelier story is
		// a bundle signed by another key; the hint is unauthenticated, so
		// it only explains the failure, it never decides anything.
		if hint := b.VerificationMaterial.GetPublicKey().GetHint(); v.key != nil && hint != "" && hint != bareEnvelopeHint && hint != v.key.Hint {
			return nil, failed("the bundle names key %s as its signer, but the key given is %s (%s): it was probably signed with another key (%v)", hint, v.key.Hint, v.key.Algorithm, err)
		}
		return nil, &VerificationError{Reason: err}
	}

	if v.key != nil {
		k := *v.key
		res.Key = &k
		checks = append([]string{"signature: " + res.Key.Algorithm + " public key " + res.Key.Hint}, checks...)
	} else if vr.Signature != nil && vr.Signature.Certificate != nil {
		c := vr.Signature.Certificate
		res.Certificate = &CertificateResult{
			Identity: c.SubjectAlternativeName, Issuer: c.Issuer, CA: c.CertificateIssuer,
			SourceRepo: c.SourceRepositoryURI, SourceRef: c.SourceRepositoryRef, SourceDigest: c.SourceRepositoryDigest,
			BuildConfigURI: c.BuildConfigURI,
		}
		checks = append([]string{
			"signature: certificate chains to a Fulcio CA in the trusted root at the signing time",
			"identity: " + c.SubjectAlternativeName + " issued by " + c.Issuer,
		}, checks...)
	}
	if isDSSE {
		checks = append(checks, "DSSE envelope signature over PAE(payloadType, payload); artifact digest is a statement subject")
	} else {
		checks = append(checks, "message signature over the artifact's digest")
	}
	for _, ts := range vr.VerifiedTimestamps {
		src := ts.Type
		switch ts.Type {
		case "Tlog":
			src = "transparency-log"
		case "TimestampAuthority":
			src = "timestamp-authority"
		}
		res.Timestamps = append(res.Timestamps, Timestamp{Source: src, URI: ts.URI, Time: ts.Timestamp.UTC()})
	}
	if tlogChecked {
		entries, err := b.TlogEntries()
		if err == nil {
			for _, e := range entries {
				tle := e.TransparencyLogEntry()
				le := LogEntry{Index: e.LogIndex(), LogID: hex.EncodeToString(tle.GetLogId().GetKeyId())}
				if kv := tle.GetKindVersion(); kv != nil {
					le.Kind = kv.GetKind() + " " + kv.GetVersion()
				}
				if t := e.IntegratedTime(); !t.IsZero() && t.Unix() != 0 {
					t = t.UTC()
					le.IntegratedTime = &t
				}
				switch {
				case e.HasInclusionProof() && e.HasInclusionPromise():
					le.Proof = "inclusion proof to a signed checkpoint, and signed entry timestamp"
				case e.HasInclusionProof():
					le.Proof = "inclusion proof to a signed checkpoint"
				default:
					le.Proof = "signed entry timestamp"
				}
				res.TransparencyLog = append(res.TransparencyLog, le)
			}
		}
	} else {
		checks = append(checks, "transparency log: not checked (no trusted root with Rekor logs given)")
	}
	if vr.Statement != nil {
		st := &Statement{Type: vr.Statement.GetType(), PredicateType: vr.Statement.GetPredicateType(), Subjects: []Subject{}}
		for _, s := range vr.Statement.GetSubject() {
			st.Subjects = append(st.Subjects, Subject{Name: s.GetName(), Digest: s.GetDigest()})
		}
		res.Statement = st
	}
	res.Checks = checks

	if opts.Policy != nil {
		if err := opts.Policy.check(res, vr); err != nil {
			return nil, err
		}
		res.Checks = append(res.Checks, "policy: "+opts.Policy.describe())
	}
	return res, nil
}

// digestReader hashes what sigstore-go reads of the artifact.
type digestReader struct {
	r   io.Reader
	h   hash.Hash
	eof bool
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	if err == io.EOF {
		d.eof = true
	}
	return n, err
}
