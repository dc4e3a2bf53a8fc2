package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/internal/plural"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/internal/limited"
)

func (a *app) attestCmd() *cobra.Command {
	var (
		keyPath, predicatePath, predType, bundlePath string
		subjects                                     []string
		res                                          outputFlags
	)
	cmd := &cobra.Command{
		Use:   "attest --predicate FILE --type TYPE --subject FILE... --key KEY",
		Short: "Sign an in-toto attestation about files",
		Long: `Wrap the predicate in an in-toto Statement v1 whose subjects are the
SHA-256 digests of the --subject files (named by their base names), sign it
as a DSSE envelope and write a Sigstore bundle v0.3. cosign
verify-blob-attestation accepts it; 'hallmark verify SUBJECT --bundle B'
checks it.

Types (--type): ` + strings.Join(attest.PredicateNames(), ", ") + `, or any
absolute URI. cyclonedx = https://cyclonedx.org/bom, spdx =
https://spdx.dev/Document, slsaprovenance1 = https://slsa.dev/provenance/v1,
openvex = https://openvex.dev/ns/v0.2.0, scan = https://hallmark.dev/scan/v1.
Known types are checked for shape (a CycloneDX predicate must be a CycloneDX
JSON BOM, and so on). Subjects may also be given as arguments.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			subjects = append(subjects, args...)
			outs, err := res.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			if err := bundleStdoutTaken(outs, bundlePath); err != nil {
				return withCode(ExitError, err)
			}
			switch {
			case keyPath == "":
				return withCode(ExitError, errNoKey)
			case predicatePath == "":
				return withCode(ExitError, errors.New("--predicate is required: the JSON document to attest"))
			case predType == "":
				return withCode(ExitError, errors.New("--type is required: "+strings.Join(attest.PredicateNames(), ", ")+", or a URI"))
			case len(subjects) == 0:
				return withCode(ExitError, errors.New("--subject is required: the file(s) the attestation is about"))
			}
			uri, err := attest.PredicateType(predType)
			if err != nil {
				return withCode(ExitError, err)
			}
			if bundlePath == "" {
				if len(subjects) > 1 {
					return withCode(ExitError, errors.New("--bundle is required with more than one subject"))
				}
				bundlePath = subjects[0] + ".intoto.sigstore.json"
			}
			predicate, err := limited.ReadFile(predicatePath, attest.MaxStatementSize)
			if err != nil {
				return withCode(ExitError, err)
			}
			subs, err := attest.SubjectsFromFiles(subjects...)
			if err != nil {
				return withCode(ExitError, err)
			}
			s, err := a.loadSigner(keyPath)
			if err != nil {
				return withCode(ExitError, err)
			}
			data, err := attest.Attest(s, uri, predicate, subs)
			if err != nil {
				return withCode(ExitError, fmt.Errorf("%s: %w", predicatePath, err))
			}
			if err := writeTo(a.stdout, bundlePath, data); err != nil {
				return withCode(ExitError, err)
			}
			names := make([]string, len(subs))
			for i, s := range subs {
				names[i] = s.Name
			}
			result := struct {
				Bundle        string   `json:"bundle"`
				PredicateType string   `json:"predicateType"`
				Subjects      []string `json:"subjects"`
			}{bundlePath, uri, names}
			err = a.writeResult(outs, result, func(w io.Writer) error {
				if bundlePath == "-" {
					return nil
				}
				_, err := fmt.Fprintf(w, "wrote %s (%s about %s)\n", bundlePath, uri, plural.S(len(subs), "subject"))
				return err
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", os.Getenv("HALLMARK_KEY"), "private key file (env HALLMARK_KEY)")
	cmd.Flags().StringVar(&predicatePath, "predicate", "", "the predicate: a JSON file (an SBOM, provenance, VEX document, scan result)")
	cmd.Flags().StringVar(&predType, "type", "", "predicate type: a short name or a URI")
	cmd.Flags().StringArrayVar(&subjects, "subject", nil, "a file the attestation is about (repeatable)")
	cmd.Flags().StringVar(&bundlePath, "bundle", "", `write the bundle here ("-" for stdout; default SUBJECT.intoto.sigstore.json)`)
	res.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}
