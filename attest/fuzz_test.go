package attest_test

import (
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/attest"
)

// FuzzParseStatement: no panic; an accepted statement has a known type,
// subjects with digests, and a predicate type, and the statement built
// from its parts parses again.
func FuzzParseStatement(f *testing.F) {
	golden, _ := filepath.Glob("testdata/statement.*.golden")
	for _, g := range golden {
		f.Add(read(f, filepath.Base(g)))
	}
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cyclonedx.org/bom","subject":[{"name":"a","digest":{"sha256":"a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"}}],"predicate":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := attest.ParseStatement(data)
		if err != nil {
			return
		}
		if st.Type != attest.StatementV1 && st.Type != attest.StatementV01 {
			t.Fatalf("accepted _type %q", st.Type)
		}
		if len(st.Subject) == 0 || st.PredicateType == "" {
			t.Fatalf("accepted a statement without subjects or predicate type: %+v", st)
		}
		if st.Type == attest.StatementV1 {
			again, err := attest.NewStatement(st.PredicateType, st.Predicate, st.Subject)
			if err != nil {
				t.Fatalf("an accepted v1 statement cannot be rebuilt: %v", err)
			}
			if _, err := attest.ParseStatement(again); err != nil {
				t.Fatalf("rebuilt statement does not parse: %v", err)
			}
		}
	})
}

// FuzzParseProvenance: no panic on any predicate, for both SLSA versions,
// and CheckPredicate agrees with ParseProvenance on what is malformed.
func FuzzParseProvenance(f *testing.F) {
	for _, name := range []string{"provenance-v1.json", "provenance-v1-invocationID.json", "provenance-v02.json"} {
		f.Add(read(f, name), true)
	}
	f.Add([]byte(`{"runDetails":{"metadata":{"invocationID":"x"}}}`), true)
	f.Fuzz(func(t *testing.T, data []byte, v1 bool) {
		typ := attest.PredicateSLSA02
		if v1 {
			typ = attest.PredicateSLSA1
		}
		_, perr := attest.ParseProvenance(typ, data)
		cerr := attest.CheckPredicate(typ, data)
		if perr != nil && cerr == nil {
			t.Fatalf("CheckPredicate accepted a predicate ParseProvenance rejects: %v", perr)
		}
	})
}
