package vcard

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadEnrolmentAndEnrol(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Dr Ada Demo", SerialNumber: "555000000001"}, NotBefore: time.Now(), NotAfter: time.Now().AddDate(2, 0, 0)}
	cert, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	guid := "00112233445566778899aabbccddeeff"
	write := func(name, kind string, der []byte) {
		os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "555000000001.guid"), []byte(guid+"\n"), 0o600)
	write("555000000001.key.pem", "PRIVATE KEY", pkcs8)
	write("555000000001.9a.crt.pem", "CERTIFICATE", cert)
	write("555000000001.9c.crt.pem", "CERTIFICATE", cert)

	e, err := LoadEnrolment(dir, "555000000001")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Create(filepath.Join(dir, "card.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Enrol(e); err != nil {
		t.Fatal(err)
	}
	again, err := Open(filepath.Join(dir, "card.json"))
	if err != nil {
		t.Fatal(err)
	}
	g := again.GUID()
	if hex.EncodeToString(g[:]) != guid {
		t.Fatalf("GUID %x", g)
	}
	// The CHUID the card serves carries the new GUID.
	again.Transmit(h("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"))
	chuid, _ := again.Transmit(h("00 CB 3F FF 05 5C 03 5F C1 02 00"))
	if !bytes.Contains(chuid, g[:]) {
		t.Fatalf("CHUID % X lacks the GUID", chuid)
	}
	if _, err := LoadEnrolment(dir, "999"); err == nil {
		t.Fatal("missing enrolment loaded")
	}
}
