package renewal

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/reader/piv"
)

// Prover is what proving a card to identityd needs: a login attempt.
type Prover interface {
	WorkstationID() string
	Challenge(ctx context.Context) (api.Challenge, error)
	Login(ctx context.Context, proof api.CardProof) (api.Session, error)
}

// ErrNotRecovered means identityd did not hand out the renewal after the
// recovery signature.
var ErrNotRecovered = errors.New("renewal: identityd did not accept the card's recovery signature")

// Recover proves the card when a renewal stopped right after generating
// its new 9A key, before identityd recorded it (state generating_9a): no key
// on the card is then known for login, so the new 9C key, which identityd
// did record, signs a recovery message (api.RecoveryDigest) over a fresh
// challenge, sent as a login with the card's login certificate. identityd
// answers renewal_incomplete with the renewal and a token to go on with.
// passcode is verified right before the signature (9C wants it each time)
// and wiped; the card forgets it before the transaction ends.
func Recover(ctx context.Context, card Card, guid [16]byte, b Prover, r api.Renewal, passcode []byte, o Options) (api.Renewal, error) {
	defer clear(passcode)
	if r.PublicKeys == nil || r.PublicKeys.Signature == "" {
		return r, fmt.Errorf("%w: %q without a recorded 9C key", ErrUnexpectedState, r.State)
	}
	pub, err := parseKey(r.PublicKeys.Signature)
	if err != nil {
		return r, err
	}
	chal, err := b.Challenge(ctx)
	if err != nil {
		return r, err
	}
	nonce, err := base64.RawURLEncoding.DecodeString(chal.Nonce)
	if err != nil {
		return r, fmt.Errorf("renewal: identityd's challenge: %w", err)
	}
	var cert []byte
	var sig []byte
	err = card.Do(ctx, func(tx apdu.Transmitter) error {
		p := piv.New(tx, withTrace(card, o)...)
		if err := p.Select(); err != nil {
			return err
		}
		if cert, err = p.CertificateDER(piv.SlotAuthentication); err != nil {
			return err
		}
		defer p.DropPIN()
		if err := p.Verify(slices.Clone(passcode)); err != nil {
			return err
		}
		signer, err := p.Signer(piv.SlotSignature, pub)
		if err != nil {
			return err
		}
		sig, err = signer.Sign(rand.Reader, api.RecoveryDigest(nonce, b.WorkstationID(), guid[:]), crypto.SHA256)
		return err
	})
	if err != nil {
		return r, err
	}
	if _, err := x509.ParseCertificate(cert); err != nil {
		return r, fmt.Errorf("renewal: the card's login certificate: %w", err)
	}
	_, err = b.Login(ctx, api.CardProof{Nonce: chal.Nonce, WorkstationID: b.WorkstationID(), CardGUID: api.FormatCardGUID(guid[:]),
		Certificate: base64.StdEncoding.EncodeToString(cert), Signature: base64.StdEncoding.EncodeToString(sig)})
	var ae *client.APIError
	if errors.As(err, &ae) && ae.Code == api.CodeRenewalIncomplete && ae.Renewal != nil && ae.Renewal.Token != "" {
		return *ae.Renewal, nil
	}
	if err == nil {
		err = ErrNotRecovered
	}
	return r, err
}

// withTrace is the piv options of a card transaction.
func withTrace(card Card, o Options) []piv.Option {
	opts := []piv.Option{piv.WithATR(card.ATR())}
	if o.Trace != nil {
		opts = append(opts, o.Trace)
	}
	return opts
}
