//go:build e2e

package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
	"github.com/cardagent/cardagent/reader/vcard"
)

// onCard runs fn on the PIV application of the card in reader slot n, in
// one transaction, as the agent will.
func onCard(t *testing.T, n int, fn func(p *piv.Card) error) error {
	t.Helper()
	h, err := reader.Open(rig.ReaderName(n))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	return h.Do(context.Background(), func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(h.ATR()))
		if err := p.Select(); err != nil {
			return err
		}
		return fn(p)
	})
}

func TestPIVThroughPcscd(t *testing.T) {
	needRig(t)
	_, ch := startMonitor(t)
	card, err := vcard.New(vcard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	authKey := newTestCA(t).enrol(t, card, time.Now().AddDate(2, 0, 0))
	insert(t, card, 0)
	waitCard(t, ch, reader.CardInserted, rig.ReaderName(0))

	// GUID and certificate.
	err = onCard(t, 0, func(p *piv.Card) error {
		guid, err := p.GUID()
		if err != nil {
			return err
		}
		if guid != card.GUID() {
			t.Errorf("GUID % X, want % X", guid, card.GUID())
		}
		cert, err := p.Certificate(piv.SlotAuthentication)
		if err != nil {
			return err
		}
		if !cert.PublicKey.(*ecdsa.PublicKey).Equal(authKey.Public()) || cert.Subject.SerialNumber != "123456789012" {
			t.Errorf("certificate %v does not belong to the enrolled key", cert.Subject)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// VERIFY: tries 3 → 2 → 1 → blocked; the right PIN is then refused too.
	err = onCard(t, 0, func(p *piv.Card) error {
		if n, err := p.Retries(); err != nil || n != 3 {
			t.Fatalf("Retries = %d, %v", n, err)
		}
		for want := 2; want >= 0; want-- {
			err := p.Verify([]byte("999999"))
			var auth piv.AuthError
			if !errors.As(err, &auth) {
				t.Fatalf("wrong PIN: %v", err)
			}
			if want == 0 && !auth.Blocked || want > 0 && auth.Retries != want {
				t.Fatalf("wrong PIN: %+v, want %d left", auth, want)
			}
		}
		if err := p.Verify([]byte("123456")); !errors.Is(err, piv.ErrBlocked) {
			t.Fatalf("right PIN on a blocked card: %v", err)
		}
		// RESET RETRY COUNTER with the PUK restores it.
		if err := p.Unblock([]byte("12345678"), []byte("246810")); err != nil {
			t.Fatalf("Unblock: %v", err)
		}
		if n, err := p.Retries(); err != nil || n != 3 {
			t.Fatalf("after unblock Retries = %d, %v", n, err)
		}
		return p.Verify([]byte("246810"))
	})
	if err != nil {
		t.Fatal(err)
	}

	// Sign with 9A; the certificate's key verifies it.
	digest := sha256.Sum256([]byte("login challenge"))
	var sig []byte
	err = onCard(t, 0, func(p *piv.Card) error {
		if err := p.Verify([]byte("246810")); err != nil {
			return err
		}
		s, err := p.Signer(piv.SlotAuthentication, authKey.Public())
		if err != nil {
			return err
		}
		sig, err = s.Sign(nil, digest[:], crypto.SHA256)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&authKey.PublicKey, digest[:], sig) {
		t.Fatal("9A signature does not verify with the certificate's key")
	}
}
