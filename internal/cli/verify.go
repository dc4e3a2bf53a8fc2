package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/internal/escape"
	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/report"
	"github.com/hallmark-dev/hallmark/sign"
)

func (a *app) verifyCmd() *cobra.Command {
	var (
		bundlePath, keyPath, rootPath, policyPath string
		id                                        sign.Identity
		out                                       outputFlags
	)
	cmd := &cobra.Command{
		Use:   "verify FILE... --bundle BUNDLE (--key PUB | --trusted-root ROOT --certificate-identity ID --certificate-oidc-issuer URL)",
		Short: "Verify a Sigstore bundle over a file",
		Long: `Verify that BUNDLE (a Sigstore bundle v0.1-v0.3 from any Sigstore client,
holding a message signature or a DSSE attestation) signs FILE.

With --key, the signature must be by that public key. With --trusted-root
(a Sigstore trusted_root.json) and an identity, the bundle's certificate
must chain to the root's Fulcio CAs at the signing time and match the
identity; the signing time comes from the transparency-log entry or an
RFC 3161 timestamp, and whatever the root can check is required: Rekor v1
inclusion proofs and signed entry timestamps, Rekor v2 checkpoints, SCTs,
timestamps. --key with --trusted-root also checks the key-signed bundle's
log entries.

For an attestation, FILE must be one of the statement's subjects (give
several files with one --bundle to check several subjects). Without
--bundle, each FILE is verified against its own FILE.sigstore.json, all in
one run.

--policy FILE adds rules (YAML or JSON): identities (subject/issuer, exact
or regexp), predicateTypes, subjects, signedAfter/signedBefore.

Output says what was verified (identity, issuer, time source, log index);
-o json for machines: an array with one object per bundle checked. Exit status: 0 verified, 1 verification failed (the
reason on stderr, and in the JSON), 2 usage error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := out.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			opts, err := a.verifyOptions(keyPath, rootPath, policyPath, id)
			if err != nil {
				return withCode(ExitError, err)
			}
			verifier, err := sign.NewVerifier(opts)
			if err != nil {
				return withCode(ExitError, err)
			}
			// One bundle over all the files (an attestation's subjects),
			// or, without --bundle, each file with its own FILE.sigstore.json.
			type job struct {
				files  []string
				bundle string
			}
			var jobs []job
			if bundlePath != "" {
				jobs = []job{{args, bundlePath}}
			} else {
				for _, f := range args {
					jobs = append(jobs, job{[]string{f}, f + ".sigstore.json"})
				}
			}
			var results []report.Verification
			failed := 0
			for _, j := range jobs {
				r, err := a.verifyOne(j.files, j.bundle, verifier)
				if err != nil {
					return withCode(ExitError, err)
				}
				if !r.Verified {
					failed++
					fmt.Fprintf(a.stderr, "hallmark: %s: %s\n", escape.Text(strings.Join(j.files, ", ")), escape.Text(r.Error))
				}
				results = append(results, r)
			}
			err = a.writeOutputs(outs, func(w io.Writer, o output) error {
				if o.format == formatJSON {
					// Always an array, one element per bundle, so a
					// script reads one shape however many files it gave.
					return writeJSON(w, results)
				}
				for _, r := range results {
					if r.Verified {
						if err := report.VerificationTable(w, r); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			if failed > 0 {
				return withCode(ExitFindings, fmt.Errorf("%d of %d verifications failed", failed, len(jobs)))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundlePath, "bundle", "", "the Sigstore bundle; without it each FILE is checked against FILE.sigstore.json")
	f.StringVar(&keyPath, "key", "", "the signer's public key (PEM)")
	f.StringVar(&rootPath, "trusted-root", os.Getenv("HALLMARK_TRUSTED_ROOT"), "Sigstore trusted_root.json for keyless bundles and log checks (env HALLMARK_TRUSTED_ROOT)")
	f.StringVar(&id.Subject, "certificate-identity", "", "expected certificate identity (SAN: email, URI)")
	f.StringVar(&id.SubjectRegexp, "certificate-identity-regexp", "", "expected certificate identity, as an RE2 regexp (unanchored)")
	f.StringVar(&id.Issuer, "certificate-oidc-issuer", "", "expected OIDC issuer of the certificate")
	f.StringVar(&id.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "expected OIDC issuer, as an RE2 regexp (unanchored)")
	f.StringVar(&policyPath, "policy", "", "verification policy file (YAML or JSON)")
	out.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}

// verifyOne verifies files against the bundle at bundlePath. A failed
// verification is reported in the output (Verified false, Error set); an
// error return is a usage error (a file that cannot be read).
func (a *app) verifyOne(files []string, bundlePath string, verifier *sign.Verifier) (report.Verification, error) {
	out := report.Verification{Artifacts: files, Bundle: bundlePath}
	bundleData, err := limited.ReadFile(bundlePath, sign.MaxBundleSize)
	if err != nil {
		return out, err
	}
	var readers []io.Reader
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return out, err
		}
		defer f.Close()
		readers = append(readers, bufio.NewReaderSize(f, 64<<10))
	}
	res, prov, err := verifyBundle(bundlePath, bundleData, readers, verifier)
	if err != nil {
		var ve *sign.VerificationError
		if !errors.As(err, &ve) {
			return out, fmt.Errorf("%s: %w", bundlePath, err)
		}
		out.Error = err.Error()
		return out, nil
	}
	out.Verified, out.Result, out.Provenance = true, res, prov
	return out, nil
}

// verifyOptions reads the key, trusted root and policy the flags name.
func (a *app) verifyOptions(keyPath, rootPath, policyPath string, id sign.Identity) (sign.Options, error) {
	var opts sign.Options
	hasID := id != (sign.Identity{})
	if keyPath != "" {
		if hasID {
			return opts, errors.New("--key and --certificate-identity/--certificate-oidc-issuer exclude each other: a bundle is signed by a key or by a certificate")
		}
		data, err := limited.ReadFile(keyPath, sign.MaxKeyFileSize)
		if err != nil {
			return opts, err
		}
		if opts.PublicKey, err = sign.ParsePublicKey(data); err != nil {
			return opts, fmt.Errorf("%s: %w", keyPath, err)
		}
	}
	if rootPath != "" {
		data, err := limited.ReadFile(rootPath, sign.MaxTrustedRootSize)
		if err != nil {
			return opts, err
		}
		tr, err := sign.ParseTrustedRoot(data)
		if err != nil {
			return opts, fmt.Errorf("%s: %w", rootPath, err)
		}
		opts.TrustedRoot = tr
	}
	if policyPath != "" {
		data, err := limited.ReadFile(policyPath, sign.MaxPolicySize)
		if err != nil {
			return opts, err
		}
		if opts.Policy, err = sign.ParsePolicy(data); err != nil {
			return opts, fmt.Errorf("%s: %w", policyPath, err)
		}
	}
	if hasID {
		opts.Identities = []sign.Identity{id}
	} else if opts.PublicKey == nil && opts.Policy != nil {
		opts.Identities = opts.Policy.Identities
	}
	switch {
	case opts.PublicKey == nil && opts.TrustedRoot == nil:
		return opts, errors.New("give --key PUB, or --trusted-root ROOT with --certificate-identity and --certificate-oidc-issuer")
	case opts.PublicKey == nil && len(opts.Identities) == 0:
		return opts, errors.New("keyless verification needs --certificate-identity (or -regexp) and --certificate-oidc-issuer (or -regexp), or identities in --policy")
	}
	return opts, nil
}

// verifyBundle parses and verifies the bundle, then reads an
// attestation's statement strictly (in-toto v1 or v0.1) and, for SLSA
// provenance, its builder and invocation.
func verifyBundle(bundlePath string, data []byte, files []io.Reader, verifier *sign.Verifier) (*sign.Result, *attest.Provenance, error) {
	b, err := sign.ParseBundle(data)
	if err != nil {
		// The message is printed after the artifact's name: name the
		// bundle too, since it is the file that is wrong.
		return nil, nil, &sign.VerificationError{Reason: fmt.Errorf("bundle %s: %w", bundlePath, err)}
	}
	res, err := verifier.Verify(b, files)
	if err != nil {
		return nil, nil, err
	}
	env := b.GetDsseEnvelope()
	if env == nil || env.GetPayloadType() != sign.InTotoPayloadType {
		return res, nil, nil
	}
	st, err := attest.ParseStatement(env.GetPayload())
	if err != nil {
		return nil, nil, &sign.VerificationError{Reason: err}
	}
	switch st.PredicateType {
	case attest.PredicateSLSA1, attest.PredicateSLSA02:
		prov, err := attest.ParseProvenance(st.PredicateType, st.Predicate)
		if err != nil {
			return nil, nil, &sign.VerificationError{Reason: err}
		}
		return res, prov, nil
	}
	return res, nil, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
