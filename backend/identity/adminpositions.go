package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Audit actions of access positions (docs/admin.md).
const (
	ActionAdminPositions   = "admin.positions"
	ActionAdminGrant       = "admin.position.grant"
	ActionAdminEndPosition = "admin.position.end"
)

// Access positions are granted and end-dated by an RA, or by a sponsor for
// roles that carry no admin right, and only in the organisation of the
// role the administrator works in; nobody changes their own. A position is
// never deleted: a leaver's ends, and a user moving organisation keeps
// their card, loses the old positions (the old organisation ends them) and
// gets new ones (the new organisation grants them, which also brings them
// into its administrators' scope). A session working in an ended position
// is refused every call in that role from then on (authSession: role_ended).

// AdminPositions lists user's positions in the administrator's
// organisation and counts their current ones elsewhere.
func (s *Service) AdminPositions(ctx context.Context, id string, a Auth, userID string, m Meta) (*api.AdminPositions, error) {
	rec := s.record(ActionAdminPositions, m, a.WorkstationID)
	rec.SessionID, rec.UserID = trimID(id), clip(userID, 12)
	var out *api.AdminPositions
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, holder, err := s.positionsActor(ctx, tx, id, a, userID)
		rec.Detail = adminDetail(admin, "looked at the user's positions")
		if err != nil {
			return err
		}
		out, err = s.positionsView(ctx, tx, admin, holder)
		return err
	})
	return out, err
}

// AdminGrant gives user a position in the administrator's organisation.
func (s *Service) AdminGrant(ctx context.Context, id string, a Auth, userID string, req *api.AdminGrantRequest, m Meta) (*api.AdminPosition, error) {
	rec := s.record(ActionAdminGrant, m, a.WorkstationID)
	rec.SessionID, rec.UserID = trimID(id), clip(userID, 12)
	b := make([]byte, 6)
	rand.Read(b) // never fails (crypto/rand)
	p := store.Position{ID: fmt.Sprintf("pos-%x", b), UserID: userID, RoleName: req.Role, StartsAt: s.now()}
	var out api.AdminPosition
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, holder, err := s.positionsActor(ctx, tx, id, a, userID)
		rec.Detail = adminDetail(admin, req.Reason) + "; grants " + clip(req.Role, api.MaxRoleNameLen)
		if err != nil {
			return err
		}
		if err := mayChangeRole(admin, req.Role); err != nil {
			return err
		}
		if holder.Disabled {
			return errs.Forbidden(api.CodeUserDisabled, "this user's access is disabled: no role can be granted", nil)
		}
		ps, err := tx.Positions(ctx, userID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, held := range ps {
			if held.OrganisationID == admin.role.OrganisationID && held.RoleName == req.Role && held.ActiveAt(p.StartsAt) {
				return errs.Conflict(api.CodePositionHeld, "the user holds this role in your organisation already", nil)
			}
		}
		p.OrganisationID = admin.role.OrganisationID
		if p.OrganisationName, err = orgName(ctx, tx, admin); err != nil {
			return err
		}
		if err := tx.CreatePosition(ctx, p); err != nil {
			return err
		}
		rec.Detail += " at " + p.OrganisationID + " (position " + p.ID + ")"
		out = positionView(p, p.StartsAt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AdminEndPosition end-dates one of user's positions in the
// administrator's organisation: now, or later; an end already set can only
// be brought forward.
func (s *Service) AdminEndPosition(ctx context.Context, id string, a Auth, userID, positionID string, req *api.AdminEndPositionRequest, m Meta) (*api.AdminPosition, error) {
	rec := s.record(ActionAdminEndPosition, m, a.WorkstationID)
	rec.SessionID, rec.UserID = trimID(id), clip(userID, 12)
	var out api.AdminPosition
	err := s.commit(ctx, &rec, func(tx store.Tx) error {
		admin, _, err := s.positionsActor(ctx, tx, id, a, userID)
		rec.Detail = adminDetail(admin, req.Reason) + "; ends position " + clip(positionID, 64)
		if err != nil {
			return err
		}
		if !api.ValidID(positionID) {
			return errs.New(http.StatusNotFound, api.CodePositionUnknown, "the user holds no such position", nil)
		}
		p, err := heldPosition(ctx, tx, userID, positionID)
		if err != nil {
			return err
		}
		rec.Detail += " (" + p.RoleName + " at " + p.OrganisationID + ")"
		if p.OrganisationID != admin.role.OrganisationID {
			return errs.Forbidden(api.CodeAdminOutOfScope, "this position is in another organisation: an administrator there can end it", nil)
		}
		if err := mayChangeRole(admin, p.RoleName); err != nil {
			return err
		}
		now := s.now()
		ends := now
		if req.EndsAt != nil && req.EndsAt.After(now) {
			ends = req.EndsAt.UTC()
		} else if req.EndsAt != nil && req.EndsAt.Before(now.Add(-time.Minute)) {
			return errs.BadRequest(api.CodeInvalidRequest, "a position cannot end in the past: leave ends_at out to end it now", nil)
		}
		switch {
		case !p.EndsAt.IsZero() && !now.Before(p.EndsAt):
			return errs.Conflict(api.CodePositionEnded, "this position has ended already", nil)
		case !p.EndsAt.IsZero() && ends.After(p.EndsAt):
			return errs.BadRequest(api.CodeInvalidRequest, "this position ends sooner already: an end can only be brought forward", nil)
		case ends.Before(p.StartsAt):
			ends = p.StartsAt // a position not begun yet ends before it begins
		}
		if err := tx.EndPosition(ctx, p.ID, ends); errors.Is(err, store.ErrNotFound) {
			return errs.Conflict(api.CodePositionEnded, "this position was ended at the same time", err)
		} else if err != nil {
			return err
		}
		p.EndsAt = ends
		rec.Detail += "; ends " + ends.Format(time.RFC3339)
		out = positionView(p, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// positionsActor authorises session id to manage user's positions (RA or
// sponsor) and reads the user: someone else, who exists.
func (s *Service) positionsActor(ctx context.Context, r store.Reader, id string, a Auth, userID string) (adminActor, store.User, error) {
	admin, err := s.authAdmin(ctx, r, id, a, api.AdminRA, api.AdminSponsor)
	if err != nil {
		return admin, store.User{}, err
	}
	if !api.ValidUserID(userID) {
		return admin, store.User{}, errs.BadRequest(api.CodeInvalidRequest, "a user is named by their 12-digit UUID", nil)
	}
	holder, err := r.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return admin, holder, errs.New(http.StatusNotFound, api.CodeUserUnknown, "no user has this UUID", err)
	} else if err != nil {
		return admin, holder, err
	}
	if holder.ID == admin.sess.UserID {
		return admin, holder, errs.Forbidden(api.CodeAdminOwnPosition, "administrators do not change their own positions: ask another", nil)
	}
	return admin, holder, nil
}

// mayChangeRole says whether admin may grant or end a position in role: a
// role that carries admin rights only by an RA.
func mayChangeRole(admin adminActor, role string) error {
	if adminRoleOf(role) != "" && adminRoleOf(admin.role.RoleName) != api.AdminRA {
		return errs.Forbidden(api.CodeAdminNotAuthorised, "only a Registration Authority grants or ends an administrator's role", nil)
	}
	return nil
}

// heldPosition is user's position positionID.
func heldPosition(ctx context.Context, r store.Reader, userID, positionID string) (store.Position, error) {
	ps, err := r.Positions(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Position{}, err
	}
	for _, p := range ps {
		if p.ID == positionID {
			return p, nil
		}
	}
	return store.Position{}, errs.New(http.StatusNotFound, api.CodePositionUnknown, "the user holds no such position", nil)
}

// positionsView is holder's positions as admin sees them: those in the
// admin's organisation, and a count of their current ones elsewhere.
func (s *Service) positionsView(ctx context.Context, r store.Reader, admin adminActor, holder store.User) (*api.AdminPositions, error) {
	ps, err := r.Positions(ctx, holder.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	org, err := orgName(ctx, r, admin)
	if err != nil {
		return nil, err
	}
	out := &api.AdminPositions{Holder: api.User{ID: holder.ID, Name: holder.Name}, OrganisationID: admin.role.OrganisationID,
		OrganisationName: org, Positions: []api.AdminPosition{}}
	now := s.now()
	for _, p := range ps {
		switch {
		case p.OrganisationID == admin.role.OrganisationID:
			out.Positions = append(out.Positions, positionView(p, now))
		case p.ActiveAt(now):
			out.Elsewhere++
		}
	}
	return out, nil
}

// positionView is p as the API shows it at now.
func positionView(p store.Position, now time.Time) api.AdminPosition {
	v := api.AdminPosition{ID: p.ID, OrganisationID: p.OrganisationID, OrganisationName: p.OrganisationName, Role: p.RoleName,
		StartsAt: p.StartsAt.UTC(), Active: p.ActiveAt(now)}
	if !p.EndsAt.IsZero() {
		t := p.EndsAt.UTC()
		v.EndsAt = &t
	}
	return v
}

// orgName is the name of the organisation admin works in.
func orgName(ctx context.Context, r store.Reader, admin adminActor) (string, error) {
	if admin.role.OrganisationName != "" {
		return admin.role.OrganisationName, nil
	}
	o, err := r.Organisation(ctx, admin.role.OrganisationID)
	return o.Name, err
}
