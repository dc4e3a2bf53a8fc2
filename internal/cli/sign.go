package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hallmark-dev/hallmark/sign"
)

func (a *app) signCmd() *cobra.Command {
	var (
		keyPath, bundlePath string
		res                 outputFlags
	)
	cmd := &cobra.Command{
		Use:   "sign FILE...",
		Short: "Sign files into Sigstore bundles",
		Long: `Sign each FILE with a private key and write a Sigstore bundle v0.3
(application/vnd.dev.sigstore.bundle.v0.3+json) holding the signature over
the file's SHA-256 and the key's hint. cosign verify-blob --key accepts it.

The key is any private key 'hallmark key generate' or cosign writes (also
plain PKCS#8 and SEC 1); HALLMARK_PASSWORD (or COSIGN_PASSWORD) holds its
passphrase, or it is asked for on a terminal; it is decrypted once for all
the files. Each FILE gets FILE.sigstore.json unless --bundle names the
output of a single file. Nothing is uploaded: there is
no transparency-log entry and no timestamp.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := res.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			if err := bundleStdoutTaken(outs, bundlePath); err != nil {
				return withCode(ExitError, err)
			}
			if keyPath == "" {
				return withCode(ExitError, errNoKey)
			}
			if bundlePath != "" && len(args) > 1 {
				return withCode(ExitError, errors.New("--bundle names one output: with several files, each gets FILE.sigstore.json"))
			}
			// Every file is checked before the first bundle is written, so
			// a mistyped name does not leave half the files signed.
			for _, file := range args {
				if err := signable(file); err != nil {
					return withCode(ExitError, err)
				}
			}
			s, err := a.loadSigner(keyPath)
			if err != nil {
				return withCode(ExitError, err)
			}
			type signed struct {
				File   string `json:"file"`
				Bundle string `json:"bundle"`
			}
			var done []signed
			for _, file := range args {
				out := bundlePath
				if out == "" {
					out = file + ".sigstore.json"
				}
				if err := a.signFile(s, file, out); err != nil {
					return withCode(ExitError, err)
				}
				done = append(done, signed{file, out})
			}
			err = a.writeResult(outs, done, func(w io.Writer) error {
				for _, d := range done {
					if d.Bundle != "-" {
						if _, err := fmt.Fprintf(w, "wrote %s\n", d.Bundle); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return withCode(ExitError, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", os.Getenv("HALLMARK_KEY"), "private key file (env HALLMARK_KEY)")
	cmd.Flags().StringVar(&bundlePath, "bundle", "", `write the bundle here ("-" for stdout; default FILE.sigstore.json)`)
	res.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	return cmd
}

// signFile signs file into a bundle at out ("-" for stdout).
func (a *app) signFile(s *sign.Signer, file, out string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := s.SignBlob(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	data, err := sign.MarshalBundle(b)
	if err != nil {
		return err
	}
	return writeTo(a.stdout, out, data)
}

// signable checks that file can be opened and is a regular file (or a
// device or pipe the user names on purpose), not a directory.
func signable(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s: is a directory, not a file to sign", file)
	}
	return nil
}
