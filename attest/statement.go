// Package attest builds and reads in-toto attestations: Statements about
// artifacts, with a typed predicate, signed as DSSE envelopes inside
// Sigstore bundles (with a sign.Signer).
//
// Specs implemented:
//   - in-toto Attestation Framework, Statement layer v1,
//     https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
//     (written), and v0.1 (read: cosign v2 and v3 still write it). Subjects
//     are ResourceDescriptors with name and digest; uri, annotations and
//     the other descriptor fields are kept on read but never written.
//   - Predicate types: CycloneDX (https://cyclonedx.org/bom), SPDX
//     (https://spdx.dev/Document), SLSA Provenance v1
//     (https://slsa.dev/provenance/v1, read leniently together with v0.2),
//     OpenVEX (https://openvex.dev/ns/v0.2.0), hallmark scan results
//     (https://hallmark.dev/scan/v1), and any other absolute URI. Known
//     predicates get a shape check (the fields that make them what they
//     claim to be), not full schema validation.
//   - DSSE envelopes are the sign package's (PAE per
//     https://github.com/secure-systems-lab/dsse/blob/master/protocol.md).
//
// Validation of what is written uses the in-toto attestation library's
// Statement.Validate; the JSON itself is written with encoding/json so
// that the predicate keeps its bytes (the library's protobuf Struct would
// turn every number into a float64).
package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"
)

// Statement types.
const (
	StatementV1  = "https://in-toto.io/Statement/v1"
	StatementV01 = "https://in-toto.io/Statement/v0.1"
)

// MaxStatementSize bounds a statement or predicate read from outside
// (an SBOM predicate of a large image runs to tens of megabytes).
const MaxStatementSize = 128 << 20

// Subject is a statement subject: an artifact by name and digests
// (algorithm → lowercase hex).
type Subject struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Statement is an in-toto statement with its predicate kept as raw JSON.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate,omitempty"`
}

// DigestSubject reads r to its end and returns a subject named name with
// its SHA-256 digest.
func DigestSubject(name string, r io.Reader) (Subject, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return Subject{}, err
	}
	return Subject{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(h.Sum(nil))}}, nil
}

// SubjectsFromFiles digests each file; the subject name is the file's base
// name (as cosign attest-blob names it), so a statement does not record
// where the build happened to put its files.
func SubjectsFromFiles(paths ...string) ([]Subject, error) {
	var subjects []Subject
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		s, err := DigestSubject(filepath.Base(p), f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		subjects = append(subjects, s)
	}
	return subjects, nil
}

// NewStatement returns the JSON of an in-toto Statement v1 binding
// predicate (a JSON object) of predicateType to subjects. Subjects are
// sorted by name, then digest, so the same inputs give the same bytes.
func NewStatement(predicateType string, predicate []byte, subjects []Subject) ([]byte, error) {
	if u, err := url.Parse(predicateType); err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("predicate type %q: want an absolute URI", predicateType)
	}
	if len(subjects) == 0 {
		return nil, errors.New("statement needs at least one subject")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, predicate); err != nil {
		return nil, fmt.Errorf("predicate: not JSON: %w", err)
	}
	if c := compact.Bytes(); len(c) == 0 || c[0] != '{' {
		return nil, errors.New("predicate: want a JSON object")
	}
	subs := append([]Subject(nil), subjects...)
	sort.SliceStable(subs, func(i, j int) bool {
		if subs[i].Name != subs[j].Name {
			return subs[i].Name < subs[j].Name
		}
		return subs[i].Digest["sha256"] < subs[j].Digest["sha256"]
	})
	st := Statement{Type: StatementV1, Subject: subs, PredicateType: predicateType, Predicate: compact.Bytes()}
	if err := st.validate(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	// The statement is signed as bytes; "<" in an SBOM description stays
	// "<" rather than becoming "\u003c".
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// ParseStatement reads an in-toto statement, v1 or v0.1, and checks it
// against the Statement layer spec: a known _type, at least one subject,
// each subject with a digest (v1) whose known algorithms have hex of the
// right length, a predicateType URI, and an object (or absent, v0.1 only)
// predicate.
func ParseStatement(data []byte) (*Statement, error) {
	if len(data) > MaxStatementSize {
		return nil, fmt.Errorf("statement is %d bytes, more than the limit of %d", len(data), MaxStatementSize)
	}
	var st Statement
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if dec.More() {
		return nil, errors.New("statement: trailing data after the JSON object")
	}
	switch st.Type {
	case StatementV1, StatementV01:
	case "":
		return nil, errors.New(`statement: _type: missing: want "` + StatementV1 + `"`)
	default:
		return nil, fmt.Errorf("statement: _type: %q: want %q or %q", st.Type, StatementV1, StatementV01)
	}
	if p := bytes.TrimSpace(st.Predicate); len(p) > 0 && p[0] != '{' && !bytes.Equal(p, []byte("null")) {
		return nil, errors.New("statement: predicate: want a JSON object")
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	return &st, nil
}

// validate runs the in-toto library's checks. The predicate is checked
// for presence only (its contents are the predicate type's business), so
// an empty Struct stands in for it rather than a lossy conversion.
func (st *Statement) validate() error {
	pb := &intoto.Statement{Type: st.Type, PredicateType: st.PredicateType}
	for i, s := range st.Subject {
		rd := &intoto.ResourceDescriptor{Name: s.Name, Uri: s.URI, Digest: s.Digest}
		if err := rd.Validate(); err != nil {
			return fmt.Errorf("statement: subject[%d]: %w", i, err)
		}
		pb.Subject = append(pb.Subject, rd)
	}
	if p := bytes.TrimSpace(st.Predicate); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		pb.Predicate = &structpb.Struct{}
	} else if st.Type == StatementV01 {
		// v0.1 made the predicate optional.
		pb.Predicate = &structpb.Struct{}
	}
	if err := pb.Validate(); err != nil {
		return fmt.Errorf("statement: %w", err)
	}
	if u, err := url.Parse(st.PredicateType); err != nil || u.Scheme == "" {
		return fmt.Errorf("statement: predicateType: %q: want an absolute URI", st.PredicateType)
	}
	return nil
}
