package session

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/wording"
)

// Access positions (docs/admin.md): an RA or sponsor looks up a user — the
// holder of the card in the other reader, or anyone by UUID, since a
// leaver need not come in with their card — grants them a role in the
// administrator's organisation and end-dates their positions there.
// identityd decides each; a card pulled meanwhile changes nothing here.

// PositionForm is what the administrator typed in a positions form: whose
// positions (UserID, the look-up), the role to grant (Role), or when the
// position ends (LastDay: "" for now, or YYYY-MM-DD, the end of that day),
// with the identity check or confirmation and the reason.
type PositionForm struct {
	UserID          string
	Role            string
	LastDay         string
	IdentityChecked bool
	Reason          string
}

// EndPosition asks for the end of position id of the user shown.
func (a *Agent) EndPosition(id string) {
	a.do(func() {
		if a.st.Screen != ScreenAdminPositions || a.positions == nil {
			return
		}
		for _, p := range a.positions.Held {
			if p.ID == id && p.Active {
				a.position = &p
				a.adminAction = AdminActionEndPosition
				a.showAdminScreen(ScreenAdminForm, nil)
				return
			}
		}
	})
}

// BackInAdmin goes back one step within admin mode: from a positions form
// or its outcome to the positions (an audit search's to its page), from
// those to the card.
func (a *Agent) BackInAdmin() {
	a.do(func() {
		switch {
		case !a.st.Screen.AdminMode() || a.st.Screen == ScreenAdminWorking:
		case a.adminAction == AdminActionAudit && a.st.Screen != ScreenAdminAudit && a.audit.view != nil:
			a.retry = nil
			a.showAdminScreen(ScreenAdminAudit, nil)
		case a.adminAction.Cardless() && a.adminAction != AdminActionAudit && a.st.Screen != ScreenAdminPositions && a.positions != nil:
			a.showPositions("")
		default:
			a.retry = nil
			a.newGen()
			a.showAdmin("")
		}
	})
}

// startPositions opens action's form: whose positions, or, from the
// positions shown, the grant form.
func (a *Agent) startPositions(action AdminAction) {
	if a.st.Admin == nil || !a.st.Admin.ManagesPositions {
		return
	}
	switch {
	case action == AdminActionPositions && a.st.Screen == ScreenAdmin:
		a.positions, a.position = nil, nil // a new look-up: Back goes to the card
		a.adminAction = action             // the form offers the card holder's UUID, if there is a card
		a.showAdminScreen(ScreenAdminForm, nil)
	case action == AdminActionGrant && a.st.Screen == ScreenAdminPositions && a.positions != nil:
		a.adminAction = action
		a.showAdminScreen(ScreenAdminForm, nil)
	}
}

// SubmitPositionForm does what the positions form is for.
func (a *Agent) SubmitPositionForm(question uint64, f PositionForm) {
	a.do(func() {
		if !a.asking(ScreenAdminForm, question) || !a.adminAction.Cardless() || a.ticket == nil {
			return
		}
		f.UserID, f.Role, f.LastDay, f.Reason = strings.TrimSpace(f.UserID), strings.TrimSpace(f.Role),
			strings.TrimSpace(f.LastDay), strings.TrimSpace(f.Reason)
		reasonOK := len([]rune(f.Reason)) >= api.MinReasonLen && len([]rune(f.Reason)) <= api.MaxReasonLen
		var ends time.Time
		msg := ""
		switch a.adminAction {
		case AdminActionPositions:
			if !api.ValidUserID(f.UserID) {
				msg = wording.AdminUserIDNeeded
			}
		case AdminActionGrant:
			switch {
			case !api.ValidRoleName(f.Role):
				msg = wording.AdminRoleNeeded
			case !f.IdentityChecked:
				msg = wording.AdminIdentityFirst
			case !reasonOK:
				msg = wording.AdminReasonNeeded
			}
		case AdminActionEndPosition:
			var err error
			switch ends, err = lastDay(f.LastDay, a.cfg.Now()); {
			case err != nil:
				msg = wording.AdminLastDayNeeded
			case !f.IdentityChecked:
				msg = wording.AdminEndConfirmFirst
			case !reasonOK:
				msg = wording.AdminReasonNeeded
			}
		}
		if msg != "" {
			a.showAdminScreen(ScreenAdminForm, func(s *State) { s.Message = msg })
			return
		}
		switch a.adminAction {
		case AdminActionPositions:
			a.loadPositions(f.UserID, "")
		case AdminActionGrant:
			a.changePosition(wording.AdminGranting, func(ctx context.Context, t client.Ticket, user string) (string, error) {
				p, err := a.backend.AdminGrant(ctx, t, user, f.Role, f.Reason)
				return wording.AdminGranted(p.Role), err
			})
		case AdminActionEndPosition:
			id := a.position.ID
			a.changePosition(wording.AdminEnding, func(ctx context.Context, t client.Ticket, user string) (string, error) {
				p, err := a.backend.AdminEndPosition(ctx, t, user, id, ends, f.Reason)
				until := time.Time{}
				if p.EndsAt != nil {
					until = lastDayOf(*p.EndsAt)
				}
				return wording.AdminEnded(p.Role, p.Active, until.Local().Format("2 January 2006")), err
			})
		}
	})
}

// lastDay is when a position whose last day is day ("" for now, else
// YYYY-MM-DD, local time) ends: the midnight after that day; zero for now.
func lastDay(day string, now time.Time) (time.Time, error) {
	if day == "" {
		return time.Time{}, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, now.Location())
	if err != nil {
		return time.Time{}, err
	}
	end := d.AddDate(0, 0, 1)
	if !end.After(now) {
		return time.Time{}, errors.New("a last day in the past")
	}
	return end, nil
}

// lastDayOf is the last day a position ending at end is held: the day of
// the instant before it (an end at midnight is held the whole day before).
func lastDayOf(end time.Time) time.Time { return end.Add(-time.Nanosecond) }

// loadPositions reads user's positions from identityd and shows them, with
// done (showPositions).
func (a *Agent) loadPositions(user, done string) {
	ctx := a.newGen()
	ticket := *a.ticket
	a.adminAction = AdminActionPositions
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = wording.AdminReadingPositions })
	step(a, ctx, func(ctx context.Context) (api.AdminPositions, error) {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.AdminPositions(bctx, ticket, user)
	}, func(ps api.AdminPositions, err error) {
		if err != nil {
			a.cardlessFailed(err, func() { a.loadPositions(user, done) })
			return
		}
		a.positions = holderPositions(ps, api.AdminRole(a.st.Admin.Rights))
		a.showPositions(done)
	})
}

// changePosition runs change (a grant or an end) for the user shown, then
// shows their positions again with what change said.
func (a *Agent) changePosition(working string, change func(context.Context, client.Ticket, string) (string, error)) {
	ctx := a.newGen()
	ticket, user := *a.ticket, a.positions.UUID
	a.showAdminScreen(ScreenAdminWorking, func(s *State) { s.Working = working })
	step(a, ctx, func(ctx context.Context) (string, error) {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return change(bctx, ticket, user)
	}, func(done string, err error) {
		if err != nil {
			a.cardlessFailed(err, func() { a.showPositions("") })
			return
		}
		a.log.Info("access position changed", "action", string(a.adminAction), "user", user)
		a.position = nil
		a.loadPositions(user, done)
	})
}

// showPositions shows the positions of the user last read, with done
// saying what was just done.
func (a *Agent) showPositions(done string) {
	a.retry = nil
	a.adminAction = AdminActionPositions
	a.position = nil
	a.showAdminScreen(ScreenAdminPositions, func(s *State) { s.Hint = done })
}

// cardlessFailed says why a positions or audit call did not work; again
// is what Try again does.
func (a *Agent) cardlessFailed(err error, again func()) {
	a.log.Warn("access positions call did not finish", "action", string(a.adminAction), "err", err)
	t, retryable := positionsTrouble(err)
	a.retry = nil
	if retryable {
		a.retry = again
	}
	a.showAdminScreen(ScreenAdminFailed, func(s *State) { trouble(s, t); s.Retryable = retryable })
}

// positionsTrouble words a refused or failed positions call.
func positionsTrouble(err error) (wording.Trouble, bool) {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case api.CodeUserUnknown:
			return wording.AdminPositionsUserUnknown, false
		case api.CodeAdminOwnPosition:
			return wording.AdminOwnPosition, false
		case api.CodePositionHeld:
			return wording.AdminPositionHeld, false
		case api.CodePositionEnded, api.CodePositionUnknown:
			return wording.AdminPositionEnded, false
		case api.CodeUserDisabled:
			return wording.AdminUserDisabled, false
		case api.CodeInvalidRequest:
			return wording.Trouble{Problem: wording.AdminPositionsInvalid, Fix: ae.Message}, false
		}
	}
	return adminTrouble(err, AdminActionPositions)
}

// holderPositions is identityd's answer as the screen shows it; the roles
// offered for a grant are those the administrator's right may grant.
func holderPositions(ps api.AdminPositions, rights api.AdminRole) *HolderPositions {
	h := &HolderPositions{Name: ps.Holder.Name, UUID: ps.Holder.ID, Organisation: ps.OrganisationName, Elsewhere: ps.Elsewhere,
		Roles: wording.GrantableRoles(rights == api.AdminRA)}
	for _, p := range ps.Positions {
		held := HeldPosition{ID: p.ID, Role: p.Role, Since: p.StartsAt, Active: p.Active}
		if p.EndsAt != nil {
			held.Until, held.LastDay = *p.EndsAt, lastDayOf(*p.EndsAt)
		}
		h.Held = append(h.Held, held)
	}
	return h
}
