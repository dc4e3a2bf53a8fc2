// Command sign times signing and verification of blobs and attestations:
// hallmark in-process (the library loop), hallmark per file (one process
// per file, as a release script runs it), cosign per file, and the raw
// costs underneath (crypto/ecdsa sign and verify, sigstore-go's verifier
// with no hallmark code around it). It prints the time per operation and
// the ratios the performance budget in DESIGN.md §6 is stated in.
//
// Run it with bench/sign/run.sh (which installs cosign v2.6.5 first), or
// from the repository root: go run ./bench/sign
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/hallmark-dev/hallmark/attest"
	"github.com/hallmark-dev/hallmark/sign"
)

var (
	workDir  = flag.String("dir", "bench/_out/sign", "where blobs, keys, bundles and the binary go")
	libN     = flag.Int("n", 1000, "blobs and attestations for the in-process loops")
	cliN     = flag.Int("cli", 1000, "blobs and attestations for the per-file (one process each) runs")
	blobSize = flag.Int("size", 4096, "bytes per blob")
)

const passphrase = "bench-passphrase"

func main() {
	flag.Parse()
	log.SetFlags(0)
	dir, err := filepath.Abs(*workDir)
	check(err)
	check(os.RemoveAll(dir))
	check(os.MkdirAll(filepath.Join(dir, "blobs"), 0o755))
	n := max(*libN, *cliN)
	blobs := make([][]byte, n)
	paths := make([]string, n)
	for i := range blobs {
		blobs[i] = make([]byte, *blobSize)
		_, _ = rand.Read(blobs[i])
		paths[i] = filepath.Join(dir, "blobs", fmt.Sprintf("blob-%04d.bin", i))
		check(os.WriteFile(paths[i], blobs[i], 0o644))
	}
	predicate, err := os.ReadFile("attest/testdata/provenance-v1.json")
	check(err)
	predPath := filepath.Join(dir, "provenance.json")
	check(os.WriteFile(predPath, predicate, 0o644))
	check(os.WriteFile(filepath.Join(dir, "empty_root.json"), []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`), 0o644))

	bin := filepath.Join(dir, "hallmark")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/hallmark").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	env := []string{"HALLMARK_PASSWORD=" + passphrase, "COSIGN_PASSWORD=" + passphrase}
	mustRun(dir, env, bin, "key", "generate", "-q")
	keyPEM, err := os.ReadFile(filepath.Join(dir, "hallmark.key"))
	check(err)
	key, err := sign.ParsePrivateKey(keyPEM, func() ([]byte, error) { return []byte(passphrase), nil })
	check(err)
	s, err := sign.NewSigner(key)
	check(err)
	pub := key.Public()
	ecKey := key.(*ecdsa.PrivateKey)

	var rows []row
	lib := func(f func(i int)) time.Duration {
		runtime.GC()
		start := time.Now()
		for i := range *libN {
			f(i)
		}
		return time.Since(start) / time.Duration(*libN)
	}

	// Raw crypto: what signing and verifying cost with nothing around it.
	digests := make([][]byte, *libN)
	sigs := make([][]byte, *libN)
	rawSign := lib(func(i int) {
		d := sha256.Sum256(blobs[i])
		digests[i] = d[:]
		sigs[i], err = ecdsa.SignASN1(rand.Reader, ecKey, digests[i])
		check(err)
	})
	rawVerify := lib(func(i int) {
		if !ecdsa.VerifyASN1(&ecKey.PublicKey, digests[i], sigs[i]) {
			log.Fatal("raw verify failed")
		}
	})

	// hallmark, in process.
	blobBundles := make([][]byte, *libN)
	libSignBlob := lib(func(i int) {
		b, err := s.SignBlob(bytes.NewReader(blobs[i]))
		check(err)
		blobBundles[i], err = sign.MarshalBundle(b)
		check(err)
	})
	hv, err := sign.NewVerifier(sign.Options{PublicKey: pub})
	check(err)
	libVerifyBlob := lib(func(i int) {
		b, err := sign.ParseBundle(blobBundles[i])
		check(err)
		_, err = hv.Verify(b, []io.Reader{bytes.NewReader(blobs[i])})
		check(err)
	})
	attBundles := make([][]byte, *libN)
	libAttest := lib(func(i int) {
		subj, err := attest.DigestSubject(filepath.Base(paths[i]), bytes.NewReader(blobs[i]))
		check(err)
		attBundles[i], err = attest.Attest(s, attest.PredicateSLSA1, predicate, []attest.Subject{subj})
		check(err)
	})
	libVerifyAtt := lib(func(i int) {
		b, err := sign.ParseBundle(attBundles[i])
		check(err)
		_, err = hv.Verify(b, []io.Reader{bytes.NewReader(blobs[i])})
		check(err)
	})

	// sigstore-go alone: parse the bundle and verify with one verifier
	// built once, the least any sigstore-go based verifier can do.
	sv, err := signature.LoadDefaultVerifier(pub)
	check(err)
	expiring := root.NewExpiringKey(sv, time.Time{}, time.Time{})
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return expiring, nil })
	v, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps(), verify.WithoutStatementPredicate())
	check(err)
	rawSigstore := func(bundles [][]byte) func(i int) {
		return func(i int) {
			var b bundle.Bundle
			check(b.UnmarshalJSON(bundles[i]))
			_, err := v.Verify(&b, verify.NewPolicy(verify.WithArtifact(bytes.NewReader(blobs[i])), verify.WithKey()))
			check(err)
		}
	}
	sgVerifyBlob := lib(rawSigstore(blobBundles))
	sgVerifyAtt := lib(rawSigstore(attBundles))

	// Per file: one process per file, hallmark and cosign.
	cosignBin, cosignErr := exec.LookPath("cosign")
	cosignVersion := "not installed"
	if cosignErr == nil {
		out, _ := exec.Command(cosignBin, "version").CombinedOutput()
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "GitVersion:") {
				cosignVersion = strings.TrimSpace(strings.TrimPrefix(l, "GitVersion:"))
			}
		}
		mustRun(dir, env, cosignBin, "generate-key-pair")
	} else {
		log.Printf("cosign not on PATH: run bench/sign/run.sh to install it; per-file cosign figures are left out")
	}
	perFile := func(args func(i int) []string) time.Duration {
		start := time.Now()
		for i := range *cliN {
			a := args(i)
			mustRun(dir, env, a[0], a[1:]...)
		}
		return time.Since(start) / time.Duration(*cliN)
	}
	b := func(i int) string { return paths[i] }
	hSign := perFile(func(i int) []string {
		return []string{bin, "sign", b(i), "--key", "hallmark.key", "--bundle", b(i) + ".h.json", "-q"}
	})
	hVerify := perFile(func(i int) []string {
		return []string{bin, "verify", b(i), "--bundle", b(i) + ".h.json", "--key", "hallmark.pub"}
	})
	hAttest := perFile(func(i int) []string {
		return []string{bin, "attest", "--predicate", predPath, "--type", "slsaprovenance1", "--subject", b(i), "--key", "hallmark.key", "--bundle", b(i) + ".h.att.json", "-q"}
	})
	hVerifyAtt := perFile(func(i int) []string {
		return []string{bin, "verify", b(i), "--bundle", b(i) + ".h.att.json", "--key", "hallmark.pub"}
	})
	var cSign, cVerify, cAttest, cVerifyAtt time.Duration
	if cosignErr == nil {
		cSign = perFile(func(i int) []string {
			return []string{cosignBin, "sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--new-bundle-format", "--bundle", b(i) + ".c.json", "-y", b(i)}
		})
		cVerify = perFile(func(i int) []string {
			return []string{cosignBin, "verify-blob", "--key", "cosign.pub", "--bundle", b(i) + ".c.json", "--trusted-root", "empty_root.json", "--insecure-ignore-tlog", b(i)}
		})
		cAttest = perFile(func(i int) []string {
			return []string{cosignBin, "attest-blob", "--key", "cosign.key", "--tlog-upload=false", "--new-bundle-format", "--predicate", predPath, "--type", "slsaprovenance1", "--bundle", b(i) + ".c.att.json", "-y", b(i)}
		})
		cVerifyAtt = perFile(func(i int) []string {
			return []string{cosignBin, "verify-blob-attestation", "--key", "cosign.pub", "--bundle", b(i) + ".c.att.json", "--type", "slsaprovenance1", "--trusted-root", "empty_root.json", "--insecure-ignore-tlog", b(i)}
		})
	}
	// hallmark, one process for all the files (a release's worth): sign
	// writes FILE.sigstore.json for each; verify reads them back.
	batch := func(args ...string) time.Duration {
		start := time.Now()
		mustRun(dir, env, bin, args...)
		return time.Since(start) / time.Duration(*cliN)
	}
	files := paths[:*cliN]
	hBatchSign := batch(append(append([]string{"sign"}, files...), "--key", "hallmark.key", "-q")...)
	hBatchVerify := batch(append(append([]string{"verify"}, files...), "--key", "hallmark.pub")...)
	// Attestations for the batch verify: each blob beside its attestation
	// bundle under the default name.
	check(os.MkdirAll(filepath.Join(dir, "att"), 0o755))
	attFiles := make([]string, *cliN)
	for i := range *cliN {
		attFiles[i] = filepath.Join(dir, "att", filepath.Base(paths[i]))
		check(os.WriteFile(attFiles[i], blobs[i], 0o644))
		data, err := os.ReadFile(paths[i] + ".h.att.json")
		check(err)
		check(os.WriteFile(attFiles[i]+".sigstore.json", data, 0o644))
	}
	hBatchVerifyAtt := batch(append(append([]string{"verify"}, attFiles...), "--key", "hallmark.pub")...)

	// hallmark's per-process floor: start, parse flags, exit.
	floor := perFile(func(int) []string { return []string{bin, "--version"} })

	rows = append(rows,
		row{"sign blob", libSignBlob, rawSign, 0, hSign, hBatchSign, cSign},
		row{"verify blob", libVerifyBlob, rawVerify, sgVerifyBlob, hVerify, hBatchVerify, cVerify},
		row{"attest", libAttest, rawSign, 0, hAttest, 0, cAttest},
		row{"verify attestation", libVerifyAtt, rawVerify, sgVerifyAtt, hVerifyAtt, hBatchVerifyAtt, cVerifyAtt},
	)
	fmt.Printf("%s, %s/%s, %d CPUs, %s; %d-byte blobs; in-process n=%d, per-file n=%d; cosign %s\n\n",
		time.Now().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), *blobSize, *libN, *cliN, cosignVersion)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\thallmark lib\traw crypto\tlib/raw\tsigstore-go lib\thallmark per file\thallmark batch\tcosign per file\tcosign/per file\tcosign/batch\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f×\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.op, us(r.lib), us(r.raw), float64(r.lib)/float64(r.raw), orDash(r.sigstore),
			ms(r.cli), orDashMs(r.batch), orDashMs(r.cosign), ratio(r.cosign, r.cli), ratio(r.cosign, r.batch))
	}
	tw.Flush()
	fmt.Printf("\nhallmark process floor (hallmark --version): %s per run\n", ms(floor))
	fmt.Println("Per-file signing includes decrypting the key each time: PBKDF2 (100,000 rounds) for hallmark's PKCS#8 key, scrypt for cosign's.")
}

type row struct {
	op                 string
	lib, raw, sigstore time.Duration
	cli, batch, cosign time.Duration
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1000) }
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func orDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return us(d)
}

func orDashMs(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return us(d)
	}
	return ms(d)
}

func ratio(a, b time.Duration) string {
	if a == 0 || b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}

func mustRun(dir string, env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
