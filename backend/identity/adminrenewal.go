package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Audit actions of an administrator's renewal.
const (
	ActionAdminRenewal = "admin.renewal"
	ActionAdminRepair  = "admin.repair"
)

// AdminRenewal opens a renewal of a holder's card by an RA or sponsor who
// has seen them (docs/admin.md). It is driven as a self-renewal is, with
// its own token; each key generation re-checks that the administrator may
// still do it. An RA renews whenever asked — expired certificates and the
// renewal that must be an RA's too — and the count of renewals before the
// next RA one starts again; a sponsor renews only inside the sponsor window.
// A repair (RA only) also opens a face-to-face unlock, for the new
// passcode the holder types, which the card takes before its new keys. The
// card's open renewal, if any, is superseded while the card still logs in
// with its old key, and taken over once it may not (takeRenewal).
func (s *Service) AdminRenewal(ctx context.Context, id string, a Auth, req *api.AdminRenewalRequest, m Meta) (*api.AdminRenewal, error) {
	action, may := ActionAdminRenewal, []api.AdminRole{api.AdminRA, api.AdminSponsor}
	if req.Repair {
		action, may = ActionAdminRepair, []api.AdminRole{api.AdminRA}
	}
	rec := s.record(action, m, a.WorkstationID)
	rec.SessionID, rec.CardGUID = trimID(id), normalGUID(req.CardGUID)
	renewalID, token, err := newSessionSecrets()
	if err != nil {
		return nil, s.refuse(ctx, rec, err)
	}
	var u store.Unlock
	var unlockToken string
	if req.Repair {
		if u, unlockToken, err = s.newAdminUnlock(rec.CardGUID, a); err != nil {
			return nil, s.refuse(ctx, rec, err)
		}
	}
	now := s.now()
	r := store.Renewal{ID: renewalID, CardGUID: rec.CardGUID, TokenHash: hashToken(token), WorkstationID: a.WorkstationID,
		State: store.RenewalOpened, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.policy.RenewalOpenTTL)}
	err = s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, card, err := s.authAdminFor(ctx, tx, id, a, rec.CardGUID, req.Reason, &rec,
			func(d string) string { return withRenewal(d, renewalID) }, may...)
		if err != nil {
			return err
		}
		if err := cardRefusal(card.State); err != nil {
			return err
		}
		if err := holderEnabled(ctx, tx, card.UserID); err != nil {
			return err
		}
		r.Kind, r.AdminUserID, r.AdminSessionID = store.RenewalByRA, admin.sess.UserID, admin.sess.ID
		if adminRoleOf(admin.role.RoleName) == api.AdminSponsor {
			r.Kind = store.RenewalBySponsor
			cert, err := tx.CurrentCertificate(ctx, card.GUID, store.SlotAuthentication)
			if err != nil {
				return err
			}
			if refusal := s.policy.SponsorRenewalRefusal(now, cert.NotAfter, cert.RenewalsSinceRA); refusal != "" {
				e := errs.Forbidden(api.CodeRenewalRefused, "a sponsor may not renew these certificates now: "+renewalRefusalText[refusal], nil)
				e.RenewalRefusal = refusal
				return e
			}
		}
		took, err := s.takeRenewal(ctx, tx, &r, &rec)
		if err != nil {
			return err
		}
		if req.Repair {
			if err := s.openAdminUnlock(ctx, tx, admin, card, &u, &rec); err != nil {
				return err
			}
		}
		if took {
			return nil
		}
		if err := tx.CreateRenewal(ctx, r); errors.Is(err, store.ErrConflict) {
			return errs.Conflict(api.CodeRenewalWrongState, "another renewal of this card was opened at the same time: begin again", err)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &api.AdminRenewal{Renewal: *s.renewalView(r, token)}
	if req.Repair {
		v := s.unlockView(u)
		v.Token = unlockToken
		out.Unlock = &v
	}
	return out, nil
}

// takeRenewal makes room for administrator's renewal r. The card's open
// renewal, if any, is superseded while the card still logs in with its old
// key (before GENERATE 9A): nothing on it is lost. From there on the card
// may hold a new 9A key or pending certificates that only that renewal
// knows, so the administrator takes it over instead, going on from where
// it stands with r's token, kind and names: took says r is that renewal
// now, written back.
func (s *Service) takeRenewal(ctx context.Context, tx store.Tx, r *store.Renewal, rec *audit.Record) (took bool, err error) {
	open, err := tx.OpenRenewal(ctx, r.CardGUID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	from := open.State
	switch from {
	case store.RenewalOpened, store.RenewalGenerating9C, store.RenewalRecorded9C:
		open.State, open.UpdatedAt = store.RenewalExpired, s.now()
		rec.Detail += "; superseded renewal " + open.ID + " (" + string(from) + ")"
	default:
		open.TokenHash, open.WorkstationID, open.UpdatedAt = r.TokenHash, r.WorkstationID, s.now()
		open.Kind, open.AdminUserID, open.AdminSessionID = r.Kind, r.AdminUserID, r.AdminSessionID
		rec.Detail = strings.Replace(rec.Detail, "renewal "+r.ID, "renewal "+open.ID, 1) + "; took over renewal " + open.ID + " in state " + string(from)
		*r = open
		took = true
	}
	if err := tx.UpdateRenewal(ctx, open, from); errors.Is(err, store.ErrConflict) {
		return false, errs.Conflict(api.CodeSessionConflict, "the card's renewal changed meanwhile: begin again", err)
	} else if err != nil {
		return false, err
	}
	return took, nil
}

// adminRenewalGoesOn re-checks, before the card makes a new key for
// administrator's renewal r, that its administrator may still renew it:
// when the card-auth moves the renewal into a key generation (next), not
// when it repeats one they authorised (an interrupted GENERATE goes on as
// the holder's login recovery drives it). Once both keys are made the card
// is finished whoever drives it: stopping there would leave it unable to
// log in.
func (s *Service) adminRenewalGoesOn(ctx context.Context, r store.Reader, ren store.Renewal, holderID string, next store.RenewalState) error {
	if ren.AdminSessionID == "" || next == store.RenewalWriting || next == ren.State {
		return nil
	}
	may := []api.AdminRole{api.AdminRA}
	if ren.Kind == store.RenewalBySponsor {
		may = append(may, api.AdminSponsor)
	}
	return s.adminStillAuthorised(ctx, r, adminWork{ren.AdminUserID, ren.AdminSessionID, ren.WorkstationID, holderID}, may...)
}

// byAdmin names the administrator of renewal r in an audit detail.
func byAdmin(r store.Renewal) string {
	if r.AdminUserID == "" {
		return ""
	}
	return ", by " + string(r.Kind) + " " + r.AdminUserID + " (session " + clip(r.AdminSessionID, 64) + ")"
}
