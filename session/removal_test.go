package session_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
	"github.com/cardagent/cardagent/wording"
)

// desktop records what the agent asked of the desktop; gate holds each call.
type desktop struct {
	gate   *sessiontest.Gate
	mu     sync.Mutex
	locks  int
	closes [][]string
}

func (d *desktop) LockScreen(ctx context.Context) (string, error) {
	d.gate.Wait(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.locks++
	return "test", nil
}

func (d *desktop) CloseApplications(ctx context.Context, names []string) ([]string, error) {
	d.gate.Wait(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closes = append(d.closes, names)
	return names, nil
}

func (d *desktop) calls() (int, [][]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.locks, slices.Clone(d.closes)
}

func policyRemoval(action api.RemovalAction, apps ...string) func(*sessiontest.Backend) {
	return func(b *sessiontest.Backend) { b.Rules.RemovalAction, b.Rules.CloseApplications = action, apps }
}

// lock-desktop from the policy: the agent locks first, the desktop after,
// and a desktop that takes its time holds nothing up.
func TestRemovalLocksTheDesktopAfterTheAgent(t *testing.T) {
	d := &desktop{}
	r := newRig(t, session.Config{Desktop: d}, policyRemoval(api.RemovalLockDesktop))
	r.loginAs(newTestCard(t, "Eve", "222233334444", twoYears), "123456", 0)
	d.gate = r.Gate() // closed: the desktop does not answer
	r.Pull("Reader 0")
	if s := r.WaitScreen(session.ScreenLocked); s.Local != session.LocalLocked {
		t.Fatalf("local state %q", s.Local)
	}
	if n, _ := d.calls(); n != 0 {
		t.Fatal("the desktop was locked before the gate opened")
	}
	d.gate.Open()
	eventually(t, "the desktop locked", func() bool { n, _ := d.calls(); return n == 1 })
}

// The agent's own setting overrides the policy; a card pulled before a role
// was chosen leaves the desktop alone.
func TestRemovalActionLocalOverride(t *testing.T) {
	d := &desktop{}
	r := newRig(t, session.Config{Desktop: d, RemovalAction: api.RemovalLockAgent}, policyRemoval(api.RemovalLockDesktop))
	r.loginAs(newTestCard(t, "Fay", "222233335555", twoYears), "123456", 0)
	r.Pull("Reader 0")
	r.WaitScreen(session.ScreenLocked)
	r.sync()
	if n, _ := d.calls(); n != 0 {
		t.Fatalf("lock-agent locked the desktop %d times", n)
	}

	d2 := &desktop{}
	r2 := newRig(t, session.Config{Desktop: d2}, policyRemoval(api.RemovalLockDesktop))
	c := newTestCard(t, "Gus", "222233336666", twoYears)
	r2.Insert("Reader 0", c)
	r2.WaitScreen(session.ScreenPasscode)
	r2.Submit([]byte("123456"))
	r2.WaitScreen(session.ScreenRoles)
	r2.Pull("Reader 0")
	r2.WaitFor("the card gone", func(s session.State) bool { return s.Screen != session.ScreenRoles })
	r2.sync()
	if n, _ := d2.calls(); n != 0 {
		t.Fatalf("a login without a role locked the desktop %d times", n)
	}
}

// logout ends the session even with Session Lock Persistence, says so, and
// closes the listed applications (the agent's list over the policy's).
func TestRemovalLogout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		local []string
		want  []string
	}{{"policy list", nil, []string{"wardnotes", "pacs-viewer"}}, {"local list", []string{"ice"}, []string{"ice"}}} {
		t.Run(tc.name, func(t *testing.T) {
			d := &desktop{}
			r := newRig(t, session.Config{Desktop: d, Mode: session.ModeSLP, CloseApplications: tc.local},
				policyRemoval(api.RemovalLogout, "wardnotes", "pacs-viewer"))
			r.loginAs(newTestCard(t, "Hal", "222233337777", twoYears), "123456", 0)
			r.Pull("Reader 0")
			s := r.WaitScreen(session.ScreenInsertCard)
			if s.Message != wording.LoggedOutOnRemoval || s.Active != nil || s.Local != session.LocalNoSession {
				t.Fatalf("after the pull: %q active %v local %q", s.Message, s.Active, s.Local)
			}
			eventually(t, "the session ended", func() bool { return r.Backend.State("s1") == api.SessionEnded })
			if r.Backend.Called("suspend") != 0 {
				t.Fatal("logout suspended the session")
			}
			eventually(t, "applications closed", func() bool { _, c := d.calls(); return len(c) == 1 })
			if _, c := d.calls(); !slices.Equal(c[0], tc.want) {
				t.Fatalf("closed %v, want %v", c[0], tc.want)
			}
		})
	}
}
