package session

import (
	"bytes"
	"testing"
)

// A state republished for the same question (here: the policy arriving
// while the prompt waits) keeps its Question; a new prompt gets a new one;
// a passcode sent for a question no longer asked is wiped and never reaches
// the card.
func TestAnswerForAnOldQuestionIsDropped(t *testing.T) {
	r := newRig(t, Config{}, func(b *fakeBackend) { b.failPolicy = errDown })
	eventually(t, "first policy call", func() bool { return r.backend.called("policy") == 1 })
	gate := make(chan struct{})
	r.backend.set(func(b *fakeBackend) { b.failPolicy, b.policyGate = nil, gate })
	c := newTestCard(t, "Quinn", "313131313131", twoYears)
	r.insert("Reader 0", c)
	first := r.waitScreen(ScreenPasscode)
	if first.Question == 0 {
		t.Fatal("a passcode prompt without a question number")
	}
	close(gate) // the policy arrives while the prompt waits
	again := r.waitFor("policy", func(s State) bool { return s.Rule.MinLength == 6 })
	if again.Screen != ScreenPasscode || again.Seq == first.Seq || again.Question != first.Question {
		t.Fatalf("republished prompt: screen %v seq %d→%d question %d→%d", again.Screen, first.Seq, again.Seq, first.Question, again.Question)
	}
	// Before the backend answered, its CA was unknown: no name was shown.
	// With the CA, the card's certificate is checked and the name appears.
	if first.Card == nil || first.Card.Verified || first.Card.Name != "" || first.Card.UUID != "" {
		t.Fatalf("before the CA was known the prompt showed %+v", first.Card)
	}
	if s := r.waitFor("verified card", func(s State) bool { return s.Card != nil && s.Card.Verified }); s.Card.Name != "Quinn" || s.Question != first.Question {
		t.Fatalf("after the CA: %+v (question %d→%d)", s.Card, first.Question, s.Question)
	}

	r.agent.SubmitPasscode(first.Question, []byte("000000"))
	wrong := r.waitFor("wrong passcode", func(s State) bool { return s.Screen == ScreenPasscode && s.TriesLeft == 2 })
	if wrong.Question == first.Question {
		t.Fatal("a new prompt after a wrong passcode kept the old question number")
	}

	c.conn.mu.Lock()
	apdus := c.conn.apdus
	c.conn.mu.Unlock()
	stale := []byte("123456")
	r.agent.SubmitPasscode(first.Question, stale) // answered already: dropped
	// Intents run in order: once the next answer has been seen, the stale one has been handled.
	r.agent.SubmitPasscode(wrong.Question, []byte("12"))
	r.waitFor("rule message", func(s State) bool { return s.Screen == ScreenPasscode && s.Message != wrong.Message })
	c.conn.mu.Lock()
	sent := c.conn.apdus - apdus
	c.conn.mu.Unlock()
	if sent != 0 {
		t.Fatalf("%d APDUs sent for an answer to an old question", sent)
	}
	if !bytes.Equal(stale, make([]byte, len(stale))) {
		t.Fatal("the dropped passcode was not wiped")
	}
	if s := r.agent.Current(); s.TriesLeft != 2 {
		t.Fatalf("tries left %d, want 2: the stale passcode reached the card", s.TriesLeft)
	}
}
