package sessiontest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cardagent/cardagent/session"
)

// Options are the fakes a Driver runs its agent on; nil ones are made new.
// Two Drivers may share a Backend and Tickets (a restart on the same
// workstation).
type Options struct {
	Backend *Backend
	Readers *Readers
	Tickets *Tickets
	Prefs   session.RolePrefs // nil: the agent's own memory
}

// Driver runs a real session.Agent on the fakes for a test's lifetime and
// drives it as a person and the card readers would.
type Driver struct {
	Agent   *session.Agent
	Backend *Backend
	Readers *Readers
	Tickets *Tickets

	t         testing.TB
	states    <-chan session.State
	cancelSub func()
	cancel    context.CancelFunc
	stopped   chan struct{} // closed when Run has returned
	stopOnce  sync.Once

	mu    sync.Mutex
	gates []*Gate
}

// Start makes an Agent with cfg on the fakes, subscribes to its States and
// runs it until the test ends (or Stop). No reader is connected yet.
func Start(t testing.TB, cfg session.Config, o Options) *Driver {
	t.Helper()
	if o.Backend == nil {
		o.Backend = NewBackend()
	}
	if o.Readers == nil {
		o.Readers = NewReaders()
	}
	if o.Tickets == nil {
		o.Tickets = &Tickets{}
	}
	d := &Driver{Backend: o.Backend, Readers: o.Readers, Tickets: o.Tickets, t: t, stopped: make(chan struct{})}
	d.Agent = session.New(cfg, d.Backend, d.Readers.Events(), d.Readers.Open, d.Tickets, o.Prefs)
	d.states, d.cancelSub = d.Agent.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() {
		defer close(d.stopped)
		d.Agent.Run(ctx)
	}()
	t.Cleanup(d.Stop)
	return d
}

// Gate returns a new closed gate that Stop opens before it stops the agent.
func (d *Driver) Gate() *Gate {
	g := NewGate()
	d.mu.Lock()
	d.gates = append(d.gates, g)
	d.mu.Unlock()
	return g
}

// Stop opens the Driver's gates and stops the agent (as a quit or SIGTERM
// does), returning once Run has. It is called again, harmlessly, when the
// test ends.
func (d *Driver) Stop() {
	d.stopOnce.Do(func() {
		d.mu.Lock()
		for _, g := range d.gates {
			g.Open()
		}
		d.mu.Unlock()
		d.cancel()
		<-d.stopped
		d.cancelSub()
	})
}

// Stopped is closed once Run has returned (after Stop, or a Quit).
func (d *Driver) Stopped() <-chan struct{} { return d.stopped }

// Insert puts c in the named reader; Pull takes the card out again.
func (d *Driver) Insert(readerName string, c *Card) { d.Readers.Insert(readerName, c) }
func (d *Driver) Pull(readerName string)            { d.Readers.Pull(readerName) }

// WaitTimeout is how long WaitFor waits before it fails the test.
const WaitTimeout = 5 * time.Second

// WaitScreen returns the first State showing screen (the current one, or
// the next on the subscription), failing the test after WaitTimeout.
func (d *Driver) WaitScreen(screen session.Screen) session.State {
	d.t.Helper()
	return d.WaitFor(screen.String(), func(s session.State) bool { return s.Screen == screen })
}

// WaitFor returns the first State for which ok holds: the current one, or
// the next on the subscription. A State replaced before it was read is
// never seen, so ok names a State that stays until the test acts.
func (d *Driver) WaitFor(what string, ok func(session.State) bool) session.State {
	d.t.Helper()
	if cur := d.Agent.Current(); ok(cur) {
		return cur
	}
	deadline := time.After(WaitTimeout)
	for {
		select {
		case s := <-d.states:
			if ok(s) {
				return s
			}
		case <-deadline:
			cur := d.Agent.Current()
			d.t.Fatalf("no %s state within %v; now %v (%q %q)", what, WaitTimeout, cur.Screen, cur.Problem, cur.Message)
		}
	}
}

// The answers go to the question on screen now (State.Question).

// Submit types passcode on the passcode prompt (the agent wipes it).
func (d *Driver) Submit(passcode []byte) {
	d.Agent.SubmitPasscode(d.Agent.Current().Question, passcode)
}

// SubmitRenewal types passcode on the renewal popup.
func (d *Driver) SubmitRenewal(passcode []byte) {
	d.Agent.SubmitRenewalPasscode(d.Agent.Current().Question, passcode)
}

// SubmitPasscodeChange types the current passcode and the new one twice on
// the passcode change popup.
func (d *Driver) SubmitPasscodeChange(current, next, again string) {
	d.Agent.SubmitPasscodeChange(d.Agent.Current().Question, []byte(current), []byte(next), []byte(again))
}

func (d *Driver) SelectRole(i int) { d.Agent.SelectRole(d.Agent.Current().Question, i) }
func (d *Driver) AcceptTerms()     { d.Agent.AcceptTerms(d.Agent.Current().Question) }
func (d *Driver) DeclineTerms()    { d.Agent.DeclineTerms(d.Agent.Current().Question) }

// LoginAs drives insert → passcode → (roles) to the active screen: c goes
// into the named reader, passcode is typed, and role roleIndex chosen when
// the user has several.
func (d *Driver) LoginAs(readerName string, c *Card, passcode string, roleIndex int) session.State {
	d.t.Helper()
	d.Insert(readerName, c)
	d.WaitScreen(session.ScreenPasscode)
	d.Submit([]byte(passcode))
	s := d.WaitFor("roles or active", func(s session.State) bool {
		return s.Screen == session.ScreenRoles || s.Screen == session.ScreenActive
	})
	if s.Screen == session.ScreenRoles {
		d.SelectRole(roleIndex)
		s = d.WaitScreen(session.ScreenActive)
	}
	return s
}
