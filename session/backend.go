package session

import (
	"context"
	"log/slog"
	"time"
)

// endSession forgets the session and has it ended on the backend (see
// ending.go): never delaying a lock; when the agent stops, shutdown tries
// once more within EndTimeout and the next start takes up what is left.
func (a *Agent) endSession() {
	if a.ticket == nil {
		return
	}
	t := *a.ticket
	a.sess, a.ticket = nil, nil
	a.ends.add(t)    // kept until the backend confirms (shutdown flushes it)
	a.deleteTicket() // after the pending list holds it
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
