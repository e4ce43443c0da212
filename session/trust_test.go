package session_test

import (
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"testing"

	"github.com/cardagent/cardagent/wording"
)

// A card whose certificate the backend's CA did not sign is not asked for a
// passcode, and its (claimed) holder's name is not shown.
func TestRogueCardAsksNoPasscode(t *testing.T) {
	r := newRig(t, session.Config{})
	rogue := newRogueCard(t, "Alice Example", "123456789012")
	r.Insert("Reader 0", rogue)
	s := r.WaitScreen(session.ScreenCardProblem)
	if s.Problem != wording.ForeignCard.Problem || s.Card == nil || s.Card.Verified || s.Card.Name != "" || s.Card.UUID != "" {
		t.Fatalf("rogue card: problem %q card %+v", s.Problem, s.Card)
	}
	if n := r.Backend.Called("challenge"); n != 0 {
		t.Fatalf("%d challenges for a rogue card", n)
	}
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenInsertCard)
	alice := newTestCard(t, "Alice Example", "123456789012", twoYears)
	r.Insert("Reader 0", alice)
	if s := r.WaitScreen(session.ScreenPasscode); !s.Card.Verified || s.Card.Name != "Alice Example" {
		t.Fatalf("the real card: %+v", s.Card)
	}
}

// While the backend's CA is unknown the card is shown as unverified: no
// name, no UUID, no photo.
func TestCardUnverifiedWithoutCA(t *testing.T) {
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.NoCA = true })
	c := newTestCard(t, "Dana", "515151515151", twoYears)
	r.Insert("Reader 0", c)
	s := r.WaitScreen(session.ScreenPasscode)
	if s.Card == nil || s.Card.Verified || s.Card.Name != "" || s.Card.UUID != "" || s.Card.Photo != nil || s.Card.GUID == "" {
		t.Fatalf("unverified card shown as %+v", s.Card)
	}
}
