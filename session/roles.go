package session

import (
	"context"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/wording"
)

// Terms and roles: after the login, accept the terms when due, choose the
// role, and show the active session.

// chooseRole selects the only role at once, else asks.
func (a *Agent) chooseRole() {
	roles := a.sess.Roles
	switch len(roles) {
	case 0:
		a.endSession()
		a.show(ScreenCardProblem, func(s *State) { trouble(s, wording.NoRoles) })
	case 1:
		a.selectRole(0)
	default:
		view := make([]Role, len(roles))
		pre := 0
		last := a.prefs.LastRole(a.sess.User.ID)
		for i, r := range roles {
			view[i] = Role{ID: r.ID, Name: r.Name, Organisation: r.OrganisationName}
			if r.ID == last {
				pre = i
			}
		}
		a.show(ScreenRoles, func(s *State) { s.Roles, s.RoleIndex = view, pre })
	}
}

// selectRole tells the backend which role the user works in.
func (a *Agent) selectRole(i int) {
	if a.sess == nil || i < 0 || i >= len(a.sess.Roles) {
		return
	}
	role := a.sess.Roles[i]
	ticket := *a.ticket
	userID := a.sess.User.ID
	ctx := a.newGen()
	a.show(ScreenSigningIn, nil)
	step(a, ctx, func(ctx context.Context) (api.Session, error) {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		sess, err := a.backend.SelectRole(bctx, ticket, role.ID)
		if err == nil {
			if err := a.prefs.SetLastRole(userID, role.ID); err != nil {
				a.log.Warn("remembering the role failed", "err", err)
			}
		}
		return sess, err
	}, func(sess api.Session, err error) {
		if err != nil {
			a.backendFailed(err, func() { a.selectRole(i) })
			return
		}
		sess.Token = "" // the ticket keeps it; the view needs none
		a.sess = &sess
		a.showActive(false)
	})
}

// acceptTerms records acceptance of a terms version and goes on to the role.
func (a *Agent) acceptTerms(version int) {
	if a.sess == nil {
		return
	}
	ticket := *a.ticket
	ctx := a.newGen()
	a.show(ScreenSigningIn, nil)
	step(a, ctx, func(ctx context.Context) (api.Session, error) {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		return a.backend.AcceptTerms(bctx, ticket, version)
	}, func(sess api.Session, err error) {
		if err != nil {
			a.backendFailed(err, func() { a.acceptTerms(version) })
			return
		}
		a.sess = &sess
		a.chooseRole()
	})
}

// showActive publishes the working session and puts the ticket in the
// keyring for other local apps.
func (a *Agent) showActive(resumed bool) {
	var role api.Role
	for _, r := range a.sess.Roles {
		if r.ID == a.sess.RoleID {
			role = r
		}
	}
	since := a.cfg.Now()
	if resumed && a.st.Active != nil {
		since = a.st.Active.Since
	}
	act := &Active{User: a.sess.User.Name, UUID: a.sess.User.ID, Role: role.Name, Organisation: role.OrganisationName, Since: since}
	admin := adminView(role, a.cardIn)
	a.show(ScreenActive, func(s *State) {
		s.Active, s.Message, s.Admin = act, "", admin
		a.setTargetView(s)
	})
	if admin != nil && a.target == nil {
		a.findTarget() // a card may be in the other reader already
	}
	a.saveTicket()
	if !resumed {
		a.remindRenewal()
	}
}
