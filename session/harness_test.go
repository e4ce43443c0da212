package session

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
)

// rig is one Agent with its fakes, running for the test's lifetime.
type rig struct {
	t       *testing.T
	agent   *Agent
	backend *fakeBackend
	events  chan reader.Event
	tickets *memTickets
	states  <-chan State
	cards   map[string]*testCard // reader → card in it
	mu      sync.Mutex
	logs    *testkit.SyncBuffer
	done    chan error
	cancel  context.CancelFunc
}

func newRig(t *testing.T, cfg Config, setup ...func(*fakeBackend)) *rig {
	t.Helper()
	r := &rig{
		t: t, backend: newFakeBackend(), events: make(chan reader.Event, 16), tickets: &memTickets{},
		cards: map[string]*testCard{}, logs: &testkit.SyncBuffer{}, done: make(chan error, 1),
	}
	cfg.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.TraceAPDUs = true
	open := func(name string) (CardConn, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		c, ok := r.cards[name]
		if !ok {
			return nil, &reader.Error{Op: "connecting", Kind: reader.ErrNoCard}
		}
		return c.conn, nil
	}
	for _, f := range setup {
		f(r.backend)
	}
	r.agent = New(cfg, r.backend, r.events, open, r.tickets, nil)
	var cancelSub func()
	r.states, cancelSub = r.agent.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.agent.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
		cancelSub()
	})
	r.events <- reader.Event{Kind: reader.ReaderAdded, Reader: "Reader 0"}
	r.events <- reader.Event{Kind: reader.ReaderAdded, Reader: "Reader 1"}
	r.waitScreen(ScreenInsertCard)
	if r.backend.failPolicy == nil {
		r.waitFor("policy", func(s State) bool { return s.Rule.MinLength == 6 })
	}
	return r
}

// insert puts card in the named reader and reports it.
func (r *rig) insert(name string, c *testCard) {
	r.mu.Lock()
	c.conn = &vcardConn{card: c.card}
	r.cards[name] = c
	r.mu.Unlock()
	r.events <- reader.Event{Kind: reader.CardInserted, Reader: name, ATR: c.card.ATR(), At: time.Now()}
}

// pull removes the card from the named reader and reports it.
func (r *rig) pull(name string) {
	r.mu.Lock()
	c := r.cards[name]
	delete(r.cards, name)
	r.mu.Unlock()
	if c != nil {
		c.conn.pull()
	}
	r.events <- reader.Event{Kind: reader.CardRemoved, Reader: name, At: time.Now()}
}

// waitScreen returns the first State showing screen, failing after 5 s.
func (r *rig) waitScreen(screen Screen) State {
	r.t.Helper()
	return r.waitFor(screen.String(), func(s State) bool { return s.Screen == screen })
}

func (r *rig) waitFor(what string, ok func(State) bool) State {
	r.t.Helper()
	if cur := r.agent.Current(); ok(cur) {
		return cur
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case s := <-r.states:
			if ok(s) {
				return s
			}
		case <-deadline:
			r.t.Fatalf("no %s state within 5 s; now %v (%q %q)", what, r.agent.Current().Screen, r.agent.Current().Problem, r.agent.Current().Message)
		}
	}
}

// sync returns once the agent is quiet: every reader event, intent and step
// result queued before it has been handled, and no step, keyring write or
// backend end is still running. A test checks that nothing happened after
// it, instead of after a sleep.
func (r *rig) sync() {
	r.t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		quiet := make(chan bool, 1)
		r.agent.do(func() { quiet <- len(r.events) == 0 && r.agent.idle() })
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
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s did not happen within 5 s", what)
}

// loginAs drives insert → passcode → (roles) to the active screen.
func (r *rig) loginAs(c *testCard, pin string, roleIndex int) State {
	r.t.Helper()
	r.insert("Reader 0", c)
	r.waitScreen(ScreenPasscode)
	r.submit([]byte(pin))
	s := r.waitFor("roles or active", func(s State) bool { return s.Screen == ScreenRoles || s.Screen == ScreenActive })
	if s.Screen == ScreenRoles {
		r.selectRole(roleIndex)
		s = r.waitScreen(ScreenActive)
	}
	return s
}

// The answers go to the question on screen now (State.Question).
func (r *rig) submit(pin []byte) { r.agent.SubmitPasscode(r.agent.Current().Question, pin) }
func (r *rig) selectRole(i int)  { r.agent.SelectRole(r.agent.Current().Question, i) }
func (r *rig) acceptTerms()      { r.agent.AcceptTerms(r.agent.Current().Question) }
func (r *rig) declineTerms()     { r.agent.DeclineTerms(r.agent.Current().Question) }
