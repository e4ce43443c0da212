//go:build e2e

package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/session/osstore"
)

// Nothing left behind when a part fails: after each fault the backend's own
// table holds no session still active for a workstation nobody is at.

// inProcessAgent runs the session package over the real parts: pcscd, the
// card, the client on HTTPS to identityd, and a Secret Service entry of its
// own (so it does not meet the other tests' tickets).
type inProcessAgent struct {
	agent   *session.Agent
	states  <-chan session.State
	tickets osstore.Keyring
	logs    *testkit.SyncBuffer
}

func startInProcess(t *testing.T, id *testkit.Identityd, wrap func(http.RoundTripper) http.RoundTripper) *inProcessAgent {
	t.Helper()
	needKeyring(t)
	m, _ := startMonitor(t)
	backend, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "e2e-faults", Timeout: 2 * time.Second, WrapTransport: wrap})
	if err != nil {
		t.Fatal(err)
	}
	events, unsub := m.Subscribe()
	t.Cleanup(unsub)
	p := &inProcessAgent{tickets: osstore.Keyring{Service: "cardagent-e2e-faults"}, logs: &testkit.SyncBuffer{}}
	p.tickets.Delete()
	p.tickets.SavePending(nil)
	p.agent = session.New(session.Config{BackendURL: id.URL, EndRetryWait: 50 * time.Millisecond, BackendTimeout: 3 * time.Second,
		Logger: slog.New(slog.NewTextHandler(p.logs, nil))}, backend, events,
		func(name string) (session.CardConn, error) { return reader.Open(name) }, p.tickets, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.agent.Run(ctx) }()
	states, unsubStates := p.agent.Subscribe()
	p.states = states
	t.Cleanup(func() { cancel(); <-done; unsubStates() })
	return p
}

func (p *inProcessAgent) wait(t *testing.T, ok func(session.State) bool, what string) session.State {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case s := <-p.states:
			if ok(s) {
				return s
			}
		case <-deadline:
			c := p.agent.Current()
			t.Fatalf("no %s within 15 s; now %v %q %q\n%s", what, c.Screen, c.Problem, c.Message, p.logs.String())
		}
	}
}

func (p *inProcessAgent) waitScreen(t *testing.T, screen session.Screen) session.State {
	t.Helper()
	return p.wait(t, func(s session.State) bool { return s.Screen == screen }, screen.String())
}

// login takes the demo clinician to the active screen.
func (p *inProcessAgent) login(t *testing.T) {
	t.Helper()
	s := p.wait(t, func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Card.Verified }, "verified prompt")
	p.agent.SubmitPasscode(s.Question, []byte(demoPasscode))
	for {
		s = p.wait(t, func(s session.State) bool {
			return s.Screen == session.ScreenTerms || s.Screen == session.ScreenRoles || s.Screen == session.ScreenActive
		}, "terms, roles or active")
		switch s.Screen {
		case session.ScreenTerms:
			p.agent.AcceptTerms(s.Question)
		case session.ScreenRoles:
			p.agent.SelectRole(s.Question, 0)
		default:
			return
		}
	}
}

// eventuallySessions waits until the store's session counts are want.
func eventuallySessions(t *testing.T, id *testkit.Identityd, want map[string]int, why string) {
	t.Helper()
	var got map[string]int
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if got = id.Sessions(t); equalCounts(got, want) {
			return
		}
	}
	t.Fatalf("%s: sessions %v, want %v", why, got, want)
}

func equalCounts(a, b map[string]int) bool {
	for _, k := range []string{"active", "suspended", "ended"} {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func onBothStores(t *testing.T, f func(t *testing.T, db string)) {
	t.Run("sqlite", func(t *testing.T) { f(t, "") })
	t.Run("postgres", func(t *testing.T) { f(t, testkit.Postgres(t)) })
}

// The card is pulled while identityd is down: the lock is immediate, the
// session is kept (in the keyring) to be ended, and it is ended once
// identityd is back.
func TestRemovalWhileBackendDown(t *testing.T) {
	onBothStores(t, func(t *testing.T, db string) {
		needRig(t)
		id := testkit.StartIdentitydOn(t, db)
		p := startInProcess(t, id, nil)
		slot := insert(t, demoCard(t, id, testkit.DemoClinician), 0)
		p.login(t)
		eventuallySessions(t, id, map[string]int{"active": 1}, "logged in")

		id.Stop()
		start := time.Now()
		slot.Pull()
		p.waitScreen(t, session.ScreenLocked)
		t.Logf("locked %v after the pull, with identityd down", time.Since(start).Round(time.Millisecond))
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if list, _ := p.tickets.LoadPending(); len(list) == 1 {
				break
			}
			if time.Now().After(end) {
				t.Fatal("the session to end is not kept in the keyring")
			}
		}
		if n := id.Sessions(t); n["active"] != 1 {
			t.Fatalf("sessions %v while identityd was down", n)
		}

		id.Start(t)
		eventuallySessions(t, id, map[string]int{"ended": 1}, "identityd back")
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if list, _ := p.tickets.LoadPending(); len(list) == 0 {
				break
			}
			if time.Now().After(end) {
				t.Fatal("the ended session is still listed to end")
			}
		}
	})
}

// The card is pulled while identityd's reply to the login is on its way:
// identityd has committed the session, so the agent, which let the request
// finish, ends it.
func TestPulledWhileLoginReplyInFlight(t *testing.T) {
	onBothStores(t, func(t *testing.T, db string) {
		needRig(t)
		id := testkit.StartIdentitydOn(t, db)
		committed, release := make(chan struct{}), make(chan struct{})
		hold := func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := next.RoundTrip(r)
				if r.Method == http.MethodPost && r.URL.Path == "/v1/sessions" {
					close(committed) // identityd has answered: the session exists
					<-release        // … and the reply is slow to arrive
				}
				return resp, err
			})
		}
		p := startInProcess(t, id, hold)
		slot := insert(t, demoCard(t, id, testkit.DemoClinician), 0)
		s := p.wait(t, func(s session.State) bool { return s.Screen == session.ScreenPasscode && s.Card.Verified }, "verified prompt")
		p.agent.SubmitPasscode(s.Question, []byte(demoPasscode))
		<-committed
		slot.Pull()
		p.waitScreen(t, session.ScreenInsertCard)
		close(release)
		eventuallySessions(t, id, map[string]int{"ended": 1}, "the reply came after the pull")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The agent is killed (SIGKILL) with a session open: its ticket stays in
// the Secret Service, and the next start ends that session instead of
// leaving it active beside the new one.
func TestKilledAgentSessionEndedAtNextStart(t *testing.T) {
	onBothStores(t, func(t *testing.T, db string) {
		needRig(t)
		needKeyring(t)
		id := testkit.StartIdentitydOn(t, db)
		insert(t, demoCard(t, id, testkit.DemoClinician), 0)
		cmd, _ := loginNoGUI(t, id)
		for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, ok := keyringTicket(t); ok {
				break
			}
			if time.Now().After(end) {
				t.Fatal("no ticket in the keyring during the session")
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, ok := keyringTicket(t); !ok {
			t.Fatal("the killed agent's ticket is not in the keyring: the test proves nothing")
		}
		eventuallySessions(t, id, map[string]int{"active": 1}, "after the kill")

		cmd, logs := loginNoGUI(t, id, "--once") // logs in anew and out again
		waitExit(t, cmd, logs)
		eventuallySessions(t, id, map[string]int{"ended": 2}, "after the next start")
		if _, ok := keyringTicket(t); ok {
			t.Fatal("a ticket is still in the keyring")
		}
	})
}
