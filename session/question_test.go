package session_test

import (
	"bytes"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"testing"
)

// A state republished for the same question (here: the policy arriving
// while the prompt waits) keeps its Question; a new prompt gets a new one;
// a passcode sent for a question no longer asked is wiped and never reaches
// the card.
func TestAnswerForAnOldQuestionIsDropped(t *testing.T) {
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.FailPolicy = sessiontest.ErrDown })
	eventually(t, "first policy call", func() bool { return r.Backend.Called("policy") == 1 })
	gate := r.Gate()
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPolicy, b.PolicyGate = nil, gate })
	c := newTestCard(t, "Quinn", "313131313131", twoYears)
	r.Insert("Reader 0", c)
	first := r.WaitScreen(session.ScreenPasscode)
	if first.Question == 0 {
		t.Fatal("a passcode prompt without a question number")
	}
	gate.Open() // the policy arrives while the prompt waits
	again := r.WaitFor("policy", func(s session.State) bool { return s.Rule.MinLength == 6 })
	if again.Screen != session.ScreenPasscode || again.Seq == first.Seq || again.Question != first.Question {
		t.Fatalf("republished prompt: screen %v seq %d→%d question %d→%d", again.Screen, first.Seq, again.Seq, first.Question, again.Question)
	}
	// Before the backend answered, its CA was unknown: no name was shown.
	// With the CA, the card's certificate is checked and the name appears.
	if first.Card == nil || first.Card.Verified || first.Card.Name != "" || first.Card.UUID != "" {
		t.Fatalf("before the CA was known the prompt showed %+v", first.Card)
	}
	if s := r.WaitFor("verified card", func(s session.State) bool { return s.Card != nil && s.Card.Verified }); s.Card.Name != "Quinn" || s.Question != first.Question {
		t.Fatalf("after the CA: %+v (question %d→%d)", s.Card, first.Question, s.Question)
	}

	r.Agent.SubmitPasscode(first.Question, []byte("000000"))
	wrong := r.WaitFor("wrong passcode", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.TriesLeft == 2 })
	if wrong.Question == first.Question {
		t.Fatal("a new prompt after a wrong passcode kept the old question number")
	}

	apdus := c.Conn().APDUs()
	stale := []byte("123456")
	r.Agent.SubmitPasscode(first.Question, stale) // answered already: dropped
	// Intents run in order: once the next answer has been seen, the stale one has been handled.
	r.Agent.SubmitPasscode(wrong.Question, []byte("12"))
	r.WaitFor("rule message", func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Message != wrong.Message })
	sent := c.Conn().APDUs() - apdus
	if sent != 0 {
		t.Fatalf("%d APDUs sent for an answer to an old question", sent)
	}
	if !bytes.Equal(stale, make([]byte, len(stale))) {
		t.Fatal("the dropped passcode was not wiped")
	}
	if s := r.Agent.Current(); s.TriesLeft != 2 {
		t.Fatalf("tries left %d, want 2: the stale passcode reached the card", s.TriesLeft)
	}
}

// A card inserted while the first policy call is under way, and then
// fails, is not left on the defaults until the next card: the agent asks
// again at once.
func TestPolicyAskedAgainForACardThatCameMeanwhile(t *testing.T) {
	first, second := sessiontest.NewGate(), sessiontest.NewGate()
	r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.FailPolicy, b.PolicyGate = sessiontest.ErrDown, first })
	eventually(t, "the first policy call", func() bool { return r.Backend.Called("policy") == 1 })
	r.Insert("Reader 0", newTestCard(t, "Quinn", "313131313131", twoYears))
	r.WaitScreen(session.ScreenPasscode)
	r.Backend.Set(func(b *sessiontest.Backend) { b.PolicyGate = second })
	first.Open() // the first call fails now, after the card came
	eventually(t, "the policy asked again", func() bool { return r.Backend.Called("policy") == 2 })
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailPolicy = nil })
	second.Open()
	r.WaitFor("the policy", func(s session.State) bool { return s.Rule.MinLength == 6 })
}
