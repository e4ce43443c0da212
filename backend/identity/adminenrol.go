package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/cardkeys"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// ActionAdminEnrol is the audit action of an RA's enrolment of a new card.
const ActionAdminEnrol = "admin.enrol"

// cardLifetime is how long a card itself is valid (its CHUID and printed
// expiry); its certificates are renewed within it.
const cardLifetime = 10 * 365 * 24 * time.Hour

// AdminEnrol assigns a factory-fresh card to a user an RA has seen
// (docs/admin.md): a new GUID, the card's derived management key and a
// new random PUK, handed out once for the agent to load into the card
// (PIV takes them only in the clear), and an RA's renewal that makes the
// card's keys and certificates. The card is registered now, active but
// without certificates, so that a card pulled half-way can be found by the
// GUID it then carries and gone on with (req.CardGUID); it logs in only
// once the renewal completes.
func (s *Service) AdminEnrol(ctx context.Context, id string, a Auth, req *api.AdminEnrolRequest, m Meta) (*api.AdminEnrolment, error) {
	rec := s.record(ActionAdminEnrol, m, a.WorkstationID)
	rec.SessionID, rec.UserID = trimID(id), req.UserID
	renewalID, token, err := newSessionSecrets()
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	resume := req.CardGUID != ""
	var guid []byte
	if resume {
		if guid, err = api.ParseCardGUID(req.CardGUID); err != nil {
			return nil, s.refuse(ctx, rec, errs.BadRequest(api.CodeInvalidRequest, err.Error(), nil))
		}
	} else {
		guid = make([]byte, 16)
		rand.Read(guid) // never fails (crypto/rand); all-zero is out of reach
	}
	rec.CardGUID = api.FormatCardGUID(guid)
	now := s.now()
	card := store.Card{GUID: rec.CardGUID, UserID: req.UserID, State: store.CardActive, KeyVersion: 1, CreatedAt: now}
	puk := cardkeys.NewPUK()
	defer clear(puk)
	if card.PUKSealed, err = cardkeys.SealPUK(s.pukWrap, guid, puk); err != nil {
		return nil, s.refuse(ctx, rec, errs.Internal(err))
	}
	r := store.Renewal{ID: renewalID, CardGUID: rec.CardGUID, TokenHash: hashToken(token), WorkstationID: a.WorkstationID,
		State: store.RenewalOpened, Kind: store.RenewalByRA, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.policy.RenewalOpenTTL)}
	var out api.AdminEnrolment
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, err := s.authAdmin(ctx, tx, id, a, api.AdminRA)
		rec.Detail = withRenewal("by "+admin.sess.UserID+" (session "+trimID(id)+"): "+clip(req.Reason, api.MaxReasonLen), renewalID)
		if err != nil {
			return err
		}
		rec.Detail = withRenewal(adminDetail(admin, req.Reason), renewalID)
		holder, err := s.enrolHolder(ctx, tx, admin, req.UserID)
		if err != nil {
			return err
		}
		if resume {
			if card, err = s.unfinishedEnrolment(ctx, tx, rec.CardGUID, req.UserID); err != nil {
				if card.UserID != "" && card.UserID != req.UserID { // the record is the card holder's
					rec.UserID = card.UserID
					rec.Detail = withRenewal(adminDetail(admin, "asked for user "+req.UserID+": "+req.Reason), renewalID)
				}
				return err
			}
			rec.Detail += "; going on with the card's enrolment"
		} else {
			if err := s.cancelUnfinishedEnrolments(ctx, tx, req.UserID, &rec); err != nil {
				return err
			}
			if err := tx.CreateCard(ctx, card); err != nil {
				return err
			}
		}
		r.AdminUserID, r.AdminSessionID = admin.sess.UserID, admin.sess.ID
		took, err := s.takeRenewal(ctx, tx, &r, &rec)
		if err != nil {
			return err
		}
		if !took {
			if err := tx.CreateRenewal(ctx, r); errors.Is(err, store.ErrConflict) {
				return errs.Conflict(api.CodeRenewalWrongState, "another renewal of this card was opened at the same time: begin again", err)
			} else if err != nil {
				return err
			}
		}
		org, err := orgName(ctx, tx, admin)
		if err != nil {
			return err
		}
		out = api.AdminEnrolment{CardGUID: card.GUID, Holder: api.User{ID: holder.ID, Name: holder.Name},
			CardExpires: card.CreatedAt.Add(cardLifetime).UTC().Truncate(24 * time.Hour), Organisation: org}
		rec.Detail += "; management key and PUK handed out for the card"
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The PUK the card takes is the sealed one: a new one for a new card,
	// the one handed out before when going on.
	released, err := cardkeys.OpenPUK(s.pukWrap, guid, card.PUKSealed)
	if err != nil {
		return nil, errs.Internal(err)
	}
	defer clear(released)
	key, err := s.mgmt.MgmtKey(guid, card.KeyVersion)
	if err != nil {
		return nil, errs.Internal(err)
	}
	defer clear(key)
	out.ManagementKey, out.PUK = base64.StdEncoding.EncodeToString(key), string(released)
	out.Renewal = *s.renewalView(r, token)
	return &out, nil
}

// enrolHolder reads the user a card is enrolled for and checks the RA may
// issue them one: someone else, enabled, holding a position in the RA's
// organisation.
func (s *Service) enrolHolder(ctx context.Context, r store.Reader, admin adminActor, userID string) (store.User, error) {
	holder, err := r.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return holder, errs.New(http.StatusNotFound, api.CodeUserUnknown, "no user has this UUID: the user must exist before a card is issued", err)
	} else if err != nil {
		return holder, err
	}
	if holder.ID == admin.sess.UserID {
		return holder, errs.Forbidden(api.CodeAdminOwnCard, "administrators do not issue their own card: ask another", nil)
	}
	if holder.Disabled {
		return holder, errs.Forbidden(api.CodeUserDisabled, "this user's access is disabled: no card can be issued", nil)
	}
	ok, err := s.inScope(ctx, r, admin, userID)
	if err != nil {
		return holder, err
	}
	if !ok {
		return holder, errs.Forbidden(api.CodeAdminOutOfScope,
			"the user holds no position in your role's organisation: an RA there can issue their card", nil)
	}
	return holder, nil
}

// unfinishedEnrolment is card guid, whose enrolment for userID has not
// finished: registered to them, active, and without certificates.
func (s *Service) unfinishedEnrolment(ctx context.Context, r store.Reader, guid, userID string) (store.Card, error) {
	card, err := r.Card(ctx, guid)
	if errors.Is(err, store.ErrNotFound) {
		return card, errs.New(http.StatusNotFound, api.CodeCardUnknown, "this card is not registered: enrol it afresh", err)
	} else if err != nil {
		return card, err
	}
	if err := cardRefusal(card.State); err != nil {
		return card, err
	}
	if card.UserID != userID {
		return card, errs.Conflict(api.CodeCardEnrolled, "this card is being enrolled for someone else", nil)
	}
	enrolling, err := enrolling(ctx, r, card)
	if err != nil {
		return card, err
	}
	if !enrolling {
		return card, errs.Conflict(api.CodeCardEnrolled, "this card is enrolled already: renew or repair it instead", nil)
	}
	return card, nil
}

// cancelUnfinishedEnrolments cancels userID's cards whose enrolment never
// finished: a card is issued afresh when the last one was lost half-way or
// never took its identity, and a card record whose management key and PUK
// were handed out must not stay open for another try.
func (s *Service) cancelUnfinishedEnrolments(ctx context.Context, tx store.Tx, userID string, rec *audit.Record) error {
	cards, err := tx.Cards(ctx, userID)
	if err != nil {
		return err
	}
	for _, c := range cards {
		unfinished, err := enrolling(ctx, tx, c)
		if err != nil {
			return err
		}
		if unfinished {
			rec.Detail += "; the unfinished enrolment of card " + c.GUID + " cancelled"
			if err := s.changeCardState(ctx, tx, c, store.CardCancelled, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// enrolling reports whether card's enrolment has not finished: it is
// active and has no certificate yet.
func enrolling(ctx context.Context, r store.Reader, card store.Card) (bool, error) {
	if card.State != store.CardActive {
		return false, nil
	}
	_, err := r.CurrentCertificate(ctx, card.GUID, store.SlotAuthentication)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return false, err
}
