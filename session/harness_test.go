package session_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader/vcard"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/sessiontest"
)

// rig is one Agent on sessiontest's fakes, running for the test's lifetime,
// with two readers connected, the backend's policy learnt (unless setup
// makes it fail) and its logs (APDU trace on) kept.
type rig struct {
	*sessiontest.Driver
	t    *testing.T
	logs *testkit.SyncBuffer
}

func newRig(t *testing.T, cfg session.Config, setup ...func(*sessiontest.Backend)) *rig {
	t.Helper()
	b := sessiontest.NewBackend()
	for _, f := range setup {
		f(b)
	}
	r := &rig{t: t, logs: &testkit.SyncBuffer{}}
	cfg.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.TraceAPDUs = true
	if cfg.Reminders == nil {
		cfg.Reminders = sessiontest.RemindedAlready{} // the renewal popup opens only where a test asks
	}
	r.Driver = sessiontest.Start(t, cfg, sessiontest.Options{Backend: b})
	r.Readers.Add("Reader 0")
	r.Readers.Add("Reader 1")
	r.WaitScreen(session.ScreenInsertCard)
	if b.FailPolicy == nil {
		r.WaitFor("policy", func(s session.State) bool { return s.Rule.MinLength == 6 })
	}
	return r
}

var twoYears = time.Now().AddDate(2, 0, 0)

// newTestCard is a card the fake backend's CA issued to name (UUID uuid).
func newTestCard(t *testing.T, name, uuid string, notAfter time.Time) *sessiontest.Card {
	t.Helper()
	return sessiontest.NewCard(t, sessiontest.Enrolment{Name: name, UUID: uuid, NotAfter: notAfter})
}

// newTestCardWith is newTestCard on a card made with opts.
func newTestCardWith(t *testing.T, opts vcard.Options, name, uuid string, notAfter time.Time) *sessiontest.Card {
	t.Helper()
	return sessiontest.NewCard(t, sessiontest.Enrolment{Name: name, UUID: uuid, NotAfter: notAfter, Options: opts})
}

// newRogueCard is a card someone made themselves: a self-signed certificate
// in another person's name.
func newRogueCard(t *testing.T, name, uuid string) *sessiontest.Card {
	t.Helper()
	return sessiontest.NewCard(t, sessiontest.Enrolment{Name: name, UUID: uuid, SelfSigned: true})
}

// sync returns once the agent is quiet: every reader event, intent and step
// result queued before it has been handled, and no step, keyring write or
// backend end is still running. A test checks that nothing happened after
// it, instead of after a sleep.
func (r *rig) sync() {
	r.t.Helper()
	// Polls in real time: the agent's work runs on goroutines of its own,
	// and only the loop can say when all of it is done.
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		quiet := make(chan bool, 1)
		r.Agent.Do(func() { quiet <- r.Readers.Queued() == 0 && r.Agent.Idle() })
		if <-quiet {
			return
		}
		if time.Now().After(end) {
			r.t.Fatal("the agent did not settle within 5 s")
		}
	}
}

// eventually polls cond for up to 5 s (for effects off the state stream).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Polls in real time: keyring writes and backend calls happen off the
	// loop and publish no State to wait for.
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s did not happen within 5 s", what)
}

// loginAs drives insert → passcode → (roles) to the active screen in Reader 0.
func (r *rig) loginAs(c *sessiontest.Card, pin string, roleIndex int) session.State {
	r.t.Helper()
	return r.LoginAs("Reader 0", c, pin, roleIndex)
}
