package sign_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/hallmark-dev/hallmark/sign"
)

// BenchmarkVerifyBlob is the in-process cost bench/sign reports: parse a
// key-signed v0.3 bundle and verify it over a 4 KiB artifact.
func BenchmarkVerifyBlob(b *testing.B) {
	key, _ := sign.GenerateKey(sign.ECDSAP256)
	s, _ := sign.NewSigner(key)
	blob := make([]byte, 4096)
	rand.Read(blob)
	pb, err := s.SignBlob(bytes.NewReader(blob))
	if err != nil {
		b.Fatal(err)
	}
	data, _ := sign.MarshalBundle(pb)
	v, err := sign.NewVerifier(sign.Options{PublicKey: s.PublicKey()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bu, err := sign.ParseBundle(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(bu, []io.Reader{bytes.NewReader(blob)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignBlob signs a 4 KiB artifact and encodes the bundle.
func BenchmarkSignBlob(b *testing.B) {
	key, _ := sign.GenerateKey(sign.ECDSAP256)
	s, _ := sign.NewSigner(key)
	blob := make([]byte, 4096)
	rand.Read(blob)
	b.ReportAllocs()
	for b.Loop() {
		pb, err := s.SignBlob(bytes.NewReader(blob))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sign.MarshalBundle(pb); err != nil {
			b.Fatal(err)
		}
	}
}
