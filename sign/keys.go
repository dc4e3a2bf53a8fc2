package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/youmark/pkcs8"
)

// Algorithm names a key type hallmark generates and signs with.
type Algorithm string

const (
	// ECDSAP256 is ECDSA on NIST P-256 with SHA-256: the one algorithm every
	// Sigstore client, Rekor and KMS accepts, and hallmark's default.
	ECDSAP256 Algorithm = "ecdsa-p256"
	// Ed25519 is pure Ed25519 (RFC 8032). Sigstore verifiers accept it for
	// message signatures and DSSE with a key; Rekor logs only Ed25519ph.
	Ed25519 Algorithm = "ed25519"
)

// KeyFormat is how a private key is written.
type KeyFormat string

const (
	// FormatPKCS8 is an "ENCRYPTED PRIVATE KEY" PEM block: PKCS#8
	// EncryptedPrivateKeyInfo with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
	// RFC 5958 §3 and RFC 8018. OpenSSL, sigstore-go and hallmark read it.
	FormatPKCS8 KeyFormat = "pkcs8"
	// FormatSigstore is the "ENCRYPTED SIGSTORE PRIVATE KEY" PEM block that
	// cosign writes and is the only encrypted format cosign signs with:
	// PKCS#8 DER sealed with scrypt + NaCl secretbox.
	FormatSigstore KeyFormat = "cosign"
)

// MaxKeyFileSize bounds key files read from disk: a PEM key is a few
// hundred bytes, an RSA-4096 one a few kilobytes.
const MaxKeyFileSize = 64 << 10

// ErrEncrypted is returned by ParsePrivateKey when the key is encrypted and
// no passphrase function was given.
var ErrEncrypted = errors.New("private key is encrypted: a passphrase is needed")

// ErrDecrypt is wrapped by ParsePrivateKey's error when an encrypted key
// does not decrypt with the passphrase given: the usual cause is a wrong
// passphrase (the formats cannot tell it apart from a damaged key).
var ErrDecrypt = errors.New("wrong passphrase?")

// PassFunc returns the passphrase for an encrypted private key. It is
// called only when the key turns out to be encrypted, so unencrypted keys
// never prompt.
type PassFunc func() ([]byte, error)

// GenerateKey makes a new private key.
func GenerateKey(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case ECDSAP256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("unknown key algorithm %q: want %q or %q", alg, ECDSAP256, Ed25519)
}

// MarshalPrivateKey encrypts key with passphrase and PEM-encodes it in
// format. In the PKCS#8 format an empty passphrase means no encryption (an
// unencrypted "PRIVATE KEY" block: PKCS#8 has no "encrypted with nothing");
// cosign's format encrypts even with an empty passphrase, as cosign does.
func MarshalPrivateKey(key crypto.Signer, passphrase []byte, format KeyFormat) ([]byte, error) {
	switch format {
	case FormatPKCS8, "":
		if len(passphrase) == 0 {
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return nil, fmt.Errorf("encoding private key: %w", err)
			}
			return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
		}
		// PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, as OpenSSL 3
		// writes by default. 100,000 iterations (the library defaults to
		// 10,000, OpenSSL to 2,048) makes a guess cost about what cosign's
		// scrypt parameters make it cost, while loading a key stays well
		// under a second.
		opts := &pkcs8.Opts{
			Cipher:  pkcs8.AES256CBC,
			KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 16, IterationCount: 100000, HMACHash: crypto.SHA256},
		}
		der, err := pkcs8.MarshalPrivateKey(key, passphrase, opts)
		if err != nil {
			return nil, fmt.Errorf("encrypting private key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), nil
	case FormatSigstore:
		if passphrase == nil {
			passphrase = []byte{} // cryptoutils treats nil as "no password function"
		}
		der, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(key, cryptoutils.StaticPasswordFunc(passphrase))
		if err != nil {
			return nil, fmt.Errorf("encrypting private key: %w", err)
		}
		return cryptoutils.PEMEncode(cryptoutils.EncryptedSigstorePrivateKeyPEMType, der), nil
	}
	return nil, fmt.Errorf("unknown key format %q: want %q or %q", format, FormatPKCS8, FormatSigstore)
}

// MarshalPublicKey PEM-encodes pub as a PKIX SubjectPublicKeyInfo
// ("PUBLIC KEY"), the form cosign and sigstore-go read.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	return cryptoutils.MarshalPublicKeyToPEM(pub)
}

// ParsePrivateKey reads a PEM private key: PKCS#8 ("PRIVATE KEY"),
// encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY"),
// PKCS#1 ("RSA PRIVATE KEY"), and cosign's encrypted formats ("ENCRYPTED
// SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"). pass is called
// only for encrypted keys; it may be nil when none is expected.
func ParsePrivateKey(data []byte, pass PassFunc) (crypto.Signer, error) {
	if len(data) > MaxKeyFileSize {
		return nil, fmt.Errorf("key is %d bytes, more than the %d a PEM key can be", len(data), MaxKeyFileSize)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: want a PEM private key (-----BEGIN ... PRIVATE KEY-----)")
	}
	encrypted := false
	switch block.Type {
	case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
		//nolint:staticcheck // legacy "Proc-Type: 4,ENCRYPTED" PEM, still written by old OpenSSL
		encrypted = x509.IsEncryptedPEMBlock(block)
	case "ENCRYPTED PRIVATE KEY", string(cryptoutils.EncryptedSigstorePrivateKeyPEMType), "ENCRYPTED COSIGN PRIVATE KEY":
		encrypted = true
	case "PUBLIC KEY":
		return nil, errors.New(`PEM block is "PUBLIC KEY": want the private key (the .key file, not the .pub)`)
	default:
		return nil, fmt.Errorf("PEM block is %q: want PRIVATE KEY, ENCRYPTED PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED SIGSTORE PRIVATE KEY", block.Type)
	}
	// The decoding itself is sigstore's: one implementation of each format
	// (including cosign's scrypt + secretbox) shared with cosign.
	pf := cryptoutils.SkipPassword
	if encrypted {
		if pass == nil {
			return nil, ErrEncrypted
		}
		pw, err := pass()
		if err != nil {
			return nil, err
		}
		if pw == nil {
			pw = []byte{}
		}
		pf = cryptoutils.StaticPasswordFunc(pw)
	}
	key, err := unmarshalPrivateKey(data, pf)
	if err != nil {
		if encrypted {
			return nil, fmt.Errorf("decrypting %s: %w (%w)", block.Type, err, ErrDecrypt)
		}
		return nil, fmt.Errorf("parsing %s: %w", block.Type, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s holds a %T, which cannot sign", block.Type, key)
	}
	return signer, nil
}

// unmarshalPrivateKey is cryptoutils.UnmarshalPEMToPrivateKey with its
// panics turned into errors: youmark/pkcs8, which it uses for encrypted
// PKCS#8, hands a PBES2 IV of the wrong length straight to
// cipher.NewCBCDecrypter, which panics (found by FuzzParsePrivateKey).
func unmarshalPrivateKey(data []byte, pf cryptoutils.PassFunc) (key crypto.PrivateKey, err error) {
	defer func() {
		if r := recover(); r != nil {
			key, err = nil, fmt.Errorf("malformed key parameters: %v", r)
		}
	}()
	return cryptoutils.UnmarshalPEMToPrivateKey(data, pf)
}

// ParsePublicKey reads a PEM public key: PKIX ("PUBLIC KEY") or PKCS#1
// ("RSA PUBLIC KEY"). A certificate's key is not accepted here: trusting a
// certificate means checking its chain, which is the trusted root's job.
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	if len(data) > MaxKeyFileSize {
		return nil, fmt.Errorf("key is %d bytes, more than the %d a PEM key can be", len(data), MaxKeyFileSize)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: want a PEM public key (-----BEGIN PUBLIC KEY-----)")
	}
	switch block.Type {
	case "PUBLIC KEY", "RSA PUBLIC KEY":
	default:
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("PEM block is %q: want the public key (the .pub file), not the private key", block.Type)
		}
		return nil, fmt.Errorf("PEM block is %q: want PUBLIC KEY", block.Type)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", block.Type, err)
	}
	if err := cryptoutils.ValidatePubKey(pub); err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	return pub, nil
}

// KeyHint is the key identifier hallmark writes in a bundle's publicKey
// hint: base64 (standard, padded) of the SHA-256 of the PKIX DER public
// key, as sigstore-go does. Verifiers use it only to pick a key.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// KeyAlgorithm describes pub for people: "ECDSA P-256", "Ed25519", ...
func KeyAlgorithm(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	case interface{ Size() int }:
		return fmt.Sprintf("RSA-%d", k.Size()*8)
	}
	return fmt.Sprintf("%T", pub)
}
