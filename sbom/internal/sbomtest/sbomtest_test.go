package sbomtest

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that notes failures instead of failing.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// TestValidatorsReject makes sure the validators can fail: a schema
// validator that accepts everything would make every golden test pass.
func TestValidatorsReject(t *testing.T) {
	for name, tc := range map[string]struct {
		validate func(testing.TB, []byte)
		doc      string
	}{
		"cyclonedx json":       {ValidateCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "gadget", "name": "x"}]}`},
		"cyclonedx license id": {ValidateCycloneDXJSON, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "x", "licenses": [{"license": {"id": "MIT License"}}]}]}`},
		"spdx json":            {ValidateSPDXJSON, `{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "documentNamespace": "https://x", "creationInfo": {"created": "2023-11-14T22:13:20Z", "creators": ["Tool: x"]}, "packages": [{"name": "p", "SPDXID": "SPDXRef-p", "downloadLocation": "NOASSERTION", "primaryPackagePurpose": "OPERATING-SYSTEM"}]}`},
		"cyclonedx xml":        {ValidateCycloneDXXML, `<?xml version="1.0" encoding="UTF-8"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components><component type="gadget"><name>x</name></component></components></bom>`},
	} {
		t.Run(name, func(t *testing.T) {
			r := &recorder{TB: t}
			tc.validate(r, []byte(tc.doc))
			if len(r.failed) == 0 {
				t.Errorf("the validator accepted an invalid document")
			}
		})
	}
}
