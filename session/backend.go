package session

import (
	"context"
	"log/slog"
	"time"

	"github.com/cardagent/cardagent/client"
)

// endSession forgets the session and ends it on the backend: in the
// background (never delaying a lock), or synchronously within EndTimeout
// when the agent stops.
func (a *Agent) endSession(background bool) {
	if a.ticket == nil {
		return
	}
	t := *a.ticket
	a.sess, a.ticket = nil, nil
	a.deleteTicket()
	if background {
		a.endInBackground(t)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.EndTimeout)
	defer cancel()
	if err := a.backend.End(ctx, t); err != nil {
		a.log.Warn("ending the session failed", "err", err)
	}
}

func (a *Agent) endInBackground(t client.Ticket) {
	a.background(a.cfg.BackendTimeout, func(ctx context.Context) {
		if err := a.backend.End(ctx, t); err != nil {
			a.log.Warn("ending the session failed", "err", err)
		}
	})
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
	a.background(a.cfg.BackendTimeout, func(ctx context.Context) {
		defer close(p.settled)
		if _, err := a.backend.Suspend(ctx, p.ticket); err != nil {
			p.suspendE = err
			a.log.Warn("suspending the session failed; it will be ended", "err", err)
			_ = a.backend.End(ctx, p.ticket)
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
		<-p.settled
		if err := a.backend.End(ctx, p.ticket); err != nil {
			a.log.Warn("ending the parked session failed", "err", err)
		}
	})
}

// saveTicket puts the ticket in the keyring, off the Run goroutine (it is
// a D-Bus call).
func (a *Agent) saveTicket() {
	if a.tickets == nil || a.ticket == nil || a.sess == nil {
		return
	}
	st := StoredTicket{
		SessionID: a.ticket.ID, Token: a.ticket.Token, Backend: a.cfg.BackendURL,
		WorkstationID: a.backend.WorkstationID(), UserID: a.sess.User.ID, RoleID: a.sess.RoleID,
	}
	a.ticketOps(func() error { return a.tickets.Save(st) })
}

func (a *Agent) deleteTicket() {
	if a.tickets == nil {
		return
	}
	a.ticketOps(a.tickets.Delete)
}

// ticketOps runs keyring calls in order on one goroutine, so a delete
// issued after a save always lands after it.
func (a *Agent) ticketOps(op func() error) {
	a.keyringMu.Lock()
	prev := a.keyringTail
	done := make(chan struct{})
	a.keyringTail = done
	a.keyringMu.Unlock()
	a.background(5*time.Second, func(context.Context) {
		defer close(done)
		if prev != nil {
			<-prev
		}
		if err := op(); err != nil {
			// Said once: without a Secret Service every call fails the same way.
			level := slog.LevelDebug
			if a.keyringWarned.CompareAndSwap(false, true) {
				level = slog.LevelWarn
			}
			a.log.Log(context.Background(), level, "the OS keyring is not available: other apps will not find the session ticket", "err", err)
		}
	})
}
