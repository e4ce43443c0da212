package session

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/client"
)

// A backend session the agent lets go (card pulled, logout, quit, a
// declined term, a result that came too late, a stale ticket found at
// start) must end on the backend even when the backend is down at that
// moment: otherwise it stays active for its whole lifetime at a
// workstation where nobody is logged in. So every end goes through
// endings, which keeps the ticket (in the keyring, beside the live ticket)
// until the backend confirms, retries with backoff for as long as the
// agent runs, and takes the rest up again at the next start. None of it
// ever delays a lock.

// PendingEnd is a session still to be ended on the backend.
type PendingEnd struct {
	SessionID string `json:"session_id"`
	Token     string `json:"token"`
	Backend   string `json:"backend"` // the backend URL it belongs to
}

// Backoff between tries to end one session: first at once, then after
// Config.EndRetryWait (endRetryFirst by default), doubling up to endRetryMax.
const (
	endRetryFirst = time.Second
	endRetryMax   = time.Minute
)

type endings struct {
	a       *Agent
	mu      sync.Mutex
	pending map[string]*pendingTry // by session id
	wake    chan struct{}
	loaded  chan struct{} // closed once the stored list has been read
}

// pendingTry is one session to end and when to try it next.
type pendingTry struct {
	PendingEnd
	next time.Time     // zero: at once
	wait time.Duration // the last backoff
}

func newEndings(a *Agent) *endings {
	return &endings{a: a, pending: map[string]*pendingTry{}, wake: make(chan struct{}, 1), loaded: make(chan struct{})}
}

// add queues t to be ended and saves the queue. It never blocks for long.
func (e *endings) add(t client.Ticket) {
	e.addPending(PendingEnd{SessionID: t.ID, Token: t.Token, Backend: e.a.cfg.BackendURL})
}

func (e *endings) addPending(p PendingEnd) {
	e.mu.Lock()
	if _, ok := e.pending[p.SessionID]; ok {
		e.mu.Unlock()
		return
	}
	e.pending[p.SessionID] = &pendingTry{PendingEnd: p}
	e.mu.Unlock()
	e.save()
	e.poke()
}

func (e *endings) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// list is what is pending; the caller holds mu.
func (e *endings) list() []PendingEnd {
	list := make([]PendingEnd, 0, len(e.pending))
	for _, p := range e.pending {
		list = append(list, p.PendingEnd)
	}
	return list
}

// save writes the queue through the ordered keyring operations.
func (e *endings) save() {
	if e.a.tickets == nil {
		return
	}
	e.mu.Lock()
	list := e.list()
	e.mu.Unlock()
	e.a.ticketOps(func() error { return e.a.tickets.SavePending(list) })
}

// load takes up what an earlier run left: its pending ends and, if it died
// with a session open, its live ticket (which is then ended, not just
// deleted). One keyring operation, so it is ordered before any later save.
func (e *endings) load() {
	if e.a.tickets == nil {
		close(e.loaded)
		return
	}
	e.a.ticketOps(func() error {
		defer close(e.loaded)
		list, err := e.a.tickets.LoadPending()
		if err != nil {
			return err
		}
		for _, p := range list {
			if p.Backend != e.a.cfg.BackendURL {
				e.a.log.Warn("a session of another backend is still to be ended; it is left for that backend", "backend", p.Backend)
				continue
			}
			e.addPending(p)
		}
		st, err := e.a.tickets.Load()
		if err != nil || st.SessionID == "" {
			return nil // no ticket left behind (not found, or unreadable: nothing to end)
		}
		if st.Backend == e.a.cfg.BackendURL {
			e.a.log.Info("ending the session an earlier run left open")
			e.addPending(PendingEnd{SessionID: st.SessionID, Token: st.Token, Backend: st.Backend})
		}
		return e.a.tickets.Delete() // the pending list, saved before this, holds it now
	})
}

// run tries each pending end when it is due, each on its own (a slow end
// holds up no other), until ctx ends.
func (e *endings) run(ctx context.Context) {
	var tries sync.WaitGroup
	defer tries.Wait()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due, sleep := e.due()
		for _, p := range due {
			e.a.inflight.Add(1)
			tries.Go(func() { defer e.a.inflight.Add(-1); e.try(ctx, p) })
		}
		timer.Reset(sleep)
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-timer.C:
		}
	}
}

// due returns the ends to try now and how long until the next one.
func (e *endings) due() ([]PendingEnd, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	sleep := time.Hour
	var due []PendingEnd
	for _, p := range e.pending {
		if !p.next.After(now) {
			due = append(due, p.PendingEnd)
			p.next = now.Add(time.Hour) // not again until try decides
		} else if d := p.next.Sub(now); d < sleep {
			sleep = d
		}
	}
	return due, sleep
}

// try ends p once; the outcome decides whether it is done or tried later.
func (e *endings) try(ctx context.Context, p PendingEnd) {
	tctx, cancel := context.WithTimeout(ctx, e.a.cfg.BackendTimeout)
	err := e.a.backend.End(tctx, client.Ticket{ID: p.SessionID, Token: p.Token})
	cancel()
	if ctx.Err() != nil {
		e.retryLater(p.SessionID) // stopping: left for the next start
		return
	}
	if endedAlready(err) {
		e.done(p.SessionID)
		return
	}
	e.a.log.Warn("ending the session failed; it will be tried again", "err", err)
	e.retryLater(p.SessionID)
}

// endedAlready reports whether the backend's answer means there is nothing
// left to end: it ended it now, or had already (ended, expired, unknown),
// or refuses in a way no retry will change.
func endedAlready(err error) bool {
	if err == nil || client.IsCode(err, api.CodeSessionEnded, api.CodeNotFound, api.CodeUnauthenticated) {
		return true
	}
	var ae *client.APIError
	return errors.As(err, &ae) && ae.Status < 500
}

func (e *endings) retryLater(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, ok := e.pending[id]
	if !ok {
		return
	}
	if p.wait == 0 {
		p.wait = e.a.cfg.EndRetryWait
	} else if p.wait *= 2; p.wait > endRetryMax {
		p.wait = endRetryMax
	}
	p.next = time.Now().Add(p.wait)
	e.poke() // run sleeps until the earliest next time: this may be it
}

func (e *endings) done(id string) {
	e.mu.Lock()
	delete(e.pending, id)
	e.mu.Unlock()
	e.save()
}

// flush tries every pending end once, within ctx (the agent is stopping).
// What does not end stays saved for the next start.
func (e *endings) flush(ctx context.Context) {
	select {
	case <-e.loaded:
	case <-ctx.Done():
		return
	}
	e.mu.Lock()
	list := e.list()
	e.mu.Unlock()
	for _, p := range list {
		if ctx.Err() != nil {
			return
		}
		err := e.a.backend.End(ctx, client.Ticket{ID: p.SessionID, Token: p.Token})
		if endedAlready(err) {
			e.done(p.SessionID)
		} else {
			e.a.log.Warn("ending the session failed; the next start will end it", "err", err)
		}
	}
}
