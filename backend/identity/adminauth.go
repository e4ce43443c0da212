package identity

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/audit"
	"github.com/cardagent/cardagent/backend/errs"
	"github.com/cardagent/cardagent/backend/store"
)

// Admin authorisation (docs/admin.md). An administrator works in a role of
// their own session: the role's name says what it lets them do for others'
// cards, and its organisation whom: people who hold a position there now.
// identityd decides every call; the agent's buttons only follow.

// adminRoles maps the NHS role names that carry admin rights to them.
var adminRoles = map[string]api.AdminRole{
	"Local Smartcard Administrator":  api.AdminLSA,
	"Registration Authority Agent":   api.AdminRA,
	"Registration Authority Manager": api.AdminRA,
	"Sponsor":                        api.AdminSponsor,
}

// adminRoleOf is what a role name lets its holder do ("" for nothing).
func adminRoleOf(roleName string) api.AdminRole { return adminRoles[roleName] }

// adminActor is an authorised administrator: their session and the
// position they work in.
type adminActor struct {
	sess store.Session
	role store.Position
}

// authAdmin authorises session id for one of the admin rights in may, in
// tx: an active session of this workstation working in a current position
// whose role carries one of them. Refusals are typed; the caller audits.
func (s *Service) authAdmin(ctx context.Context, r store.Reader, id string, a Auth, may ...api.AdminRole) (adminActor, error) {
	sess, err := s.authSession(ctx, r, id, a, checkInRole)
	if err != nil {
		return adminActor{sess: sess}, err
	}
	sa, err := r.SessionAuth(ctx, id)
	if err != nil {
		return adminActor{sess: sess}, err
	}
	if sa.Role == nil || !slices.Contains(may, adminRoleOf(sa.Role.RoleName)) {
		return adminActor{sess: sess}, errs.Forbidden(api.CodeAdminNotAuthorised,
			"the role this session works in does not allow this: log in in an administrator's role", nil)
	}
	return adminActor{sess: sess, role: *sa.Role}, nil
}

// inScope reports whether userID holds a current position in the admin
// role's organisation.
func (s *Service) inScope(ctx context.Context, r store.Reader, admin adminActor, userID string) (bool, error) {
	ps, err := r.Positions(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	now := s.now()
	return slices.ContainsFunc(ps, func(p store.Position) bool {
		return p.OrganisationID == admin.role.OrganisationID && p.ActiveAt(now)
	}), nil
}

// adminTarget reads the card an administrator names and checks they may
// service it: someone else's card, whose holder is in scope.
func (s *Service) adminTarget(ctx context.Context, r store.Reader, admin adminActor, guid string) (store.Card, error) {
	card, err := r.Card(ctx, guid)
	if errors.Is(err, store.ErrNotFound) {
		return card, errs.New(http.StatusNotFound, api.CodeCardUnknown, "this card is not registered", err)
	} else if err != nil {
		return card, err
	}
	if card.UserID == admin.sess.UserID {
		return card, errs.Forbidden(api.CodeAdminOwnCard, "administrators do not service their own card: ask another", nil)
	}
	ok, err := s.inScope(ctx, r, admin, card.UserID)
	if err != nil {
		return card, err
	}
	if !ok {
		return card, errs.Forbidden(api.CodeAdminOutOfScope,
			"the card's holder holds no position in your role's organisation: an administrator there can help", nil)
	}
	return card, nil
}

// authAdminFor authorises session id for one of the rights in may and
// the card guid it names (adminTarget), in tx, and says so in rec: the
// administrator and reason in its detail (then withDetail's changes), the
// holder as its user. Refusals are typed; the caller's commit audits them.
func (s *Service) authAdminFor(ctx context.Context, tx store.Reader, id string, a Auth, guid, reason string, rec *audit.Record,
	withDetail func(string) string, may ...api.AdminRole) (adminActor, store.Card, error) {
	admin, err := s.authAdmin(ctx, tx, id, a, may...)
	rec.Detail = withDetail("by " + admin.sess.UserID + " (session " + trimID(id) + "): " + clip(reason, api.MaxReasonLen))
	if err != nil {
		return admin, store.Card{}, err
	}
	rec.Detail = withDetail(adminDetail(admin, reason))
	card, err := s.adminTarget(ctx, tx, admin, guid)
	rec.UserID = card.UserID
	return admin, card, err
}

// asIs is a detail left as it is.
func asIs(detail string) string { return detail }

// adminDetail names the administrator in an audit record's detail: who,
// in which role where, and the reason they typed.
func adminDetail(admin adminActor, reason string) string {
	return "by " + admin.sess.UserID + " as " + admin.role.RoleName + " at " + admin.role.OrganisationID +
		" (session " + clip(admin.sess.ID, 64) + "): " + clip(reason, api.MaxReasonLen)
}

// adminWork is what an administrator began on a holder's card: who, in
// which session, at which workstation, for whom.
type adminWork struct {
	adminUserID, adminSessionID, workstationID, holderID string
}

// adminStillAuthorised re-checks, inside tx, that the administrator who
// began w may still do it, in one of the rights in may: their session is
// live and active at w's workstation, works in a current position carrying
// one of them, its card and user are in good standing, and the holder is
// still in scope. No token: the work's own authorises the call.
func (s *Service) adminStillAuthorised(ctx context.Context, r store.Reader, w adminWork, may ...api.AdminRole) error {
	gone := errs.Forbidden(api.CodeAdminNotAuthorised,
		"the administrator who began this may no longer do it (logged out, card removed or role ended): begin again", nil)
	sa, err := r.SessionAuth(ctx, w.adminSessionID)
	if errors.Is(err, store.ErrNotFound) {
		return gone
	} else if err != nil {
		return err
	}
	sess, now := sa.Session, s.now()
	switch {
	case sess.UserID != w.adminUserID, sess.WorkstationID != w.workstationID,
		sess.State != store.SessionActive, !now.Before(sess.ExpiresAt), s.roleIdle(sess, now),
		sa.CardState != store.CardActive, sa.UserDisabled,
		sa.Role == nil, !sa.Role.ActiveAt(now), !slices.Contains(may, adminRoleOf(sa.Role.RoleName)):
		return gone
	}
	ok, err := s.inScope(ctx, r, adminActor{sess: sess, role: *sa.Role}, w.holderID)
	if err != nil {
		return err
	}
	if !ok {
		return gone
	}
	return nil
}
