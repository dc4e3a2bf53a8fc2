package sign_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/sign"
)

// cosign is one installed cosign release and the flags it needs offline
// (../shared/PEERS.md).
type cosign struct {
	path  string
	major int
}

// cosigns finds cosign v2 on PATH and v3 at $HALLMARK_COSIGN3 or
// $HALLMARK_PEERS/cosign3/cosign (both install as "cosign", so v3 lives in
// its own folder; .ci/peers.sh installs both). Missing ones are skipped,
// saying so.
func cosigns(t *testing.T) []cosign {
	var found []cosign
	if p, err := exec.LookPath("cosign"); err == nil {
		found = append(found, cosign{p, majorVersion(t, p)})
	} else {
		t.Log("cosign (v2) is not on PATH: .ci/run installs it (peer_install in .ci/peers.sh)")
	}
	v3 := os.Getenv("HALLMARK_COSIGN3")
	if v3 == "" {
		peers := os.Getenv("HALLMARK_PEERS")
		if peers == "" {
			home, _ := os.UserHomeDir()
			peers = filepath.Join(home, ".cache", "hallmark-peers")
		}
		v3 = filepath.Join(peers, "cosign3", "cosign")
	}
	if _, err := os.Stat(v3); err == nil {
		found = append(found, cosign{v3, majorVersion(t, v3)})
	} else {
		t.Logf("cosign v3 not found at %s: .ci/run installs it", v3)
	}
	if len(found) == 0 {
		t.Skip("no cosign installed: skipping interop (.ci/run installs cosign v2.6.5 and v3)")
	}
	return found
}

func majorVersion(t *testing.T, path string) int {
	out, err := exec.Command(path, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s version: %v\n%s", path, err, out)
	}
	switch {
	case bytes.Contains(out, []byte("GitVersion:    v2.")):
		return 2
	case bytes.Contains(out, []byte("GitVersion:    v3.")):
		return 3
	}
	t.Fatalf("%s: unknown cosign version:\n%s", path, out)
	return 0
}

// run runs cosign in dir with an empty COSIGN_PASSWORD and no network
// configuration, returning its combined output and whether it succeeded.
func (c cosign) run(t *testing.T, dir string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(c.path, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=", "COSIGN_EXPERIMENTAL=0", "TUF_ROOT="+filepath.Join(dir, "tuf"))
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// offlineSign returns the flags for signing offline with a key.
func (c cosign) offlineSign() []string {
	if c.major >= 3 {
		return []string{"--use-signing-config=false", "--tlog-upload=false", "-y"}
	}
	return []string{"--tlog-upload=false", "--new-bundle-format", "-y"}
}

// offlineVerify returns the flags for verifying a key-signed bundle with
// no log: an empty trusted root and --insecure-ignore-tlog.
func (c cosign) offlineVerify() []string {
	return []string{"--trusted-root", "empty_root.json", "--insecure-ignore-tlog"}
}

// TestCosignInterop: hallmark's bundles verify with cosign, cosign's
// verify with hallmark, for blobs and attestations with ECDSA P-256 keys,
// and a changed artifact or bundle fails in both directions.
func TestCosignInterop(t *testing.T) {
	for _, c := range cosigns(t) {
		t.Run("v"+string(rune('0'+c.major)), func(t *testing.T) {
			dir := t.TempDir()
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write("empty_root.json", []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
			write("artifact.bin", []byte("release tarball bytes\n"))
			write("tampered.bin", []byte("release tarball bytes!\n"))
			predicate, err := os.ReadFile("../attest/testdata/provenance-v1.json")
			if err != nil {
				t.Fatal(err)
			}
			write("provenance.json", predicate)
			sbom, err := os.ReadFile("../attest/testdata/cyclonedx.json")
			if err != nil {
				t.Fatal(err)
			}
			write("bom.json", sbom)

			// hallmark's key, in cosign's format so that cosign can also
			// sign with it; hallmark writes and cosign reads the .pub.
			key, err := sign.GenerateKey(sign.ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			priv, err := sign.MarshalPrivateKey(key, nil, sign.FormatSigstore)
			if err != nil {
				t.Fatal(err)
			}
			pub, _ := sign.MarshalPublicKey(key.Public())
			write("hallmark.key", priv)
			write("hallmark.pub", pub)
			s, err := sign.NewSigner(key)
			if err != nil {
				t.Fatal(err)
			}

			t.Run("hallmark blob, cosign verifies", func(t *testing.T) {
				pb, err := s.SignBlob(bytes.NewReader([]byte("release tarball bytes\n")))
				if err != nil {
					t.Fatal(err)
				}
				data, _ := sign.MarshalBundle(pb)
				write("h.sigstore.json", data)
				if out, ok := c.run(t, dir, append([]string{"verify-blob", "--key", "hallmark.pub", "--bundle", "h.sigstore.json"}, append(c.offlineVerify(), "artifact.bin")...)...); !ok {
					t.Fatalf("cosign rejected hallmark's bundle:\n%s", out)
				}
				if out, ok := c.run(t, dir, append([]string{"verify-blob", "--key", "hallmark.pub", "--bundle", "h.sigstore.json"}, append(c.offlineVerify(), "tampered.bin")...)...); ok {
					t.Fatalf("cosign accepted a tampered artifact:\n%s", out)
				}
				write("h-bad.sigstore.json", tamperSignature(t, data))
				if out, ok := c.run(t, dir, append([]string{"verify-blob", "--key", "hallmark.pub", "--bundle", "h-bad.sigstore.json"}, append(c.offlineVerify(), "artifact.bin")...)...); ok {
					t.Fatalf("cosign accepted a tampered bundle:\n%s", out)
				}
			})

			for _, att := range []struct{ cosignType, predicateFile, uri string }{
				{"slsaprovenance1", "provenance.json", attest.PredicateSLSA1},
				{"cyclonedx", "bom.json", attest.PredicateCycloneDX},
			} {
				t.Run("hallmark attestation "+att.cosignType+", cosign verifies", func(t *testing.T) {
					subjects, err := attest.SubjectsFromFiles(filepath.Join(dir, "artifact.bin"))
					if err != nil {
						t.Fatal(err)
					}
					pred, _ := os.ReadFile(filepath.Join(dir, att.predicateFile))
					data, err := attest.Attest(s, att.uri, pred, subjects)
					if err != nil {
						t.Fatal(err)
					}
					write("h.att.json", data)
					args := []string{"verify-blob-attestation", "--key", "hallmark.pub", "--bundle", "h.att.json", "--type", att.cosignType}
					if out, ok := c.run(t, dir, append(args, append(c.offlineVerify(), "artifact.bin")...)...); !ok {
						t.Fatalf("cosign rejected hallmark's attestation:\n%s", out)
					}
					if out, ok := c.run(t, dir, append(args, append(c.offlineVerify(), "tampered.bin")...)...); ok {
						t.Fatalf("cosign accepted a tampered artifact:\n%s", out)
					}
				})
			}

			// cosign signs, hallmark verifies: with cosign's own key, and
			// with hallmark's key (cosign format) to show cosign reads it.
			if out, ok := c.run(t, dir, "generate-key-pair"); !ok {
				t.Fatalf("cosign generate-key-pair:\n%s", out)
			}
			cosignPub, err := sign.ParsePublicKey(mustRead(t, filepath.Join(dir, "cosign.pub")))
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []struct {
				name string
				file string
				pub  any
			}{{"cosign key", "cosign.key", cosignPub}, {"hallmark key", "hallmark.key", s.PublicKey()}} {
				t.Run("cosign blob with "+k.name+", hallmark verifies", func(t *testing.T) {
					if out, ok := c.run(t, dir, append([]string{"sign-blob", "--key", k.file, "--bundle", "c.sigstore.json"}, append(c.offlineSign(), "artifact.bin")...)...); !ok {
						t.Fatalf("cosign sign-blob:\n%s", out)
					}
					data := mustRead(t, filepath.Join(dir, "c.sigstore.json"))
					checkHallmarkVerifies(t, data, k.pub, "")
				})
				t.Run("cosign attestation with "+k.name+", hallmark verifies", func(t *testing.T) {
					if out, ok := c.run(t, dir, append([]string{"attest-blob", "--key", k.file, "--predicate", "provenance.json", "--type", "slsaprovenance1", "--bundle", "c.att.json"}, append(c.offlineSign(), "artifact.bin")...)...); !ok {
						t.Fatalf("cosign attest-blob:\n%s", out)
					}
					data := mustRead(t, filepath.Join(dir, "c.att.json"))
					checkHallmarkVerifies(t, data, k.pub, attest.PredicateSLSA1)
				})
			}
		})
	}
}

// checkHallmarkVerifies verifies a cosign bundle over artifact.bin's
// contents, then checks a changed artifact and a changed signature fail.
func checkHallmarkVerifies(t *testing.T, data []byte, pub any, predicateType string) {
	t.Helper()
	good := []byte("release tarball bytes\n")
	res, err := verifyJSON(data, good, sign.Options{PublicKey: pub})
	if err != nil {
		t.Fatalf("hallmark rejected cosign's bundle: %v\n%s", err, data)
	}
	if predicateType != "" {
		if res.Statement == nil || res.Statement.PredicateType != predicateType {
			t.Errorf("statement = %+v", res.Statement)
		}
		b, _ := sign.ParseBundle(data)
		st, err := attest.ParseStatement(b.GetDsseEnvelope().GetPayload())
		if err != nil {
			t.Fatalf("cosign's statement: %v", err)
		}
		if _, err := attest.ParseProvenance(st.PredicateType, st.Predicate); err != nil {
			t.Fatalf("cosign's provenance: %v", err)
		}
	}
	if _, err := verifyJSON(data, []byte("release tarball bytes!\n"), sign.Options{PublicKey: pub}); err == nil {
		t.Error("hallmark accepted a tampered artifact")
	}
	if _, err := verifyJSON(tamperSignature(t, data), good, sign.Options{PublicKey: pub}); err == nil {
		t.Error("hallmark accepted a tampered bundle")
	}
}

// tamperSignature flips a bit in the bundle's (first) signature.
func tamperSignature(t *testing.T, data []byte) []byte {
	t.Helper()
	b, err := sign.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if ms := b.GetMessageSignature(); ms != nil {
		ms.Signature[len(ms.Signature)-1] ^= 1
	} else {
		sig := b.GetDsseEnvelope().Signatures[0].Sig
		sig[len(sig)-1] ^= 1
	}
	out, err := sign.MarshalBundle(b.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
