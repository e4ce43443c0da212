//go:build e2e

package main

// The agent's latency through every real part but the display server
// (here because only cmd/cardagent, ui and assets may import Fyne):
// pcscd + vpcd + vcard → reader.Monitor → session → Fyne UI (the test
// driver, which paints in software: Capture() draws the screen), with a real
// identityd behind it. Run by `make bench`:
//
//	go test -tags e2e -run '^$' -bench Agent -benchtime 50x ./cmd/cardagent/
//
// For each card pull and insert it reports:
//   - pcscd:   socket change → pcscd reports it to the agent (the floor vpcd's 400 ms polling sets);
//   - agent:   pcscd's report → the screen drawn (what the agent itself costs);
//   - total:   socket change → the screen drawn.
// and for each login: passcode submitted → role screen drawn, APDUs and HTTP requests.

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/cardagent/cardagent/client"
	"github.com/cardagent/cardagent/internal/testkit"
	"github.com/cardagent/cardagent/reader"
	"github.com/cardagent/cardagent/reader/apdu"
	"github.com/cardagent/cardagent/session"
	"github.com/cardagent/cardagent/ui"
)

var (
	pcsc    *testkit.PCSC
	pcscErr error
)

// TestMain gives the benchmark its own isolated pcscd (only with -tags e2e).
func TestMain(m *testing.M) {
	testkit.MainWithPCSC(m, func(p *testkit.PCSC, err error) { pcsc, pcscErr = p, err })
}

const benchPasscode = "735193"

type durations []time.Duration

func (d durations) pct(p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	c := slices.Clone(d)
	slices.Sort(c)
	return float64(c[min(len(c)-1, int(p*float64(len(c))))].Microseconds()) / 1000
}

func (d durations) report(b *testing.B, name string) {
	b.ReportMetric(d.pct(0.50), name+"-p50-ms")
	b.ReportMetric(d.pct(0.99), name+"-p99-ms")
}

// countingConn counts the APDUs of every transaction and, with busy set,
// adds up the nanoseconds spent inside Transmit (the card's share: pcscd,
// vpcd and the card itself).
type countingConn struct {
	*reader.Card
	n    *atomic.Int64
	busy *atomic.Int64
}

type countingTx struct {
	tx      apdu.Transmitter
	n, busy *atomic.Int64
}

func (c countingTx) Transmit(cmd []byte) ([]byte, error) {
	c.n.Add(1)
	if c.busy == nil {
		return c.tx.Transmit(cmd)
	}
	t0 := time.Now()
	defer func() { c.busy.Add(int64(time.Since(t0))) }()
	return c.tx.Transmit(cmd)
}

func (c countingConn) Do(ctx context.Context, fn func(apdu.Transmitter) error) error {
	return c.Card.Do(ctx, func(tx apdu.Transmitter) error { return fn(countingTx{tx, c.n, c.busy}) })
}

type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

func BenchmarkAgentLockInsertLogin(b *testing.B) {
	testkit.Need(b, pcscErr)
	id := testkit.StartIdentityd(b)
	m := reader.NewMonitor(nil)
	mctx, stopMonitor := context.WithCancel(context.Background())
	defer stopMonitor()
	go m.Run(mctx)

	var apdus, requests atomic.Int64
	backend, err := client.New(client.Config{BaseURL: id.URL, CAPin: id.Pin, WorkstationID: "bench",
		WrapTransport: func(next http.RoundTripper) http.RoundTripper { return countingTransport{next, &requests} }})
	if err != nil {
		b.Fatal(err)
	}
	events, unsub := m.Subscribe()
	defer unsub()
	agent := session.New(session.Config{}, backend, events, func(name string) (session.CardConn, error) {
		c, err := reader.Open(name)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &apdus, nil}, nil
	}, nil, nil)
	actx, stopAgent := context.WithCancel(context.Background())
	agentDone := make(chan error, 1)
	go func() { agentDone <- agent.Run(actx) }()
	defer func() { stopAgent(); <-agentDone }()

	app := test.NewTempApp(b)
	u := ui.New(app, agent)
	u.Window().Show()
	var mu sync.Mutex
	drawn := map[session.Screen]chan time.Time{}
	expect := func(s session.Screen) chan time.Time {
		mu.Lock()
		defer mu.Unlock()
		ch := make(chan time.Time, 1)
		drawn[s] = ch
		return ch
	}
	var appliedAt atomic.Int64 // when the last State was applied, before painting
	u.OnApplied(func(st session.State) {
		appliedAt.Store(time.Now().UnixNano())
		u.Window().Canvas().Capture() // paint the frame in software: "drawn"
		at := time.Now()
		mu.Lock()
		ch := drawn[st.Screen]
		delete(drawn, st.Screen)
		mu.Unlock()
		if ch != nil {
			ch <- at
		}
	})
	// When the session published each State (before the UI saw it).
	var publishedAt sync.Map // session.Screen → time.Time
	states, unsubStates := agent.Subscribe()
	defer unsubStates()
	go func() {
		for st := range states {
			publishedAt.Store(st.Screen, time.Now())
		}
	}()
	stop := u.Follow()
	defer stop()

	// Our own subscription sees the same events, with the time pcscd
	// reported them (GetStatusChange returned).
	seen, unsubSeen := m.Subscribe()
	defer unsubSeen()
	reported := func(kind reader.EventKind) time.Time {
		for {
			select {
			case e := <-seen:
				if e.Kind == kind && e.Reader == pcsc.ReaderName(0) {
					return e.At
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no %v", kind)
			}
		}
	}
	await := func(ch chan time.Time, what session.Screen) time.Time {
		select {
		case t := <-ch:
			return t
		case <-time.After(15 * time.Second):
			c := agent.Current()
			b.Fatalf("%v not drawn; now %v %q %q", what, c.Screen, c.Problem, c.Message)
		}
		return time.Time{}
	}

	card := testkit.DemoCard(b, id, testkit.DemoClinician, benchPasscode)
	var lockAgent, lockPcscd, lockTotal, lockState, lockApplied, inAgent, inPcscd, inTotal, login durations
	var apdusPerLogin, requestsPerLogin []int64
	for i := -1; i < b.N; i++ { // i == -1: warm-up (terms, first certificate read)
		// Insert: passcode prompt with name and tries drawn.
		prompt := expect(session.ScreenPasscode)
		t0 := time.Now()
		s := pcsc.Insert(b, card, 0)
		pcscdAt := reported(reader.CardInserted)
		d := await(prompt, session.ScreenPasscode)
		if i >= 0 {
			inPcscd, inAgent, inTotal = append(inPcscd, pcscdAt.Sub(t0)), append(inAgent, d.Sub(pcscdAt)), append(inTotal, d.Sub(t0))
		}
		// Login: passcode → role screen.
		apdus.Store(0)
		requests.Store(0)
		next := session.ScreenRoles
		if i < 0 {
			next = session.ScreenTerms
		}
		roles := expect(next)
		t1 := time.Now()
		agent.SubmitPasscode(agent.Current().Question, []byte(benchPasscode))
		d = await(roles, next)
		if i >= 0 {
			login = append(login, d.Sub(t1))
			apdusPerLogin = append(apdusPerLogin, apdus.Load())
			requestsPerLogin = append(requestsPerLogin, requests.Load())
		} else {
			roles = expect(session.ScreenRoles)
			agent.AcceptTerms(agent.Current().Question)
			await(roles, session.ScreenRoles)
		}
		active := expect(session.ScreenActive)
		agent.SelectRole(agent.Current().Question, 0)
		await(active, session.ScreenActive)
		// Pull: locked screen drawn.
		locked := expect(session.ScreenLocked)
		t2 := time.Now()
		s.Pull()
		pcscdAt = reported(reader.CardRemoved)
		d = await(locked, session.ScreenLocked)
		if i >= 0 {
			lockPcscd, lockAgent, lockTotal = append(lockPcscd, pcscdAt.Sub(t2)), append(lockAgent, d.Sub(pcscdAt)), append(lockTotal, d.Sub(t2))
			if v, ok := publishedAt.Load(session.ScreenLocked); ok {
				lockState = append(lockState, v.(time.Time).Sub(pcscdAt))
			}
			lockApplied = append(lockApplied, time.Unix(0, appliedAt.Load()).Sub(pcscdAt))
		}
	}
	b.StopTimer()
	lockAgent.report(b, "lock-agent")
	lockPcscd.report(b, "lock-pcscd")
	lockTotal.report(b, "lock-total")
	lockState.report(b, "lock-state")     // pcscd's report → session published Locked
	lockApplied.report(b, "lock-applied") // … → UI applied it (before painting)
	inAgent.report(b, "prompt-agent")
	inPcscd.report(b, "prompt-pcscd")
	inTotal.report(b, "prompt-total")
	login.report(b, "login")
	b.ReportMetric(mean(apdusPerLogin), "apdus/login")
	b.ReportMetric(mean(requestsPerLogin), "http/login")
}

func mean(v []int64) float64 {
	var s int64
	for _, x := range v {
		s += x
	}
	if len(v) == 0 {
		return 0
	}
	return float64(s) / float64(len(v))
}
