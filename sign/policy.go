package sign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/verify"
	"go.yaml.in/yaml/v3"
)

// MaxPolicySize bounds a policy file.
const MaxPolicySize = 1 << 20

// Policy is what a verified bundle must also satisfy, read from a YAML (or
// JSON) file:
//
//	identities:          # keyless: the certificate must match one of these
//	  - subject: https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.0
//	    issuer: https://token.actions.githubusercontent.com
//	  - subjectRegexp: ^https://github\.com/org/
//	    issuerRegexp: ^https://token\.actions\.githubusercontent\.com$
//	predicateTypes:      # the bundle must be an attestation of one of these types
//	  - https://slsa.dev/provenance/v1
//	subjects:            # the statement must name each of these
//	  - name: hallmark_linux_amd64.tar.gz
//	    digest: {sha256: 5f2b...}
//	signedAfter: 2025-01-01T00:00:00Z   # every verified signing time must be
//	signedBefore: 2027-01-01T00:00:00Z  # inside this window (RFC 3339)
//
// Every field is optional; unknown fields are an error, so a misspelt rule
// cannot silently allow everything.
type Policy struct {
	Identities     []Identity      `yaml:"identities"`
	PredicateTypes []string        `yaml:"predicateTypes"`
	Subjects       []PolicySubject `yaml:"subjects"`
	SignedAfter    string          `yaml:"signedAfter"`
	SignedBefore   string          `yaml:"signedBefore"`

	after, before time.Time
}

// PolicySubject is a subject the statement must name: by name, by digest,
// or both. Digests compare case-insensitively per algorithm.
type PolicySubject struct {
	Name   string            `yaml:"name"`
	Digest map[string]string `yaml:"digest"`
}

// ParsePolicy reads a policy from YAML or JSON and checks every rule in it
// (regexps compile, times parse, predicate types are URIs).
func ParsePolicy(data []byte) (*Policy, error) {
	if len(data) > MaxPolicySize {
		return nil, fmt.Errorf("policy is %d bytes, more than the limit of %d", len(data), MaxPolicySize)
	}
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("policy: empty: want at least one rule (identities, predicateTypes, subjects, signedAfter, signedBefore)")
		}
		return nil, fmt.Errorf("policy: %w", err)
	}
	// A second document ("---") would be ignored by Decode: rules in it
	// would silently not apply.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return nil, fmt.Errorf("policy: line %d: a second YAML document: want the whole policy in one document", line)
	}
	for i, id := range p.Identities {
		if _, err := id.matcher(); err != nil {
			return nil, fmt.Errorf("policy: identities[%d]: %w", i, err)
		}
		for _, re := range []string{id.SubjectRegexp, id.IssuerRegexp} {
			if _, err := regexp.Compile(re); err != nil {
				return nil, fmt.Errorf("policy: identities[%d]: %w", i, err)
			}
		}
	}
	for i, pt := range p.PredicateTypes {
		if u, err := url.Parse(pt); err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("policy: predicateTypes[%d]: %q: want an absolute URI such as https://slsa.dev/provenance/v1", i, pt)
		}
	}
	for i, s := range p.Subjects {
		if s.Name == "" && len(s.Digest) == 0 {
			return nil, fmt.Errorf("policy: subjects[%d]: want a name, a digest, or both", i)
		}
	}
	var err error
	if p.SignedAfter != "" {
		if p.after, err = time.Parse(time.RFC3339, p.SignedAfter); err != nil {
			return nil, fmt.Errorf("policy: signedAfter: %q: want an RFC 3339 time like 2025-01-01T00:00:00Z", p.SignedAfter)
		}
	}
	if p.SignedBefore != "" {
		if p.before, err = time.Parse(time.RFC3339, p.SignedBefore); err != nil {
			return nil, fmt.Errorf("policy: signedBefore: %q: want an RFC 3339 time like 2027-01-01T00:00:00Z", p.SignedBefore)
		}
	}
	if !p.after.IsZero() && !p.before.IsZero() && !p.after.Before(p.before) {
		return nil, errors.New("policy: signedAfter must be before signedBefore")
	}
	return &p, nil
}

// check applies the policy to a verified bundle.
func (p *Policy) check(res *Result, vr *verify.VerificationResult) error {
	if len(p.Identities) > 0 {
		if res.Certificate == nil || vr.Signature == nil || vr.Signature.Certificate == nil {
			return failed("policy requires a certificate identity, but the bundle is signed with a key")
		}
		var ids verify.CertificateIdentities
		for _, id := range p.Identities {
			m, err := id.matcher()
			if err != nil {
				return err
			}
			ids = append(ids, m)
		}
		if _, err := ids.Verify(*vr.Signature.Certificate); err != nil {
			return failed("policy: certificate identity %q (issuer %q) matches none of the policy's identities: %v", res.Certificate.Identity, res.Certificate.Issuer, err)
		}
	}
	if len(p.PredicateTypes) > 0 || len(p.Subjects) > 0 {
		if res.Statement == nil {
			return failed("policy requires an attestation (predicate types or subjects), but the bundle holds a message signature")
		}
	}
	if len(p.PredicateTypes) > 0 && !slices.Contains(p.PredicateTypes, res.Statement.PredicateType) {
		return failed("policy: predicate type %q is not one of %s", res.Statement.PredicateType, strings.Join(p.PredicateTypes, ", "))
	}
	for i, want := range p.Subjects {
		if !hasSubject(res.Statement.Subjects, want) {
			return failed("policy: subjects[%d] (%s) is not a subject of the statement", i, want)
		}
	}
	if !p.after.IsZero() || !p.before.IsZero() {
		if len(res.Timestamps) == 0 {
			return failed("policy requires a signing time between %s and %s, but the bundle has no verified timestamp (a key-signed bundle needs a transparency-log entry or an RFC 3161 timestamp checked against a trusted root)", orOpen(p.SignedAfter), orOpen(p.SignedBefore))
		}
		for _, ts := range res.Timestamps {
			if !p.after.IsZero() && ts.Time.Before(p.after) {
				return failed("policy: signed at %s (%s), before signedAfter %s", ts.Time.Format(time.RFC3339), ts.Source, p.SignedAfter)
			}
			if !p.before.IsZero() && ts.Time.After(p.before) {
				return failed("policy: signed at %s (%s), after signedBefore %s", ts.Time.Format(time.RFC3339), ts.Source, p.SignedBefore)
			}
		}
	}
	return nil
}

func (p *Policy) describe() string {
	var parts []string
	if n := len(p.Identities); n > 0 {
		parts = append(parts, fmt.Sprintf("identity matches 1 of %d", n))
	}
	if len(p.PredicateTypes) > 0 {
		parts = append(parts, "predicate type allowed")
	}
	if n := len(p.Subjects); n > 0 {
		parts = append(parts, fmt.Sprintf("%d required subjects present", n))
	}
	if p.SignedAfter != "" || p.SignedBefore != "" {
		parts = append(parts, fmt.Sprintf("signed between %s and %s", orOpen(p.SignedAfter), orOpen(p.SignedBefore)))
	}
	if len(parts) == 0 {
		return "no rules"
	}
	return strings.Join(parts, "; ")
}

func (s PolicySubject) String() string {
	var parts []string
	if s.Name != "" {
		parts = append(parts, "name "+s.Name)
	}
	for _, alg := range slices.Sorted(maps.Keys(s.Digest)) {
		parts = append(parts, alg+":"+s.Digest[alg])
	}
	return strings.Join(parts, ", ")
}

func hasSubject(subjects []Subject, want PolicySubject) bool {
next:
	for _, s := range subjects {
		if want.Name != "" && s.Name != want.Name {
			continue
		}
		for alg, d := range want.Digest {
			if !strings.EqualFold(s.Digest[alg], d) {
				continue next
			}
		}
		return true
	}
	return false
}

func orOpen(s string) string {
	if s == "" {
		return "(open)"
	}
	return s
}
