package identity

import (
	"context"
	"crypto/x509"
	"errors"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// The login side of renewal recovery (docs/renewal.md, "Recovery"): a card
// mid-renewal that cannot log in is told so, with a fresh token once it is
// proven, and a card presenting its pending 9A certificate completes its
// renewal as part of the login.

// recoveryProof is a login proof whose signature did not verify under its
// certificate but whose other parts hold.
type recoveryProof struct {
	challenge checkedChallenge
	nonce     []byte
	guid      []byte
	guidHex   string
	serial    string
	sig       []byte
}

// parseRecoveryProof reads what a refused proof still shows; false if any
// part but the signature is wrong (the login's own refusal stands then).
func (s *Service) parseRecoveryProof(p *api.CardProof) (recoveryProof, bool) {
	var rp recoveryProof
	var err error
	if rp.nonce, err = p.NonceBytes(); err != nil {
		return rp, false
	}
	if rp.guid, err = p.GUID(); err != nil {
		return rp, false
	}
	if rp.challenge, err = s.checkChallenge(rp.nonce, p.WorkstationID); err != nil {
		return rp, false
	}
	cert, err := s.parseCardCert(p)
	if err != nil || ca.CheckCardCert(cert, rp.guid, s.now()) != nil {
		return rp, false
	}
	if rp.sig, err = p.SignatureBytes(); err != nil {
		return rp, false
	}
	rp.guidHex, rp.serial = api.FormatCardGUID(rp.guid), ca.SerialHex(cert)
	return rp, true
}

// verifiesUnder reports whether sig verifies over digest under the DER
// SubjectPublicKeyInfo key.
func verifiesUnder(key, digest, sig []byte) bool {
	if key == nil {
		return false
	}
	pub, err := x509.ParsePKIXPublicKey(key)
	return err == nil && ca.VerifyDigestSignature(pub, digest, sig) == nil
}

// errNoRecovery: the card has no renewal that explains the refusal.
var errNoRecovery = errors.New("no renewal to recover")

// recoverAtLogin is asked when a login's signature does not verify under
// the card's current 9A certificate. If the card has an open renewal that
// explains it, it answers renewal_incomplete: with a fresh token (the
// challenge redeemed, audited as renewal.recover) when the signature
// verifies under the recorded new 9A key (recorded_9a, issued, writing) or,
// in generating_9a, when it is a recovery signature by the recorded new 9C
// key (api.RecoveryDigest); without one in generating_9a otherwise, so the
// agent proves the card with 9C. nil means the login's refusal stands.
func (s *Service) recoverAtLogin(ctx context.Context, req *api.CreateSessionRequest, rec audit.Record) error {
	rp, ok := s.parseRecoveryProof(&req.CardProof)
	if !ok {
		return nil
	}
	var ren store.Renewal
	var proven bool
	err := s.store.View(ctx, func(r store.Reader) error {
		cl, err := r.CardLogin(ctx, rp.guidHex, rp.serial)
		if err != nil {
			return err
		}
		if cl.Card.State != store.CardActive || cl.CurrentAuthSerial != rp.serial {
			return errNoRecovery
		}
		rec.UserID = cl.Card.UserID
		if ren, err = r.OpenRenewal(ctx, rp.guidHex); err != nil {
			return err
		}
		switch ren.State {
		case store.RenewalGenerating9A:
			proven = verifiesUnder(ren.Key9C, api.RecoveryDigest(rp.nonce, req.WorkstationID, rp.guid), rp.sig)
		case store.RenewalRecorded9A, store.RenewalIssued, store.RenewalWriting:
			if proven = verifiesUnder(ren.Key9A, api.LoginDigest(rp.nonce, req.WorkstationID, rp.guid), rp.sig); !proven {
				return errNoRecovery
			}
		default:
			return errNoRecovery
		}
		return nil
	})
	if errors.Is(err, errNoRecovery) || errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return s.refuse(ctx, rec, err)
	}
	rec.Detail = withRenewal(rec.Detail, ren.ID)
	if !proven {
		return s.refuse(ctx, rec, s.stateRefusal(api.CodeRenewalIncomplete, "this card has an unfinished renewal (its new 9A key is not "+
			"recorded): prove the card with a recovery signature by its new 9C key to go on", ren))
	}
	_, token, err := newSessionSecrets()
	if err != nil {
		return errs.Internal(err)
	}
	rec.Action = "renewal.recover"
	rec.Detail += "; a new token for state " + string(ren.State)
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		if err := redeem(ctx, tx, rp.challenge); err != nil {
			return err
		}
		from := ren.State
		ren.TokenHash, ren.WorkstationID, ren.UpdatedAt = hashToken(token), req.WorkstationID, s.now()
		if err := tx.UpdateRenewal(ctx, ren, from); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeSessionConflict, "the renewal was changed by a concurrent call: log in again", err)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	e := errs.Conflict(api.CodeRenewalIncomplete, "this card has an unfinished renewal: go on with it (the token in renewal), then log in", nil)
	e.Renewal = s.renewalView(ren, token)
	return e
}

// completeAtLogin is asked inside a login's transaction when the proof's
// certificate, valid and signed for, is not one of the card's stored
// certificates: if it is the pending 9A certificate of the card's open
// renewal in writing, the card holds the new key and certificate,
// so the renewal completes here (step 7 lost before identityd committed)
// and the login goes on with the new certificate. The completion's audit
// record is appended in tx; true if it completed.
func (s *Service) completeAtLogin(ctx context.Context, tx store.Tx, vp verifiedProof, m Meta, card store.Card) (bool, error) {
	if card.State != store.CardActive {
		return false, nil
	}
	ren, err := tx.OpenRenewal(ctx, vp.guidHex)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if ren.State != store.RenewalWriting {
		return false, nil // not yet authorised to be written: not on the card
	}
	pending, err := x509.ParseCertificate(ren.Cert9A)
	if err != nil || ca.SerialHex(pending) != vp.serial {
		return false, nil
	}
	rec := s.record("renewal.complete", m, "")
	rec.CardGUID, rec.UserID = card.GUID, card.UserID
	rec.Detail = withRenewal(rec.Detail, ren.ID) + "; at login with the pending certificate"
	from := ren.State
	if err := s.finishRenewal(ctx, tx, &ren, &rec); err != nil {
		return false, err
	}
	if err := tx.UpdateRenewal(ctx, ren, from); err != nil {
		return false, err
	}
	rec.At, rec.Outcome = s.now(), audit.OutcomeOK
	_, err = audit.Append(ctx, tx, s.auditKey, rec)
	return err == nil, err
}

// openRenewalView is the card's open renewal for a session view (nil if none).
func (s *Service) openRenewalView(ctx context.Context, r store.Reader, cardGUID string) (*api.Renewal, error) {
	ren, err := r.OpenRenewal(ctx, cardGUID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if s.expired(ren) {
		return nil, nil
	}
	v := s.renewalView(ren, "")
	v.Certificates = nil
	return v, nil
}
