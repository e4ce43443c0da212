package session

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/piv"
)

// login runs challenge → card (VERIFY + sign) → session, off the Run
// goroutine. The passcode is wiped by signLogin whatever happens.
func (a *Agent) login(passcode []byte) {
	ctx := a.newGen()
	conn, id := a.conn, *a.id
	parked := a.parked
	if parked != nil && parked.guid != id.guid {
		parked = nil
	}
	a.show(ScreenSigningIn, func(s *State) { s.Message = "" })
	a.jobOwning(ctx, func(ctx context.Context) (func(), func()) {
		defer clear(passcode)
		if parked != nil {
			select { // the suspend call must land before the resume
			case <-parked.settled:
			case <-ctx.Done():
				return nil, nil
			}
		}
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		chal, err := a.backend.Challenge(bctx)
		cancel()
		if err != nil {
			return func() { a.backendFailed(err, a.backToPasscode) }, nil
		}
		nonce, err := base64.RawURLEncoding.DecodeString(chal.Nonce)
		if err != nil {
			return func() { a.backendFailed(err, a.backToPasscode) }, nil
		}
		digest := api.LoginDigest(nonce, a.backend.WorkstationID(), id.guid[:])
		cctx, cancel := context.WithTimeout(ctx, a.cfg.CardTimeout)
		sig, err := signLogin(cctx, conn, id, passcode, digest, a.cache, a.trace)
		cancel()
		if err != nil {
			return func() { a.signFailed(err) }, nil
		}
		proof := api.CardProof{
			Nonce:         chal.Nonce,
			WorkstationID: a.backend.WorkstationID(),
			CardGUID:      api.FormatCardGUID(id.guid[:]),
			Certificate:   base64.StdEncoding.EncodeToString(id.cert.Raw),
			Signature:     base64.StdEncoding.EncodeToString(sig),
		}
		// Not cancelled by a removal: the backend may commit the session
		// whatever we do, and only a reply tells us which one to end.
		bctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), a.cfg.BackendTimeout)
		defer cancel()
		var sess api.Session
		if parked != nil && parked.suspendE == nil {
			sess, err = a.backend.Resume(bctx, parked.ticket, proof)
			if client.IsCode(err, api.CodeSessionEnded, api.CodeUnauthenticated, api.CodeSessionNotSuspended, api.CodeNotFound) {
				// Not resumable (ended, or somehow active again): make sure it ends.
				a.ends.add(parked.ticket)
				return func() { a.parked = nil; a.backToPasscodeWith(msgResumeEnded) }, nil
			}
		} else {
			sess, err = a.backend.Login(bctx, proof)
		}
		if err != nil {
			return func() { a.backendFailed(err, a.backToPasscode) }, nil
		}
		// If the card leaves (or the agent stops) before this result is
		// applied, the session the backend just opened must not stay open.
		opened := client.Ticket{ID: sess.ID, Token: sess.Token}
		return func() { a.loggedIn(sess, parked != nil) }, func() { a.ends.add(opened) }
	})
}

// signFailed reacts to a failed VERIFY or signature.
func (a *Agent) signFailed(err error) {
	var auth piv.AuthError
	switch {
	case errors.As(err, &auth) && auth.Blocked:
		a.show(ScreenBlocked, func(s *State) { s.TriesLeft, s.Problem, s.Fix = 0, msgBlocked, fixBlocked })
	case errors.As(err, &auth):
		a.id.triesLeft = auth.Retries
		a.show(ScreenPasscode, func(s *State) { s.TriesLeft, s.Message = auth.Retries, wrongPasscode(auth.Retries) })
	case errors.Is(err, reader.ErrRemoved), errors.Is(err, reader.ErrNoCard), errors.Is(err, context.Canceled):
		// the removal event does the rest
	default:
		a.cardFailed(err)
	}
}

// backendFailed shows a backend error; retry is what the Retry intent does.
func (a *Agent) backendFailed(err error, retry func()) {
	problem, fix, retryable := refusal(err)
	a.log.Warn("backend step failed", "err", err)
	if retryable {
		a.retry = retry
	} else {
		a.retry = nil
	}
	a.show(ScreenBackendError, func(s *State) { s.Problem, s.Fix, s.Retryable = problem, fix, retryable })
}

func (a *Agent) backToPasscode() { a.backToPasscodeWith("") }

func (a *Agent) backToPasscodeWith(msg string) {
	if a.id == nil {
		a.showWaiting()
		return
	}
	a.show(ScreenPasscode, func(s *State) {
		s.TriesLeft, s.Message = a.id.triesLeft, msg
		if msg == "" && a.cfg.Demo {
			s.Hint = a.cfg.DemoHint
		}
	})
}

// loggedIn takes the new (or resumed) session to its next step.
func (a *Agent) loggedIn(sess api.Session, resumed bool) {
	a.sess = &sess
	a.ticket = &client.Ticket{ID: sess.ID, Token: sess.Token}
	if a.id != nil {
		a.lastGUID = a.id.guid
	}
	if resumed {
		a.parked = nil
	} else {
		a.endParked() // someone else logged in here: the parked session will not come back
	}
	if a.id != nil && a.st.Card != nil {
		// The backend accepted the card's signature and certificate: its
		// holder is who it says, photo included once read.
		id := *a.id
		id.photo, _ = a.cache.photoOf(id.guid)
		a.st.Card = id.holder(true)
	}
	login := a.logins + 1
	if resumed && a.st.Expiry != nil {
		login = a.st.Expiry.Login // the same login goes on: no second notification
	} else {
		a.logins++
	}
	a.st.Expiry = expiryNotice(sess.Certificate, login)
	switch {
	case sess.RoleID != "" && sess.State == api.SessionActive:
		a.showActive(resumed)
	case sess.TermsRequired && sess.Terms != nil:
		t := Terms{Version: sess.Terms.Version, Text: sess.Terms.Text}
		a.show(ScreenTerms, func(s *State) { s.Terms = &t })
	default:
		a.chooseRole()
	}
}

// chooseRole selects the only role at once, else asks.
func (a *Agent) chooseRole() {
	roles := a.sess.Roles
	switch len(roles) {
	case 0:
		a.endSession()
		a.show(ScreenCardProblem, func(s *State) { s.Problem, s.Fix = msgNoRoles, fixNoRoles })
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
	a.job(ctx, func(ctx context.Context) func() {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		sess, err := a.backend.SelectRole(bctx, ticket, role.ID)
		if err != nil {
			return func() { a.backendFailed(err, func() { a.selectRole(i) }) }
		}
		if err := a.prefs.SetLastRole(userID, role.ID); err != nil {
			a.log.Warn("remembering the role failed", "err", err)
		}
		return func() {
			sess.Token = "" // the ticket keeps it; the view needs none
			a.sess = &sess
			a.showActive(false)
		}
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
	a.job(ctx, func(ctx context.Context) func() {
		bctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
		defer cancel()
		sess, err := a.backend.AcceptTerms(bctx, ticket, version)
		if err != nil {
			return func() { a.backendFailed(err, func() { a.acceptTerms(version) }) }
		}
		return func() {
			a.sess = &sess
			a.chooseRole()
		}
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
	since := time.Now()
	if resumed && a.st.Active != nil {
		since = a.st.Active.Since
	}
	act := &Active{User: a.sess.User.Name, UUID: a.sess.User.ID, Role: role.Name, Organisation: role.OrganisationName, Since: since}
	a.show(ScreenActive, func(s *State) { s.Active, s.Message = act, "" })
	a.saveTicket()
}
