package session

import "sync"

// memPrefs is the default when no file is configured.
type memPrefs struct {
	mu sync.Mutex
	m  map[string]string
}

func (p *memPrefs) LastRole(userID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[userID]
}

func (p *memPrefs) SetLastRole(userID, roleID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[userID] = roleID
	return nil
}

// memReminders is the default when no file is configured.
type memReminders struct{ memPrefs }

func (r *memReminders) RemindedOn(userID string) string        { return r.LastRole(userID) }
func (r *memReminders) SetRemindedOn(userID, day string) error { return r.SetLastRole(userID, day) }
