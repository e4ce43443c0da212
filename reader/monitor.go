package reader

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/ebfe/scard"
)

// pnpReader is the pseudo-reader whose state changes when readers come and
// go (PC/SC part 5; pcsc-lite supports it).
const pnpReader = `\\?PnP?\Notification`

// safetyWake bounds every wait for events (see watch).
const safetyWake = time.Minute

// Backoff while pcscd is away. There is no event for "pcscd started", so
// this is the one place we poll, and only while the service is down.
const (
	minServiceRetry = 50 * time.Millisecond
	maxServiceRetry = 2 * time.Second
)

// Monitor watches every reader with blocking SCardGetStatusChange calls
// (no polling: an idle monitor costs no CPU) and fans typed Events out to
// any number of subscribers. Run drives it.
type Monitor struct {
	log *slog.Logger

	mu     sync.Mutex
	state  map[string]ReaderStatus // the true state; empty while the service is down
	up     bool                    // pcscd reachable
	known  bool                    // up has been determined at least once
	subs   map[*subscription]struct{}
	closed bool
}

// NewMonitor makes a Monitor; a nil logger discards.
func NewMonitor(log *slog.Logger) *Monitor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{log: log, state: map[string]ReaderStatus{}, subs: map[*subscription]struct{}{}}
}

// ServiceUp reports whether pcscd was reachable at the last look.
func (m *Monitor) ServiceUp() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.up
}

// Subscribe returns a channel of events. The first events describe the
// current state (ServiceLost, or ReaderAdded/CardInserted per reader), so a
// late subscriber needs no other call. Events are queued per subscriber and
// never dropped; cancel stops delivery and closes the channel.
func (m *Monitor) Subscribe() (events <-chan Event, cancel func()) {
	s := newSubscription()
	m.mu.Lock()
	if m.known {
		now := time.Now()
		if !m.up {
			s.push([]Event{{Kind: ServiceLost, At: now}})
		} else {
			s.push(diff(nil, m.state, now))
		}
	}
	if m.closed {
		s.close()
	} else {
		m.subs[s] = struct{}{}
	}
	m.mu.Unlock()
	return s.out, func() {
		m.mu.Lock()
		delete(m.subs, s)
		m.mu.Unlock()
		s.close()
	}
}

// Run watches until ctx ends, surviving pcscd restarts. It returns nil when
// ctx is cancelled and closes every subscription.
func (m *Monitor) Run(ctx context.Context) error {
	defer m.shutdown()
	retry := minServiceRetry
	for ctx.Err() == nil {
		sctx, err := establish()
		if err != nil {
			m.serviceLost(wrap("connecting to pcscd", err))
			select {
			case <-ctx.Done():
			case <-time.After(retry):
			}
			retry = min(2*retry, maxServiceRetry)
			continue
		}
		retry = minServiceRetry
		err = m.watch(ctx, sctx)
		release(sctx)
		if err != nil {
			m.serviceLost(err)
		}
	}
	return nil
}

// watch follows one PC/SC context until ctx ends (nil) or the service is
// lost (the error).
func (m *Monitor) watch(ctx context.Context, sctx *scard.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = cancelWait(sctx) })
	defer stop()

	states, err := m.readerStates(sctx, nil)
	if err != nil {
		return err
	}
	m.serviceBack()
	m.update(states, time.Now())
	for {
		// A cancel that lands between two waits would be lost (SCardCancel
		// only wakes a wait in progress): look first, and never wait for
		// ever. One wake-up a minute costs nothing measurable.
		if ctx.Err() != nil {
			return nil
		}
		err := sctx.GetStatusChange(states, safetyWake)
		at := time.Now()
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
		case errors.Is(err, scard.ErrTimeout):
			continue
		case errors.Is(err, scard.ErrUnknownReader), errors.Is(err, scard.ErrReaderUnavailable):
			// A reader vanished between listing and waiting: list again.
			if states, err = m.readerStates(sctx, states); err != nil {
				return err
			}
			m.update(states, at)
			continue
		default:
			return wrap("waiting for card events", err)
		}
		relist := false
		for i := range states {
			if states[i].EventState&scard.StateChanged != 0 && states[i].Reader == pnpReader {
				relist = true
			}
			states[i].CurrentState = states[i].EventState &^ scard.StateChanged
		}
		if relist {
			if states, err = m.readerStates(sctx, states); err != nil {
				return err
			}
			// Let the new readers report their first state before diffing.
			if err := sctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
				return wrap("reading reader states", err)
			}
			for i := range states {
				states[i].CurrentState = states[i].EventState &^ scard.StateChanged
			}
		}
		m.update(states, at)
	}
}

// readerStates lists the readers and returns the states to wait on: the
// known ones keep their last state so the next wait blocks until a change;
// new ones start unaware; the PnP pseudo-reader is last.
func (m *Monitor) readerStates(sctx *scard.Context, prev []scard.ReaderState) ([]scard.ReaderState, error) {
	names, err := listReaders(sctx)
	if err != nil {
		return nil, err
	}
	last := map[string]scard.StateFlag{}
	for _, s := range prev {
		last[s.Reader] = s.CurrentState
	}
	states := make([]scard.ReaderState, 0, len(names)+1)
	for _, n := range append(names, pnpReader) {
		states = append(states, scard.ReaderState{Reader: n, CurrentState: last[n]})
	}
	if len(prev) == 0 {
		// First look: read every state now, so the first update is complete.
		if err := sctx.GetStatusChange(states, 0); err != nil && !errors.Is(err, scard.ErrTimeout) {
			return nil, wrap("reading reader states", err)
		}
		for i := range states {
			states[i].CurrentState = states[i].EventState &^ scard.StateChanged
		}
	}
	return states, nil
}

// update publishes the events between the stored state and states.
func (m *Monitor) update(states []scard.ReaderState, at time.Time) {
	next := make(map[string]ReaderStatus, len(states))
	for _, s := range states {
		if s.Reader == pnpReader || s.EventState&(scard.StateUnknown|scard.StateIgnore) != 0 {
			continue
		}
		next[s.Reader] = statusOf(s)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.publish(diff(m.state, next, at))
	m.state = next
}

func (m *Monitor) serviceBack() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known && m.up {
		return
	}
	wasKnown := m.known
	m.up, m.known = true, true
	if wasKnown {
		m.log.Info("smartcard service is back")
		m.publish([]Event{{Kind: ServiceBack, At: time.Now()}})
	}
}

func (m *Monitor) serviceLost(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known && !m.up {
		return
	}
	m.up, m.known = false, true
	m.log.Warn("smartcard service lost", "err", err)
	now := time.Now()
	ev := append([]Event{{Kind: ServiceLost, At: now, Err: err}}, diff(m.state, nil, now)...)
	m.publish(ev)
	m.state = map[string]ReaderStatus{}
}

// publish hands events to every subscriber; the caller holds mu.
func (m *Monitor) publish(ev []Event) {
	if len(ev) == 0 {
		return
	}
	for _, e := range ev {
		m.log.Debug("reader event", "kind", e.Kind.String(), "reader", e.Reader)
	}
	for s := range m.subs {
		s.push(ev)
	}
}

func (m *Monitor) shutdown() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for s := range maps.Keys(m.subs) {
		s.close()
		delete(m.subs, s)
	}
}
