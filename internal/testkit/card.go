package testkit

import (
	"context"
	"testing"

	"github.com/cardagent/cardagent/demo"
	"github.com/cardagent/cardagent/reader/vcard"
)

// Slot is a virtual card plugged into one vpcd reader of the rig.
type Slot struct {
	p      *PCSC
	n      int
	cancel context.CancelFunc
	done   chan error

	// AfterPull runs after each Pull (e2e waits there until pcscd reports
	// the reader empty; this package may not import reader, whose tests use it).
	AfterPull func()
}

// Insert plugs card into reader slot n (0 or 1); the card is pulled when the
// test ends if it is still in.
func (p *PCSC) Insert(t testing.TB, card *vcard.Card, n int) *Slot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Slot{p: p, n: n, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- card.Attach(ctx, p.VPCDAddr(n), true) }()
	t.Cleanup(s.Pull)
	return s
}

// Pull closes the card's socket, as pulling a card out of a reader does.
func (s *Slot) Pull() {
	s.cancel()
	<-s.done
	s.done <- nil // later Pulls return at once
	if s.AfterPull != nil {
		s.AfterPull()
	}
}

// PullNow pulls the card without waiting for it to let go: for hooks that
// run inside the card (vcard.BeforeReply), where Pull would wait on itself.
func (s *Slot) PullNow() { s.cancel() }

// DemoCard is a virtual card that identityd enrolled for a demo user, with
// passcode set.
func DemoCard(t testing.TB, id *Identityd, user, passcode string) *vcard.Card {
	t.Helper()
	return DemoCardWith(t, id, user, passcode, vcard.Options{})
}

// DemoCardWith is DemoCard on a card made with opts.
func DemoCardWith(t testing.TB, id *Identityd, user, passcode string, opts vcard.Options) *vcard.Card {
	t.Helper()
	e, err := demo.LoadEnrolment(id.CardDir, user)
	if err != nil {
		t.Fatal(err)
	}
	card, err := vcard.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.Enrol(e); err != nil {
		t.Fatal(err)
	}
	if err := card.SetPIN([]byte(passcode)); err != nil {
		t.Fatal(err)
	}
	return card
}
