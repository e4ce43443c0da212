package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// Tickets for local applications (docs/tickets.md): an application on the
// workstation asks the agent — over the desktop user's D-Bus session bus,
// package localapi — for an assertion of the session for its own audience.
// The session decides here whether there is one to give.

// LocalState is what a local application may know of the agent: whether a
// session in a role is active, locked behind a pulled card, or absent.
type LocalState string

const (
	LocalActive    LocalState = "active"     // a session in a role is active: tickets are served
	LocalLocked    LocalState = "locked"     // the session is locked (its card was pulled or Lock pressed)
	LocalNoSession LocalState = "no-session" // nobody is logged in (or not yet in a role)
)

// The refusals a local application gets, besides identityd's own.
var (
	ErrSessionLocked = errors.New("the session is locked")
	ErrNoSession     = errors.New("no session")
	ErrBadAudience   = errors.New("an audience is 1 to 100 letters, digits and . _ : / -")
)

// localState is State.Local, worked out on the Run goroutine at each
// publish. The locked screen comes first: lockSession shows it before it
// lets the session go.
func (a *Agent) localState() LocalState {
	switch {
	case a.st.Screen == ScreenLocked:
		return LocalLocked
	case a.sess != nil && a.ticket != nil && a.sess.RoleID != "":
		return LocalActive
	case a.parked != nil:
		return LocalLocked
	}
	return LocalNoSession
}

// Assertion asks identityd for an assertion of the active session for
// audience (identityd audits it). It may be called from any goroutine.
// While the session is locked it answers ErrSessionLocked, without one
// ErrNoSession; an assertion whose session was locked while identityd
// signed it is not handed out.
func (a *Agent) Assertion(ctx context.Context, audience string) (api.Assertion, error) {
	if !api.ValidAudience(audience) {
		return api.Assertion{}, ErrBadAudience
	}
	t, err := a.liveTicket(ctx)
	if err != nil {
		return api.Assertion{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.BackendTimeout)
	defer cancel()
	as, err := a.backend.IssueAssertion(ctx, t, audience)
	// The session as it is now comes first: identityd refuses an ended
	// session too, and "locked" says more than its refusal.
	now, live := a.liveTicket(ctx)
	switch {
	case live != nil:
		return api.Assertion{}, live
	case now.ID != t.ID:
		return api.Assertion{}, ErrNoSession // another session began meanwhile
	case err != nil:
		return api.Assertion{}, fmt.Errorf("identityd: %w", err)
	}
	a.log.Info("assertion handed to a local application", "audience", audience, "expires", as.ExpiresAt)
	return as, nil
}

// liveTicket reads the active session's ticket on the Run goroutine.
func (a *Agent) liveTicket(ctx context.Context) (client.Ticket, error) {
	type answer struct {
		t   client.Ticket
		err error
	}
	ch := make(chan answer, 1)
	a.post(intent{
		run: func() {
			switch a.localState() {
			case LocalActive:
				ch <- answer{t: *a.ticket}
			case LocalLocked:
				ch <- answer{err: ErrSessionLocked}
			default:
				ch <- answer{err: ErrNoSession}
			}
		},
		cancel: func() { ch <- answer{err: ErrNoSession} }, // the agent stopped
	})
	select {
	case r := <-ch:
		return r.t, r.err
	case <-a.stopped: // the intent may sit in the queue after Run stopped
		return client.Ticket{}, ErrNoSession
	case <-ctx.Done():
		return client.Ticket{}, ctx.Err()
	}
}
