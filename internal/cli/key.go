package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hallmark-dev/hallmark/internal/limited"
	"github.com/hallmark-dev/hallmark/sign"
)

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage signing keys",
	}
	cmd.AddCommand(a.keyGenerateCmd())
	return cmd
}

func (a *app) keyGenerateCmd() *cobra.Command {
	var (
		res    outputFlags
		out    string
		alg    string
		format string
		force  bool
	)
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a signing key pair",
		Long: `Generate a key pair: PREFIX.key (the private key, mode 0600) and PREFIX.pub
(the public key, PKIX PEM, to give to verifiers, mode 0644).

Each file is written new, with its mode from the start, and renamed into
place: --force replaces an existing file whatever its mode was, and a
symbolic link at either name is itself replaced, never written through, so
a link planted where the key goes cannot send the key elsewhere.

The private key is encrypted with a passphrase from HALLMARK_PASSWORD, or
asked for (twice, without echo) when stdin is a terminal. An empty
passphrase writes an unencrypted PKCS#8 key.

Algorithms (--algorithm): ecdsa-p256 (default: every Sigstore tool, Rekor
and KMS accepts it) or ed25519.
Formats (--format): pkcs8 (default: "ENCRYPTED PRIVATE KEY", PBES2 with
PBKDF2-SHA256 and AES-256-CBC, which OpenSSL reads too) or cosign
("ENCRYPTED SIGSTORE PRIVATE KEY", the only encrypted format cosign signs
with). hallmark signs with either.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			outs, err := res.resolve(a)
			if err != nil {
				return withCode(ExitError, err)
			}
			keyPath, pubPath := out+".key", out+".pub"
			for _, p := range []string{keyPath, pubPath} {
				// Lstat: a symbolic link is there even when it dangles
				// (writing through one would create its target).
				fi, err := os.Lstat(p)
				if err != nil {
					continue
				}
				if !force {
					return withCode(ExitError, fmt.Errorf("%s exists: remove it or pass --force", p))
				}
				if !fi.Mode().IsRegular() && fi.Mode()&os.ModeSymlink == 0 {
					return withCode(ExitError, fmt.Errorf("%s exists and is not a regular file or a symbolic link: --force replaces only those", p))
				}
			}
			key, err := sign.GenerateKey(sign.Algorithm(alg))
			if err != nil {
				return withCode(ExitError, err)
			}
			pass, err := a.passphrase(keyPath, true)
			if err != nil {
				return withCode(ExitError, fmt.Errorf("%s: %w", keyPath, err))
			}
			privPEM, err := sign.MarshalPrivateKey(key, pass, sign.KeyFormat(format))
			if err != nil {
				return withCode(ExitError, err)
			}
			pubPEM, err := sign.MarshalPublicKey(key.Public())
			if err != nil {
				return withCode(ExitError, err)
			}
			if err := writeKeyFile(keyPath, privPEM, 0o600); err != nil {
				return withCode(ExitError, err)
			}
			if err := writeKeyFile(pubPath, pubPEM, 0o644); err != nil {
				return withCode(ExitError, err)
			}
			if len(pass) == 0 && sign.KeyFormat(format) != sign.FormatSigstore {
				a.log.Warn("the private key is not encrypted (empty passphrase)", "key", keyPath)
			}
			result := struct {
				PrivateKey string `json:"private_key"`
				PublicKey  string `json:"public_key"`
				Algorithm  string `json:"algorithm"`
				Format     string `json:"format"`
				Encrypted  bool   `json:"encrypted"`
			}{keyPath, pubPath, alg, format, len(pass) > 0 || sign.KeyFormat(format) == sign.FormatSigstore}
			return a.writeResult(outs, result, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "wrote %s (%s private key) and %s\n", keyPath, sign.KeyAlgorithm(key.Public()), pubPath)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "hallmark", "write PREFIX.key and PREFIX.pub")
	cmd.Flags().StringVar(&alg, "algorithm", string(sign.ECDSAP256), "key algorithm: ecdsa-p256 or ed25519")
	cmd.Flags().StringVar(&format, "format", string(sign.FormatPKCS8), "private key format: pkcs8 or cosign")
	res.register(cmd, "", []string{formatTable, formatJSON}, formatTable)
	cmd.Flags().BoolVar(&force, "force", false, "replace existing key files (a symbolic link is replaced, never written through)")
	return cmd
}

var errNoKey = errors.New("--key is required: the private key to sign with (or set HALLMARK_KEY)")

// passphrase returns the passphrase for the private key at path (the
// prompt names it; errors do not, callers add it):
// HALLMARK_PASSWORD when set (even to ""), else COSIGN_PASSWORD (so cosign
// keys work as they do with cosign), else a no-echo prompt when stdin is a
// terminal. confirm asks twice, for new keys.
func (a *app) passphrase(path string, confirm bool) ([]byte, error) {
	if env := passphraseEnv(); env != "" {
		return []byte(os.Getenv(env)), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, errors.New("a passphrase is needed: set HALLMARK_PASSWORD (stdin is not a terminal to ask on)")
	}
	fmt.Fprintf(a.stderr, "Passphrase for %s: ", path)
	p1, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading passphrase: %w", err)
	}
	if confirm {
		fmt.Fprintf(a.stderr, "Passphrase again: ")
		p2, err := term.ReadPassword(fd)
		fmt.Fprintln(a.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading passphrase: %w", err)
		}
		if string(p1) != string(p2) {
			return nil, errors.New("the passphrases differ")
		}
	}
	return p1, nil
}

// passphraseEnv names the environment variable the passphrase comes
// from, or "" when neither is set and it must be asked for.
func passphraseEnv() string {
	for _, env := range []string{"HALLMARK_PASSWORD", "COSIGN_PASSWORD"} {
		if _, ok := os.LookupEnv(env); ok {
			return env
		}
	}
	return ""
}

// loadSigner reads the private key at path (any format sign.ParsePrivateKey
// reads), asking for its passphrase only if it is encrypted. `hallmark
// sign`, `attest`, and the --attest flags of sbom and scan use it.
func (a *app) loadSigner(path string) (*sign.Signer, error) {
	data, err := limited.ReadFile(path, sign.MaxKeyFileSize)
	if err != nil {
		return nil, err
	}
	asked := false
	key, err := sign.ParsePrivateKey(data, func() ([]byte, error) { asked = true; return a.passphrase(path, false) })
	if err != nil {
		// A wrong passphrase from the environment is easy to miss when
		// HALLMARK_PASSWORD is set for another key: say where it came from.
		if env := passphraseEnv(); asked && env != "" && errors.Is(err, sign.ErrDecrypt) {
			return nil, fmt.Errorf("%s: %w; the passphrase was taken from %s", path, err, env)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := sign.NewSigner(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// writeFileMode writes data to path ("-" is stdout) with mode perm for a
// new file (see replaceFile).
func writeFileMode(path string, data []byte, perm os.FileMode) error {
	if path == "-" {
		_, err := os.Stdout.Write(data)
		return err
	}
	return replaceFile(path, perm, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// writeTo writes data to path, or to w when path is "-".
func writeTo(w io.Writer, path string, data []byte) error {
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	return writeFileMode(path, data, 0o644)
}

// writeKeyFile writes a key file: a new temporary file in the destination's
// directory, created with mode perm (0600 for a private key, never wider
// for a moment), synced and renamed over name. Unlike replaceFile for
// outputs, it neither keeps an old file's mode (an old 0644 file would
// expose the new private key) nor follows a symbolic link at name: rename
// replaces the link itself, and the link's target is not touched.
func writeKeyFile(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	tmp := f.Name()
	// CreateTemp makes the file 0600; a public key is then opened up to
	// perm (Chmod is exact, the umask does not apply).
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", name, unwrapPath(err))
	}
	return nil
}
