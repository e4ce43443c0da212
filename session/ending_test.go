package session

import (
	"context"
	"slices"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/reader"
)

// startBare runs another Agent on the same backend and keyring (a restart
// of the agent on this workstation), with no reader events.
func startBare(t *testing.T, b *fakeBackend, tickets *memTickets) {
	t.Helper()
	a := New(Config{EndRetryWait: testEndRetry}, b, make(chan reader.Event), func(string) (CardConn, error) {
		return nil, &reader.Error{Op: "connecting", Kind: reader.ErrNoCard}
	}, tickets, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

const testEndRetry = 5e6 // 5 ms: retries come quickly in tests

// savedTicket waits for the live ticket in the keyring (saved off the loop).
func (r *rig) savedTicket() *StoredTicket {
	r.t.Helper()
	eventually(r.t, "ticket saved", func() bool { return r.tickets.get() != nil })
	return r.tickets.get()
}

// stop stops the rig's agent now (as a quit or SIGTERM does).
func (r *rig) stop() {
	r.cancel()
	err := <-r.done
	r.done <- err // for the cleanup
}

// A removal while the backend is down locks at once; the session is kept
// to be ended and ended as soon as the backend answers again.
func TestEndRetriedUntilTheBackendAnswers(t *testing.T) {
	r := newRig(t, Config{EndRetryWait: testEndRetry})
	c := newTestCard(t, "Ray", "616161616161", twoYears)
	r.loginAs(c, "123456", 0)
	id := r.savedTicket().SessionID
	r.backend.set(func(b *fakeBackend) { b.failEnd = errDown })
	r.pull("Reader 0")
	r.waitScreen(ScreenLocked)
	eventually(t, "retries", func() bool { return r.backend.called("end") >= 3 })
	if got := r.tickets.pendingIDs(); !slices.Equal(got, []string{id}) {
		t.Fatalf("pending ends %v, want [%s]", got, id)
	}
	if r.tickets.get() != nil {
		t.Fatal("the live ticket stayed in the keyring after the lock")
	}
	r.backend.set(func(b *fakeBackend) { b.failEnd = nil })
	eventually(t, "session ended", func() bool { return r.backend.state(id) == api.SessionEnded })
	eventually(t, "pending list emptied", func() bool { return len(r.tickets.pendingIDs()) == 0 })
}

// What the backend did not confirm when the agent stopped is ended by the
// next start.
func TestPendingEndsSurviveARestart(t *testing.T) {
	r := newRig(t, Config{EndRetryWait: testEndRetry})
	c := newTestCard(t, "Sol", "626262626262", twoYears)
	r.loginAs(c, "123456", 0)
	id := r.savedTicket().SessionID
	r.backend.set(func(b *fakeBackend) { b.failEnd = errDown })
	r.stop() // quit with the backend down: the end fails
	if got := r.tickets.pendingIDs(); !slices.Equal(got, []string{id}) {
		t.Fatalf("after the stop the pending ends are %v, want [%s]", got, id)
	}
	if st := r.backend.state(id); st != api.SessionActive {
		t.Fatalf("session %s before the restart", st)
	}
	r.backend.set(func(b *fakeBackend) { b.failEnd = nil })
	startBare(t, r.backend, r.tickets)
	eventually(t, "session ended by the next start", func() bool { return r.backend.state(id) == api.SessionEnded })
	eventually(t, "pending list emptied", func() bool { return len(r.tickets.pendingIDs()) == 0 })
}

// An agent killed with a session open left its ticket in the keyring: the
// next start ends that session before deleting the ticket.
func TestStaleTicketEndedAtStart(t *testing.T) {
	r := newRig(t, Config{})
	c := newTestCard(t, "Tam", "636363636363", twoYears)
	r.loginAs(c, "123456", 0)
	left := &memTickets{t: r.savedTicket()} // what a SIGKILLed agent leaves
	id := left.t.SessionID
	startBare(t, r.backend, left)
	eventually(t, "stale session ended", func() bool { return r.backend.state(id) == api.SessionEnded })
	eventually(t, "stale ticket deleted", func() bool { return left.get() == nil })
}
