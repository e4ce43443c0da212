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
	file userFile
}

// LastRole returns the role the user last chose here, or "".
func (p *FilePrefs) LastRole(userID string) string { return p.file.get(p.Path, userID) }

// SetLastRole records the user's choice, atomically.
func (p *FilePrefs) SetLastRole(userID, roleID string) error {
	return p.file.set(p.Path, userID, roleID)
}

var _ session.RolePrefs = (*FilePrefs)(nil)

// FileReminders keeps, per user, the day the renewal reminder last showed,
// in a small JSON file beside FilePrefs'.
type FileReminders struct {
	Path string
	file userFile
}

func (r *FileReminders) RemindedOn(userID string) string { return r.file.get(r.Path, userID) }
func (r *FileReminders) SetRemindedOn(userID, day string) error {
	return r.file.set(r.Path, userID, day)
}

var _ session.Reminders = (*FileReminders)(nil)

// userFile is a JSON object of user id → value, rewritten atomically.
type userFile struct{ mu sync.Mutex }

func (f *userFile) load(path string) map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func (f *userFile) get(path, userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.load(path)[userID]
}

func (f *userFile) set(path, userID, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.load(path)
	m[userID] = value
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
