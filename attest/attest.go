package attest

import (
	"fmt"

	"github.com/hallmark-dev/hallmark/sign"
)

// Attest checks predicate against predicateType (see CheckPredicate),
// wraps it in an in-toto Statement v1 about subjects, signs that as a DSSE
// envelope (payload type application/vnd.in-toto+json) with s, and returns
// the Sigstore bundle v0.3 as JSON, ready to write to a .sigstore.json
// file. predicateType is a URI; resolve short names with PredicateType.
//
// This is what `hallmark attest`, `hallmark sbom --attest` and
// `hallmark scan --attest` call.
func Attest(s *sign.Signer, predicateType string, predicate []byte, subjects []Subject) ([]byte, error) {
	if err := CheckPredicate(predicateType, predicate); err != nil {
		return nil, err
	}
	stmt, err := NewStatement(predicateType, predicate, subjects)
	if err != nil {
		return nil, err
	}
	b, err := s.SignDSSE(sign.InTotoPayloadType, stmt)
	if err != nil {
		return nil, fmt.Errorf("signing statement: %w", err)
	}
	return sign.MarshalBundle(b)
}
