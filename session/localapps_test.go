package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
)

// An assertion is handed out only for an active session in a role: before
// the login, before the role and while locked the answer says which.
func TestAssertionOnlyForAnActiveSession(t *testing.T) {
	r := newRig(t, session.Config{Mode: session.ModeSLP})
	ctx := context.Background()
	if s := r.Agent.Current(); s.Local != session.LocalNoSession {
		t.Fatalf("local state %q before a login", s.Local)
	}
	if _, err := r.Agent.Assertion(ctx, "ward-app"); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("before a login: %v", err)
	}

	c := newTestCard(t, "Ann", "111122223333", twoYears)
	r.Insert("Reader 0", c)
	r.WaitScreen(session.ScreenPasscode)
	r.Submit([]byte("123456"))
	r.WaitScreen(session.ScreenRoles)
	if _, err := r.Agent.Assertion(ctx, "ward-app"); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("before a role: %v", err)
	}
	r.SelectRole(0)
	if s := r.WaitScreen(session.ScreenActive); s.Local != session.LocalActive {
		t.Fatalf("local state %q on the active screen", s.Local)
	}
	as, err := r.Agent.Assertion(ctx, "ward-app")
	if err != nil || !strings.HasSuffix(as.Assertion, "/ward-app") || as.Audience != "ward-app" {
		t.Fatalf("active: %+v %v", as, err)
	}
	if _, err := r.Agent.Assertion(ctx, "ward app"); !errors.Is(err, session.ErrBadAudience) {
		t.Fatalf("a malformed audience: %v", err)
	}
	if n := r.Backend.Called("assertion:ward app"); n != 0 {
		t.Fatalf("a malformed audience reached identityd %d times", n)
	}

	r.Pull("Reader 0")
	if s := r.WaitScreen(session.ScreenLocked); s.Local != session.LocalLocked {
		t.Fatalf("local state %q on the locked screen", s.Local)
	}
	if _, err := r.Agent.Assertion(ctx, "ward-app"); !errors.Is(err, session.ErrSessionLocked) {
		t.Fatalf("locked: %v", err)
	}
	// The card back at the passcode prompt: still locked until it resumes.
	r.Insert("Reader 0", c)
	if s := r.WaitScreen(session.ScreenPasscode); s.Local != session.LocalLocked {
		t.Fatalf("local state %q while the parked session waits for its passcode", s.Local)
	}
	r.Submit([]byte("123456"))
	if s := r.WaitScreen(session.ScreenActive); s.Local != session.LocalActive {
		t.Fatalf("local state %q after the resume", s.Local)
	}
	if _, err := r.Agent.Assertion(ctx, "ward-app"); err != nil {
		t.Fatalf("after the resume: %v", err)
	}
}

// The card pulled while identityd signs: the assertion it then returns is
// not handed out.
func TestAssertionSignedWhileTheCardLeftIsNotHandedOut(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Ben", "111122224444", twoYears), "123456", 0)
	gate := r.Gate()
	r.Backend.Set(func(b *sessiontest.Backend) { b.AssertionGate = gate })
	done := make(chan error, 1)
	go func() {
		_, err := r.Agent.Assertion(context.Background(), "ward-app")
		done <- err
	}()
	eventually(t, "identityd asked", func() bool { return r.Backend.Called("assertion:ward-app") == 1 })
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	gate.Open()
	if err := <-done; !errors.Is(err, session.ErrSessionLocked) {
		t.Fatalf("an assertion signed as the card left: %v", err)
	}
}

// identityd's refusal reaches the application, worded as identityd's.
func TestAssertionRefusedByIdentityd(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Cai", "111122225555", twoYears), "123456", 0)
	r.Backend.Set(func(b *sessiontest.Backend) {
		b.FailAssertion = &api.Error{Code: api.CodeRoleEnded, Message: "the role has ended"}
	})
	_, err := r.Agent.Assertion(context.Background(), "ward-app")
	if err == nil || !strings.Contains(err.Error(), "identityd") {
		t.Fatalf("refused: %v", err)
	}
}

// After the agent stops, the answer is "no session", at once.
func TestAssertionAfterStop(t *testing.T) {
	r := newRig(t, session.Config{})
	r.loginAs(newTestCard(t, "Dee", "111122226666", twoYears), "123456", 0)
	r.Stop()
	if _, err := r.Agent.Assertion(context.Background(), "ward-app"); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("after stop: %v", err)
	}
}
