package session_test

import (
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// blockCard inserts c and types wrong passcodes until it is blocked.
func (r *rig) blockCard(c *sessiontest.Card) {
	r.t.Helper()
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	for {
		q := r.Agent.Current().Question
		r.Submit([]byte("000000"))
		s := r.WaitFor("the card's answer", func(s session.State) bool {
			return s.Screen == session.ScreenBlocked || s.Screen == session.ScreenPasscode && s.Question != q
		})
		if s.Screen == session.ScreenBlocked {
			return
		}
	}
}

// answer waits for the next screen after a submit on question q.
func (r *rig) answer(q uint64) session.State {
	r.t.Helper()
	return r.WaitFor("the answer", func(s session.State) bool { return s.Question != q && s.Screen != session.ScreenUnlocking })
}

// TestUnlockBlockedCard: from the blocked screen, a code of the wrong shape
// costs no attempt; a wrong code says how many remain; the right one asks
// for a new passcode, checked against the rule before the card; then the
// card is unlocked, its PUK rotated, and it logs in with the new passcode.
func TestUnlockBlockedCard(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Jo", "101010101010", twoYears)
	r.blockCard(c)
	if s := r.Agent.Current(); !s.SelfUnlock {
		t.Fatal("the blocked screen does not offer self-service unlock")
	}
	r.Agent.StartUnlock()
	s := r.WaitScreen(session.ScreenUnlockCode)
	if s.Unlock.SentTo != "a•••@nhs.net" || s.Unlock.AttemptsLeft != 3 || s.Unlock.ValidUntil.IsZero() {
		t.Fatalf("code screen %+v", s.Unlock)
	}
	r.Agent.SubmitUnlockCode(s.Question, []byte("1234"))
	if s = r.answer(s.Question); s.Message != wording.UnlockCodeShape || r.Backend.Called("unlock-code") != 0 {
		t.Fatalf("a short code: %q, %d calls", s.Message, r.Backend.Called("unlock-code"))
	}
	r.Agent.SubmitUnlockCode(s.Question, []byte("11112222"))
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlockCode || s.Message != wording.UnlockCodeWrong(2) || s.Unlock.AttemptsLeft != 2 {
		t.Fatalf("a wrong code: %v %q %d", s.Screen, s.Message, s.Unlock.AttemptsLeft)
	}
	r.Agent.SubmitUnlockCode(s.Question, []byte(sessiontest.UnlockCode))
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlockPasscode {
		t.Fatalf("after the right code: %v %q", s.Screen, s.Problem)
	}
	r.Agent.SubmitUnlockPasscode(s.Question, []byte("246813"), []byte("246814"))
	if s = r.answer(s.Question); s.Message != wording.NewPasscodesDiffer {
		t.Fatalf("different passcodes: %q", s.Message)
	}
	resets := c.Conn().Resets()
	r.Agent.SubmitUnlockPasscode(s.Question, []byte("246813"), []byte("246813"))
	if s = r.answer(s.Question); s.Screen != session.ScreenUnlocked {
		t.Fatalf("unlock: %v %q %q", s.Screen, s.Problem, s.Fix)
	}
	// The management key authenticated for it is forgotten: the card
	// transaction ended with a reset, so no other program inherits it.
	if c.Conn().Resets() == resets {
		t.Error("the unlock's transaction did not end with a card reset")
	}
	eventually(t, "the completion", func() bool {
		cur, next := r.Backend.PUK(c.GUID())
		return cur == sessiontest.NextPUK && next == ""
	})
	r.Agent.CloseUnlock()
	if s = r.WaitScreen(session.ScreenPasscode); s.TriesLeft != 3 {
		t.Fatalf("after the unlock: %d tries", s.TriesLeft)
	}
	r.Submit([]byte("246813"))
	r.WaitFor("logged in", func(s session.State) bool { return s.Screen == session.ScreenRoles || s.Screen == session.ScreenActive })
	for _, secret := range []string{"246813", sessiontest.UnlockCode, sessiontest.FactoryPUK, sessiontest.NextPUK} {
		if testkit.HoldsSecret(r.logs.String(), secret) {
			t.Errorf("%s is in the agent's log", secret)
		}
	}
}

// TestUnlockResumesAnUnfinishedOne: an unlock whose completion never
// reached identityd left the card holding the new PUK; the next unlock is
// offered both and the card takes the one it holds.
func TestUnlockResumesAnUnfinishedOne(t *testing.T) {
	r := newRig(t, session.Config{})
	c := newTestCard(t, "Kit", "202020202020", twoYears)
	r.Backend.Set(func(b *sessiontest.Backend) {
		b.FailUnlockComplete = &client.APIError{Status: 409, Code: api.CodeUnlockOutOfOrder}
	})
	unlockWith := func(passcode string) {
		t.Helper()
		r.blockCard(c)
		r.Agent.StartUnlock()
		s := r.WaitScreen(session.ScreenUnlockCode)
		r.Agent.SubmitUnlockCode(s.Question, []byte(sessiontest.UnlockCode))
		s = r.answer(s.Question)
		r.Agent.SubmitUnlockPasscode(s.Question, []byte(passcode), []byte(passcode))
		if s = r.answer(s.Question); s.Screen != session.ScreenUnlocked {
			t.Fatalf("unlock: %v %q %q", s.Screen, s.Problem, s.Fix)
		}
		r.Agent.CloseUnlock()
		r.WaitScreen(session.ScreenPasscode)
		r.Pull("Reader 0")
		r.WaitScreen(session.ScreenInsertCard)
	}
	unlockWith("246813")
	if cur, next := r.Backend.PUK(c.GUID()); cur != sessiontest.FactoryPUK || next != sessiontest.NextPUK {
		t.Fatalf("identityd holds %s, %s", cur, next)
	}
	r.Backend.Set(func(b *sessiontest.Backend) { b.FailUnlockComplete = nil })
	unlockWith("135790")
	eventually(t, "the completion", func() bool {
		cur, next := r.Backend.PUK(c.GUID())
		return cur == sessiontest.NextPUK && next == ""
	})
}

// TestUnlockRefused: a refusal from identityd says why, and whether a new
// code may help.
func TestUnlockRefused(t *testing.T) {
	for _, c := range []struct {
		err       error
		want      wording.Trouble
		retryable bool
	}{
		{&client.APIError{Status: 403, Code: api.CodeUnlockNotAvailable}, wording.UnlockNotOffered, false},
		{&client.APIError{Status: 429, Code: api.CodeUnlockRateLimited}, wording.UnlockRateLimited, false},
		{&client.APIError{Status: 403, Code: api.CodeCardCancelled}, wording.CardCancelled, false},
		{&client.APIError{Status: 503, Code: api.CodeUnlockSendFailed}, wording.UnlockSendFailed, true},
		{sessiontest.ErrDown, wording.Unreachable, true},
	} {
		r := newRig(t, session.Config{}, func(b *sessiontest.Backend) { b.FailUnlock = c.err })
		r.blockCard(newTestCard(t, "Lee", "303030303030", twoYears))
		r.Agent.StartUnlock()
		s := r.WaitScreen(session.ScreenUnlockFailed)
		if s.Problem != c.want.Problem || s.Fix != c.want.Fix || s.Retryable != c.retryable {
			t.Errorf("%v: %q / %q (retry %v), want %q / %q (%v)", c.err, s.Problem, s.Fix, s.Retryable, c.want.Problem, c.want.Fix, c.retryable)
		}
	}
}
