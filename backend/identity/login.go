package identity

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Meta is what the transport knows about a request, for the audit log.
type Meta struct {
	RequestID  string
	RemoteAddr string
}

// provenCard is the outcome of a proof that holds in every respect except
// single use of its challenge, which the caller's transaction settles.
type provenCard struct {
	challenge checkedChallenge
	card      store.Card
	cert      store.Certificate
	user      store.User
}

// checkProof runs every check of a login or resume proof in order, cheapest
// first, and returns the first refusal as a typed error.
func (s *Service) checkProof(ctx context.Context, p *api.CardProof) (provenCard, error) {
	var pc provenCard
	nonce, err := p.NonceBytes()
	if err != nil {
		return pc, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	guid, err := p.GUID()
	if err != nil {
		return pc, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	if pc.challenge, err = s.checkChallenge(nonce, p.WorkstationID); err != nil {
		return pc, err
	}
	cert, err := s.parseCardCert(p)
	if err != nil {
		return pc, err
	}
	now := s.now()
	switch err := ca.CheckCardCert(cert, guid, now); {
	case errors.Is(err, ca.ErrExpired), errors.Is(err, ca.ErrNotYetValid):
		return pc, errs.Unauthorized(api.CodeCertificateExpired, "the certificate is outside its validity period", err)
	case errors.Is(err, ca.ErrWrongCard):
		return pc, errs.Unauthorized(api.CodeCertificateMismatch, "the certificate was not issued to this card", err)
	case err != nil:
		return pc, errs.Unauthorized(api.CodeCertificateInvalid, "not a card authentication certificate", err)
	}
	sig, err := p.SignatureBytes()
	if err != nil {
		return pc, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	digest := api.LoginDigest(nonce, p.WorkstationID, guid)
	if err := ca.VerifyDigestSignature(cert.PublicKey, digest, sig); err != nil {
		return pc, errs.Unauthorized(api.CodeSignatureInvalid, "the signature does not verify with the card's certificate", err)
	}
	guidHex, serial := api.FormatCardGUID(guid), ca.SerialHex(cert)
	err = s.store.View(ctx, func(r store.Reader) error {
		var err error
		if pc.card, err = r.Card(ctx, guidHex); errors.Is(err, store.ErrNotFound) {
			return errs.Unauthorized(api.CodeCardUnknown, "this card is not registered", err)
		} else if err != nil {
			return err
		}
		if pc.cert, err = r.Certificate(ctx, serial); errors.Is(err, store.ErrNotFound) || (err == nil && pc.cert.CardGUID != guidHex) {
			return errs.Unauthorized(api.CodeCertificateMismatch, "the certificate was not issued to this card", err)
		} else if err != nil {
			return err
		}
		if pc.user, err = r.User(ctx, pc.card.UserID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return pc, err
	}
	switch {
	case pc.card.State == store.CardCancelled:
		return pc, errs.Forbidden(api.CodeCardCancelled, "this card has been cancelled: contact your Registration Authority", nil)
	case pc.card.State == store.CardLocked:
		return pc, errs.Forbidden(api.CodeCardLocked, "this card is locked: unlock it first", nil)
	case pc.user.Disabled:
		return pc, errs.Forbidden(api.CodeUserDisabled, "this user's access is disabled", nil)
	}
	return pc, nil
}

// parseCardCert parses the certificate and checks its issuer, using the
// cache of certificates already verified.
func (s *Service) parseCardCert(p *api.CardProof) (*x509.Certificate, error) {
	der, err := p.CertificateDER()
	if err != nil {
		return nil, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	if c, ok := s.certs.get(der); ok {
		return c, nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errs.Unauthorized(api.CodeCertificateInvalid, "the certificate does not parse", err)
	}
	if err := s.ca.CheckIssuer(cert); err != nil {
		return nil, errs.Unauthorized(api.CodeCertificateUntrusted, "the certificate was not issued by this service's CA", err)
	}
	s.certs.put(cert)
	return cert, nil
}

// redeem marks the challenge used inside tx; a second use is a replay.
func redeem(ctx context.Context, tx store.Tx, c checkedChallenge) error {
	err := tx.UseChallenge(ctx, c.id, c.expiresAt)
	if errors.Is(err, store.ErrConflict) {
		return errs.Unauthorized(api.CodeChallengeReplayed, "this challenge was already used: request a new one", err)
	}
	return err
}

// Login opens a session for a card proof.
func (s *Service) Login(ctx context.Context, req *api.CreateSessionRequest, m Meta) (*api.Session, error) {
	rec := s.record("login", m, req.WorkstationID)
	rec.CardGUID = normalGUID(req.CardGUID)
	pc, err := s.checkProof(ctx, &req.CardProof)
	if err != nil {
		rec.UserID = pc.user.ID
		return nil, s.refuse(ctx, rec, err)
	}
	token, sess, err := s.newSession(pc, req.WorkstationID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	rec.UserID, rec.SessionID = pc.user.ID, sess.ID
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		if err := redeem(ctx, tx, pc.challenge); err != nil {
			return err
		}
		return tx.CreateSession(ctx, sess)
	})
	if err != nil {
		return nil, err
	}
	view, err := s.sessionView(ctx, sess, &pc.user, &pc.cert)
	if err != nil {
		return nil, errs.Internal(err)
	}
	view.Token = token
	return view, nil
}

func normalGUID(s string) string {
	if g, err := api.ParseCardGUID(s); err == nil {
		return api.FormatCardGUID(g)
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}
