package cli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/inventory"
	"github.com/hallmark-dev/hallmark/sign"
)

// attestFlags let sbom and scan sign what they write as an in-toto
// attestation about their target, in one step.
type attestFlags struct {
	bundle string
	key    string
}

func (f *attestFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.bundle, "attest", "", "also write a signed in-toto attestation (a Sigstore bundle) whose predicate is "+what+" and whose subject is the target, to this file; needs --key")
	cmd.Flags().StringVar(&f.key, "key", envOr("HALLMARK_KEY", ""), "private key for --attest (env HALLMARK_KEY; passphrase from HALLMARK_PASSWORD)")
}

// check rejects flag combinations before any work is done.
func (f *attestFlags) check() error {
	if f.bundle != "" && f.key == "" {
		return errors.New("--attest needs --key (make one with `hallmark key generate`)")
	}
	return nil
}

// attestation is an --attest made ready before any output is written: the
// subject's digest found and the key opened, so that a target with no
// digest or a key that does not open fails with nothing written.
type attestation struct {
	bundle  string
	subject attest.Subject
	signer  *sign.Signer
}

// prepareAttestation checks what --attest needs of target and opens the
// key; nil when --attest is not given.
func (a *app) prepareAttestation(f attestFlags, target inventory.Target) (*attestation, error) {
	if f.bundle == "" {
		return nil, nil
	}
	subject, err := targetSubject(target)
	if err != nil {
		return nil, err
	}
	signer, err := a.loadSigner(f.key)
	if err != nil {
		return nil, err
	}
	return &attestation{bundle: f.bundle, subject: subject, signer: signer}, nil
}

// write signs predicate about the prepared subject and writes the bundle.
func (a *app) writeAttestation(at *attestation, predicateType string, predicate []byte) error {
	if at == nil {
		return nil
	}
	bundle, err := attest.Attest(at.signer, predicateType, predicate, []attest.Subject{at.subject})
	if err != nil {
		return err
	}
	if err := writeFileMode(at.bundle, bundle, 0o644); err != nil {
		return err
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "hallmark: attestation (%s) about %s written to %s\n", predicateType, at.subject.Name, at.bundle)
	}
	return nil
}

// targetSubject names the target by its digest: a file's SHA-256, an
// image's manifest digest. A directory has no digest to attest to.
func targetSubject(t inventory.Target) (attest.Subject, error) {
	alg, hexDigest, ok := strings.Cut(t.Digest, ":")
	if !ok || alg != "sha256" {
		return attest.Subject{}, fmt.Errorf("--attest: %s is a %s, which has no digest to name as the subject; attest a file or an image", t.Name, t.Kind)
	}
	if _, err := hex.DecodeString(hexDigest); err != nil {
		return attest.Subject{}, fmt.Errorf("--attest: target digest %q: %w", t.Digest, err)
	}
	name := t.Name
	if t.Kind == "file" {
		if st, err := os.Stat(name); err == nil {
			name = st.Name()
		}
	}
	return attest.Subject{Name: name, Digest: map[string]string{"sha256": hexDigest}}, nil
}
