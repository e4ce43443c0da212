package testkit

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"testing"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// Card is an open card (reader.Card): one exclusive transaction per Do.
type Card interface {
	Do(ctx context.Context, fn func(apdu.Transmitter) error) error
	ATR() []byte
}

// CardLogin logs in with the card in one transaction (VERIFY, a 9A
// signature, the passcode dropped), as the agent does. It returns the
// session, the card's GUID and the 9A certificate it read.
func CardLogin(t testing.TB, cl *client.Client, card Card, passcode string) (api.Session, [16]byte, *x509.Certificate) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	chal, err := cl.Challenge(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nonce, _ := base64.RawURLEncoding.DecodeString(chal.Nonce)
	var guid [16]byte
	var cert *x509.Certificate
	var sig []byte
	err = card.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, piv.WithATR(card.ATR()))
		if err := p.Select(); err != nil {
			return err
		}
		if guid, err = p.GUID(); err != nil {
			return err
		}
		if cert, err = p.Certificate(piv.SlotAuthentication); err != nil {
			return err
		}
		defer p.DropPIN()
		if err := p.Verify([]byte(passcode)); err != nil {
			return err
		}
		s, err := p.Signer(piv.SlotAuthentication, cert.PublicKey)
		if err != nil {
			return err
		}
		sig, err = s.Sign(rand.Reader, api.LoginDigest(nonce, cl.WorkstationID(), guid[:]), crypto.SHA256)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := cl.Login(ctx, api.CardProof{Nonce: chal.Nonce, WorkstationID: cl.WorkstationID(), CardGUID: api.FormatCardGUID(guid[:]),
		Certificate: base64.StdEncoding.EncodeToString(cert.Raw), Signature: base64.StdEncoding.EncodeToString(sig)})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return sess, guid, cert
}
