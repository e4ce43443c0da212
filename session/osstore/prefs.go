package osstore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"

	"github.com/cardagent/cardagent/session"
)

// FilePrefs keeps the last role per user in a small JSON file (the user
// config dir). Failures to read start empty; it is a convenience only.
type FilePrefs struct {
	Path string
	mu   sync.Mutex
}

func (p *FilePrefs) load() map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile(p.Path); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// LastRole returns the role the user last chose here, or "".
func (p *FilePrefs) LastRole(userID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.load()[userID]
}

// SetLastRole records the user's choice, atomically.
func (p *FilePrefs) SetLastRole(userID, roleID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.load()
	m[userID] = roleID
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return err
	}
	tmp := p.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p.Path)
}

var _ session.RolePrefs = (*FilePrefs)(nil)
