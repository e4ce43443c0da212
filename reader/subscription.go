package reader

import "sync"

// subscription queues events for one subscriber without bound, so a slow
// consumer never blocks the Monitor and never misses an event (a missed
// removal would leave a session unlocked).
type subscription struct {
	out  chan Event
	mu   sync.Mutex
	q    []Event
	wake chan struct{}
	done chan struct{}
	once sync.Once
}

func newSubscription() *subscription {
	s := &subscription{out: make(chan Event), wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.deliver()
	return s
}

func (s *subscription) push(ev []Event) {
	s.mu.Lock()
	s.q = append(s.q, ev...)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscription) close() { s.once.Do(func() { close(s.done) }) }

func (s *subscription) deliver() {
	defer close(s.out)
	for {
		s.mu.Lock()
		var next *Event
		if len(s.q) > 0 {
			e := s.q[0]
			s.q = s.q[1:]
			next = &e
		}
		s.mu.Unlock()
		if next == nil {
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case s.out <- *next:
		case <-s.done:
			return
		}
	}
}
