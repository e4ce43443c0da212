package sessiontest

import (
	"errors"
	"sync"

	"github.com/cardagent/cardagent/session"
)

// Tickets is a session.TicketStore in memory (the OS keyring).
type Tickets struct {
	mu      sync.Mutex
	t       *session.StoredTicket
	pending []session.PendingEnd
}

var _ session.TicketStore = (*Tickets)(nil)

func (m *Tickets) Load() (session.StoredTicket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.t == nil {
		return session.StoredTicket{}, errors.New("not found")
	}
	return *m.t, nil
}

func (m *Tickets) Save(t session.StoredTicket) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = &t
	return nil
}

func (m *Tickets) Delete() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = nil
	return nil
}

func (m *Tickets) SavePending(list []session.PendingEnd) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending = append([]session.PendingEnd(nil), list...)
	return nil
}

func (m *Tickets) LoadPending() ([]session.PendingEnd, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]session.PendingEnd(nil), m.pending...), nil
}

// Get is the live ticket now in the store, nil when there is none.
func (m *Tickets) Get() *session.StoredTicket {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// PendingIDs lists the sessions still to be ended.
func (m *Tickets) PendingIDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, p := range m.pending {
		ids = append(ids, p.SessionID)
	}
	return ids
}

// RemindedAlready is a renewal reminder store for which every user has seen
// today's reminder: the popup does not open by itself (tests of other
// things on a session inside the renewal window).
type RemindedAlready struct{}

func (RemindedAlready) RemindedOn(string) string           { return "9999-12-31" }
func (RemindedAlready) SetRemindedOn(string, string) error { return nil }

// ReminderDays is an in-memory renewal reminder store.
type ReminderDays struct {
	mu   sync.Mutex
	days map[string]string
}

func (r *ReminderDays) RemindedOn(userID string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.days[userID]
}

func (r *ReminderDays) SetRemindedOn(userID, day string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.days == nil {
		r.days = map[string]string{}
	}
	r.days[userID] = day
	return nil
}
