package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Audit actions of the admin API.
const (
	ActionAdminCard   = "admin.card"
	ActionAdminUnlock = "admin.unlock"
)

// AdminCard shows an administrator the card in their second reader: whose
// it is, its state, its certificate's expiry, and whether they may
// service it. Any administrator role may look; looking is audited.
func (s *Service) AdminCard(ctx context.Context, id string, a Auth, guidHex string, m Meta) (*api.AdminCard, error) {
	rec := s.record(ActionAdminCard, m, a.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(guidHex)
	guid, err := api.ParseCardGUID(guidHex)
	if err != nil {
		return nil, s.refuse(ctx, rec, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil))
	}
	var out api.AdminCard
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, err := s.authAdmin(ctx, tx, id, a, api.AdminLSA, api.AdminRA, api.AdminSponsor)
		if err != nil {
			rec.Detail = "by " + admin.sess.UserID + " (session " + trimID(id) + ")"
			return err
		}
		card, err := tx.Card(ctx, api.FormatCardGUID(guid))
		if errors.Is(err, store.ErrNotFound) {
			return errs.New(http.StatusNotFound, api.CodeCardUnknown, "this card is not registered", err)
		} else if err != nil {
			return err
		}
		rec.UserID = card.UserID
		rec.Detail = adminDetail(admin, "looked at the card")
		holder, err := tx.User(ctx, card.UserID)
		if err != nil {
			return err
		}
		out = api.AdminCard{GUID: card.GUID, State: api.CardState(card.State)}
		if out.InScope, err = s.inScope(ctx, tx, admin, card.UserID); err != nil {
			return err
		}
		out.InScope = out.InScope && card.UserID != admin.sess.UserID
		if out.InScope || card.UserID == admin.sess.UserID {
			// Only whom they may serve (or themselves): nobody else's name.
			out.Holder = &api.User{ID: holder.ID, Name: holder.Name}
		}
		if cert, err := tx.CurrentCertificate(ctx, card.GUID, store.SlotAuthentication); err == nil {
			t := cert.NotAfter.UTC()
			out.CertificateNotAfter = &t
		} else if errors.Is(err, store.ErrNotFound) {
			out.Enrolling = card.State == store.CardActive
		} else {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AdminUnlock opens a face-to-face unlock of a holder's card by an LSA or
// RA who has seen them: an unlock past its code, whose card then proves
// itself and takes the new passcode (typed by the holder) and a new PUK as
// in a self-service unlock (UnlockWitness, UnlockPUK, CompleteUnlock). It
// voids the card's open self-service unlock, if any, and counts against no
// self-service limit. Every step's audit record names the administrator.
func (s *Service) AdminUnlock(ctx context.Context, id string, a Auth, req *api.AdminUnlockRequest, m Meta) (*api.Unlock, error) {
	rec := s.record(ActionAdminUnlock, m, a.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(req.CardGUID)
	u, token, err := s.newAdminUnlock(rec.CardGUID, a)
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, card, err := s.authAdminFor(ctx, tx, id, a, rec.CardGUID, req.Reason, &rec, asIs, api.AdminLSA, api.AdminRA)
		if err != nil {
			return err
		}
		if err := unlockCardRefusal(card.State); err != nil {
			return err
		}
		if err := holderEnabled(ctx, tx, card.UserID); err != nil {
			return err
		}
		return s.openAdminUnlock(ctx, tx, admin, card, &u, &rec)
	})
	if err != nil {
		return nil, err
	}
	v := s.unlockView(u)
	v.Token = token
	return &v, nil
}

// newAdminUnlock is a face-to-face unlock of card guid for an
// administrator at a's workstation, and its token: past its code, which
// it never had.
func (s *Service) newAdminUnlock(guid string, a Auth) (store.Unlock, string, error) {
	unlockID, token, err := newSessionSecrets()
	if err != nil {
		return store.Unlock{}, "", err
	}
	noCode := make([]byte, 32) // the hash of no code: an admin unlock has none
	if _, err := rand.Read(noCode); err != nil {
		return store.Unlock{}, "", err
	}
	now := s.now()
	return store.Unlock{ID: unlockID, CardGUID: guid, TokenHash: hashToken(token), WorkstationID: a.WorkstationID,
		State: store.UnlockCodeAccepted, CodeHash: noCode, CodeExpiresAt: now, CreatedAt: now, UpdatedAt: now}, token, nil
}

// holderEnabled refuses the card work of a holder whose access is disabled.
func holderEnabled(ctx context.Context, r store.Reader, userID string) error {
	holder, err := r.User(ctx, userID)
	if err != nil {
		return err
	}
	if holder.Disabled {
		return errs.Forbidden(api.CodeUserDisabled, "this holder's access is disabled: see the Registration Authority", nil)
	}
	return nil
}

// openAdminUnlock stores face-to-face unlock u of card for admin, in tx,
// voiding the card's open self-service unlock, if any.
func (s *Service) openAdminUnlock(ctx context.Context, tx store.Tx, admin adminActor, card store.Card, u *store.Unlock, rec *audit.Record) error {
	u.UserID, u.AdminUserID, u.AdminSessionID = card.UserID, admin.sess.UserID, admin.sess.ID
	rec.Detail = withUnlock(rec.Detail, u.ID) + ", identity checked face to face"
	if old, err := tx.OpenUnlock(ctx, card.GUID); err == nil {
		from := old.State
		old.State, old.UpdatedAt = store.UnlockVoid, s.now()
		if err := tx.UpdateUnlock(ctx, old, from); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeUnlockOutOfOrder, "the card's unlock changed meanwhile: try again", err)
		} else if err != nil {
			return err
		}
		rec.Detail += ", voided unlock " + clip(old.ID, 64) + " (" + string(from) + ")"
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.CreateUnlock(ctx, *u)
}
