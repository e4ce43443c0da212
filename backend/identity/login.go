package identity

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

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

// verifiedProof is a proof whose cryptography holds: challenge, certificate
// and signature. What the store says of the card is checked by loadCard.
type verifiedProof struct {
	challenge checkedChallenge
	guidHex   string
	serial    string
}

// checkProof runs every check of a login or resume proof in order, cheapest
// first, and returns the first refusal as a typed error.
func (s *Service) checkProof(ctx context.Context, p *api.CardProof) (provenCard, error) {
	vp, err := s.verifyProof(p)
	if err != nil {
		return provenCard{}, err
	}
	var pc provenCard
	err = s.store.View(ctx, func(r store.Reader) error {
		pc, err = s.loadCard(ctx, r, vp)
		return err
	})
	return pc, err
}

// verifyProof runs the checks of a login or resume proof that need no
// database, in order, cheapest first.
func (s *Service) verifyProof(p *api.CardProof) (verifiedProof, error) {
	return s.verifyProofOf(p, api.LoginDigest)
}

// verifyProofOf is verifyProof for a signature over digestOf's digest
// (each use of a card signature has a domain of its own).
func (s *Service) verifyProofOf(p *api.CardProof, digestOf func(nonce []byte, workstationID string, cardGUID []byte) []byte) (verifiedProof, error) {
	var vp verifiedProof
	nonce, err := p.NonceBytes()
	if err != nil {
		return vp, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	guid, err := p.GUID()
	if err != nil {
		return vp, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	if vp.challenge, err = s.checkChallenge(nonce, p.WorkstationID); err != nil {
		return vp, err
	}
	cert, err := s.parseCardCert(p)
	if err != nil {
		return vp, err
	}
	now := s.now()
	switch err := ca.CheckCardCert(cert, guid, now); {
	case errors.Is(err, ca.ErrExpired), errors.Is(err, ca.ErrNotYetValid):
		return vp, errs.Unauthorized(api.CodeCertificateExpired, "the certificate is outside its validity period", err)
	case errors.Is(err, ca.ErrWrongCard):
		return vp, errs.Unauthorized(api.CodeCertificateMismatch, "the certificate was not issued to this card", err)
	case err != nil:
		return vp, errs.Unauthorized(api.CodeCertificateInvalid, "not a card authentication certificate", err)
	}
	sig, err := p.SignatureBytes()
	if err != nil {
		return vp, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil)
	}
	digest := digestOf(nonce, p.WorkstationID, guid)
	if err := ca.VerifyDigestSignature(cert.PublicKey, digest, sig); err != nil {
		return vp, errs.Unauthorized(api.CodeSignatureInvalid, "the signature does not verify with the card's certificate", err)
	}
	vp.guidHex, vp.serial = api.FormatCardGUID(guid), ca.SerialHex(cert)
	return vp, nil
}

// loadCard reads the card, certificate and user of a verified proof through
// r and checks that the card and user may log in. On a refusal pc holds
// what was read, for the audit record.
func (s *Service) loadCard(ctx context.Context, r store.Reader, vp verifiedProof) (provenCard, error) {
	pc := provenCard{challenge: vp.challenge}
	cl, err := r.CardLogin(ctx, vp.guidHex, vp.serial)
	if errors.Is(err, store.ErrNotFound) {
		return pc, errs.Unauthorized(api.CodeCardUnknown, "this card is not registered", err)
	} else if err != nil {
		return pc, err
	}
	pc.card = cl.Card
	if cl.Cert == nil || cl.Cert.CardGUID != vp.guidHex {
		var err error
		if cl.Cert == nil {
			err = fmt.Errorf("reading certificate %s: %w", vp.serial, store.ErrNotFound)
		}
		return pc, errs.Unauthorized(api.CodeCertificateMismatch, "the certificate was not issued to this card", err)
	}
	pc.cert = *cl.Cert
	if cl.CurrentAuthSerial != pc.cert.Serial {
		return pc, errs.Unauthorized(api.CodeCertificateSuperseded,
			"this certificate has been replaced by a newer one on the card: log in with the card's current certificate", nil)
	}
	if cl.User == nil {
		return pc, fmt.Errorf("reading user %s: %w", pc.card.UserID, store.ErrNotFound)
	}
	pc.user = *cl.User
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

// Login opens a session for a card proof. The card, certificate and user
// are read in the transaction that redeems the challenge and creates the
// session, together with what the reply shows, so a login is one write
// transaction and no separate reads.
func (s *Service) Login(ctx context.Context, req *api.CreateSessionRequest, m Meta) (*api.Session, error) {
	rec := s.record("login", m, req.WorkstationID)
	rec.CardGUID = normalGUID(req.CardGUID)
	vp, err := s.verifyProof(&req.CardProof)
	if err != nil {
		if errs.As(err).Code == api.CodeSignatureInvalid {
			if rerr := s.recoverAtLogin(ctx, req, rec); rerr != nil {
				return nil, rerr
			}
		}
		return nil, s.refuse(ctx, rec, err)
	}
	id, token, err := newSessionSecrets()
	if err != nil {
		return nil, errs.Internal(err)
	}
	var sess store.Session
	var vd viewData
	var renewal *api.Renewal
	completed := false
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		pc, err := s.loadCard(ctx, tx, vp)
		if err != nil && errs.As(err).Code == api.CodeCertificateMismatch && pc.card.GUID == vp.guidHex {
			// Perhaps the pending certificate of the card's renewal.
			if completed, err = s.completeAtLogin(ctx, tx, vp, m, pc.card); err != nil {
				return err
			} else if completed {
				pc, err = s.loadCard(ctx, tx, vp)
			} else {
				err = errs.Unauthorized(api.CodeCertificateMismatch, "the certificate was not issued to this card", nil)
			}
		}
		if err != nil {
			rec.UserID = pc.user.ID
			return err
		}
		sess = s.newSession(pc, id, token, req.WorkstationID)
		rec.UserID, rec.SessionID = pc.user.ID, sess.ID
		if err := redeem(ctx, tx, pc.challenge); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		vd.user, vd.cert = &pc.user, &pc.cert
		if renewal, err = s.openRenewalView(ctx, tx, pc.card.GUID); err != nil {
			return err
		}
		return s.loadView(ctx, tx, sess, &vd)
	})
	if err != nil {
		return nil, err
	}
	if completed {
		s.appended(1)
	}
	view := s.buildView(sess, &vd)
	view.Token, view.Renewal = token, renewal
	return view, nil
}

func normalGUID(s string) string {
	if g, err := api.ParseCardGUID(s); err == nil {
		return api.FormatCardGUID(g)
	}
	return clip(s, 64)
}
