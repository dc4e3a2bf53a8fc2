package attest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/internal/golden"
	"github.com/hallmark-dev/hallmark/sign"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

var testSubjects = []attest.Subject{
	{Name: "hallmark_linux_arm64.tar.gz", Digest: map[string]string{"sha256": "bbe5a8d53ba0b5d87fdc8d1e28e5e81e2b8f0fd9f0cde8a3ec9d7d0e9f5b1c2a"}},
	{Name: "hallmark_linux_amd64.tar.gz", Digest: map[string]string{"sha256": "5f2b1f7c0b9b3c4e9f5ad3b8b1b9d7e0e6d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9"}},
}

// TestNewStatement pins the exact statement bytes for each predicate
// fixture: field order, subject order, compact predicate, no HTML escaping.
func TestNewStatement(t *testing.T) {
	tests := []struct{ predicate, typ string }{
		{"cyclonedx.json", attest.PredicateCycloneDX},
		{"spdx.json", attest.PredicateSPDX},
		{"provenance-v1.json", attest.PredicateSLSA1},
		{"openvex.json", attest.PredicateOpenVEX},
	}
	for _, tt := range tests {
		t.Run(tt.predicate, func(t *testing.T) {
			got, err := attest.NewStatement(tt.typ, read(t, tt.predicate), testSubjects)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "statement."+strings.TrimSuffix(tt.predicate, ".json")+".golden"), append(got, '\n'))
			st, err := attest.ParseStatement(got)
			if err != nil {
				t.Fatalf("written statement does not parse: %v", err)
			}
			if st.Type != attest.StatementV1 || st.PredicateType != tt.typ || st.Subject[0].Name != "hallmark_linux_amd64.tar.gz" {
				t.Errorf("statement = %+v", st)
			}
		})
	}
}

func TestNewStatementErrors(t *testing.T) {
	tests := []struct {
		name, typ, predicate string
		subjects             []attest.Subject
		want                 string
	}{
		{"relative type", "provenance", `{}`, testSubjects, `predicate type "provenance": want an absolute URI`},
		{"no subjects", attest.PredicateSLSA1, `{}`, nil, "at least one subject"},
		{"array predicate", attest.PredicateSLSA1, `[1]`, testSubjects, "want a JSON object"},
		{"not JSON", attest.PredicateSLSA1, `{`, testSubjects, "predicate: not JSON"},
		{"short digest", attest.PredicateSLSA1, `{}`, []attest.Subject{{Name: "a", Digest: map[string]string{"sha256": "abcd"}}}, "subject[0]: digest has incorrect length"},
		{"no digest", attest.PredicateSLSA1, `{}`, []attest.Subject{{Name: "a"}}, "at least one digest required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := attest.NewStatement(tt.typ, []byte(tt.predicate), tt.subjects)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseStatement(t *testing.T) {
	const sub = `"subject":[{"name":"a","digest":{"sha256":"a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"}}]`
	tests := []struct {
		name, data, want string // want "" = accepted
	}{
		{"v1", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`, ""},
		{"v0.1 (cosign)", `{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cyclonedx.org/bom",` + sub + `,"predicate":{"bomFormat":"CycloneDX"}}`, ""},
		{"v0.1 without predicate", `{"_type":"https://in-toto.io/Statement/v0.1",` + sub + `,"predicateType":"https://example.com/p"}`, ""},
		{"v1 without predicate", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicateType":"https://example.com/p"}`, "predicate object required"},
		{"no type", `{` + sub + `,"predicateType":"https://example.com/p","predicate":{}}`, "_type: missing"},
		{"other type", `{"_type":"https://in-toto.io/Statement/v2",` + sub + `,"predicateType":"https://example.com/p","predicate":{}}`, `_type: "https://in-toto.io/Statement/v2"`},
		{"no subject", `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://example.com/p","predicate":{}}`, "at least one subject required"},
		{"bad hex", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"zz"}}],"predicateType":"https://example.com/p","predicate":{}}`, "not valid hex"},
		{"predicate string", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicateType":"https://example.com/p","predicate":"x"}`, "predicate: want a JSON object"},
		{"no predicate type", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicate":{}}`, "predicate type required"},
		{"subject is a string", `{"_type":"https://in-toto.io/Statement/v1","subject":"a","predicateType":"https://example.com/p","predicate":{}}`, "cannot unmarshal string"},
		{"trailing data", `{"_type":"https://in-toto.io/Statement/v1",` + sub + `,"predicateType":"https://example.com/p","predicate":{}} {}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := attest.ParseStatement([]byte(tt.data))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestPredicateType(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"cyclonedx", "https://cyclonedx.org/bom", ""},
		{"spdx", "https://spdx.dev/Document", ""},
		{"spdxjson", "https://spdx.dev/Document", ""},
		{"slsaprovenance1", "https://slsa.dev/provenance/v1", ""},
		{"SLSAProvenance1", "https://slsa.dev/provenance/v1", ""},
		{"slsaprovenance", "https://slsa.dev/provenance/v0.2", ""},
		{"openvex", "https://openvex.dev/ns/v0.2.0", ""},
		{"scan", "https://hallmark.dev/scan/v1", ""},
		{"https://example.com/custom/v1", "https://example.com/custom/v1", ""},
		{"urn:example:predicate", "urn:example:predicate", ""},
		{"custom", "", `predicate type "custom": want one of`},
		{"/relative/path", "", "want one of"},
	}
	for _, tt := range tests {
		got, err := attest.PredicateType(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("PredicateType(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCheckPredicate(t *testing.T) {
	tests := []struct {
		typ, file, want string // want "" = accepted
	}{
		{attest.PredicateCycloneDX, "cyclonedx.json", ""},
		{attest.PredicateSPDX, "spdx.json", ""},
		{attest.PredicateSLSA1, "provenance-v1.json", ""},
		{attest.PredicateSLSA1, "provenance-v1-invocationID.json", ""},
		{attest.PredicateSLSA02, "provenance-v02.json", ""},
		{attest.PredicateOpenVEX, "openvex.json", ""},
		{attest.PredicateScan, "cyclonedx.json", ""},
		{attest.PredicateCycloneDX, "spdx.json", `bomFormat: want "CycloneDX"`},
		{attest.PredicateSPDX, "cyclonedx.json", "spdxVersion: want"},
		{attest.PredicateSLSA1, "provenance-v02.json", "buildType: missing"},
		{attest.PredicateSLSA02, "provenance-v1.json", "buildType: missing"},
		{attest.PredicateOpenVEX, "spdx.json", "@context: want"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.file, func(t *testing.T) {
			err := attest.CheckPredicate(tt.typ, read(t, tt.file))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
	if err := attest.CheckPredicate("https://example.com/p", []byte(`"text"`)); err == nil {
		t.Error("a string predicate was accepted")
	}
}

// TestParseProvenance reads both spellings of the invocation ID (the v1
// spec's invocationId, cosign v2's invocationID) and v0.2's fields.
func TestParseProvenance(t *testing.T) {
	v1 := attest.Provenance{
		BuildType:    "https://actions.github.io/buildtypes/workflow/v1",
		BuilderID:    "https://github.com/hallmark-dev/hallmark/.github/workflows/release.yml@refs/tags/v0.4.0",
		InvocationID: "https://github.com/hallmark-dev/hallmark/actions/runs/9876543210/attempts/1",
		StartedOn:    "2026-08-20T10:15:02Z", FinishedOn: "2026-08-20T10:21:47Z",
	}
	tests := []struct {
		typ, file string
		want      attest.Provenance
	}{
		{attest.PredicateSLSA1, "provenance-v1.json", v1},
		{attest.PredicateSLSA1, "provenance-v1-invocationID.json", v1},
		{attest.PredicateSLSA02, "provenance-v02.json", attest.Provenance{
			BuildType:    "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
			BuilderID:    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.10.0",
			InvocationID: "9876543001-1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := attest.ParseProvenance(tt.typ, read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
	if _, err := attest.ParseProvenance(attest.PredicateCycloneDX, []byte(`{}`)); err == nil {
		t.Error("a CycloneDX predicate parsed as provenance")
	}
	if _, err := attest.ParseProvenance(attest.PredicateSLSA1, []byte(`{"runDetails":[]}`)); err == nil {
		t.Error("a malformed provenance parsed")
	}
}

// TestAttestVerify signs attestations and verifies them with sign.Verify:
// the subject files verify, other files do not, and the DSSE payload is
// exactly the statement NewStatement writes.
func TestAttestVerify(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "app.tar.gz")
	b := filepath.Join(dir, "app.zip")
	os.WriteFile(a, []byte("tarball"), 0o644)
	os.WriteFile(b, []byte("zipfile"), 0o644)
	subjects, err := attest.SubjectsFromFiles(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte("tarball")); len(subjects) != 2 || subjects[0].Name != "app.tar.gz" || subjects[0].Digest["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("subjects = %+v", subjects)
	}
	key, err := sign.GenerateKey(sign.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	predicate := read(t, "cyclonedx.json")
	data, err := attest.Attest(s, attest.PredicateCycloneDX, predicate, subjects)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := sign.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := attest.NewStatement(attest.PredicateCycloneDX, predicate, subjects)
	if env := bundle.GetDsseEnvelope(); env == nil || env.PayloadType != "application/vnd.in-toto+json" || !bytes.Equal(env.Payload, want) {
		t.Fatalf("envelope = %v", bundle.GetDsseEnvelope())
	}
	for _, tt := range []struct {
		files []string
		ok    bool
	}{
		{[]string{a}, true},
		{[]string{b}, true},
		{[]string{a, b}, true},
		{[]string{filepath.Join("testdata", "spdx.json")}, false},
	} {
		var rs []io.Reader
		for _, f := range tt.files {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			rs = append(rs, fh)
		}
		res, err := sign.Verify(bundle, rs, sign.Options{PublicKey: s.PublicKey()})
		if tt.ok != (err == nil) {
			t.Errorf("Verify(%v): err = %v, want ok=%v", tt.files, err, tt.ok)
			continue
		}
		var ve *sign.VerificationError
		if err != nil && !errors.As(err, &ve) {
			t.Errorf("Verify(%v): %v is not a VerificationError", tt.files, err)
		}
		if err == nil && (res.Statement == nil || res.Statement.PredicateType != attest.PredicateCycloneDX || len(res.Statement.Subjects) != 2) {
			t.Errorf("statement = %+v", res.Statement)
		}
	}
	// A predicate of the wrong shape is refused before anything is signed.
	if _, err := attest.Attest(s, attest.PredicateCycloneDX, read(t, "spdx.json"), subjects); err == nil {
		t.Error("an SPDX document was attested as CycloneDX")
	}
	var st attest.Statement
	if err := json.Unmarshal(want, &st); err != nil || st.Type != attest.StatementV1 {
		t.Errorf("statement = %+v, %v", st, err)
	}
}
