package piv

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader/apdu"
)

// testCert makes a self-signed certificate for key.
func testCert(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "123456789012 Jane Doe"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestCertificate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := testCert(t, key)
	tests := []struct {
		name    string
		slot    Slot
		obj     []byte
		wantErr error
	}{
		{"plain 9A", SlotAuthentication, certObject(cert.Raw), nil},
		{"gzip 9C", SlotSignature, cat(apdu.Encode(0x70, gzipped(cert.Raw)), h("71 01 01 FE 00")), nil},
		{"no CertInfo", SlotAuthentication, apdu.Encode(0x70, cert.Raw), nil},
		{"MSCUID before", SlotAuthentication, cat(h("72 02 01 02"), certObject(cert.Raw)), nil},
		{"bad gzip", SlotAuthentication, cat(apdu.Encode(0x70, cert.Raw), h("71 01 01 FE 00")), ErrMalformed},
		{"no 70", SlotAuthentication, h("71 01 00 FE 00"), ErrNotFound},
		{"not DER", SlotAuthentication, h("70 03 01 02 03 71 01 00 FE 00"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag, _ := tt.slot.Object()
			s := newScript(t).addLongResponse(getDataCmd(tag), apdu.Encode(0x53, tt.obj))
			got, err := s.card().Certificate(tt.slot)
			s.done()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Certificate: %v, want %v", err, tt.wantErr)
			}
			if err == nil && !got.Equal(cert) {
				t.Error("a different certificate came back")
			}
		})
	}
}

func TestCertificateGzipBomb(t *testing.T) {
	bomb := gzipped(make([]byte, 10<<20))
	_, err := parseCertObject(cat(apdu.Encode(0x70, bomb), h("71 01 01")))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("gzip bomb: %v", err)
	}
}

func TestPutCertificate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert := testCert(t, key)
	data := cat(h("5C 03 5F C1 05"), apdu.Encode(0x53, apdu.Encode(0x70, cert.Raw), h("71 01 00 FE 00")))
	s := newScript(t)
	rest := data
	for len(rest) > 255 { // command chaining, CLA 10
		s.add(cat(h("10 DB 3F FF FF"), rest[:255]), h("90 00"))
		rest = rest[255:]
	}
	s.add(cat(h("00 DB 3F FF"), []byte{byte(len(rest))}, rest), h("90 00"))
	if err := s.card().PutCertificate(SlotAuthentication, cert); err != nil {
		t.Fatal(err)
	}
	s.done()
	if err := s.card().PutCertificate(0x9B, cert); !errors.Is(err, ErrUnsupported) {
		t.Errorf("PutCertificate(9B): %v", err)
	}
}
