package demo_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader/vcard"
)

// TestEnrolmentRoundTrip writes the demo enrolments as `identityd demo
// -card-dir` does, reads one back as `vcard init --enrol-dir` does and
// personalises a card with it: the card serves the GUID identityd enrolled
// and a certificate for its own key.
func TestEnrolmentRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, err := demo.StartBackend(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dir := filepath.Join(t.TempDir(), "cards")
	var out bytes.Buffer
	if err := demo.WriteEnrolments(ctx, b.Service, dir, &out); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, demo.CardUser+".guid"))
	if err := demo.WriteEnrolments(ctx, b.Service, dir, io.Discard); err != nil { // idempotent
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, demo.CardUser+".guid")); !bytes.Equal(first, again) {
		t.Fatalf("a second run replaced the card: %q then %q", first, again)
	}
	if !bytes.Contains(out.Bytes(), []byte(demo.CardUser+".9a.crt.pem")) {
		t.Fatalf("WriteEnrolments printed %q", out.String())
	}

	e, err := demo.LoadEnrolment(dir, demo.CardUser)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Service.Card(ctx, e.GUID[:]); err != nil {
		t.Fatalf("the enrolled GUID is not a card identityd knows: %v", err)
	}
	cert, err := x509.ParseCertificate(e.AuthCert)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(e.Key.Public()) {
		t.Fatal("the 9A certificate is not for the enrolment's key")
	}
	c, err := vcard.Create(filepath.Join(t.TempDir(), "card.json"), vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Enrol(e); err != nil {
		t.Fatal(err)
	}
	if g := c.GUID(); g != e.GUID {
		t.Fatalf("card GUID %x, enrolled %x", g, e.GUID)
	}
	// The CHUID the card serves carries the new GUID.
	c.Transmit([]byte{0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00})
	chuid, _ := c.Transmit([]byte{0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x02, 0x00})
	if !bytes.Contains(chuid, e.GUID[:]) {
		t.Fatalf("CHUID % X lacks the GUID", chuid)
	}
	if _, err := demo.LoadEnrolment(dir, "999"); !os.IsNotExist(err) {
		t.Fatalf("missing enrolment: %v, want not-exist", err)
	}
}
