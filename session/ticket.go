package session

import (
	"context"
	"log/slog"
	"time"
)

// The keyring ticket other local apps read while a session is active;
// keyring calls run in order, off the loop.

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
