package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/sign"
)

// Verification is one bundle checked by `hallmark verify` (its -o json
// writes an array of them): the sign.Result fields, plus what was
// verified and, on failure, why.
type Verification struct {
	Verified  bool     `json:"verified"`
	Artifacts []string `json:"artifacts"`
	Bundle    string   `json:"bundle"`
	Error     string   `json:"error,omitempty"`
	*sign.Result
	Provenance *attest.Provenance `json:"provenance,omitempty"`
}

// VerificationTable writes a verified bundle for people: what was signed,
// by whom, when (and how that time is known), the log entries, the
// attestation's predicate and subjects, and every check made.
func VerificationTable(w io.Writer, out Verification) error {
	r := out.Result
	// Everything below but the times and indexes comes from the bundle,
	// its certificate or its statement: escaped, so a subject name cannot
	// forge a line or move the cursor.
	e := escape.Text
	fmt.Fprintf(w, "Verified OK: %s\n", e(strings.Join(out.Artifacts, ", ")))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	kind := "message signature"
	if r.Content == "dsse" {
		kind = "DSSE attestation"
	}
	fmt.Fprintf(tw, "  bundle:\t%s (%s, %s)\n", e(out.Bundle), e(r.BundleVersion), kind)
	switch {
	case r.Key != nil:
		fmt.Fprintf(tw, "  signed by:\tkey %s (%s)\n", e(r.Key.Hint), e(r.Key.Algorithm))
	case r.Certificate != nil:
		fmt.Fprintf(tw, "  identity:\t%s\n", e(r.Certificate.Identity))
		fmt.Fprintf(tw, "  issuer:\t%s\n", e(r.Certificate.Issuer))
		if r.Certificate.SourceRepo != "" {
			fmt.Fprintf(tw, "  source:\t%s @ %s\n", e(r.Certificate.SourceRepo), e(r.Certificate.SourceDigest))
		}
	}
	if len(r.Timestamps) == 0 {
		fmt.Fprintf(tw, "  signed at:\tno verified time (key-signed, no log entry or timestamp checked)\n")
	}
	for _, ts := range r.Timestamps {
		src := ts.Source
		if ts.URI != "" {
			src += " " + ts.URI
		}
		fmt.Fprintf(tw, "  signed at:\t%s (%s)\n", ts.Time.Format(time.RFC3339), e(src))
	}
	for _, le := range r.TransparencyLog {
		fmt.Fprintf(tw, "  log entry:\tindex %d, %s, %s\n", le.Index, e(le.Kind), e(le.Proof))
	}
	if st := r.Statement; st != nil {
		fmt.Fprintf(tw, "  predicate:\t%s (%s)\n", e(st.PredicateType), e(st.Type))
		for _, s := range st.Subjects {
			fmt.Fprintf(tw, "  subject:\t%s %s\n", e(s.Name), e(digestString(s.Digest)))
		}
	}
	if p := out.Provenance; p != nil {
		fmt.Fprintf(tw, "  builder:\t%s\n", e(p.BuilderID))
		fmt.Fprintf(tw, "  build type:\t%s\n", e(p.BuildType))
		if p.InvocationID != "" {
			fmt.Fprintf(tw, "  invocation:\t%s\n", e(p.InvocationID))
		}
	}
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "  checked:\t%s\n", e(c))
	}
	return tw.Flush()
}

func digestString(d map[string]string) string {
	if v, ok := d["sha256"]; ok {
		return "sha256:" + v
	}
	if algs := slices.Sorted(maps.Keys(d)); len(algs) > 0 {
		return algs[0] + ":" + d[algs[0]]
	}
	return ""
}
