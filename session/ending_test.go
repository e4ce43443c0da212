package session_test

import (
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"slices"
	"testing"

	"github.com/cardagent/cardagent/api"
)

// startBare runs another Agent on the same backend and keyring (a restart
// of the agent on this workstation), with no reader events.
func startBare(t *testing.T, b *sessiontest.Backend, tickets *sessiontest.Tickets) {
	t.Helper()
	sessiontest.Start(t, session.Config{EndRetryWait: testEndRetry}, sessiontest.Options{Backend: b, Tickets: tickets})
}

const testEndRetry = 5e6 // 5 ms: retries come quickly in tests

// savedTicket waits for the live ticket in the keyring (saved off the loop).
func (r *rig) savedTicket() *session.StoredTicket {
	r.t.Helper()
	eventually(r.t, "ticket saved", func() bool { return r.Tickets.Get() != nil })
	return r.Tickets.Get()
}

// A removal while the backend is down locks at once; the session is kept
// to be ended and ended as soon as the backend answers again.
func TestEndRetriedUntilTheBackendAnswers(t *testing.T) {
	r := newRig(t, session.Config{EndRetryWait: testEndRetry})
	c := newTestCard(t, "Ray", "616161616161", twoYears)
	r.loginAs(c, "123456", 0)
	id := r.savedTicket().SessionID
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailEnd = sessiontest.ErrDown })
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	eventually(t, "retries", func() bool { return r.Backend.Called("end") >= 3 })
	if got := r.Tickets.PendingIDs(); !slices.Equal(got, []string{id}) {
		t.Fatalf("pending ends %v, want [%s]", got, id)
	}
	if r.Tickets.Get() != nil {
		t.Fatal("the live ticket stayed in the keyring after the lock")
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailEnd = nil })
	eventually(t, "session ended", func() bool { return r.Backend.State(id) == api.SessionEnded })
	eventually(t, "pending list emptied", func() bool { return len(r.Tickets.PendingIDs()) == 0 })
}

// What the backend did not confirm when the agent stopped is ended by the
// next start.
func TestPendingEndsSurviveARestart(t *testing.T) {
	r := newRig(t, session.Config{EndRetryWait: testEndRetry})
	c := newTestCard(t, "Sol", "626262626262", twoYears)
	r.loginAs(c, "123456", 0)
	id := r.savedTicket().SessionID
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailEnd = sessiontest.ErrDown })
	r.Stop() // quit with the backend down: the end fails
	if got := r.Tickets.PendingIDs(); !slices.Equal(got, []string{id}) {
		t.Fatalf("after the stop the pending ends are %v, want [%s]", got, id)
	}
	if st := r.Backend.State(id); st != api.SessionActive {
		t.Fatalf("session %s before the restart", st)
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailEnd = nil })
	startBare(t, r.Backend, r.Tickets)
	eventually(t, "session ended by the next start", func() bool { return r.Backend.State(id) == api.SessionEnded })
	eventually(t, "pending list emptied", func() bool { return len(r.Tickets.PendingIDs()) == 0 })
}

// An agent killed with a session open left its ticket in the keyring: the
// next start ends that session before deleting the ticket.
func TestStaleTicketEndedAtStart(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Tam", "636363636363", twoYears)
	r.loginAs(c, "123456", 0)
	left := &sessiontest.Tickets{} // what a SIGKILLed agent leaves
	left.Save(*r.savedTicket())
	id := left.Get().SessionID
	startBare(t, r.Backend, left)
	eventually(t, "stale session ended", func() bool { return r.Backend.State(id) == api.SessionEnded })
	eventually(t, "stale ticket deleted", func() bool { return left.Get() == nil })
}
