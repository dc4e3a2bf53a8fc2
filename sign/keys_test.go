package sign_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallmark-dev/hallmark/sign"
)

func pass(p string) sign.PassFunc { return func() ([]byte, error) { return []byte(p), nil } }

// The fixtures in testdata/keys were written by OpenSSL 3.0 (genpkey,
// pkcs8 -topk8 -v2 aes-256-cbc, ec, pkey -pubout); testdata/cosign by
// cosign v2.6.5 generate-key-pair.
func TestParsePrivateKeyFixtures(t *testing.T) {
	tests := []struct {
		file, pass string
		wantAlg    string // sign.KeyAlgorithm of the key
		wantPub    string // the matching public key file
		signErr    string // NewSigner's error, "" when the key signs
	}{
		{"keys/p256.pkcs8.pem", "", "ECDSA P-256", "keys/p256.pub", ""},
		{"keys/p256.sec1.pem", "", "ECDSA P-256", "keys/p256.pub", ""},
		{"keys/p256.enc.pem", "correct-horse", "ECDSA P-256", "keys/p256.pub", ""},
		{"keys/ed25519.pkcs8.pem", "", "Ed25519", "keys/ed25519.pub", ""},
		{"keys/p384.pkcs8.pem", "", "ECDSA P-384", "keys/p384.pub", "signing key is ECDSA P-384: hallmark signs with ECDSA P-256 or Ed25519"},
		{"keys/rsa2048.pkcs8.pem", "", "RSA-2048", "keys/rsa2048.pub", "signing key is RSA-2048: hallmark signs with ECDSA P-256 or Ed25519"},
		{"cosign/cosign.key", "correct-horse", "ECDSA P-256", "cosign/cosign.pub", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var pf sign.PassFunc
			asked := false
			if tt.pass != "" {
				pf = func() ([]byte, error) { asked = true; return []byte(tt.pass), nil }
			}
			key, err := sign.ParsePrivateKey(readFile(t, filepath.Join("testdata", tt.file)), pf)
			if err != nil {
				t.Fatal(err)
			}
			if tt.pass != "" && !asked {
				t.Error("an encrypted key was read without asking for the passphrase")
			}
			if got := sign.KeyAlgorithm(key.Public()); got != tt.wantAlg {
				t.Errorf("algorithm = %q, want %q", got, tt.wantAlg)
			}
			pub, err := sign.ParsePublicKey(readFile(t, filepath.Join("testdata", tt.wantPub)))
			if err != nil {
				t.Fatal(err)
			}
			if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("the private key does not match %s", tt.wantPub)
			}
			_, err = sign.NewSigner(key)
			if gotErr := errString(err); gotErr != tt.signErr {
				t.Errorf("NewSigner error = %q, want %q", gotErr, tt.signErr)
			}
		})
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		pf   sign.PassFunc
		want string
	}{
		{"wrong passphrase PKCS#8", readFile(t, "testdata/keys/p256.enc.pem"), pass("wrong"), "decrypting ENCRYPTED PRIVATE KEY:"},
		{"wrong passphrase cosign", readFile(t, "testdata/cosign/cosign.key"), pass("wrong"), "decrypting ENCRYPTED SIGSTORE PRIVATE KEY:"},
		{"encrypted without passphrase", readFile(t, "testdata/keys/p256.enc.pem"), nil, sign.ErrEncrypted.Error()},
		{"public key given", readFile(t, "testdata/keys/p256.pub"), nil, `PEM block is "PUBLIC KEY": want the private key`},
		{"not PEM", []byte("hello"), nil, "no PEM block found"},
		// PBES2 with AES-256-CBC and a 3-byte IV: youmark/pkcs8 panics on it.
		{"bad IV", []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiaItcsBhD6TAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEA0000000000000000000000EA00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 0000000000000000000000000000000000000000000000000000000000000000\n-----END ENCRYPTED PRIVATE KEY-----"), pass("correct-horse"),
			"decrypting ENCRYPTED PRIVATE KEY: malformed key parameters: cipher.NewCBCDecrypter: IV length must equal block size"},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), nil, `PEM block is "CERTIFICATE"`},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), nil, "parsing PRIVATE KEY:"},
		{"too large", make([]byte, sign.MaxKeyFileSize+1), nil, "more than the 65536 a PEM key can be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.ParsePrivateKey(tt.data, tt.pf)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := sign.ParsePrivateKey(readFile(t, "testdata/keys/p256.enc.pem"), nil)
	if !errors.Is(err, sign.ErrEncrypted) {
		t.Errorf("error = %v, want ErrEncrypted", err)
	}
}

func TestParsePublicKeyErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"private key given", readFile(t, "testdata/keys/p256.pkcs8.pem"), `PEM block is "PRIVATE KEY": want the public key`},
		{"not PEM", []byte("-----BEGIN"), "no PEM block found"},
		{"bad point", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{0x30, 0x00}}), "parsing PUBLIC KEY:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.ParsePublicKey(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestKeyRoundTrip generates, writes and reads back each algorithm in each
// format, and checks the PEM block type each format promises.
func TestKeyRoundTrip(t *testing.T) {
	tests := []struct {
		alg      sign.Algorithm
		format   sign.KeyFormat
		pass     string
		wantType string
	}{
		{sign.ECDSAP256, sign.FormatPKCS8, "s3cret", "ENCRYPTED PRIVATE KEY"},
		{sign.ECDSAP256, sign.FormatPKCS8, "", "PRIVATE KEY"},
		{sign.ECDSAP256, sign.FormatSigstore, "s3cret", "ENCRYPTED SIGSTORE PRIVATE KEY"},
		{sign.ECDSAP256, sign.FormatSigstore, "", "ENCRYPTED SIGSTORE PRIVATE KEY"},
		{sign.Ed25519, sign.FormatPKCS8, "s3cret", "ENCRYPTED PRIVATE KEY"},
		{sign.Ed25519, sign.FormatSigstore, "s3cret", "ENCRYPTED SIGSTORE PRIVATE KEY"},
	}
	for _, tt := range tests {
		t.Run(string(tt.alg)+"/"+string(tt.format)+"/"+tt.pass, func(t *testing.T) {
			key, err := sign.GenerateKey(tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			privPEM, err := sign.MarshalPrivateKey(key, []byte(tt.pass), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(privPEM)
			if block == nil || block.Type != tt.wantType {
				t.Fatalf("PEM type = %v, want %q", block, tt.wantType)
			}
			back, err := sign.ParsePrivateKey(privPEM, pass(tt.pass))
			if err != nil {
				t.Fatal(err)
			}
			if !back.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Fatal("key read back differs")
			}
			if tt.pass != "" {
				if _, err := sign.ParsePrivateKey(privPEM, pass(tt.pass+"x")); err == nil {
					t.Error("a wrong passphrase decrypted the key")
				}
			}
			pubPEM, err := sign.MarshalPublicKey(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			pub, err := sign.ParsePublicKey(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			switch tt.alg {
			case sign.ECDSAP256:
				if _, ok := pub.(*ecdsa.PublicKey); !ok {
					t.Errorf("public key is %T", pub)
				}
			case sign.Ed25519:
				if _, ok := pub.(ed25519.PublicKey); !ok {
					t.Errorf("public key is %T", pub)
				}
			}
		})
	}
	if _, err := sign.GenerateKey("rsa"); err == nil {
		t.Error("GenerateKey(rsa) succeeded")
	}
	if _, err := sign.MarshalPrivateKey(mustKey(t), nil, "jwk"); err == nil {
		t.Error("MarshalPrivateKey(jwk) succeeded")
	}
}

// TestKeyHint checks the hint against the value cosign v2.6.5 wrote for
// its own key in testdata/cosign/blob.sigstore.json: the same key gets
// the same hint from both tools.
func TestKeyHint(t *testing.T) {
	pub, err := sign.ParsePublicKey(readFile(t, "testdata/cosign/cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	hint, err := sign.KeyHint(pub)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.ParseBundle(readFile(t, "testdata/cosign/blob.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := b.VerificationMaterial.GetPublicKey().GetHint(); hint != want {
		t.Errorf("hint = %q, cosign wrote %q", hint, want)
	}
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := sign.GenerateKey(sign.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
