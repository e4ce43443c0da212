package session

import (
	"context"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// Lock and resume: the card leaves (or Lock is asked), the screen locks at
// once, then the backend session is ended or, with Session Lock
// Persistence, suspended and kept for the same card.

// cardGone handles our card leaving: lock first, then tell the backend in
// the background (end, or suspend in Session Lock Persistence mode).
func (a *Agent) cardGone() {
	a.newGen() // cancels whatever the card was doing
	a.dropTarget()
	a.st.Admin = nil // admin mode ends with the administrator's card
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
	a.cardIn, a.id, a.retry, a.unfinished, a.unlock, a.registering = "", nil, nil, nil, nil, nil
	if a.sess == nil {
		if p := a.parked; p != nil {
			a.show(ScreenLocked, func(s *State) { s.Message, s.Card, s.Active, s.Expiry = "", nil, p.active, p.expiry })
			return
		}
		a.show(ScreenInsertCard, func(s *State) { s.Card, s.Message, s.Active, s.Expiry = nil, "", nil, nil })
		return
	}
	action, inRole := a.removalAction(), a.sess.RoleID != ""
	if action == api.RemovalLogout {
		a.logOutOnRemoval()
	} else {
		a.lockSession()
	}
	if inRole {
		a.removeFromDesktop(action) // after the agent's own lock, never waited for
	}
}

// lockSession locks the screen at once and then ends or parks the session.
func (a *Agent) lockSession() {
	active := a.st.Active
	persist := a.mode() == ModeSLP && a.sess.RoleID != "" && active != nil
	a.log.Info("session locked", "mode", string(a.mode()), "suspend", persist, "role_chosen", a.sess.RoleID != "")
	if active != nil {
		locked := *active
		locked.Suspended = persist
		active = &locked
	}
	a.show(ScreenLocked, func(s *State) {
		s.Active, s.Message = active, ""
		if !persist {
			s.Expiry = nil // a new login will say it again; a resume keeps it
		}
	})
	if persist {
		a.deleteTicket()
		a.park()
	} else {
		a.endSession()
	}
}

// parkedSession is a session suspended on card removal, kept for its card.
// Its view (who, role, since, the expiry alert) stays here, not in the
// State, while other cards are in use.
type parkedSession struct {
	ticket   client.Ticket
	sess     api.Session
	guid     [16]byte
	active   *Active
	expiry   *ExpiryNotice
	settled  chan struct{} // closed when the suspend call has finished
	suspendE error
}

// park suspends the session for its card (Session Lock Persistence).
func (a *Agent) park() {
	p := &parkedSession{ticket: *a.ticket, sess: *a.sess, settled: make(chan struct{}), active: a.st.Active, expiry: a.st.Expiry}
	if a.id != nil {
		p.guid = a.id.guid
	} else {
		p.guid = a.lastGUID
	}
	a.parked = p
	a.sess, a.ticket = nil, nil
	a.dropTarget()
	a.background(a.cfg.BackendTimeout, func(ctx context.Context) {
		defer close(p.settled)
		if _, err := a.backend.Suspend(ctx, p.ticket); err != nil {
			p.suspendE = err
			a.log.Warn("suspending the session failed; it will be ended", "err", err)
			a.ends.add(p.ticket)
		}
	})
}

// endParked ends a suspended session that will not be resumed here.
func (a *Agent) endParked() {
	if a.parked == nil {
		return
	}
	p := a.parked
	a.parked = nil
	a.background(a.cfg.BackendTimeout, func(ctx context.Context) {
		select { // the suspend call lands first, so the end is the last word
		case <-p.settled:
		case <-ctx.Done():
		}
		a.ends.add(p.ticket)
	})
}

// endSession forgets the session and has it ended on the backend (see
// ending.go): never delaying a lock; when the agent stops, shutdown tries
// once more within EndTimeout and the next start takes up what is left.
func (a *Agent) endSession() {
	if a.ticket == nil {
		return
	}
	t := *a.ticket
	a.sess, a.ticket = nil, nil
	a.dropTarget()   // admin mode ends with the session
	a.ends.add(t)    // kept until the backend confirms (shutdown flushes it)
	a.deleteTicket() // after the pending list holds it
}
