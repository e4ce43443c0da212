package session

// subscriber receives States. Only the newest matters to a renderer, so an
// unread State is replaced by a newer one rather than queued: a slow UI
// never holds the agent up and never shows a stale screen.
type subscriber struct {
	ch chan State
}

// offer delivers s, replacing an unread older State. The caller holds pubMu,
// which makes the drain-then-send pair safe against other offers.
func (s *subscriber) offer(st State) {
	select {
	case <-s.ch:
	default:
	}
	s.ch <- st
}

// Subscribe returns a channel whose first value is the current State, then
// each newer one (unread ones are replaced). cancel stops delivery.
func (a *Agent) Subscribe() (<-chan State, func()) {
	s := &subscriber{ch: make(chan State, 1)}
	a.pubMu.Lock()
	s.ch <- a.pub
	if a.subs != nil {
		a.subs[s] = struct{}{}
	} else {
		close(s.ch)
	}
	a.pubMu.Unlock()
	return s.ch, func() {
		a.pubMu.Lock()
		if _, ok := a.subs[s]; ok {
			delete(a.subs, s)
			close(s.ch)
		}
		a.pubMu.Unlock()
	}
}

func (a *Agent) closeSubscribers() {
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	for s := range a.subs {
		close(s.ch)
	}
	a.subs = nil
}
