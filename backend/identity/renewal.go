package identity

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/ca"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Certificate renewal (docs/renewal.md): open with an active session, then
// every call carries the renewal's own token. Each step is one transaction
// with its audit record, whose detail starts with the renewal's id. The
// management key is derived, used and wiped inside card-auth; it never
// leaves identityd, and no token, key or response reaches a log.

// withRenewal puts the renewal's id at the head of an audit detail, where
// clipping a refusal's detail cannot cut it off.
func withRenewal(detail, id string) string {
	if !api.ValidID(id) {
		id = "?"
	}
	if detail == "" {
		return "renewal " + id
	}
	return "renewal " + id + "; " + detail
}

// expired reports whether r was opened and left untouched past its time.
func (s *Service) expired(r store.Renewal) bool {
	return r.State == store.RenewalOpened && !s.now().Before(r.ExpiresAt)
}

// renewalView is what the agent sees of r; token only where one is handed out.
func (s *Service) renewalView(r store.Renewal, token string) *api.Renewal {
	v := &api.Renewal{ID: r.ID, Token: token, State: api.RenewalState(r.State), CardGUID: r.CardGUID,
		Kind: api.RenewalKind(r.Kind), KeyAlgorithm: s.policy.RenewalKeyAlgorithm}
	if v.Kind == "" {
		v.Kind = api.RenewalBySelf
	}
	switch {
	case s.expired(r):
		v.State = api.RenewalStateExpired
	case r.State == store.RenewalOpened:
		at := r.ExpiresAt
		v.ExpiresAt = &at
	}
	if r.Key9A != nil || r.Key9C != nil {
		v.PublicKeys = &api.RenewalPublicKeys{Authentication: b64(r.Key9A), Signature: b64(r.Key9C)}
	}
	if r.Cert9A != nil && r.Cert9C != nil {
		v.Certificates = &api.RenewalCertificates{Authentication: b64(r.Cert9A), Signature: b64(r.Cert9C)}
	}
	return v
}

// stateRefusal is a renewal_* refusal carrying the renewal as it stands.
func (s *Service) stateRefusal(code api.ErrorCode, msg string, r store.Renewal) error {
	e := errs.Conflict(code, msg, nil)
	e.Renewal = s.renewalView(r, "")
	return e
}

func (s *Service) wrongState(r store.Renewal) error {
	return s.stateRefusal(api.CodeRenewalWrongState, "this step is not allowed in the renewal's state "+string(r.State)+
		": read the renewal and go on from there", r)
}

var renewalRefusalText = map[api.RenewalRefusal]string{
	api.RenewalOutsideWindow: "the certificates are not yet inside their renewal window",
	api.RenewalExpired:       "the certificates have expired: see your Registration Authority in person",
	api.RenewalRADue:         "this renewal must be done by your Registration Authority in person",
	api.RenewalOutsideSponsorWindow: "a sponsor renews only in the last days before expiry: the holder renews them, " +
		"or a Registration Authority",
}

// cardRefusal is a refused card's error, or nil for an active card.
func cardRefusal(state store.CardState) error {
	switch state {
	case store.CardCancelled:
		return errs.Forbidden(api.CodeCardCancelled, "this card has been cancelled: it cannot be renewed", nil)
	case store.CardLocked:
		return errs.Forbidden(api.CodeCardLocked, "this card is locked: unlock it first", nil)
	}
	return nil
}

// OpenRenewal opens a renewal of the session's card (step 1) or, if the
// card already has an open one, hands that one out again with a fresh
// token: an active session of the card may drive its renewal.
func (s *Service) OpenRenewal(ctx context.Context, req *api.OpenRenewalRequest, a Auth, m Meta) (*api.Renewal, error) {
	rec := s.record("renewal.open", m, a.WorkstationID)
	rec.SessionID = req.SessionID
	id, token, err := newSessionSecrets()
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out store.Renewal
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		sess, err := s.authSession(ctx, tx, req.SessionID, a, checkChange)
		if sess.ID == "" {
			return err
		}
		rec.UserID, rec.CardGUID = sess.UserID, sess.CardGUID
		card, cerr := tx.Card(ctx, sess.CardGUID)
		if cerr != nil {
			return cerr
		}
		if refused := cardRefusal(card.State); refused != nil {
			return refused // rather than the session_ended locking or cancelling gave its sessions
		} else if err != nil {
			return err
		}
		now := s.now()
		open, err := tx.OpenRenewal(ctx, card.GUID)
		switch {
		case err == nil && !s.expired(open) && open.AdminSessionID != "" && open.State == store.RenewalOpened:
			// The card has not been touched: the administrator who opened
			// it is about to renew it, face to face.
			return s.stateRefusal(api.CodeRenewalWrongState, "an administrator is renewing this card with its holder: wait for them", open)
		case err == nil && open.AdminSessionID != "" && (open.State == store.RenewalGenerating9C || open.State == store.RenewalRecorded9C):
			// An administrator's renewal left before GENERATE 9A: the card
			// still logs in with its old key, and only its administrator
			// may go on with it. The holder renews afresh.
			rec.Detail += "; an administrator's renewal " + open.ID + " left in " + string(open.State) + " ended"
			from := open.State
			open.State, open.UpdatedAt = store.RenewalExpired, now
			if err := tx.UpdateRenewal(ctx, open, from); err != nil {
				return err
			}
		case err == nil && !s.expired(open):
			from := open.State
			open.TokenHash, open.WorkstationID, open.UpdatedAt = hashToken(token), a.WorkstationID, now
			if open.State == store.RenewalOpened {
				open.ExpiresAt = now.Add(s.policy.RenewalOpenTTL)
			}
			rec.Detail = withRenewal(rec.Detail, open.ID) + "; reopened in state " + string(from) + " with a new token"
			out = open
			return tx.UpdateRenewal(ctx, open, from)
		case err == nil:
			rec.Detail += "; renewal " + open.ID + " expired untouched"
			open.State, open.UpdatedAt = store.RenewalExpired, now
			if err := tx.UpdateRenewal(ctx, open, store.RenewalOpened); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		cert, err := tx.CurrentCertificate(ctx, card.GUID, store.SlotAuthentication)
		if err != nil {
			return err
		}
		if st := s.policy.CertificateStatus(now, cert.NotAfter, cert.RenewalsSinceRA); !st.SelfRenewalAllowed {
			e := errs.Forbidden(api.CodeRenewalRefused, "self-renewal is not allowed now: "+renewalRefusalText[st.RenewalRefusal], nil)
			e.RenewalRefusal = st.RenewalRefusal
			return e
		}
		out = store.Renewal{ID: id, CardGUID: card.GUID, TokenHash: hashToken(token), WorkstationID: a.WorkstationID,
			State: store.RenewalOpened, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.policy.RenewalOpenTTL)}
		rec.Detail = withRenewal(rec.Detail, id)
		if err := tx.CreateRenewal(ctx, out); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeRenewalWrongState, "another renewal of this card was opened at the same time: open again", err)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.renewalView(out, token), nil
}

// authRenewal loads renewal id and checks the caller may drive it: the
// token, the workstation it was handed out to, the card's state and, unless
// readOnly, that the renewal is still open. Inside a write transaction the
// row stays locked until commit.
func (s *Service) authRenewal(ctx context.Context, r store.Reader, id string, a Auth, readOnly bool) (store.Renewal, store.Card, error) {
	unauth := errs.Unauthorized(api.CodeUnauthenticated, "no valid renewal token", nil)
	if a.Token == "" || !api.ValidID(id) {
		return store.Renewal{}, store.Card{}, unauth
	}
	ren, card, err := r.RenewalCard(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Renewal{}, store.Card{}, unauth
	} else if err != nil {
		return store.Renewal{}, store.Card{}, err
	}
	if subtle.ConstantTimeCompare(ren.TokenHash, hashToken(a.Token)) != 1 {
		return store.Renewal{}, store.Card{}, unauth
	}
	if ren.WorkstationID != a.WorkstationID {
		return ren, card, errs.Unauthorized(api.CodeWorkstationMismatch, "this renewal's token was handed out to another workstation", nil)
	}
	if err := cardRefusal(card.State); err != nil {
		return ren, card, err
	}
	switch {
	case readOnly:
	case ren.State == store.RenewalCompleted:
		return ren, card, s.stateRefusal(api.CodeRenewalNotOpen, "this renewal is completed: log in with the new certificate", ren)
	case ren.State == store.RenewalExpired || s.expired(ren):
		return ren, card, s.stateRefusal(api.CodeRenewalExpired, "this renewal expired untouched: open a new one", ren)
	}
	return ren, card, nil
}

// renewalCall is the shape of every call on a renewal: load, lock and
// authorise it, let change edit it (nil: read only), write it back only if
// its state is still the one read, audit the outcome either way.
func (s *Service) renewalCall(ctx context.Context, action, id string, a Auth, m Meta,
	change func(tx store.Tx, r *store.Renewal, card store.Card, rec *audit.Record) error) (store.Renewal, error) {
	rec := s.record(action, m, a.WorkstationID)
	rec.Detail = withRenewal(rec.Detail, id)
	var out store.Renewal
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		r, card, err := s.authRenewal(ctx, tx, id, a, change == nil)
		rec.CardGUID, rec.UserID = card.GUID, card.UserID
		rec.Detail += byAdmin(r)
		if err != nil {
			return err
		}
		out = r
		if change == nil {
			return nil
		}
		from := r.State
		if err := change(tx, &out, card, &rec); err != nil {
			return err
		}
		out.UpdatedAt = s.now()
		if err := tx.UpdateRenewal(ctx, out, from); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeSessionConflict, "the renewal was changed by a concurrent call: read it again", err)
		} else if err != nil {
			return err
		}
		return nil
	})
	return out, err
}

// Renewal is the renewal as it stands (completed and expired ones too).
func (s *Service) Renewal(ctx context.Context, id string, a Auth, m Meta) (*api.Renewal, error) {
	r, err := s.renewalCall(ctx, "renewal.get", id, a, m, nil)
	if err != nil {
		return nil, err
	}
	return s.renewalView(r, ""), nil
}

// RenewalCardAuth answers the card's 9B challenge for purpose (steps 2, 4
// and 6) with the card's diversified key at its key version, and moves the
// renewal on. From now on the card may have changed: the renewal no longer
// expires.
func (s *Service) RenewalCardAuth(ctx context.Context, id string, a Auth, req *api.CardAuthRequest, m Meta) (*api.CardAuthResponse, error) {
	var resp []byte
	r, err := s.renewalCall(ctx, "renewal.card_auth", id, a, m, func(tx store.Tx, r *store.Renewal, card store.Card, rec *audit.Record) error {
		rec.Detail += "; for " + string(req.Purpose)
		next, ok := cardAuthNext(r.State, req.Purpose)
		if !ok {
			return s.wrongState(*r)
		}
		if err := s.adminRenewalGoesOn(ctx, tx, *r, card.UserID, next); err != nil {
			return err
		}
		chal, err := req.ChallengeBytes()
		if err != nil {
			return errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)
		}
		guid, err := api.ParseCardGUID(card.GUID)
		if err != nil {
			return errs.Internal(err)
		}
		key, err := s.mgmt.MgmtKey(guid, card.KeyVersion)
		if err != nil {
			return errs.Internal(err)
		}
		defer clear(key)
		if resp, err = mgmtResponse(key, chal); err != nil {
			return errs.Internal(err)
		}
		r.State, r.ExpiresAt = next, time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.CardAuthResponse{Response: b64(resp), State: api.RenewalState(r.State)}, nil
}

// RecordRenewalKey records the public key GENERATE returned for slot (steps
// 3 and 4). Recording the same key again answers the same.
func (s *Service) RecordRenewalKey(ctx context.Context, id, slot string, a Auth, req *api.RecordKeyRequest, m Meta) (*api.Renewal, error) {
	r, err := s.renewalCall(ctx, "renewal.record_key", id, a, m, func(_ store.Tx, r *store.Renewal, _ store.Card, rec *audit.Record) error {
		rec.Detail += "; slot " + clip(slot, 8)
		if !api.ValidSlot(slot) {
			return errs.BadRequest(api.CodeInvalidRequest, "slot must be 9a or 9c", nil)
		}
		der, err := req.PublicKeyDER()
		if err != nil {
			return errs.BadRequest(api.CodeInvalidRequest, err.Error(), err)
		}
		key, err := parseCardKey(der)
		if err != nil {
			return err
		}
		if err := checkKeyAlgorithm(key, s.policy.RenewalKeyAlgorithm); err != nil {
			return err
		}
		dst, generating, recorded := &r.Key9C, store.RenewalGenerating9C, store.RenewalRecorded9C
		if slot == store.SlotAuthentication {
			dst, generating, recorded = &r.Key9A, store.RenewalGenerating9A, store.RenewalRecorded9A
		}
		switch {
		case r.State == generating:
			*dst, r.State = key, recorded
		case *dst != nil && !bytes.Equal(*dst, key):
			return s.stateRefusal(api.CodeRenewalKeyMismatch, "a different key is already recorded for slot "+slot, *r)
		case *dst == nil:
			return s.wrongState(*r)
		}
		return nil // the same key again
	})
	if err != nil {
		return nil, err
	}
	return s.renewalView(r, ""), nil
}

// IssueRenewal issues the new certificates from the CSRs the new keys
// signed (step 5): each CSR must verify and hold the key recorded for its
// slot. They are stored as pending; asked again with the same keys it
// answers the same certificates.
func (s *Service) IssueRenewal(ctx context.Context, id string, a Auth, req *api.IssueRequest, m Meta) (*api.Renewal, error) {
	in := s.prepareIssue(ctx, id, a, req)
	var issued *x509.Certificate
	r, err := s.renewalCall(ctx, "renewal.issue", id, a, m, func(tx store.Tx, r *store.Renewal, card store.Card, rec *audit.Record) error {
		if in.err != nil {
			return in.err
		}
		switch r.State {
		case store.RenewalRecorded9A, store.RenewalIssued, store.RenewalWriting:
		default:
			return s.wrongState(*r)
		}
		if !in.keysMatch(*r) {
			return s.stateRefusal(api.CodeRenewalKeyMismatch, "a CSR's key is not the one recorded for its slot", *r)
		}
		if r.State != store.RenewalRecorded9A {
			rec.Detail += "; the same certificates again"
			return nil
		}
		u, err := tx.User(ctx, card.UserID)
		if err != nil {
			return err
		}
		pair, ok := in.pairFor(u, card.GUID)
		if !ok {
			guid, err := api.ParseCardGUID(card.GUID)
			if err != nil {
				return errs.Internal(err)
			}
			if pair, err = s.signPair(u, guid, in.keys); err != nil {
				return err
			}
		}
		rec.Detail += "; pending 9a " + ca.SerialHex(pair.Authentication) + ", 9c " + ca.SerialHex(pair.Signature)
		r.Cert9A, r.Cert9C, r.State = pair.Authentication.Raw, pair.Signature.Raw, store.RenewalIssued
		issued = pair.Authentication
		return nil
	})
	if err != nil {
		return nil, err
	}
	if issued != nil {
		s.certs.put(issued) // the completing proof presents it
	}
	return s.renewalView(r, ""), nil
}

// CompleteRenewal checks a fresh login proof made with the new 9A key
// under the pending 9A certificate (step 7), then makes the pending
// certificates current.
func (s *Service) CompleteRenewal(ctx context.Context, id string, a Auth, req *api.CompleteRenewalRequest, m Meta) (*api.Renewal, error) {
	vp, verr := s.verifyProof(&req.CardProof) // before the transaction; refused inside it, in its turn
	r, err := s.renewalCall(ctx, "renewal.complete", id, a, m, func(tx store.Tx, r *store.Renewal, card store.Card, rec *audit.Record) error {
		if r.State != store.RenewalWriting {
			return s.wrongState(*r)
		}
		if verr != nil {
			return verr
		}
		pending, err := s.storedCert(r.Cert9A)
		if err != nil {
			return errs.Internal(err)
		}
		if vp.guidHex != card.GUID || vp.serial != ca.SerialHex(pending) {
			return errs.Unauthorized(api.CodeCertificateMismatch, "the proof is not made with this renewal's new 9A certificate", nil)
		}
		if err := redeem(ctx, tx, vp.challenge); err != nil {
			return err
		}
		return s.finishRenewal(ctx, tx, r, rec)
	})
	if err != nil {
		return nil, err
	}
	return s.renewalView(r, ""), nil
}

// finishRenewal makes r's pending certificates the card's current ones
// (the old ones are superseded: only the newest 9A logs in), counts the
// renewal and closes it.
func (s *Service) finishRenewal(ctx context.Context, tx store.Tx, r *store.Renewal, rec *audit.Record) error {
	var pair IssuedPair
	var err error
	if pair.Authentication, err = s.storedCert(r.Cert9A); err != nil {
		return errs.Internal(err)
	}
	if pair.Signature, err = s.storedCert(r.Cert9C); err != nil {
		return errs.Internal(err)
	}
	prev, err := tx.CurrentCertificate(ctx, r.CardGUID, store.SlotAuthentication)
	first := errors.Is(err, store.ErrNotFound) // an enrolment's: the card's first certificates
	if err != nil && !first {
		return err
	}
	now := s.now()
	count := prev.RenewalsSinceRA + 1
	if r.Kind == store.RenewalByRA {
		count = 0 // this was the RA's (or the enrolment): the count starts again
	}
	if err := insertPair(ctx, tx, r.CardGUID, pair, count, now); err != nil {
		return err
	}
	if first {
		rec.Detail += "; first certificates, 9a " + ca.SerialHex(pair.Authentication) + ": the card's enrolment is complete"
	} else {
		rec.Detail += "; 9a " + prev.Serial + " superseded by " + ca.SerialHex(pair.Authentication)
	}
	if r.AdminSessionID != "" {
		rec.Detail += "; renewed by " + string(r.Kind) + " " + r.AdminUserID
	}
	r.State, r.CompletedAt, r.UpdatedAt = store.RenewalCompleted, now, now
	return nil
}
