// Package osstore keeps what the agent stores in the operating system for
// the session package, behind the small interfaces that package owns: the
// session ticket and the sessions still to be ended in the Secret Service
// keyring (session.TicketStore), and the last role used on this
// workstation in a preferences file (session.RolePrefs).
package osstore

import (
	"encoding/json"
	"errors"

	"github.com/zalando/go-keyring"

	"github.com/cardagent/cardagent/session"
)

// Keyring stores the ticket in the OS keyring (Secret Service on Linux)
// under service "cardagent".
type Keyring struct {
	Service string // default "cardagent"
	User    string // default "session"
}

func (k Keyring) names() (string, string) {
	s, u := k.Service, k.User
	if s == "" {
		s = "cardagent"
	}
	if u == "" {
		u = "session"
	}
	return s, u
}

// Save writes the ticket as JSON.
func (k Keyring) Save(t session.StoredTicket) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	s, u := k.names()
	return keyring.Set(s, u, string(b))
}

// Delete removes the ticket; a missing one is not an error.
func (k Keyring) Delete() error {
	s, u := k.names()
	if err := keyring.Delete(s, u); err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return err
	}
	return nil
}

// pendingUser is the keyring entry of the sessions still to be ended.
const pendingUser = "pending-ends"

// SavePending stores the sessions still to be ended (none: the entry goes).
func (k Keyring) SavePending(list []session.PendingEnd) error {
	s, _ := k.names()
	if len(list) == 0 {
		if err := keyring.Delete(s, pendingUser); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return err
		}
		return nil
	}
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return keyring.Set(s, pendingUser, string(b))
}

// LoadPending reads them back.
func (k Keyring) LoadPending() ([]session.PendingEnd, error) {
	s, _ := k.names()
	v, err := keyring.Get(s, pendingUser)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var list []session.PendingEnd
	return list, json.Unmarshal([]byte(v), &list)
}

// Load reads the ticket (for other local apps and tests).
func (k Keyring) Load() (session.StoredTicket, error) {
	s, u := k.names()
	v, err := keyring.Get(s, u)
	if err != nil {
		return session.StoredTicket{}, err
	}
	var t session.StoredTicket
	return t, json.Unmarshal([]byte(v), &t)
}

var _ session.TicketStore = Keyring{}
